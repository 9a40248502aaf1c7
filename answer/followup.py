"""Offline follow-up resolution: "and how well did the newest one work?" -> "how well did inebilizumab work?".

Without an LLM we cannot paraphrase, so we do what a careful librarian would.
A question leans on the conversation when it has an anaphor ("them", "it",
"the newest one", "that trial"), a leading "and"/"what about", or too few
content words of its own. Its referents are the entities the previous answer
named: the names of its direct line (a list answer), else the drug, cytokine
and marker names its quotes contain, else the previous question's own focus.
The anaphor is replaced by them ("which of them" -> "which biologics among
dupilumab and mepolizumab"; "the newest one" -> the entity whose quote says it
is new, recent or first approved; "it" -> the first); when there is nothing to
substitute, the previous question's key terms are appended. The resolved
question is what both retrieval and quote scoring use, and what the chat shows.
"""

from __future__ import annotations

import re

from answer.models import CitedAnswer
from answer.question import analyse
from text.concepts import named_entities, question_class
from text.tokens import tokenize

_LEANS_ON_CONTEXT = re.compile(
    r"^\s*(and|also|what about|how about|same for|but)\b|\b(them|they|those|these|it|its|their|this one|that one|"
    r"the former|the latter|which one|the (?:newest|latest|newer|older|oldest|first|second|last|other|same) one|"
    r"(?:that|this|the) (?:trial|study|drug|agent|paper|one|treatment|regimen|group|cohort)|(?:those|these|the same) patients|"
    # a demonstrative points back ("how tight is that binding?", "does this effect last?"); "that" only after a verb
    # or preposition, not as a conjunction ("is there evidence that dupilumab works?")
    r"(?:this|these|those) [a-z][\w-]*|(?:is|was|are|were|does|did|of|in|for|about|with|on|to|from|by) that [a-z][\w-]*)\b",
    re.IGNORECASE,
)
_QUESTION_WORDS = {"which", "what", "who", "how", "doe", "do", "is", "are", "can", "whi", "them", "they", "also", "block"}
_PLURAL = re.compile(r"\b(?:which|any|all|each|both|either|neither|none|one|two) of (?:them|these|those)\b|\b(?:them|they|those|these|their)\b", re.I)
_SINGULAR = re.compile(
    r"\b(?:the (?:newest|latest|newer|most recent|recent|first|second|last|other|older|oldest|same) one|this one|that one|"
    r"the former|the latter|(?:that|this|the) (?:trial|study|drug|agent|treatment|regimen|one)|its|it)\b",
    re.IGNORECASE,
)
_NEW = re.compile(r"\b(?:new|newest|newer|novel|recent(?:ly)?|latest|first (?:drug|medicine|treatment)|approved|licensed)\b", re.I)


def needs_context(question: str) -> bool:
    own_terms = [t for t in tokenize(question) if t not in _QUESTION_WORDS]
    return bool(_LEANS_ON_CONTEXT.search(question)) or len(own_terms) < 2


def referents(previous_question: str, answer: CitedAnswer | None) -> list[tuple[str, str]]:
    """(entity, the quote that names it) from the previous turn, in the answer's order."""
    if answer is not None:
        direct = next((p for p in answer.parts if p.kind == "direct"), None)
        quotes = {c.n: c.quote for c in answer.citations}
        if direct is not None:
            return [(name, quotes.get(n, "")) for name, n in direct.names]
        names: list[tuple[str, str]] = []
        cls = question_class(previous_question) or question_class("drugs")
        focus = {f.text.lower() for f in analyse(previous_question).focus}
        # the members of the asked class (else drugs) the quotes name, else any named entity; the question's own first
        for c in answer.citations:
            names += [(m.group(0), c.quote) for m in cls.members.finditer(c.quote)]
        if not names:
            for c in answer.citations:
                names += [(e, c.quote) for e in named_entities(c.quote) if not re.match(r"Ig[AGEM]\d?$", e)]
        names.sort(key=lambda nq: nq[0].lower() not in focus)
        if names:
            return _dedupe(names)
    return [(f.text, "") for f in analyse(previous_question).focus]


