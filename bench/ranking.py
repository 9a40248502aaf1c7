"""Where the answering sentence ranks among the units the answerer reads: the reader measured on its real task.

    python -m bench.ranking [--set fulltext-dev malaria tuberculosis pubmed-dev] [--reader bundled|none|PATH] [--json F]

A question set that marks its evidence (`evals/*/questions.jsonl`; `fulltext-dev`: the questions on the held-out
papers of `train/data/fulltext_qa`, over an index of all 41 of its papers) is answered as usual, and every unit
read (a sentence or a pair of sentences) is labelled answering when it covers half of an evidence passage in an
answering paper. Printed per set: the share of questions whose answering unit is among the units read at all, and
in the top 1 / 3 / 5 by the answerer's final score, by the hand-set score alone, and by the reader's relevance alone
(units it did not read rank last). The reader's own held-out figures (`python -m train.reader --measure`) rank an
answer among a handful of candidates; here it competes with the ~150 sentences of the papers retrieved, which is
what decides what is quoted (docs/measurements.md, 2026-12-05, fifth session: readers that gained there did not
gain here).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.topics import FULLTEXT_SETS, SEALED, SETS, open_set_index, set_of  # noqa: E402
from settings import PROJECT_DIR  # noqa: E402

TOPS = (1, 3, 5)


def answering(units, spans: list[tuple[str, int, int]]) -> list[bool]:
    """Whether each unit covers at least half of one evidence span (doc_id, start, end) of its own paper."""
    from evals.grounding import covers_half

    return [any(doc == u.hit.doc_id and covers_half((start, end), u.start, u.end) for doc, start, end in spans)
            for u in units]


def tops(scores: list[float], labels: list[bool]) -> dict[int, bool]:
    """Whether an answering unit is among the k best by `scores`, for each k of TOPS."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    return {k: any(labels[i] for i in order[:k]) for k in TOPS}


def run_set(name: str, settings, index_root: Path, limit: int | None = None) -> dict[str, object]:
    """One set's rows and summary; `limit`: only its first questions that mark evidence (a smoke test)."""
    from answer.extractive import ExtractiveAnswerer
    from evals.grounding import locate

    index_name, corpus, cases = set_of(name, settings)
    index = open_set_index(index_name, corpus, settings, index_root, progress=False)

    class Recording(ExtractiveAnswerer):
        """The answerer, keeping the units it read for the last question (with the reader's scores)."""

        read_units: list = []

        def _read(self, question, units):
            super()._read(question, units)
            self.read_units = units

    answerer = Recording(index)
    rows = []
    cases = [c for c in cases if "question" in c and c.get("evidence") and c.get("expect") != "no_evidence"]
    for case in cases[:limit]:
        answerer.read_units = []
        answerer.answer(case["question"])
        spans = []
        for doc_id in case.get("must_cite") or []:
            record = index.document(doc_id)
            spans += [(doc_id, *at) for e in case["evidence"] if record and (at := locate(e, record.text))]
        units = answerer.read_units
        labels = answering(units, spans)
        row = {"id": case.get("id", ""), "type": case.get("type", ""), "units": len(units), "read": any(labels)}
        if any(labels):
            row["final"] = tops([u.score for u in units], labels)
            row["prior"] = tops([u.prior for u in units], labels)
            row["reader"] = tops([u.reading.relevance if u.reading else -1.0 for u in units], labels)
        rows.append(row)
    summary = {"questions": len(rows), "read": sum(r["read"] for r in rows) / max(1, len(rows))}
    for by in ("final", "prior", "reader"):
        for k in TOPS:
            summary[f"{by}@{k}"] = sum(bool(r.get(by, {}).get(k)) for r in rows) / max(1, len(rows))
    return {"set": name, "reader": str(answerer.reader) if answerer.reader else "none", "summary": summary, "rows": rows}


def format_run(result: dict[str, object]) -> str:
    s = result["summary"]
    cells = " | ".join(f"{100 * s[f'{by}@{k}']:.0f}%" for by in ("final", "prior", "reader") for k in TOPS)
    return f"| {result['set']} | {s['questions']} | {100 * s['read']:.0f}% | {cells} |"


def main(argv: list[str] | None = None) -> int:
    from settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", nargs="+", default=["fulltext-dev", "malaria", "tuberculosis", "pubmed-dev"],
                        choices=sorted({*SETS, *FULLTEXT_SETS} - {"igg4", "igg4-holdout"}))
    parser.add_argument("--sealed", action="store_true", help="allow the sealed set(s) to run")
    parser.add_argument("--reader", help="answer.reader for this run: bundled, none or a folder")
    parser.add_argument("--index-root", type=Path, default=PROJECT_DIR / "var" / "topic-index")
    parser.add_argument("--json", type=Path, help="write every row and summary to this file")
    args = parser.parse_args(argv)
    if SEALED & set(args.set) and not args.sealed:
        parser.error("a sealed set runs once, at the end of a round, with --sealed")
    settings = load_settings()
    if args.reader:
        settings.answer.reader = args.reader
    head = " | ".join(f"{by} top {k}" for by in ("final", "hand-set", "reader") for k in TOPS)
    print(f"| set | questions | answering unit read | {head} |\n|---|---|---|" + "---|" * 3 * len(TOPS), flush=True)
    results = []
    for name in args.set:
        results.append(run_set(name, settings, args.index_root))
        print(format_run(results[-1]), flush=True)
    print(f"\nreader: {results[0]['reader'] if results else 'none'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
