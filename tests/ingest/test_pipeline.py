"""ingest.pipeline: what every ingested document carries besides its text."""

from __future__ import annotations

from pathlib import Path

from index.corpus import CorpusIndex
from ingest.pipeline import ingest


def test_every_document_gets_a_study_card_at_ingest(tmp_path: Path, settings, hash_model):
    """The card is stored with the document (metadata "study"): a copied PubMed page's publication types decide its
    design; a plain text's wording does otherwise; the card travels with a merged paper."""
    page = tmp_path / "pubmed.txt"
    page.write_text(
        "Send to\nJ Clin Immunol. 2024 Jun;7(2):88-93. doi: 10.9999/x.2024.1.\n\nDupilumab in IgG4-related disease.\n\n"
        "Hartmann L1, Quinn B1.\n\nAuthor information\n\nAbstract\n\nWe describe twelve patients treated with dupilumab "
        "whose gland swelling decreased within twelve weeks and whose prednisolone could be tapered.\n\n"
        "PMID: 38990099\n\nPublication types\n\nCase Reports\nResearch Support, Non-U.S. Gov't\n\nMeSH terms\n\nHumans\n"
    )
    trial = tmp_path / "trial.txt"
    trial.write_text("Rituximab in IgG4-related disease\n\nMETHODS: In this double-blind trial, 120 adults were randomly "
                     "assigned to rituximab or placebo. The trial was registered as NCT01234567.")
    index = CorpusIndex.open(tmp_path / "index", settings)
    ingest(index, [page, trial])
    cards = {d.doc_id: d.metadata["study"] for d in index.documents()}
    assert cards["38990099"]["design"] == "case_report" and cards["38990099"]["design_from"] == "metadata"
    assert cards["38990099"]["year"] == "2024" and cards["38990099"]["participants"] == 12
    assert cards["trial"]["design"] == "randomised_trial" and cards["trial"]["registry"] == "NCT01234567"
    assert cards["trial"]["participants"] == 120


def test_the_design_model_is_a_setting(tmp_path: Path, settings, hash_model):
    """`ingest.study_design_model`: the bundled model places an abstract that names no design; "none" leaves the
    rules alone (here: people counted once, read as cross-sectional)."""
    from tests.text.test_study_design import COHORT

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "weight.txt").write_text(COHORT)
    cards = {}
    for choice in ("bundled", "none"):
        settings.ingest.study_design_model = choice
        index = CorpusIndex.open(tmp_path / f"index-{choice}", settings)
        ingest(index, [tmp_path / "docs"])
        cards[choice] = next(iter(index.documents())).metadata["study"]
    assert cards["bundled"]["design_from"] == "model" and cards["bundled"]["design"] == "cohort"
    assert cards["none"]["design_from"] != "model"
