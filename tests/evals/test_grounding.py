"""The grounding measures of the topic sets: a direct line counts as right only when it carries the answer."""

from answer.models import AnswerPart, CitedAnswer
from evals.grounding import grade


def _answer(first: str, kind: str = "direct") -> CitedAnswer:
    return CitedAnswer(question="q", status="answered", parts=[AnswerPart(first, [1], kind=kind),
                                                               AnswerPart("A quote.", [1])])


def _no_text(doc_id: str) -> str:
    return ""


def test_a_factoid_line_is_right_only_when_it_names_an_accepted_answer():
    case = {"type": "factoid", "answer": ["basigin"], "expect_entities": ["BSG|basigin"]}
    assert grade(case, _answer("Human basigin [3]."), _no_text)["direct_right"] is True
    junk = grade(case, _answer("Green squares and orange diamonds [3]."), _no_text)
    assert junk["direct"] is True and junk["direct_right"] is False
    assert grade(case, _answer("Basigin binds PfRh5.", kind="quote"), _no_text)["direct_right"] is False
    plural = {"type": "factoid", "answer": ["the micronemes", "between 50 and 60"]}
    assert grade(plural, _answer("Micronemes of merozoites [4]."), _no_text)["direct_right"] is True
    assert grade(plural, _answer("50 and 60 [1]."), _no_text)["direct_right"] is True


def test_a_list_line_needs_half_of_the_members_and_a_mechanism_line_half_of_the_answer_words():
    case = {"type": "list", "expect_entities": ["fever", "headache", "pruritus", "vomiting"]}
    assert grade(case, _answer("Fever [1] and headache [1]."), _no_text)["direct_right"] is True
    assert grade(case, _answer("Fever [1]."), _no_text)["direct_right"] is False
    mechanism = {"type": "mechanism", "answer": ["by blocking mRNA/tRNA translocation on the ribosome"]}
    assert grade(mechanism, _answer("By blocking mRNA/tRNA translocation [1]."), _no_text)["direct_right"] is True
    assert grade(mechanism, _answer("By binding the E-site [1]."), _no_text)["direct_right"] is False


def test_list_members_right_counts_the_names_the_expected_answer_or_its_evidence_holds():
    """A line that names every expected member is right even with junk beside it; members right sees the junk."""
    case = {"type": "list", "answer": ["AMP kinase, mTOR and sirtuin"], "expect_entities": ["AMPK|AMP kinase", "mTOR"],
            "evidence": ["FGF21 did not activate the AMP kinase, mTOR or sirtuin pathways."]}
    row = grade(case, _answer("AMP kinase [3], mTOR [3], sirtuin pathways [3], male [2] and female wild-type mice [2]."), _no_text)
    assert row["direct_right"] is True and row["members_right"] == 3 / 5
    assert grade(case, _answer("AMP kinase [3] and mTOR [3]."), _no_text)["members_right"] == 1.0
    assert "members_right" not in grade(case, _answer("Yes [1]."), _no_text)  # a verdict names no members
    assert "members_right" not in grade({"type": "factoid", "answer": ["mTOR"]}, _answer("mTOR [1]."), _no_text)


def test_number_and_yes_no_lines_are_right_when_they_state_the_expected_value():
    number = {"type": "number", "expect_number": "15"}
    assert grade(number, _answer("Fifteen patients [1]."), _no_text)["direct_right"] is True
    assert grade(number, _answer("Twelve patients [1]."), _no_text)["direct_right"] is False
    yesno = {"type": "yesno", "expect_yesno": "no"}
    assert grade(yesno, _answer("No [1]."), _no_text)["direct_right"] is True
    assert grade(yesno, _answer("Yes [1]."), _no_text)["direct_right"] is False


def test_a_passage_counts_as_read_when_a_chunk_of_an_answering_paper_holds_it_and_as_quoted_only_when_cited():
    from answer.models import Citation, RetrievedPassage

    paper = "Intro sentence here. The vaccine was given intramuscularly at week 0. Closing words."
    at = paper.index("The vaccine")
    case = {"type": "factoid", "must_cite": ["p1"], "evidence": ["The vaccine was given intramuscularly at week 0."],
            "answer": ["intramuscularly"]}

    def chunk(doc_id: str, start: int, end: int) -> RetrievedPassage:
        return RetrievedPassage(rank=1, chunk_id=f"{doc_id}:0", doc_id=doc_id, title="", source="", score=1.0, dense=None,
                                bm25=None, start=start, end=end, text=paper[start:end])

    answer = _answer("Intramuscularly [1].")
    answer.citations = [Citation(1, "p1", "", "", "p1:0", paper[:at], 0, at)]  # quotes the intro only
    answer.retrieved = [chunk("p1", 0, len(paper))]
    row = grade(case, answer, lambda d: paper if d == "p1" else "")
    assert row["passage_read"] is True and row["passage_quoted"] is False
    answer.retrieved = [chunk("p2", 0, len(paper)), chunk("p1", 0, at + 5)]  # another paper; too little of this one
    assert grade(case, answer, lambda d: paper if d in ("p1", "p2") else "")["passage_read"] is False


def test_an_answering_unit_covers_half_of_an_evidence_span_of_its_own_paper_and_tops_count_it():
    from types import SimpleNamespace

    from bench.ranking import answering, tops

    def unit(doc_id: str, start: int, end: int):
        return SimpleNamespace(hit=SimpleNamespace(doc_id=doc_id), start=start, end=end)

    spans = [("p1", 100, 200)]
    units = [unit("p1", 0, 90), unit("p1", 140, 260), unit("p2", 100, 200), unit("p1", 160, 300)]
    assert answering(units, spans) == [False, True, False, False]  # the last covers 40 % of it; p2 is another paper
    assert tops([0.9, 0.5, 0.8, 0.1], [False, True, False, False]) == {1: False, 3: True, 5: True}
