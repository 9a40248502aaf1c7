"""Offline follow-up resolution: turn "and which of them also blocks IL-13?" into a standalone query.

Without an LLM we cannot paraphrase, so we do what a careful librarian would:
if the new question leans on the conversation (an anaphor such as "them",
"those", "it", a leading "and"/"what about", or too few content words of its
own), we append the previous question's key terms and the named entities
(drug, gene and cytokine names) that the previous answer quoted. The UI shows
the query actually searched, so the rewrite is never hidden.
"""

from __future__ import annotations

import re

from answer.models import CitedAnswer
from text.concepts import named_entities
from text.tokens import tokenize

_LEANS_ON_CONTEXT = re.compile(
    r"^\s*(and|also|what about|how about|same for|but)\b|\b(them|they|those|these|it|its|their|this one|that one|the former|the latter|which one)\b",
    re.IGNORECASE,
)
_QUESTION_WORDS = {"which", "what", "who", "how", "doe", "do", "is", "are", "can", "whi", "them", "they", "also", "block"}


def needs_context(question: str) -> bool:
    own_terms = [t for t in tokenize(question) if t not in _QUESTION_WORDS]
    return bool(_LEANS_ON_CONTEXT.search(question)) or len(own_terms) < 2


def standalone_query(question: str, history: list[tuple[str, CitedAnswer | None]]) -> str:
    """The query to search for `question`, given earlier (question, answer) turns, newest last."""
    if not history or not needs_context(question):
        return question
    previous_question, previous_answer = history[-1]
    carried_terms = [w for w in re.findall(r"[\w-]+", previous_question) if tokenize(w) and tokenize(w)[0] not in _QUESTION_WORDS]
    quoted = " ".join(c.quote for c in previous_answer.citations) if previous_answer else ""
    own = {t.lower() for t in re.findall(r"[\w-]+", question)}
    extra = [w for w in dict.fromkeys(carried_terms + named_entities(quoted)) if w.lower() not in own]
    return f"{question} {' '.join(extra)}".strip()
