from __future__ import annotations

from answer.followup import needs_context, resolve_followup, standalone_query
from answer.models import AnswerPart, Citation, CitedAnswer
from text.concepts import named_entities


def answer_quoting(*quotes: str) -> CitedAnswer:
    cites = [Citation(n, "d", "", "", "d#0", q, 0, len(q)) for n, q in enumerate(quotes, 1)]
    return CitedAnswer(question="q", status="answered", citations=cites)


def test_which_of_them_names_the_previous_answers_members():
    previous = answer_quoting(
        "we treated with mepolizumab—a humanised anti-IL-5 monoclonal antibody",
        "Abatacept regulates T cells as a whole, and dupilumab suppresses only Th2 cells.",
    )
    resolved = resolve_followup("and which of them also blocks IL-13?", [("which biologics target Th2?", previous)])
    assert resolved == "Which biologics among mepolizumab, Abatacept and dupilumab also blocks IL-13?"


def test_a_list_answers_direct_line_gives_the_referents_and_the_newest_one_is_the_approved_one():
    previous = answer_quoting(
        "Rituximab, an anti-CD20 monoclonal antibody, depletes mature B cells.",
        "Inebilizumab, approved in 2025, binds CD19 and depletes B cells.",
    )
    previous.parts = [AnswerPart("Rituximab [1] and inebilizumab [2].", [1, 2], kind="direct",
                                 names=[("Rituximab", 1), ("inebilizumab", 2)])]
    history = [("Which drugs deplete B cells in IgG4-related disease?", previous)]
    assert resolve_followup("and how well did the newest one work?", history) == "How well did inebilizumab work?"
    assert resolve_followup("what dose of the first one is given?", history) == "What dose of Rituximab is given?"
    assert resolve_followup("were they compared?", history) == "Were Rituximab and inebilizumab compared?"
    assert resolve_followup("how many patients were in that trial?", history) == "How many patients were in the Rituximab trial?"


def test_nothing_to_substitute_carries_the_previous_questions_terms():
    history = [("Does thalidomide help IgG4-related skin disease?", None)]
    assert resolve_followup("and in children?", history) == "Does thalidomide help IgG4-related skin disease in children?"
    assert resolve_followup("and the side effects?", history) == "the side effects? (thalidomide help IgG4-related skin disease)"


def test_a_demonstrative_points_back_but_a_that_clause_does_not():
    history = [("what does PfRh5 bind on the red cell?", None)]
    assert resolve_followup("how tight is that binding?", history) == "how tight is that binding? (PfRh5 bind red cell)"
    assert needs_context("does this effect last?")
    assert not needs_context("is there evidence that dupilumab works?")


def test_standalone_questions_are_left_alone():
    history = [("which biologics target Th2?", answer_quoting("dupilumab suppresses only Th2 cells."))]
    q = "Was thalidomide effective in IgG4-related skin disease?"
    assert not needs_context(q) and standalone_query(q, history) == q
    assert standalone_query("and which of them blocks IL-13?", []) == "and which of them blocks IL-13?"


def test_entity_patterns():
    assert named_entities("Rituximab and dupilumab block CD20 and IL-4Rα; IgG4 and TNF-α rise.") == [
        "Rituximab", "dupilumab", "CD20", "IL-4Rα", "IgG4", "TNF-α",
    ]
