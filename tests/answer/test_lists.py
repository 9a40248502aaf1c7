"""Which class members a sentence links to a relation: the names a list answer may give."""

from __future__ import annotations

import pytest

from answer.lists import linked_members
from text.concepts import question_class

BIOLOGIC = question_class("which biologics")
DRUG = question_class("which drugs")
ORGAN = question_class("which organs")


@pytest.mark.parametrize(
    "cls, relation, sentence, expected",
    [
        # the seed letter: only the drug that acts on Th2 is linked to it
        (BIOLOGIC, ["th2"], "So far, the efficacy of rituximab, targeting B cells, has been discussed, but we reconfirm "
         "that type 2 helper T (Th2) cells can be one of the therapeutic targets in IgG4-RD by this article.", []),
        (BIOLOGIC, ["th2"], "Abatacept regulates T cells as a whole, and dupilumab suppresses only Th2 cells.", ["dupilumab"]),
        (BIOLOGIC, ["th2"], "we treated with mepolizumab—a humanised anti-IL-5 monoclonal antibody—for several patients.",
         ["mepolizumab"]),
        # concept members stand for the relation: IL-13 is a Th2 cytokine
        (BIOLOGIC, ["th2"], "In addition, dupilumab can also inhibit IL-13 signal because IL-13 receptor uses IL-4Rα.",
         ["dupilumab"]),
        # negation and comparison
        (DRUG, ["deplet", "b-cells"], "Obexelimab binds CD19, so it dampens B-cell activation without depleting the cells.", []),
        (DRUG, ["deplet", "b-cells"], "B-cell depletion currently has the strongest evidence after glucocorticoids.", []),
        (DRUG, ["spare"], "Case series describe steroid sparing in patients with asthma.", []),
        # coordination and pronouns
        (DRUG, ["deplet", "b-cells"], "Rituximab and inebilizumab deplete B cells, unlike abatacept.", ["Rituximab", "inebilizumab"]),
        (BIOLOGIC, ["approv", "asthma"], "Dupilumab is a human antibody. It is approved for atopic dermatitis and asthma.",
         ["Dupilumab"]),
        (DRUG, ["first", "approv"], "Rituximab depletes B cells. Inebilizumab targets CD19, and it is the first drug approved.",
         ["Inebilizumab"]),
        # the drug being withdrawn or doing harm is not the agent of the relation
        (DRUG, ["relaps"], "Many patients relapse when glucocorticoids are tapered.", []),
        (DRUG, ["relaps"], "Eligible patients had relapsed during a glucocorticoid taper.", []),
        (DRUG, ["relaps"], "Relapses are frequent and cumulative steroid toxicity is a concern.", []),
        (DRUG, ["relaps"], "Two patients relapsed after week 16 and were treated with rituximab.", ["rituximab"]),
        # a pronoun after an introductory phrase still stands for the previous sentence's subject
        (DRUG, ["switch", "b-cells"], "Obexelimab binds CD19. Rather than removing B cells, it switches off their activation.",
         ["Obexelimab"]),
        # a relation term only the paper's title holds
        (DRUG, ["spare"], "Azathioprine and mycophenolate mofetil have been used as steroid-sparing agents.",
         ["Azathioprine", "mycophenolate"]),
        # a modifier the next member shares does not end the list (data/sample/pages/pmc_rituximab_trial.txt: the list
        # stopped at "bile ducts", and "which organs are most often involved?" named two of its six organs)
        (ORGAN, ["involv"], "IgG4-related disease can involve almost any organ, most often the pancreas, bile ducts, "
         "salivary and lacrimal glands, retroperitoneum and kidneys.",
         ["pancreas", "bile ducts", "lacrimal glands", "retroperitoneum", "kidneys"]),
    ],
)
def test_linked_members(cls, relation, sentence, expected):
    assert linked_members(cls, relation, sentence) == expected


def test_a_relation_term_in_the_title_completes_but_never_makes_the_link():
    sentence = "Rituximab is an option for patients who relapse."
    assert linked_members(DRUG, ["kidney", "relaps"], sentence, title="IgG4-related kidney disease") == ["Rituximab"]
    assert linked_members(DRUG, ["kidney", "relaps"], sentence) == []
    # a paper titled "B-cell depletion ..." does not make every drug it mentions a B-cell depleter
    steroids = "Glucocorticoids remain the first-line treatment, but long courses of steroids cause diabetes."
    assert linked_members(DRUG, ["deplet", "b-cells"], steroids, title="B-cell depletion with rituximab") == []


def test_the_questions_own_starting_point_is_never_a_candidate():
    sentence = "Two patients relapsed on abatacept after week 16 and were treated with rituximab."
    assert linked_members(DRUG, ["relaps"], sentence) == ["abatacept"]  # the nearest member
    assert linked_members(DRUG, ["relaps"], sentence, exclude=frozenset({"abatacept"})) == ["rituximab"]
