"""Generated answers from the user's own LLM, with every citation verified before it is shown as verified.

The flow keeps the offline guarantees wherever it can:

1. A follow-up is condensed into a standalone question by the LLM (prompt
   `condense`); if that fails or returns something unusable, the offline
   rewrite of `answer.followup` is used.
2. The extractive answerer runs first. It retrieves the context and applies
   the calibrated relevance gate, so a question the papers cannot answer is
   refused without asking the model. Its answer is also the fallback.
3. The context passages go to the model as numbered source blocks (prompt
   `answer`), trimmed to fit the model's context window, and the reply is
   streamed.
4. `answer.verify` checks every sentence; each citation's quote becomes the
   best supporting window of its passage, with exact document offsets.
   Markers to non-existent sources are removed and counted. In strict mode
   unverified sentences are dropped.
5. Any LLM failure (down, timeout, unknown model, 401) yields the extractive
   answer with a sentence saying why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from answer.extractive import ExtractiveAnswerer, validate_question
from answer.followup import needs_context, resolve_followup
from answer.llm import LLMClient, LLMError
from answer.models import AnswerPart, Citation, CitedAnswer, RetrievedPassage
from answer.verify import Support, Verification, verify_answer
from index.corpus import CorpusIndex
from index.embedding import embed_texts
from prompts import fill, load_prompt
from text.study import card_of

CHARS_PER_TOKEN = 3.5  # biomedical English in a Llama-style tokenizer, measured on the sample corpus: 3.6-4.1
PROMPT_RESERVE_TOKENS = 300  # the prompt's own words
HISTORY_TURNS = 3


class GenerativeAnswerer:
    def __init__(self, index: CorpusIndex, client: LLMClient | None = None) -> None:
        self.index = index
        self.settings = index.settings
        self.client = client or LLMClient(self.settings.llm)
        self.extractive = ExtractiveAnswerer(index, rerank=self.settings.llm.rerank_context)

    # --- follow-ups ------------------------------------------------------------------------
    def condense(self, question: str, history: list[tuple[str, CitedAnswer | None]]) -> str:
        """A standalone version of `question` written by the LLM; the offline rewrite when that fails."""
        if not history or not needs_context(question):
            return question
        cfg = self.settings.llm
        turns = []
        for q, a in history[-HISTORY_TURNS:]:
            said = " ".join(p.text for p in a.parts)[:1200] if a else ""
            turns.append(f"User: {q}\nAssistant: {said or '(no answer)'}")
        prompt = fill(load_prompt("condense", cfg.condense_prompt, ("history", "question")),
                      history="\n".join(turns), question=question)
        try:
            rewritten = self.client.complete(prompt)
        except LLMError:
            return resolve_followup(question, history)
        rewritten = rewritten.strip().splitlines()[0].strip(' "\'') if rewritten.strip() else ""
        if not 3 <= len(rewritten) <= 500:
            return resolve_followup(question, history)
        return rewritten

    # --- answers ---------------------------------------------------------------------------
    def answer(self, question: str, **kwargs: object) -> CitedAnswer:
        for event in self.stream(question, **kwargs):
            if isinstance(event, CitedAnswer):
                return event
        raise AssertionError("stream() always ends with a CitedAnswer")

    def stream(
        self,
        question: str,
        *,
        history: list[tuple[str, CitedAnswer | None]] | None = None,
        mode: str | None = None,
        strict: bool | None = None,
        max_quotes: int | None = None,  # noqa: ARG002 (the extractive answerer's setting; an LLM writes its own length)
        designs: list[str] | None = None, since: int | None = None,
    ) -> Iterator[str | CitedAnswer]:
        """Yield the model's text as it arrives, then the verified `CitedAnswer` (always last)."""
        cfg = self.settings.llm
        question = validate_question(question, self.settings.answer.max_question_chars)
        strict = cfg.strict if strict is None else strict
        query = self.condense(question, history or [])
        fallback = self.extractive.answer(question, resolved=query, search_query=query, mode=mode, designs=designs,
                                          since=since)
        if fallback.status != "answered":  # the relevance gate: nothing to write about
            yield fallback
            return

        sources = self._fit(fallback.retrieved)
        prompt = fill(
            load_prompt("answer", cfg.answer_prompt, ("sources", "question")),
            sources=_source_blocks(sources), question=question, refusal=load_prompt("refuse"),
        )
        pieces: list[str] = []
        try:
            for delta in self.client.stream(prompt):
                pieces.append(delta)
                yield delta
        except LLMError as exc:
            fallback.fallback = f"{exc}. Showing the extractive answer instead."
            yield fallback
            return
        yield self._verified(question, query, "".join(pieces), sources, fallback, strict)

    def _fit(self, retrieved: list[RetrievedPassage]) -> list[RetrievedPassage]:
        """The top passages that fit the model's context window beside the prompt and the answer."""
        cfg = self.settings.llm
        budget = (cfg.context_window - cfg.max_tokens - PROMPT_RESERVE_TOKENS) * CHARS_PER_TOKEN
        kept, used = [], 0.0
        for passage in retrieved:
            used += len(passage.text) + len(passage.title) + 20
            if kept and used > budget:
                break
            kept.append(passage)
        return kept

    def _verified(
        self, question: str, query: str, text: str, sources: list[RetrievedPassage], fallback: CitedAnswer, strict: bool
    ) -> CitedAnswer:
        if not text.strip():
            fallback.fallback = f"{self.client.model} returned no text. Showing the extractive answer instead."
            return fallback
        result = CitedAnswer(  # `retrieved`: the passages the model read, numbered as in its prompt
            question=question, status="answered", retrieved=sources, searched_query=query,
            evidence_score=fallback.evidence_score, mode="llm", model=self.client.model,
            searched_only=fallback.searched_only,
        )
        if _is_refusal(text):
            result.status = "no_evidence"
            result.note = f"{self.client.model}: {text.strip()}"
            return result
        check = verify_answer(text, sources, embed=lambda texts: embed_texts(self.index.embed_model, texts))
        result.removed_citations = len(check.removed_citations)
        sentences = [s for s in check.sentences if s.verified or not strict]
        if not any(s.factual for s in sentences):
            why = "none of its sentences could be verified" if strict else "it made no claim"
            fallback.fallback = f"The answer of {self.client.model} was set aside: {why}. Showing the extractive answer."
            return fallback
        result.parts = [AnswerPart(s.text, s.cites, verified=s.verified if s.factual else None, reason=s.reason,
                                   kind="generated")
                        for s in sentences]
        result.citations = _citations(check, sources, {id(s) for s in sentences})
        for c in result.citations:
            if doc := self.index.document(c.doc_id):
                c.study = card_of(doc.text, doc.metadata).to_dict()
        dropped = len(check.sentences) - len(sentences)
        result.note = fill(load_prompt("llm_intro"), model=self.client.model) + (
            f" Strict mode dropped {dropped} unverified sentence{'s' * (dropped != 1)}." if dropped else "")
        return result


