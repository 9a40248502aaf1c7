"""Real documents come in clean: every fixture of `tests/fixtures/documents/expectations.json`.

Each fixture (Wikipedia pages saved as HTML, HTML inside a .txt, Markdown, a Word
file, PMC/PubMed/news/guideline pages saved from a browser, a two-column PDF) must
keep its expected sentences whole in one chunk, lose every listed furniture string,
and yield its title. The same numbers are printed by `python -m bench.ingest_quality`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bench.ingest_quality import FIXTURES, check_file, load_expectations
from ingest.loaders import detect_format, load_paths

SPECS = load_expectations(FIXTURES)


@pytest.mark.parametrize("path", sorted(SPECS), ids=lambda p: Path(p).name)
def test_fixture_comes_in_clean(path: str):
    row = check_file(path, SPECS[path])
    assert "error" not in row, row.get("error")
    assert row["missing"] == [], "expected sentences not intact in any chunk"
    assert row["furniture_found"] == [], "furniture left in chunks"
    assert row["title_ok"], f"title {row['title']!r}, expected {SPECS[path]['title']!r}"
    assert 0 < row["kept"] <= 1


def test_pdf_sections_pages_and_authors():
    doc = next(iter(load_paths(["data/sample/pages/abatacept_pilot_two_column.pdf"]))).document
    sections = [name for _, name in doc.metadata["sections"]]
    assert {"Introduction", "Methods", "Results", "Discussion"} <= set(sections)
    assert "References" not in doc.text and "Lindqvist RA" not in doc.text  # the reference list is back matter
    assert doc.metadata["authors"] == "Ruth A. Lindqvist, Tomasz Wójcik, Hana Kobayashi"
    starts = doc.metadata["page_starts"]
    assert len(starts) == 2 and starts[0] == 0 and 0 < starts[1] < len(doc.text)
    for offset, name in doc.metadata["sections"]:  # offsets are exact: a section starts at a paragraph
        assert offset == 0 or doc.text[offset - 2:offset] == "\n\n", name


@pytest.mark.parametrize(
    "suffix, head, expected",
    [
        (".txt", b"<!DOCTYPE html><html><head><title>x</title>", "html"),
        (".txt", b"  <p>Some paragraph</p><div>more</div>", "html"),
        (".txt", b"# Title\n\nA [link](https://example.org) and **bold** text.\n", "markdown"),
        (".txt", b"PMID- 123\nTI  - A title\n", "medline"),
        (".txt", b'{"_id": "1", "title": "t", "text": "x"}\n', "jsonl"),
        (".txt", b"Plain prose. Nothing else.\n", "text"),
        (".xml", b"<?xml version='1.0'?><PubmedArticleSet>", "pubmed-xml"),
        (".html", b"%PDF-1.7\n", "pdf"),
        (".docx", b"PK\x03\x04rest", "docx"),
    ],
)
def test_format_is_detected_by_content(suffix: str, head: bytes, expected: str):
    assert detect_format(suffix, head) == expected


def test_jsonl_in_a_txt_file_gets_a_clear_message(tmp_path: Path):
    f = tmp_path / "corpus.txt"
    f.write_text('{"_id": "1", "title": "t", "text": "x"}\n{"_id": "2", "text": "y"}\n')
    result = next(iter(load_paths([f])))
    assert result.document is None and "give it a .jsonl extension" in result.error


def test_cleaning_that_would_lose_the_prose_keeps_the_text_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # An over-eager furniture rule (here: any line naming rituximab) must not silently empty a page.
    import ingest.blocks
    import ingest.webtext

    def eager(line: str) -> str:
        return "affiliation" if "rituximab" in line else ""

    monkeypatch.setattr(ingest.webtext, "is_furniture", eager)
    monkeypatch.setattr(ingest.blocks, "is_furniture", eager)
    prose = " ".join(f"Patients {i} were treated with rituximab and followed for a year." for i in range(30))
    f = tmp_path / "page.txt"
    f.write_text(f"Skip to main content\n{prose}\n{prose}\nA closing line that is long enough to count as a sentence here.\n")
    result = next(iter(load_paths([f])))
    assert result.document is not None and "treated with rituximab" in result.document.text
    assert any("would have kept only" in note and "affiliation" in note for note in result.notes)


def test_opendocument_text(tmp_path: Path):
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Mepolizumab in IgG4-related disease"))
    doc.text.addElement(P(text="Mepolizumab is an antibody against interleukin-5."))
    doc.text.addElement(H(outlinelevel=2, text="Results"))
    doc.text.addElement(P(text="Gland swelling persisted in both patients."))
    path = tmp_path / "note.odt"
    doc.save(str(path))
    result = next(iter(load_paths([path])))
    assert result.error is None, result.error
    assert result.document.metadata["title"] == "Mepolizumab in IgG4-related disease"
    assert result.document.text == "Mepolizumab is an antibody against interleukin-5.\n\nGland swelling persisted in both patients."
    assert result.document.metadata["sections"] == [[51, "Results"]]


def test_damaged_word_file_fails_clearly(tmp_path: Path):
    f = tmp_path / "broken.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("hello.txt", "not a word document")
    result = next(iter(load_paths([f])))
    assert result.document is None and "Word file is damaged" in result.error
