"""Kill -9 of a real ingest at random moments: the index opens, answers, and holds whole commits only.

A real `python app.py ingest` (the real model) is forked, killed with SIGKILL at a random moment, and the
index is checked: it opens (its checksums hold), every document it lists has all its chunks, it holds the
base papers plus some of the batch (whatever the last checkpoint committed), and a search is answered.
Re-running the same command (after every fifth kill) then completes the rest. `KILL_COUNT` and `UI_KILL_COUNT` set how many kills (CI: 5 and 1; README's figures: 10 each).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from settings import PROJECT_DIR, load_settings

pytestmark = pytest.mark.slow
BATCH = 120
# no embedding cache: every run embeds, so the timing run's vectors do not make the killed runs instant
# and small embedding calls, each followed by a checkpoint: one run commits several times
ENV = {**os.environ, "BIOCITE_INGEST__CHECKPOINT_CHUNKS": "8", "BIOCITE_INGEST__EMBED_BATCH": "48",
       "BIOCITE_PATHS__EMBED_CACHE": ""}


def _papers(folder: Path, names: range, topic: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in names:
        (folder / f"paper{i:03d}.txt").write_text(
            f"{topic} report {i}\n\n" + " ".join(
                f"Patient {i}.{j} with IgG4-related disease received treatment number {j} and was followed for "
                f"{j + 3} months before relapse was assessed." for j in range(12)))
    return folder


def _ingest(index: Path, papers: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(PROJECT_DIR / "app.py"), "ingest", str(papers), "--index", str(index)],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _check(index_dir: Path, base: set[str], batch: set[str]) -> set[str]:
    """The batch documents the index holds, after checking it opens, is whole and answers."""
    from index.corpus import CorpusIndex

    index = CorpusIndex.open(index_dir, load_settings(), must_exist=True)  # raises on any damaged file
    docs = {d.doc_id for d in index.documents()}
    assert base <= docs <= base | batch
    for doc_id in docs:  # a document is listed only with every one of its chunks
        record = index.document(doc_id)
        assert record.chunk_ids and len(index.chunks(record.chunk_ids)) == len(record.chunk_ids), doc_id
    assert index.stats()["chunks"] == sum(len(index.document(d).chunk_ids) for d in docs)
    assert index.search("relapse in IgG4-related disease", k=3)
    return docs - base


def _base_index_and_batch(tmp_path: Path) -> tuple[Path, Path, set[str], Path]:
    """Three base papers ingested by the CLI (the last commit a kill must keep), and a batch of BATCH more."""
    base_papers = _papers(tmp_path / "base", range(3), "Base")
    base_index = tmp_path / "base-index"
    assert subprocess.run([sys.executable, str(PROJECT_DIR / "app.py"), "ingest", str(base_papers), "--index",
                           str(base_index)], env=ENV, capture_output=True, timeout=600).returncode == 0
    return base_papers, base_index, {f"paper{i:03d}" for i in range(3)}, _papers(tmp_path / "batch", range(100, 100 + BATCH), "Batch")


def test_kill_9_at_random_moments_loses_no_committed_document(tmp_path: Path):
    kills = int(os.environ.get("KILL_COUNT", "5"))
    base_papers, base_index, base, batch_papers = _base_index_and_batch(tmp_path)
    batch = {f"paper{i:03d}" for i in range(100, 100 + BATCH)}

    def seconds(papers: Path, index: Path) -> float:
        t0 = time.perf_counter()
        _ingest(index, papers).communicate(timeout=600)
        return time.perf_counter() - t0

    startup = seconds(base_papers, base_index)  # nothing to do: start, load the model, skip 3 papers
    duration = seconds(batch_papers, tmp_path / "timing-index")  # one uninterrupted run of the batch

    rng = random.Random(20261127)
    outcomes = []
    for k in range(kills):
        index = tmp_path / f"index-{k}"
        shutil.copytree(base_index, index)
        proc = _ingest(index, batch_papers)
        time.sleep(rng.uniform(startup, duration))  # while the batch is read, embedded and checkpointed
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        committed = _check(index, base, batch)
        outcomes.append(len(committed))
        if k % 5:
            continue  # every fifth kill is also re-run to completion (each re-run embeds the rest: ~12 s)
        rerun = subprocess.run([sys.executable, str(PROJECT_DIR / "app.py"), "ingest", str(batch_papers), "--index",
                                str(index)], env=ENV, capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0 and "Traceback" not in rerun.stderr, rerun.stderr
        assert f"{BATCH - len(committed)} added, 0 updated, {len(committed)} skipped, 0 failed" in rerun.stdout, rerun.stdout
        assert _check(index, base, batch) == batch
        shutil.rmtree(index)
    print(f"\nstartup {startup:.1f} s, whole batch {duration:.1f} s")
    print(f"{kills} kills; batch documents committed before each kill: {outcomes} of {BATCH}; lost after a re-run: 0")
    assert len(set(outcomes)) > 1  # the kills landed at different moments, not all before or after the work


def test_kill_9_while_a_commit_is_being_written_loses_no_committed_document(tmp_path: Path):
    """SIGKILL the moment a commit creates its segment folder (files half-written, the catalog not yet
    committed): the index opens at the previous commit, and a re-run sweeps the leftover and completes."""
    _, base_index, base, batch_papers = _base_index_and_batch(tmp_path)
    batch = {f"paper{i:03d}" for i in range(100, 100 + BATCH)}
    index = tmp_path / "index"
    shutil.copytree(base_index, index)
    segments = index / "segments"
    before = {p.name for p in segments.iterdir()}
    proc = _ingest(index, batch_papers)
    new: set[str] = set()
    deadline = time.perf_counter() + 300
    while proc.poll() is None and not new and time.perf_counter() < deadline:
        new = {p.name for p in segments.iterdir()} - before
        if new:
            proc.send_signal(signal.SIGKILL)
        time.sleep(0.002)
    proc.communicate(timeout=60)
    assert new and proc.returncode == -signal.SIGKILL, "the ingest finished before a commit could be caught"
    committed = _check(index, base, batch)
    rerun = subprocess.run([sys.executable, str(PROJECT_DIR / "app.py"), "ingest", str(batch_papers), "--index",
                            str(index)], env=ENV, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0 and "Traceback" not in rerun.stderr, rerun.stderr
    assert f"{BATCH - len(committed)} added, 0 updated, {len(committed)} skipped" in rerun.stdout, rerun.stdout
    assert _check(index, base, batch) == batch
    from index.catalog import Catalog

    assert {p.name for p in segments.iterdir()} == {n for n, _, _ in Catalog(index).segments()}  # leftover swept


def _upload(url: str, papers: Path) -> list[list[str]]:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    return client.predict([handle_file(str(p)) for p in sorted(papers.iterdir())], api_name="/add_files")[0]["data"]


def test_kill_9_of_the_server_during_an_upload_loses_no_committed_document(tmp_path: Path):
    """The same guarantee for papers uploaded through the UI: the server is killed mid-upload, then restarted."""
    import hashlib
    import threading

    from bench.load import free_port, start_server
    from uploads import safe_name

    kills = int(os.environ.get("UI_KILL_COUNT", "1"))
    _, base_index, base, batch_papers = _base_index_and_batch(tmp_path)
    batch = {Path(safe_name(p.name, hashlib.sha256(p.read_bytes()).hexdigest())).stem for p in batch_papers.iterdir()}

    def serve(index: Path) -> tuple[subprocess.Popen[str], str]:
        port = free_port()
        env = {k: v for k, v in ENV.items() if k.startswith("BIOCITE_")}
        return start_server(index, port, env={**env, "BIOCITE_PATHS__UPLOAD_DIR": str(index.parent / "uploads")}), \
            f"http://127.0.0.1:{port}"

    timing_index = tmp_path / "timing" / "index"
    shutil.copytree(base_index, timing_index)
    server, url = serve(timing_index)
    t0 = time.perf_counter()
    assert sum(row[1] == "added" for row in _upload(url, batch_papers)) == BATCH
    duration = time.perf_counter() - t0
    server.kill()
    server.wait()

    rng = random.Random(20261128)
    outcomes = []
    for k in range(kills):
        index = tmp_path / f"run-{k}" / "index"
        shutil.copytree(base_index, index)
        server, url = serve(index)
        uploading = threading.Thread(target=lambda u=url: _swallow(_upload, u, batch_papers), daemon=True)
        uploading.start()
        time.sleep(rng.uniform(0.5, duration))  # files arriving, being read, embedded or checkpointed
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=60)
        uploading.join(timeout=60)
        committed = _check(index, base, batch)
        outcomes.append(len(committed))
        if k == 0:  # restart and upload the same papers again: the rest is added, nothing twice
            server, url = serve(index)
            rows = _upload(url, batch_papers)
            server.terminate()
            server.wait(timeout=60)
            assert sum(row[1] == "added" for row in rows) == BATCH - len(committed), rows[:3]
            assert _check(index, base, batch) == batch
    print(f"\nwhole upload {duration:.1f} s; {kills} kills of the server mid-upload; batch documents committed "
          f"before each kill: {outcomes} of {BATCH}; lost after a re-upload: 0")


def _swallow(fn, *args) -> None:  # noqa: ANN001, ANN002 (the killed server makes the upload call fail: expected)
    try:
        fn(*args)
    except Exception:  # noqa: BLE001, S110
        pass
