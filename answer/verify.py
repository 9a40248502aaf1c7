"""Citation verification for generated text: every factual sentence must cite a source that supports it.

A language model can write "[2]" after anything. This module decides, with
what runs offline, whether source [2] really says what the sentence says:

1. The answer is cut into sentences; `[n]`, `[n, m]` and `[n-m]` markers are
   read and removed from the text. A marker pointing at a number that is not
   one of the numbered sources is removed and counted.
2. A sentence *states a fact* when it has at least `MIN_FACT_TERMS` content
   terms and is not the model saying it cannot answer. Facts need a citation.
3. A cited sentence is supported when, against the union of its cited sources:
   - every number in it (doses, durations, percentages) occurs in them;
   - every biomedical entity in it (INN drug names such as "...mab",
     cytokines, CD markers, immunoglobulins) occurs in them;
   - it is not negated where the best matching source sentence is not, or
     the other way round;
   - its content terms are covered (`MIN_COVERAGE`), or are partly covered
     and the sentence is semantically close to a source sentence (MiniLM
     cosine, `MIN_COSINE` with `MIN_COVERAGE_WITH_COSINE`).
   The best matching one- or two-sentence window of each cited source becomes
   that citation's quote, with exact character offsets in the document.

The thresholds were set on the hand-made cases in `tests/answer/test_verify.py`
and checked on extractive answers (quotes verify against themselves, 100 %).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from answer.models import RetrievedPassage
from text.concepts import NAMED_ENTITY
from text.evidence import is_instruction
from text.sentences import split_sentences
from text.tokens import tokenize

MIN_FACT_TERMS = 3
MIN_COVERAGE = 0.6
MIN_COSINE = 0.6
MIN_COVERAGE_WITH_COSINE = 0.35
PAIR_PENALTY = 0.05

_MARKER = re.compile(r"\s*\[(\d+(?:\s*(?:,|-|–)\s*\d+)*)\]")
# A number a reader would check: not part of a name such as IL-13, IgG4 or CD20.
_NUMBER = re.compile(r"(?<![\w\-–/.])\d+(?:[.,]\d+)?(?![\w\-])")
# The shared biomedical names, plus gene-like symbols (ST2, IL4R, BRCA1) that a sentence may invent.
_ENTITY = re.compile(rf"\b(?:{NAMED_ENTITY}|[A-Z]{{2,}}\d+[A-Za-z]*)\b")
_NEGATION = re.compile(r"\b(not|no|never|neither|nor|without|none|cannot|fail(?:s|ed)?|ineffective|lack(?:s|ed)?)\b|n't\b",
                       re.IGNORECASE)
# The model saying it cannot answer, or talking about the task: not a claim about the world.
_NON_CLAIM = re.compile(
    r"\b(the (provided )?sources? (do(es)? not|don't|did not)|not (mentioned|stated|discussed) in the sources|"
    r"i (cannot|can't|could not|couldn't|do not|don't)|based on the (provided )?sources|according to the sources,?$)",
    re.IGNORECASE,
)

Embed = Callable[[list[str]], np.ndarray]


@dataclass
class Support:
    """The best window of one cited source: its text, document offsets and scores."""

    n: int
    start: int
    end: int
    quote: str
    coverage: float
    cosine: float


@dataclass
class CheckedSentence:
    text: str  # markers removed
    cites: list[int]  # valid source numbers only
    factual: bool
    verified: bool
    reason: str = ""
    support: dict[int, Support] = field(default_factory=dict)


@dataclass
class Verification:
    sentences: list[CheckedSentence]
    removed_citations: list[int]  # markers that pointed at no source, in order of appearance

    @property
    def claims(self) -> list[CheckedSentence]:
        return [s for s in self.sentences if s.factual]


def parse_markers(text: str) -> list[int]:
    """Source numbers in `[1]`, `[1, 3]`, `[2-4]` markers, in order, without repeats."""
    numbers: list[int] = []
    for m in _MARKER.finditer(text):
        for piece in re.split(r"\s*,\s*", m.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[-–]\s*", piece)]
            lo, hi = bounds[0], bounds[-1]
            numbers.extend(range(lo, hi + 1) if 0 <= hi - lo <= 20 else [lo, hi])
    return list(dict.fromkeys(numbers))


def split_answer(text: str) -> list[tuple[str, list[int]]]:
    """(sentence without markers, cited numbers) pairs; a marker after the full stop belongs to the sentence before."""
    pieces: list[tuple[str, list[int]]] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if not line:
            continue
        spans = split_sentences(line)
        for a, b in spans or [(0, len(line))]:
            raw = line[a:b]
            cites = parse_markers(raw)
            plain = _MARKER.sub("", raw).strip()
            if pieces and (not plain or re.fullmatch(r"[\W_]*", plain)):  # "[1]." on its own: attach to the previous one
                prev_text, prev_cites = pieces[-1]
                pieces[-1] = (prev_text, list(dict.fromkeys(prev_cites + cites)))
                continue
            if plain:
                pieces.append((plain, cites))
    return pieces


def numbers_in(text: str) -> set[str]:
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def entities_in(text: str) -> set[str]:
    return {m.group(0).lower() for m in _ENTITY.finditer(text)}


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def states_fact(sentence: str) -> bool:
    return len(set(tokenize(sentence))) >= MIN_FACT_TERMS and not _NON_CLAIM.search(sentence)


def _windows(passage: RetrievedPassage) -> list[tuple[int, int, int]]:
    """(start, end, sentences) of one- and two-sentence windows, in passage coordinates."""
    # an instruction planted in a document supports nothing, even what the model wrote because of it
    spans = [(a, b) for a, b in split_sentences(passage.text) or [(0, len(passage.text))]
             if not is_instruction(passage.text[a:b])]
    windows = [(a, b, 1) for a, b in spans]
    windows += [(spans[i][0], spans[i + 1][1], 2) for i in range(len(spans) - 1)]
    return windows


class _Vectors:
    """Embeddings computed once per verification: each source's windows, and each sentence."""

    def __init__(self, embed: Embed | None) -> None:
        self.embed = embed
        self._windows: dict[int, np.ndarray] = {}

    def windows(self, n: int, texts: list[str]) -> np.ndarray | None:
        if self.embed is None:
            return None
        if n not in self._windows:
            self._windows[n] = self.embed(texts)
        return self._windows[n]

    def sentence(self, text: str) -> np.ndarray | None:
        return None if self.embed is None else self.embed([text])[0]


