"""The learned design model (`text.study_design`, trained by `train.study_design`): the shipped weights place an
abstract that describes its study without naming the design, the cards ask it only when metadata and explicit
wording name none, and the training command runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from text.participants import participant_model
from text.study import study_card
from text.study_design import BUNDLED, DesignModel, bundled

# written for this test: neither names its design ("cohort", "cross-sectional", "follow-up study" are absent)
COHORT = ("BACKGROUND: Whether early weight gain predicts later diabetes is unclear.\n\nMETHODS: Adults without "
          "diabetes were enrolled in 1995 and examined every two years until 2015. Incident diabetes was ascertained at "
          "each visit and hazard ratios were estimated with proportional hazards models.\n\nRESULTS: During a median "
          "of 14 years, 212 participants developed diabetes; the risk of incident diabetes rose with weight gain.\n\n"
          "CONCLUSIONS: Weight gain in early adulthood predicts the incidence of diabetes.")
CROSS_SECTIONAL = ("BACKGROUND: Little is known about burnout among nurses.\n\nMETHODS: All nurses working in four "
                   "hospitals in March 2018 were invited to complete an anonymous questionnaire on burnout, workload and "
                   "sleep. Prevalence of burnout was estimated and its correlates examined.\n\nRESULTS: Of 640 nurses, "
                   "412 responded (64%). The prevalence of burnout was 38% and was associated with night shifts.\n\n"
                   "CONCLUSIONS: Burnout is common among nurses and is associated with night work.")


def test_the_shipped_model_places_a_cohort_and_a_cross_sectional_abstract():
    model = DesignModel.load(BUNDLED)
    assert model.classify(COHORT)[0] == "cohort", model.probabilities(COHORT)
    assert model.classify(CROSS_SECTIONAL)[0] == "cross_sectional", model.probabilities(CROSS_SECTIONAL)
    assert abs(sum(model.probabilities(COHORT).values()) - 1) < 1e-9


def test_the_card_asks_the_model_only_when_the_text_names_no_design():
    card = study_card(COHORT, {})
    assert (card.design, card.design_from) == ("cohort", "model") and "likely" in card.evidence
    assert study_card(COHORT, {}, model=None).design_from != "model"  # switched off: the rules alone
    named = study_card(COHORT.replace("Adults without", "In this cross-sectional study, adults without"), {})
    assert (named.design, named.design_from) == ("cross_sectional", "text")  # explicit wording keeps priority
    assert study_card(COHORT, {"publication_types": "Randomized Controlled Trial"}).design == "randomised_trial"


def test_a_model_unsure_of_itself_says_nothing():
    unsure = DesignModel({**json.loads(BUNDLED.read_text()), "min_probability": 1.01})
    assert unsure.classify(COHORT)[0] == "unknown"
    assert study_card(COHORT, {}, model=unsure).design_from != "model"
    assert bundled() is bundled()  # read once


def test_the_training_command_runs_on_a_tiny_subset(tmp_path: Path):
    pytest.importorskip("sklearn")
    from train.study_design import main

    main(["--limit", "120", "--no-measure", "--out", str(tmp_path)])  # asserts it equals scikit-learn's probabilities
    report = json.loads((tmp_path / "training.json").read_text())
    assert sum(report["examples"].values()) == 120 == report["labelled_by_reading"]
    assert all(0 < share <= 1 for share in report["cv_labelled_documents"].values())
    assert DesignModel.load(tmp_path / "model.json").classify(CROSS_SECTIONAL)[1] > 0
    assert report["participants"]["documents"] == 120 and 0 <= report["participants"]["cv_ranking"]["right"] <= 1
    assert participant_model(str(tmp_path)) is not None  # the folder swaps in both models


def test_the_training_labels_are_whole_and_quote_their_documents():
    """`train/data/study_labels/`: one label per document, in the measuring set's vocabulary, each decided by a phrase
    of its own text, and no document of the measuring set among them."""
    from evals.study_cards.measure import labelled
    from text.study import DESIGNS
    from train.study_design import LABELLED, _jsonl

    docs = {d["id"]: d for d in _jsonl(LABELLED / "docs.jsonl")}
    labels = _jsonl(LABELLED / "labels.jsonl")
    assert [r["id"] for r in labels] == list(docs) and len(labels) == 1340
    for row in labels:
        assert row["design"] in DESIGNS, row
        assert row["participants"] is None or row["participants"] > 0, row
        phrase = row["evidence"].split("]", 1)[1] if row["evidence"].startswith("[") else row["evidence"]
        assert " ".join(phrase.split()) in " ".join(docs[row["id"]]["text"].split()), row
    measured = {(r["source"], r["doc_id"]) for r in labelled()}
    assert not {tuple(i.split(":", 1)) for i in docs} & measured
