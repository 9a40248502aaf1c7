from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.loaders import ReadLimits, load_paths
from tests.conftest import LETTER_ID, PUBMED_PAGE_ID, SEEDS
from tests.ingest.pdf_fixture import write_pdf


def load_one(path: Path, **limits):
    results = list(load_paths([path], ReadLimits(**limits)))
    assert len(results) == 1, results
    return results[0]


def test_plain_text_title_and_body(tmp_path: Path):
    f = tmp_path / "note.txt"
    f.write_text("A short title line\n\nFirst sentence of the body. Second one.\n")
    r = load_one(f)
    assert r.error is None
    assert r.document.metadata["title"] == "A short title line"
    assert r.document.text == "First sentence of the body. Second one."
    assert r.document.doc_id == "note"


def test_markdown_heading_becomes_title(tmp_path: Path):
    f = tmp_path / "paper.md"
    f.write_text("# Dupilumab in IgG4-RD\n\nDupilumab blocks IL-4Rα.\n")
    r = load_one(f)
    assert r.document.metadata["title"] == "Dupilumab in IgG4-RD"


def test_pdf_pages_title_and_hyphenation(tmp_path: Path):
    pdf = write_pdf(
        tmp_path / "letter.pdf",
        [["Efficacy of dupilumab in IgG4- related disease", "", "Tanaka et al disclosed that the expres-", "sion of Th2 cytokines rose."],
         ["Dupilumab can also inhibit IL-13 signal because IL-13 receptor uses IL- 4Ra."]],
        title="Dupilumab letter",
    )
    r = load_one(pdf)
    assert r.error is None, r.error
    doc = r.document
    assert doc.metadata["title"] == "Dupilumab letter"
    assert "expression of Th2 cytokines" in doc.text
    assert "IL-4Ra" in doc.text
    starts = doc.metadata["page_starts"]
    assert len(starts) == 2 and doc.text[starts[1]:].startswith("Dupilumab can also inhibit")


def test_html_metadata_and_no_script_text(tmp_path: Path):
    f = tmp_path / "article.html"
    f.write_text(
        """<html><head><title>Site title</title>
        <meta name="citation_title" content="Abatacept in IgG4-related disease">
        <meta name="citation_author" content="Yamamoto M"><meta name="citation_doi" content="10.1/abc">
        <meta name="citation_date" content="2021/05/01"></head>
        <body><nav>Home | Journals</nav><script>var tracking = 1;</script>
        <article><h1>Abatacept in IgG4-related disease</h1><p>Abatacept regulates T cells as a whole.</p>
        <p>It was effective for five years.</p></article><footer>Cookie policy</footer></body></html>"""
    )
    doc = load_one(f).document
    assert doc.metadata["title"] == "Abatacept in IgG4-related disease"
    assert doc.metadata["authors"] == "Yamamoto M" and doc.metadata["doi"] == "10.1/abc" and doc.metadata["year"] == "2021"
    assert "Abatacept regulates T cells as a whole." in doc.text
    assert "tracking" not in doc.text and "Cookie" not in doc.text and "Home" not in doc.text


MEDLINE = """PMID- 111
TI  - Thalidomide for IgG4-related skin
      disease.
AB  - We report two cases. Thalidomide
      induced remission.
AU  - Tokura Y
AU  - Smith J
JT  - JAMA Dermatology
DP  - 2013 Jun
PT  - Case Reports
PT  - Journal Article
MH  - Humans
MH  - Skin Diseases/*drug therapy
LID - 10.1001/x.2013 [doi]

PMID- 222
TI  - Second record.
AB  - Rituximab depletes B cells.
"""


def test_medline_export_multiple_records(tmp_path: Path):
    f = tmp_path / "export.nbib"
    f.write_text(MEDLINE)
    results = list(load_paths([f]))
    assert [r.document.doc_id for r in results] == ["111", "222"]
    first = results[0].document
    assert first.metadata["title"] == "Thalidomide for IgG4-related skin disease."
    assert first.text == "We report two cases. Thalidomide induced remission."
    assert first.metadata["authors"] == "Tokura Y; Smith J" and first.metadata["year"] == "2013"
    assert first.metadata["doi"] == "10.1001/x.2013"
    assert first.metadata["publication_types"] == "Case Reports; Journal Article"  # the study card's design (text.study)
    assert first.metadata["mesh"] == "Humans; Skin Diseases/*drug therapy"  # its check tags, when the text names none


