"""The direct first line (answer/direct.py): built from text inside its cited quote, or not at all.

Readings are made by hand here (what a reader would say), so each rule is tested on its own: the span becomes the
line when confident, the number of the asked kind is found by the rule when the span is not that number, a
verdict needs a trusted quote, disagreeing papers are said to disagree, and a span that is not in its quote is
flagged, never shown as verified.
"""

from __future__ import annotations

import pytest

from answer.direct import Evidence, number_line, span_line, verdict_line
from answer.models import Citation
from answer.question import asked_kind, states_quantity
from answer.reader import Reading


def _quote(n: int, doc: str, text: str, start: int = 0) -> Citation:
    return Citation(n=n, doc_id=doc, title="", source="", chunk_id=f"{doc}#0", quote=text, start=start, end=start + len(text))


def _unit(doc: str, text: str, reading: Reading | None, score: float = 0.8, start: int = 0) -> Evidence:
    return Evidence(text, doc, start, start + len(text), reading, score)


def _one_quote_line(text: str, start: str, end: str):
    """The span line of one quote whose confident reader span runs from `start` (its first words) to just before
    `end`."""
    span = (text.index(start), text.index(end))
    return span_line([_unit("a", text, Reading(0.9, span=span, span_prob=0.6))], [_quote(1, "a", text)])


def test_a_confident_span_is_the_line_capitalised_and_cited():
    text = "The vaccine was given intramuscularly in two doses."
    span = (text.index("intramuscularly"), text.index("intramuscularly") + len("intramuscularly"))
    line = span_line([_unit("a", text, Reading(0.9, span=span, span_prob=0.6))], [_quote(1, "a", text)])
    assert line.text == "Intramuscularly [1]." and line.kind == "direct" and line.verified and line.cites == [1]


def test_no_line_from_an_unsure_span_or_a_quote_that_does_not_answer():
    text = "The vaccine was given intramuscularly in two doses."
    span = (22, 37)
    assert span_line([_unit("a", text, Reading(0.9, span=span, span_prob=0.03))], [_quote(1, "a", text)]) is None
    assert span_line([_unit("a", text, Reading(0.35, span=span, span_prob=0.9))], [_quote(1, "a", text)]) is None
    # an answering quote's span at a low probability is still the answer (spread over "SRSF3" and its long name)
    assert span_line([_unit("a", text, Reading(0.45, span=span, span_prob=0.08))], [_quote(1, "a", text)]) is not None
    # a whole sentence is not an answer: the quote says it
    wordy = "The vaccine was given intramuscularly in two doses to the children of the three villages in the dry season."
    assert span_line([_unit("a", wordy, Reading(0.9, span=(0, len(wordy)), span_prob=0.9))], [_quote(1, "a", wordy)]) is None


def test_a_number_line_takes_the_span_when_it_is_that_number_else_the_rule_finds_it():
    text = "Fifteen patients were enrolled and followed for 12 months."
    span = Reading(0.9, span=(0, 16), span_prob=0.5)
    assert number_line("count", states_quantity, [_unit("a", text, span)], [_quote(1, "a", text)]).text == "Fifteen patients [1]."
    wrong = Reading(0.9, span=(21, 29), span_prob=0.5)  # "enrolled": not a number, so the rule takes over
    line = number_line("duration", states_quantity, [_unit("a", text, wrong)], [_quote(1, "a", text)])
    assert line.text == "12 months [1]." and line.verified
    dose = "The exclusion criterion was a dose greater than 60 mg/day of prednisolone."
    line = number_line("dose", states_quantity, [_unit("a", dose, None)], [_quote(1, "a", dose)])
    assert line.text == "Greater than 60 mg/day [1]." and line.verified


def test_a_named_measure_is_read_where_a_quote_names_it():
    """"Specificity of the IL-2 ELISPOT ...?": the number after "specificity", from the quote naming it, not the
    better-scored quote's p-value nor the sensitivity the reader's span marks."""
    p_value = "Differences were significant for IFN-γ ELISPOT only for AlaDH antigen (p = 0.021)."
    roc = "ROC analyses demonstrated sensitivity of 100% and specificity of 81%, in discriminating latent from active TB."
    units = [_unit("a", p_value, Reading(0.9, span=(74, 83), span_prob=0.6), score=0.9),
             _unit("b", roc, Reading(0.8, span=(42, 46), span_prob=0.6), score=0.7)]
    quotes = [_quote(1, "a", p_value), _quote(2, "b", roc)]
    line = number_line("measure", states_quantity, units, quotes, measure="specificity")
    assert line.text == "81% [2]." and line.verified
    assert number_line("measure", states_quantity, units, quotes).text.startswith("0.021")  # no name: the best quote


