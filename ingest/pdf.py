"""Scientific PDFs to blocks, read from the page layout (pdfplumber: every word with its font, size and position).

Chosen by measurement on our fixtures (`python -m bench.ingest_quality --pdf-parsers`):
pypdf and pypdfium2 give text only, so a superscript citation ("models.14,15"),
a running header, a bold section heading and a figure's labels all arrive as
words of the prose. pdfplumber (MIT, on pdfminer.six) gives each word's font
size, font name and box, which is what separates them:
- the title is the largest type in the top part of page 1, the authors the
  lines between it and the abstract (metadata, not text), and the rest of the
  front matter (affiliations, e-mails) is dropped;
- words in small type raised above their line's baseline are reference
  markers; words printed sideways are margin stamps (arXiv ids);
- lines repeated at the top or bottom of many pages are running headers and
  footers; bare numbers in the margins are page and line numbers;
- a short line in bold or larger type is a section heading (section
  metadata); a bold run at the start of a paragraph is a run-in heading;
- small type that is not a figure or table caption, and scraps of a few
  words without a sentence in them, are figure and table debris.
Words are read in the PDF's text flow, which for two-column papers typeset
by LaTeX and by publishers' systems is column order.
"""

from __future__ import annotations

import re
import statistics
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from errors import IngestError
from ingest.blocks import HEADING, PARAGRAPH, Block
from text.furniture import is_furniture, is_reference_entry

_BOLD = re.compile(r"bold|black|heavy|semibold|demi|medi\b|-medi|cmbx|\.b\b|,b\b", re.IGNORECASE)
_MARKER_WORD = re.compile(r"^[\d,\-–—*†‡§¶∗⋆#a-f]{1,15}$")
_CAPTION = re.compile(r"^(?:fig(?:ure)?\.?|table|scheme|chart|box)\s*[A-Z]?\d+[a-z]?\b", re.IGNORECASE)
_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-Z]\.(?:\d{1,2}\.?)?|[IVX]{1,4}\.)\s+[A-Z]")
_AUTHOR_MARKS = re.compile(r"[\d*†‡§¶∗⋆#]+|\s+and\s+$")


@dataclass
class _Line:
    words: list[dict]
    page: int
    size: float = 0.0
    bold: bool = False
    text: str = ""
    top: float = 0.0
    bottom: float = 0.0
    x0: float = 0.0
    x1: float = 0.0
    bold_prefix: int = 0  # leading bold words (a run-in heading)

    def finish(self) -> _Line:
        self.text = " ".join(w["text"] for w in self.words)
        sizes = [w["size"] for w in self.words for _ in w["text"]]
        self.size = statistics.median(sizes)
        bold_chars = sum(len(w["text"]) for w in self.words if _BOLD.search(w["fontname"]))
        self.bold = bold_chars >= 0.95 * len(self.text.replace(" ", ""))
        self.top = min(w["top"] for w in self.words)
        self.bottom = max(w["bottom"] for w in self.words)
        self.x0 = min(w["x0"] for w in self.words)
        self.x1 = max(w["x1"] for w in self.words)
        for w in self.words:
            if not _BOLD.search(w["fontname"]):
                break
            self.bold_prefix += 1
        return self


