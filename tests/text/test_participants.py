"""The study's size (`text.participants`): the learned ranking shipped beside the design model counts the people a
study took where the rules' order takes a subgroup, "none" gives the rules back, and over the blind labelled set the
ranking counts more studies right than the rules."""

from __future__ import annotations

from pathlib import Path

from text.participants import count_participants, participant_model, participants_in
from text.study import study_card

# PubMedQA 15800018 (MIT licence; in evals/study_cards/pubmedqa.jsonl): the rules' "n = 42" pattern takes the
# subgroup with complete data; the labeller, reading, counted the 1,895 patients who underwent surgery
CABG = ("AIMS: The study goal was to determine whether pre-operative fasting blood glucose (fB-glu) is associated with "
        "an increased mortality after coronary artery bypass grafting (CABG).\n\nMETHODS AND RESULTS: During 2001-03, "
        "1895 patients underwent primary CABG [clinical DM (CDM) in 440/1895; complete data on fB-glu for "
        "n=1375/1455]. Using pre-operative fB-glu, non-diabetics were categorized as having normal fB-glu (<5.6 "
        "mmol/L), IFG (5.6<or =fB-glu<6.1 mmol/L), or suspected DM (SDM) (>or =6.1 mmol/L). fB-glu was normal in 59%.")


def test_the_ranking_counts_the_patients_where_the_rules_take_a_subgroup():
    assert participants_in(CABG) == 1375
    assert count_participants(CABG, participant_model("bundled")) == 1895
    assert study_card(CABG, {}).participants == 1895  # the cards use it by default


def test_none_gives_the_rules_and_a_folder_without_a_ranking_too(tmp_path: Path):
    assert participant_model("none") is None
    assert count_participants(CABG, None) == 1375
    assert study_card(CABG, {}, counter=None).participants == 1375
    assert participant_model(str(tmp_path)) is None  # a design model's folder from before the ranking existed


def test_a_text_without_people_counts_none():
    text = "Cells were stimulated with IL-4 for 24 hours and 3 cytokines were measured in 96-well plates."
    assert count_participants(text, participant_model("bundled")) is None


def test_the_ranking_counts_more_labelled_studies_right_than_the_rules():
    """Over all 197 documents of the blind set (dev and test), with the shipped design model either way: 57 of 85
    stated counts with the ranking, 55 with the rules (2026-12-07)."""
    from evals.study_cards.measure import measure

    ranked = measure(counter="bundled")["all"]
    rules = measure(counter=None)["all"]
    n = ranked["participants"]["n"]
    assert round(ranked["participants"]["share"] * n) > round(rules["participants"]["share"] * n)
    assert ranked["participants_invented"]["share"] <= rules["participants_invented"]["share"] + 0.02