def test_a_number_inside_a_word_or_stated_by_the_question_is_not_the_answer():
    """"How far apart are the two parS sites?": not "14" (the reader's span inside "14-meric"), nor "Two"."""
    text = "Two 14-meric parS sites have been identified, which are separated by about 850 nucleotides."
    glued = Reading(0.9, span=(4, 6), span_prob=0.6)
    line = number_line("measure", states_quantity, [_unit("a", text, glued)], [_quote(1, "a", text)],
                       question="how far apart are the two parS sites?")
    assert line.text == "About 850 nucleotides [1]." and line.verified
    # without the question, "Two" (nearest the span) would be read; the span alone is never "14"
    assert number_line("measure", states_quantity, [_unit("a", text, glued)], [_quote(1, "a", text)]).text == "Two [1]."


def test_an_intervals_confidence_level_is_not_the_share_asked_for():
    """"What share ...?": "95% CI" says how sure an interval is; the share is "2.56%" (the reader's span may land on
    either)."""
    text = "The cumulative incidence was 2.56% (95% CI 1.9-3.4) at three years."
    on_level = Reading(0.9, span=(text.index("95%"), text.index("95%") + 6), span_prob=0.6)
    line = number_line("share", states_quantity, [_unit("a", text, on_level)], [_quote(1, "a", text)])
    assert line.text == "2.56% [1]." and line.verified
    level_only = "Estimates are given with their 95% confidence intervals."
    assert number_line("share", states_quantity, [_unit("a", level_only, None)], [_quote(1, "a", level_only)]) is None


def test_no_number_line_without_a_number_of_the_asked_kind():
    text = "Most patients responded well to treatment."
    assert number_line("dose", states_quantity, [_unit("a", text, None)], [_quote(1, "a", text)]) is None


def test_a_count_is_never_a_percentage_or_a_year_and_a_measured_value_never_a_year():
    text = "In 2009, 31% of the 1916 screened studies reported 177 fully protective experiments."
    on_percent = Reading(0.9, span=(9, 12), span_prob=0.6)  # "31%": the reader's span, not a count
    line = number_line("count", states_quantity, [_unit("a", text, on_percent)], [_quote(1, "a", text)])
    assert line.text.startswith("177") and line.verified
    assert number_line("count", states_quantity, [_unit("a", "It rose by 31% in 2009.", None)],
                       [_quote(1, "a", "It rose by 31% in 2009.")]) is None
    ic50 = "First described in 1966, emetine has an IC50 of 47 nM against the multidrug resistant strain."
    line = number_line("measure", states_quantity, [_unit("a", ic50, None)], [_quote(1, "a", ic50)])
    assert line.text == "47 nM [1]." and line.verified
    efficacy = "Protective efficacy against clinical malaria was 82% overall."
    assert number_line("measure", states_quantity, [_unit("a", efficacy, None)], [_quote(1, "a", efficacy)]).text == "82% overall [1]."


def test_a_count_of_patients_is_a_number_of_people_never_a_dose_or_a_time_span():
    """"How many patients were in the rituximab trial?" on the sample corpus was answered "1000 mg each [1].": the
    reader's span, in the quote below, was the dose; "two infusions" is a count too, but not of the patients."""
    trial = ("We enrolled 30 adults with active IgG4-related disease in a single-arm, open-label trial. Each "
             "participant received two infusions of rituximab, 1000 mg each, given 15 days apart.")
    on_dose = Reading(0.9, span=(trial.index("1000"), trial.index("1000") + len("1000 mg each")), span_prob=0.6)
    question = "How many patients were in the rituximab trial?"
    line = number_line("count", states_quantity, [_unit("a", trial, on_dose)], [_quote(1, "a", trial)],
                       question=question)
    assert line.text == "30 adults [1]." and line.verified
    # a better-scored quote that counts something else comes after one that counts people
    other = "Each participant received two infusions, 1000 mg each."
    units = [_unit("b", other, None, score=0.9), _unit("a", trial, on_dose, score=0.5)]
    line = number_line("count", states_quantity, units, [_quote(1, "b", other), _quote(2, "a", trial)],
                       question=question)
    assert line.text == "30 adults [2]."
    # where no quote counts people, a count of something else still answers; a dose alone never does
    assert number_line("count", states_quantity, [_unit("b", other, None)], [_quote(1, "b", other)],
                       question=question).text == "Two infusions [1]."
    age = "Insulitis starts at 12–14 weeks of age in NOD mice."  # an age is a time span: its own question keeps it
    on_age = Reading(0.9, span=(age.index("12"), age.index(" in NOD")), span_prob=0.6)
    assert number_line("count", states_quantity, [_unit("d", age, on_age)], [_quote(1, "d", age)],
                       question="what age does insulitis start in NOD mice?").text == "12–14 weeks of age [1]."
    dose = "Rituximab was given at 1000 mg on days 1 and 15."
    assert number_line("count", states_quantity, [_unit("c", dose, None)], [_quote(1, "c", dose)],
                       question="How many patients took rituximab?") is None


