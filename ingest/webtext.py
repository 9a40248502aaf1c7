"""Text saved from a browser ("Save as text", or copy and paste of a whole page) to blocks.

Such text has one paragraph per line, and around the article the page's
furniture: navigation and breadcrumbs, share buttons, bylines, author and
affiliation lists, cookie notices, related-article links and reference lists
(`text.furniture`). Hard-wrapped text (a paper extracted to text) has many
short lines per paragraph instead, and is handled by `clean_text`; the test is
`one_paragraph_per_line`.

Blocks: a short line without a sentence ending, followed by prose, is a
heading (section metadata); the first such line before any prose is the
title; everything under a back-matter heading (references, related
articles, author information, funding) is dropped by `ingest.blocks`. The
DOI and PMID the furniture states become metadata.
"""

from __future__ import annotations

import re

from ingest.blocks import HEADING, PARAGRAPH, Block
from text.furniture import is_furniture, is_reference_entry, is_reference_heading
from text.study import citation_line

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_BULLET = re.compile(r"^\s*(?:[-•·*▪◦–]|\d{1,2}[.)])\s")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s;,]+[^\s;,.])")
_PMID = re.compile(r"\bPMID:?\s*(\d{5,9})\b")


def one_paragraph_per_line(text: str) -> bool:
    """True for text saved from a browser: some lines are longer than any hard-wrapped line would be."""
    long_lines = sum(len(line) > 160 for line in text.splitlines())
    return long_lines >= 2


def _is_prose(line: str) -> bool:
    return len(line.split()) >= 8 and bool(_SENTENCE_END.search(line))


def webtext_blocks(raw: str) -> tuple[list[Block], dict[str, str]]:
    """(blocks, metadata: title, doi, pmid, and journal and year when a citation line states them) of a page
    saved as text."""
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    lines = [line for line in lines if line]
    meta = {"title": "", "doi": "", "pmid": ""}
    blocks: list[Block] = []
    seen_prose = False
    for i, line in enumerate(lines):
        if is_reference_heading(line):
            blocks.append(Block(HEADING, line, level=1))  # back matter: assemble() drops what follows
            continue
        reason = is_furniture(line)
        if reason or is_reference_entry(line):
            if not meta["doi"] and (m := _DOI.search(line)):
                meta["doi"] = m.group(1)
            if not meta["pmid"] and (m := _PMID.search(line)):
                meta["pmid"] = m.group(1)
            if not seen_prose and "year" not in meta and (cited := citation_line(line)):
                meta["journal"], meta["year"] = cited  # "eLife, 2012. DOI: …" above the abstract
            if reason:
                blocks.append(Block(PARAGRAPH, line))  # assemble() drops it again and counts why
            continue
        nxt = next((x for x in lines[i + 1:] if not is_furniture(x)), "")
        unpunctuated = not _SENTENCE_END.search(line) and not line.endswith((":", ",")) and not _BULLET.match(line)
        short = len(line.split()) <= 10 and unpunctuated
        if unpunctuated and len(line.split()) <= 40 and not seen_prose and not meta["title"] and len(line.split()) >= 3:
            meta["title"] = line
            continue
        if short and _is_prose(nxt):
            blocks.append(Block(HEADING, line, level=1))
            continue
        seen_prose = seen_prose or _is_prose(line)
        blocks.append(Block(PARAGRAPH, line))
    return blocks, meta
