"""Names matched as users type them (issue 35, item 4): case, hyphens, Greek letters, one or two slips."""

from __future__ import annotations

import pytest

from text.spelling import closest_spelling, distance, fold, other_name, spelt_out, words_of


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


@pytest.mark.parametrize("acronym, text", [
    ("MDR-TB", "the first treatment for multidrug-resistant TB using a standardized regimen"),
    ("SLE", "in patients with systemic lupus erythematosus, flares"),
    ("CRP", "the C-reactive protein level fell"),
    ("TNF", "tumour necrosis factor alpha"),
])
def test_an_acronym_is_found_spelt_out(acronym, text):
    assert spelt_out(acronym, text)


@pytest.mark.parametrize("acronym, text", [
    ("SLE", "the serum level was slightly elevated"),  # three letters: word initials only
    ("MDR", "multidrug-resistant TB"),
    ("XDR-TB", "multidrug-resistant TB"),
    ("MDR-TB", "multidrug therapy for leprosy"),
    ("PD-1", "programmed death 1"),  # digits: not tried
    ("IgG4", "immunoglobulin G4"),  # two capitals: not an acronym this reads
])
def test_an_acronym_is_not_found_in_words_that_do_not_spell_it(acronym, text):
    assert not spelt_out(acronym, text)


def test_an_amino_acid_is_found_by_its_other_name():
    assert other_name("tryptophan", {"conserved", "CarD", "Trp", "residue"}) == "Trp"
    assert other_name("Trp", {"a", "tryptophan", "residue"}) == "tryptophan"
    assert other_name("tryptophan", {"conserved", "CarD", "residue"}) is None  # neither name is there
    assert other_name("rituximab", {"Trp"}) is None
