"""Study cards: design from metadata first, then from the opening's wording; "unknown" rather than a guess."""

from __future__ import annotations

import pytest

from text.participants import participants_in
from text.study import (
    DESIGNS,
    StudyCard,
    admits,
    card_of,
    citation_line,
    design_keys,
    design_of_mesh,
    study_card,
)


@pytest.mark.parametrize(("types", "design"), [
    ("Journal Article; Randomized Controlled Trial", "randomised_trial"),
    ("Case Reports; Journal Article", "case_report"),
    ("Journal Article; Review; Systematic Review", "systematic_review"),  # the specific type wins over "Review"
    ("Letter", "letter"),
    ("Practice Guideline", "guideline"),
    ("Clinical Trial, Phase II; Journal Article", "non_randomised_trial"),
])
def test_publication_types_decide_the_design(types: str, design: str):
    card = study_card("Patients were treated and followed.", {"publication_types": types})
    assert (card.design, card.design_from) == (design, "metadata")


def test_a_clinical_trial_publication_type_is_randomised_only_when_the_text_says_so():
    text = "Sixty patients were randomly assigned to drug or placebo."
    assert study_card(text, {"publication_types": "Clinical Trial"}).design == "randomised_trial"


@pytest.mark.parametrize(("title", "text", "design"), [
    ("", "METHODS: In this double-blind trial, 120 adults were randomly assigned to dupilumab or placebo.",
     "randomised_trial"),
    ("", "We report a case of a 54-year-old man with painless jaundice and a pancreatic mass.", "case_report"),
    ("Rituximab in IgG4-related disease: a systematic review and meta-analysis", "We searched PubMed.",
     "systematic_review"),
    ("", "We read with great interest the article by Smith et al on dupilumab.", "letter"),
    ("", "METHODS: We conducted a cross-sectional study of 300 nurses.", "cross_sectional"),
    ("", "We retrospectively reviewed the records of 88 patients treated between 2010 and 2020.", "cohort"),
    ("", "A phase 2, open-label, single-arm study of inebilizumab in 24 patients.", "non_randomised_trial"),
    ("", "A pre-post comparison was made among the patients admitted to our intensive care unit.", "non_randomised_trial"),
    ("", "We performed an uncontrolled vitamin D supplementation trial among 50 healthy adults.", "non_randomised_trial"),
    ("", "I will review here the genetic and structural data gathered on the enzyme over the last decade.", "review"),
    ("", "We summarize here what is now known about the role of Rab proteins in autophagy.", "review"),
    ("", "The aim of this qualitative study was to explore whether home sampling kits are acceptable.", "other"),
    ("", "Knockout mice lacking the receptor were infected and their cell lines examined in vitro.", "laboratory"),
    ("", "The weather was pleasant and the committee met on Tuesday.", "unknown"),
])
def test_the_openings_wording_decides_when_metadata_is_silent(title: str, text: str, design: str):
    card = study_card(text, {"title": title}, model=None)  # the rules alone
    assert card.design == design, card
    assert card.design_from == ("text" if design != "unknown" else "")
    # with the learned model, explicit wording still decides; weak signs ("mice", "in vitro") are the model's to weigh
    learned = study_card(text, {"title": title})
    assert learned.design == design, learned


@pytest.mark.parametrize(("mesh", "design"), [
    (["Humans", "Retrospective Studies", "Cross-Sectional Studies"], "cross_sectional"),  # the narrower tag wins
    (["Humans", "Case-Control Studies", "Retrospective Studies"], "case_control"),
    (["*Asthma/epidemiology", "Follow-Up Studies", "Surveys and Questionnaires"], "cohort"),  # followed, then asked
    (["Humans", "Surveys and Questionnaires"], "cross_sectional"),
    (["Animals", "Rats"], "laboratory"),
    (["Animals", "Humans", "Prevalence"], "cross_sectional"),  # animals beside people: not a laboratory study
    (["Humans", "Double-Blind Method", "Follow-Up Studies"], "randomised_trial"),
    (["Humans", "Retrospective Studies"], "unknown"),  # when data were gathered, not whether people were followed
])
def test_mesh_check_tags_name_a_design(mesh: list[str], design: str):
    assert design_of_mesh(mesh)[0] == design


def test_mesh_tags_decide_after_the_texts_own_words():
    text = "Charts of 140 adults seen in 2019 were examined for anaemia."
    card = study_card(text, {"mesh": "Humans; Anemia/*epidemiology; Cross-Sectional Studies"})
    assert (card.design, card.design_from, card.evidence) == ("cross_sectional", "metadata", "MeSH: cross-sectional studies")
    named = study_card("We retrospectively reviewed 140 charts.", {"mesh": "Cross-Sectional Studies"})
    assert (named.design, named.design_from) == ("cohort", "text")
    assert study_card(text, {"mesh": "Cohort Studies", "publication_types": "Case Reports"}).design == "case_report"


