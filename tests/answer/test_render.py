"""answer.render: plain text and Markdown of one answer, and its references for a note or a reference manager."""

from __future__ import annotations

import re

import bibtexparser
import rispy
from bibtexparser import middlewares

from answer.models import AnswerPart, Citation, CitedAnswer
from answer.render import (
    CitedPaper,
    answer_markdown,
    answer_text,
    answer_with_references,
    cited_papers,
    papers_bibtex,
    papers_ris,
    reference_line,
)
from index.catalog import DocumentRecord

HARTMANN = DocumentRecord("38990002", "Dupilumab for IgG4-related sialadenitis: a case series", "pubmed.txt", "…", "h", "",
                          [], {"authors": "Hartmann, Lena Maria; Nakamura, Yuki; Quinn B", "journal": "Clin Case Rep Immunol",
                               "year": "2024", "doi": "10.9999/ccri.2024.0702", "pmid": "38990002",
                               "citation_key": "hartmann2024"})
NOTES = DocumentRecord("notes", "Glucocorticoid regimen notes", "glucocorticoid_regimen_notes.md", "…", "n", "", [], {})


class Documents:
    def document(self, doc_id: str):
        return {d.doc_id: d for d in (HARTMANN, NOTES)}.get(doc_id)


def answer() -> CitedAnswer:
    cite = [Citation(1, "38990002", HARTMANN.title, "pubmed.txt", "38990002#0", "q", 0, 1),
            Citation(2, "notes", NOTES.title, NOTES.source, "notes#0", "q", 0, 1),
            Citation(3, "38990002", HARTMANN.title, "pubmed.txt", "38990002#2", "q", 5, 6)]
    return CitedAnswer("q?", "answered", [
        AnswerPart("Dupilumab [1][3].", [1, 3], kind="direct"),
        AnswerPart("Gland swelling fell in 3/4 [~65%] with <10 mg *prednisolone*.", [1]),
        AnswerPart("Taper by 2.5 mg_per_week.", [2, 3]),
    ], cite)


def test_plain_text_is_the_markdown_without_its_escapes():
    md, text = answer_markdown(answer()), answer_text(answer())
    assert "\\" not in text and "[~65%] with <10 mg *prednisolone*" in text
    assert "\\[\\~65%\\]" in md and re.sub(r"\\(.)", r"\1", md) == text


def test_references_number_papers_not_quotes_in_vancouver_style():
    papers = cited_papers(answer(), Documents())
    assert [(p.number, p.doc_id, p.cites) for p in papers] == [(1, "38990002", [1, 3]), (2, "notes", [2])]
    assert reference_line(papers[0]) == ("Hartmann LM, Nakamura Y, Quinn B. Dupilumab for IgG4-related sialadenitis: a "
                                         "case series. Clin Case Rep Immunol. 2024. doi:10.9999/ccri.2024.0702. PMID: 38990002.")
    assert reference_line(papers[1]) == "Glucocorticoid regimen notes. glucocorticoid_regimen_notes.md."
    md = answer_with_references(answer(), papers)
    assert md.startswith("Dupilumab [1].")  # [1][3] are two quotes of one paper
    assert "- Taper by 2.5 mg\\_per\\_week. [2][1]" in md
    assert md.endswith("**References**\n\n1. Hartmann LM, Nakamura Y, Quinn B. Dupilumab for IgG4-related sialadenitis: a "
                       "case series. Clin Case Rep Immunol. 2024. doi:10.9999/ccri.2024.0702. PMID: 38990002.\n"
                       "2. Glucocorticoid regimen notes. glucocorticoid\\_regimen\\_notes.md.")


def test_bibtex_and_ris_read_back_as_the_same_papers():
    """Golden by round trip: what we write, the same libraries (as a reference manager would) read back whole."""
    papers = cited_papers(answer(), Documents()) + [CitedPaper(3, "x", "Braces {and} & 100% IL-4Rα", "x.pdf", [4],
                                                              ["Hartmann, L."], year="2024")]
    library = bibtexparser.parse_string(papers_bibtex(papers), append_middleware=[
        middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()])
    assert not library.failed_blocks
    entries = {e.key: {k: f.value for k, f in e.fields_dict.items()} for e in library.entries}
    assert list(entries) == ["hartmann2024", "notes", "hartmann2024a"]
    assert entries["hartmann2024"] == {"title": HARTMANN.title, "author": ["Hartmann, Lena Maria", "Nakamura, Yuki", "Quinn, B"],
                                       "journal": "Clin Case Rep Immunol", "year": "2024",
                                       "doi": "10.9999/ccri.2024.0702", "pmid": "38990002"}
    assert entries["hartmann2024a"]["title"] == "Braces {and} & 100% IL-4Rα"
    records = rispy.loads(papers_ris(papers))
    assert [r["title"] for r in records] == [HARTMANN.title, NOTES.title, "Braces {and} & 100% IL-4Rα"]
    assert records[0]["doi"] == "10.9999/ccri.2024.0702" and records[0]["notes"] == ["PMID: 38990002"]
    assert records[0]["authors"] == ["Hartmann, Lena Maria", "Nakamura, Yuki", "Quinn, B"]
