from __future__ import annotations

from pathlib import Path

import pytest

from errors import IngestError
from tests.ingest.pdf_fixture import write_pdf
from uploads import UploadBudget, check_content, safe_name, store_upload

HASH = "0123456789abcdef"


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "..\\\\..\\\\windows\\\\system.ini", "a/../../b.txt", "....", "",
     "x" * 10_000 + ".pdf", "résumé d’étude ü.txt", "evil\x00name\n.txt", ".hidden", "CON.txt"],
)
def test_any_name_becomes_one_plain_file_inside_the_folder(tmp_path: Path, name: str):
    src = tmp_path / "src.bin"
    src.write_bytes(b"content")  # plain text: readable whatever the name claims
    folder = tmp_path / "uploads"
    stored = store_upload(src, name, folder, max_mb=1)
    assert stored.parent == folder.resolve() and stored.read_bytes() == b"content"
    assert len(stored.name) <= 130 and "/" not in stored.name and ".." not in stored.name


def test_names_keep_their_suffix_and_readable_part():
    assert safe_name("Dupilumab letter (2023).PDF", HASH) == "0123456789_Dupilumab_letter_2023_.pdf"
    assert safe_name("résumé.txt", HASH).endswith("résumé.txt")
    assert safe_name("x" * 500 + ".jsonl", HASH).endswith(".jsonl")


def test_oversize_upload_is_refused(tmp_path: Path):
    src = tmp_path / "big.txt"
    src.write_bytes(b"x" * 2_000_000)
    with pytest.raises(IngestError, match="over the 1 MB upload limit"):
        store_upload(src, "big.txt", tmp_path / "uploads", max_mb=1)


def _docx(path: Path, member: str = "word/document.xml") -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, "<w:document/>")
    return path


@pytest.mark.parametrize("content, name, seen", [
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "figure 1.pdf", "a PNG image"),
    (b"\x7fELF\x02\x01\x01" + bytes(64), "paper.txt", "a Linux program"),
    (b"MZ\x90\x00" + bytes(64), "paper.docx", "a Windows program"),
    (b"\x1f\x8b\x08\x00" + bytes(64), "abstracts.jsonl", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "letter.doc.txt", "an old Office file"),
    (bytes(range(256)) * 4, "notes.md", "binary data"),
])
def test_content_that_is_not_a_paper_is_refused_whatever_its_name(tmp_path: Path, content: bytes, name: str, seen: str):
    src = tmp_path / "upload"
    src.write_bytes(content)
    with pytest.raises(IngestError, match=f"its content is {seen}"):
        store_upload(src, name, tmp_path / "uploads", max_mb=1)
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_a_zip_named_docx_is_refused_and_real_formats_pass_by_content(tmp_path: Path):
    with pytest.raises(IngestError, match="a ZIP archive"):
        check_content(_docx(tmp_path / "a.zip", member="payload.exe"), "paper.docx")
    assert check_content(_docx(tmp_path / "b.docx"), "paper.docx") == "docx"
    assert check_content(write_pdf(tmp_path / "c.bin", [["IgG4-related disease."]]), "c.pdf") == "pdf"
    html = tmp_path / "page.pdf"  # a journal's "PDF" link that served its landing page: read as what it is
    html.write_text("<!DOCTYPE html><html><body><p>IgG4-related disease</p></body></html>")
    assert check_content(html, "page.pdf") == "html"


def test_each_user_has_an_hourly_budget_of_files_and_megabytes():
    now = [0.0]
    budget = UploadBudget(files_per_hour=3, mb_per_hour=10, clock=lambda: now[0])
    for i in range(3):
        budget.charge("alice", f"p{i}.pdf", 1_000_000)
    with pytest.raises(IngestError, match=r"over your upload budget \(3 files and 10 MB an hour; 3 files, 3 MB used\)"):
        budget.charge("alice", "p3.pdf", 1_000_000)
    budget.charge("bob", "big.pdf", 9_000_000)  # budgets are per user
    with pytest.raises(IngestError, match="try again in about 1 min"):
        now[0] = 3599.0
        budget.charge("bob", "more.pdf", 2_000_000)  # 11 MB in the hour
    now[0] = 3600.0
    budget.charge("alice", "p4.pdf", 1_000_000)  # the hour has rolled on
    budget.charge("bob", "more.pdf", 2_000_000)
