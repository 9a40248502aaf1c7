"""Question analysis on questions in users' words: answer type, quantity, asked class, focus entities."""

from __future__ import annotations

import pytest

from answer.question import analyse, asked_attribute, asks_for_several, content_words, proper_names, states_quantity


@pytest.mark.parametrize(
    "question, answer_type, quantity, asked_class",
    [
        ("which biologics target Th2?", "list", "", "biologic"),
        ("Which drugs deplete B cells in IgG4-related disease?", "list", "", "drug"),
        ("Which B-cell drug was approved first?", "list", "", "drug"),
        ("what organs does it usually hit?", "list", "", "organ"),
        ("What dose of rituximab was given?", "number", "dose", ""),
        ("What regimen of rituximab was used?", "number", "dose", ""),
        ("how many patients were enrolled on the Bangladesh MDR-TB regimen?", "number", "count", ""),  # not a dose
        ("the 9-month Bangladesh regimen is based on which fluoroquinolone?", "other", "", ""),
        ("HER2+ cells that became resistant switch on which kinases?", "other", "", ""),  # "cells" is the setting
        ("How is inebilizumab given?", "number", "route", ""),  # a route or a dose answers it
        ("How is the vaccine administered?", "number", "route", ""),
        ("What route of administration was used?", "number", "route", ""),
        ("What share of patients reached remission?", "number", "share", ""),
        ("How common was hypertrophy?", "number", "share", ""),
        ("How often does delayed gastric emptying happen?", "number", "share", ""),
        ("How often is the infusion repeated?", "number", "frequency", ""),
        ("How long was abatacept given?", "number", "duration", ""),
        ("How many adults took part?", "number", "count", ""),
        ("What is the population of Lille?", "number", "count", ""),
        ("What level of IgG4 is diagnostic?", "number", "measure", ""),
        ("overall protective efficacy of monthly IPTc against clinical malaria?", "number", "measure", ""),
        ("What resolution did they get for the crystal structure?", "number", "measure", ""),
        ("Up to what price per test does smear microscopy stay cost-saving?", "number", "cost", ""),
        ("What is the incubation period of SARS-CoV-2?", "number", "duration", ""),
        ("What was the sample size in this study?", "number", "count", ""),
        ("What inputs go into the tool that projects impact and cost of diagnostic strategies?", "other", "", ""),
        ("what pH does the parasite face in the phagosome?", "number", "measure", ""),
        ("how far apart are the two parS sites?", "number", "measure", ""),
        ("on what day do the T cells first get activated?", "number", "measure", ""),
        ("How does emetine affect the efficacy of treatment?", "mechanism", "", ""),
        ("Which residue sets substrate specificity in the enzyme?", "other", "", ""),
        ("How does resolution affect the map?", "mechanism", "", ""),
        ("How much does the treatment cost per child?", "number", "cost", ""),
        ("What's the case fatality rate of cerebral malaria?", "number", "share", ""),
        ("Does tocilizumab work in IgG4-related disease?", "yesno", "", ""),
        ("Was thalidomide effective?", "yesno", "", ""),
        ("How does dupilumab work?", "mechanism", "", ""),
        ("Why do patients relapse after steroids?", "mechanism", "", ""),
        ("What does belimumab neutralise?", "mechanism", "", ""),
        # names a class ("cells") but asks what its members do: not a list of cells
        ("What do T follicular helper cells do in IgG4-related disease?", "mechanism", "", ""),
        ("which cells produce IL-4?", "list", "", "cell"),
        # a number word inside another word or clause does not ask for a number
        ("which Gpr52 agonist raised Htt levels dose-dependently?", "other", "", ""),
        ("What is the dose-response relationship of lovastatin?", "other", "", ""),
        ("what determines how sensitive a cell line is to doxorubicin?", "mechanism", "", ""),  # a cause
        ("How sensitive is the CRP test?", "number", "share", ""),
        # a setting put first does not hide the question's form
        ("in primary human keratinocytes, is UV induction of NOXA blunted by vemurafenib?", "yesno", "", ""),
        ("In IFN receptor knockout mice, does cromolyn started a day after infection still work?", "yesno", "", ""),
        ("among treated patients, how many relapsed?", "number", "count", ""),
        ("In mice, how does emetine stop protein synthesis?", "mechanism", "", ""),
        ("In which patients did rituximab fail?", "other", "", ""),  # no comma: the setting is the question
    ],
)
def test_answer_type(question: str, answer_type: str, quantity: str, asked_class: str):
    a = analyse(question)
    assert (a.answer_type, a.quantity, a.asked_class) == (answer_type, quantity, asked_class)


def test_focus_entities_and_their_kinds():
    focus = {f.text: f.kind for f in analyse("Did the MITIGATE trial show inebilizumab lowers IL-6 and CD19 counts?").focus}
    assert focus == {"MITIGATE": "trial or acronym", "inebilizumab": "drug", "IL-6": "cytokine", "CD19": "marker"}
    assert analyse("What is the capital of France?").focus == []
    assert analyse("Is IgG4 raised in most patients?").focus == []  # the disease's own marker is not a focus


