"""Rebuild `data/sample-index/`: the sample corpus's index, shipped so a fresh clone's first run builds nothing.

Run it after changing the sample files, the embedding model, the chunking or the index format (the test
tests/index/test_sample_index.py says when), from a checkout holding only committed code:

    .venv/bin/python scripts/build_sample_index.py

It builds with your settings' model and the variant chosen for this CPU (named in `data/sample-index/built-with.json`).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index.sample_index import SHIPPED  # noqa: E402 (run from anywhere)
from ingest.sample_index import build  # noqa: E402
from settings import load_settings  # noqa: E402


def main() -> None:
    stamp = build(load_settings())
    size = sum(p.stat().st_size for p in SHIPPED.rglob("*") if p.is_file())
    print(f"{SHIPPED}: {stamp['documents']} documents, {stamp['chunks']} chunks, {size / 1e6:.1f} MB; built with "
          f"{stamp['variant']} on {stamp['cpu']}")


if __name__ == "__main__":
    main()
