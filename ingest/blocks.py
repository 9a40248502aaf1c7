"""The shape every format reader produces: a list of blocks, assembled into one cleaned text.

A reader (HTML, Markdown, Word, PDF, browser-saved text) knows its format's
structure; it says which runs of text are headings and which are paragraphs,
and on which page a block starts. `assemble` then does what every format
needs, in one place:
- headings leave the text and become section metadata (`sections`: offset of
  the first paragraph under them, and the heading), so a heading is never
  glued into a sentence nor quoted;
- furniture blocks (navigation, share/cookie text, bare links, author and
  affiliation lines; `text.furniture`) are dropped, and so is every block
  under a reference-list heading;
- each paragraph is cleaned (`clean_text`), and a paragraph cut by a page break
  mid-sentence is joined to the next;
- offsets (`sections`, `page_starts`) are exact against the assembled text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.cleaning import clean_text
from text.furniture import is_furniture, is_reference_entry, is_reference_heading

HEADING, PARAGRAPH = "heading", "paragraph"


@dataclass
class Block:
    kind: str  # HEADING | PARAGRAPH
    text: str
    page: int | None = None  # 1-based page where the block starts (PDF)
    level: int = 1  # heading level, 1 = top
    continues: bool = False  # the previous paragraph's sentence goes on here (cut by a page break)


@dataclass
class Assembled:
    text: str
    sections: list[list[object]] = field(default_factory=list)  # [offset, heading], sorted
    page_starts: list[int] = field(default_factory=list)  # offset where page i+1 starts (PDF)
    dropped: dict[str, int] = field(default_factory=dict)  # what was removed: reason -> blocks


def _continues(previous: str, nxt: str) -> bool:
    """A paragraph that stops without terminal punctuation, followed by one that starts lower-case, is one paragraph."""
    return bool(previous) and previous[-1] not in ".!?:;\"”)]" and bool(re.match(r"[a-z(]", nxt))


def assemble(blocks: list[Block], *, wrapped: bool = True, drop_furniture: bool = True) -> Assembled:
    """Join blocks into the document text; headings become `sections`, furniture is dropped.

    `wrapped` says whether single newlines inside a block are hard wraps (PDF, text) to unwrap.
    """
    out = Assembled(text="")
    pieces: list[str] = []
    length = 0
    pending_heading: str | None = None
    skip_level: int | None = None  # inside a reference list down to headings of this level
    page_seen: set[int] = set()
    for block in blocks:
        raw = block.text.strip()
        if not raw:
            continue
        if block.kind == HEADING:
            heading = " ".join(raw.split())
            if skip_level is not None and (block.level > skip_level or is_reference_entry(heading)):
                continue  # a sub-heading of the back matter, or a bibliography entry read as a heading
            skip_level = block.level if is_reference_heading(heading) else None
            if skip_level is not None:
                out.dropped["reference list"] = out.dropped.get("reference list", 0) + 1
            pending_heading = heading
            continue
        if skip_level is not None:
            continue
        reason = is_furniture(raw) if drop_furniture else ""
        if reason:
            out.dropped[reason] = out.dropped.get(reason, 0) + 1
            continue
        text = clean_text(raw, wrapped=wrapped)
        if not text:
            continue
        joined = bool(pieces) and pending_heading is None and (block.continues or _continues(pieces[-1], text))
        start = length + 1 if joined else length + (2 if pieces else 0)
        if block.page is not None and block.page not in page_seen:
            while len(out.page_starts) < block.page:
                out.page_starts.append(start)
            page_seen.add(block.page)
        if joined:
            pieces[-1] += " " + text
        else:
            if pending_heading is not None:
                out.sections.append([start, pending_heading])
                pending_heading = None
            pieces.append(text)
        length = start + len(text)
    out.text = "\n\n".join(pieces)
    assert len(out.text) == length
    return out
