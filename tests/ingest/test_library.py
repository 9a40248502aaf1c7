"""Reference-manager exports (ingest.library) and one document per paper (ingest.identity)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.corpus import CorpusIndex
from ingest.identity import SamePaper, merge_paper
from ingest.library import read_export
from ingest.loaders import load_paths, make_document
from ingest.pipeline import ingest
from settings import PROJECT_DIR
from tests.ingest.library_fixture import DOI, PMID, TITLE, write_exports

PUBMED_PAGE = PROJECT_DIR / "data" / "sample" / "pages" / "pubmed_dupilumab_case.txt"


def test_export_entries_carry_metadata_files_and_named_errors(tmp_path: Path):
    bib, ris = write_exports(tmp_path)
    entries = {e.key: e for e in read_export(bib)}
    hartmann = entries["hartmann2024"]
    assert hartmann.fields == {"title": TITLE, "authors": "Hartmann, Lena; Nakamura, Yuki; Quinn, Ben",
                               "year": "2024", "journal": "Clin Case Rep Immunol", "doi": DOI,
                               "entry_type": "article"}
    assert [f.name for f in hartmann.files] == ["Hartmann et al. - 2024 - Dupilumab.pdf"]
    assert entries["okazaki2021"].fields["pmid"] == "33333333" and "Müller, Eva" in entries["okazaki2021"].fields["authors"]
    assert "files/99/gone.pdf is missing" in entries["missing2019"].error
    assert "entry broken2018 at line 32" in entries["broken2018"].error and "malformed" in entries["broken2018"].error
    tanaka = {e.key: e for e in read_export(ris)}["tanaka2023"]
    assert tanaka.fields["pmid"] == "36666666" and tanaka.doc_id == "36666666" and tanaka.files[0].name == "Tanaka 2023.pdf"
    assert {e.key: e for e in read_export(ris)}["hartmann2024"].fields["doi"] == DOI  # https://doi.org/…, upper case


def test_an_attached_file_outside_the_export_is_not_read(tmp_path: Path):
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4 private")
    export = tmp_path / "upload" / "library.bib"
    export.parent.mkdir()
    export.write_text("@article{x, title={Stolen}, file={../secret.pdf}}\n@article{y, title={Fine}, abstract={Kept.}}")
    results = {r.source.rpartition("#")[2]: r for r in load_paths([export])}
    assert "outside the export's folder" in results["x"].error
    assert results["y"].document.text == "Fine\n\nKept."


def test_a_folder_reads_an_attached_pdf_once_as_its_entry(tmp_path: Path):
    bib, _ = write_exports(tmp_path)
    results = list(load_paths([bib.parent]))
    pdf_results = [r for r in results if r.document is not None and r.document.metadata["format"] == "pdf"]
    assert len(pdf_results) == 1 and pdf_results[0].document.doc_id == "hartmann2024"
    meta = pdf_results[0].document.metadata
    assert meta["title"] == TITLE and meta["metadata_from"] == "bibtex"  # not the PDF's "Microsoft Word - draft"
    assert meta["source"] == "Zotero BibTeX/files/12/Hartmann et al. - 2024 - Dupilumab.pdf"


def test_title_matches_need_a_curated_title(tmp_path: Path):
    """Two files whose guessed titles agree are not merged; an export's title is enough to match."""
    class Empty:
        def identities(self):
            return []

    papers = SamePaper(Empty())
    guessed = make_document("a", "text one", "a.pdf", title="Microsoft Word - draft_v3 final", format="pdf")
    papers.remember(guessed)
    assert papers.match(make_document("b", "text two", "b.pdf", title="Microsoft Word - draft_v3 final", format="pdf")) is None
    curated = make_document("c", "text three", "c.bib#c", title="Microsoft Word - draft_v3 final", metadata_from="bibtex")
    assert papers.match(curated) == ("a", "the same title")
    other_doi = make_document("d", "t", "d.bib#d", title="Microsoft Word - draft_v3 final", metadata_from="bibtex", doi="10.1/other")
    papers.remember(make_document("e", "t", "e.txt", title="Something else entirely here", doi="10.1/e"))
    assert papers.match(other_doi) == ("a", "the same title")  # a has no DOI to contradict it
    assert papers.match(make_document("f", "t", "f.bib#f", title="Something else entirely here", metadata_from="ris",
                                      doi="10.1/f")) is None  # two DOIs that differ are two papers


def test_merge_keeps_the_longer_text_and_the_curated_metadata():
    class Prior:
        doc_id, title, source, text = "38990002", "Guessed title", "pubmed.txt", "short abstract"
        metadata = {"format": "pubmed-page", "path": "/p/pubmed.txt", "pmid": "38990002", "journal": "Guessed J"}

    doc = make_document("hartmann2024", "a much longer full text of the paper", "files/1/h.pdf", title=TITLE,
                        format="pdf", path="/x/files/1/h.pdf", journal="Clin Case Rep Immunol", metadata_from="bibtex")
    merged = merge_paper(Prior(), doc)
    assert merged.doc_id == "38990002" and merged.text == doc.text and merged.metadata["path"] == "/x/files/1/h.pdf"
    assert merged.metadata["title"] == TITLE and merged.metadata["journal"] == "Clin Case Rep Immunol"
    assert merged.metadata["pmid"] == "38990002"  # what only the earlier copy knew is kept
    shorter = make_document("x", "tiny", "y.txt", format="text", path="/y.txt", title="Another guess")
    again = merge_paper(Prior(), shorter)
    assert again.text == "short abstract" and again.metadata["path"] == "/p/pubmed.txt" and again.metadata["title"] == "Another guess"


@pytest.mark.slow
def test_exports_and_a_pubmed_page_of_one_paper_are_one_document(tmp_path: Path, settings):
    """Real MiniLM, real FAISS: a BibTeX and a RIS export with files plus the PubMed page; the paper they share
    (one DOI, written two ways) is one document with the export's metadata, the fullest text and the page's PMID."""
    bib, ris = write_exports(tmp_path)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    report = ingest(index, [bib.parent, ris.parent, PUBMED_PAGE])
    failed = {o.source.rpartition("#")[2]: o.reason for o in report.outcomes if o.status == "failed"}
    assert set(failed) == {"noabstract2020", "missing2019", "broken2018"}, failed
    assert all(f"entry {key}" in reason for key, reason in failed.items())
    docs = {d.doc_id: d for d in index.documents()}
    assert set(docs) == {"hartmann2024", "33333333", "36666666"}
    paper = docs["hartmann2024"]
    assert paper.title == TITLE and paper.metadata["doi"] == DOI and paper.metadata["pmid"] == PMID
    assert paper.metadata["authors"] == "Hartmann, Lena; Nakamura, Yuki; Quinn, Ben" and paper.metadata["year"] == "2024"
    assert paper.source.endswith("Dupilumab.pdf") and "ultrasound" in paper.text  # the full text, not the abstract
    assert docs["33333333"].text.startswith("Iguratimod for glucocorticoid-sparing") and docs["33333333"].source.endswith(".bib#okazaki2021")
    assert docs["36666666"].metadata["authors"] == "Tanaka, Hiro; Smith, John A."
    hits = index.search("dupilumab loading dose submandibular gland ultrasound", k=3)
    assert hits[0].doc_id == "hartmann2024"

    again = ingest(index, [PUBMED_PAGE, ris.parent, bib.parent])  # in another order: nothing new, nothing lost
    assert again.count("added") == again.count("updated") == 0 and index.stats()["documents"] == 3
    assert index.document("hartmann2024").text == paper.text
