"""Biomedical vocabulary: concept expansion for retrieval and scoring, and entity classes for list answers.

MiniLM was not trained on biomedical class membership: it does not know that
"mepolizumab, a humanised anti-IL-5 monoclonal antibody" answers a question
about *biologics*, nor that a drug blocking IL-4Rα acts on Th2 cells. A small
curated lexicon, shipped as data (`biomedical_concepts.json`), lets a question
term match the members of its concept (`term_matches`), adds the concept's
words to the keyword query at a lower weight (`expansion_terms`), and says
which words of a passage belong to the class a list question asks for
(`question_class`, `class_members`). Terms are compared after the BM25
tokeniser, so "biologics" arrives as "biolog". No installable package holds
this offline (MeSH descriptor names without the tree or entry terms do not say
that IL-4 is a Th2 cytokine); the list is small, documented and tested.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from text.drugs import find_drugs
from text.tokens import tokenize

_FILE = Path(__file__).with_name("biomedical_concepts.json")


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, list[dict]]:
    return json.loads(_FILE.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _expansions() -> dict[str, re.Pattern[str]]:
    table: dict[str, list[str]] = {}
    for concept in _data()["concepts"]:
        for term in concept["terms"]:
            table.setdefault(term, []).extend(concept["patterns"])
    return {term: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) for term, pats in table.items()}


def term_matches(term: str, passage_tokens: set[str], passage_text: str) -> bool:
    """True when the passage contains the query term itself or a member of its concept."""
    if term in passage_tokens:
        return True
    pattern = _expansions().get(term)
    return bool(pattern and pattern.search(passage_text))


def concept_pattern(term: str) -> re.Pattern[str] | None:
    """The passage pattern of the concept a (tokenised) question term names, if any."""
    return _expansions().get(term)


def question_tokens(question: str) -> list[str]:
    """Tokens of a question, with "B cells" / "T cells" kept as one name (the tokenizer drops one-letter words)."""
    question = re.sub(r"\b([BbTt])\s+(cells?|lymphocytes?)\b", r"\1-\2", question)
    question = re.sub(r"\btype[- ]2\b(?!\s+diabet)", "Th2", question, flags=re.IGNORECASE)  # type 2 inflammation = Th2
    return tokenize(question)


def expansion_terms(tokens: list[str]) -> list[str]:
    """Words of the concepts these question tokens name, for the keyword query (the user's own words not repeated)."""
    words: list[str] = []
    for concept in _data()["concepts"]:
        if any(t in concept["terms"] for t in tokens):
            words += [w for w in concept.get("expand", []) if w.lower() not in tokens]
    return list(dict.fromkeys(words))


@dataclass(frozen=True)
class EntityClass:
    name: str
    nouns: tuple[str, ...]
    members: re.Pattern[str]
    drug_dictionary: bool = False  # members also include every medicine `text.drugs` knows


@functools.lru_cache(maxsize=1)
def _classes() -> tuple[EntityClass, ...]:
    return tuple(
        EntityClass(c["name"], tuple(c["nouns"]), re.compile("|".join(f"(?:{p})" for p in c["members"]), re.IGNORECASE),
                    bool(c.get("drug_dictionary")))
        for c in _data()["classes"]
    )


# What ends the noun phrase after which/what: an auxiliary or verb-like function word, a preposition, a relative.
_PHRASE_ENDS = frozenset(
    "is are was were be been do does did have has had can could would should will may might must "
    "of in on for to with by from at among against after before during between into over under than that who whom "
    "whose which what where when while if".split())
_PHRASE_OPENS = frozenset("is are was were the a an its their these those of".split())


def _asked_phrase(words: list[str]) -> list[str] | None:
    """The words naming what a which/what (or "name/list ...") question asks for: after the first such word, leading
    "are the", "of the" skipped, up to five words before an auxiliary or preposition ("which kinases" in "HER2+
    cells that became resistant switch on which kinases downstream of ...?"); None without such a word."""
    at = next((i for i, w in enumerate(words) if w in ("which", "what") or (i == 0 and w in ("name", "list"))), None)
    if at is None:
        return None
    phrase = words[at + 1 :]
    while phrase and phrase[0] in _PHRASE_OPENS:
        phrase = phrase[1:]
    out = []
    for word in phrase[:5]:
        if word in _PHRASE_ENDS:
            break
        out.append(word)
    return out


def question_class(question: str) -> EntityClass | None:
    """The class a list question asks for: "which biologics ..." -> biologic. The class noun must name what the
    which/what phrase asks for ("which kinases ... in HER2+ cells" asks for no cell, "what enzyme do neutrophils
    need" for no cell type); a question without which/what takes its first class noun."""
    words = re.findall(r"[a-z]+(?:-[a-z]+)*", question.lower())  # "B-cell drug": a hyphenated modifier is not the noun
    asked = _asked_phrase(words)
    for word in words if asked is None else asked:
        for cls in _classes():
            if word in cls.nouns:
                return cls
    return None


def class_members(cls: EntityClass, text: str) -> list[re.Match[str]]:
    """Occurrences of members of `cls` in `text`, in order: the class's patterns, and for drugs the dictionary."""
    found = list(cls.members.finditer(text))
    if cls.drug_dictionary:
        taken = [m.span() for m in found]
        for start, end, _ in find_drugs(text):
            if not any(a < end and start < b for a, b in taken):
                found.append(re.compile(re.escape(text[start:end])).match(text, start))
        found.sort(key=lambda m: m.start())
    return found


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


def _definitions(word_start: str) -> re.Pattern:
    """"long form (SHORT)" with the long form's words beginning with `word_start`; the short form may open with one
    lower-case letter before its capitals ("mediastinal lymph nodes (mLNs)", "mAb")."""
    word = rf"{word_start}[\w'-]*"
    return re.compile(rf"((?:{word}[ -]){{0,8}}?{word})\s+\(([a-z]?[A-Z][A-Za-z0-9]{{1,9}}s?)\)")


_DEFINED_ABBREVIATION = _definitions("[A-Za-z]")
# ... and with long forms whose later words may begin with a digit ("phosphodiesterase 3B (PDE3B)"): for showing a
# definition (`answer.direct`), not for a paper's terms: read so, the papers' abbreviations moved answers' rankings
# (`python -m bench.topics`, 2026-12-07: a right full-text line lost, none gained)
_DEFINED_ABBREVIATION_DIGITS = _definitions("[A-Za-z0-9]")


def defined_abbreviations(text: str, digit_words: bool = False) -> dict[str, str]:
    """Abbreviations a document defines, "left ventricular hypertrophy (LVH)" -> {"LVH": "left ventricular hypertrophy"}.

    The long form is the shortest run of words before the parenthesis whose initials spell the abbreviation
    (Schwartz & Hearst 2003, simplified). Used within one document only: corpus-wide expansion of short forms
    is ambiguous and measured worse on SciFact (evals/README.md), inside the paper that defines them it is not.
    `digit_words` also reads long forms with a word beginning with a digit ("phosphodiesterase 3B").
    """
    found: dict[str, str] = {}
    for m in (_DEFINED_ABBREVIATION_DIGITS if digit_words else _DEFINED_ABBREVIATION).finditer(text):
        short = m.group(2).rstrip("s") if m.group(2).endswith("s") and len(m.group(2)) > 2 else m.group(2)
        letters = [c.lower() for c in short if c.isalpha()]
        words = re.split(r"[ -]", m.group(1))
        for n in range(1, min(len(words), len(letters) + 3) + 1):
            candidate = words[-n:]
            initials = [w[0].lower() for w in candidate if w and w.lower() not in ("of", "and", "the", "in", "for", "to")]
            if initials and initials[0] == letters[0] and _subsequence(letters, "".join(w.lower() for w in candidate)):
                found.setdefault(short, " ".join(candidate))
                break
    return found


def _subsequence(letters: list[str], text: str) -> bool:
    position = 0
    for letter in letters:
        position = text.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True