def test_a_discussion_of_other_trials_does_not_make_a_review_a_trial():
    text = "We review the treatment of IgG4-related disease. Randomised trials of rituximab are needed."
    assert study_card(text, {"title": "IgG4-related disease: an update on treatment"}).design == "review"


@pytest.mark.parametrize(("text", "n"), [
    ("A total of 1,234 participants were included in the analysis.", 1234),
    ("Fifteen patients were enrolled between 2019 and 2021.", 15),
    ("We studied 42 consecutive patients with autoimmune pancreatitis.", 42),
    ("Serum was collected (n = 87) at baseline.", 87),
    ("SUBJECTS: 18,133 male civil servants aged 40-69 years attended a screening examination.", 18133),
    ("Seven hundred six stapedectomies performed in 580 patients were reviewed.", 580),  # operations are not people
    ("We tested milk from 21 HPV-positive and 11 HPV-negative mothers.", 32),  # two groups, one study
    ("We included two controls for each patient. The study group consisted of 24 patients.", 24),  # a ratio
    ("Randomization was balanced between the screening (n = 75360) and control arms (n = 76178).", 151538),
    # the methods' count, not a subgroup the results count first
    ("METHODS: The study group comprised 19 patients.\n\nRESULTS: Group A (n = 10) had severe reflux.", 19),
    ("METHODS: Our population included 3011 patients without cancer.\n\nRESULTS: In 177 patients cancer was recorded.",
     3011),
    ("METHODS: We examined 450 children at nursery schools.\n\nRESULTS: A total of 213 children had eczema.", 450),
    ("METHODS: The study was carried on 2096 school children in Ankara.", 2096),
    ("IgG4 levels rose in 2019 in the cohort.", None),  # a year is not a count
    ("The correlation was 0.72 for patients with a left-sided stroke.", None),  # nor is a decimal's part
    ("Cells were stimulated with IL-4.", None),
    # a group counted before the one the rule found, joined by "and": both are the study's people
    ("METHODS: Thirty-five young obese males and 23 age-matched healthy male volunteers were recruited.", 58),
    ("Twenty-six patients with vitiligo (mean age 31.4 +/- 8.09) and 26 healthy controls were included.", 52),
    ("Of 288 patients with cervical carcinoma, 109 patients were included.", 109),  # "of", not "and": a subset
    ("120 patients were screened and 80 patients were enrolled in the trial.", 80),  # screened, then enrolled
    ("In the phase I dose escalation,31 pts received doses from 5 to 900 ng/kg.", 31),  # "pts": patients
])
def test_participants_as_the_text_states_them(text: str, n: int | None):
    assert participants_in(text) == n


def test_no_participant_count_for_designs_that_enrol_nobody():
    card = study_card("We review 12 patients described in the literature.", {"title": "A review of treatment"})
    assert card.design == "review" and card.participants is None


def test_year_journal_registry_and_identifiers():
    text = "eLife, 2015. DOI: 10.7554/eLife.05169\n\nThe trial was registered as NCT01234567. 30 patients were enrolled."
    card = study_card(text, {"title": "x"})
    assert (card.year, card.journal, card.registry, card.doi) == ("2015", "eLife", "NCT01234567", "10.7554/eLife.05169")
    # metadata wins over the text
    assert study_card(text, {"year": "2016", "journal": "Lancet"}).journal == "Lancet"
    assert citation_line("JAMA Dermatol. 2013 Jun;149(6):742-7.") == ("JAMA Dermatol", "2013")
    assert citation_line("The results were clear in 2013.") is None


def test_badges_and_round_trip():
    card = StudyCard("randomised_trial", "text", "randomly assigned", 135, "2024", "NEJM", "NCT01234567")
    assert card.badges() == ["randomised trial", "135 participants", "2024", "NEJM", "NCT01234567"]
    assert StudyCard.from_dict(card.to_dict()) == card
    assert card_of("", {"study": card.to_dict()}) == card  # a stored card is used as stored
    assert StudyCard().badges() == ["design unknown"]


def test_filters():
    trial = StudyCard("randomised_trial", year="2021")
    assert admits(trial, ["randomised_trial"], 2020) and not admits(trial, ["cohort"]) and not admits(trial, since=2022)
    assert not admits(StudyCard("randomised_trial"), since=2000)  # a year not stated is left out by a year filter
    assert design_keys("RCT, Cohort study,randomized trial") == ["randomised_trial", "cohort", "randomised_trial"]
    with pytest.raises(ValueError, match="unknown study design 'trials'.*randomised_trial"):
        design_keys("trials")
    assert set(design_keys(list(DESIGNS))) == set(DESIGNS)
