"""Words a general reader knows, to tell them from the specific terms of a field.

A question word that no indexed paper contains is either the user's own wording ("hamper", "kids") or a term
the papers do not cover ("knowlesi", "pyrethroid", "atovaquone"). The second should be said ("None of your papers
mention knowlesi") rather than answered with passages about something else; the first should not stop an
answer. `is_common` draws the line with a list of 41,144 everyday words (`data/common_words.txt.gz`, counted in
Wikipedia paragraphs; see `data/README.md`), after stripping common English suffixes ("killable" -> "kill").
Some everyday words are medicine's all the same ("pregnancy", "diabetes", "urine"): `is_biomedical` names the 436
that medical text uses far more than Wikipedia does (`data/biomedical_words.txt.gz`, `python -m train.common_words
--biomedical`), so a question about pregnancy asked of papers that never mention it is not answered as if it were;
`forms_of` gives a word's other everyday forms ("pregnant"), any of which mentions it.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import re
from pathlib import Path

_LIST = Path(__file__).parent / "data" / "common_words.txt.gz"
_BIOMEDICAL = Path(__file__).parent / "data" / "biomedical_words.txt.gz"
_SUFFIXES = ("ability", "ibility", "able", "ible", "ness", "ment", "ally", "ly", "ing", "ed", "es", "er", "s")


@functools.lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as f:
        return frozenset(f.read().split())


@functools.lru_cache(maxsize=1)
def _biomedical() -> frozenset[str]:
    with gzip.open(_BIOMEDICAL, "rt", encoding="utf-8") as f:
        return frozenset(f.read().split())


@functools.lru_cache(maxsize=1)
def _sorted_words() -> tuple[str, ...]:
    return tuple(sorted(_words()))


def forms_of(word: str) -> list[str]:
    """The everyday words of `word`'s root (its first 4-6 letters), itself included: "pregnancy" -> "pregnant",
    "pregnancies", ...; "diabetes" -> "diabetic". Papers that write one form mention the thing; a root shared by an
    unrelated word ("canc": cancel) only makes a word count as mentioned when it is not, never the reverse."""
    w = word.lower()
    root = w[: max(4, min(len(w) - 2, 6))]
    words = _sorted_words()
    start = bisect.bisect_left(words, root)
    found = []
    for candidate in words[start:]:
        if not candidate.startswith(root):
            break
        found.append(candidate)
    return list(dict.fromkeys([w, *found]))


def is_biomedical(word: str) -> bool:
    """True for an everyday word that is a medical term ("pregnancy", "stool"), or its plural."""
    w = word.lower()
    return w in _biomedical() or (w.endswith("s") and w[:-1] in _biomedical())


def is_common(word: str) -> bool:
    """True for an everyday English word, or a form of one; False for a specific term, a name or a code."""
    w = word.lower()
    if not re.fullmatch(r"[a-z]+", w):
        return False  # digits, hyphens, Greek letters: a name or a code (IL-4, PfEMP1, atovaquone-proguanil)
    words = _words()
    if w in words:
        return True
    for suffix in _SUFFIXES:
        root = w[: -len(suffix)]
        if w.endswith(suffix) and len(root) >= 3 and (root in words or root + "e" in words):
            return True
    return False