def test_a_share_written_as_a_fraction_word_is_the_line():
    """"What fraction of patients relapse after stopping glucocorticoids?" on the sample corpus: the best quote says
    "about half of patients", which counted as a share but gave no phrase, so the line came from the next quote
    ("38% by week [1]." of serum IgG4)."""
    half = "Glucocorticoids remain the first-line treatment, but relapse occurs in about half of patients within three years."
    other = "Serum IgG4 fell by a median of 38% by week 24."
    units = [_unit("a", half, Reading(0.6, span=(58, 68), span_prob=0.4)), _unit("b", other, None, score=0.6)]
    line = number_line("share", states_quantity, units, [_quote(1, "a", half), _quote(2, "b", other)])
    assert line.text == "About half of patients [1]." and line.verified
    thirds = "Two thirds of the children slept under a net."
    line = number_line("share", states_quantity, [_unit("a", thirds, None)], [_quote(1, "a", thirds)])
    assert line.text == "Two thirds of the children [1]." and line.verified


def test_a_number_phrase_does_not_end_on_a_word_of_the_next_number():
    """"38% by week" of "38% by week 24" (sample corpus, before the fraction words) and "300 mg every" of "300 mg
    every 2 weeks": the closing word belongs to the number after it."""
    text = "Serum IgG4 fell by a median of 38% by week 24."
    assert number_line("share", states_quantity, [_unit("a", text, None)], [_quote(1, "a", text)]).text == "38% [1]."
    dose = "Each patient received 300 mg every 2 weeks."
    assert number_line("dose", states_quantity, [_unit("a", dose, None)], [_quote(1, "a", dose)]).text == "300 mg [1]."


def test_yes_and_no_need_a_trusted_quote_and_disagreeing_papers_are_said_to_disagree():
    yes = _unit("a", "Rituximab induced remission in most patients.", Reading(0.9, yes=0.85, no=0.1))
    unsure = _unit("b", "Remission was seen in some.", Reading(0.9, yes=0.5, no=0.4))
    weak = _unit("c", "Rituximab is an antibody.", Reading(0.3, yes=0.95, no=0.0))
    no = _unit("d", "Rituximab did not induce remission.", Reading(0.8, yes=0.05, no=0.9), score=0.7)
    quotes = [_quote(1, "a", yes.text), _quote(2, "b", unsure.text), _quote(3, "c", weak.text), _quote(4, "d", no.text)]
    assert verdict_line([yes, unsure], quotes).text == "Yes [1]."
    assert verdict_line([unsure, weak], quotes) is None  # unsure, or sure but not answering: no verdict
    assert verdict_line([yes, no], quotes).text == "The papers disagree [1] [4]."
    assert verdict_line([no], quotes).text == "No [4]."


def test_a_line_not_inside_its_quote_is_flagged():
    text = "The vaccine was given intramuscularly."
    other = "Nothing here."
    unit = _unit("a", text, Reading(0.9, span=(22, 37), span_prob=0.9))
    line = span_line([unit], [_quote(1, "a", other)])  # the citation's quote does not hold the span
    assert line is None or line.verified is False


