"""The committed corpus subsets CI gates retrieval on are exactly what their seeds select from the full sets."""

from __future__ import annotations

import json

import pytest

from evals.datasets import DATASETS
from evals.retrieval import load_qrels
from evals.subsets import SUBSETS


@pytest.mark.parametrize("name", SUBSETS)
def test_the_committed_subset_is_what_its_seed_selects(name):
    subset = SUBSETS[name]
    for file_name, text in subset.files().items():
        assert (subset.folder / file_name).read_text(encoding="utf-8") == text, file_name


@pytest.mark.parametrize("name", SUBSETS)
def test_the_subset_holds_every_relevant_abstract_and_the_seeded_distractors(name):
    subset = SUBSETS[name]
    ids = [json.loads(line)["_id"] for line in (subset.folder / "corpus.jsonl").read_text(encoding="utf-8").split("\n") if line]
    # read with the evals' own qrels loader from the file the gate reads, not with the subset code under test
    gate_qrels = subset.folder / "qrels.tsv" if subset.first_queries else subset.qrels
    relevant = {d for docs in load_qrels(gate_qrels).values() for d in docs}
    assert len(ids) == len(set(ids)) == len(relevant) + subset.distractors
    assert relevant <= set(ids)


def test_the_pubmedqa_subset_asks_its_first_250_questions_and_holds_their_abstracts():
    subset = SUBSETS["pubmedqa_subset"]
    full, kept = load_qrels(subset.qrels), load_qrels(subset.folder / "qrels.tsv")
    assert sorted(kept) == sorted(full)[:250]
    assert {d for q in kept for d in kept[q]} == subset.relevant()
    gated = next(d for d in DATASETS if d.name == "pubmedqa-subset")
    assert gated.corpus == [subset.folder / "corpus.jsonl"] and gated.qrels == subset.folder / "qrels.tsv"
