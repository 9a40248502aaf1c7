"""Sentence segmentation that returns character spans.

Spans, not strings, because every citation must point at an exact slice of
the cleaned document. Rules are tuned for biomedical prose: abbreviations
("et al.", "e.g.", "Fig.", "vs."), initials ("A. madagascariensis"), decimals
and gene/cytokine names ("IL-4Rα.") must not split wrongly; a period followed
by whitespace and a capital, digit-led sentence or a quote does split; blank
lines always split.
"""

from __future__ import annotations

import re

# Tokens that end in a period but do not end a sentence (compared lower-case, period stripped).
_ABBREVIATIONS = frozenset(
    """al e.g i.e etc vs vs cf ca approx fig figs eq eqs ref refs no nos vol pp p dr mr mrs ms prof
    st jr sr dept univ inc ltd co corp resp min max sp spp var subsp ed eds jan feb mar apr jun jul aug
    sep sept oct nov dec mol wt conc temp incl est""".split()
)

# A candidate boundary: terminal punctuation, optional closing brackets/quotes, then whitespace.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+([\"'“‘(\[]?[A-Z0-9\u0391-\u03A9])")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# "BACKGROUND: ...", "MATERIALS AND METHODS: ..." opening a paragraph of a structured abstract.
SECTION_LABEL = re.compile(r"(?m)^([A-Z][A-Z /&-]{2,40}):[ \t]")


def _is_boundary(text: str, punct_start: int, after: int) -> bool:
    """Decide whether the punctuation at `punct_start` (ending before `after`) ends a sentence."""
    nxt = _NEXT_START.match(text, after)
    if not nxt:
        return False
    if text[punct_start] != ".":
        return True
    word_start = punct_start
    while word_start > 0 and not text[word_start - 1].isspace() and text[word_start - 1] not in "([":
        word_start -= 1
    word = text[word_start:punct_start]
    if word.lower().rstrip(".") in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper():  # an initial: "A. madagascariensis", "J. Smith"
        return False
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):  # "U.S", "e.g" written without final space
        return False
    if nxt.group(1)[0].isdigit() and not word[-1:].isalpha() and word[-1:] not in ")%":
        return False  # "Fig. 2", "p. 3", "1. 5" are not boundaries before a digit
    return True


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    para_start = start
    for para in [*_PARAGRAPH.finditer(text, start, end), None]:
        para_end = para.start() if para else end
        sent_start = para_start
        for m in _BOUNDARY.finditer(text, para_start, para_end):
            if _is_boundary(text, m.start(), m.end()):
                spans.append((sent_start, m.end()))
                sent_start = m.end()
        spans.append((sent_start, para_end))
        if para:
            para_start = para.end()
    return [s for s in (_trim(text, *_skip_label(text, a, b)) for a, b in spans) if s[1] > s[0]]


def _skip_label(text: str, a: int, b: int) -> tuple[int, int]:
    """Quotes start at the prose, not at a structured-abstract label."""
    while a < b and text[a].isspace():
        a += 1
    m = SECTION_LABEL.match(text, a, b)
    return (m.end(), b) if m else (a, b)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