def test_a_plural_question_gets_the_enumeration_around_the_span_from_the_best_quotes():
    from answer.direct import list_line

    one = "Vomiting was reported most frequently following administration of SP+PQ, DHA+PQ and SP+AQ."
    two = "Fever, headache and pruritus were also reported more frequently following these regimens."
    far = "Malaria is one of the deadliest infectious diseases, and dengue is spreading."
    units = [_unit("a", one, Reading(0.9, span=(0, 8), span_prob=0.8), score=0.8),
             _unit("b", two, Reading(0.9, span=(0, 5), span_prob=0.2), score=0.75),
             _unit("c", far, Reading(0.9, span=(0, 7), span_prob=0.9), score=0.5)]  # too far below the best
    cites = [_quote(1, "a", one), _quote(2, "b", two), _quote(3, "c", far)]
    line = list_line("What side effects were reported with SP+AQ?", units, cites)
    assert line.text == "Vomiting [1], fever [2], headache [2] and pruritus [2].", line.text
    assert line.verified and line.names == [("Vomiting", 1), ("fever", 2), ("headache", 2), ("pruritus", 2)]


def test_a_later_quote_adds_members_only_when_the_reader_reads_it_as_answering():
    """A second quote's enumeration joins the line only at relevance ANSWERS (the first quote's at LIST_READS), and a
    third quote's never: on the development sets those added mostly junk ("male [2] and female wild-type mice [2]")."""
    from answer.direct import ANSWERS, LIST_READS, list_line

    one = "FGF21 did not activate AMP kinase, mTOR or sirtuin."
    two = "Male and female wild-type mice were fed ad libitum."
    three = "Other studies implicated PGC-1a, Nrf2 and FOXO."
    first = _unit("a", one, Reading(0.6, span=(one.index("AMP"), one.index("AMP") + 10), span_prob=0.3), score=0.8)
    def second(relevance: float) -> Evidence:
        return _unit("b", two, Reading(relevance, span=(0, 4), span_prob=0.3), score=0.78)
    third = _unit("c", three, Reading(0.9, span=(three.index("PGC"), three.index("PGC") + 6), span_prob=0.5), score=0.77)
    cites = [_quote(1, "a", one), _quote(2, "b", two), _quote(3, "c", three)]
    question = "which longevity pathways were not activated by FGF21?"
    assert LIST_READS < 0.4 < ANSWERS
    assert list_line(question, [first, second(0.4)], cites).text == "AMP kinase [1], mTOR [1] and sirtuin [1]."
    assert list_line(question, [first, second(0.9)], cites).text == \
        "AMP kinase [1], mTOR [1], sirtuin [1], male [2] and female wild-type [2]."
    assert all(n != 3 for _, n in list_line(question, [first, second(0.9), third], cites).names)  # two quotes at most


def test_a_list_question_takes_the_fullest_enumeration_written_after_the_asked_kinds_noun():
    """The sentences of evals/tuberculosis (tb_elispot_children_latent_active_2012, CC BY): the reader's span in the
    best quote was "Mycobacterium" ("a panel of Mycobacterium tuberculosis antigens"); the panel itself is written
    after "antigens" in a weaker quote, and part of it in another ("other mycobacterial antigens (Ag85B, ...)")."""
    from answer.direct import LIST_READS, list_line, typed_enumeration

    best = ("Children at risk for TB infection were evaluated by in-house IFN-γ and IL-2 based ELISPOT assays "
            "using a panel of Mycobacterium tuberculosis antigens.")
    panel = ("In-house ELIPOT assay detecting IFN-gamma and IL-2 responses were performed using recombinant M. "
             "tuberculosis antigens (ESAT-6, CFP-10, TB 10.3, AlaDH, Ag85B, PstS1, HspX (16 kDa) protein), provided "
             "by Lionex Diagnostics & Therapeutics GmbH (Braunschweig, Germany), as previously reported.")
    part = ("No difference in responses to ESAT-6, CFP-10 and other mycobacterial antigens (Ag85B, PstS1, HpsX) was "
            "found between children with latent and active tuberculosis.")
    span = (best.index("Mycobacterium"), best.index("Mycobacterium") + 13)
    units = [_unit("a", best, Reading(0.9, span=span, span_prob=0.6), score=0.8),
             _unit("b", part, Reading(0.5, span=(0, 2), span_prob=0.1), score=0.7),
             _unit("c", panel, Reading(LIST_READS, span=(0, 2), span_prob=0.1), score=0.6)]
    cites = [_quote(1, "a", best), _quote(2, "b", part), _quote(3, "c", panel)]
    question = "which M. tb antigens were on the in-house ELISPOT panel they tested in kids?"
    line = list_line(question, units, cites, ["antigens"])
    assert line.text == ("ESAT-6 [3], CFP-10 [3], TB 10.3 [3], AlaDH [3], Ag85B [3], PstS1 [3] and "
                         "HspX (16 kDa) protein [3]."), line.text
    assert line.verified
    # without the asked kind (or below the reader's bar) the reader's span leads, as before
    assert list_line(question, units, cites).text.startswith("Mycobacterium [1]")
    units[1].reading, units[2].reading = Reading(0.2), Reading(0.2)
    assert list_line(question, units, cites, ["antigens"]).text.startswith("Mycobacterium [1]")
    # a two-sentence unit: the list ends with its sentence (eLife, appetite drugs, CC BY)
    two = ("Pharmacological interventions on appetite stimulation and suppression are important for many diseases "
           "including obesity, cancer, and AIDS. Currently, all three FDA-approved weight-loss drugs have "
           "significant side-effects.")
    assert typed_enumeration(two, ["diseases"], "what diseases could benefit from appetite drugs?") == \
        ["obesity", "cancer", "AIDS"]
    # a list the question names a member of is not its answer; nor a list not joined to the noun
    assert typed_enumeration(two, ["diseases"], "besides cancer, which diseases could benefit?") is None
    assert typed_enumeration("Diseases were rare; obesity, cancer and AIDS were not.", ["diseases"]) is None


