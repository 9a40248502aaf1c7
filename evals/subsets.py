"""The SciFact subset CI gates on: written once by this command, committed, checked unchanged by a test.

    python -m evals.subsets [--check]

The full SciFact train corpus (5,183 abstracts) takes minutes to embed and rerank on 2 cores, so the CI gate
(tests/evals/test_retrieval_floors.py) runs on a fixed part of it and `python -m bench.retrieval` keeps the
full-size figures. The part keeps all 809 train claims and their qrels (the gate's resolution stays one claim
in 809; claims are cheap, abstracts are not: each is embedded once, then its sentences for the rerank), and a
smaller corpus: every abstract relevant to a claim (565) plus a seeded random sample of the other abstracts
(`DISTRACTORS`).

Every corpus line is copied byte for byte from evals/scifact/corpus.jsonl, in its order, so the subset is a pure
selection (same licence) and the same seed on the same full file writes the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

from settings import PROJECT_DIR

FULL = PROJECT_DIR / "evals" / "scifact"
SUBSET = PROJECT_DIR / "evals" / "scifact_subset"
SEED = 2026
DISTRACTORS = 335


def scifact_subset(full: Path = FULL) -> dict[str, str]:
    """file name -> text of the subset's files (its corpus.jsonl), chosen from the full set in `full`."""
    corpus_lines = (full / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    with open(full / "qrels_train.tsv", encoding="utf-8", newline="") as f:
        relevant = {row[1] for row in csv.reader(f, delimiter="\t") if row and row[0] != "query-id"}
    doc_ids = [json.loads(line)["_id"] for line in corpus_lines]
    others = sorted(d for d in doc_ids if d not in relevant)
    kept = relevant | set(random.Random(SEED).sample(others, DISTRACTORS))
    return {"corpus.jsonl": "".join(line + "\n" for line, d in zip(corpus_lines, doc_ids) if d in kept)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the committed files match")
    args = parser.parse_args(argv)
    files = scifact_subset()
    if args.check:
        stale = [name for name, text in files.items() if (SUBSET / name).read_text(encoding="utf-8") != text]
        print("stale: " + ", ".join(stale) if stale else "evals/scifact_subset matches its seed")
        sys.exit(1 if stale else 0)
    SUBSET.mkdir(exist_ok=True)
    for name, text in files.items():
        (SUBSET / name).write_text(text, encoding="utf-8")
    print(f"wrote {SUBSET / 'corpus.jsonl'}: {files['corpus.jsonl'].count(chr(10))} abstracts")


if __name__ == "__main__":
    main()
