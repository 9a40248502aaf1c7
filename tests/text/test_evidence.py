"""Only real sentences are evidence: furniture and fragments are never quotable, whatever ingest let through."""

from __future__ import annotations

import pytest

from text.evidence import not_evidence


@pytest.mark.parametrize(
    "span",
    [
        "Skip to main content",
        "Inclusion criteria:",
        "• Age 18 years or older",
        "• IgG4-RD Responder Index of 3 or more",
        "John H Stone1,3, Wen Zhang2, Emanuel Della-Torre3 and Mollie N Carruthers1",
        "1Department of Medicine, Massachusetts General Hospital, Boston, MA, USA",
        "https://www.example.org/rheumatology/2025/04/first-drug-approved-igg4-related-disease",
        "Rituximab for IgG4-RD https://www.ncbi.nlm.nih.gov/pmc/articles/PMC123456/?report=classic",
        "Figure 1: Architecture of PaSa.",
        "Paper Queue Crawler UserQuery Selector",
        "Results",
        "List of gravity hills",
        "Keywords: IgG4-related disease, rituximab, B cells",
        "Received: 12 May 2020; Accepted: 3 June 2020",
        "Share on Facebook",
        "1. Olsen MK, Petrov DR. Plasmablasts in IgG4-related disease. J Clin Immunol Rep. 2022;9:11-19.",
        # three or four words without a sentence's predicate: headings, design labels and legends of real papers
        "Randomized controlled trial.",
        "A retrospective registry-based study.",
        "Six hundred family physicians.",
        "Performed in triplicate.",
        "Scale bars, 10 µm.",
        "N.D: not detected.",
        "Clockwise from left.",
        "Data not shown.",
    ],
)
def test_furniture_and_fragments_are_not_evidence(span: str):
    assert not_evidence(span), span


@pytest.mark.parametrize(
    "span",
    [
        "Dupilumab was started at 300 mg subcutaneously every two weeks after a 600 mg loading dose.",
        "Twenty-three of the 30 participants (77%) met the primary outcome.",
        "IgG4-RD was once regarded as a Th2-mediated disease.",
        "Patients were treated at Massachusetts General Hospital in Boston between 2010 and 2015.",
        "The patient has been treated safely with abatacept for more than 5 years without the relapse.",
        "Most participants responded within the first three months, and several remained in remission at one year",
        # short but whole sentences of real abstracts and trial reports, each the answer to a question a user asks
        "No serious infections occurred.",
        "There were no deaths.",
        "Operative mortality was 6%.",
        "Fifty patients were recruited.",
        "Two patients died.",
    ],
)
def test_sentences_are_evidence(span: str):
    assert not_evidence(span) == "", span


@pytest.mark.parametrize(("sentence", "announcing"), [
    ("As with any study of this kind, this review has a number of limitations.", True),
    ("Transcription takes place in several stages.", True),
    ("They need to satisfy several important criteria.", True),
    ("The decrease is likely due to several factors.", True),
    # a counted result, or the things already said
    ("The drug reduced IL-6 levels in two patients.", False),
    ("Both drugs were given for three weeks.", False),
    ("The t-test compared the two groups.", False),
    ("It has two advantages: speed and cost.", False),
])
def test_a_sentence_that_only_announces_what_follows(sentence, announcing):
    from text.evidence import announces

    assert announces(sentence) is announcing