def test_a_list_line_leaves_out_what_the_question_names_and_never_widens_an_unrelated_span():
    from answer.direct import list_line

    text = "Gene drives could combat vector-borne diseases such as malaria and dengue virtually everywhere."
    span = (text.index("dengue"), text.index("dengue") + 6)
    line = list_line("Besides malaria, which diseases could gene drives target?",
                     [_unit("a", text, Reading(0.6, span=span, span_prob=0.3))], [_quote(1, "a", text)])
    assert line.text == "Dengue [1]." and line.verified
    # a long span about something else is not widened to the "and" inside it, nor given (not confident)
    survey = "Data were extracted from Macro International Demographic and Health Surveys, a database of surveys."
    long_span = (0, survey.index(", a database"))
    assert list_line("which countries' surveys were used?",
                     [_unit("a", survey, Reading(0.6, span=long_span, span_prob=0.1))], [_quote(1, "a", survey)]) is None


def test_each_quote_of_a_yes_no_answer_says_how_it_leans():
    from answer.direct import mark_leans

    yes = "Rituximab induced remission in most patients."
    no = "Abatacept did not induce remission."
    vague = "Remission was assessed at week 24."
    units = [_unit("a", yes, Reading(0.9, yes=0.85, no=0.1)), _unit("b", no, Reading(0.8, yes=0.1, no=0.8)),
             _unit("c", vague, Reading(0.7, yes=0.4, no=0.3))]
    cites = [_quote(1, "a", yes), _quote(2, "b", no), _quote(3, "c", vague)]
    mark_leans(units, cites)
    assert [c.lean for c in cites] == ["yes", "no", "unsettled"]
    # a verdict in a unit that does not answer the question settles nothing
    off = [_quote(1, "a", yes)]
    mark_leans([_unit("a", yes, Reading(0.2, yes=0.95, no=0.0))], off)
    assert off[0].lean == "unsettled"


def test_a_yes_no_answer_over_several_papers_says_how_each_paper_leans():
    from answer.direct import lean_tally

    def lean(n: int, doc: str, value: str) -> Citation:
        c = _quote(n, doc, f"quote {n}")
        c.lean = value
        return c

    cites = [lean(1, "a", "yes"), lean(2, "a", "unsettled"), lean(3, "b", "yes"), lean(4, "c", "no"),
             lean(5, "d", "yes"), lean(6, "d", "no")]  # paper d says both: it does not settle it
    assert lean_tally(cites) == ("Of 4 papers quoted: 2 say yes [1] [3]; 1 says no [4]; 1 does not settle it [5].",
                                 [1, 3, 4, 5])
    assert lean_tally([lean(1, "a", "yes"), lean(2, "a", "no")]) == ("", [])  # one paper: the verdict line says it
    assert lean_tally([_quote(1, "a", "x"), _quote(2, "b", "y")]) == ("", [])  # not a yes/no answer


