"""Answers as data: question -> evidence chunks -> cited answer.

The UI and the CLI render Markdown and JSON *from* these objects, at the edge
(`answer.render`); nothing stored here is escaped or formatted, and nothing
downstream ever parses an answer back out of formatted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Citation:
    """A quoted passage: `quote == document.text[start:end]` of document `doc_id`."""

    n: int
    doc_id: str
    title: str
    source: str
    chunk_id: str
    quote: str
    start: int
    end: int
    # on a yes/no question, what the reader reads in this quote: "yes", "no" or "unsettled" ("" otherwise)
    lean: str = ""
    # the cited paper's study card (`text.study.StudyCard.to_dict`): design, participants, year, journal, registry
    study: dict[str, object] = field(default_factory=dict)


@dataclass
class RetrievedPassage:
    """A chunk the answerer read, with the scores that ranked it."""

    rank: int
    chunk_id: str
    doc_id: str
    title: str
    source: str
    score: float
    dense: float | None
    bm25: float | None
    start: int
    end: int
    text: str


@dataclass
class AnswerPart:
    """One statement of the answer and the citations that back it (numbers into `citations`).

    `verified` is None for quotes (a quote is its own evidence), and for a
    generated sentence says whether `answer.verify` found support; `reason`
    says why not.
    """

    text: str
    cites: list[int]
    verified: bool | None = None
    reason: str = ""
    kind: str = "quote"  # "quote" (verbatim), "direct" (the one-line answer naming what the quotes name), "generated" (LLM)
    names: list[tuple[str, int]] = field(default_factory=list)  # a direct line's names, each with its citation number


@dataclass
class CitedAnswer:
    question: str
    status: str  # "answered" | "no_evidence"
    parts: list[AnswerPart] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[RetrievedPassage] = field(default_factory=list)
    searched_query: str = ""
    evidence_score: float = 0.0  # best unit score; the refusal threshold is compared to it
    reader_relevance: float | None = None  # the reader's best relevance (None: no reader); its gate reads it
    note: str = ""  # the answerer's own words: an intro, or why nothing was found
    mode: str = "extractive"  # or "llm"
    model: str = ""  # the LLM that wrote the answer, in llm mode
    removed_citations: int = 0  # markers the LLM wrote that pointed at no source
    fallback: str = ""  # why an LLM answer was not possible, when the extractive one is shown instead
    resolved_question: str = ""  # a follow-up with its referents filled in from earlier turns; what was scored
    analysis: dict[str, object] = field(default_factory=dict)  # answer type, quantity, asked class, focus entities
    missing: list[str] = field(default_factory=list)  # focus entities no indexed paper mentions
    corrected: list[list[str]] = field(default_factory=list)  # [as typed, as understood]: "SARS-CON" -> "SARS-CoV"
    searched_only: str = ""  # the study filter in force, in words: "randomised trials, published since 2020"

    @property
    def verified(self) -> bool:
        """True when no sentence of the answer is flagged."""
        return all(p.verified is not False for p in self.parts)
