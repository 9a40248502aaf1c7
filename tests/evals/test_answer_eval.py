"""Answer-quality floors on the sample question set, with the real model (CI gate)."""

from __future__ import annotations

import pytest

from answer.extractive import ExtractiveAnswerer
from evals.answers import evaluate_answers, format_table, load_cases
from settings import PROJECT_DIR

pytestmark = pytest.mark.slow


def test_extractive_answers_pass_the_verifier_and_cite_the_gold_documents(sample_index):
    cases = load_cases(PROJECT_DIR / "evals" / "sample_questions.jsonl")
    report = evaluate_answers(ExtractiveAnswerer(sample_index), cases)
    print("\n" + format_table({"extractive": report}))
    assert report["claims"] >= 20
    assert report["claims_verified"] == 1.0  # a quote is verified against its own span by the same verifier
    assert report["gold_cited"] == 1.0
    assert report["correct_refusals"] == 1.0
    assert report["fallbacks"] == 0 and report["removed_citations"] == 0


def test_claim_check_counts_a_flagged_generated_sentence(sample_index):
    """The eval's LLM column reads the verifier's verdicts; a flagged part lowers it."""
    from answer.models import AnswerPart, CitedAnswer
    from evals.answers import claim_checks

    answer = CitedAnswer("q", "answered", mode="llm", parts=[
        AnswerPart("Dupilumab blocks IL-4Rα.", [1], verified=True),
        AnswerPart("Dupilumab cures everyone.", [1], verified=False, reason="does not support it"),
        AnswerPart("Here is the answer.", [], verified=None),
    ])
    assert claim_checks(answer, sample_index) == (1, 2)
