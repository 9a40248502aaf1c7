"""Text cleaning that real files need before any of their text may become evidence.

Two families of damage are repaired:
- PDF extraction: words hyphenated at line ends ("expres-\\nsion"), compounds
  broken by a stray space ("IgG4- related"), hard-wrapped lines, paragraphs
  cut by page breaks, and superscript reference numbers glued to words
  ("controls.4 We").
- Copy-pasted PubMed pages: navigation chrome ("Send to:", "PubMed Commons",
  "Loading ...") is dropped, and the citation line, title, authors, DOI and
  PMID become metadata instead of body text.
"""

from __future__ import annotations

import re
import unicodedata

from text.furniture import PUBMED_CHROME

_LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\ufffe": ""})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200d\ufeff]")
# Words that legitimately follow a hanging hyphen: "pre- and post-operative".
_HANGING_HYPHEN_OK = frozenset({"and", "or", "nor", "to", "versus", "vs", "as", "but"})


def _normalise_characters(text: str) -> str:
    """NFC, Unix newlines, no control characters, plain spaces; line structure untouched."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text).replace("\t", " ").replace("\u00a0", " ")
    text = re.sub(r"\(cid:\d+\)", "", text)  # glyphs a PDF font maps to no character
    return text.translate(_LIGATURES)


def normalise_whitespace(text: str) -> str:
    """Characters normalised, no runs of spaces, no trailing blanks, at most one blank line."""
    text = re.sub(r"[ ]+", " ", _normalise_characters(text))
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def dehyphenate(text: str) -> str:
    """Repair hyphens broken by PDF extraction; run before whitespace is collapsed.

    - A hyphen followed by a space (then perhaps a line break) is a compound the
      extractor split: "IgG4- related", "IgG4- \nRD" -> "IgG4-related", "IgG4-RD"
      (but "pre- and post-operative" stays).
    - A hyphen directly before a line break splits one word: "expres-\nsion" ->
      "expression", unless the halves are not both lower-case ("IL-\n4Ra" keeps
      its hyphen) or the hyphenated form occurs elsewhere in the text.
    """

    def compound(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        return m.group(0) if right.lower() in _HANGING_HYPHEN_OK else f"{left}-{right}"

    text = re.sub(r"(\w)- +(?:\n *)?(\w+)", compound, text)

    def line_break(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        if left[-1].islower() and right[0].islower() and f"{left}-{right}" not in text:
            return left + right
        return f"{left}-{right}"

    return re.sub(r"(\w+)-\n *(\w+)", line_break, text)


def strip_reference_markers(text: str) -> str:
    """Drop superscript citation numbers glued to words: "controls.4 We" -> "controls. We"."""
    text = re.sub(r"(?<=[A-Za-z)\]])([.,;:])\d{1,3}(?:[,–-]\d{1,3})*(?=\s|$)", r"\1", text)
    # A cytokine or gene name ending in a digit, then a reference: "IL-5.6 Because" -> "IL-5. Because".
    return re.sub(r"(?<=[A-Za-z]-\d)\.\d{1,2}(?=\s+[A-Z])", ".", text)


def unwrap_lines(text: str) -> str:
    """Join hard-wrapped lines into paragraphs and paragraphs cut mid-sentence by a page break."""
    text = re.sub(r"(?<=\S)\n(?!\n|\s*(?:[-•*▪]|\d+[.)])\s)", " ", text)
    # "...one of the T\n\ncell-targeted biologics": a paragraph that stops without
    # terminal punctuation and a next one that starts lower-case were one paragraph.
    text = re.sub(r"(?<=[A-Za-z0-9,;])\n\n(?=[a-z])", " ", text)
    return re.sub(r" {2,}", " ", text)


def clean_text(raw: str, *, wrapped: bool = True) -> str:
    """The generic pipeline for prose: whitespace, hyphenation, reference markers, line wrap.

    `wrapped=False` keeps single newlines (for sources whose line breaks carry meaning).
    """
    text = dehyphenate(_normalise_characters(raw))
    text = normalise_whitespace(text)
    text = strip_reference_markers(text)
    if wrapped:
        text = unwrap_lines(text)
    return normalise_whitespace(text)


# --- copy-pasted PubMed pages -------------------------------------------------------------

_CITATION_LINE = re.compile(
    r"^(?:Published in final edited form as:\s*)?(?P<journal>[A-Z][^.\n]{1,80})\.\s+(?P<year>(?:19|20)\d{2})(?:\s+\w{3}(?:\s+\d{1,2})?)?(?:;|\.|\s)(?P<rest>.*)$"
)
_DOI = re.compile(r"\bdoi:\s*(10\.\d{4,9}/\S+?)\.?(?:\s|$)", re.IGNORECASE)
_PMID = re.compile(r"^\s*PMID:\s*(\d+)", re.MULTILINE)
_AFFILIATION = re.compile(r"^\s*(?:[•·*]\s*)?\d{0,2}\s*(?:Department|Division|Faculty|School|Institute|Laboratory|Center|Centre|Hospital|University|Unit)\b", re.I)
_AUTHORS = re.compile(r"^(?:[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)* [A-Z]{1,3}\d*(?:, |\.$|$))+$")


def publication_types(page: str) -> list[str]:
    """The lines under a PubMed page's "Publication types" heading ("Case Reports", "Review"), when the page was
    copied with that section open; what the study card's design comes from first."""
    return _section_lines(page, r"Publication types?", 60)


