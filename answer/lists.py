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
from dataclasses import dataclass

from text.concepts import EntityClass, class_members, concept_pattern
from text.tokens import tokenize

_CLAUSE_BREAK = re.compile(
    r";|,\s+(?:but|whereas|while|although|though|however|yet|unlike|in contrast)\b|\s+(?:but|whereas|although|however)\s+|"
    r",\s+and\s+(?=\S+\s+\w+(?:s|ed)\b)",
    re.IGNORECASE,
)
AFTER_PENALTY = 2.0
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_PRONOUN = re.compile(r"^\s*(?:(?:rather than|instead of|unlike|besides|in addition to|apart from)\b[^,]{0,60},\s*)?(it|this (?:drug|agent|antibody|medicine|treatment)|the (?:drug|agent|antibody|medicine))\b", re.I)
_NEGATED = re.compile(r"\b(?:without|not|no|never|neither|nor|fail(?:ed|s)? to|did not|does not|could not|cannot)\s+(?:\w+\s+){0,2}$", re.I)
_COMPARED = re.compile(r"\b(?:after|than|before|unlike|versus|vs\.?|compared (?:with|to)|instead of|without|rather than|"
                       r"besides|except)\s+(?:\w+\s+)?$", re.I)
# Not the agent either: the drug being withdrawn or harming ("relapse when glucocorticoids are tapered", "during a
# glucocorticoid taper", "after stopping rituximab", "cumulative steroid toxicity").
_WITHDRAWN_AFTER = re.compile(r"^\w*\s+(?:(?:is|are|was|were|had been|have been|being|gets|got)\s+(?:\w+\s+)?"
                              r"(?:reduc|taper|stop|withdr|discontinu|lower|decreas|halt|cut)|taper|toxicit|withdrawal|"
                              r"dependen|side[- ]effect|exposure)\w*", re.I)
_WITHDRAWN_BEFORE = re.compile(r"\b(?:taper(?:ing|ed)?|withdrawal|withdrawing|stopp(?:ing|ed)|discontinu(?:ation|ing|ed)|"
                               r"reduc(?:tion|ing|ed)|cessation)\s+(?:of\s+)?(?:the\s+)?(?:\w+\s+)?$", re.I)
# What stands between two members listed together: commas, "and", "or", and a modifier the next member shares with
# one the list leaves out ("the pancreas, bile ducts, salivary and lacrimal glands, retroperitoneum and kidneys")
_COORDINATION = re.compile(r"^[\s,]*(?:,|and|or|as well as|plus)?[\s,]*(?:and|or)?[\s,]*(?:(?-i:[a-z]+) (?:and|or) )?$", re.I)
# Verbs that say only "acts on": the relation is carried by what they act on.
GENERIC_RELATION = frozenset(tokenize(
    "target targets targeting targeted block blocks blocking inhibit inhibits inhibiting inhibitor act acts acting "
    "against bind binds binding suppress suppresses suppressing work works used use treat treats treating treatment "
    "also both other which what drug drugs agent agents therapy therapies biologic biologics medication medications "
    "known reported shown effective available inflammation inflammatory response responses activity pathway pathways "
    "signal signalling signaling mediated driven related disease diseases immunity process mechanism go goes went "
    "get gets got make makes made take takes push pushes affect affects affected involve involves involved hit hits "
    "tri tried use used given give start started receive received"
))


def _matches(term: str, clause: str) -> list[tuple[int, int]]:
    """Spans in `clause` where the term (a stem: "deplet", "spare") or a member of its concept occurs, not negated."""
    spans = []
    pattern = concept_pattern(term)
    stem = term[:-1] if term.endswith("e") and len(term) > 4 else term  # "spare" must find "sparing"
    word = re.compile(rf"\b{re.escape(stem)}\w*", re.IGNORECASE)
    for p in filter(None, [word, pattern]):
        for m in p.finditer(clause):
            if not _NEGATED.search(clause[: m.start()]):
                spans.append((m.start(), m.end()))
    return spans