def _dedupe(names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for name, quote in names:
        seen.setdefault(name.lower(), (name, quote))
    return list(seen.values())


def _pick_one(phrase: str, entities: list[tuple[str, str]]) -> str:
    phrase = phrase.lower()
    if re.search(r"newest|latest|newer|recent", phrase):
        return next((e for e, q in entities if _NEW.search(q)), entities[-1][0])
    if re.search(r"second|latter|other", phrase) and len(entities) > 1:
        return entities[1][0] if "latter" not in phrase else entities[-1][0]
    if re.search(r"last|oldest|older", phrase):
        return entities[-1][0] if "last" in phrase else entities[0][0]
    return entities[0][0]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def resolve_followup(question: str, history: list[tuple[str, CitedAnswer | None]]) -> str:
    """`question` with its referents filled in from the newest earlier turn (or unchanged when it stands alone)."""
    if not history or not needs_context(question):
        return question
    previous_question, previous_answer = history[-1]
    core = re.sub(r"^\s*(?:and|also|but|so)\b[,\s]*", "", question, flags=re.IGNORECASE).strip()
    entities = [(e, q) for e, q in referents(previous_question, previous_answer) if e.lower() not in question.lower()]
    listed = previous_answer is not None and any(p.kind == "direct" for p in previous_answer.parts)
    named = [f for f in analyse(previous_question).focus if f.kind in ("drug", "cytokine", "marker", "trial or acronym")]
    bare_pronoun = not re.search(r"\b(?:one|trial|study|drug|agent|treatment|regimen|former|latter|of them|of these|of those)\b",
                                 core, re.IGNORECASE)
    if re.search(r"\b(?:reach|reached|meet|met|achieve|achieved|attain|attained|hit)\s+(?:it|them)\b", core, re.IGNORECASE):
        entities = []  # "what share reached it?": an outcome, not a drug
    elif bare_pronoun and not listed:
        # "it"/"they" after an answer that named no list: a name the previous question asked about, else carry its terms
        entities = [(f.text, "") for f in named if f.text.lower() not in question.lower()]
        if _PLURAL.search(core) and len(entities) < 2:
            entities = []
    if entities:
        names = [e for e, _ in entities]
        cls = question_class(previous_question)
        if _PLURAL.search(core):
            which_of = re.compile(r"\b(which|any|all|each|both|either|neither|none|one|two) of (?:them|these|those)\b", re.I)
            if which_of.search(core) and cls is not None:
                noun = next((n for n in cls.nouns if re.search(rf"\b{n}\b", previous_question, re.I)), cls.nouns[0])
                resolved = which_of.sub(lambda m: f"{m.group(1)} {noun} among {_join(names)}", core, count=1)
            else:
                resolved = _PLURAL.sub(_join(names), core, count=1)
            return resolved[:1].upper() + resolved[1:]
        if m := _SINGULAR.search(core):
            phrase = m.group(0).lower()
            name = _pick_one(phrase, entities)
            if phrase == "its":
                name = f"{name}'s"
            elif noun := re.search(r"(trial|study|paper|regimen|treatment)$", phrase):
                name = f"the {name} {noun.group(1)}"
            resolved = core[: m.start()] + name + core[m.end():]
            return resolved[:1].upper() + resolved[1:]
    # "and in children?", "what about after relapse?": the previous question, narrowed.
    fragment = re.sub(r"^(?:what|how) about\s+", "", core, flags=re.IGNORECASE)
    if re.match(r"(?:in|for|with|among|after|during|at|on|without|before)\b", fragment, re.IGNORECASE):
        return f"{previous_question.rstrip(' ?')} {fragment.rstrip(' ?')}?"
    # Nothing to substitute: carry the previous question's key terms.
    carried = [w for w in re.findall(r"[\w-]+", previous_question) if tokenize(w) and tokenize(w)[0] not in _QUESTION_WORDS]
    own = {t.lower() for t in re.findall(r"[\w-]+", question)}
    extra = [w for w in dict.fromkeys(carried) if w.lower() not in own]
    return f"{core} ({' '.join(extra)})".strip() if extra else core


def standalone_query(question: str, history: list[tuple[str, CitedAnswer | None]]) -> str:
    """The search query for a follow-up: its resolved form (kept for callers that only need the query)."""
    return resolve_followup(question, history)
