"""The biomedical tokenizer shared by BM25, answer scoring, the rerank and the verifier.

Generic word tokenizers split "IL-4Rα" into "il" and "4rα" and lose the name a
user typed. Ours emits a compound token *and* its parts ("il-4rα", "il", "4rα";
"igg4-rd", "igg4", "rd"), lower-cased, English-stemmed for plain words only
(stemming "IgG4" or "CD19" would be noise), stop words dropped.
"""

from __future__ import annotations

import functools
import re

import Stemmer

_TOKEN = re.compile(r"[^\W_]+(?:[-/.'’+][^\W_]+)*\+?", re.UNICODE)
_SEPARATOR = re.compile(r"[-/.'’+]")
_STOP = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have how i if in into is it its
    may might more most no not of on or our so such than that the their them then there these they this those to
    was we were what when where which while who whom why will with would you your also between both each other
    any all about after before during over under very""".split()
)
_stemmer = Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens: compounds kept whole and also split into parts; plain words stemmed."""
    tokens: list[str] = []
    for word in _TOKEN.findall(text.lower()):
        tokens += _word_tokens(word)
    return tokens


@functools.lru_cache(maxsize=1 << 20)
def _word_tokens(word: str) -> tuple[str, ...]:
    """One word's tokens. Cached: a corpus repeats its words, and stemming each occurrence was 80 % of indexing."""
    word = word.strip(".'’")
    parts = [p for p in _SEPARATOR.split(word) if p]
    tokens = [word] if len(parts) > 1 else []
    for part in parts:
        if part in _STOP or (len(part) < 2 and not part.isdigit()):
            continue
        tokens.append(_stemmer.stemWord(part) if part.isalpha() and part.isascii() else part)
    return tuple(tokens)
