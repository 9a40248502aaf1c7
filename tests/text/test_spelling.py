"""Names matched as users type them (issue 35, item 4): case, hyphens, Greek letters, one or two slips."""

from __future__ import annotations

import pytest

from text.spelling import closest_spelling, distance, fold, words_of


def test_fold_drops_case_hyphens_and_spells_greek_letters():
    assert fold("IL-4Rα") == fold("il4ralpha") == "il4ralpha"
    assert fold("SARS-CoV") == "sarscov"


def test_distance_counts_a_swap_of_neighbours_as_one_edit():
    assert distance("ritxuimab", "rituximab", 2) == 1
    assert distance("ritixumab", "rituximab", 2) == 2
    assert distance("abcdef", "uvwxyz", 2) == 3  # capped at limit + 1


@pytest.mark.parametrize("typed, meant", [
    ("SARS-CON", "SARS-CoV"),
    ("ritixumab", "rituximab"),
    ("il4ra", "IL-4Rα"),
    ("Mepolizumb", "mepolizumab"),
])
def test_a_slip_finds_the_name_the_passages_spell(typed, meant):
    passage = "SARS-CoV and its ORF8; rituximab, mepolizumab and dupilumab, which blocks IL-4Rα."
    assert closest_spelling(typed, words_of(passage)) == meant


@pytest.mark.parametrize("typed", ["tocilizumab", "IL-6", "SARS", "belimumab", "xx"])
def test_another_name_is_not_a_slip(typed):
    """Absent names stay absent: a different drug, a different number, a different first letter."""
    vocabulary = words_of("rituximab, mepolizumab, inebilizumab and IL-5; SARS-CoV-2 and MERS-CoV.")
    assert closest_spelling(typed, vocabulary) is None
