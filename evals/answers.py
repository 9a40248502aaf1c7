"""Answer-quality evaluation: extractive vs LLM answers on a question set with gold documents.

    python app.py eval answers [--questions evals/questions.jsonl] [--llm openai --llm-url URL --llm-model M] [--json]

Each line of the question file: {"id", "type": list|number|yesno|mechanism|followup|refuse, "question" (or "turns":
[first, follow-up]), "must_cite": [doc ids, any of them], "must_mention": [terms, "a|b" for either],
"expect_entities"/"not_entities" (list), "expect_number" (number), "absent" (refuse: the entity no paper, or no paper on the question, names)}.
A case passes when it is answered, cites a gold paper and meets its type's test (a list names every expected
entity in its direct line and no wrong one; a number is quoted; the terms are in the answer), or, for
"refuse", when it is refused. Reported per answering mode, per type, and:

- claims shown, verified: the share of the factual sentences the user is shown
  (LLM answers, or the extractive answer that replaced one) whose citations
  `answer.verify` confirms; "claims the LLM wrote" counts generated sentences
  only. Extractive answers go through the same verifier, against their cited
  spans re-read from the catalog (`claim_checks`): there it is an invariant
  that every claim holds, not a quality measure.
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
from text.evidence import is_evidence
from text.sentences import split_sentences


def load_cases(path: Path) -> list[dict[str, object]]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read questions {path}: {exc}") from None


def claim_checks(result: CitedAnswer, index: CorpusIndex) -> tuple[int, int]:
    """(verified claims, claims) of one answer, both modes judged by `answer.verify`.

    An extractive answer is checked against the documents as the index holds them, not against the answer's own
    copy of its quotes (a quote verified against itself cannot fail): each quote sentence against the text of its
    cited span re-read from the catalog, and each name of the direct line ("Dupilumab [1] and mepolizumab [2].")
    against the span of the quote it cites. For a correct extractive answer every claim holds by construction, so
    this is an invariant (a broken offset, a quote that is not its document's text, a name cited to the wrong quote
    break it), not a measure of quality: whether the quotes answer the question is what the per-type pass rates and
    "gold cited" measure."""
    if result.mode == "llm":
        claims = [p for p in result.parts if p.verified is not None]
        return sum(bool(p.verified) for p in claims), len(claims)
    spans = {c.n: _span_text(index, c.doc_id, c.start, c.end) for c in result.citations}
    by_n = {c.n: c for c in result.citations}
    numbers = sorted(by_n)
    sources = [RetrievedPassage(rank=0, chunk_id=by_n[n].chunk_id, doc_id=by_n[n].doc_id, title=by_n[n].title,
                                source=by_n[n].source, score=0.0, dense=None, bm25=None, start=by_n[n].start,
                                end=by_n[n].end, text=spans[n]) for n in numbers]
    position = {n: i + 1 for i, n in enumerate(numbers)}
    # A quote of two sentences backs both: each sentence carries the quote's citation.
    text = "\n".join(f"{p.text[a:b]} " + "".join(f"[{position[n]}]" for n in p.cites)
                     for p in result.parts if p.kind != "direct" for a, b in split_sentences(p.text))
    check = verify_answer(text, sources, embed=lambda texts: embed_texts(index.embed_model, texts))
    names = [(name, n) for p in result.parts if p.kind == "direct" for name, n in p.names]
    named = sum(name.lower() in spans.get(n, "").lower() for name, n in names)
    return sum(s.verified for s in check.claims) + named, len(check.claims) + len(names)


def _span_text(index: CorpusIndex, doc_id: str, start: int, end: int) -> str:
    """A cited span as the catalog holds it ("" for a document the index does not hold)."""
    document = index.document(doc_id)
    return document.text[start:end] if document is not None else ""


TYPES = ("list", "number", "yesno", "mechanism", "followup", "refuse")


def _any_in(alternatives: str, text: str) -> bool:
    """"IL-4|interleukin-4" is in text when either form is (case ignored)."""
    return any(alt.strip().lower() in text.lower() for alt in alternatives.split("|"))


def run_case(answerer, case: dict[str, object]) -> CitedAnswer:
    """The answer to a case's question, or to the last turn of its conversation (earlier turns as history)."""
    turns = case.get("turns") or [case["question"]]
    history: list[tuple[str, CitedAnswer]] = []
    result = None
    for question in turns:
        result = answerer.answer(str(question), history=list(history))
        history.append((result.resolved_question or result.question, result))
    return result


def judge(case: dict[str, object], result: CitedAnswer) -> dict[str, object]:
    """Per-case verdicts: cited the gold paper, named the expected entities / number / terms, refused, quoted furniture."""
    kind = str(case.get("type") or ("refuse" if case.get("expect") == "no_evidence" else "other"))
    answered = result.status == "answered"
    cited = {c.doc_id for c in result.citations}
    gold = case.get("must_cite") or []
    gold = [gold] if isinstance(gold, str) else list(gold)
    text = " ".join(p.text for p in result.parts)
    direct = " ".join(p.text for p in result.parts if p.kind == "direct")
    quotes = " ".join(c.quote for c in result.citations)
    row = {
        "id": case.get("id", ""), "type": kind, "question": case.get("question") or case.get("turns"),
        "resolved_question": result.resolved_question, "status": result.status, "answered": answered,
        "gold_cited": bool(gold) and any(d in cited for d in gold),
        "mentions": all(_any_in(m, text) for m in case.get("must_mention", [])),
        "furniture": [q for c in result.citations for a, b in split_sentences(c.quote) if not is_evidence(q := c.quote[a:b])],
        "answer": text[:600], "note": result.note[:300], "analysis": result.analysis, "missing": result.missing,
        "citations": [{"doc_id": c.doc_id, "start": c.start, "end": c.end, "quote": c.quote} for c in result.citations],
    }
    if kind == "list":
        row["entities"] = all(_any_in(e, direct) for e in case.get("expect_entities", []))
        row["wrong_entities"] = [e for e in case.get("not_entities", []) if _any_in(e, direct)]
        row["ok"] = answered and row["gold_cited"] and row["entities"] and not row["wrong_entities"]
    elif kind == "number":
        row["number"] = _any_in(str(case.get("expect_number", "")), quotes)
        row["ok"] = answered and row["gold_cited"] and row["number"]
    elif kind == "refuse":
        row["ok"] = not answered
        if case.get("absent"):
            # named to the user: as missing from every paper, or as found only in papers on something else
            row["named_missing"] = str(case["absent"]).lower() in " ".join([*result.missing, result.note]).lower()
    else:
        row["ok"] = answered and row["gold_cited"] and row["mentions"]
    return row


