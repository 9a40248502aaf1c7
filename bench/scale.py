"""Vector search at 10k, 100k and 1M chunks: exact vs IVF, against the stock llama-index vector store.

    python -m bench.scale [--sizes 10000 100000 1000000] [--queries 100]

Vectors: the real MiniLM vectors of the sample index's chunks, each copied
with Gaussian noise (cosine ~0.9 to its source) up to the size, so the set has
the cluster structure of real embeddings; queries are real embedded SciFact
claims. For each size: build time, bytes per vector on disk, search p50/p95
for one query, recall@10 of IVF against exact, and the stock llama-index
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

    print("| chunks | index | build s | bytes/vector on disk | search p50 ms | p95 ms | recall@10 vs exact | stock llama-index p50 ms (ratio) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        vectors = synthetic(base, n)
        ids = np.arange(n, dtype="int64")
        t = time.perf_counter()
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
        flat.add_with_ids(vectors, ids)
        flat_build = time.perf_counter() - t
        t = time.perf_counter()
        nlist = max(1, min(int(2 * n ** 0.5), n // 39))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(vectors[np.random.default_rng(0).permutation(n)[: nlist * 64]])
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.add_with_ids(vectors, ids)
        ivf.nprobe = nprobe
        ivf_build = time.perf_counter() - t

        faiss.omp_set_num_threads(1)  # one query at a time, as a user asks
        f50, f95, exact = timed_queries(lambda q, index=flat: index.search(q[None, :], 10)[1][0], queries)
        i50, i95, approx = timed_queries(lambda q, index=ivf: index.search(q[None, :], 10)[1][0], queries)
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)]))
        stock = stock_p50(vectors, queries) if n <= STOCK_LIMIT else None
        with tempfile.TemporaryDirectory() as tmp:
            sizes = {}
            for name, idx in (("flat", flat), ("ivf", ivf)):
                faiss.write_index(idx, str(Path(tmp) / name))
                sizes[name] = (Path(tmp) / name).stat().st_size / n
        ratio = f"{stock:.1f} ({stock / f50:.0f}x exact, {stock / i50:.0f}x IVF)" if stock else "not run (memory)"
        print(f"| {n:,} | exact (flat) | {flat_build:.1f} | {sizes['flat']:.0f} | {f50:.2f} | {f95:.2f} | 1.000 | {ratio} |")
        print(f"| {n:,} | IVF {nlist} lists, nprobe {nprobe} | {ivf_build:.1f} | {sizes['ivf']:.0f} | {i50:.2f} | {i95:.2f} "
              f"| {recall:.3f} | |", flush=True)


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
