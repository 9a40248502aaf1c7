"""Calibrate the answerer's refusal threshold (`answer.min_relevance`).

In-domain questions: PubMedQA questions, each with its own abstract in the
sample corpus, plus the sample question set. Off-topic questions:
`off_topic_questions.jsonl`. Prints both score distributions and the
threshold that refuses the most off-topic questions while answering at least
`--keep` of the in-domain ones.

    python -m evals.calibrate [--index DIR] [--limit 300] [--keep 0.98]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

from answer.extractive import ExtractiveAnswerer
from index.corpus import CorpusIndex
from settings import load_settings

EVALS = Path(__file__).resolve().parent


def _questions(path: Path, expect: str | None = None) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if expect is None or r.get("expect") == expect]


def reader_trained_pmids() -> set[str]:
    """PubMedQA abstracts the bundled reader was trained on (their questions would flatter its calibration)."""
    examples = EVALS.parent / "train" / "data" / "reader_examples.jsonl.gz"
    if not examples.exists():
        return set()
    with gzip.open(examples, "rt", encoding="utf-8") as f:
        return {e["group"].split(":", 1)[1] for e in map(json.loads, f)
                if e["source"] == "pubmedqa" and e["split"] == "train"}


def pubmedqa_questions(limit: int) -> list[str]:
    """PubMedQA questions whose abstracts the reader was not trained on, each with its abstract in the sample corpus."""
    trained = reader_trained_pmids()
    rows = [json.loads(line) for line in (EVALS / "pubmedqa_retrieval" / "queries.jsonl").read_text().splitlines()]
    return [r["text"] for r in rows if r["_id"].removeprefix("q") not in trained][:limit]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--keep", type=float, default=0.98)
    args = parser.parse_args(argv)
    settings = load_settings()
    index = CorpusIndex.open(args.index or settings.paths.index_dir, settings, must_exist=True)
    answerer = ExtractiveAnswerer(index)
    gate = "reader_min_relevance" if answerer.reader else "min_relevance"
    settings.answer.min_relevance = settings.answer.reader_min_relevance = -1.0  # score everything, refuse nothing

    def score(question: str) -> float:
        answer = answerer.answer(question)
        if answerer.reader:  # a question refused before the reader read anything scores nothing
            return answer.reader_relevance or 0.0
        return answer.evidence_score

    in_domain = pubmedqa_questions(args.limit) + _questions(EVALS / "sample_questions.jsonl", "answered")
    off_topic = _questions(EVALS / "off_topic_questions.jsonl")
    pos = np.array([score(q) for q in in_domain])
    neg = np.array([score(q) for q in off_topic])
    threshold = float(np.quantile(pos, 1 - args.keep))
    print(f"in-domain  n={len(pos)}  min={pos.min():.3f}  p1={np.quantile(pos, .01):.3f}  p5={np.quantile(pos, .05):.3f}  median={np.median(pos):.3f}")
    print(f"off-topic  n={len(neg)}  max={neg.max():.3f}  p95={np.quantile(neg, .95):.3f}  median={np.median(neg):.3f}")
    print(f"threshold keeping {args.keep:.0%} of in-domain: {threshold:.3f}  ->  refuses {np.mean(neg < threshold):.0%} of off-topic")
    current = getattr(load_settings().answer, gate)
    print(f"reader: {answerer.reader or 'none'} (threshold answer.{gate})")
    print(f"configured threshold {current:.3f}: answers {np.mean(pos >= current):.1%} of in-domain, refuses {np.mean(neg < current):.0%} of off-topic")
    for q, s in sorted(zip(off_topic, neg), key=lambda t: -t[1])[:3]:
        print(f"  hardest off-topic: {s:.3f}  {q}")
    for q, s in sorted(zip(in_domain, pos), key=lambda t: t[1])[:3]:
        print(f"  weakest in-domain: {s:.3f}  {q}")


if __name__ == "__main__":
    main()
