"""Benchmark the spine on the bundled sample corpus: build time, ask latency, memory.

    python -m bench.sample [--repeat 3]

Builds the sample index in a temporary folder (so your own index is untouched),
then answers every question of the answer question set (evals/questions.jsonl, follow-ups as typed)
`--repeat` times in-process. Prints
figures; asserts nothing (tests assert quality floors, never times).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from bench.latency import percentile, search_and_ask_ms
from index.corpus import CorpusIndex
from index.embedding import describe, load_embedding_model
from settings import PROJECT_DIR, load_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        settings.paths.index_dir = Path(tmp) / "index"
        settings.paths.embed_cache = Path(tmp) / "embed-cache.sqlite"  # cold: every chunk is embedded
        t0 = time.perf_counter()
        model = load_embedding_model(settings.embedding)
        load_s = time.perf_counter() - t0
        index = CorpusIndex.open(settings.paths.index_dir, settings)
        report = index.ingest([str(p) for p in settings.paths.sample_corpus])
        t1 = time.perf_counter()
        reopened = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
        reload_s = time.perf_counter() - t1
        cases = [json.loads(x) for x in (PROJECT_DIR / "evals" / "questions.jsonl").read_text().splitlines() if x]
        questions = [q for c in cases for q in (c.get("turns") or [c["question"]])]
        search_ms, ask_ms = search_and_ask_ms(reopened, questions * args.repeat)
    stats = reopened.stats()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"sample corpus: {stats['documents']} documents, {stats['chunks']} chunks; embedding {describe(model)}")
    print(f"model load            {load_s:6.1f} s")
    print(f"ingest (read+embed+save) {report.seconds:6.1f} s   {report.chunks_embedded / report.seconds:6.1f} chunks/s")
    print(f"index reload          {reload_s * 1000:6.0f} ms")
    print(f"search  p50 {percentile(search_ms, 50):6.1f} ms   p95 {percentile(search_ms, 95):6.1f} ms   (hybrid, n={len(search_ms)})")
    print(f"ask     p50 {percentile(ask_ms, 50):6.1f} ms   p95 {percentile(ask_ms, 95):6.1f} ms   (extractive, n={len(ask_ms)})")
    first = ask_ms[: len(questions)]  # every paper's sentences met for the first time, none from an earlier pass
    print(f"  first pass p50 {percentile(first, 50):6.1f} ms   p95 {percentile(first, 95):6.1f} ms   (n={len(first)}, "
          "sentence vectors not yet cached)")
    print(f"peak RSS              {peak_mb:6.0f} MB")


if __name__ == "__main__":
    main()