def test_an_answering_quote_with_one_enumeration_gives_its_items_when_the_span_lies_outside_it():
    from answer.direct import list_line

    text = "Var genes can also be classified according to a conserved upstream promoter sequence into four types " \
           "termed UpsA, UpsB, UpsC, and UpsE (Lavstsen et al., 2003)."
    outside = Reading(0.7, span=(0, 9), span_prob=0.1)  # "Var genes": the reader's span misses the members
    line = list_line("What are the upstream promoter groups of var genes?", [_unit("a", text, outside)], [_quote(1, "a", text)])
    assert line is not None and line.text == "UpsA [1], UpsB [1], UpsC [1] and UpsE [1].", line
    # not from a quote the reader does not read as answering, nor from one holding two enumerations
    unsure = Reading(0.4, span=(0, 9), span_prob=0.1)
    assert list_line("What are the upstream promoter groups of var genes?", [_unit("a", text, unsure)], [_quote(1, "a", text)]) is None
    two = "Fever, headache and pruritus were common, while rash, cough and vomiting were rare."
    assert list_line("What side effects were seen?", [_unit("a", two, Reading(0.7, span=(0, 0), span_prob=0.1))],
                     [_quote(1, "a", two)]) is None


def test_how_a_vaccine_is_given_is_answered_by_its_route_or_its_dose():
    text = "Volunteers received the vaccine intramuscularly in the deltoid at weeks 0 and 4."
    unsure = Reading(0.8, span=(0, 10), span_prob=0.05)
    line = number_line("route", states_quantity, [_unit("a", text, unsure)], [_quote(1, "a", text)])
    assert line is not None and line.text == "Intramuscularly [1]." and line.verified
    dosed = "Each participant received two infusions of 1000 mg each."
    line = number_line("route", states_quantity, [_unit("a", dosed, Reading(0.8))], [_quote(1, "a", dosed)])
    assert line is not None and line.text == "1000 mg each [1].", line.text  # a dose, before the form it is given in
    neither = "The vaccine was tested in mice and in ferrets."
    assert number_line("route", states_quantity, [_unit("a", neither, Reading(0.8))], [_quote(1, "a", neither)]) is None


def test_a_span_never_leaves_a_parenthesis_open():
    text = "Twenty-three of the 30 participants (77%) met the primary outcome."
    upto = text.index("%") + 1  # the reader's span stops inside the parenthesis
    line = span_line([_unit("a", text, Reading(0.9, span=(0, upto), span_prob=0.6))], [_quote(1, "a", text)])
    assert line.text == "Twenty-three of the 30 participants (77%) [1]." and line.verified
    far = "Forty-two patients (42 of 100 screened in the three participating clinics) had hypertrophy."
    upto = far.index("42 of") + 2  # closes too far away: cut before the parenthesis
    line = span_line([_unit("a", far, Reading(0.9, span=(0, upto), span_prob=0.6))], [_quote(1, "a", far)])
    assert line.text == "Forty-two patients [1]." and line.verified
    inside = "Phosphodiesterase 3B (PDE3B) is the major PDE isoform expressed in adipocytes."
    begun = inside.index("PDE3B)")  # the span begins inside the parenthesis: it ends where the parenthesis does
    line = span_line([_unit("a", inside, Reading(0.9, span=(begun, len(inside) - 1), span_prob=0.6))], [_quote(1, "a", inside)])
    assert line.text == "Phosphodiesterase 3B (PDE3B) [1]." and line.verified  # with the definition it ends


def test_a_list_line_never_names_a_figure_or_video_as_a_member():
    from answer.direct import list_line

    text = "CSΔN and TRAP-VAL sporozoites were imaged (Figure 3A, Video 3 and Video 4)."
    span = (text.index("Figure"), text.index("Figure") + 9)
    line = list_line("Which sporozoite mutants were imaged?", [_unit("a", text, Reading(0.7, span=span, span_prob=0.3))],
                     [_quote(1, "a", text)])
    assert line is None or not any(w in line.text for w in ("Figure", "Video")), line


def test_a_list_line_never_names_a_bare_number_as_a_member():
    from answer.direct import list_line

    text = "Six, VEGF and thymidine phosphorylase were measured in the tumours."
    span = (text.index("VEGF"), text.index("VEGF") + 4)
    line = list_line("Which angiogenic factors were measured?", [_unit("a", text, Reading(0.7, span=span, span_prob=0.3))],
                     [_quote(1, "a", text)])
    assert line is not None and line.text == "VEGF [1] and thymidine phosphorylase [1].", line


