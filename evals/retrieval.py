"""Retrieval evaluation on any BEIR-format dataset.

    python app.py eval retrieval --corpus C.jsonl --queries Q.jsonl --qrels R.tsv [--mode hybrid|dense|bm25|all] [--json]

Builds an index of the corpus (or reuses one cached under `var/eval-cache/`,
keyed by the corpus bytes and every setting that shapes the index), runs every
query at document level, and reports nDCG@10, Recall@10, Recall@100, MRR@10,
the number of queries, and index/query time. With `--mode all` (the default) it
also runs a baseline: stock llama-index (`VectorStoreIndex` default retriever,
same chunks, same vectors), chunk hits mapped to their documents.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import UserError
from evals.metrics import evaluate_run
from index.corpus import FORMAT_VERSION, CorpusIndex
from index.embedding import embed_queries, model_identity
from index.pg_store import database_url
from ingest.pipeline import ingest
from settings import PROJECT_DIR, Settings

MODES = ("hybrid", "dense", "bm25")
DEPTH = 100


@dataclass
class ModeResult:
    mode: str
    metrics: dict[str, float]
    query_seconds: float
    run: dict[str, list[str]] | None = None  # query id -> ranked document ids, to score a subset again

    def row(self) -> dict[str, object]:
        return {"mode": self.mode, **{k: round(v, 4) if isinstance(v, float) else v for k, v in self.metrics.items()},
                "ms_per_query": round(1000 * self.query_seconds / max(1, self.metrics["queries"]), 2)}


def load_queries(path: Path) -> dict[str, str]:
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return {str(r["_id"]): str(r["text"]) for r in rows}
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"cannot read queries {path}: need JSONL with _id and text ({exc})") from None


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    try:
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.reader(f, delimiter="\t"):
                if not row or row[0] == "query-id":
                    continue
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    except (OSError, ValueError, IndexError) as exc:
        raise UserError(f"cannot read qrels {path}: need TSV query-id, corpus-id, score ({exc})") from None
    return qrels


def index_key(corpus: list[Path], settings: Settings) -> str:
    """Same corpus bytes, index-shaping settings and store -> same cached index."""
    h = hashlib.sha256()
    for path in corpus:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(f.name.encode())
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    shape = [settings.ingest.chunk_words, settings.ingest.chunk_overlap_sentences,
             model_identity(settings.embedding, settings.paths.model_cache), FORMAT_VERSION,
             settings.retrieval.vector_precision, settings.retrieval.vector_index]
    if settings.store == "pgvector":  # the rows live in that database: another database, another index
        shape += [settings.store, database_url(settings)]
    h.update(json.dumps(shape).encode())
    return h.hexdigest()[:16]


def open_eval_index(corpus: list[Path], settings: Settings, progress=None) -> tuple[CorpusIndex, float]:
    """A cached index of `corpus` and the seconds spent building it (0.0 when reused)."""
    for path in corpus:
        if not path.exists():
            raise UserError(f"corpus {path} does not exist")
    folder = PROJECT_DIR / "var" / "eval-cache" / index_key(corpus, settings)
    index = CorpusIndex.open(folder, settings)
    if len(index):
        return index, 0.0
    started = time.perf_counter()
    report = ingest(index, [str(p) for p in corpus], **({"progress": progress} if progress else {}))
    if not len(index):
        raise UserError(f"nothing could be ingested from {', '.join(map(str, corpus))}: {report.summary()}")
    return index, time.perf_counter() - started


def run_mode(index: CorpusIndex, queries: dict[str, str], qrels: dict[str, dict[str, int]], mode: str,
             vectors: dict[str, np.ndarray] | None = None) -> ModeResult:
    """One mode over the queries; with `vectors` (query id -> its vector, embedded beforehand) none is embedded
    here, and ms/query is the retrieval's alone."""
    retriever = index.retriever()
    vectors = vectors or {}
    started = time.perf_counter()
    run = {qid: [d for d, _ in retriever.search_documents(queries[qid], DEPTH, mode, vectors.get(qid))]
           for qid in qrels if qid in queries}
    return ModeResult(mode, evaluate_run(run, qrels), time.perf_counter() - started, run)