def verify_answer(text: str, sources: Sequence[RetrievedPassage], embed: Embed | None = None) -> Verification:
    """Check every sentence of `text` against the numbered `sources` ([1] is `sources[0]`)."""
    by_n = {i + 1: s for i, s in enumerate(sources)}
    vectors = _Vectors(embed)
    removed: list[int] = []
    checked: list[CheckedSentence] = []
    for sentence, cites in split_answer(text):
        removed += [n for n in cites if n not in by_n]
        valid = [n for n in cites if n in by_n]
        factual = states_fact(sentence)
        result = CheckedSentence(sentence, valid, factual, verified=not factual)
        if factual and not valid:
            result.reason = "cites no source" if not cites else f"cites [{', '.join(map(str, cites))}], which is not a source"
        elif valid:
            _check_support(result, by_n, vectors)
        checked.append(result)
    return Verification(checked, removed)


def _check_support(result: CheckedSentence, sources: dict[int, RetrievedPassage], vectors: _Vectors) -> None:
    sentence = result.text
    # only what may support a claim: a planted instruction does not, even when the claim repeats it word for word
    cited_text = " ".join(sources[n].text[a:b] for n in result.cites for a, b, k in _windows(sources[n]) if k == 1)
    terms = set(tokenize(sentence))
    cited_lower = cited_text.lower()
    cited_numbers = numbers_in(cited_text)

    svec = vectors.sentence(sentence)
    for n in result.cites:
        result.support[n] = _best_window(terms, svec, n, sources[n], vectors)
    if not result.factual:  # nothing to check, but its citations still get their best passage
        return
    best = max(result.support.values(), key=lambda s: (s.coverage + s.cosine))
    coverage = len(terms & set(tokenize(cited_text))) / len(terms) if terms else 0.0
    cited = ", ".join(f"[{n}]" for n in result.cites)

    missing_numbers = sorted(numbers_in(sentence) - cited_numbers)
    missing_entities = sorted(e for e in entities_in(sentence) if e not in cited_lower)
    if missing_numbers:
        result.reason = f"{', '.join(missing_numbers)} not found in {cited}"
    elif missing_entities:
        result.reason = f"{', '.join(missing_entities)} not found in {cited}"
    elif _negated(sentence) != _negated(best.quote):
        result.reason = f"{'negates' if _negated(sentence) else 'drops the negation of'} what {cited} says"
    elif not (coverage >= MIN_COVERAGE or (coverage >= MIN_COVERAGE_WITH_COSINE and best.cosine >= MIN_COSINE)):
        result.reason = f"{cited} does not support it (term overlap {coverage:.2f}, similarity {best.cosine:.2f})"
    result.verified = not result.reason


def _best_window(terms: set[str], svec: np.ndarray | None, n: int, passage: RetrievedPassage, vectors: _Vectors) -> Support:
    windows = _windows(passage)
    if not windows:  # nothing in the passage may support anything (it only addresses a model)
        return Support(n, passage.start, passage.start, "", 0.0, 0.0)
    texts = [passage.text[a:b] for a, b, _ in windows]
    coverages = [len(terms & set(tokenize(t))) / len(terms) if terms else 0.0 for t in texts]
    wvecs = vectors.windows(n, texts)
    cosines = [0.0] * len(texts) if svec is None else [float(v @ svec) for v in wvecs]
    # A pair of sentences must add coverage or similarity to beat a single one.
    i = max(range(len(texts)), key=lambda j: coverages[j] + cosines[j] - PAIR_PENALTY * (windows[j][2] - 1))
    a, b, _ = windows[i]
    return Support(n, passage.start + a, passage.start + b, texts[i], coverages[i], cosines[i])
