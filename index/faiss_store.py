"""Chunk vectors (FAISS) and BM25 for chunks and documents, in immutable segments listed by the catalog.

A commit writes what was added since the last one as one new chunk segment
and one new document segment (`index.segments`); the catalog's transaction
then lists them. Deletes are dead rows in the catalog. After a commit, the
newest segments are merged while the binary-counter rule asks for it. The
store holds no text and no nodes: searches return ids, which the catalog maps
to chunks. Opening reads the catalog's segment list and memory-maps the files;
each file's size is checked, and files up to `HASH_AT_OPEN_BYTES` are hashed
(a larger file's content is trusted to the file system: hashing gigabytes at
every open was 4 s at a million chunks).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.schema import TextNode

from index.catalog import Catalog
from index.chunks import embedding_text
from index.segments import Rows, Segment, SegmentSet, VectorLayout, merge_segments, text_terms, write_segment
from settings import RetrievalSettings
from text.tokens import tokenize

SEGMENTS_DIR = "segments"
HASH_AT_OPEN_BYTES = 16 << 20
KINDS = ("chunks", "documents")


class SegmentDamagedError(ValueError):
    """A segment file is missing, truncated or changed (the message names it)."""


class SegmentKeywords:
    """BM25 over one kind of segment, speaking ids (`index.store.KeywordIndex`)."""

    def __init__(self, store: FaissChunkStore, kind: str) -> None:
        self._store, self._kind = store, kind

    def _set(self) -> SegmentSet:
        return self._store.sets[self._kind]

    def __len__(self) -> int:
        return len(self._set())

    def retrieve(self, query: str, k: int) -> list[tuple[str, float]]:
        top = self._set().bm25_top(tokenize(query), k)
        names = self._store.ids_of(self._kind, [r for r, _ in top])
        return [(names[r], s) for r, s in top if r in names]

    def scores(self, query: str, ids: list[str]) -> dict[str, float]:
        rows = self._store.rows_of(self._kind, ids)
        known = [(i, r) for i, r in zip(ids, rows) if r is not None]
        out = {i: 0.0 for i in ids}
        scores = self._set().bm25_scores(tokenize(query), [r for _, r in known])
        out.update(zip([i for i, _ in known], scores))
        return out

    def idf(self, tokens: list[str]) -> dict[str, float]:
        return self._set().idf(tokens)


class FaissChunkStore:
    """`index.store.ChunkStore` over segment folders in `DIR/segments`."""

    def __init__(self, folder: Path, catalog: Catalog, settings: RetrievalSettings, dim: int | None = None) -> None:
        self.folder, self.catalog, self.settings = Path(folder) / SEGMENTS_DIR, catalog, settings
        self._dim = dim
        self._open: dict[str, Segment] = {}
        self.sets: dict[str, SegmentSet] = {k: SegmentSet([]) for k in KINDS}
        self._pending_chunks: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # chunk id -> (vector, terms)
        self._pending_docs: dict[str, np.ndarray] = {}  # doc id -> terms
        self.chunk_terms, self.doc_terms = SegmentKeywords(self, "chunks"), SegmentKeywords(self, "documents")
        self._known_rows: dict[str, dict[str, int]] = {k: {} for k in KINDS}  # id -> row, as of the loaded commit

    @property
    def dim(self) -> int:
        return self._dim or 0

    @property
    def kind(self) -> str:
        return "ivf" if any(s.kind == "ivf" for s in self.sets["chunks"].segments) else "flat"

    def __len__(self) -> int:
        return len(self.sets["chunks"])

    def close(self) -> None:
        self._open.clear()

    def end_writing(self, progress: Any = None) -> None:
        """Nothing is put off: segments are complete when committed."""

    # --- writing ---------------------------------------------------------------------------
    def put(self, nodes: list[TextNode], documents: list[tuple[str, str]]) -> None:
        for node in nodes:
            vector = np.asarray(node.get_embedding(), dtype=np.float32)
            if self._dim is None:
                self._dim = len(vector)
            if len(vector) != self._dim:
                raise ValueError(f"embedding dimension {len(vector)} does not match the index ({self._dim})")
            self._pending_chunks[node.node_id] = (vector, text_terms(embedding_text(node)))
        for doc_id, text in documents:
            self._pending_docs[doc_id] = text_terms(text)

    def remove(self, chunk_ids: list[str], doc_ids: list[str]) -> None:
        """Forget pending rows; committed rows become dead through the catalog (`Catalog.remove_document`)."""
        for cid in chunk_ids:
            self._pending_chunks.pop(cid, None)
        for doc_id in doc_ids:
            self._pending_docs.pop(doc_id, None)

    def commit(self, catalog: Catalog) -> None:
        """Write the pending rows as new segments and list them (inside the catalog's transaction).

        Folders no commit lists go first: a commit killed before its first one ever listed leaves a folder under
        the very name this one is about to write (the counter naming them was not committed either)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sweep(catalog)
        chunks = {c: v for c, v in self._pending_chunks.items() if v is not None}
        for kind, pending in (("chunks", chunks), ("documents", self._pending_docs)):
            if not pending:
                continue
            ids = list(pending)
            rows = np.asarray(catalog.new_rows(kind, ids), dtype=np.int64)
            order = np.argsort(rows)
            names = [ids[i] for i in order]
            if kind == "chunks":
                data = Rows(rows[order], [pending[ids[i]][1] for i in order],
                            np.vstack([pending[ids[i]][0] for i in order]), names)
            else:
                data = Rows(rows[order], [pending[ids[i]] for i in order], names=names)
            name = f"{kind}-{catalog.next_number('segments_written'):08d}"
            files = write_segment(self.folder / name, data, self._layout())
            catalog.add_segment(name, kind, files)
        self._pending_chunks.clear()
        self._pending_docs.clear()

    def _layout(self) -> VectorLayout:
        """How new segments store vectors: IVF lists from `ivf_threshold` rows (never for flat, always for ivf)."""
        mode = self.settings.vector_index
        threshold = None if mode == "flat" else 0 if mode == "ivf" else self.settings.ivf_threshold
        return VectorLayout(threshold, self.settings.ivf_nprobe, self.settings.vector_precision == "fp16")

    def maintain(self, catalog: Catalog, after_crash: bool = False) -> None:
        self.merge(catalog)

    def merge(self, catalog: Catalog) -> int:
        """Merge the newest segments while one is at least as large as the one before it; segments merged."""
        merged = 0
        for kind in KINDS:
            while True:
                segments = [self._open[n] for n, k, _ in catalog.segments() if k == kind]
                if len(segments) < 2 or segments[-1].live < segments[-2].live:
                    break
                pair = segments[-2:]
                name = f"{kind}-{catalog.next_number('segments_written'):08d}"
                files = merge_segments(self.folder / name, pair, self._layout(), self._catalog_names(catalog, kind))
                with catalog.transaction():
                    catalog.remove_segments([s.name for s in pair])
                    catalog.add_segment(name, kind, files)
                    catalog.forget_dead(kind, pair[0].lo, pair[1].hi)
                self.reload(catalog)
                merged += 2
        self.sweep(catalog)
        return merged

    @staticmethod
    def _catalog_names(catalog: Catalog, kind: str):
        """Names for the rows of a segment written before segments stored them: the catalog's."""
        def names_of(rows: np.ndarray) -> list[str]:
            found = catalog.ids_of(kind, rows.tolist())
            missing = [r for r in rows.tolist() if r not in found]
            if missing:
                raise KeyError(f"live {kind} rows the catalog does not list: {missing[:3]}")
            return [found[r] for r in rows.tolist()]
        return names_of

    def sweep(self, catalog: Catalog) -> None:
        """Delete segment folders the catalog does not list: merged away, or written by a commit that crashed."""
        if not self.folder.is_dir():
            return
        listed = {n for n, _, _ in catalog.segments()}
        for entry in self.folder.iterdir():
            if entry.name not in listed:
                shutil.rmtree(entry, ignore_errors=True)
                self._open.pop(entry.name, None)

    # --- reading ---------------------------------------------------------------------------
    def reload(self, catalog: Catalog) -> None:
        with catalog.snapshot():
            listed = catalog.segments()
            dead = {k: catalog.dead(k) for k in KINDS}
            dim = catalog.meta().get("embedding_dim")
        self._dim = self._dim or (int(dim) if dim else None)
        opened: dict[str, Segment] = {}
        for name, kind, files in listed:
            segment = self._open.get(name)
            if segment is None:
                _check_files(self.folder / name, files)
                segment = Segment(self.folder / name, name, self.settings.ivf_nprobe)
            segment.mark_dead(dead[kind])
            opened[name] = segment
        self._open = opened
        self._known_rows = {k: {} for k in KINDS}  # a replaced chunk keeps its id and gets a new row
        self.sets = {k: SegmentSet([opened[n] for n, kind, _ in listed if kind == k]) for k in KINDS}

    def ids_of(self, kind: str, rows: list[int]) -> dict[int, str]:
        """The ids of these live rows, read from their segments (the catalog's, for segments written before
        segments stored them); remembered until the next commit: a hybrid search turns the ids its two
        retrievers found back into rows for the other side's exact scores (`rows_of`), and at a million chunks
        those catalog round trips were a fifth of a search."""
        names, unnamed = self.sets[kind].names_of(rows)
        if unnamed:
            names.update(self.catalog.ids_of(kind, unnamed))
        known = self._known_rows[kind]
        if len(known) > 200_000:
            known.clear()
        known.update((name, row) for row, name in names.items())
        return names

    def rows_of(self, kind: str, ids: list[str]) -> list[int | None]:
        known = self._known_rows[kind]
        ask = [i for i in ids if i not in known]
        asked = dict(zip(ask, self.catalog.rows_of(kind, ask))) if ask else {}
        return [known[i] if i in known else asked[i] for i in ids]

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        hits = self.sets["chunks"].nearest(np.asarray(vector, dtype=np.float32), k)
        names = self.ids_of("chunks", [r for r, _ in hits])
        return [(names[r], s) for r, s in hits if r in names]

    def vectors(self, chunk_ids: list[str]) -> np.ndarray:
        rows = [r if r is not None else -1 for r in self.rows_of("chunks", chunk_ids)]
        return self.sets["chunks"].vectors(rows, self.dim)

    def similarities(self, chunk_ids: list[str], vector: np.ndarray) -> np.ndarray:
        return self.vectors(chunk_ids) @ np.asarray(vector, dtype=np.float32)


def _check_files(folder: Path, files: dict[str, list]) -> None:
    if not folder.is_dir():
        raise SegmentDamagedError(f"the segment folder {folder.name} is missing")
    for name, (size, digest) in files.items():
        path = folder / name
        label = f"{folder.name}/{name}"
        if not path.is_file():
            raise SegmentDamagedError(f"{label} is missing")
        if path.stat().st_size != size:
            raise SegmentDamagedError(f"{label} has {path.stat().st_size:,} bytes, {size:,} were saved")
        if size <= HASH_AT_OPEN_BYTES:
            with open(path, "rb") as f:
                if hashlib.file_digest(f, "sha256").hexdigest() != digest:
                    raise SegmentDamagedError(f"{label} was changed or corrupted since it was saved")