def run_llamaindex_baseline(index: CorpusIndex, queries: dict[str, str], qrels: dict[str, dict[str, int]],
                            query_vectors: dict[str, np.ndarray] | None = None) -> ModeResult:
    """Stock llama-index: VectorStoreIndex (SimpleVectorStore) over the same chunks and vectors (and, when given,
    the same query vectors, handed over in its QueryBundle)."""
    from llama_index.core import QueryBundle, VectorStoreIndex

    stored = index.chunks([c for d in index.documents() for c in d.chunk_ids])
    vectors = index.store_vectors([n.node_id for n in stored])
    nodes = [n.model_copy(update={"embedding": v.tolist()}) for n, v in zip(stored, vectors)]  # copies: the store stays as it is
    stock = VectorStoreIndex(nodes, embed_model=index.embed_model, show_progress=False)
    retriever = stock.as_retriever(similarity_top_k=3 * DEPTH)
    started = time.perf_counter()
    run = {}
    for qid in qrels:
        if qid in queries:
            asked = QueryBundle(queries[qid], embedding=query_vectors[qid].tolist()) if query_vectors else queries[qid]
            docs = dict.fromkeys(str(h.node.metadata["doc_id"]) for h in retriever.retrieve(asked))
            run[qid] = list(docs)[:DEPTH]
    return ModeResult("llama-index default", evaluate_run(run, qrels), time.perf_counter() - started, run)


def baseline_subset(qrels: dict[str, dict[str, int]], limit: int | None) -> dict[str, dict[str, int]]:
    """The first `limit` queries (by id) for the stock baseline: its dense ranking is ours exactly (0.6730 on
    all 809 SciFact claims), so CI compares on a fixed share and saves two minutes; None keeps them all."""
    if limit is None or limit >= len(qrels):
        return qrels
    return {q: qrels[q] for q in sorted(qrels)[:limit]}


def evaluate(corpus: list[Path], queries_path: Path, qrels_path: Path, settings: Settings, modes: list[str],
             baseline: bool, progress=None, baseline_queries: int | None = None,
             query_limit: int | None = None, batch_queries: bool = False) -> dict[str, object]:
    """Every mode on every query (or the first `query_limit` by id); the stock baseline on all of them or on the
    first `baseline_queries`, and then each mode again on those same queries (rows "MODE (baseline's N)").

    `batch_queries` embeds every query once, in batches, before the modes run (the CI gates: else each is embedded
    one at a time by each mode and by the baseline); ms/query then leaves the query's embedding out, for every
    mode alike, and the report says so (`queries_embedded_first`)."""
    queries, qrels = load_queries(queries_path), load_qrels(qrels_path)
    qrels = baseline_subset({q: r for q, r in qrels.items() if q in queries}, query_limit)
    if not qrels:
        raise UserError("no query in the queries file has qrels; check that the ids match")
    index, build_seconds = open_eval_index(corpus, settings, progress)
    vectors = None
    if batch_queries:
        ids = [q for q in qrels if q in queries]
        vectors = dict(zip(ids, embed_queries(index.embed_model, [queries[q] for q in ids])))
    results = [run_mode(index, queries, qrels, mode, vectors) for mode in modes]
    if baseline:
        subset = baseline_subset(qrels, baseline_queries)
        results.append(run_llamaindex_baseline(index, queries, subset, vectors))
        if subset is not qrels:
            results += [ModeResult(f"{r.mode} (baseline's {len(subset)})",
                                   evaluate_run({q: r.run[q] for q in subset if q in r.run}, subset), 0.0)
                        for r in results[:len(modes)]]
    stats = index.stats()
    return {
        "corpus": [str(p) for p in corpus], "documents": stats["documents"], "chunks": stats["chunks"],
        "index_seconds": round(build_seconds, 1), "index_reused": build_seconds == 0.0,
        "fusion": settings.retrieval.fusion, "queries_embedded_first": batch_queries,
        "results": [r.row() for r in results],
    }


def format_table(report: dict[str, object]) -> str:
    head = f"{'mode':<26}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'MRR@10':>8}{'queries':>9}{'ms/q':>8}"
    lines = [head, "-" * len(head)]
    for r in report["results"]:
        lines.append(f"{r['mode']:<26}{r['nDCG@10']:>9.4f}{r['Recall@10']:>8.4f}{r['Recall@100']:>8.4f}"
                     f"{r['MRR@10']:>8.4f}{r['queries']:>9}{r['ms_per_query']:>8.1f}")
    built = "reused from cache" if report["index_reused"] else f"built in {report['index_seconds']}s"
    lines.append(f"index: {report['documents']} documents, {report['chunks']} chunks, {built}; fusion={report['fusion']}"
                 + ("; queries embedded beforehand, in batches (not in ms/q)" if report.get("queries_embedded_first")
                    else ""))
    return "\n".join(lines)
