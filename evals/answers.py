"""Answer-quality evaluation: extractive vs LLM answers on a question set with gold documents.

    python app.py eval answers [--questions evals/sample_questions.jsonl] [--llm openai --llm-url URL --llm-model M] [--json]

Each line of the question file: {"question", "expect": "answered"|"no_evidence", "must_cite": doc_id}.
Reported per answering mode:

- claims shown, verified: the share of the factual sentences the user is shown
  (LLM answers, or the extractive answer that replaced one) whose citations
  `answer.verify` confirms; "claims the LLM wrote" counts generated sentences
  only. Extractive answers go through the same verifier (each quote against
  its cited span), so both answering modes are measured the same way.
- gold cited: the share of answerable questions whose answer cites the gold document.
- correct refusals: the share of `no_evidence` questions that were refused.
- fallbacks: LLM answers replaced by the extractive one (server error, nothing verifiable).
- removed citations: markers to sources that did not exist.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from answer.models import CitedAnswer, RetrievedPassage
from answer.verify import verify_answer
from errors import UserError
from index.corpus import CorpusIndex
from index.embedding import embed_texts
from text.sentences import split_sentences


def load_cases(path: Path) -> list[dict[str, object]]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read questions {path}: {exc}") from None


def claim_checks(result: CitedAnswer, index: CorpusIndex) -> tuple[int, int]:
    """(verified claims, claims) of one answer, both modes judged by `answer.verify`."""
    if result.mode == "llm":
        claims = [p for p in result.parts if p.verified is not None]
        return sum(bool(p.verified) for p in claims), len(claims)
    # An extractive answer: re-verify each quote against the cited span as a numbered source.
    by_n = {c.n: c for c in result.citations}
    numbers = sorted(by_n)
    sources = [RetrievedPassage(rank=0, chunk_id=by_n[n].chunk_id, doc_id=by_n[n].doc_id, title=by_n[n].title,
                                source=by_n[n].source, score=0.0, dense=None, bm25=None, start=by_n[n].start,
                                end=by_n[n].end, text=by_n[n].quote) for n in numbers]
    position = {n: i + 1 for i, n in enumerate(numbers)}
    # A quote of two sentences backs both: each sentence carries the quote's citation.
    text = "\n".join(f"{p.text[a:b]} " + "".join(f"[{position[n]}]" for n in p.cites)
                     for p in result.parts for a, b in split_sentences(p.text))
    check = verify_answer(text, sources, embed=lambda texts: embed_texts(index.embed_model, texts))
    return sum(s.verified for s in check.claims), len(check.claims)


def evaluate_answers(answerer, cases: list[dict[str, object]], progress=None) -> dict[str, object]:
    index = answerer.index
    verified = claims = gold = answerable = refused = off_topic = fallbacks = removed = 0
    llm_verified = llm_claims = 0  # only sentences the LLM wrote (not its fallbacks)
    rows, started = [], time.perf_counter()
    for i, case in enumerate(cases, 1):
        result = answerer.answer(str(case["question"]))
        ok, n = claim_checks(result, index)
        verified, claims = verified + ok, claims + n
        if result.mode == "llm":
            llm_verified, llm_claims = llm_verified + ok, llm_claims + n
        cited = {c.doc_id for c in result.citations}
        if case.get("expect") == "no_evidence":
            off_topic += 1
            refused += result.status == "no_evidence"
        else:
            answerable += 1
            gold += case.get("must_cite") in cited
        fallbacks += bool(result.fallback)
        removed += result.removed_citations
        rows.append({"question": case["question"], "mode": result.mode, "status": result.status,
                     "claims": n, "verified": ok, "gold_cited": case.get("must_cite") in cited, "fallback": result.fallback,
                     "sentences": [{"text": p.text, "cites": p.cites, "verified": p.verified, "reason": p.reason}
                                   for p in result.parts]})
        if progress:
            progress("Answering", i, len(cases))
    return {
        "questions": len(cases),
        "claims_verified": verified / claims if claims else 1.0,
        "claims": claims,
        "llm_claims_verified": llm_verified / llm_claims if llm_claims else None,
        "llm_claims": llm_claims,
        "gold_cited": gold / answerable if answerable else 1.0,
        "correct_refusals": refused / off_topic if off_topic else 1.0,
        "fallbacks": fallbacks,
        "removed_citations": removed,
        "seconds_per_question": (time.perf_counter() - started) / max(1, len(cases)),
        "rows": rows,
    }


def format_table(reports: dict[str, dict[str, object]]) -> str:
    lines = ["| answers | claims shown: verified | claims the LLM wrote: verified | gold document cited | "
             "correct refusals | fallbacks to extractive | removed citations | s/question |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in reports.items():
        written = "—" if r["llm_claims_verified"] is None else f"{r['llm_claims_verified']:.1%} of {r['llm_claims']}"
        lines.append(f"| {name} | {r['claims_verified']:.1%} of {r['claims']} | {written} | {r['gold_cited']:.1%} | "
                     f"{r['correct_refusals']:.0%} | {r['fallbacks']} | {r['removed_citations']} | "
                     f"{r['seconds_per_question']:.1f} |")
    return "\n".join(lines)
