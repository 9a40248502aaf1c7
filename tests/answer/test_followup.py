from __future__ import annotations

from answer.followup import needs_context, standalone_query
from answer.models import Citation, CitedAnswer
from text.concepts import named_entities


def answer_quoting(*quotes: str) -> CitedAnswer:
    cites = [Citation(n, "d", "", "", "d#0", q, 0, len(q)) for n, q in enumerate(quotes, 1)]
    return CitedAnswer(question="q", status="answered", citations=cites)


def test_follow_up_carries_previous_terms_and_quoted_entities():
    previous = answer_quoting(
        "we treated with mepolizumab—a humanised anti-IL-5 monoclonal antibody",
        "Abatacept regulates T cells as a whole, and dupilumab suppresses only Th2 cells.",
    )
    query = standalone_query("and which of them also blocks IL-13?", [("which biologics target Th2?", previous)])
    assert query.startswith("and which of them also blocks IL-13?")
    for term in ["biologics", "Th2", "mepolizumab", "IL-5", "Abatacept", "dupilumab"]:
        assert term in query, term
    assert query.count("IL-13") == 1


def test_standalone_questions_are_left_alone():
    history = [("which biologics target Th2?", answer_quoting("dupilumab suppresses only Th2 cells."))]
    q = "Was thalidomide effective in IgG4-related skin disease?"
    assert not needs_context(q) and standalone_query(q, history) == q
    assert standalone_query("and which of them blocks IL-13?", []) == "and which of them blocks IL-13?"


def test_entity_patterns():
    assert named_entities("Rituximab and dupilumab block CD20 and IL-4Rα; IgG4 and TNF-α rise.") == [
        "Rituximab", "dupilumab", "CD20", "IL-4Rα", "IgG4", "TNF-α",
    ]