@pytest.mark.parametrize(
    "kind, text, expected",
    [
        ("dose", "Each participant received two infusions of rituximab, 1000 mg each.", True),
        ("dose", "Rituximab was given twice, two weeks apart.", False),
        ("share", "Twenty-three of the 30 participants (77%) met the primary outcome.", True),
        ("share", "Seven of the ten patients had a response.", True),
        ("share", "Most patients responded.", False),
        ("share", "most (32/43) of the target genes were also suppressed", True),  # n/N is a share
        ("share", "They received 5/10 mg.", False),
        ("duration", "The patient has been treated for more than 5 years.", True),
        ("frequency", "It is then given every six months.", True),
        ("count", "IL-13 and IgG4 rose.", False),
        ("count", "We enrolled 135 adults.", True),
        ("cost", "Delivery cost US$1.50 per child per season.", True),
        ("cost", "Feasibility, cost and cost effectiveness must be assessed in 3 settings.", False),
    ],
)
def test_a_quote_states_the_asked_kind_of_number(kind: str, text: str, expected: bool):
    assert states_quantity(kind, text) is expected


def test_content_words_drop_the_question_frame():
    assert content_words("How often does delayed gastric emptying happen after surgery?") == "does delayed gastric emptying after surgery?"
    assert content_words("which biologics target Th2?") == "which biologics target Th2?"


@pytest.mark.parametrize("question, several", [
    ("which antimalarials were used in the trials?", True),
    ("What inhibitory receptors do atypical memory B cells upregulate?", True),
    ("PfMA still binds red cells after which enzyme treatments?", True),
    ("Besides malaria, which insect-borne diseases are mentioned?", True),
    ("list the side effects", True),
    ("what receptor on red blood cells does PfRh5 bind to?", False),
    ("which virus causes it?", False),  # a verb ending in s, not a plural
    ("Which mosquito species was fed the blood?", False),  # a singular verb follows
    ("What is the dose?", False),
    ("What are the upstream promoter (Ups) groups of var genes?", True),  # "what are the" + a plural
    ("what were the main side effects?", True),
    ("what are atypical memory B cells?", False),  # a definition of the plural subject, not its members
    ("what domains does the CarD protein have?", True),  # a plural object of "does", not a verb
])
def test_a_plural_asked_for_is_told_from_one_thing(question: str, several: bool):
    assert asks_for_several(question) is several


@pytest.mark.parametrize(("question", "attribute", "of"), [
    ("What is the melting temperature of PfRh5?", "melting temperature", "PfRh5?"),
    ("What is the half-life of emetine in patients?", "half-life", "emetine in patients?"),
    ("How many vir genes does Plasmodium vivax have?", "vir genes", ""),
    ("What's the case fatality rate of cerebral malaria in children?", "case fatality rate", "cerebral malaria in children?"),
    # not a specific measure: the frame (dose, share, who was counted) or a generic head a quote paraphrases
    ("What is the dose of rituximab in the trial?", "", ""),
    ("What is the role of IL-6 in fibrosis?", "", ""),
    ("What is the usual therapy for IgG4-related disease?", "", ""),
    ("How many patients got a wound infection?", "", ""),
    # a verb phrase is not an attribute
    ("what is emetine normally used to treat?", "", ""),
    ("How many adults took part in the MITIGATE trial?", "", ""),
    # members asked for, which a quote may list without the class word
    ("what are the components of the ParABS segregation system?", "", ""),
])
def test_the_asked_attribute_is_read_from_the_question(question: str, attribute: str, of: str):
    assert asked_attribute(question) == (attribute, of)


@pytest.mark.parametrize("question, explains", [
    ("How does dupilumab work?", True),
    ("why are kids with malaria younger in high-transmission homesteads?", True),
    ("What do T follicular helper cells do in IgG4-related disease?", True),
    ("What does inebilizumab target?", False),  # a phrase answers it: "CD19"
    ("what is emetine normally used to treat?", False),
])
def test_an_explanation_asked_for_is_told_from_a_phrase(question: str, explains: bool):
    from answer.question import asks_how_or_why

    assert asks_how_or_why(question) is explains


@pytest.mark.parametrize("question, names", [
    ("how many patients were enrolled on the Bangladesh MDR-TB regimen?", ["Bangladesh"]),  # the acronym is focus
    ("What percent of febrile kids at the Kilifi dispensary were smear positive?", ["Kilifi"]),
    ("In the Minsk survey, what share of new patients had MDR-TB?", ["Minsk"]),
    ("Which drugs were used in Cape Verde?", ["Cape Verde"]),
    ("What dose of rituximab did the trial participants get?", []),
    ("Which biologics target Th2?", []),  # the first word is capitalised because it begins the question
])
def test_proper_names_inside_a_question(question: str, names: list[str]):
    assert proper_names(question) == names


@pytest.mark.parametrize(("question", "kind"), [
    ("Which antigen looked most useful for telling the groups apart?", ["antigen"]),  # a past-tense verb ends it
    ("which mechanosensory channel in gut neurons controls feeding?", ["mechanosensory", "channel"]),
    ("which kinase phosphorylates the receptor?", ["kinase"]),  # a second word ending in -s is the verb
    ("Which P. falciparum isolate was used to map var gene switching?", ["isolate"]),  # not the organism's name
    ("Which marker best told responders from non-responders?", ["marker"]),  # an adverb before the verb ends it
    ("and which cells actually prime the T cells?", ["cells"]),
    ("What protein does the parasite use to bind factor H?", ["protein"]),
    ("What is the half-life of emetine?", []),
    ("Which of the drugs worked?", []),
])
def test_the_kind_a_which_question_asks_for(question, kind):
    from answer.question import asked_kind

    assert asked_kind(question) == kind