def test_medline_tags_in_a_txt_file_are_detected(tmp_path: Path):
    f = tmp_path / "pubmed_result.txt"
    f.write_text(MEDLINE)
    assert [r.document.doc_id for r in load_paths([f])] == ["111", "222"]


def test_pubmed_xml(tmp_path: Path):
    f = tmp_path / "pubmed.xml"
    f.write_text(
        """<?xml version="1.0"?><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>333</PMID>
        <Article><Journal><Title>Ann Rheum Dis</Title><JournalIssue><PubDate><Year>2022</Year></PubDate></JournalIssue></Journal>
        <ArticleTitle>Dupilumab for IgG4-RD</ArticleTitle><Abstract>
        <AbstractText Label="BACKGROUND">Th2 cells drive IgG4-RD.</AbstractText>
        <AbstractText Label="RESULTS">Dupilumab reduced <i>IgG4</i> levels.</AbstractText></Abstract>
        <AuthorList><Author><LastName>Simpson</LastName><Initials>RS</Initials></Author></AuthorList>
        <PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType>
        <PublicationType UI="D016422">Letter</PublicationType></PublicationTypeList></Article>
        <MeshHeadingList><MeshHeading><DescriptorName UI="D006801">Humans</DescriptorName></MeshHeading>
        <MeshHeading><DescriptorName UI="D003430" MajorTopicYN="N">Cross-Sectional Studies</DescriptorName>
        <QualifierName UI="Q000379">methods</QualifierName></MeshHeading></MeshHeadingList>
        </MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="doi">10.2/xyz</ArticleId></ArticleIdList></PubmedData>
        </PubmedArticle></PubmedArticleSet>"""
    )
    doc = load_one(f).document
    assert doc.doc_id == "333" and doc.metadata["title"] == "Dupilumab for IgG4-RD"
    assert doc.text == "BACKGROUND: Th2 cells drive IgG4-RD.\n\nRESULTS: Dupilumab reduced IgG4 levels."
    assert doc.metadata["journal"] == "Ann Rheum Dis" and doc.metadata["doi"] == "10.2/xyz"
    assert doc.metadata["publication_types"] == "Journal Article; Letter"
    assert doc.metadata["mesh"] == "Humans; Cross-Sectional Studies"


def test_xml_external_entities_are_not_resolved(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    f = tmp_path / "evil.xml"
    f.write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>9</PMID><Article><ArticleTitle>t</ArticleTitle>"
        "<Abstract><AbstractText>&xxe; text here.</AbstractText></Abstract></Article></MedlineCitation>"
        "</PubmedArticle></PubmedArticleSet>"
    )
    r = load_one(f)
    assert r.error is None and r.document.doc_id == "9", r.error  # read, the entity left unresolved
    assert "text here." in r.document.text and "TOPSECRET" not in r.document.text + r.document.metadata["title"]


def test_jsonl_corpus_ids_and_bad_lines(tmp_path: Path):
    f = tmp_path / "corpus.jsonl"
    f.write_text(
        json.dumps({"_id": "d1", "title": "T1", "text": "Alpha text."}) + "\n"
        + "{not json\n"
        + json.dumps({"title": "no id", "text": "x"}) + "\n"
        + "\n"
        + json.dumps({"_id": 7, "title": "", "text": "Beta text."}) + "\n"
    )
    results = list(load_paths([f]))
    ok = [r.document for r in results if r.document]
    assert [d.doc_id for d in ok] == ["d1", "7"]
    assert ok[0].metadata["title"] == "T1" and ok[0].metadata["source"].endswith("corpus.jsonl#L1")
    errors = [r.error for r in results if r.error]
    assert len(errors) == 2 and "not valid JSON" in errors[0] and '"_id"' in errors[1]


