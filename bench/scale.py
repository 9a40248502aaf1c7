"""Vector search at 10k, 100k and 1M chunks: exact fp32, exact fp16 and IVF fp16, against the stock llama-index vector store.

    python -m bench.scale [--sizes 10000 100000 1000000] [--queries 100]

Vectors: the real MiniLM vectors of the sample index's chunks, each copied
with Gaussian noise (cosine ~0.9 to its source) up to the size, so the set has
the cluster structure of real embeddings; queries are real embedded SciFact
claims. For each size and each way a segment can hold vectors (fp32 flat, the
baseline; fp16 in one list, an exact scan, as segments under
`retrieval.ivf_threshold` are written; fp16 IVF lists above it): build time,
bytes per vector on disk, search p50/p95 for one query, recall@10 against the
exact fp32 result, and the stock llama-index
`VectorStoreIndex` (`SimpleVectorStore`) p50 as a ratio, up to 100k (at 1M
it holds 384 Python floats per chunk, ~15 GB, and is not run).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
STOCK_LIMIT = 100_000


def synthetic(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype="float32")
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        v = base[np.arange(lo, hi) % len(base)] + 0.5 * rng.normal(size=(hi - lo, base.shape[1])) / np.sqrt(base.shape[1])
        out[lo:hi] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def training_sample(vectors: np.ndarray):
    """m rows at random (seeded): what IVF k-means trains on."""
    rng = np.random.default_rng(0)
    return lambda m: vectors[rng.permutation(len(vectors))[:m]]


def timed_queries(search, queries: np.ndarray) -> tuple[float, float, list]:
    ms, results = [], []
    for q in queries:
        t = time.perf_counter()
        results.append(search(q))
        ms.append(1000 * (time.perf_counter() - t))
    return statistics.median(ms), statistics.quantiles(ms, n=20)[18], results


def main(argv: list[str] | None = None) -> None:
    import faiss

    from app import ensure_index
    from index.embedding import embed_texts
    from index.segments import VectorLayout, new_vector_index
    from settings import PROJECT_DIR, load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args(argv)
    settings = load_settings()
    index = ensure_index(settings)
    base = index.store_vectors([c for d in index.documents() for c in d.chunk_ids])
    claims = [json.loads(line)["text"] for line in
              (PROJECT_DIR / "evals" / "scifact" / "queries_train.jsonl").read_text().splitlines()][: args.queries]
    queries = embed_texts(index.embed_model, claims)
    nprobe = settings.retrieval.ivf_nprobe
    faiss.omp_set_num_threads(os.cpu_count() or 1)

    layouts = [  # (label, layout): what a segment of that size is written as, and the fp32 flat baseline
        ("exact fp32 (IndexFlatIP)", None),
        ("exact fp16 (one list; segments under the IVF threshold)", VectorLayout(None, nprobe, fp16=True)),
        (f"IVF fp16, nprobe {nprobe} (segments from the threshold)", VectorLayout(1, nprobe, fp16=True)),
    ]
    print("| chunks | index | build s | bytes/vector on disk | search p50 ms | p95 ms | recall@10 vs exact | "
          "stock llama-index p50 ms (ratio) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        vectors = synthetic(base, n)
        ids = np.arange(n, dtype="int64")
        built = []
        for label, layout in layouts:
            t = time.perf_counter()
            if layout is None:
                idx = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
            else:
                idx = new_vector_index(vectors.shape[1], n, layout, training_sample(vectors))
            idx.add_with_ids(vectors, ids)
            built.append((label, idx, time.perf_counter() - t))
        stock = stock_p50(vectors, queries) if n <= STOCK_LIMIT else None
        exact = None
        for label, idx, build_s in built:
            faiss.omp_set_num_threads(1)  # one query at a time, as a user asks
            p50, p95, found = timed_queries(lambda q, idx=idx: idx.search(q[None, :], 10)[1][0], queries)
            faiss.omp_set_num_threads(os.cpu_count() or 1)
            exact = exact or found
            recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(found, exact)]))
            with tempfile.TemporaryDirectory() as tmp:
                faiss.write_index(idx, str(Path(tmp) / "v"))
                per_vector = (Path(tmp) / "v").stat().st_size / n
            ratio = (f"{stock:.1f} ({stock / p50:.0f}x)" if stock else "not run (memory)") if idx is built[0][1] else ""
            print(f"| {n:,} | {label} | {build_s:.1f} | {per_vector:.0f} | {p50:.2f} | {p95:.2f} | {recall:.3f} | "
                  f"{ratio} |", flush=True)


def stock_p50(vectors: np.ndarray, queries: np.ndarray) -> float:
    """Query p50 of llama-index's default in-memory vector store holding these vectors."""
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores import SimpleVectorStore
    from llama_index.core.vector_stores.types import VectorStoreQuery

    store = SimpleVectorStore()
    store.add([TextNode(id_=str(i), text="", embedding=v.tolist()) for i, v in enumerate(vectors)])
    p50, _, _ = timed_queries(
        lambda q: store.query(VectorStoreQuery(query_embedding=q.tolist(), similarity_top_k=10)), queries[:20])
    return p50


if __name__ == "__main__":
    main()
