from __future__ import annotations

import pytest

from ingest.cleaning import clean_pubmed_page, clean_text, dehyphenate, looks_like_pubmed_page
from tests.conftest import SEEDS

CHROME = ["Send to", "PubMed Commons", "Loading", "Write to the Help Desk", "Choose Destination", "Full text links",
          "indexed for MEDLINE", "Author information", "Department of Dermatology"]


def test_pubmed_page_chrome_never_becomes_text():
    raw = (SEEDS / "000_dcd8f8407bdf3926.txt").read_text()
    assert looks_like_pubmed_page(raw)
    body, meta = clean_pubmed_page(raw)
    for phrase in CHROME:
        assert phrase not in body, phrase
    assert body.startswith("In IgG4-related disease (IgG4-RD), skin involvement is rare")
    assert body.endswith("Thalidomide could be considered as a therapeutic option in IgG4-RD.")
    assert meta == {
        "journal": "JAMA Dermatol", "year": "2013", "doi": "10.1001/jamadermatol.2013.2625",
        "title": "IgG4-related skin disease successfully treated by thalidomide: a report of 2 cases with emphasis on pathological aspects.",
    }


def test_a_pubmed_pages_mesh_terms_are_kept_for_the_study_card():
    raw = ("Send to\nJ Clin Immunol. 2024 Jun;7(2):88-93.\n\nAsthma in nurses.\n\nAbstract\n\nNurses answered.\n\n"
           "PMID: 38990077\n\nPublication types\n\nJournal Article\n\nMeSH terms\n\nAdult\nAsthma / epidemiology*\n"
           "Cross-Sectional Studies\nHumans\n\nSubstances\n\nAllergens\n")
    _, meta = clean_pubmed_page(raw)
    assert meta["publication_types"] == "Journal Article"
    assert meta["mesh"] == "Adult; Asthma / epidemiology; Cross-Sectional Studies; Humans"  # not "Allergens"


def test_pdf_letter_hyphenation_and_wrapping_repaired():
    text = clean_text((SEEDS / "002_5cb0a75a9d438d34.txt").read_text())
    for fixed in ["expression of Th2 cytokine", "IgG4-related disease (IgG4-RD)", "IL-4Rα", "globulin levels",
                  "dupilumab administration", "humanised anti-IL-5 monoclonal antibody", "first-line induction",
                  "one of the T cell-targeted biologics", "IgG4-RD. Based on the hypothesis"]:
        assert fixed in text, fixed
    for broken in ["expres-", "IgG4- ", "IL- 4", "dupi-", "\n", "controls.4", "IL-5.6"]:
        assert broken not in text.split("\n\n", 1)[1].replace("\n\n", " "), broken


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("expres-\nsion", "expression"),
        ("IgG4-\nRD", "IgG4-RD"),
        ("IgG4- \nRD", "IgG4-RD"),
        ("IgG4- related", "IgG4-related"),
        ("pre- and post-operative", "pre- and post-operative"),
        ("well-known here. The well-\nknown case", "well-known here. The well-known case"),
    ],
)
def test_dehyphenate(raw: str, expected: str):
    assert dehyphenate(raw) == expected


def test_reference_markers_removed_but_numbers_kept():
    assert clean_text("healthy controls.4 We have 2.5 mg and IL-5.6 Because ST2") == (
        "healthy controls. We have 2.5 mg and IL-5. Because ST2"
    )


def test_page_break_inside_sentence_is_joined():
    assert clean_text("one of the T\n\ncell-targeted drugs.\n\nNew paragraph.") == (
        "one of the T cell-targeted drugs.\n\nNew paragraph."
    )
