"""Drug names from the maintained dictionary (PyPI drug-named-entity-recognition), on the real package data."""

from __future__ import annotations

import json

from answer.question import analyse
from index.retrieval import with_generic_names
from text import drugs
from text.concepts import class_members, question_class


def test_generic_brand_and_spelling_names():
    assert drugs.generic_name("Dupixent") == "dupilumab" and drugs.generic_name("Uplizna") == "inebilizumab"
    assert drugs.generic_name("hydroxychloroquine") == "hydroxychloroquine"
    # MeSH-only classes and proteins, and common words, are not medicines
    assert drugs.generic_name("indicators") is None and drugs.generic_name("patients") is None
    assert drugs.generic_name("interleukin-8") is None


def test_a_brand_counts_only_when_written_as_a_brand():
    found = drugs.find_drugs("The luminal surface was normal. Dupixent and methotrexate were given; esomeprazol too.")
    assert [g for _, _, g in found] == ["dupilumab", "methotrexate", "esomeprazole"]


def test_the_one_word_names_are_cached_once_per_package_version(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOCITE_CACHE_DIR", str(tmp_path))
    drugs._names.cache_clear()
    try:
        names = drugs._names()
        cached = list(tmp_path.glob("drug-names-*.json"))
        assert len(cached) == 1 and json.loads(cached[0].read_text()) == names and len(names) > 20_000
        drugs._names.cache_clear()
        cached[0].write_text(json.dumps({"madeupumab": "madeupumab"}))
        assert drugs.generic_name("madeupumab") == "madeupumab"  # read from the cache, not rebuilt
    finally:
        drugs._names.cache_clear()


def test_any_medicine_is_a_focus_and_a_brand_carries_its_generic():
    focus = analyse("Does hydroxychloroquine help, and is Dupixent safe?").focus
    assert [(f.text, f.kind, f.generic) for f in focus] == [("hydroxychloroquine", "drug", ""), ("Dupixent", "drug", "dupilumab")]


def test_search_adds_the_generic_name_of_a_brand():
    assert with_generic_names("Is Dupixent safe?") == "Is Dupixent (dupilumab) safe?"
    assert with_generic_names("Is dupilumab safe?") == "Is dupilumab safe?"


def test_the_drug_class_includes_every_dictionary_medicine():
    names = [m.group(0) for m in class_members(question_class("which drugs"), "Allopurinol, warfarin and rituximab.")]
    assert names == ["Allopurinol", "warfarin", "rituximab"]