def evaluate_answers(answerer, cases: list[dict[str, object]], progress=None) -> dict[str, object]:
    """Answer every case (conversations turn by turn) and score them per answer type; claims checked by `answer.verify`."""
    index = answerer.index
    verified = claims = fallbacks = removed = 0
    llm_verified = llm_claims = 0  # only sentences the LLM wrote (not its fallbacks)
    rows, started = [], time.perf_counter()
    for i, case in enumerate(cases, 1):
        result = run_case(answerer, case)
        ok, n = claim_checks(result, index)
        verified, claims = verified + ok, claims + n
        if result.mode == "llm":
            llm_verified, llm_claims = llm_verified + ok, llm_claims + n
        fallbacks += bool(result.fallback)
        removed += result.removed_citations
        row = judge(case, result)
        row.update(mode=result.mode, claims=n, verified=ok, fallback=result.fallback,
                   sentences=[{"text": p.text, "cites": p.cites, "verified": p.verified, "reason": p.reason, "kind": p.kind}
                              for p in result.parts])
        rows.append(row)
        if progress:
            progress("Answering", i, len(cases))
    answerable = [r for r in rows if r["type"] != "refuse"]
    by_type = {}
    for kind in TYPES:
        group = [r for r in rows if r["type"] == kind]
        if group:
            by_type[kind] = {"n": len(group), "ok": sum(r["ok"] for r in group) / len(group)}
    lists, numbers = [r for r in rows if r["type"] == "list"], [r for r in rows if r["type"] == "number"]
    refusals = [r for r in rows if r["type"] == "refuse"]
    followups = [r for r in rows if r["type"] == "followup"]
    rate = lambda xs, key: sum(bool(x[key]) for x in xs) / len(xs) if xs else 1.0  # noqa: E731
    return {
        "questions": len(cases),
        "by_type": by_type,
        "list_entities": rate(lists, "entities"),
        "list_wrong_entities": sum(len(r["wrong_entities"]) for r in lists),
        "numeric_number_quoted": rate(numbers, "number"),
        "gold_cited": rate(answerable, "gold_cited"),
        "followup_gold_cited": rate(followups, "gold_cited"),
        "correct_refusals": sum(not r["answered"] for r in refusals) / len(refusals) if refusals else 1.0,
        "missing_named": rate([r for r in refusals if "named_missing" in r], "named_missing"),
        "furniture_quotes": sum(len(r["furniture"]) for r in rows),
        "claims_verified": verified / claims if claims else 1.0,
        "claims": claims,
        "llm_claims_verified": llm_verified / llm_claims if llm_claims else None,
        "llm_claims": llm_claims,
        "fallbacks": fallbacks,
        "removed_citations": removed,
        "seconds_per_question": (time.perf_counter() - started) / max(1, len(cases)),
        "rows": rows,
    }


def format_table(reports: dict[str, dict[str, object]]) -> str:
    """Two tables: pass rate per answer type; then the issue's measures and the verifier's."""
    kinds = [k for k in TYPES if any(k in r["by_type"] for r in reports.values())]
    lines = ["| answers | " + " | ".join(f"{k} (n={next(iter(reports.values()))['by_type'].get(k, {}).get('n', 0)})" for k in kinds)
             + " | all |", "|---|" + "---|" * (len(kinds) + 1)]
    for name, r in reports.items():
        total = sum(v["ok"] * v["n"] for v in r["by_type"].values()) / max(1, sum(v["n"] for v in r["by_type"].values()))
        lines.append(f"| {name} | " + " | ".join(f"{r['by_type'][k]['ok']:.0%}" if k in r["by_type"] else "—" for k in kinds)
                     + f" | {total:.0%} |")
    lines += ["", "| answers | list: every expected entity named | list: wrong entities | numeric: number quoted | "
                  "gold document cited | second turns: gold cited | refusals | absent entity named | furniture quotes | "
                  "claims shown: verified | claims the LLM wrote: verified | fallbacks | s/question |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in reports.items():
        written = "—" if r["llm_claims_verified"] is None else f"{r['llm_claims_verified']:.1%} of {r['llm_claims']}"
        lines.append(f"| {name} | {r['list_entities']:.0%} | {r['list_wrong_entities']} | {r['numeric_number_quoted']:.0%} | "
                     f"{r['gold_cited']:.0%} | {r['followup_gold_cited']:.0%} | {r['correct_refusals']:.0%} | "
                     f"{r['missing_named']:.0%} | {r['furniture_quotes']} | {r['claims_verified']:.1%} of {r['claims']} | "
                     f"{written} | {r['fallbacks']} | {r['seconds_per_question']:.2f} |")
    return "\n".join(lines)
