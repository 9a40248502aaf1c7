"""The corpus subsets CI gates retrieval on: written once by this command, committed, checked unchanged by a test.

    python -m evals.subsets [--check]

Embedding a corpus, and then the sentences of every reranked candidate, is most of what a retrieval gate costs
on 2 cores, so the CI gate (tests/evals/test_retrieval_floors.py) runs on a fixed part of each corpus and
`python -m bench.retrieval` keeps the full-size figures. Each part keeps the gated queries and their qrels, every
abstract relevant to them, and a seeded random sample of the other abstracts as distractors:

- `scifact_subset`: all 809 SciFact train claims (the gate's resolution stays one claim in 809; claims are cheap,
  abstracts are not), their 565 relevant abstracts and 335 others of the 5,183.
- `pubmedqa_subset`: the first 250 PubMedQA questions by id (their qrels), their 250 abstracts and 250 others of
  the sample corpus's 1,000. Over all 1,000 the rerank embedded nearly every abstract's sentences
  for those 250 questions: 82 s of the AVX2 stand-in's CI run, 50 s over this half (issue 31).

Every corpus line is copied byte for byte from its full file, in its order, so a subset is a pure selection
(same licence) and the same seed on the same full file writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from settings import PROJECT_DIR

EVALS = PROJECT_DIR / "evals"
SEED = 2026


@dataclass(frozen=True)
class Subset:
    """A gate's corpus: the abstracts relevant to its queries plus `distractors` others, from `full`."""

    folder: Path
    full: Path
    qrels: Path
    distractors: int
    first_queries: int | None = None  # None: every query of the qrels

    def _qrels_rows(self) -> tuple[str, list[str]]:
        """The qrels file's header line and its lines of the kept queries: every query's, or the first
        `first_queries` query ids (sorted), the one place that choice is made."""
        header, *lines = [line for line in self.qrels.read_text(encoding="utf-8").split("\n") if line.strip()]
        if self.first_queries:
            kept = set(sorted({line.split("\t")[0] for line in lines})[: self.first_queries])
            lines = [line for line in lines if line.split("\t")[0] in kept]
        return header, lines

    def relevant(self) -> set[str]:
        """The corpus ids relevant to the kept queries."""
        return {line.split("\t")[1] for line in self._qrels_rows()[1]}

    def files(self) -> dict[str, str]:
        """File name -> text: corpus.jsonl, and qrels.tsv when only the first queries are kept (so that any
        command reading the subset, `bench.retrieval` too, asks just those)."""
        files = {"corpus.jsonl": self.corpus()}
        if self.first_queries:
            header, lines = self._qrels_rows()
            files["qrels.tsv"] = "".join(line + "\n" for line in [header, *lines])
        return files

    def corpus(self) -> str:
        """The subset's corpus.jsonl text, chosen from the full file."""
        # "\n" only: abstracts may hold U+2028, which str.splitlines() would also break on
        lines = self.full.read_text(encoding="utf-8").split("\n")
        lines = lines[:-1] if lines and not lines[-1] else lines
        doc_ids = [json.loads(line)["_id"] for line in lines]
        relevant = self.relevant()
        others = sorted(d for d in doc_ids if d not in relevant)
        kept = relevant | set(random.Random(SEED).sample(others, self.distractors))
        return "".join(line + "\n" for line, d in zip(lines, doc_ids) if d in kept)


SUBSETS = {
    "scifact_subset": Subset(EVALS / "scifact_subset", EVALS / "scifact" / "corpus.jsonl",
                             EVALS / "scifact" / "qrels_train.tsv", distractors=335),
    "pubmedqa_subset": Subset(EVALS / "pubmedqa_subset", PROJECT_DIR / "data" / "sample" / "pubmedqa" / "abstracts.jsonl",
                              EVALS / "pubmedqa_retrieval" / "qrels.tsv", distractors=250, first_queries=250),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the committed files match")
    args = parser.parse_args(argv)
    stale = []
    for name, subset in SUBSETS.items():
        for file_name, text in subset.files().items():
            path = subset.folder / file_name
            if args.check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(f"{name}/{file_name}")
                continue
            subset.folder.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}: {text.count(chr(10))} lines")
    if args.check:
        print("stale: " + ", ".join(stale) if stale else "every subset matches its seed")
        sys.exit(1 if stale else 0)


if __name__ == "__main__":
    main()