def test_a_name_written_next_to_the_asked_kind_is_the_line_before_the_readers_span():
    """"Which marker ...?" is answered by the name the quote writes as a marker, not by the reader's span elsewhere
    in the sentence (the method: "flow cytometry"); the line is the quote's own words, so it is checked as usual."""
    question = "Which marker best told responders from non-responders?"
    text = "Using flow cytometry, the CD27 marker separated responders from non-responders in both cohorts."
    span = (text.index("flow"), text.index(","))
    units = [_unit("a", text, Reading(0.9, span=span, span_prob=0.6))]
    assert span_line(units, [_quote(1, "a", text)]).text == "Flow cytometry [1]."  # the reader's span alone
    line = span_line(units, [_quote(1, "a", text)], asked_kind(question), question)
    assert line.text == "CD27 marker [1]." and line.verified


def test_a_name_beside_the_asked_kind_in_any_quote_comes_before_the_readers_span_in_the_best():
    # train/data/fulltext_qa/docs/neuro_enteric_mechanosensory_food_intake_2014.txt: the best quote's span was "ion"
    question = "which mechanosensory channel in enteric neurons controls feeding?"
    best = ("Together, our study provides the first molecular genetic evidence that mechanosensory ion channels in the "
            "enteric neurons are involved in regulating feeding.")
    named = "Together, these data indicate that the mechanosensory ion channel, PPK1, plays a critical role in the PENs."
    span = (best.index("ion"), best.index(" channels"))
    units = [_unit("a", best, Reading(0.9, span=span, span_prob=0.6), score=0.9),
             _unit("b", named, Reading(0.8, span=(0, 8), span_prob=0.1), score=0.8)]
    quotes = [_quote(1, "a", best), _quote(2, "b", named)]
    assert span_line(units, quotes).text == "Ion [1]."  # no kind asked: the reader's span in the best quote
    line = span_line(units, quotes, asked_kind(question), question)
    assert line.text == "PPK1 [2]." and line.verified


@pytest.mark.parametrize(("text", "kind", "question", "name"), [
    ("The kinase ZAK was inhibited at nanomolar doses.", ["kinase"], "which kinase was inhibited?", "kinase ZAK"),
    ("The bacterial enzyme, Cas9, cuts both strands.", ["enzyme"], "which enzyme cuts DNA?", "Cas9"),
    ("Virus was grown on complementing cells (VD60) to high titres.", ["cells"], "what cells was it grown on?", "VD60"),
    ("Deleting the PPK1 ion channel increased feeding.", ["channel"], "which channel controls feeding?", "PPK1 ion channel"),
    # train/data/fulltext_qa/batch4/docs/endo_type1_diabetes_bet_inhibitor_2014.txt: the name, then what it is
    ("We report that a short treatment with I-BET151, a small-molecule inhibitor of a family of bromodomain-containing "
     "transcriptional regulators, irreversibly suppressed development of type-1 diabetes in NOD mice.",
     ["bromodomain", "inhibitor"], "what bromodomain inhibitor given briefly prevented diabetes in NOD mice?", "I-BET151"),
    # not a name: a word joined to one, a name the question already says, a figure's label, a plain word
    ("Three risk loci--RGS1 and IL18RAP--were shared.", ["risk"], "which risk loci are shared?", None),
    ("A CO2-dependent dye entered the cells.", ["dye"], "which dye was used?", None),
    ("Cas9 protein was delivered by lipofection.", ["protein"], "which protein did Cas9 need?", None),
    ("As shown in Figure 2A cells divided.", ["cells"], "which cells divided?", None),
    ("Dendritic cells primed the T cells.", ["cells"], "which cells primed them?", None),
])
def test_a_typed_name_is_a_name_beside_its_kind(text, kind, question, name):
    from answer.direct import typed_name

    assert typed_name(text, kind, question) == name


def test_a_how_question_is_answered_by_the_means_its_best_quote_states():
    from answer.direct import means_line

    text = "Emetine stops protein synthesis by blocking mRNA/tRNA translocation on the small subunit."
    line = means_line([_unit("a", text, Reading(0.8))], [_quote(1, "a", text)])
    assert line.text == "By blocking mRNA/tRNA translocation on the small subunit [1]." and line.verified
    # no means stated: "by" and an agent, or how it was measured; nor from a quote that does not answer
    for other in ("Vessel leakage is controlled by mast cells in the skin.",
                  "Infected cells were counted by staining with DAPI and imaging."):
        assert means_line([_unit("a", other, Reading(0.8))], [_quote(1, "a", other)]) is None
    assert means_line([_unit("a", text, Reading(0.3))], [_quote(1, "a", text)]) is None


