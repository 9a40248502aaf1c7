"""Build the shipped sample index (`data/sample-index/`, see `index.sample_index`) from the sample files, or an
evaluation set's (`evals/indexes/`) from its papers: ingest them into a fresh folder, then stamp and copy it into
place. Building is ingest's job; installing the shipped copy is the index's (`index.sample_index.install`)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from index.embedding import describe
from index.faiss_store import SEGMENTS_DIR
from index.sample_index import CHECKOUT, SHIPPED, STAMP_FILE, cpu_name, expected_stamp, replace_in_paths
from ingest.pipeline import ingest
from settings import PROJECT_DIR, Settings


def build(settings: Settings, out: Path = SHIPPED, corpus: list[Path] | None = None) -> dict[str, object]:
    """Build the index of `corpus` (the sample files when None) into `out` (replacing it) and stamp it; the stamp."""
    from index.corpus import CorpusIndex

    out = Path(out)
    corpus = list(settings.paths.sample_corpus if corpus is None else corpus)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sample-index-", dir=out.parent) as tmp:
        folder = Path(tmp) / "index"
        index = CorpusIndex.open(folder, settings)
        report = ingest(index, [str(p) for p in corpus])
        if report.count("failed"):
            raise RuntimeError(f"the corpus did not build cleanly: {report.summary()}")
        stats = index.stats()
        stamp = {**expected_stamp(settings, corpus), "variant": describe(index.embed_model), "cpu": cpu_name(),
                 "documents": stats["documents"], "chunks": stats["chunks"]}
        shipped = Path(tmp) / "shipped"
        shutil.copytree(folder / SEGMENTS_DIR, shipped / SEGMENTS_DIR)
        db = sqlite3.connect(folder / "catalog.sqlite")
        try:  # the catalog as one file without free pages or a write-ahead log: smaller in git
            db.execute("VACUUM INTO ?", (str(shipped / "catalog.sqlite"),))
        finally:
            db.close()
        replace_in_paths(shipped / "catalog.sqlite", f"{PROJECT_DIR}/", CHECKOUT)
        (shipped / STAMP_FILE).write_text(json.dumps(stamp, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        os.replace(shipped, out)
    return stamp
