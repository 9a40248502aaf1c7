"""Files into an index: read, clean, chunk, embed, hand to the index's writer, commit at checkpoints.

`ingest(index, paths)` is what `CorpusIndex.ingest` runs. It is incremental (a
content hash per document: new documents are added, changed ones re-indexed,
unchanged ones skipped), never raises for a bad file (each file gets an
outcome), and commits every `ingest.checkpoint_chunks` chunks: a commit writes
only what was added since the last one (`index.segments`), so a crash loses
at most one checkpoint's work and a re-run completes the rest.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from llama_index.core import Document
from llama_index.core.schema import TextNode

from index.catalog import ChunkSpan, DocumentRecord
from index.embedding import describe, embed_texts
from ingest.chunking import chunk_document, embedding_text
from ingest.loaders import LoadResult, ReadLimits, load_paths

if TYPE_CHECKING:
    from index.corpus import CorpusIndex

# progress(phase, done, total): total is None while unknown.
ProgressFn = Callable[[str, int, "int | None"], None]
Pending = tuple[Document, list[TextNode], "IngestOutcome"]


def no_progress(phase: str, done: int, total: int | None) -> None:
    pass


@dataclass
class IngestOutcome:
    status: str  # added | updated | skipped | failed
    source: str
    doc_id: str = ""
    reason: str = ""
    kept: float | None = None  # share of the file's text that survived cleaning

    @property
    def kept_text(self) -> str:
        return "" if self.kept is None else f"kept {self.kept:.0%} of the text"


@dataclass
class IngestReport:
    outcomes: list[IngestOutcome] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0  # vectors not recomputed: unchanged chunks of updated documents, or the embedding cache
    seconds: float = 0.0
    embedder: str = ""  # which backend and precision embedded them ("openvino int8")

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "updated", "skipped", "failed")]
        reused = f" ({self.chunks_reused} vectors reused)" if self.chunks_reused else ""
        by = f" with {self.embedder}" if self.embedder and self.chunks_embedded else ""
        return f"{', '.join(parts)}; {self.chunks_embedded} chunks embedded{by}{reused} in {self.seconds:.1f}s"


def content_hash(doc: Document) -> str:
    payload = json.dumps([doc.text, doc.metadata.get("title", "")], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def ingest(index: CorpusIndex, paths: Iterable[str | Path], progress: ProgressFn = no_progress) -> IngestReport:
    """Add new, re-index changed, skip unchanged documents; commit every `ingest.checkpoint_chunks` chunks."""
    started = time.perf_counter()
    report = IngestReport()
    cfg = index.settings.ingest
    with index.writing():
        pending = _read(index, paths, report, progress)
        total_chunks = sum(len(chunks) for _, chunks, _ in pending)
        done = since_commit = 0
        batch: list[Pending] = []
        batch_chunks = 0
        progress("Embedding", 0, total_chunks)
        for i, item in enumerate(pending):
            pending[i] = None  # processed chunks can go (a million chunks are gigabytes of nodes)
            last = i == len(pending) - 1
            batch.append(item)
            batch_chunks += len(item[1])
            if batch_chunks >= cfg.embed_batch or last:
                n, reused = _embed_and_apply(index, batch)
                done += n
                since_commit += n
                report.chunks_embedded += n - reused
                report.chunks_reused += reused
                report.embedder = report.embedder or (describe(index.embed_model) if n > reused else "")
                progress("Embedding", done, total_chunks)
                batch, batch_chunks = [], 0
                if since_commit >= cfg.checkpoint_chunks and not last:
                    index.commit(progress)
                    since_commit = 0
        if pending:
            index.commit(progress)
    report.seconds = time.perf_counter() - started
    return report


def _read(index: CorpusIndex, paths: Iterable[str | Path], report: IngestReport, progress: ProgressFn) -> list[Pending]:
    """Load and chunk everything first (cheap), so embedding progress has a known total."""
    pending: list[Pending | None] = []
    seen: dict[str, int] = {}
    cfg = index.settings.ingest
    results = load_paths(list(paths), ReadLimits(
        cfg.max_file_mb, cfg.max_document_chars, cfg.max_parse_seconds, cfg.max_parse_memory_mb,
    ))
    for i, result in enumerate(results, 1):
        if i % 50 == 0:
            progress("Reading", i, None)
        outcome = _classify(index, result)
        report.outcomes.append(outcome)
        if outcome.status in ("added", "updated"):
            doc = result.document
            if doc.doc_id in seen:  # the same id twice in one batch: the later one wins
                earlier = pending[seen[doc.doc_id]][2]
                earlier.status, earlier.reason = "skipped", f"superseded by {outcome.source} (same id)"
                pending[seen[doc.doc_id]] = None
            seen[doc.doc_id] = len(pending)
            chunks = chunk_document(doc, cfg.chunk_words, cfg.chunk_overlap_sentences)
            pending.append((doc, chunks, outcome))
    return [p for p in pending if p is not None]


def _classify(index: CorpusIndex, result: LoadResult) -> IngestOutcome:
    if result.error:
        return IngestOutcome("failed", result.source, reason=result.error)
    if result.skipped:
        return IngestOutcome("skipped", result.source, reason=result.skipped)
    doc = result.document
    note = "; ".join(result.notes)
    _make_id_unique(index, doc)
    existing = index.content_hash(doc.doc_id)
    if existing is None:
        return IngestOutcome("added", result.source, doc.doc_id, note, result.kept)
    if existing == content_hash(doc):
        return IngestOutcome("skipped", result.source, doc.doc_id, "unchanged", result.kept)
    return IngestOutcome("updated", result.source, doc.doc_id, note or "content changed", result.kept)


def _make_id_unique(index: CorpusIndex, doc: Document) -> None:
    """Two different files called notes.txt must not overwrite each other; JSONL ids are authoritative."""
    if doc.metadata.get("format") == "jsonl":
        return
    existing = index.document(doc.doc_id)
    path = str(doc.metadata.get("path") or doc.metadata.get("source", ""))
    before = str(existing.metadata.get("path") or existing.source) if existing else ""
    if existing and before.split("#")[0] != path.split("#")[0]:
        suffix = hashlib.sha1(path.split("#")[0].encode()).hexdigest()[:8]
        doc.id_ = f"{doc.doc_id}-{suffix}"
        doc.metadata["doc_id"] = doc.id_


def _known_vectors(index: CorpusIndex, batch: list[Pending]) -> dict[str, np.ndarray]:
    """Stored vectors of the chunks of documents being updated, by embedded text: an edit re-embeds only what changed."""
    old_ids = [cid for doc, _, outcome in batch if outcome.status == "updated" for cid in index.chunk_ids_of(doc.doc_id)]
    if not old_ids:
        return {}
    old_nodes = index.chunks(old_ids)
    return dict(zip((embedding_text(n) for n in old_nodes), index.store_vectors([n.node_id for n in old_nodes])))


def _embed_and_apply(index: CorpusIndex, batch: list[Pending]) -> tuple[int, int]:
    """Embed a batch of documents and hand it to the index; (chunks stored, of which not embedded: old version or cache)."""
    nodes = [n for _, chunks, _ in batch for n in chunks]
    texts = [embedding_text(n) for n in nodes]
    known = _known_vectors(index, batch)
    cache = index.embed_cache
    if cache is not None and nodes:
        known.update(cache.get_many([t for t in texts if t not in known]))
    fresh = [i for i, t in enumerate(texts) if t not in known]
    vectors = embed_texts(index.embed_model, [texts[i] for i in fresh]) if fresh else None
    if cache is not None and fresh:
        cache.put_many([texts[i] for i in fresh], vectors)
    for i, vec in zip(fresh, vectors if vectors is not None else []):
        nodes[i].embedding = vec.tolist()
    for i, text in enumerate(texts):
        if text in known:
            nodes[i].embedding = known[text].tolist()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    records = []
    for doc, chunks, _ in batch:
        meta = {k: v for k, v in doc.metadata.items() if k not in ("doc_id", "title", "source")}
        record = DocumentRecord(doc.doc_id, str(doc.metadata.get("title", "")), str(doc.metadata.get("source", "")),
                                doc.text, content_hash(doc), stamp, [c.node_id for c in chunks], meta)
        spans = [ChunkSpan(c.start_char_idx, c.end_char_idx, str(c.metadata.get("section", "")), c.metadata.get("page"))
                 for c in chunks]
        records.append((record, spans))
    index.apply(records, nodes)
    for node in nodes:  # the vector now lives in the store; 384 Python floats per chunk would pile up
        node.embedding = None
    return len(nodes), len(nodes) - len(fresh)