def test_jsonl_section_breaks_escaped_twice_are_breaks(tmp_path: Path):
    f = tmp_path / "corpus.jsonl"
    text = "Microvascular function in fat.   \\n METHODS AND RESULTS In 30 obese adults the \\nabla operator was used."
    f.write_text(json.dumps({"_id": "s1", "title": "T", "text": text}) + "\n")  # SciFact writes its section breaks so
    doc = next(r.document for r in load_paths([f]))
    assert "in fat.\nMETHODS AND RESULTS In 30" in doc.text and "\\nabla" in doc.text and "\\n " not in doc.text


def test_folder_walk_skips_hidden_and_unsupported(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Some text here.")
    (tmp_path / ".hidden.txt").write_text("Hidden text.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("More text.")
    results = list(load_paths([tmp_path]))
    assert sorted(r.document.doc_id for r in results if r.document) == ["a", "b"]
    # a file the folder holds but we cannot read is named in the results, with why
    assert [(Path(r.source).name, r.skipped) for r in results if r.skipped] == [("image.png", "not a document type biocite reads (.png)")]


# --- bad input: a clear message, never an exception ---------------------------------------
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("corrupt.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\ngarbage\x00\xff", "PDF is damaged"),
        ("notreally.pdf", b"this is not a pdf at all", "PDF is damaged"),
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b"   \n\n  ", "no text left"),
        ("binary.txt", bytes(range(256)) * 40, "looks binary"),
        ("latin.txt", "Caf\u00e9 au lait. R\u00e9sum\u00e9 text.".encode("cp1252") + b"\x81\x8d", "not valid UTF-8"),
        ("deck.pptx", b"PK\x03\x04 zip content", "unsupported file type"),
        ("only_chrome.txt", b"Send to:\n\nPubMed Commons\n\nLoading ...\n", "no text"),
    ],
)
def test_bad_files_fail_with_a_clear_message(tmp_path: Path, name: str, content: bytes, message: str):
    f = tmp_path / name
    f.write_bytes(content)
    r = load_one(f)
    assert r.document is None and message in r.error, r.error


def test_windows_1252_text_is_read_with_a_note(tmp_path: Path):
    f = tmp_path / "old.txt"
    f.write_bytes("Sj\u00f6gren\u2019s syndrome and IgG4-RD.".encode("cp1252"))
    r = load_one(f)
    assert r.document.text == "Sj\u00f6gren\u2019s syndrome and IgG4-RD."
    assert r.notes == ["not UTF-8: read as Windows-1252"]


def test_huge_file_is_refused_before_reading(tmp_path: Path):
    f = tmp_path / "huge.txt"
    f.write_text("word " * 300_000)
    r = load_one(f, max_file_mb=1)
    assert "over the 1 MB limit" in r.error


def test_missing_path(tmp_path: Path):
    assert "no such file" in load_one(tmp_path / "nope.txt").error


def test_seed_documents_load_with_metadata():
    docs = {r.document.doc_id: r.document for r in load_paths([SEEDS])}
    page = docs[PUBMED_PAGE_ID]
    assert page.metadata["journal"] == "JAMA Dermatol" and page.metadata["year"] == "2013"
    assert page.metadata["doi"] == "10.1001/jamadermatol.2013.2625"
    assert page.metadata["title"].startswith("IgG4-related skin disease successfully treated by thalidomide")
    letter = docs[LETTER_ID]
    assert letter.metadata["title"].startswith("Efficacy of dupilumab reveals therapeutic target for IgG4-related disease")


def test_sources_are_shown_relative_to_where_they_were_ingested(tmp_path: Path):
    (tmp_path / "papers" / "sub").mkdir(parents=True)
    (tmp_path / "papers" / "sub" / "a.txt").write_text("Some text here about rituximab.")
    (tmp_path / "corpus.jsonl").write_text('{"_id": "1", "title": "T", "text": "Body text."}\n')
    docs = {r.document.doc_id: r.document.metadata for r in load_paths([tmp_path / "papers", tmp_path / "corpus.jsonl"])}
    assert docs["a"]["source"] == "papers/sub/a.txt"
    assert docs["a"]["path"] == str((tmp_path / "papers" / "sub" / "a.txt").resolve())
    assert docs["1"]["source"] == "corpus.jsonl#L1"
