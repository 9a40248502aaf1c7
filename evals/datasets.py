"""The retrieval datasets we tune and gate on (train splits and our own sets only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from settings import PROJECT_DIR, SAMPLE_CORPUS

EVALS = PROJECT_DIR / "evals"


@dataclass(frozen=True)
class Dataset:
    name: str
    corpus: list[Path]
    queries: Path
    qrels: Path


DATASETS = [
    Dataset("scifact-train", [EVALS / "scifact" / "corpus.jsonl"], EVALS / "scifact" / "queries_train.jsonl",
            EVALS / "scifact" / "qrels_train.tsv"),
    # scifact-train's 809 claims over 900 of its abstracts (all 565 relevant ones; `python -m evals.subsets`): CI's gate
    Dataset("scifact-subset", [EVALS / "scifact_subset" / "corpus.jsonl"], EVALS / "scifact" / "queries_train.jsonl",
            EVALS / "scifact" / "qrels_train.tsv"),
    Dataset("pubmedqa", list(SAMPLE_CORPUS), EVALS / "pubmedqa_retrieval" / "queries.jsonl", EVALS / "pubmedqa_retrieval" / "qrels.tsv"),
    # the first 250 PubMedQA questions over their 250 abstracts and 250 others (`python -m evals.subsets`): CI's gate
    Dataset("pubmedqa-subset", [EVALS / "pubmedqa_subset" / "corpus.jsonl"], EVALS / "pubmedqa_retrieval" / "queries.jsonl",
            EVALS / "pubmedqa_subset" / "qrels.tsv"),
    Dataset("sample-questions", list(SAMPLE_CORPUS), EVALS / "sample_retrieval" / "queries.jsonl",
            EVALS / "sample_retrieval" / "qrels.tsv"),
]
