"""Kill -9 of a large ingest, during embedding and during a commit: the index opens at its last commit, whole.

    python -m bench.crash [--chunks 100000] [--kills 3]

The corpus is `bench.pipeline_scale`'s synthetic abstracts, ingested by that bench's ingest child (chunk vectors
from real sentence vectors, no model on the chunks). Each round starts the ingest, kills it with SIGKILL, either
at a random moment or the moment a new segment folder appears (a commit or a merge being written), then opens
the index and checks it: every document the catalog lists has all its chunks, the chunk and document segments
hold exactly the live rows the catalog lists, and a search is answered. The next round resumes the same ingest
(unchanged documents are skipped); a last run completes it, and the index then holds every document once.
Prints one line per round; exits non-zero on any failed check.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.pipeline_scale import PROJECT, _sentence_pool, docs_for, write_corpus


def check(index_dir: Path) -> dict:
    """Open the index and check it is whole; its counts."""
    from bench.pipeline_scale import _settings
    from index.corpus import CorpusIndex

    settings = _settings(index_dir)
    index = CorpusIndex.open(index_dir, settings, must_exist=True)
    stats = index.stats()
    store = index._store
    listed = {n for n, _, _ in index._catalog.segments()}
    if store is None:  # killed before the first commit (reading takes a while): an empty index, nothing listed
        assert stats["documents"] == 0 and not listed, (stats, listed)
        return {**stats, "unlisted_folders": 0}
    assert len(store) == stats["chunks"], (len(store), stats)
    assert len(store.doc_terms) == stats["documents"], (len(store.doc_terms), stats)
    on_disk = {p.name for p in (index_dir / "segments").iterdir()}
    sample = random.Random(0).sample(index.documents(), min(200, stats["documents"]))
    for record in sample:
        assert len(index.chunks(record.chunk_ids)) == len(record.chunk_ids), record.doc_id
        assert (abs(index.store_vectors(record.chunk_ids).sum(axis=1)) > 0).all(), record.doc_id
    assert index.search("relapse after rituximab", k=3, mode="bm25")
    return {**stats, "unlisted_folders": len(on_disk - listed)}


def _ingest(corpus: Path, index_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "BIOCITE_INGEST__CHECKPOINT_CHUNKS": "5000"}
    return subprocess.Popen([sys.executable, "-m", "bench.pipeline_scale", "--child", "ingest", str(corpus),
                             str(index_dir)], cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_when(proc: subprocess.Popen, index_dir: Path, during_commit: bool, after: float) -> str:
    """SIGKILL at `after` seconds, or (during_commit) when the first segment folder after that appears."""
    started, baseline = time.perf_counter(), None
    folder = index_dir / "segments"
    while proc.poll() is None:
        elapsed = time.perf_counter() - started
        if elapsed >= after:
            now = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
            if baseline is None and during_commit:
                baseline = now
            elif not during_commit or now - baseline:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                new = f" while {sorted(now - baseline)[0]} was being written" if during_commit else ""
                return f"killed at {elapsed:.1f} s{new}"
        time.sleep(0.01)
    return "finished before the kill"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=3, help="kills of each kind (random moment, during a commit)")
    args = parser.parse_args(argv)
    titles, sentences = _sentence_pool()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="biocite-crash-") as tmp:
        corpus, index_dir = Path(tmp) / "corpus.jsonl", Path(tmp) / "index"
        n_docs = docs_for(args.chunks, titles, sentences)
        write_corpus(corpus, n_docs, titles, sentences, seed=args.chunks)
        t = time.perf_counter()
        _ingest(corpus, Path(tmp) / "timing").wait()
        full = time.perf_counter() - t
        print(f"{n_docs:,} documents; an uninterrupted ingest takes {full:.0f} s")
        failures = 0
        for round_ in range(2 * args.kills):
            during_commit = round_ % 2 == 1
            what = _kill_when(_ingest(corpus, index_dir), index_dir, during_commit, rng.uniform(3, full * 0.5))
            try:
                print(f"round {round_ + 1}: {what}; index opens whole: {check(index_dir)}", flush=True)
            except Exception as exc:  # noqa: BLE001 (a bench: report and go on)
                failures += 1
                print(f"round {round_ + 1}: {what}; CHECK FAILED: {type(exc).__name__}: {exc}", flush=True)
        _ingest(corpus, index_dir).wait()
        final = check(index_dir)
        print(f"re-run to the end: {final}")
        if final["documents"] != n_docs or failures:
            raise SystemExit(f"{failures} failed checks; {final['documents']:,} of {n_docs:,} documents")


if __name__ == "__main__":
    main()
