"""The two word lists that tell a user's wording from a term the papers may not cover."""

from __future__ import annotations

import gzip

import pytest

from text.common_words import forms_of, is_biomedical, is_common


@pytest.mark.parametrize("word", ["pregnancy", "diabetes", "meningitis", "urine", "stool", "Seizures", "kidneys"])
def test_everyday_words_that_are_medical_terms(word):
    assert is_common(word) and is_biomedical(word)


@pytest.mark.parametrize("word", ["kids", "hamper", "causes", "findings", "happen", "swollen", "surveillance", "good"])
def test_a_users_wording_and_one_sources_boilerplate_are_not(word):
    # "causes" is MedQuAD's boilerplate, "findings" abstracts': the list needs both kinds of medical text to agree
    assert not is_biomedical(word)


def test_the_forms_of_a_word_share_its_root():
    assert forms_of("pregnancy")[:1] == ["pregnancy"] and "pregnant" in forms_of("pregnancy")
    assert "diabetic" in forms_of("Diabetes") and "kidney" in forms_of("kidneys")


def test_the_list_is_built_from_the_shipped_training_sentences():
    from train.common_words import BIOMEDICAL_OUT, EXAMPLES, biomedical_words

    shipped = sorted(gzip.open(BIOMEDICAL_OUT, "rt", encoding="utf-8").read().split())
    assert biomedical_words(EXAMPLES, ratio=4.0, min_per_10k=1.0) == shipped
