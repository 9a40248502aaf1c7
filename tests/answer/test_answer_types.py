"""Answer-type-aware answers on a small messy corpus with the hash embedding (fast).

The real-model versions run on the sample corpus in `tests/answer/test_question_set.py`.
"""

from __future__ import annotations

import pytest

from answer.extractive import ExtractiveAnswerer
from answer.render import answer_json, answer_markdown
from index.corpus import CorpusIndex
from ingest.pipeline import ingest
from tests.index.test_corpus import write_corpus
from text.evidence import not_evidence

MESSY = {
    "trial": (
        "Skip to main content\nShare on Facebook\nRituximab trial in IgG4-related disease\n"
        "Maria K Olsen1,2, Daniel R Petrov1, Akiko Sato3\n"
        "1Department of Medicine, Northfield General Hospital, Boston, MA, USA\n"
        "Inclusion criteria:\n• Age 18 years or older\n• Active disease\n"
        "Each patient received rituximab at 1000 mg twice, two weeks apart, for active IgG4-related disease in this trial.\n"
        "Twenty-three of the 30 patients (77%) reached remission with rituximab at six months in the trial.\n"
        "Rituximab depletes CD20 B cells and was well tolerated by most patients during the whole trial period.\n"
    ),
    "letter": (
        "Dupilumab and IgG4-related disease\n\n"
        "Dupilumab blocks IL-4Rα and so inhibits IL-13 signalling in type 2 inflammation. "
        "Abatacept regulates T cells as a whole, whereas rituximab depletes B cells. "
        "Mepolizumab, an anti-IL-5 antibody, lowered eosinophil counts."
    ),
    "pilot": (
        "Abatacept pilot study in IgG4-related disease\n\n"
        "Ten adults with relapsing IgG4-related disease received abatacept every week in this pilot study. "
        "Many patients with IgG4-related disease relapse when glucocorticoids are tapered. "
        "Two patients relapsed on abatacept after week 16 and were treated with rituximab."
    ),
}


@pytest.fixture
def answerer(tmp_path, settings, hash_model) -> ExtractiveAnswerer:
    settings.answer.min_relevance = 0.2  # the hash embedding's cosines are lower than MiniLM's; the gate is not tested here
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", MESSY)])
    return ExtractiveAnswerer(index)


QUESTIONS = [
    "What dose of rituximab did patients receive?",
    "What share of patients reached remission with rituximab?",
    "which biologics target Th2?",
    "Does rituximab deplete B cells?",
    "Who took part in the rituximab trial?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_quote_is_furniture(answerer, question):
    result = answerer.answer(question)
    for c in result.citations:
        assert not_evidence(c.quote) == "", c.quote


def test_numeric_question_quotes_the_number_of_the_asked_kind(answerer):
    dose = answerer.answer("What dose of rituximab did patients receive?")
    assert dose.analysis["answer_type"] == "number" and dose.analysis["quantity"] == "dose"
    assert dose.status == "answered" and all("1000 mg" in c.quote for c in dose.citations)
    share = answerer.answer("What share of patients reached remission with rituximab?")
    assert share.citations and all("77%" in c.quote for c in share.citations)


def test_numeric_question_without_such_a_number_is_refused_saying_so(answerer):
    result = answerer.answer("What dose of mepolizumab lowered eosinophil counts?")
    assert result.status == "no_evidence" and result.citations == []
    assert "none of them states a dose" in result.note


def test_list_answer_leads_with_the_linked_members_only(answerer):
    result = answerer.answer("which biologics target Th2?")
    direct = result.parts[0]
    assert direct.kind == "direct" and direct.verified
    assert direct.text.startswith("Dupilumab [") and "abatacept" not in direct.text.lower() and "rituximab" not in direct.text.lower()
    cited = {c.n: c.quote for c in result.citations}
    assert "Dupilumab blocks IL-4Rα" in cited[direct.cites[0]]
    md = answer_markdown(result)
    assert md.startswith("Dupilumab [")  # the names come first, then the quotes


def test_an_entity_no_paper_mentions_is_named_and_nothing_is_cited(answerer):
    result = answerer.answer("Does tocilizumab work in IgG4-related disease?")
    assert result.status == "no_evidence" and result.citations == []
    assert result.missing == ["tocilizumab"] and "tocilizumab" in result.note
    data = answer_json(result)
    assert data["missing"] == ["tocilizumab"] and data["analysis"]["focus"] == [{"text": "tocilizumab", "kind": "drug", "generic": ""}]


def test_a_medical_word_no_paper_uses_is_named_and_a_users_word_is_not(answerer):
    # "pregnancy" is an everyday word, but medicine's: papers that never say it cannot say what is safe in it
    result = answerer.answer("Is rituximab safe in pregnancy?")
    assert result.missing == ["pregnancy"] and "pregnancy" in result.note
    kids = answerer.answer("Did rituximab help the kids in the trial?")  # the user's word for what the papers say
    assert kids.missing == [] and kids.status == "answered"


def test_a_medical_word_is_mentioned_by_papers_that_write_another_form_of_it(tmp_path, settings, hash_model):
    settings.answer.min_relevance = 0.2
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", {"pregnant": (
        "Rituximab in pregnant women\n\nTwelve pregnant women received rituximab for IgG4-related disease, and "
        "no newborn was harmed.")})])
    result = ExtractiveAnswerer(index).answer("Is rituximab safe in pregnancy?")
    assert result.missing == [] and result.corrected == []  # not "missing", and not a slip for "pregnant" either