def mentions(term: str, text: str) -> bool:
    return bool(_matches(term, text))


@dataclass
class _Mention:
    """A class member found in a clause, or the subject a pronoun ("It is approved for ...") stands for."""

    name: str
    start: int
    end: int

    def span(self) -> tuple[int, int]:
        return self.start, self.end

    def group(self, _: int = 0) -> str:
        return self.name


def linked_members(cls: EntityClass, relation: list[str], text: str, title: str = "", exclude: frozenset[str] = frozenset()) -> list[str]:
    """Members of `cls` that `text` (one sentence, or two) links to the `relation` terms, in order of appearance.

    Every relation term must occur in the member's sentence, or some in it and the rest in its paper's title
    ("Rituximab is an option for patients who relapse" in a review titled "... kidney disease"); a member is linked when,
    in some clause, it is the member nearest to a relation term, or is listed with that member. "It", "this
    drug" opening a clause without a member stands for the first member of the previous sentence. Members whose
    key (`member_key`) is in `exclude` are the question's own starting point and never candidates.
    """
    linked: list[str] = []
    if not relation:
        return linked
    subject: str | None = None
    previous = ""
    for sentence in _SENTENCE.split(text):
        first_member: str | None = None
        for clause in _CLAUSE_BREAK.split(sentence):
            # Not the agent: a member inside a modifier ("steroid-sparing"), after a comparison ("evidence after
            # glucocorticoids", "unlike abatacept"), or being withdrawn ("when steroids are tapered").
            members: list = [m for m in class_members(cls, clause)
                             if not re.match(r"-\w", clause[m.end():]) and not _COMPARED.search(clause[: m.start()])
                             and not _WITHDRAWN_AFTER.match(clause[m.end():]) and not _WITHDRAWN_BEFORE.search(clause[: m.start()])
                             and member_key(m.group(0)) not in exclude]
            scope = sentence
            antecedent = first_member or subject  # "..., and it is the first": this sentence's subject, else the last one's
            if not members and antecedent and (pronoun := _PRONOUN.match(clause)):
                members = [_Mention(antecedent, pronoun.start(1), pronoun.end(1))]
                if not first_member:
                    scope = f"{previous} {sentence}"  # "It is approved for ...": its sentence and its antecedent's
            if not members:
                continue
            first_member = first_member or members[0].group(0)
            in_scope = [t for t in relation if mentions(t, scope)]
            if not in_scope or not all(t in in_scope or mentions(t, title) for t in relation):
                continue  # every relation term in the member's own sentence, or (not all of them) in the paper's title
            chosen: set[int] = set()
            for term in relation:
                for a, b in _matches(term, clause):
                    if any(0 <= a - m.span()[1] <= 1 for m in members):
                        continue  # "steroid sparing": the member names what the relation word is about, not an agent
                    nearest = min(range(len(members)), key=lambda i: _distance(members[i].span(), (a, b), after=AFTER_PENALTY))
                    chosen |= _coordinated(members, nearest, clause)
            linked += [members[i].group(0) for i in sorted(chosen)]
        subject = first_member or subject
        previous = sentence
    return list(dict.fromkeys(linked))


def member_key(name: str) -> str:
    """One key per member however it is spelt: "Interleukin-13" and "IL-13", "glucocorticoids" and "glucocorticoid"."""
    return re.sub(r"s$", "", re.sub(r"\binterleukin[- ]?", "il-", name.lower()))


def _distance(member: tuple[int, int], term: tuple[int, int], after: float = 1.0) -> float:
    """Characters between a member and a relation term; a member after the term counts `after` times as far
    (English puts the agent before its predicate: "Rituximab is an option for patients who relapse or cannot take
    steroids" is about rituximab)."""
    gap = max(0, max(member[0], term[0]) - min(member[1], term[1]))
    return gap * after if member[0] > term[1] else gap


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
