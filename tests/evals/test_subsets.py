"""The committed SciFact subset CI gates on is exactly what its seed selects from the full set."""

from __future__ import annotations

import json

from evals.retrieval import load_qrels
from evals.subsets import DISTRACTORS, FULL, SUBSET, scifact_subset


def test_the_committed_scifact_subset_is_what_its_seed_selects():
    assert (SUBSET / "corpus.jsonl").read_text(encoding="utf-8") == scifact_subset()["corpus.jsonl"]


def test_the_subset_holds_every_relevant_abstract_and_the_seeded_distractors():
    ids = [json.loads(line)["_id"] for line in (SUBSET / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    relevant = {d for docs in load_qrels(FULL / "qrels_train.tsv").values() for d in docs}
    assert len(ids) == len(set(ids)) == len(relevant) + DISTRACTORS
    assert relevant <= set(ids)