def mesh_terms(page: str) -> list[str]:
    """The lines under a PubMed page's "MeSH terms" heading ("Cross-Sectional Studies", "Asthma / drug therapy*"):
    their check tags place a study whose text names no design."""
    return _section_lines(page, r"MeSH terms", 100)


def _section_lines(page: str, heading: str, max_chars: int) -> list[str]:
    m = re.search(rf"^\s*{heading}\s*$", page, re.MULTILINE | re.IGNORECASE)
    if not m:
        return []
    lines = []
    for line in page[m.end():].splitlines():
        line = line.strip(" \t•·*-")
        if not line:
            continue
        if PUBMED_CHROME.match(line) or len(line) > max_chars or not re.fullmatch(r"[A-Z][\w ,.'’()/-]+", line):
            break  # the next section ("MeSH terms", "Substances") or prose
        lines.append(line)
    return lines


def looks_like_pubmed_page(text: str) -> bool:
    """True when the text carries PubMed web-page chrome (around a citation line, or plenty of it)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    chrome = sum(bool(PUBMED_CHROME.match(ln)) for ln in lines)
    has_citation = any(_CITATION_LINE.match(ln) for ln in lines[:15])
    return chrome >= 3 or (chrome >= 2 and has_citation)


def clean_pubmed_page(raw: str) -> tuple[str, dict[str, str]]:
    """Split a copied PubMed abstract page into (abstract text, metadata)."""
    meta: dict[str, str] = {}
    if m := _PMID.search(raw):
        meta["pmid"] = m.group(1)
    if types := publication_types(raw):
        meta["publication_types"] = "; ".join(types)
    if mesh := mesh_terms(raw):
        meta["mesh"] = "; ".join(mesh)
    blocks = [b.strip() for b in re.split(r"\n\s*\n", normalise_whitespace(raw))]
    if len(blocks) < 4:  # copied without blank lines: each line is a block
        blocks = [ln.strip() for ln in normalise_whitespace(raw).splitlines() if ln.strip()]
    body: list[str] = []
    has_citation = any(_CITATION_LINE.match(ln.strip()) for ln in raw.splitlines()[:40])
    state = "before_citation" if has_citation else "body"
    for block in blocks:
        lines = [ln for ln in block.splitlines() if not PUBMED_CHROME.match(ln.strip())]
        lines = [ln for ln in lines if not _AFFILIATION.match(ln)]
        block = "\n".join(lines).strip()
        if not block:
            continue
        if state == "before_citation":
            if m := _CITATION_LINE.match(block.splitlines()[0]):
                meta["journal"], meta["year"] = m.group("journal").strip(), m.group("year")
                if d := _DOI.search(block):
                    meta["doi"] = d.group(1)
                state = "title"
            continue
        if state == "title":
            meta["title"] = " ".join(block.split())
            state = "authors"
            continue
        if state == "authors" and _AUTHORS.match(" ".join(block.split())):
            meta["authors"] = re.sub(r"(?<=[A-Z])\d+(?:,\d+)*", "", " ".join(block.split())).rstrip(".")
            state = "body"
            continue
        state = "body"
        body.append(block)
    return clean_text("\n\n".join(body)), meta
