"""Biomedical concept expansion for lexical matching (see `biomedical_concepts.json`).

MiniLM was not trained on biomedical class membership: it does not know that
"mepolizumab, a humanised anti-IL-5 monoclonal antibody" answers a question
about *biologics*. A small curated lexicon, shipped as data, lets a question
term match the members of its class. Terms are compared after the BM25
tokeniser, so "biologics" arrives as "biolog".
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

_FILE = Path(__file__).with_name("biomedical_concepts.json")


@functools.lru_cache(maxsize=1)
def _expansions() -> dict[str, re.Pattern[str]]:
    data = json.loads(_FILE.read_text(encoding="utf-8"))
    table: dict[str, list[str]] = {}
    for concept in data["concepts"]:
        for term in concept["terms"]:
            table.setdefault(term, []).extend(concept["patterns"])
    return {term: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) for term, pats in table.items()}


def term_matches(term: str, passage_tokens: set[str], passage_text: str) -> bool:
    """True when the passage contains the query term itself or a member of its concept."""
    if term in passage_tokens:
        return True
    pattern = _expansions().get(term)
    return bool(pattern and pattern.search(passage_text))


# Names a reader checks against the source: INN drug stems (-mab, -cept, -nib, -limus, -mide, -kinra, -stim),
# cytokines and receptors, CD markers, TNF/IFN, immunoglobulins. One pattern for follow-up carry-over and
# for citation verification.
NAMED_ENTITY = (
    r"[A-Za-z]{3,}(?:mab|cept|nib|limus|mide|kinra|stim)|IL-\d+[A-Za-zα-ω]*|CD\d+|TNF-?α?|IFN-?[γg]\w*|Ig[AGEM]\d?"
)
_NAMED_ENTITY_RE = re.compile(rf"\b(?:{NAMED_ENTITY})\b")


def named_entities(text: str) -> list[str]:
    """Distinct drug, cytokine, marker and immunoglobulin names in `text`, in order of appearance."""
    return list(dict.fromkeys(m.group(0) for m in _NAMED_ENTITY_RE.finditer(text)))
