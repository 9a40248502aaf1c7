"""A persistent embedding cache: the vector of a chunk text is computed once per model and dtype.

Embedding is ~90 % of ingest time. Rebuilding an index (a new folder, a
changed BM25 setting, an evaluation re-run) or ingesting the same papers into
a second index re-uses these vectors instead of recomputing them. Keys are
SHA-256 of (model, dtype, text), so a different model or precision never
reads another's vectors; values are the exact float32 vectors. One SQLite file
(WAL mode) serves every index on the machine; about 1.6 KB per chunk.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np


class EmbeddingCache:
    def __init__(self, path: Path, model_id: str) -> None:
        self.path = Path(path)
        self.model_id = model_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).digest()

    def get_many(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors of those texts that have one."""
        found: dict[str, np.ndarray] = {}
        keys = {self._key(t): t for t in texts}
        items = list(keys)
        for lo in range(0, len(items), 500):  # SQLite's bound-parameter limit
            part = items[lo : lo + 500]
            rows = self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
            for key, blob in rows:
                found[keys[key]] = np.frombuffer(blob, dtype="float32")
        return found

    def put_many(self, texts: list[str], vectors: np.ndarray) -> None:
        rows = [(self._key(t), np.asarray(v, dtype="float32").tobytes()) for t, v in zip(texts, vectors)]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
