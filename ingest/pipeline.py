"""Files into an index: read, clean, chunk, embed, hand to the index's writer, commit at checkpoints.

`ingest(index, paths)` is what `CorpusIndex.ingest` runs. It is incremental (a
content hash per document: new documents are added, changed ones re-indexed,
unchanged ones skipped; a second copy of a paper already held, matched by DOI, PMID or
title, is merged into that paper's document: `ingest.identity`), never raises for a bad file (each file gets an
outcome), and commits every `ingest.checkpoint_chunks` chunks: a commit writes
only what was added since the last one (`index.segments`), so a crash loses
at most one checkpoint's work and a re-run completes the rest.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from llama_index.core import Document
from llama_index.core.schema import TextNode

from errors import IndexWriteError
from index.catalog import ChunkSpan, DocumentRecord
from index.embedding import describe, embed_texts
from ingest.chunking import chunk_document, chunk_id, chunk_node, embedding_text
from ingest.identity import SamePaper, merge_paper
from ingest.library import BIBLIOGRAPHIC
from ingest.loaders import LoadResult, ReadLimits, load_paths
from text.participants import participant_model
from text.study import study_card
from text.study_design import design_model

if TYPE_CHECKING:
    from index.corpus import CorpusIndex

# progress(phase, done, total): total is None while unknown.
ProgressFn = Callable[[str, int, "int | None"], None]


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
    """Text and title; and a reference manager's metadata when it has some, so a corrected export updates it."""
    curated = [{k: doc.metadata.get(k) for k in BIBLIOGRAPHIC}] if doc.metadata.get("metadata_from") else []
    payload = json.dumps([doc.text, doc.metadata.get("title", ""), *curated], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def ingest(index: CorpusIndex, paths: Iterable[str | Path], progress: ProgressFn = no_progress) -> IngestReport:
    """Add new, re-index changed, skip unchanged documents; commit every `ingest.checkpoint_chunks` chunks."""
    started = time.perf_counter()
    report = IngestReport()
    cfg = index.settings.ingest
    with index.writing(progress), _spill_file(index.folder) as spill:
        total_chunks, latest = _read(index, paths, report, progress, spill)
        done = since_commit = 0
        batch: list[Pending] = []
        batch_chunks = 0
        progress("Embedding", 0, total_chunks)
        for position, item in enumerate(_pending(spill)):
            if latest[item.doc_id][0] != position:
                continue  # superseded by a later file with the same id
            batch.append(item)
            batch_chunks += len(item.spans)
            if batch_chunks >= cfg.embed_batch:
                n = _embed_batch(index, batch, report)
                since_commit, done = since_commit + n, done + n
                progress("Embedding", done, total_chunks)
                batch, batch_chunks = [], 0
                if since_commit >= cfg.checkpoint_chunks:
                    index.commit(progress)
                    since_commit = 0
        if batch:
            done += _embed_batch(index, batch, report)
            progress("Embedding", done, total_chunks)
        if latest:
            index.commit(progress)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class Pending:
    """A document read, cleaned and chunked, waiting to be embedded: what the spill file holds, one per document."""

    doc_id: str
    title: str
    source: str
    text: str
    metadata: dict
    content_hash: str
    spans: list[ChunkSpan]
    updated: bool  # an earlier version is in the index (its unchanged chunks' vectors are reused)

    def nodes(self) -> list[TextNode]:
        return [chunk_node(self.doc_id, self.title, self.source, self.text, s.start, s.end, i, s.section, s.page)
                for i, s in enumerate(self.spans)]


def _read(index: CorpusIndex, paths: Iterable[str | Path], report: IngestReport, progress: ProgressFn,
          spill: IO[bytes]) -> tuple[int, dict[str, tuple[int, IngestOutcome, int]]]:
    """Load, classify and chunk every file, writing what is to be indexed to `spill`, so embedding progress has a
    known total while memory holds only one document at a time (a million chunks as nodes are 15 GB).

    Returns the number of chunks to embed and, for each document id, its latest version's spill position, outcome
    and chunk count (the same id twice in one batch: the later one wins; two copies of one paper are merged by
    `_classify` first, see `ingest.identity`)."""
    latest: dict[str, tuple[int, IngestOutcome, int]] = {}
    offsets: dict[str, int] = {}  # where each document's latest version starts in `spill`, to merge a later copy
    papers = SamePaper(index)

    def spilled(doc_id: str) -> Pending | None:
        if doc_id not in offsets:
            return None
        spill.seek(offsets[doc_id])
        item = pickle.load(spill)
        spill.seek(0, 2)
        return item

    total_chunks = written = 0
    cfg = index.settings.ingest
    results = load_paths(list(paths), ReadLimits(
        cfg.max_file_mb, cfg.max_document_chars, cfg.max_parse_seconds, cfg.max_parse_memory_mb,
    ))
    for i, result in enumerate(results, 1):
        if i % 50 == 0:
            progress("Reading", i, None)
        outcome = _classify(index, result, papers, spilled)
        report.outcomes.append(outcome)
        if outcome.status not in ("added", "updated"):
            continue
        doc = result.document
        if doc.doc_id in latest:
            _, earlier, earlier_chunks = latest[doc.doc_id]
            same = "same id" if doc.metadata.get("format") == "jsonl" else "the same paper: one document"
            earlier.status, earlier.reason = "skipped", f"superseded by {outcome.source} ({same})"
            total_chunks -= earlier_chunks
        chunks = chunk_document(doc, cfg.chunk_words, cfg.chunk_overlap_sentences)
        meta = {k: v for k, v in doc.metadata.items() if k not in ("doc_id", "title", "source")}
        item = Pending(doc.doc_id, str(doc.metadata.get("title", "")), str(doc.metadata.get("source", "")), doc.text,
                       meta, content_hash(doc), [_span(c) for c in chunks], outcome.status == "updated")
        try:
            offsets[doc.doc_id] = spill.tell()
            pickle.dump(item, spill, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as exc:
            raise _spill_error(index.folder, exc) from None
        latest[doc.doc_id] = (written, outcome, len(chunks))
        written += 1
        total_chunks += len(chunks)
    spill.flush()
    return total_chunks, latest


@contextmanager
def _spill_file(folder: Path) -> Iterator[IO[bytes]]:
    """An unnamed temporary file next to the index (gone even after a kill -9); a full disk is a clear error."""
    try:
        spill = tempfile.TemporaryFile(dir=folder, prefix=".ingest-")
    except OSError as exc:
        raise _spill_error(folder, exc) from None
    with spill:
        yield spill


def _spill_error(folder: Path, exc: OSError) -> IndexWriteError:
    return IndexWriteError(f"could not write the ingest's working file in {folder}: {exc.strerror or exc}; nothing "
                           "read in this run was saved (earlier commits are intact); free some disk space and ingest again")


def _span(node: TextNode) -> ChunkSpan:
    return ChunkSpan(node.start_char_idx, node.end_char_idx, str(node.metadata.get("section", "")),
                     node.metadata.get("page"))


def _pending(spill: IO[bytes]) -> Iterator[Pending]:
    spill.seek(0)
    while True:
        try:
            yield pickle.load(spill)
        except EOFError:
            return


def _classify(index: CorpusIndex, result: LoadResult, papers: SamePaper,
              spilled: Callable[[str], Pending | None]) -> IngestOutcome:
    """Added, updated, skipped or failed; a copy of a paper already known becomes that paper's document."""
    if result.error:
        return IngestOutcome("failed", result.source, reason=result.error)
    if result.skipped:
        return IngestOutcome("skipped", result.source, reason=result.skipped)
    doc = result.document
    notes = list(result.notes)
    match = papers.match(doc)
    prior = (spilled(match[0]) or index.document(match[0])) if match else None
    if prior is not None:
        doc = result.document = merge_paper(prior, doc)
        notes.append(f"the same paper as {prior.source} ({match[1]}): one document")
    else:
        _make_id_unique(index, doc)
    choice = index.settings.ingest.study_design_model
    card = study_card(doc.text, doc.metadata, design_model(choice), participant_model(choice))
    doc.metadata["study"] = card.to_dict()  # after a merge: the merged paper's card
    papers.remember(doc)
    note = "; ".join(notes)
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
    old_ids = [cid for item in batch if item.updated for cid in index.chunk_ids_of(item.doc_id)]
    if not old_ids:
        return {}
    old_nodes = index.chunks(old_ids)
    return dict(zip((embedding_text(n) for n in old_nodes), index.store_vectors([n.node_id for n in old_nodes])))


def _embed_batch(index: CorpusIndex, batch: list[Pending], report: IngestReport) -> int:
    """Embed a batch of documents (vectors already known are reused) and stage it in the index; chunks staged."""
    nodes = [n for item in batch for n in item.nodes()]
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
    records = [(DocumentRecord(item.doc_id, item.title, item.source, item.text, item.content_hash, stamp,
                               [chunk_id(item.doc_id, i) for i in range(len(item.spans))], item.metadata), item.spans) for item in batch]
    index.apply(records, nodes)
    report.chunks_embedded += len(fresh)
    report.chunks_reused += len(nodes) - len(fresh)
    if fresh and not report.embedder:
        report.embedder = describe(index.embed_model)
    return len(nodes)
