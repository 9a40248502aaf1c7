"""Reliability: bad settings, hostile questions, access control. Each case fails clearly and loses nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from settings import PROJECT_DIR, load_settings


def run_app(*args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "app.py"), *args], capture_output=True, text=True, timeout=600, cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def test_an_empty_embed_cache_setting_disables_the_cache(monkeypatch):
    monkeypatch.setenv("BIOCITE_PATHS__EMBED_CACHE", "")
    assert load_settings().paths.embed_cache is None
    monkeypatch.setenv("BIOCITE_PATHS__EMBED_CACHE", "  ")
    assert load_settings().paths.embed_cache is None


@pytest.mark.slow
def test_ingest_with_the_cache_disabled_works_on_the_real_model(tmp_path: Path):
    (tmp_path / "a.txt").write_text("IgG4-related disease is a fibroinflammatory condition that can affect many organs.")
    proc = run_app("ingest", str(tmp_path / "a.txt"), "--index", str(tmp_path / "index"), env={"BIOCITE_PATHS__EMBED_CACHE": ""})
    assert proc.returncode == 0 and "1 added" in proc.stdout, proc.stderr


@pytest.mark.parametrize("content, message", [
    ("bad = [", "is not valid TOML"),
    ("[retrieval]\nmode = 'psychic'\n", "Invalid settings (retrieval.mode"),
])
def test_a_broken_settings_file_is_one_clear_line(tmp_path: Path, content: str, message: str):
    config = tmp_path / "biocite.toml"
    config.write_text(content)
    for verb in (["search", "x"], ["ask", "--help"], ["ingest", str(tmp_path)]):
        proc = run_app(*verb, env={"BIOCITE_CONFIG": str(config)})
        if verb[1] == "--help":
            assert proc.returncode == 0  # help needs no settings
            continue
        assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# --- access -----------------------------------------------------------------------------------------
def test_off_loopback_a_login_is_required_or_refused_out_loud(monkeypatch, capsys):
    from app import login_check
    from errors import UserError

    settings = load_settings()
    assert login_check(settings) is None  # loopback: nobody else can reach it
    settings.ui.host = "0.0.0.0"
    with pytest.raises(UserError, match="--auth USER .* or --no-auth"):
        login_check(settings)
    settings.ui.no_auth = True
    assert login_check(settings) is None and "without a login" in capsys.readouterr().err
    settings.ui.no_auth, settings.ui.auth_user = False, "alice"
    monkeypatch.delenv("BIOCITE_PASSWORD", raising=False)
    with pytest.raises(UserError, match=r"\$BIOCITE_PASSWORD"):
        login_check(settings)
    monkeypatch.setenv("BIOCITE_PASSWORD", "s3cret")
    check = login_check(settings)
    assert check("alice", "s3cret") and not check("alice", "s3cre") and not check("bob", "s3cret")


def test_serving_off_loopback_without_a_login_is_refused_before_any_work(tmp_path: Path):
    proc = run_app("serve", "--host", "0.0.0.0", "--index", str(tmp_path / "none"))
    assert proc.returncode == 2 and "--no-auth" in proc.stderr and not (tmp_path / "none").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_non_loopback_bind_asks_for_the_login_and_lets_the_right_one_in(tmp_path: Path):
    import time
    import urllib.error
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    from bench.load import wait_until_serving

    (tmp_path / "a.txt").write_text("Abatacept in IgG4-RD\n\nAbatacept regulates T cells as a whole in IgG4-related disease.")
    assert run_app("ingest", str(tmp_path / "a.txt"), "--index", str(tmp_path / "index")).returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(PROJECT_DIR / "app.py"), "serve", "--index", str(tmp_path / "index"), "--host", "0.0.0.0",
         "--port", str(port), "--auth", "alice"],
        env={**os.environ, "BIOCITE_PASSWORD": "s3cret"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert "biocite is serving 1 documents" in wait_until_serving(server)
        time.sleep(0.5)

        def status(path: str, opener=None, data: dict | None = None) -> int:
            opener = opener or urllib.request.build_opener()
            body = urllib.parse.urlencode(data).encode() if data else None
            try:
                return opener.open(base + path, data=body, timeout=30).status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert status("/config") == 401 and status("/gradio_api/info") == 401  # nothing without the login
        jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        assert status("/login", jar, {"username": "alice", "password": "wrong"}) == 400
        assert status("/config", jar) == 401
        assert status("/login", jar, {"username": "alice", "password": "s3cret"}) == 200
        assert status("/config", jar) == 200 and status("/gradio_api/info", jar) == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_uploads_are_budgeted_checked_by_content_and_never_served_back(sample_index_dir: Path, tmp_path: Path):
    import urllib.error
    import urllib.request

    from gradio_client import Client, handle_file

    from bench.load import free_port, start_server

    index, uploads, gradio_tmp = tmp_path / "index", tmp_path / "uploads", tmp_path / "gradio"
    shutil.copytree(sample_index_dir, index)
    canary = "Zorbatumab lowered serum IgG4 in every patient of this series."
    papers = []
    for i in range(3):
        papers.append(tmp_path / f"note{i}.txt")
        papers[-1].write_text(f"Zorbatumab note {i}\n\n{canary} Case {i}.")
    picture = tmp_path / "scan.pdf"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    port = free_port()
    server = start_server(index, port, env={
        "BIOCITE_PATHS__UPLOAD_DIR": str(uploads), "BIOCITE_UI__UPLOAD_FILES_PER_HOUR": "3", "GRADIO_TEMP_DIR": str(gradio_tmp),
    })
    try:
        client = Client(f"http://127.0.0.1:{port}", verbose=False)
        rows = client.predict([handle_file(str(f)) for f in [papers[0], picture, papers[1], papers[2]]], api_name="/add_files")[0]
        by_name = {row[0]: row for row in rows["data"]}
        assert by_name["note0.txt"][1] == by_name["note1.txt"][1] == "added"
        assert "its content is a PNG image" in by_name["scan.pdf"][3]
        assert "over your upload budget (3 files" in by_name["note2.txt"][3]  # the picture counted too
        stored = sorted(uploads.iterdir())
        assert len(stored) == 2 and all(canary in f.read_text() for f in stored)
        # nothing uploaded can be fetched back: Gradio's copies are gone, ours are outside what it serves
        left = [f for f in gradio_tmp.rglob("*") if f.is_file() and b"Zorbatumab" in f.read_bytes()]
        assert left == []
        for f in stored:
            try:
                code = urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/file={f}", timeout=30).status
            except urllib.error.HTTPError as exc:
                code = exc.code
            assert code in (403, 404), code
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(job, code) -> None:  # noqa: ANN001 (a gradio_client Job and Status)
    import time

    for _ in range(600):
        if job.status().code == code:
            return
        time.sleep(0.1)
    raise AssertionError(f"job never reached {code}: {job.status()}")


@pytest.mark.slow
def test_a_full_queue_says_busy_at_once_instead_of_hanging(sample_index_dir: Path, tmp_path: Path, monkeypatch):
    """With ui.queue_size 1, one upload running and one waiting, a question is told "Queue is full" at once.

    The running upload is held inside the ingest (an Event), so the queue stays full for as long as the test needs.
    """
    import threading

    from gradio_client import Client, handle_file
    from gradio_client.utils import QueueError, Status

    import ui
    from bench.load import free_port, write_papers
    from index.corpus import CorpusIndex
    from ui import CSS, build_demo

    index_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, index_dir)
    settings = load_settings()
    settings.paths.index_dir, settings.paths.upload_dir, settings.ui.queue_size = index_dir, tmp_path / "up", 1
    release = threading.Event()
    real_ingest = ui.ingest
    monkeypatch.setattr(ui, "ingest", lambda index, *a, **k: release.wait(120) and real_ingest(index, *a, **k))
    demo = build_demo(settings, CorpusIndex.open(index_dir, settings, must_exist=True))
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, css=CSS)
    try:
        client = Client(url, verbose=False)
        papers = write_papers(tmp_path / "papers", 4)
        running = client.submit([handle_file(str(papers[0]))], api_name="/add_files")
        _wait_for(running, Status.PROCESSING)
        waiting = client.submit([handle_file(str(papers[1]))], api_name="/add_files")
        _wait_for(waiting, Status.IN_QUEUE)
        with pytest.raises(QueueError, match="Queue is full! Please try again"):
            client.predict("Which biologics target Th2?", api_name="/ask")
        # refused while the queue was still full, not after it drained: the upload is still held, the other waits
        assert not release.is_set() and running.status().code == Status.PROCESSING
        assert waiting.status().code == Status.IN_QUEUE
        release.set()
        assert running.result(timeout=120)[0]["data"][0][1] == "added"  # the queued work still completes
        assert waiting.result(timeout=120)[0]["data"][0][1] == "added"
        assert client.predict("Which biologics target Th2?", api_name="/ask")["answer"]
    finally:
        release.set()
        demo.close()


# --- hostile questions ------------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_answers_or_clearly_refuses_every_hostile_question_and_keeps_going(sample_index_dir: Path, tmp_path: Path):
    import json

    questions = {"": "empty", "[1]": "citation marker alone", "🙂🙂": "no words", "q" * 51_200: "limit is 2,000",
                 "ما هو مرض IgG4؟": None, "IgG4関連疾患の治療は何ですか": None, "what\x00 dose of\x1b rituximab?": None,
                 "\u202eevil\u202c which biologics target Th2?": None}
    file = tmp_path / "q.jsonl"
    file.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions))
    proc = run_app("ask", "--questions", str(file), "--index", str(sample_index_dir), "--json")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and len(rows) == len(questions)
    for row, error in zip(rows, questions.values()):
        if error:
            assert error in row["error"], row
        else:
            assert row["answer"] and not any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E for c in row["question"]), row
    assert rows[-1]["answer"].startswith("Dupilumab [")  # the direction override is gone, the question answered


# --- faults: damaged index files, a full disk ---------------------------------------------------------
def _built(settings) -> Path:
    """An index of three papers; the folder of its (only) chunk segment."""
    from index.corpus import CorpusIndex
    from tests.index.test_corpus import DOCS, write_corpus

    ingest(CorpusIndex.open(settings.paths.index_dir, settings), [write_corpus(settings.paths.index_dir.parent / "papers", DOCS)])
    return _chunk_segment(settings.paths.index_dir)


def _chunk_segment(index_dir: Path) -> Path:
    return next((index_dir / "segments").glob("chunks-*"))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _garble_catalog(index: Path) -> None:
    for wal in index.glob("catalog.sqlite-*"):  # a copy that lost its write-ahead log, and whose file is garbage
        wal.unlink()
    (index / "catalog.sqlite").write_bytes(b"not a database" * 100)


def _set_format(segment: Path, value: int) -> None:
    import sqlite3

    with sqlite3.connect(segment.parent.parent / "catalog.sqlite") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(value),))


def _old_layout(segment: Path) -> None:
    index = segment.parent.parent
    shutil.rmtree(index)
    (index / "gen-000003").mkdir(parents=True)
    (index / "CURRENT").write_text("gen-000003\n")


@pytest.mark.parametrize("damage, expected", [
    (lambda seg: _truncate(seg / "vectors.faiss"), "vectors.faiss has"),
    (lambda seg: _flip_a_byte(seg / "rows.npy"), "rows.npy was changed or corrupted"),
    (lambda seg: (seg / "terms.npy").unlink(), "terms.npy is missing"),
    (lambda seg: shutil.rmtree(seg), "the segment folder chunks-00000001 is missing"),
    (lambda seg: _garble_catalog(seg.parent.parent), "is damaged (DatabaseError"),
    (lambda seg: _set_format(seg, 1), "written by another version"),
    (_old_layout, "older version of biocite"),
])
def test_a_damaged_index_is_one_clear_message_naming_the_rebuild(settings, hash_model, damage, expected):
    from errors import IndexDamagedError
    from index.corpus import CorpusIndex

    damage(_built(settings))
    with pytest.raises(IndexDamagedError, match="damaged|another version|older version") as info:
        CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    assert expected in str(info.value) and "python app.py ingest" in str(info.value)


def test_a_full_disk_during_a_commit_keeps_the_last_commit(settings, hash_model, monkeypatch):
    import errno

    from errors import IndexWriteError
    from index import segments
    from index.corpus import CorpusIndex

    _built(settings)
    listed = CorpusIndex.open(settings.paths.index_dir, settings)._catalog.segments()
    real = segments._PostingsWriter.close

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(segments._PostingsWriter, "close", disk_full)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    more = settings.paths.index_dir.parent / "more.txt"
    more.write_text("Mepolizumab in IgG4-RD\n\nMepolizumab lowers eosinophils.")
    with pytest.raises(IndexWriteError, match="No space left on device; the previous version is intact; free some space"):
        ingest(index, [more])
    monkeypatch.setattr(segments._PostingsWriter, "close", real)
    reopened = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    assert reopened._catalog.segments() == listed
    assert len(reopened) == 3 and reopened.search("IL-13", k=1)[0].doc_id == "dupilumab"
    assert ingest(reopened, [more]).count("added") == 1  # and the next commit sweeps the half-written folder
    names = {n for n, _, _ in reopened._catalog.segments()}
    assert {p.name for p in (settings.paths.index_dir / "segments").iterdir()} == names


@pytest.mark.slow
def test_cli_on_a_damaged_index_prints_one_line_and_no_traceback(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Abatacept in IgG4-RD\n\nAbatacept regulates T cells as a whole in IgG4-related disease.")
    assert run_app("ingest", str(tmp_path / "a.txt"), "--index", str(tmp_path / "index")).returncode == 0
    _flip_a_byte(_chunk_segment(tmp_path / "index") / "vectors.faiss")
    for verb in (["ask", "what does abatacept do?"], ["search", "abatacept"], ["ingest", str(tmp_path / "a.txt")]):
        proc = run_app(*verb, "--index", str(tmp_path / "index"))
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "vectors.faiss was changed or corrupted" in proc.stderr and "python app.py ingest" in proc.stderr


@pytest.mark.slow
def test_a_missing_or_corrupt_embedding_model_is_one_clear_line(sample_index_dir: Path, tmp_path: Path):
    from index.embedding import default_model_path

    broken = tmp_path / "model"
    shutil.copytree(default_model_path(), broken)
    weights = next(p for p in broken.rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])  # truncated weights
    for path, reason in ((broken, "could not be loaded"), (tmp_path / "nowhere", "not found")):
        for verb in (["ask", "what does dupilumab block?"], ["serve", "--port", "1"]):
            proc = run_app(*verb, "--index", str(sample_index_dir), env={"BIOCITE_EMBEDDING__MODEL_PATH": str(path)})
            assert proc.returncode == 2 and reason in proc.stderr and "BIOCITE_EMBEDDING__MODEL_PATH" in proc.stderr, proc.stderr
