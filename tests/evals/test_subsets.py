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
    assert (subset.folder / "corpus.jsonl").read_text(encoding="utf-8") == subset.corpus()


@pytest.mark.parametrize("name", SUBSETS)
def test_the_subset_holds_every_relevant_abstract_and_the_seeded_distractors(name):
    subset = SUBSETS[name]
    ids = [json.loads(line)["_id"] for line in (subset.folder / "corpus.jsonl").read_text(encoding="utf-8").split("\n") if line]
    relevant = subset.relevant()
    assert len(ids) == len(set(ids)) == len(relevant) + subset.distractors
    assert relevant <= set(ids)


def test_the_pubmedqa_subset_answers_exactly_the_questions_its_gate_asks():
    """The gate asks its first 250 questions by id (`QUERY_LIMITS`): each has its abstract in the subset."""
    from tests.evals.test_retrieval_floors import QUERY_LIMITS

    subset = SUBSETS["pubmedqa_subset"]
    qrels = load_qrels(subset.qrels)
    asked = sorted(qrels)[: QUERY_LIMITS["pubmedqa-subset"]]
    assert subset.first_queries == len(asked) == 250
    assert {d for q in asked for d in qrels[q]} == subset.relevant()
    assert any(d.name == "pubmedqa-subset" and d.corpus == [subset.folder / "corpus.jsonl"] for d in DATASETS)
