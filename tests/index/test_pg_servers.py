"""Two serving processes and one writer on one PostgreSQL: the deployment docs/postgresql.md describes.

Each server is a separate Python process with its own index folder (a copy of the one-line `catalog.postgres`,
as another machine would have). While the writer ingests in several commits, both keep answering searches and
see only whole commits: every document they list has all its chunks, the documents they list are the set of
some commit, and each one ends at the writer's last commit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from index.catalog import PG_POINTER_FILE
from index.corpus import CorpusIndex
from ingest.pipeline import ingest
from settings import PROJECT_DIR

SERVER = r"""
import json, sys, time
from pathlib import Path
from unittest import mock
from tests.hash_embedding import HashEmbedding

model = HashEmbedding(embed_batch_size=64)
with mock.patch("index.corpus.load_embedding_model", lambda *args: model):
    from index.corpus import CorpusIndex
    from settings import load_settings

    folder, ready, stop = map(Path, sys.argv[1:4])
    settings = load_settings()
    index = CorpusIndex.open(folder, settings, must_exist=True)
    seen = []
    ready.write_text("ready")
    while True:
        last = stop.exists()  # one more look after the writer is done
        hits = index.search("Drug patients with IgG4-related disease", k=5)
        catalog = index._catalog
        with catalog.snapshot():
            docs = sorted(d for d, _, _ in catalog.identities())
            chunk_ids = [c for d in docs for c in index.chunk_ids_of(d)]
            whole = len(index.chunks(chunk_ids)) == len(chunk_ids) and index.stats()["documents"] == len(docs)
        seen.append({"docs": len(docs), "whole": whole, "hits_listed": all(h.doc_id in docs for h in hits)})
        if last:
            break
        time.sleep(0.02)
    print(json.dumps(seen))
"""


def _papers(folder: Path, start: int, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"paper{i:03d}.txt").write_text(f"Paper {i}\n\nDrug{i} was given to {i} patients with IgG4-related disease.")
    return folder


def test_two_servers_see_each_commit_whole_while_one_writer_ingests(tmp_path, pg_settings, pg_url, hash_model,
                                                                     monkeypatch):
    folder = pg_settings.paths.index_dir
    writer = CorpusIndex.open(folder, pg_settings)
    ingest(writer, [_papers(tmp_path / "base", 0, 5)])
    stop = tmp_path / "stop"
    servers = []
    for name in ("server-a", "server-b"):
        other = tmp_path / name / "index"
        other.mkdir(parents=True)
        (other / PG_POINTER_FILE).write_text((folder / PG_POINTER_FILE).read_text())
        ready = tmp_path / f"{name}.ready"
        env = {**os.environ, "BIOCITE_STORE": "pgvector", "BIOCITE_DATABASE_URL": pg_url}
        process = subprocess.Popen([sys.executable, "-c", SERVER, str(other), str(ready), str(stop)], cwd=PROJECT_DIR,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        servers.append((process, ready))
    deadline = time.monotonic() + 120
    while not all(ready.exists() for _, ready in servers):
        assert time.monotonic() < deadline and all(p.poll() is None for p, _ in servers), "a server did not start"
        time.sleep(0.1)

    pg_settings.ingest.checkpoint_chunks = 5  # 30 papers of one chunk each: six commits
    pg_settings.ingest.embed_batch = 5
    original = hash_model._get_text_embeddings

    def slow(texts):  # so the servers search between commits
        time.sleep(0.3)
        return original(texts)

    monkeypatch.setattr(hash_model, "_get_text_embeddings", slow)
    ingest(writer, [_papers(tmp_path / "more", 5, 30)])
    stop.write_text("stop")

    commits = set(range(5, 36, 5))
    for process, _ in servers:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        seen = json.loads(out.strip().splitlines()[-1])
        counts = [s["docs"] for s in seen]
        assert all(s["whole"] and s["hits_listed"] for s in seen)
        assert set(counts) <= commits and counts == sorted(counts) and counts[-1] == 35
        assert len(set(counts)) >= 3, counts  # it answered between commits, not only before and after
