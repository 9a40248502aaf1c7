"""Retrieval figures for docs/measurements.md: every dataset x every mode, plus the stock llama-index baseline.

    python -m bench.retrieval [--dataset NAME ...] [--json]

Same code path as `python app.py eval retrieval`; prints a Markdown table with
index build time (0 when the cached index was reused) and query latency.
"""

from __future__ import annotations

import argparse
import json

from evals.datasets import DATASETS
from evals.retrieval import MODES, evaluate
from settings import load_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", choices=[d.name for d in DATASETS],
                        help="only this dataset (repeatable); all of them when left out")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings()
    reports = {d.name: evaluate(d.corpus, d.queries, d.qrels, settings, list(MODES), baseline=True)
               for d in DATASETS if not args.dataset or d.name in args.dataset}
    if args.json:
        print(json.dumps(reports, indent=2))
        return
    print("| dataset | mode | nDCG@10 | Recall@10 | Recall@100 | MRR@10 | queries | ms/query |")
    print("|---|---|---|---|---|---|---|---|")
    for name, report in reports.items():
        for r in report["results"]:
            print(f"| {name} | {r['mode']} | {r['nDCG@10']:.4f} | {r['Recall@10']:.4f} | {r['Recall@100']:.4f} "
                  f"| {r['MRR@10']:.4f} | {r['queries']} | {r['ms_per_query']:.1f} |")
    for name, report in reports.items():
        built = "cached" if report["index_reused"] else f"{report['index_seconds']} s"
        print(f"\n{name}: {report['documents']} documents, {report['chunks']} chunks, index build {built}", end="")
    print(f"\nfusion={settings.retrieval.fusion}, dense_weight={settings.retrieval.dense_weight}, "
          f"chunk_words={settings.ingest.chunk_words}")


if __name__ == "__main__":
    main()
