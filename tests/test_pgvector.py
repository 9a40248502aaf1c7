"""The PostgreSQL + pgvector store on the real path: the real model, a real server, the command line.

The store-level suite (FAISS and pgvector side by side) is tests/index/test_chunk_stores.py and
tests/index/test_corpus.py; SciFact through pgvector is in tests/evals/test_retrieval_floors.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import PROJECT_DIR

pytestmark = pytest.mark.slow


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "app.py"), *args], capture_output=True, text=True, timeout=900,
        cwd=PROJECT_DIR, env={**os.environ, **env},
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


@pytest.fixture(scope="module")
def pg_index(pg_server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The bundled sample corpus ingested into PostgreSQL through the CLI (vectors from the session's embedding cache)."""
    from settings import load_settings

    env = {"BIOCITE_STORE": "pgvector", "BIOCITE_DATABASE_URL": pg_server.get_uri()}
    folder = tmp_path_factory.mktemp("pg-index") / "index"
    proc = run("ingest", *map(str, load_settings().paths.sample_corpus), "--index", str(folder), env=env)
    assert proc.returncode == 0 and "0 failed" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return folder, env


def open_pg(folder: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    from index.corpus import CorpusIndex
    from settings import load_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CorpusIndex.open(folder, load_settings(), must_exist=True)


def test_ask_through_pgvector_cites_exact_spans(pg_index, monkeypatch):
    folder, env = pg_index
    proc = run("ask", "which biologics target Th2?", "--index", str(folder), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert "dupilumab" in answer["answer"] and "mepolizumab" in answer["answer"]
    index = open_pg(folder, env, monkeypatch)
    assert index.stats()["documents"] == 1009 and index._store.kind == "hnsw"  # seeds, 7 pages, 1,000 abstracts
    for c in answer["citations"]:
        assert index.document(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"]


def test_pgvector_ranks_papers_as_faiss_does(pg_index, local_sample_index_dir, monkeypatch):
    """Same chunks, same BM25 (exact in SQL), HNSW close to exact: the same top papers for every sample question as
    FAISS over the same vectors (both built here from the session's embedding cache; the shipped copy's vectors
    come from another CPU's variant)."""
    from index.corpus import CorpusIndex
    from settings import load_settings

    folder, env = pg_index
    faiss = CorpusIndex.open(local_sample_index_dir, load_settings(), must_exist=True)
    pg = open_pg(folder, env, monkeypatch)
    questions = [json.loads(line)["question"] for line in (PROJECT_DIR / "evals" / "sample_questions.jsonl").open()]
    for q in questions:
        for mode in ("hybrid", "dense", "bm25"):
            assert_same_ranking(pg.search_documents(q, 5, mode), faiss.search_documents(q, 5, mode), (q, mode))
        got, want = pg.search(q, 5), faiss.search(q, 5)
        assert_same_ranking([(h.chunk_id, h.score) for h in got], [(h.chunk_id, h.score) for h in want], q)


def assert_same_ranking(got: list[tuple[str, float]], want: list[tuple[str, float]], what: object) -> None:
    """Same scores as far as storage precision allows, and the same ids wherever the score is not tied.

    Both stores keep vectors in fp16; pgvector's HNSW compares them with an fp16 query
    (`halfvec`), FAISS with the fp32 one. fp16 rounds each component by at most 2**-11
    of itself, so a cosine of unit vectors moves by at most 2**-11 (~4.9e-4). A tighter
    bound passed on one CPU and failed on another."""
    tolerance = 2.0**-11
    assert len(got) == len(want), what
    assert all(abs(g[1] - w[1]) <= tolerance * max(1.0, abs(w[1])) for g, w in zip(got, want)), (what, got, want)
    for i, (doc, score) in enumerate(want):
        tied = [d for d, s in want if abs(s - score) <= 2 * tolerance * max(1.0, abs(score))]
        assert got[i][0] == doc or (len(tied) > 1 and got[i][0] in tied), (what, got, want)


def test_add_then_update_a_paper_through_the_cli(pg_index, tmp_path):
    folder, env = pg_index

    def top(query: str) -> list[str]:
        out = run("search", query, "--index", str(folder), "--k", "3", "--mode", "bm25", "--json", env=env)
        return [r["doc_id"] for r in json.loads(out.stdout)["results"]]

    paper = tmp_path / "note.txt"
    paper.write_text("Zanubrutinib in IgG4-RD\n\nZanubrutinib, a BTK inhibitor, lowered serum IgG4 in a case series.")
    assert run("ingest", str(paper), "--index", str(folder), env=env).returncode == 0
    assert top("BTK inhibitor zanubrutinib")[0] == "note"
    paper.write_text("Zanubrutinib in IgG4-RD\n\nZanubrutinib, a Bruton kinase blocker, was stopped for thrombocytopenia.")
    proc = run("ingest", str(paper), "--index", str(folder), env=env)
    assert "1 updated" in proc.stdout + proc.stderr
    assert top("zanubrutinib stopped for thrombocytopenia")[0] == "note" and "note" not in top("case series")


def test_missing_or_unreachable_database_is_a_clear_error(tmp_path):
    index = str(tmp_path / "index")
    proc = run("ingest", str(PROJECT_DIR / "data" / "sample" / "seeds"), "--index", index, env={"BIOCITE_STORE": "pgvector"})
    assert proc.returncode == 2 and "BIOCITE_DATABASE_URL" in proc.stderr
    env = {"BIOCITE_STORE": "pgvector", "BIOCITE_DATABASE_URL": "postgresql://someone:secret@127.0.0.1:1/nowhere"}
    proc = run("search", "IgG4", "--index", index, env=env)
    assert proc.returncode == 2 and "cannot use PostgreSQL" in proc.stderr and "secret" not in proc.stderr


def test_an_index_keeps_the_store_it_was_built_with(pg_index, sample_index_dir):
    folder, env = pg_index
    proc = run("search", "IgG4", "--index", str(folder), env={"BIOCITE_STORE": "faiss"})
    assert proc.returncode == 2 and "keeps its chunks in pgvector" in proc.stderr
    proc = run("search", "IgG4", "--index", str(sample_index_dir), env=env)
    assert proc.returncode == 2 and "keeps its chunks in faiss" in proc.stderr
