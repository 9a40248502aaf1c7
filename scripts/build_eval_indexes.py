"""Rebuild the evaluation sets' shipped indexes (`evals/indexes/<name>/`, see `bench.topics.SHIPPED_SETS`).

The CI gates answer the malaria and short-PubMed question sets on these instead of embedding the papers again on
every run. Run it after changing those papers, the embedding model, the chunking or the index format (the test
tests/evals/test_eval_indexes.py says when), from a checkout holding only committed code:

    .venv/bin/python scripts/build_eval_indexes.py [NAME ...]

Each is built with your settings' model and the variant chosen for this CPU (named in its `built-with.json`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.topics import SHIPPED_INDEXES, SHIPPED_SETS, corpus_of  # noqa: E402 (run from anywhere)
from ingest.sample_index import build  # noqa: E402
from settings import load_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(SHIPPED_SETS)} (default: all)")
    names = parser.parse_args().names or list(SHIPPED_SETS)
    if unknown := [n for n in names if n not in SHIPPED_SETS]:
        parser.error(f"no shipped index is named {', '.join(unknown)}; the names are {', '.join(SHIPPED_SETS)}")
    settings = load_settings()
    for name in names:
        out = SHIPPED_INDEXES / name
        stamp = build(settings, out, [Path(p) for p in corpus_of(SHIPPED_SETS[name], settings)])
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"{out}: {stamp['documents']} documents, {stamp['chunks']} chunks, {size / 1e6:.1f} MB; built with "
              f"{stamp['variant']} on {stamp['cpu']}", flush=True)


if __name__ == "__main__":
    main()