@dataclass
class _Paragraph:
    lines: list[_Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def pdf_blocks(file: Path) -> tuple[list[Block], dict[str, str], list[str], str]:
    """(blocks, metadata, notes, all of its words as one text) of a PDF."""
    import pdfplumber
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    try:
        with pdfplumber.open(str(file)) as pdf:
            info = {k: str(v) for k, v in (pdf.metadata or {}).items() if isinstance(v, (str, bytes))}
            pages = []
            for number, page in enumerate(pdf.pages, 1):
                words = page.extract_words(use_text_flow=True, x_tolerance=1.5, return_chars=True)
                pages.append((number, float(page.height), [_styled(w) for w in words]))
    except (PdfminerException, MalformedPDFException, PSException, ValueError, KeyError, TypeError, AttributeError, RecursionError,
            IndexError, AssertionError, struct.error, zlib.error, EOFError, OverflowError) as exc:
        message = str(exc)
        if "unable to allocate" in message.lower():  # zlib out of memory, wrapped: let the parse budget say so
            raise MemoryError(message) from None
        if "password" in message.lower() or "encrypt" in message.lower():
            raise IngestError("PDF is encrypted; save an unprotected copy first") from None
        raise IngestError(f"PDF is damaged or not a PDF ({type(exc).__name__}: {message[:120]})") from None
    all_words = [w for _, _, ws in pages for w in ws if w.get("upright", True)]
    if not all_words:
        raise IngestError("PDF has no extractable text (a scanned image? run OCR first)")
    body = _body_size(all_words)
    lines: list[_Line] = []
    for number, _height, words in pages:
        lines += _page_lines(words, number)
    heights = {n: h for n, h, _ in pages}
    notes: list[str] = []
    lines, dropped = _drop_running_lines(lines, heights)
    if dropped:
        notes.append(f"{dropped} running header/footer or page-number lines removed")
    title, authors, lines = _front_matter(lines, body, heights)
    blocks = _blocks(_paragraphs(lines, body), body)
    meta = {"title": (info.get("Title") or "").strip() if _real_title(info.get("Title", "")) else "", "authors": ""}
    meta["title"] = meta["title"] or title
    meta["authors"] = (info.get("Author") or "").strip() or authors
    plain = " ".join(w["text"] for w in all_words)
    return blocks, meta, notes, plain


def _styled(word: dict) -> dict:
    """A word with its type size and font; superscript characters inside it ("Kre13," "models.14") removed.

    pdfplumber's words ignore font changes (so small caps and italics stay whole words), which leaves a
    reference marker glued to the word it follows: its characters are smaller and raised above the baseline.
    """
    chars = [c for c in word.get("chars", []) if c.get("text")]
    if not chars:
        return {**word, "size": 0.0, "fontname": "", "upright": word.get("upright", True)}
    base = max(c["size"] for c in chars)
    baseline = max(c["bottom"] for c in chars if c["size"] >= 0.95 * base)
    raised = [c["size"] < 0.85 * base and c["bottom"] < baseline - 0.15 * base for c in chars]
    if any(raised) and not all(raised):
        kept = [c for c, r in zip(chars, raised) if not (r and _MARKER_WORD.match(c["text"]))]
        word = {**word, "text": "".join(c["text"] for c in kept)}
        chars = kept or chars
    fonts = Counter(c.get("fontname", "") for c in chars)
    return {**word, "size": base, "fontname": fonts.most_common(1)[0][0], "upright": word.get("upright", True)}


def _real_title(title: str) -> bool:
    """PDF metadata titles are often a file name or a template name ("paper.dvi", "Microsoft Word - x.doc")."""
    t = title.strip()
    return len(t.split()) >= 2 and not re.search(r"\.(?:dvi|docx?|pdf|tex)$|^microsoft word|untitled|_template", t, re.I)


def _body_size(words: list[dict]) -> float:
    sizes = Counter()
    for w in words:
        sizes[round(w["size"] * 2) / 2] += len(w["text"])
    return sizes.most_common(1)[0][0]


def _page_lines(words: list[dict], page: int) -> list[_Line]:
    """Words (in text flow) grouped into lines; sideways words, raised small markers and margin numbers dropped."""
    groups: list[list[dict]] = []
    for w in words:
        if not w.get("upright", True):
            continue  # margin stamps printed sideways (arXiv identifiers)
        if groups:
            current = groups[-1]
            prev = current[-1]
            ref = max(current, key=lambda x: x["size"])  # the line's body type, not a superscript in it
            same_line = abs(w["bottom"] - ref["bottom"]) < 0.6 * ref["size"] and w["x0"] >= prev["x1"] - 2
            raised = w["size"] < 0.85 * ref["size"] and w["bottom"] < ref["bottom"] - 0.15 * ref["size"]
            if same_line or (raised and w["x0"] >= prev["x1"] - 2 and w["top"] < ref["bottom"]):
                if not (raised and _MARKER_WORD.match(w["text"])):  # else a superscript reference or affiliation marker
                    current.append(w)
                continue
        groups.append([w])
    lines = [_Line(ws, page).finish() for ws in map(_without_margin_numbers, groups) if ws]
    # A line that is only a bare number (page number, line number) is not text.
    return [ln for ln in lines if not re.fullmatch(r"[\d\s.,–-]{1,12}", ln.text)]


def _without_margin_numbers(words: list[dict]) -> list[dict]:
    """Line numbers printed in the margin, set apart from the text by a wide gap, are not words of the line."""
    def number(w: dict) -> bool:
        return bool(re.fullmatch(r"\d{1,4}", w["text"]))

    words = list(words)
    while len(words) > 1 and number(words[-1]) and words[-1]["x0"] - words[-2]["x1"] > 2.5 * words[-2]["size"]:
        words.pop()
    while len(words) > 1 and number(words[0]) and words[1]["x0"] - words[0]["x1"] > 2.5 * words[1]["size"]:
        words.pop(0)
    return words


def _drop_running_lines(lines: list[_Line], heights: dict[int, float]) -> tuple[list[_Line], int]:
    """Lines in the top or bottom margin that repeat (digits ignored) on at least three pages, or a third of them."""
    def margin(ln: _Line) -> bool:
        h = heights[ln.page]
        return ln.top < 0.08 * h or ln.bottom > 0.92 * h

    key = lambda ln: re.sub(r"\d+", "#", ln.text.lower()).strip()  # noqa: E731
    pages_with = Counter()
    for k, _page in {(key(ln), ln.page) for ln in lines if margin(ln)}:
        pages_with[k] += 1
    n_pages = len(heights)
    repeated = {k for k, n in pages_with.items() if n >= 3 or (n_pages >= 2 and n >= max(2, n_pages // 3))}
    kept = [ln for ln in lines if not (margin(ln) and key(ln) in repeated)]
    return kept, len(lines) - len(kept)


def _front_matter(lines: list[_Line], body: float, heights: dict[int, float]) -> tuple[str, str, list[_Line]]:
    """Title and authors from page 1; the front matter before the abstract leaves the text."""
    first = [ln for ln in lines if ln.page == 1]
    if not first:
        return "", "", lines
    top_part = [ln for ln in first if ln.top < 0.45 * heights[1]]
    if not top_part:
        return "", "", lines
    large = [ln for ln in top_part if ln.size >= 1.25 * body and len(re.findall(r"[A-Za-z]{2,}", ln.text)) >= 3
             and not re.search(r"\b(?:journal|vol(?:ume)?\.?|issue|doi|www\.|http|received|accepted)\b", ln.text, re.I)]
    if not large:
        return "", "", lines
    # The title is the largest type of a line of words (a journal banner or a figure's labels are not), the
    # topmost such line when sizes tie.
    start = min(large, key=lambda ln: (-round(ln.size), ln.top))
    title_lines = [start]
    for ln in first[first.index(start) + 1:]:
        if abs(ln.size - start.size) < 0.5 and ln.top >= title_lines[-1].top:
            title_lines.append(ln)
        else:
            break
    title = " ".join(ln.text for ln in title_lines)
    after = first.index(title_lines[-1]) + 1
    # Front matter runs to the abstract heading, or to the first paragraph-like line of body type.
    end = after
    while end < len(first):
        ln = first[end]
        if re.match(r"^\W*abstract\b", ln.text, re.I) or (ln.size <= body + 0.3 and len(ln.text.split()) >= 12
                                                          and not is_furniture(ln.text) and not _has_email(ln.text)):
            break
        end += 1
    if end == len(first):
        end = after  # no abstract and no prose on page 1: keep everything after the title
    front = first[after:end]
    author_lines = []
    for ln in front:
        if is_furniture(ln.text) == "affiliation" or _has_email(ln.text) or re.search(r"https?://|www\.", ln.text):
            if author_lines:
                break
            continue
        if ln.size >= body - 0.5 and len(ln.text.split()) <= 30:
            author_lines.append(ln.text)
    authors = _AUTHOR_MARKS.sub(" ", " ".join(author_lines))
    authors = re.sub(r"\s*,\s*(?:,\s*)*", ", ", re.sub(r"\s+", " ", authors)).strip(" ,")
    authors = re.sub(r",? and\s*$", "", authors)
    start_index = lines.index(title_lines[0])
    kept = lines[:start_index] + first[end:] + [ln for ln in lines if ln.page != 1]
    kept = [ln for ln in kept if ln not in title_lines]
    return title, authors, kept


def _has_email(text: str) -> bool:
    return bool(re.search(r"[\w.-]+@[\w-]+\.\w|e-?mail", text, re.I))


def _line_gaps(lines: list[_Line]) -> dict[float, float]:
    """The usual space between two lines of one paragraph, per type size (papers mix single and double spacing)."""
    gaps: dict[float, list[float]] = {}
    for prev, ln in zip(lines, lines[1:]):
        gap = ln.top - prev.bottom
        if ln.page == prev.page and abs(ln.size - prev.size) < 0.5 and -1 < gap < 2 * ln.size:
            gaps.setdefault(round(ln.size), []).append(gap)
    return {size: statistics.median(values) for size, values in gaps.items()}


def _paragraphs(lines: list[_Line], body: float) -> list[_Paragraph]:
    usual_gap = _line_gaps(lines)
    paragraphs: list[_Paragraph] = []
    current = _Paragraph()
    for ln in lines:
        if current.lines:
            prev = current.lines[-1]
            gap = ln.top - prev.bottom
            new_column = ln.page != prev.page or ln.top < prev.top - 2
            style_change = abs(ln.size - prev.size) > 0.8 or ln.bold != prev.bold
            indent = ln.x0 > prev.x0 + 0.6 * body and prev.text.rstrip().endswith((".", "!", "?", ":"))
            heading_like = prev.bold or _NUMBERED_HEADING.match(prev.text) and len(prev.text.split()) <= 10
            caption_start = bool(_CAPTION.match(ln.text))
            if new_column:
                # a sentence cut by a column or page break stays in its paragraph
                if prev.text.rstrip().endswith((".", "!", "?", ":")) or style_change or _CAPTION.match(ln.text):
                    paragraphs.append(current)
                    current = _Paragraph()
            elif gap > usual_gap.get(round(ln.size), 0.25 * ln.size) + 0.45 * ln.size or style_change or indent or caption_start or (
                heading_like and len(current.lines) == 1 and not ln.bold
            ):
                paragraphs.append(current)
                current = _Paragraph()
        current.lines.append(ln)
    if current.lines:
        paragraphs.append(current)
    return paragraphs


def _is_heading(p: _Paragraph, body: float) -> bool:
    text = " ".join(p.text.split())
    n = len(text.split())
    if len(p.lines) > 2 or n > 14 or n == 0 or text.endswith((".", ",", ";")) and not _NUMBERED_HEADING.match(text):
        return False
    first = p.lines[0]
    if _CAPTION.match(text) or is_reference_entry(text):
        return False
    if first.bold or first.size > 1.12 * body:
        return True
    if _NUMBERED_HEADING.match(text) and n <= 10 and not text.endswith("."):
        return True
    return text.isupper() and n <= 6 and len(text) > 3


def _debris(text: str) -> bool:
    """Figure labels, table rows and display equations: no sentence of prose in them."""
    tokens = text.split()
    if len(tokens) < 8 and not re.search(r"[.!?]\W*$", text):
        return True  # a few words, no sentence: labels of a figure or a table
    numeric = sum(bool(re.fullmatch(r"[-–+±]?[\d.,%]+[a-z%]?|[-–—]|\W+", t)) for t in tokens)
    if numeric > 0.35 * len(tokens):
        return True  # table rows
    return len(tokens) <= 40 and bool(re.search(r"\(\d{1,3}\)$", text)) and bool(re.search(r"[=≤≥∑∫^_]|\(cid:", text))


def _blocks(paragraphs: list[_Paragraph], body: float) -> list[Block]:
    blocks: list[Block] = []
    in_caption = False
    for p in paragraphs:
        text = p.text
        page = p.lines[0].page
        flat = " ".join(text.split())
        if _is_heading(p, body):
            heading = re.sub(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,4}\.)\s+", "", flat)
            blocks.append(Block(HEADING, heading, page=page, level=1))
            in_caption = False
            continue
        first = p.lines[0]
        if first.bold_prefix and first.bold_prefix < len(first.words) and first.bold_prefix <= 8:
            run_in = " ".join(w["text"] for w in first.words[: first.bold_prefix]).rstrip(".:")
            if len(run_in.split()) <= 8 and not run_in.endswith(","):
                blocks.append(Block(HEADING, run_in, page=page, level=2))
                text = text[len(" ".join(w["text"] for w in first.words[: first.bold_prefix])):].lstrip()
        caption = bool(_CAPTION.match(flat))
        small = statistics.median(ln.size for ln in p.lines) < 0.88 * body
        if caption:
            in_caption = True
        elif small and not in_caption:
            continue  # figure labels, footnotes, table cells in small type
        elif not small:
            in_caption = False
        if not caption and (_debris(flat)):
            continue

        # A paragraph that runs onto the next page is cut there, so page offsets stay exact.
        by_page: list[list[_Line]] = []
        for ln in p.lines:
            if by_page and by_page[-1][0].page == ln.page:
                by_page[-1].append(ln)
            else:
                by_page.append([ln])
        if len(by_page) == 1:
            blocks.append(Block(PARAGRAPH, text, page=page))
            continue
        cut = len(p.text) - len(text)  # characters of a run-in heading taken off the first line
        for i, group in enumerate(by_page):
            part = "\n".join(ln.text for ln in group)
            blocks.append(Block(PARAGRAPH, part[cut:].lstrip() if i == 0 else part, page=group[0].page, continues=i > 0))
    return blocks
