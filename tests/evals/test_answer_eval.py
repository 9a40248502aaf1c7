"""Answer-quality floors on the answer question set, with the real model (CI gate); the tables go to the CI log."""

from __future__ import annotations

import pytest

from evals.answers import format_table

pytestmark = pytest.mark.slow


# Questions that must pass, per type: one below what the extractive answers pass now (the reader issue's commit:
# bundled reader, openvino int8, on the sample index), so any one more failure of a type fails CI. Measured: list
# 16/16, number 20/21, yes/no 16/17, mechanism 14/15, two-turn 10/11, refuse 16/16 (every refusal is also asserted
# below), all 92/96. (Issue 34's rules alone: yes/no 14, mechanism 15, all 91.)
PASS_FLOORS = {"list": 15, "number": 19, "yesno": 15, "mechanism": 13, "followup": 9, "refuse": 15}
ALL_FLOOR = 91


def test_answer_quality_floors_per_type(question_set_report):
    report = question_set_report
    print("\n" + format_table({"extractive": report}))
    passed = {k: round(v["ok"] * v["n"]) for k, v in report["by_type"].items()}
    print("passed / floor: " + ", ".join(f"{k} {passed[k]}/{PASS_FLOORS[k]}" for k in PASS_FLOORS)
          + f", all {sum(passed.values())}/{ALL_FLOOR}")
    counts = {k: v["n"] for k, v in report["by_type"].items()}
    assert counts["list"] >= 15 and counts["number"] >= 15 and counts["yesno"] >= 15 and counts["mechanism"] >= 15
    assert counts["followup"] >= 10 and counts["refuse"] >= 15
    for kind, floor in PASS_FLOORS.items():
        assert passed[kind] >= floor, (kind, passed[kind], [r["id"] for r in report["rows"] if r["type"] == kind and not r["ok"]])
    assert sum(passed.values()) >= ALL_FLOOR, [r["id"] for r in report["rows"] if not r["ok"]]
    assert report["list_entities"] >= 0.90  # the target; measured 1.00 (16/16)
    assert report["numeric_number_quoted"] >= 0.90
    assert report["gold_cited"] >= 0.95
    assert report["followup_gold_cited"] >= 0.90
    assert report["correct_refusals"] == 1.0
    assert report["furniture_quotes"] == 0


# Near-topic questions (evals/near_topic/: on IgG4-RD, in the papers' words, asking for a fact no paper states):
# measured refused 8/21 (dev 4/14, held out 4/7; 4/21 before the asked-attribute check); the floor is one below.
NEAR_TOPIC_FLOOR = 7


def test_near_topic_questions_are_refused(sample_index):
    """21 questions on the sample index, ~15 s."""
    from bench.near_topic import answer_questions, load_questions, summary

    rows = answer_questions(sample_index, load_questions(["igg4"], ["dev", "heldout"]))
    refused, n = summary(rows)["all"]
    print(f"\nnear-topic IgG4: refused {refused}/{n}")
    assert refused >= NEAR_TOPIC_FLOOR, [r["id"] for r in rows if not r["refused"]]


def test_every_extractive_claim_holds_against_the_documents(question_set_report):
    """An invariant, not a quality floor: each quote is its document's text at its offsets, each name of a direct
    line is in the quote it cites (`evals.answers.claim_checks`, against the catalog's text). It says nothing about
    whether a quote answers its question; the per-type floors above do."""
    report = question_set_report
    assert report["claims"] >= 200
    failed = [(r["id"], r["claims"] - r["verified"]) for r in report["rows"] if r["verified"] != r["claims"]]
    assert report["claims_verified"] == 1.0, failed


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


def test_claim_checks_read_the_cited_spans_from_the_documents(sample_index):
    """The extractive check fails when a quote is not its document's text at its offsets, or a name of the direct
    line is cited to a quote that does not name it."""
    import copy

    from answer.extractive import ExtractiveAnswerer
    from evals.answers import claim_checks
    from tests.conftest import PUBMED_PAGE_ID

    result = ExtractiveAnswerer(sample_index).answer("which biologics target Th2?")
    verified, claims = claim_checks(result, sample_index)
    assert verified == claims >= 3
    elsewhere = copy.deepcopy(result)  # every citation pointing into another paper at the same offsets
    for c in elsewhere.citations:
        c.doc_id = PUBMED_PAGE_ID
    assert claim_checks(elsewhere, sample_index)[0] == 0
    swapped = copy.deepcopy(result)  # "Dupilumab [3] and mepolizumab [2]." with the numbers swapped
    direct = swapped.parts[0]
    assert direct.kind == "direct" and len({n for _, n in direct.names}) == 2
    direct.names = [(name, m) for (name, _), (_, m) in zip(direct.names, reversed(direct.names))]
    assert claim_checks(swapped, sample_index) == (claims - 2, claims)
