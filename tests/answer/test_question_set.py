"""The checked-in sample question set, answered on the real sample index with the real MiniLM."""

from __future__ import annotations

import json
import re

import pytest

from answer.extractive import ExtractiveAnswerer
from settings import PROJECT_DIR

QUESTIONS = [json.loads(line) for line in (PROJECT_DIR / "evals" / "sample_questions.jsonl").read_text().splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("case", QUESTIONS, ids=[q["question"][:50] for q in QUESTIONS])
def test_sample_question(sample_index, case):
    result = ExtractiveAnswerer(sample_index).answer(case["question"])
    assert result.status == case["expect"], result.note
    if case["expect"] == "no_evidence":
        assert result.citations == []
        return
    cited = {c.doc_id for c in result.citations}
    assert case["must_cite"] in cited
    answer_text = " ".join(c.quote for c in result.citations)
    for term in case.get("must_mention", []):
        assert term.lower() in answer_text.lower(), term
    for c in result.citations:  # every citation is verifiable down to the character
        assert sample_index.document(c.doc_id).text[c.start : c.end] == c.quote
    for drug in case.get("not_th2", []):
        for sentence in re.split(r"(?<=\.)\s+", answer_text):
            if drug in sentence.lower():
                # the sentence may name the drug only with its real target, never as a Th2 agent
                assert "b cells" in sentence.lower() or "t cells as a whole" in sentence.lower(), sentence


@pytest.mark.slow
def test_th2_answer_names_both_th2_biologics_from_the_letter(sample_index):
    result = ExtractiveAnswerer(sample_index).answer("which biologics target Th2?")
    quotes = " ".join(c.quote for c in result.citations if c.doc_id == "002_5cb0a75a9d438d34")
    assert "dupilumab suppresses only Th2 cells" in quotes
    assert "mepolizumab" in quotes and "IL-5" in quotes
