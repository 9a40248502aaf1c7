from __future__ import annotations

from pathlib import Path

import pytest

from errors import IngestError
from uploads import safe_name, store_upload

HASH = "0123456789abcdef"


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "..\\\\..\\\\windows\\\\system.ini", "a/../../b.txt", "....", "",
     "x" * 10_000 + ".pdf", "résumé d’étude ü.txt", "evil\x00name\n.txt", ".hidden", "CON.txt"],
)
def test_any_name_becomes_one_plain_file_inside_the_folder(tmp_path: Path, name: str):
    src = tmp_path / "src.bin"
    src.write_bytes(b"content")
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
