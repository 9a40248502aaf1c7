"""A pathological file costs one file: time, memory and line budgets stop it, and the batch goes on."""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

import pytest

from errors import IngestError
from ingest.loaders import ReadLimits, load_paths
from ingest.sandbox import ParseBudget
from tests.ingest.pdf_fixture import pdf_bytes, write_pdf


def _bomb_pdf(path: Path, inflated_mb: int) -> Path:
    """A one-page PDF whose content stream is a few hundred KB deflated and `inflated_mb` MB inflated."""
    squeeze = zlib.compressobj(9)
    block = b" " * (1 << 20)
    deflated = b"".join(squeeze.compress(block) for _ in range(inflated_mb)) + squeeze.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        f"<< /Length {len(deflated)} /Filter /FlateDecode >>\nstream\n".encode() + deflated + b"\nendstream",
    ]
    path.write_bytes(pdf_bytes(objects))
    return path


def _stall(record: Path, seconds: float) -> str:
    """A parser that stalls: notes its pid, sleeps, then notes that it finished (it must never get there)."""
    record.write_text(f"{os.getpid()}\n")
    time.sleep(seconds)
    with record.open("a") as f:
        f.write("finished\n")
    return "finished"


def run_with_budget(fn, *args, seconds: float, memory_mb: float):  # noqa: ANN001, ANN002, ANN202
    with ParseBudget(seconds, memory_mb) as budget:
        return budget.run(fn, *args)


def _allocate(mb: int) -> int:
    return len(bytearray(mb * 2**20))


def test_a_stalled_parser_is_stopped_at_its_time_budget(tmp_path: Path):
    """Stopped, not waited out: the call fails while the parser still sleeps, and its process is gone."""
    record = tmp_path / "stall"
    with pytest.raises(IngestError, match=r"longer than 1 s and was stopped"):
        run_with_budget(_stall, record, 30, seconds=1, memory_mb=512)
    pid = int(record.read_text().split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed (and reaped): it will never finish
    assert "finished" not in record.read_text()


def test_a_parser_over_its_memory_budget_is_stopped_and_one_within_it_is_not():
    with pytest.raises(IngestError, match=r"more than 100 MB of memory"):
        run_with_budget(_allocate, 400, seconds=60, memory_mb=100)
    assert run_with_budget(_allocate, 20, seconds=60, memory_mb=100) == 20 * 2**20


def test_a_decompression_bomb_fails_alone_and_the_next_paper_is_read(tmp_path: Path):
    folder = tmp_path / "papers"
    folder.mkdir()
    _bomb_pdf(folder / "a_bomb.pdf", inflated_mb=600)
    write_pdf(folder / "b_real.pdf", [["Rituximab depleted CD20 B cells in IgG4-related disease."]])
    results = list(load_paths([folder], ReadLimits(parse_seconds=60, parse_memory_mb=300)))
    by_name = {Path(r.source).name: r for r in results}
    assert by_name["a_bomb.pdf"].document is None
    assert "was stopped" in by_name["a_bomb.pdf"].error  # memory or time: whichever the machine hits first
    assert "Rituximab depleted CD20 B cells" in by_name["b_real.pdf"].document.text


def test_a_line_far_over_the_limit_is_skipped_without_being_held(tmp_path: Path):
    f = tmp_path / "corpus.jsonl"
    with open(f, "w") as out:
        out.write('{"_id": "1", "text": "Short abstract about IgG4-related disease."}\n')
        out.write('{"_id": "2", "text": "' + "x" * 5_000_000 + '"}\n')
        out.write('{"_id": "3", "text": "Another abstract about rituximab."}\n')
    results = list(load_paths([f], ReadLimits(max_document_chars=1000)))
    assert [r.document.doc_id for r in results if r.document] == ["1", "3"]
    (bad,) = [r for r in results if r.error]
    assert bad.source.endswith("#L2") and "longer than" in bad.error


def test_nested_entity_expansion_in_xml_is_not_expanded(tmp_path: Path):
    """The "billion laughs": ten levels of entities, each ten of the one below; never expanded."""
    levels = ['<!ENTITY e0 "lol">'] + [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)]
    f = tmp_path / "laughs.xml"
    f.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [{"".join(levels)}]>\n<PubmedArticleSet><PubmedArticle>'
        "<MedlineCitation><PMID>1</PMID><Article><ArticleTitle>&e9;</ArticleTitle><Abstract>"
        "<AbstractText>IgG4-related disease abstract.</AbstractText></Abstract></Article></MedlineCitation>"
        "</PubmedArticle></PubmedArticleSet>"
    )
    write_pdf(tmp_path / "next.pdf", [["Rituximab depleted CD20 B cells in IgG4-related disease."]])
    laughs, after = load_paths([f, tmp_path / "next.pdf"])
    # libxml2 refuses the document at its entity amplification limit, before expanding it
    assert laughs.document is None and "XML is malformed (Maximum entity amplification" in laughs.error, laughs.error
    assert "Rituximab depleted CD20 B cells" in after.document.text  # the batch goes on


def test_html_nested_fifty_thousand_deep_is_read(tmp_path: Path):
    f = tmp_path / "deep.html"
    f.write_text("<html><body>" + "<div>" * 50_000 + "IgG4-related disease" + "</div>" * 50_000 + "</body></html>")
    (result,) = load_paths([f], ReadLimits(parse_seconds=60))
    assert result.error is None and result.document.text == "IgG4-related disease", result.error


def test_the_parser_worker_dies_with_its_parent(tmp_path: Path):
    """A kill -9 of the server must not leave the worker alive, holding the index lock it inherited."""
    import os
    import signal
    import subprocess
    import sys

    code = ("import sys, time; sys.path.insert(0, '.'); from ingest.sandbox import ParseBudget; import os; "
            "b = ParseBudget(60, 256); print(b.run(os.getpid), flush=True); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    worker = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    raise AssertionError("the parser worker outlived its killed parent")


class _Finaliser:
    """In a garbage cycle; says which process ran its finaliser."""

    def __init__(self, record: Path) -> None:
        self.record, self.me = record, self

    def __del__(self) -> None:
        with self.record.open("a") as f:
            f.write(f"{os.getpid()}\n")


def test_the_parser_worker_never_finalises_the_parents_objects(tmp_path: Path):
    """An index's uncollected FAISS segments were destroyed inside the worker (its first allocation ran a
    collection) and crashed it, failing every file of the batch; inherited objects must be left alone."""
    import gc

    import numpy as np

    from index.segments import Rows, Segment, VectorLayout, write_segment

    vectors = np.eye(8, dtype=np.float32)
    write_segment(tmp_path / "seg", Rows(np.arange(8), [np.asarray([i]) for i in range(8)], vectors), VectorLayout())
    record = tmp_path / "finalised"
    gc.collect()
    gc.disable()  # the cycles below stay uncollected in this process until the worker has forked
    try:
        segment = Segment(tmp_path / "seg", "seg")
        segment.me = segment
        _Finaliser(record)
        del segment
        with ParseBudget(seconds=30, memory_mb=200) as budget:
            budget.run(gc.collect)  # raises if the worker died
    finally:
        gc.enable()
    gc.collect()
    assert record.read_text().split() == [str(os.getpid())]  # finalised once, here, not in the worker