def _citations(check: Verification, sources: list[RetrievedPassage], kept: set[int]) -> list[Citation]:
    """One citation per cited source number: its best supporting window over the sentences that cite it."""
    best: dict[int, Support] = {}
    for sentence in check.sentences:
        if id(sentence) not in kept:
            continue
        for n, support in sentence.support.items():
            if n not in best or support.coverage + support.cosine > best[n].coverage + best[n].cosine:
                best[n] = support
    citations = []
    for n in sorted(best):
        s, p = best[n], sources[n - 1]
        citations.append(Citation(n=n, doc_id=p.doc_id, title=p.title, source=p.source, chunk_id=p.chunk_id,
                                  quote=s.quote, start=s.start, end=s.end))
    return citations


def _source_blocks(sources: list[RetrievedPassage]) -> str:
    """Each passage numbered and fenced as quoted material: `[1] title` then the text between `<<<` and `>>>`.
    Whatever a document holds cannot close its fence or open another, and its own "[12]" reference markers
    (or a fake "[9] Official guideline" header) become "(12)", so the model cannot take them for our numbers.
    (XML-like `<source n="1">` tags were tried: the 135M test model then made no claim at all.)"""
    return "\n\n".join(f"[{i}] {_fenced(p.title or p.doc_id)}\n<<<\n{_fenced(p.text)}\n>>>" for i, p in enumerate(sources, 1))


def _fenced(text: str) -> str:
    text = text.replace("<<<", "‹‹‹").replace(">>>", "›››")
    return re.sub(r"\[(\d+(?:\s*[,–-]\s*\d+)*)\]", r"(\1)", text)


def _is_refusal(text: str) -> bool:
    refusal = _normal(load_prompt("refuse"))
    return not re.search(r"\[\d", text) and refusal in _normal(text)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())

