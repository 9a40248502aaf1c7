"""Words a general reader knows, to tell them from the specific terms of a field.

A question word that no indexed paper contains is either the user's own wording ("hamper", "kids") or a term
the papers do not cover ("knowlesi", "pyrethroid", "atovaquone"). The second should be said ("None of your papers
mention knowlesi") rather than answered with passages about something else; the first should not stop an
answer. `is_common` draws the line with a list of 41,144 everyday words (`data/common_words.txt.gz`, counted in
Wikipedia paragraphs; see `data/README.md`), after stripping common English suffixes ("killable" -> "kill").
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

_LIST = Path(__file__).parent / "data" / "common_words.txt.gz"
_SUFFIXES = ("ability", "ibility", "able", "ible", "ness", "ment", "ally", "ly", "ing", "ed", "es", "er", "s")


@functools.lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as f:
        return frozenset(f.read().split())


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
