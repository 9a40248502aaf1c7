"""Split a cleaned document into sentence-aligned chunks that keep their provenance.

Every chunk is a llama-index `TextNode` whose text is exactly
`document.text[start_char_idx:end_char_idx]` — the invariant citations rely
on. Chunks pack whole sentences up to `chunk_words` words and repeat the last
`overlap_sentences` sentences of one chunk at the start of the next, so a
claim that straddles a boundary is still whole in one chunk. Metadata carries
doc id, title, source, section (structured-abstract labels and headings) and
page (PDFs).

A chunk's identity (`chunk_id`, `doc_id_of`), the node built from a document's text and offsets
(`chunk_node`) and the text it is embedded as (`embedding_text`) live in `index.chunks`, the lower layer,
because the index rebuilds nodes from its catalog; they are imported here for `chunk_document` and callers.
"""

from __future__ import annotations

import bisect
import re

from llama_index.core import Document
from llama_index.core.schema import TextNode

from index.chunks import chunk_id, chunk_node, doc_id_of, embedding_text  # what the index needs too
from text.sentences import SECTION_LABEL, split_sentences

# A short stand-alone heading line: "Introduction", "## Methods", "2. Results".
_HEADING = re.compile(r"(?m)^(?:#{1,6} |\d{1,2}\.? )?([A-Z][A-Za-z ]{2,40})$")


def _sections(text: str) -> list[tuple[int, str]]:
    """Sorted (offset, section name) pairs where a new section begins."""
    marks = [(m.start(), m.group(1).strip().title()) for m in SECTION_LABEL.finditer(text)]
    marks += [(m.start(), m.group(1).strip()) for m in _HEADING.finditer(text) if len(m.group(1).split()) <= 5]
    return sorted(marks)


def _sentence_spans(text: str, max_words: int) -> list[tuple[int, int]]:
    """Sentences, with the rare sentence longer than a chunk cut at word boundaries."""
    spans = []
    for a, b in split_sentences(text):
        words = list(re.finditer(r"\S+", text[a:b]))
        if len(words) <= max_words:
            spans.append((a, b))
            continue
        for i in range(0, len(words), max_words):
            piece = words[i : i + max_words]
            spans.append((a + piece[0].start(), a + piece[-1].end()))
    return spans


def chunk_document(document: Document, chunk_words: int = 160, overlap_sentences: int = 1) -> list[TextNode]:
    """Chunks of `document` with exact character spans and provenance metadata."""
    text = document.text
    spans = _sentence_spans(text, chunk_words)
    sections = _sections(text)
    section_offsets = [s[0] for s in sections]
    page_starts = document.metadata.get("page_starts") or []
    lengths = [len(text[a:b].split()) for a, b in spans]

    groups: list[tuple[int, int]] = []  # [first, last] sentence index, inclusive
    first = 0
    while first < len(spans):
        last, words = first, lengths[first]
        while last + 1 < len(spans) and words + lengths[last + 1] <= chunk_words:
            last += 1
            words += lengths[last]
        groups.append((first, last))
        if last + 1 >= len(spans):
            break
        first = max(last + 1 - overlap_sentences, first + 1)

    nodes = []
    title, source = str(document.metadata.get("title", "")), str(document.metadata.get("source", ""))
    for index, (first, last) in enumerate(groups):
        start, end = spans[first][0], spans[last][1]
        section_i = bisect.bisect_right(section_offsets, start) - 1
        section = sections[section_i][1] if section_i >= 0 else ""
        page = bisect.bisect_right(page_starts, start) if page_starts else None
        nodes.append(chunk_node(document.doc_id, title, source, text, start, end, index, section, page))
    return nodes


__all__ = ["chunk_document", "chunk_id", "chunk_node", "doc_id_of", "embedding_text"]
