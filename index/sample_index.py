"""The sample corpus's index, built once and shipped in `data/sample-index/`, so a fresh clone's first run builds nothing.

The same holds for the evaluation sets' indexes the CI gates read (`evals/indexes/<name>/`, see `bench.topics`): each
function takes the corpus the shipped folder stands for, the sample corpus when none is given.

`python app.py` with no index copies it into place (`install`) when this checkout would build the same index: the same
sample files (their bytes), the same embedding model (its fingerprint), the same ingest settings and vector layout, the
same index format and the FAISS store. Anything else, and the index is built from the files as before; nothing is
downloaded. Building it took 34 s on Intel Xeon AMX (2 cores) and 259 s on an AVX2-only AMD EPYC; copying it, well
under a second (`python -m bench.sample --fresh-clone`).

Its vectors come from the embedding variant the building machine chose (`built-with.json` names it and the CPU). An
index is tied to its model, not to a variant: every variant the auto choice keeps stays within cosine 0.99 of
torch fp32 (`index.embedding.QUALITY_P5`), as with an index carried to another machine.

`python scripts/build_sample_index.py` rebuilds it (`ingest.sample_index.build`: building is ingest's job); `tests/index/test_sample_index.py` checks that it holds what a
fresh build holds (documents, chunks, vectors) and that the seed questions answer the same from both.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from index.catalog import FORMAT_VERSION
from index.embedding import model_fingerprint, model_source
from settings import PROJECT_DIR, Settings

SHIPPED = PROJECT_DIR / "data" / "sample-index"
STAMP_FILE = "built-with.json"
# Documents keep their file's absolute path (ingest recognises a file ingested again by it): shipped with this in
# place of the building checkout's folder, and written back with this checkout's at install.
CHECKOUT = "<checkout>/"
MATCHED = ("index_format", "store", "model", "corpus", "ingest", "vectors")  # what must equal this checkout's


def corpus_digest(paths: list[Path]) -> str:
    """The sample files' names and bytes, wherever the checkout lies."""
    h = hashlib.sha256()
    for root in map(Path, paths):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            h.update(f"{root.name}/{file.relative_to(root) if root.is_dir() else ''}\0".encode())
            h.update(hashlib.sha256(file.read_bytes()).digest())
    return h.hexdigest()[:16]


def expected_stamp(settings: Settings, corpus: list[Path] | None = None) -> dict[str, object]:
    """What a shipped index must have been built with to stand for a build of `corpus` (the sample corpus when None)
    with these settings."""
    retrieval = settings.retrieval
    return {
        "index_format": FORMAT_VERSION,
        "store": settings.store,
        "model": model_fingerprint(model_source(settings.embedding)),
        "corpus": corpus_digest(settings.paths.sample_corpus if corpus is None else corpus),
        "ingest": settings.ingest.model_dump(mode="json"),
        "vectors": {"vector_index": retrieval.vector_index, "ivf_threshold": retrieval.ivf_threshold,
                    "vector_precision": retrieval.vector_precision},
    }


def shipped_stamp(folder: Path = SHIPPED) -> dict[str, object] | None:
    try:
        return json.loads((folder / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return None


def mismatches(settings: Settings, folder: Path = SHIPPED, corpus: list[Path] | None = None) -> list[str]:
    """The stamp fields where the shipped index differs from what these settings would build (empty: it fits)."""
    shipped = shipped_stamp(folder)
    if shipped is None:
        return ["no shipped index"]
    wanted = expected_stamp(settings, corpus)
    return [key for key in MATCHED if shipped.get(key) != wanted[key]]


def install(settings: Settings, target: Path, folder: Path = SHIPPED,
            corpus: list[Path] | None = None) -> dict[str, object] | None:
    """Copy the shipped index of `corpus` to `target` (which holds no index) if it fits these settings; its stamp,
    or None.

    The copy is written beside `target` and renamed into place: an interrupted copy leaves no half index."""
    if settings.store != "faiss" or mismatches(settings, folder, corpus):
        return None
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.prebuilt-", dir=target.parent))
    try:
        shutil.copytree(folder, staging, ignore=shutil.ignore_patterns(STAMP_FILE), dirs_exist_ok=True)
        replace_in_paths(staging / "catalog.sqlite", CHECKOUT, f"{PROJECT_DIR}/")
        if target.exists():
            target.rmdir()  # the caller found no index there: an empty folder at most, else this fails and we build
        os.replace(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return None
    return shipped_stamp(folder)


def replace_in_paths(catalog: Path, old: str, new: str) -> None:
    """Swap the folder the documents' `path` metadata starts with (the catalog's JSON text of each document)."""
    quoted = lambda text: json.dumps(text)[1:-1]  # noqa: E731 (as the path stands inside the JSON)
    db = sqlite3.connect(catalog)
    try:
        with db:
            db.execute("UPDATE documents SET metadata = replace(metadata, ?, ?)",
                       (f'"path": "{quoted(old)}', f'"path": "{quoted(new)}'))
    finally:
        db.close()


def cpu_name() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    flags = set(next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), []))
    isa = "AMX" if "amx_int8" in flags else "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else ""
    return f"{name} ({isa}, {os.cpu_count()} cores)" if isa else f"{name} ({os.cpu_count()} cores)"