def test_of_several_means_the_line_is_the_one_beside_what_was_asked_and_never_a_restatement():
    from answer.direct import means_line

    text = ("Common diabetes drugs act by suppressing glucose output from the liver (e.g., metformin) or by forcing "
            "more insulin secretion (e.g., sulfonylureas).")
    line = means_line([_unit("a", text, Reading(0.8))], [_quote(1, "a", text)], "how do sulfonylureas work?")
    assert line.text == "By forcing more insulin secretion [1]."
    circular = "IKK kinases may dampen lipolysis by reducing catecholamine signaling in fat cells."
    assert means_line([_unit("a", circular, Reading(0.8))], [_quote(1, "a", circular)],
                      "how do IKK kinases dampen catecholamine signaling in fat cells?") is None


def test_a_span_line_is_a_phrase_never_a_clause_a_reference_or_the_next_sentence():
    # eLife, train/data/fulltext_qa/docs/neuro_enteric_mechanosensory_food_intake_2014.txt: the reader's span ran
    # on past a reference into the next sentence
    text = ("We next investigated this directly using the capillary feeding assay (Ja et al., 2007). Silencing the PENs "
            "dramatically increased food intake (Figure 2A).")
    line = _one_quote_line(text, "capillary", " dramatically")
    assert line.text == "Capillary feeding assay [1]." and line.verified
    # train/data/fulltext_qa/docs/viro_fmdv_shrna_transgenic_pigs_2015.txt, a figure legend: the next panel's label
    # begins a sentence as a capital does
    legend = ("Non-TG: non-TG pig as negative control. 11, 19, 24, 45, 49, 69, 78 and 101: cloned pigs. (B) EGFP "
              "fluorescence of transgenic pigs.")
    line = _one_quote_line(legend, "cloned pigs", " of transgenic")
    assert line.text == "Cloned pigs [1]." and line.verified

    # after eLife, evals/tuberculosis/docs/tb_wgs_malawi_insight_2015.txt: a span naming authors; a second quote's
    # span is the answer
    authors = "Guerra-Assunção et al. used an approach called whole genome sequencing to study the spread."
    answer = "Lineage-2 spread fastest in the district."
    units = [_unit("a", authors, Reading(0.9, span=(0, authors.index(" to study")), span_prob=0.6), score=0.9),
             _unit("b", answer, Reading(0.8, span=(0, 9), span_prob=0.5), score=0.8)]
    line = span_line(units, [_quote(1, "a", authors), _quote(2, "b", answer)])
    assert line.text == "Lineage-2 [2]."
    # a clause is what the quote says, not a phrase that answers (after a SciFact abstract in evals/pubmed_short)
    clause = "Breast cancer mortality during years 5-14 was 12.2% in the tamoxifen group."
    reading = Reading(0.9, span=(0, clause.index(" in the")), span_prob=0.6)
    assert span_line([_unit("a", clause, reading)], [_quote(1, "a", clause)]) is None
    initials = "Approval came from the U.S. Food and Drug Administration in 2019."
    line = _one_quote_line(initials, "U.S.", " in 2019")
    assert line.text == "U.S. Food and Drug Administration [1]."


def test_a_span_line_gives_an_abbreviation_with_the_definition_its_quote_writes():
    # train/data/fulltext_qa/docs/metab_obesity_catecholamine_resistance_pde3b_2013.txt: the reader's span was the
    # short form; a word of the long form begins with a digit ("3B")
    text = "Phosphodiesterase 3B (PDE3B) is the major PDE isoform expressed in adipocytes (Zmuda-Trzebiatowska et al., 2006)."
    line = _one_quote_line(text, "PDE3B", ") is")
    assert line.text == "Phosphodiesterase 3B (PDE3B) [1]." and line.verified
    # train/data/fulltext_qa/batch5/docs/metab_pdz_rhogef_obesity_diabetes_2015.txt: the long form as the span
    text = ("While PDZ-RhoGEF KO livers remained normal, wild type mice developed non-alcoholic fatty liver (NAFL) "
            "(Figure 6F), a pathological consequence of ectopic fat deposition due to adipose hypertrophy.")
    line = _one_quote_line(text, "non-alcoholic", " (NAFL)")
    assert line.text == "Non-alcoholic fatty liver (NAFL) [1]." and line.verified
    # a short form the quote does not define stays as it is
    line = _one_quote_line(text, "PDZ-RhoGEF", " KO")
    assert line.text == "PDZ-RhoGEF [1]."
