"""Ingest and query speed on SciFact (5,183 abstracts): ours against the stock llama-index pipeline.

    python -m bench.ingest [--sample 2000] [--queries 200]

1. Embedding throughput on `--sample` real SciFact chunks, in one process:
   stock (llama-index `HuggingFaceEmbedding`, fp32, its default batches of 10),
   then every backend × precision the app runs, the auto choice marked. Cosine
   of each to the fp32 vectors is printed too, and a PyTorch profile of torch bf16.
2. The whole SciFact corpus from the JSONL file to a queryable hybrid index
   (read, clean, chunk, embed, FAISS + both BM25 indexes, save) with a cold
   embedding cache, then the same into a new folder with the cache warm.
3. `search` and extractive `ask` latency p50/p95 on that index, over SciFact claims.

Prints figures; asserts nothing. Runs in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SCIFACT = Path(__file__).resolve().parent.parent / "evals" / "scifact"


def _rate(fn, texts: list[str]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(texts)
    return len(texts) / (time.perf_counter() - t0), out


def embedding_throughput(texts: list[str]) -> list[tuple[str, float, float]]:
    """(variant, passages/s, mean cosine to stock fp32): stock llama-index first, then every variant the app runs
    (`index.embedding`: length-sorted over the whole list, batches of `embedding.batch_size`), auto's choice marked."""
    import numpy as np
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from index.embedding import VARIANTS, Variant, _unit, default_model_path, load_embedding_model, resolve_variant
    from settings import EmbeddingSettings, load_settings

    torch.set_num_threads(os.cpu_count() or 1)
    stock = HuggingFaceEmbedding(model_name=str(default_model_path()), device="cpu")  # fp32, embed_batch_size=10
    stock.get_text_embedding_batch(texts[:16])
    rate, ref = _rate(lambda t: _unit(np.asarray(stock.get_text_embedding_batch(t), dtype="float32")), texts)
    rows = [("stock llama-index (fp32, batches of 10)", rate, 1.0)]
    chosen = resolve_variant(load_settings().embedding)
    for backend, precision in VARIANTS:
        variant = Variant(backend, precision)
        model = load_embedding_model(EmbeddingSettings(backend=backend, precision=precision))
        model.encode(texts[:16])
        rate, vecs = _rate(model.encode, texts)
        rows.append((f"{variant}{' (auto choice)' if variant == chosen else ''}", rate, float(np.mean(np.sum(vecs * ref, axis=1)))))
    return rows


def embedding_profile(texts: list[str]) -> list[tuple[str, float]]:
    """Where torch bf16 embedding time goes, by PyTorch operator: (operator, share of CPU time), largest first."""
    from torch.profiler import ProfilerActivity, profile

    from index.embedding import load_embedding_model
    from settings import EmbeddingSettings

    model = load_embedding_model(EmbeddingSettings(backend="torch", precision="bfloat16"))
    model.encode(texts[:32])  # warm-up
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        model.encode(texts)
    ops = [(e.key, e.self_cpu_time_total) for e in prof.key_averages()]
    total = sum(t for _, t in ops)
    return [(name, t / total) for name, t in sorted(ops, key=lambda x: -x[1]) if t / total >= 0.01]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=2000, help="chunks for the embedding comparison")
    parser.add_argument("--queries", type=int, default=200, help="SciFact claims for the latency figures")
    args = parser.parse_args(argv)

    from bench.latency import percentile, search_and_ask_ms
    from index.corpus import CorpusIndex
    from ingest.chunking import chunk_document, embedding_text
    from ingest.loaders import load_paths
    from ingest.pipeline import ingest
    from settings import load_settings

    settings = load_settings()
    texts: list[str] = []
    for result in load_paths([SCIFACT / "corpus.jsonl"]):
        if result.document is not None:
            texts += [embedding_text(n) for n in chunk_document(result.document, settings.ingest.chunk_words,
                                                     settings.ingest.chunk_overlap_sentences)]
        if len(texts) >= args.sample:
            break
    texts = texts[: args.sample]
    print(f"1. Embedding {len(texts)} SciFact chunks (passages/s, mean cosine to stock fp32):")
    steps = embedding_throughput(texts)
    for name, rate, cos in steps:
        print(f"   {name:<58} {rate:7.1f}/s  x{rate / steps[0][1]:4.1f}  cos {cos:.4f}")
    shares = embedding_profile(texts[:480])
    print("   where torch bf16 embedding time goes (PyTorch profiler, 480 chunks): "
          + ", ".join(f"{name.removeprefix('aten::')} {share:.0%}" for name, share in shares))

    with tempfile.TemporaryDirectory() as tmp:
        settings.paths.index_dir = Path(tmp) / "index"
        settings.paths.embed_cache = Path(tmp) / "embed-cache.sqlite"  # cold: every chunk is embedded
        index = CorpusIndex.open(settings.paths.index_dir, settings)
        _ = index.embed_model
        phases: dict[str, list[float]] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            phases.setdefault(phase, [time.perf_counter()]).append(time.perf_counter())

        t0 = time.perf_counter()
        report = ingest(index, [SCIFACT / "corpus.jsonl"], progress=progress)
        seconds = time.perf_counter() - t0
        chunks = index.stats()["chunks"]
        from index.embedding import describe

        stock_seconds = chunks / steps[0][1]
        print(f"2. SciFact corpus -> queryable hybrid index with {describe(index.embed_model)}: {report.count('added')} "
              f"documents, {chunks} chunks in {seconds:.1f} s ({chunks / seconds:.0f} chunks/s, "
              f"{report.count('added') / seconds:.0f} documents/s); stock llama-index fp32 would spend {stock_seconds:.0f} s "
              f"on the embedding alone (its rate above × chunks): {stock_seconds / seconds:.1f}× ours")

        spans, last = [], t0
        for phase, stamps in phases.items():
            spans.append(f"{phase.lower()} {stamps[-1] - last:.1f} s")
            last = stamps[-1]
        spans[-1] += " (both BM25 indexes, the vector index, the files)"
        print(f"   where the time goes: {', '.join(spans)}")
        settings.paths.index_dir = Path(tmp) / "rebuilt"
        t = time.perf_counter()
        rebuilt = ingest(CorpusIndex.open(settings.paths.index_dir, settings), [SCIFACT / "corpus.jsonl"])
        print(f"   rebuilt into a new folder with the embedding cache warm: {time.perf_counter() - t:.1f} s "
              f"({rebuilt.chunks_embedded} chunks embedded, {rebuilt.chunks_reused} vectors from the cache)")
        claims = [json.loads(line)["text"] for line in (SCIFACT / "queries_train.jsonl").read_text().splitlines()]
        claims = claims[: args.queries]
        search_ms, ask_ms = search_and_ask_ms(index, claims)

        print(f"3. On that index, {len(claims)} claims: search p50 {statistics.median(search_ms):.1f} ms, "
              f"p95 {percentile(search_ms, 95):.1f} ms; ask p50 {statistics.median(ask_ms):.0f} ms, p95 {percentile(ask_ms, 95):.0f} ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")


if __name__ == "__main__":
    main()
