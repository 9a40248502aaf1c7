"""The answer question set (evals/questions.jsonl), answered on the real sample index with the real MiniLM.

94 questions in users' words over the sample corpus (seeds, the messy IgG4-RD pages, PubMedQA abstracts):
lists, numbers, yes/no, mechanisms, two-turn conversations, and questions that must be refused. The floors
per type are in `tests/evals/test_answer_eval.py`; here, what must hold for every single answer.
"""

from __future__ import annotations

import pytest

from answer.extractive import ExtractiveAnswerer

pytestmark = pytest.mark.slow


def test_no_quote_of_any_answer_is_furniture(question_set_report):
    furniture = [(r["id"], q) for r in question_set_report["rows"] for q in r["furniture"]]
    assert furniture == []


def test_every_citation_is_its_documents_text_at_its_offsets(question_set_report, sample_index):
    for row in question_set_report["rows"]:
        for c in row["citations"]:
            assert sample_index.document(c["doc_id"]).text[c["start"]:c["end"]] == c["quote"], row["id"]


def test_every_refusal_question_is_refused_and_absent_entities_are_named(question_set_report):
    refusals = [r for r in question_set_report["rows"] if r["type"] == "refuse"]
    assert len(refusals) >= 15 and all(not r["answered"] and not r["citations"] for r in refusals)
    absent = [r for r in refusals if "named_missing" in r]
    assert len(absent) >= 5 and all(r["named_missing"] for r in absent)


def test_no_list_answer_names_a_wrong_entity(question_set_report):
    assert question_set_report["list_wrong_entities"] == 0


def test_th2_answer_leads_with_dupilumab_and_mepolizumab_cited_to_the_letter(sample_index):
    result = ExtractiveAnswerer(sample_index).answer("which biologics target Th2?")
    direct = result.parts[0]
    assert direct.kind == "direct" and direct.verified
    by_n = {c.n: c for c in result.citations}
    named = {name.lower(): n for name, n in direct.names}
    assert set(named) == {"dupilumab", "mepolizumab"}
    for name, n in named.items():
        assert by_n[n].doc_id == "002_5cb0a75a9d438d34" and name in by_n[n].quote.lower()
    assert "abatacept" not in direct.text.lower() and "rituximab" not in direct.text.lower()


def test_a_yes_no_verdict_comes_from_a_paper_about_what_the_question_names(sample_index):
    """Real model and reader on the sample corpus. "Were there serious infections with abatacept in the pilot study?"
    was "No [4]" from a cohort of infliximab and etanercept: the pilot's own "No serious infections occurred." was
    never read, being four words long (too short for a sentence then). "Does dupilumab let patients stop
    steroids?" led with "Yes [1]" from a polymyalgia cohort that never names dupilumab."""
    answerer = ExtractiveAnswerer(sample_index)
    result = answerer.answer("Were there serious infections with abatacept in the pilot study?")
    direct, by_n = result.parts[0], {c.n: c for c in result.citations}
    assert direct.kind == "direct" and direct.text.startswith("No ["), direct.text
    assert [(by_n[n].doc_id, by_n[n].quote) for n in direct.cites] == [
        ("abatacept_pilot_two_column", "No serious infections occurred.")], [by_n[n].quote for n in direct.cites]
    result = answerer.answer("Does dupilumab let patients stop steroids?")
    assert result.citations and all("dupilumab" in sample_index.document(c.doc_id).text.lower()
                                     for c in result.citations), [c.doc_id for c in result.citations]
