"""The vocabulary layer: concept expansion, question classes, in-document abbreviations."""

from __future__ import annotations

from text.concepts import defined_abbreviations, expansion_terms, question_class, question_tokens, term_matches


def test_question_tokens_keep_b_cells_and_type_2_as_names():
    assert "b-cells" in question_tokens("Which drugs deplete B cells?")
    assert "th2" in question_tokens("which biologics target type 2 inflammation?")
    assert "th2" not in question_tokens("drugs for type 2 diabetes")


def test_expansion_adds_the_concepts_words_not_the_users():
    words = expansion_terms(question_tokens("which biologics target Th2?"))
    assert {"IL-4", "IL-5", "IL-13", "type 2", "monoclonal antibody"} <= set(words)
    assert expansion_terms(question_tokens("what is the capital of France?")) == []


def test_term_matches_concept_members():
    assert term_matches("th2", set(), "it blocks interleukin-13 signalling")
    assert term_matches("biolog", set(), "mepolizumab lowered eosinophils")
    assert not term_matches("th2", set(), "rituximab depletes B cells")


def test_question_class_is_the_head_noun():
    assert question_class("which biologics target Th2?").name == "biologic"
    assert question_class("Which B-cell drug was approved first?").name == "drug"
    assert question_class("Which organs are involved?").name == "organ"
    assert question_class("Is it safe?") is None


def test_question_class_is_what_the_which_phrase_asks_for():
    """A class noun elsewhere in the question is its setting, not what it asks for (PubMed-abstract questions)."""
    assert question_class("HER2+ cells that became resistant to lapatinib switch on which kinases?") is None
    assert question_class("what enzyme do lung neutrophils need to make the leukotrienes?") is None
    assert question_class("What were the 3 commonest adverse events on MDR-TB treatment?") is None
    assert question_class("Which of the drugs deplete B cells?").name == "drug"
    assert question_class("Name the organs IgG4-related disease involves").name == "organ"
    assert question_class("Tell me the drugs that target Th2").name == "drug"  # no which/what: the first class noun


def test_abbreviations_defined_in_a_document():
    text = ("We asked whether QT corrected dispersion (QTcD) identifies left ventricular hypertrophy (LVH). "
            "Tuberculosis (TB) culture was used. The patients (n=5) were seen.")
    assert defined_abbreviations(text) == {
        "QTcD": "QT corrected dispersion", "LVH": "left ventricular hypertrophy", "TB": "Tuberculosis",
    }


def test_an_abbreviation_may_open_with_a_lower_case_letter_and_be_plural():
    text = "Cells reached the mediastinal lymph nodes (mLNs). Inflammatory monocytes (IMs) carried them. In vitro (iv) not."
    assert defined_abbreviations(text) == {"mLN": "mediastinal lymph nodes", "IM": "Inflammatory monocytes"}
