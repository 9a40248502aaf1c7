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
import threading
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
    """The batch documents the index holds, after checking it opens, is whole and answers.

    Whole means the catalog and the store agree: every chunk the catalog lists has a live row in the store's
    vectors (its own stored vector finds it first) and in its keyword postings (it scores on its own text),
    every document has a live row in the document postings, and a search for each document's title returns it.
    The catalog alone cannot show this: its rows are written in one transaction whatever the store holds."""
    from index.corpus import CorpusIndex

    index = CorpusIndex.open(index_dir, load_settings(), must_exist=True)  # raises on any damaged file
    docs = {d.doc_id for d in index.documents()}
    assert base <= docs <= base | batch
    store, listed = index._store, 0
    for doc_id in docs:  # a document is listed only with every one of its chunks, each live in the store
        record = index.document(doc_id)
        nodes = index.chunks(record.chunk_ids)
        assert record.chunk_ids and [n.node_id for n in nodes] == record.chunk_ids, doc_id
        for node, vector in zip(nodes, store.vectors(record.chunk_ids)):
            assert [cid for cid, _ in store.nearest(vector, 1)] == [node.node_id], f"{node.node_id}: no live vector"
            assert store.chunk_terms.scores(node.text, [node.node_id])[node.node_id] > 0, f"{node.node_id}: no postings"
        assert store.doc_terms.scores(record.title, [doc_id])[doc_id] > 0, f"{doc_id}: no document postings"
        assert doc_id in {h.doc_id for h in index.search(record.title, k=5, rerank=False)}, f"{doc_id}: not found"
        listed += len(record.chunk_ids)
    assert len(store) == listed  # the store holds no live chunk the catalog does not list
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
    """Each kill waits until the catalog shows a random number of batch papers committed (0 included: a kill
    during start-up), then a random further moment of up to a second, so it lands anywhere in the next
    embedding batch or commit. Timed by the index, not by the clock: a fast CPU ends the work before a
    wall-clock guess (CI once killed all five runs before their first commit, proving nothing)."""
    from index.catalog import Catalog

    kills = int(os.environ.get("KILL_COUNT", "5"))
    _, base_index, base, batch_papers = _base_index_and_batch(tmp_path)
    batch = {f"paper{i:03d}" for i in range(100, 100 + BATCH)}

    rng = random.Random(20261127)
    targets, outcomes = [], []
    for k in range(kills):
        index = tmp_path / f"index-{k}"
        shutil.copytree(base_index, index)
        target = 0 if k == 0 else rng.randrange(0, BATCH - 48)  # at least one embedding batch still to come
        catalog = Catalog(index)
        proc = _ingest(index, batch_papers)
        try:
            deadline = time.monotonic() + 600
            while catalog.stats()["documents"] < len(base) + target and proc.poll() is None:
                assert time.monotonic() < deadline, f"the ingest never committed {target} papers"
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 1.0))
        finally:  # killed whether the wait succeeded or not: a failed test leaves no process behind
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            catalog.close()
        committed = _check(index, base, batch)
        targets.append(target)
        outcomes.append(len(committed))
        assert len(committed) >= target  # what the catalog showed committed before the kill is still there
        if k % 5:
            continue  # every fifth kill is also re-run to completion (each re-run embeds the rest: ~12 s)
        rerun = subprocess.run([sys.executable, str(PROJECT_DIR / "app.py"), "ingest", str(batch_papers), "--index",
                                str(index)], env=ENV, capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0 and "Traceback" not in rerun.stderr, rerun.stderr
        assert f"{BATCH - len(committed)} added, 0 updated, {len(committed)} skipped, 0 failed" in rerun.stdout, rerun.stdout
        assert _check(index, base, batch) == batch
        shutil.rmtree(index)
    print(f"\n{kills} kills after the catalog showed {targets} batch papers committed;"
          f" committed before each kill: {outcomes} of {BATCH}; lost after a re-run: 0")
    assert len(set(outcomes)) > 1  # the kills landed at different moments, not all before or after the work


# `python app.py ingest ...` that SIGKILLs itself as its CRASH_AT-th commit starts writing its vectors: the
# segment folder holds its postings and names, no vectors, no checksums, and the catalog has not listed it.
CRASH_IN_A_COMMIT = """
import os, signal, sys
from index import segments
calls, write_vectors = 0, segments._write_vectors
def crash(*args):
    global calls
    calls += 1
    if calls == int(os.environ["CRASH_AT"]):
        os.kill(os.getpid(), signal.SIGKILL)
    return write_vectors(*args)
segments._write_vectors = crash
import app
sys.exit(app.main(sys.argv[1:]))
"""


def test_kill_9_while_a_commit_is_being_written_loses_no_committed_document(tmp_path: Path):
    """SIGKILL inside the third commit, its segment folder half-written and not yet listed: the index opens at the
    second commit, and a re-run sweeps the leftover folder and completes.

    The kill comes from inside the commit (a wrapper around the real CLI), so it lands there on every run; a kill
    timed from outside could miss a small commit and prove nothing."""
    from index.catalog import Catalog

    _, base_index, base, batch_papers = _base_index_and_batch(tmp_path)
    batch = {f"paper{i:03d}" for i in range(100, 100 + BATCH)}
    index = tmp_path / "index"
    shutil.copytree(base_index, index)
    segments = index / "segments"
    crashed = subprocess.run([sys.executable, "-c", CRASH_IN_A_COMMIT, "ingest", str(batch_papers), "--index", str(index)],
                             cwd=PROJECT_DIR, env={**ENV, "CRASH_AT": "3"}, capture_output=True, text=True, timeout=600)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    left = {p.name for p in segments.iterdir()} - {n for n, _, _ in Catalog(index).segments()}
    assert len(left) == 1 and not (segments / left.pop() / "vectors.faiss").exists()  # half-written, unlisted
    committed = _check(index, base, batch)
    assert 0 < len(committed) < BATCH  # the first two commits are kept, the third is not
    rerun = subprocess.run([sys.executable, str(PROJECT_DIR / "app.py"), "ingest", str(batch_papers), "--index",
                            str(index)], env=ENV, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0 and "Traceback" not in rerun.stderr, rerun.stderr
    assert f"{BATCH - len(committed)} added, 0 updated, {len(committed)} skipped" in rerun.stdout, rerun.stdout
    assert _check(index, base, batch) == batch
    assert {p.name for p in segments.iterdir()} == {n for n, _, _ in Catalog(index).segments()}  # leftover swept


def _upload(url: str, papers: Path) -> list[list[str]]:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    return client.predict([handle_file(str(p)) for p in sorted(papers.iterdir())], api_name="/add_files")[0]["data"]


class _Upload(threading.Thread):
    """An upload through the UI's endpoint on a thread; its rows, or the exception that ended it."""

    def __init__(self, url: str, papers: Path) -> None:
        super().__init__(daemon=True)
        self.url, self.papers = url, papers
        self.rows: list[list[str]] | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.rows = _upload(self.url, self.papers)
        except BaseException as exc:  # noqa: BLE001 (judged by the test: only a cut connection is expected)
            self.error = exc


def _cut_off(error: BaseException | None) -> bool:
    """An error of a connection the server's death closed, not one the server sent (the handler raising is an
    `AppError`). gradio_client ends a call whose event stream closed without a reply with `CancelledError` (it
    swallows the stream's `RemoteProtocolError`); a kill during the file transfer is an httpx transport error."""
    import concurrent.futures

    import httpx

    return isinstance(error, (concurrent.futures.CancelledError, httpx.TransportError, ConnectionError))


def test_kill_9_of_the_server_during_an_upload_loses_no_committed_document(tmp_path: Path):
    """The same guarantee for papers uploaded through the UI: the server is killed mid-upload, then restarted.

    Each kill lands while the server is ingesting the upload: after it has stored every file and after the
    catalog shows a chosen number of batch papers committed (at most BATCH - 48, so at least one embedding batch
    is still to come). The client's call must then end on the cut connection, not with a reply or an error the
    server sent."""
    import hashlib

    from bench.load import free_port, start_server
    from index.catalog import Catalog
    from uploads import safe_name

    kills = int(os.environ.get("UI_KILL_COUNT", "1"))
    _, base_index, base, batch_papers = _base_index_and_batch(tmp_path)
    batch = {Path(safe_name(p.name, hashlib.sha256(p.read_bytes()).hexdigest())).stem for p in batch_papers.iterdir()}

    def serve(index: Path) -> tuple[subprocess.Popen[str], str]:
        port = free_port()
        env = {k: v for k, v in ENV.items() if k.startswith("BIOCITE_")}
        return start_server(index, port, env={**env, "BIOCITE_PATHS__UPLOAD_DIR": str(index.parent / "uploads")}), \
            f"http://127.0.0.1:{port}"

    def wait_until(done, what: str, upload: _Upload) -> None:  # noqa: ANN001 (a predicate)
        deadline = time.monotonic() + 600
        while not done():
            assert upload.is_alive(), f"the upload ended before the server {what}: {upload.error!r} {upload.rows}"
            assert time.monotonic() < deadline, f"the server never {what}"
            time.sleep(0.05)

    rng = random.Random(20261128)
    outcomes = []
    for k in range(kills):
        index = tmp_path / f"run-{k}" / "index"
        shutil.copytree(base_index, index)
        server, url = serve(index)
        catalog = Catalog(index)
        target = rng.randrange(0, BATCH - 48)
        uploading = _Upload(url, batch_papers)
        uploading.start()
        uploads = index.parent / "uploads"
        try:
            wait_until(lambda u=uploads: u.is_dir() and len(list(u.iterdir())) == BATCH, "stored the upload", uploading)
            wait_until(lambda c=catalog, t=target: c.stats()["documents"] >= len(base) + t,
                       f"committed {target} papers", uploading)
        finally:  # killed whether the wait succeeded or not: a failed test leaves no server behind
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=60)
            catalog.close()
        uploading.join(timeout=60)
        assert not uploading.is_alive() and uploading.rows is None, "the upload was not cut off by the kill"
        assert _cut_off(uploading.error), repr(uploading.error)
        committed = _check(index, base, batch)
        outcomes.append(len(committed))
        assert target <= len(committed) < BATCH
        if k == 0:  # restart and upload the same papers again: the rest is added, nothing twice
            server, url = serve(index)
            try:
                rows = _upload(url, batch_papers)
            finally:
                server.terminate()
                server.wait(timeout=60)
            assert sum(row[1] == "added" for row in rows) == BATCH - len(committed), rows[:3]
            assert _check(index, base, batch) == batch
    print(f"\n{kills} kills of the server mid-upload; batch documents committed before each kill: {outcomes} of "
          f"{BATCH}; lost after a re-upload: 0")
    if kills >= 3:
        assert len(set(outcomes)) > 1  # the kills landed at different moments of the upload
