"""Which members of a class a sentence links to a relation: the names a list answer may give.

"which biologics target Th2?" asks for biologics (the class) linked to Th2
(the relation). A sentence links a member to the relation when, inside one
clause, the relation's terms occur (directly or as members of their concept:
IL-4, IL-5, IL-13 for Th2), not negated ("without depleting"), and the member
is the class member nearest to them, or coordinated with it ("rituximab and
inebilizumab deplete B cells"). So in "Abatacept regulates T cells as a whole,
and dupilumab suppresses only Th2 cells" only dupilumab is linked to Th2, and
in "the efficacy of rituximab, targeting B cells, has been discussed, but ...
Th2 cells can be one of the therapeutic targets" rituximab is not.
"""

from __future__ import annotations

import re

from text.concepts import EntityClass, class_members, concept_pattern
from text.tokens import tokenize

_CLAUSE_BREAK = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z(])|;|,\s+(?:but|whereas|while|although|though|however|yet|unlike|in contrast)\b|\s+(?:but|whereas|although|however)\s+|"
    r",\s+and\s+(?=\S+\s+\w+(?:s|ed)\b)",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:without|not|no|never|neither|nor|fail(?:ed|s)? to|did not|does not|could not|cannot)\s+(?:\w+\s+){0,2}$", re.I)
_COMPARED = re.compile(r"\b(?:after|than|before|unlike|versus|vs\.?|compared (?:with|to)|instead of|without|rather than|"
                       r"besides|except)\s+(?:\w+\s+)?$", re.I)
_COORDINATION = re.compile(r"^[\s,]*(?:,|and|or|as well as|plus)?[\s,]*(?:and|or)?[\s,]*$", re.I)
# Verbs that say only "acts on": the relation is carried by what they act on.
GENERIC_RELATION = frozenset(tokenize(
    "target targets targeting targeted block blocks blocking inhibit inhibits inhibiting inhibitor act acts acting "
    "against bind binds binding suppress suppresses suppressing work works used use treat treats treating treatment "
    "also both other which what drug drugs agent agents therapy therapies biologic biologics medication medications "
    "known reported shown effective available inflammation inflammatory response responses activity pathway pathways "
    "signal signalling signaling mediated driven related disease diseases immunity process mechanism"
))


def _matches(term: str, clause: str) -> list[tuple[int, int]]:
    """Spans in `clause` where the term or a member of its concept occurs, not negated."""
    spans = []
    pattern = concept_pattern(term)
    word = re.compile(rf"\b{re.escape(term)}\w*", re.IGNORECASE)
    for p in filter(None, [word, pattern]):
        for m in p.finditer(clause):
            if not _NEGATED.search(clause[: m.start()]):
                spans.append((m.start(), m.end()))
    return spans


def linked_members(cls: EntityClass, relation: list[str], sentence: str) -> list[str]:
    """Members of `cls` that `sentence` links to every term of `relation` (tokenised), in order of appearance."""
    linked: list[str] = []
    if not relation:
        return linked
    for clause in _CLAUSE_BREAK.split(sentence):
        # "steroid-sparing", "rituximab-treated": a member inside a modifier is not the subject
        # Not the agent: a member inside a modifier ("steroid-sparing") or after a comparison ("evidence after
        # glucocorticoids", "unlike abatacept").
        members = [m for m in class_members(cls, clause)
                   if not re.match(r"-\w", clause[m.end():]) and not _COMPARED.search(clause[: m.start()])]
        if not members:
            continue
        per_term = [_matches(t, clause) for t in relation]
        if not all(per_term):
            continue
        chosen: set[int] = set()
        for spans in per_term:
            for a, b in spans:
                nearest = min(range(len(members)), key=lambda i: _distance(members[i].span(), (a, b)))
                chosen |= _coordinated(members, nearest, clause)
        linked += [members[i].group(0) for i in sorted(chosen)]
    return list(dict.fromkeys(linked))


def _distance(x: tuple[int, int], y: tuple[int, int]) -> int:
    return max(0, max(x[0], y[0]) - min(x[1], y[1]))


def _coordinated(members: list[re.Match[str]], i: int, clause: str) -> set[int]:
    """Member i and the members listed with it ("rituximab, inebilizumab and obexelimab")."""
    group = {i}
    j = i
    while j > 0 and _COORDINATION.match(clause[members[j - 1].end(): members[j].start()]):
        j -= 1
        group.add(j)
    j = i
    while j + 1 < len(members) and _COORDINATION.match(clause[members[j].end(): members[j + 1].start()]):
        j += 1
        group.add(j)
    return group