def test_follow_up_is_answered_as_resolved(answerer):
    first = answerer.answer("which biologics target Th2?")
    second = answerer.answer("what does it block?", history=[("which biologics target Th2?", first)])
    assert second.resolved_question == "What does Dupilumab block?"
    assert second.status == "answered" and "IL-4Rα" in second.citations[0].quote
    assert answer_json(second)["resolved_question"] == "What does Dupilumab block?"


def test_the_covered_part_is_answered_and_the_missing_one_named(answerer):
    result = answerer.answer("Does rituximab deplete B cells better than tocilizumab?")
    assert result.status == "answered" and result.missing == ["tocilizumab"]
    assert "do not mention tocilizumab" in result.note and "rituximab" in result.citations[0].quote.lower()


def test_a_list_answer_names_what_the_question_asks_for_not_where_it_starts(answerer):
    # the drug the question starts from (abatacept) and the one being tapered (glucocorticoids) are not answers
    result = answerer.answer("Which drug were patients switched to when they relapsed on abatacept?")
    direct = result.parts[0]
    assert direct.kind == "direct" and [name.lower() for name, _ in direct.names] == ["rituximab"]


def test_a_list_question_whose_only_condition_is_its_setting_still_gets_names(answerer):
    # "which drug was tried in patients with X?": nothing but the setting says what the drug must be linked to
    result = answerer.answer("Which drug was tried in patients with eosinophilia or raised eosinophil counts?")
    assert result.parts and result.parts[0].kind == "direct" and "Mepolizumab" in result.parts[0].text


def test_a_brand_name_is_answered_from_papers_that_use_the_generic(answerer):
    result = answerer.answer("What does Dupixent block?")
    assert result.status == "answered" and result.missing == []
    assert result.analysis["focus"] == [{"text": "Dupixent", "kind": "drug", "generic": "dupilumab"}]
    assert "Dupilumab blocks IL-4Rα" in result.citations[0].quote


# A number asked of a place ("in Bangladesh") comes from a paper that names it; one asked of an acronym the user
# types ("MDR-TB") from a paper that names it or spells it out ("multidrug-resistant TB"): the other paper, on the
# same subject, states another count.
@pytest.mark.parametrize("question, papers", [
    ("How many patients were enrolled in the drug resistance survey in Bangladesh?", {
        "minsk": ("Drug resistance survey in Minsk\n\nBetween 2009 and 2010, 156 patients were enrolled in the Minsk "
                  "drug resistance survey. Nearly one in two patients enrolled in the survey had resistant tuberculosis."),
        "dhaka": ("Drug resistance in Bangladesh\n\nOf the 515 patients enrolled in the drug resistance study in "
                  "Bangladesh, most were cured. The regimen lasted nine months."),
    }),
    ("How many MDR-TB patients were enrolled in Bangladesh?", {
        "dhaka": ("Treating multidrug-resistant TB in Bangladesh\n\nOf the 515 patients with multidrug-resistant TB "
                  "enrolled in Bangladesh, most were cured. The regimen lasted nine months."),
        "minsk": ("Drug-susceptible tuberculosis in Bangladesh\n\nIn Bangladesh, 156 patients with drug-susceptible "
                  "tuberculosis were enrolled. Most were cured within six months."),
    }),
    # "Mtb" is defined by another paper only ("Mycobacterium tuberculosis (Mtb)"); this one writes "M. tuberculosis"
    ("What Mtb lineages were found in Bangladesh, and how common was each one?", {
        "dhaka": ("Tuberculosis lineages in Bangladesh\n\nOf the M. tuberculosis isolates sequenced in Bangladesh, "
                  "515 (61%) were lineage-1. Sequencing took nine months."),
        "minsk": ("Mycobacterium tuberculosis in Minsk\n\nMycobacterium tuberculosis (Mtb) isolates from Minsk were "
                  "sequenced. In Minsk, 156 (45%) of Mtb isolates were lineage-2."),
    }),
], ids=["place", "acronym spelt out", "acronym another paper defines"])
def test_a_number_comes_from_a_paper_about_what_it_is_asked_of(question, papers, tmp_path, settings, hash_model):
    settings.answer.min_relevance = 0.2
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", papers)])
    result = ExtractiveAnswerer(index).answer(question)
    assert result.status == "answered" and {c.doc_id for c in result.citations} == {"dhaka"}
    assert "515" in result.citations[0].quote
