"""Immutable, memory-mapped index segments: BM25 postings and FAISS vectors for a run of rows.

An index grows by segments, the way Lucene's does: each commit writes the rows
it adds (chunks, or whole documents for document-level BM25) as one new
segment folder, and never rewrites an old one. A deleted or replaced row is
only marked dead (in the catalog); searches skip it, and the next merge drops
it. Merges follow a binary counter (the newest segment is merged into the one
before it while it is at least as large), so an index of N rows has O(log N)
segments and each row is rewritten O(log N) times over its life.

A segment folder holds numpy arrays read with `mmap_mode="r"` and, for chunk
segments, a FAISS index read with `IO_FLAG_MMAP_IFC` (codes read in place from the
mapped file): opening an index reads headers, and a search touches only the
pages it needs. Plain `IO_FLAG_MMAP` searched the same lists 3-20 times slower
(a 20k-row IVF segment: 1.3 against 0.06 ms per query, AMD EPYC AVX2), as slow
as a 1M-row search's BM25.

- `ids.npy` (int64, ascending): the global row id of each local row.
- `lengths.npy` (int32): BM25 tokens per row (document length).
- `terms.npy` (int64, ascending), `starts.npy` (int64): the postings of term
  `terms[j]` are `rows[starts[j]:starts[j + 1]]` (local rows, uint32) with
  term frequencies `tfs[...]` (uint16). A term is the 64-bit hash of a token,
  so there is no vocabulary to load or keep in step.
- `names.npy` (uint8) and `name_ends.npy` (int64): each row's chunk id (or document id), UTF-8, ending
  at `name_ends[i]`. A row never changes id, so a search names its hits without asking the catalog (at 1M
  chunks that SQLite lookup was ~4 ms per 300 rows on each side of a hybrid search). Segments written
  before names existed have neither file; their rows are named by the catalog, and a merge names them.
- `vectors.faiss`: an `IndexIVFScalarQuantizer` with vectors stored as fp16
  (half the disk and page cache of fp32, scores within ~1e-3; `VectorLayout`):
  one list (an exact scan) below `retrieval.ivf_threshold` rows, IVF lists at or
  above it. FAISS memory-maps an IVF's lists but copies a flat
  `IndexScalarQuantizer` into memory, hence one list rather than a flat index.
  Segments written before fp16 (`IndexIDMap2` over `IndexFlatIP`, IVF-Flat) are
  still read.

BM25 is bm25s's Lucene variant (k1 = 1.5, b = 0.75), computed at query time
from raw term frequencies with the statistics of the live rows of all
segments (N, average length, document frequency), so it equals a fresh bm25s
index over the same live texts (tests/index/test_segments.py).
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.kernels import add_postings
from text.tokens import tokenize

K1, B = 1.5, 0.75
VECTORS = "vectors.faiss"
NAMES, NAME_ENDS = "names.npy", "name_ends.npy"
ARRAYS = ("ids", "lengths", "terms", "starts", "rows", "tfs")
MERGE_BLOCK_POSTINGS = 1 << 22  # postings per block when merging (~70 MB of working arrays: bounds its memory)
EMPTY_TOKEN = "\x00"  # an empty text still has length 1, as in bm25s
SCORED_QUERIES = 4  # whole score arrays kept for `SegmentSet.bm25_scores` (4 bytes a row each)


@functools.lru_cache(maxsize=1 << 20)
def term_hash(token: str) -> int:
    """64 bits of blake2b (stable across processes, unlike hash()); remembered per token: a corpus repeats them."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little", signed=True)


def text_terms(text: str) -> np.ndarray:
    """The BM25 terms of a text, one per token occurrence (hashes; see the module docstring)."""
    return np.fromiter((term_hash(t) for t in tokenize(text) or [EMPTY_TOKEN]), dtype=np.int64)


@dataclass
class Rows:
    """Rows to write as a segment: ascending global ids, each row's terms, and (chunks) unit vectors."""

    ids: np.ndarray
    terms: list[np.ndarray]
    vectors: np.ndarray | None = None
    names: list[str] | None = None  # each row's chunk or document id


@dataclass(frozen=True)
class VectorLayout:
    """How a segment's vectors are written: IVF lists from `ivf_threshold` rows (None: always one list, exact),
    `nprobe` lists scanned per query, fp16 or fp32 storage."""

    ivf_threshold: int | None = None
    nprobe: int = 16
    fp16: bool = True


def ivf_lists(n: int) -> int:
    return max(1, min(int(2 * n**0.5), n // 39))


class Segment:
    """One segment folder, memory-mapped; `dead` marks local rows deleted since it was written."""

    def __init__(self, folder: Path, name: str, nprobe: int = 16) -> None:
        self.folder, self.name = folder, name
        arrays = {a: np.load(folder / f"{a}.npy", mmap_mode="r") for a in ARRAYS}
        self.ids, self.lengths = arrays["ids"], arrays["lengths"]
        self.terms, self.starts, self.rows, self.tfs = arrays["terms"], arrays["starts"], arrays["rows"], arrays["tfs"]
        self.index = None
        if (folder / VECTORS).exists():
            self.index = faiss.read_index(str(folder / VECTORS), faiss.IO_FLAG_MMAP_IFC)
            ivf = _ivf(self.index)
            if ivf is not None:
                ivf.nprobe = min(nprobe, ivf.nlist)
        self.dead = np.zeros(len(self.ids), dtype=bool)
        self._selector = None
        self._names: memoryview | None = None
        if (folder / NAMES).exists():
            self._names = memoryview(np.asarray(np.load(folder / NAMES, mmap_mode="r")))
            self._name_ends = np.load(folder / NAME_ENDS, mmap_mode="r")

    @property
    def named(self) -> bool:
        """Whether the segment stores its rows' ids (written since names existed)."""
        return self._names is not None

    def names_at(self, local_rows: np.ndarray) -> list[str]:
        """The ids of these local rows (`named` segments only)."""
        ends = np.asarray(self._name_ends)
        out = []
        for r in np.asarray(local_rows, dtype=np.int64).tolist():
            out.append(bytes(self._names[ends[r - 1] if r else 0 : ends[r]]).decode())
        return out

    def all_names(self) -> tuple[np.ndarray, np.ndarray]:
        """(UTF-8 bytes of every row's id, the byte length of each): what a merge copies."""
        ends = np.asarray(self._name_ends, dtype=np.int64)
        return np.frombuffer(self._names, dtype=np.uint8), np.diff(ends, prepend=0)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lo(self) -> int:
        return int(self.ids[0]) if len(self.ids) else 0

    @property
    def hi(self) -> int:
        return int(self.ids[-1]) + 1 if len(self.ids) else 0

    @property
    def live(self) -> int:
        return len(self.ids) - int(self.dead.sum())

    @property
    def kind(self) -> str:
        ivf = _ivf(self.index)
        return "ivf" if ivf is not None and ivf.nlist > 1 else "flat"

    def mark_dead(self, dead_ids: np.ndarray) -> None:
        """Mark these global ids (sorted; any of them may be elsewhere) as deleted."""
        inside = dead_ids[(dead_ids >= self.lo) & (dead_ids < self.hi)]
        pos = self.positions(inside)
        self.dead = np.zeros(len(self.ids), dtype=bool)
        self.dead[pos[pos >= 0]] = True
        dead = np.asarray(self.ids[self.dead], dtype=np.int64)
        self._selector = faiss.IDSelectorNot(faiss.IDSelectorBatch(dead)) if len(dead) else None

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Local row of each global id, or -1 where this segment does not hold it."""
        ids = np.asarray(ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, ids)
        pos = np.minimum(pos, len(self.ids) - 1) if len(self.ids) else pos
        found = (pos < len(self.ids)) & (np.asarray(self.ids)[pos] == ids) if len(self.ids) else np.zeros(len(ids), bool)
        return np.where(found, pos, -1)

    def _span(self, term: int) -> tuple[int, int]:
        j = int(np.searchsorted(self.terms, term))
        if j >= len(self.terms) or self.terms[j] != term:
            return 0, 0
        return int(self.starts[j]), int(self.starts[j + 1])

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(live local rows, their term frequencies) of one term."""
        a, b = self._span(term)
        if a == b:
            return _NO_ROWS, _NO_ROWS
        rows, tfs = np.asarray(self.rows[a:b], dtype=np.int64), np.asarray(self.tfs[a:b], dtype=np.float64)
        if self._selector is None:  # no dead rows
            return rows, tfs
        keep = ~self.dead[rows]
        return rows[keep], tfs[keep]

    def raw_postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(local rows ascending, term frequencies) of one term as stored (dead rows included): views of the
        mapped arrays, no copy, for a search that handles dead rows itself."""
        a, b = self._span(term)
        return self.rows[a:b], self.tfs[a:b]

    def document_frequency(self, term: int) -> int:
        """Live rows holding `term`: the length of its postings, read from `starts` unless rows were deleted."""
        if self._selector is not None:
            return len(self.postings(term)[0])
        j = int(np.searchsorted(self.terms, term))
        return int(self.starts[j + 1] - self.starts[j]) if j < len(self.terms) and self.terms[j] == term else 0

    # --- vectors ---------------------------------------------------------------------------
    def nearest(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self.index is None or self.live == 0 or k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        ivf = _ivf(self.index)
        if self._selector is None:
            params = None
        elif ivf is not None:
            params = faiss.SearchParametersIVF(sel=self._selector, nprobe=ivf.nprobe)
        else:
            params = faiss.SearchParameters(sel=self._selector)
        scores, ids = self.index.search(vector[None, :].astype(np.float32), min(k, self.live), params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def vectors(self, local_rows: np.ndarray) -> np.ndarray:
        """Stored vectors of these local rows, in one FAISS call (a Python loop of `reconstruct` cost ~7 ms for
        the ~300 rows a hybrid search completes at 1M chunks; `reconstruct_batch` ~1 ms)."""
        if not len(local_rows):
            return _no_vectors(self)
        if _ivf(self.index) is None:
            flat = faiss.downcast_index(self.index.index)
            return flat.reconstruct_batch(np.asarray(local_rows, dtype=np.int64))
        return self.index.reconstruct_batch(np.asarray(self.ids, dtype=np.int64)[local_rows])

    def vector_blocks(self, block: int = 1 << 16):
        """(ids, vectors) of every row, a block (or an IVF list) at a time: a merge holds one block, not the segment."""
        ivf = _ivf(self.index)
        if ivf is None:
            flat = faiss.downcast_index(self.index.index)
            for i in range(0, flat.ntotal, block):
                n = min(block, flat.ntotal - i)
                yield np.asarray(self.ids[i : i + n], dtype=np.int64), flat.reconstruct_n(i, n)
            return
        from faiss.contrib.inspect_tools import get_invlist

        for lst in range(ivf.nlist):
            list_ids, codes = get_invlist(ivf.invlists, lst)
            if not len(list_ids):
                continue
            codes = np.asarray(codes).reshape(len(list_ids), ivf.code_size)
            yield (np.asarray(list_ids, dtype=np.int64),
                   ivf.sq.decode(codes) if isinstance(ivf, faiss.IndexIVFScalarQuantizer)
                   else codes.view(np.float32).reshape(len(list_ids), ivf.d))


_NO_ROWS = np.zeros(0, dtype=np.int64)


def _no_vectors(segment: Segment) -> np.ndarray:
    return np.zeros((0, segment.index.d), dtype=np.float32)


def _ivf(index) -> faiss.IndexIVF | None:
    if index is None:
        return None
    inner = faiss.downcast_index(index)
    return inner if isinstance(inner, faiss.IndexIVF) else None


# --- writing ---------------------------------------------------------------------------------
def write_segment(folder: Path, rows: Rows, layout: VectorLayout) -> dict[str, list]:
    """Write `rows` as a new segment folder (fsynced); {file: [bytes, sha256]} for the catalog."""
    folder.mkdir(parents=True)
    n = len(rows.ids)
    lengths = np.fromiter((len(t) for t in rows.terms), dtype=np.int32, count=n)
    terms = np.concatenate(rows.terms) if n else np.zeros(0, np.int64)
    local = np.repeat(np.arange(n, dtype=np.int64), lengths)
    order = np.lexsort((local, terms))
    terms, local = terms[order], local[order]
    change = np.ones(len(terms), dtype=bool)
    change[1:] = (terms[1:] != terms[:-1]) | (local[1:] != local[:-1])
    first = np.flatnonzero(change)
    tfs = np.diff(np.append(first, len(terms)))
    writer = _PostingsWriter(folder, len(first))
    writer.add(terms[first], local[first], tfs)
    writer.close(rows.ids, lengths)
    if rows.names is not None:
        _write_names(folder, *_encoded(rows.names))
    if rows.vectors is not None:
        _write_vectors(folder, rows.ids, np.asarray(rows.vectors, dtype=np.float32), layout)
    return _finish(folder)


def _encoded(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the UTF-8 bytes of all names, one after another; each one's byte length)."""
    encoded = [name.encode() for name in names]
    return (np.frombuffer(b"".join(encoded), dtype=np.uint8),
            np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))


def _write_names(folder: Path, blob: np.ndarray, lengths: np.ndarray) -> None:
    np.save(folder / NAMES, np.asarray(blob, dtype=np.uint8))
    np.save(folder / NAME_ENDS, np.cumsum(lengths, dtype=np.int64))


def merge_segments(folder: Path, segments: list[Segment], layout: VectorLayout,
                   names_of: Callable[[np.ndarray], list[str]] | None = None) -> dict[str, list]:
    """One segment with the live rows of `segments` (adjacent, oldest first); dead rows are dropped. Rows of a
    segment without names are named by `names_of` (global ids -> ids, from the catalog); without it, the merged
    segment has no names either."""
    folder.mkdir(parents=True)
    keep = [~s.dead for s in segments]
    ids = np.concatenate([np.asarray(s.ids)[k] for s, k in zip(segments, keep)])
    lengths = np.concatenate([np.asarray(s.lengths)[k] for s, k in zip(segments, keep)])
    new_row, offset = [], 0  # old local row -> new local row (-1: dead)
    for k in keep:
        mapping = np.full(len(k), -1, dtype=np.int64)
        mapping[k] = offset + np.arange(int(k.sum()))
        new_row.append(mapping)
        offset += int(k.sum())
    all_terms = np.unique(np.concatenate([np.asarray(s.terms) for s in segments]))
    writer = _PostingsWriter(folder, sum(_live_postings(s, mapping) for s, mapping in zip(segments, new_row)))
    for lo, hi in _term_blocks(all_terms, segments):
        t_parts, r_parts, f_parts = [], [], []
        for s, mapping in zip(segments, new_row):
            a, z = np.searchsorted(s.terms, lo), np.searchsorted(s.terms, hi, side="right")
            p0, p1 = int(s.starts[a]), int(s.starts[z])
            counts = np.diff(np.asarray(s.starts[a : z + 1]))
            rows = mapping[_read(s.rows, p0, p1).astype(np.int64)]
            live = rows >= 0
            t_parts.append(np.repeat(np.asarray(s.terms[a:z]), counts)[live])
            r_parts.append(rows[live])
            f_parts.append(_read(s.tfs, p0, p1)[live])
        t, r, f = np.concatenate(t_parts), np.concatenate(r_parts), np.concatenate(f_parts)
        order = np.lexsort((r, t))
        writer.add(t[order], r[order], f[order])
    writer.close(ids, lengths)
    if all(s.named for s in segments) or names_of is not None:
        _merge_names(folder, segments, keep, names_of)
    if segments[0].index is not None:
        _merge_vectors(folder, segments, ids, layout)
    return _finish(folder)


def _merge_names(folder: Path, segments: list[Segment], keep: list[np.ndarray],
                 names_of: Callable[[np.ndarray], list[str]] | None) -> None:
    blobs, lengths = [], []
    for s, k in zip(segments, keep):
        if s.named:
            blob, length = s.all_names()
            blob, length = blob[np.repeat(k, length)], length[k]
        else:
            blob, length = _encoded(names_of(np.asarray(s.ids, dtype=np.int64)[k]))
        blobs.append(blob)
        lengths.append(length)
    _write_names(folder, np.concatenate(blobs), np.concatenate(lengths))


def _term_blocks(all_terms: np.ndarray, segments: list[Segment]) -> Iterator[tuple[int, int]]:
    """(first, last) term of consecutive blocks of about MERGE_BLOCK_POSTINGS postings over all `segments` (a term
    with more postings than that is a block of its own). Counting postings, not terms, is what bounds memory: a
    corpus's whole vocabulary can be a few hundred thousand terms, i.e. every posting in one block."""
    per_term = np.zeros(len(all_terms), dtype=np.int64)
    for s in segments:
        np.add.at(per_term, np.searchsorted(all_terms, np.asarray(s.terms)), np.diff(np.asarray(s.starts)))
    ends = np.cumsum(per_term)
    first = 0
    while first < len(all_terms):
        base = ends[first - 1] if first else 0
        last = max(first, int(np.searchsorted(ends, base + MERGE_BLOCK_POSTINGS, side="right")) - 1)
        yield all_terms[first], all_terms[last]
        first = last + 1


def _read(array: np.ndarray, a: int, b: int) -> np.ndarray:
    """array[a:b] of a memory-mapped .npy, read with pread: a merge streams gigabytes of postings through, and
    pages touched through the mapping would stay resident (and counted) until the segment is closed."""
    if not isinstance(array, np.memmap) or array.filename is None:
        return np.asarray(array[a:b])
    return np.fromfile(array.filename, dtype=array.dtype, count=b - a, offset=array.offset + a * array.itemsize)


def _live_postings(segment: Segment, mapping: np.ndarray, block: int = MERGE_BLOCK_POSTINGS) -> int:
    """How many postings of `segment` belong to rows a merge keeps (mapping >= 0)."""
    return sum(int(np.count_nonzero(mapping[_read(segment.rows, i, min(i + block, len(segment.rows)))] >= 0))
               for i in range(0, len(segment.rows), block))


class _PostingsWriter:
    """Writes a segment's postings block by block: `rows.npy` and `tfs.npy` (the bulk: ~6 bytes per posting,
    110 M postings at 1M chunks) are .npy files of their known length written sequentially, so a merge holds one
    block, not the whole segment (plain writes: pages written through a mapping would count as resident).
    Blocks come in ascending term order, each sorted by term then row."""

    def __init__(self, folder: Path, total: int) -> None:
        self.folder, self.done, self.total = folder, 0, total
        self.rows = _npy_writer(folder / "rows.npy", np.uint32, total)
        self.tfs = _npy_writer(folder / "tfs.npy", np.uint16, total)
        self.terms: list[np.ndarray] = []
        self.starts: list[np.ndarray] = []

    def add(self, terms: np.ndarray, rows: np.ndarray, tfs: np.ndarray) -> None:
        n = len(terms)
        if not n:
            return
        change = np.ones(n, dtype=bool)
        change[1:] = terms[1:] != terms[:-1]
        first = np.flatnonzero(change)
        self.terms.append(np.asarray(terms[first], dtype=np.int64))
        self.starts.append(first + self.done)
        np.asarray(rows, dtype=np.uint32).tofile(self.rows)
        np.minimum(tfs, np.iinfo(np.uint16).max).astype(np.uint16).tofile(self.tfs)
        self.done += n

    def close(self, ids, lengths) -> None:
        assert self.done == self.total, (self.done, self.total)
        self.rows.close()
        self.tfs.close()
        arrays = {
            "ids": np.asarray(ids, dtype=np.int64),
            "lengths": np.asarray(lengths, dtype=np.int32),
            "terms": np.concatenate(self.terms) if self.terms else np.zeros(0, np.int64),
            "starts": np.append(np.concatenate(self.starts) if self.starts else np.zeros(0, np.int64),
                                self.done).astype(np.int64),
        }
        for name, array in arrays.items():
            np.save(self.folder / f"{name}.npy", array)


def _npy_writer(path: Path, dtype, n: int):
    """An open file with the .npy header of a 1-d array of n `dtype`s; the caller writes the n values."""
    f = open(path, "wb")  # noqa: SIM115 (closed by _PostingsWriter.close)
    np.lib.format.write_array_header_1_0(
        f, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": (n,)})
    return f


def new_vector_index(dim: int, n: int, layout: VectorLayout, sample) -> faiss.Index:
    """One list (exact) below `ivf_threshold` rows, `ivf_lists(n)` lists at or above it; fp16 or fp32 codes."""
    nlist = 1 if layout.ivf_threshold is None or n < layout.ivf_threshold else ivf_lists(n)
    quantizer = faiss.IndexFlatIP(dim)
    if layout.fp16:
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_fp16,
                                              faiss.METRIC_INNER_PRODUCT)
        index.by_residual = False  # codes are the vectors themselves, decodable without their list
    else:
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    if nlist > 1:
        index.train(sample(nlist * 64))
    else:  # one list: its centroid is irrelevant (codes are not residuals); k-means of nothing would warn
        quantizer.add(np.zeros((1, dim), dtype=np.float32))
        index.is_trained = True
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct by id
    index.nprobe = min(layout.nprobe, nlist)
    return index


def _write_vectors(folder: Path, ids: np.ndarray, vectors: np.ndarray, layout: VectorLayout) -> None:
    rng = np.random.default_rng(0)
    index = new_vector_index(vectors.shape[1], len(ids), layout, lambda m: vectors[rng.permutation(len(vectors))[:m]])
    index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
    faiss.write_index(index, str(folder / VECTORS))


def _merge_vectors(folder: Path, segments: list[Segment], ids: np.ndarray, layout: VectorLayout) -> None:
    """Add the sources' live vectors a block at a time: memory holds the new index and one block."""
    rng = np.random.default_rng(0)

    def sample(m: int) -> np.ndarray:
        share = m / max(1, len(ids))
        parts = []
        for s in segments:
            live = np.flatnonzero(~s.dead)
            pick = np.sort(rng.permutation(live)[: max(1, math.ceil(share * len(live)))]) if len(live) else live
            parts.append(s.vectors(pick))
        return np.vstack(parts)

    index = new_vector_index(segments[0].index.d, len(ids), layout, sample)
    for s in segments:
        for source_ids, vectors in s.vector_blocks():
            live = ~s.dead[s.positions(source_ids)]
            if live.any():
                index.add_with_ids(np.ascontiguousarray(vectors[live]), source_ids[live])
    faiss.write_index(index, str(folder / VECTORS))


def _finish(folder: Path) -> dict[str, list]:
    files = {}
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            os.fsync(f.fileno())
        files[path.name] = [path.stat().st_size, digest]
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return files


# --- search over a set of segments ------------------------------------------------------------
class SegmentSet:
    """The live rows of a list of segments of one kind: BM25 and vector search by global row id."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        live_lengths = [np.asarray(s.lengths)[~s.dead] for s in segments]
        self.n = sum(len(x) for x in live_lengths)
        total = sum(float(x.sum()) for x in live_lengths)
        self.avgdl = total / self.n if self.n else 1.0
        self._all_norms: dict[str, np.ndarray] = {}
        self._scored: OrderedDict[tuple, list[np.ndarray]] = OrderedDict()  # see `bm25_scores`
        self._scored_lock = threading.Lock()

    def __len__(self) -> int:
        return self.n

    def _weights(self, tokens: list[str]) -> dict[int, float]:
        """term -> occurrences in the query x idf, for terms some live row has (bm25s counts repeats)."""
        counts = Counter(term_hash(t) for t in tokens)
        dfs = self._dfs(list(counts))
        return {t: c * _idf(self.n, dfs[t]) for t, c in counts.items() if dfs[t]}

    def _dfs(self, terms: list[int]) -> dict[int, int]:
        return {t: sum(s.document_frequency(t) for s in self.segments) for t in terms}

    def idf(self, tokens: list[str]) -> dict[str, float]:
        if self.n == 0:
            return {t: 1.0 for t in tokens}
        dfs = self._dfs([term_hash(t) for t in tokens])
        return {t: _idf(self.n, dfs[term_hash(t)]) for t in tokens}

    def _norms(self, segment: Segment) -> np.ndarray:
        """BM25's length normalisation of every local row: computed once per segment and set (4 bytes a row) and
        kept, since a search gathers it for every posting of every query term."""
        norm = self._all_norms.get(segment.name)
        if norm is None:
            norm = (K1 * (1 - B + B * np.asarray(segment.lengths, dtype=np.float64) / self.avgdl)).astype(np.float32)
            self._all_norms[segment.name] = norm
        return norm

    def _segment_scores(self, segment: Segment, weights: dict[int, float]) -> np.ndarray:
        """The score of every local row (0 for a dead one): every posting of every query term scored into one
        float32 per row, read in place from the mapped arrays (no copies).

        MaxScore (skip the common terms' postings once the k-th best is out of their reach) was built and tested
        exact (commit 2dd9125), but was slower on AMD EPYC at 100k chunks and three times slower at 1M (A/B
        scripts not kept): its threshold checks, and its lookups of the common terms for the ~100k rows already
        scored, cost more than the postings they skip."""
        norm = self._norms(segment)
        scores = np.zeros(len(segment), dtype=np.float32)
        for term, weight in weights.items():
            rows, tfs = segment.raw_postings(term)
            if len(rows):
                add_postings(scores, rows, tfs, norm, weight)
        if segment._selector is not None:
            scores[segment.dead] = 0
        return scores

    @staticmethod
    def _top(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(local rows, scores) of the k best rows with a positive score."""
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        return positive, scores[positive]

    def _scores_at(self, segment: Segment, weights: dict[int, float], local: np.ndarray) -> np.ndarray:
        """Scores of a few local rows: each term's postings (sorted by row) are searched in place, not read whole."""
        order = np.argsort(local, kind="stable")
        wanted = local[order]
        norm = self._norms(segment)[wanted]
        acc = np.zeros(len(wanted), dtype=np.float64)
        for term, weight in weights.items():
            rows, tfs = segment.raw_postings(term)
            if not len(rows):
                continue
            at = np.minimum(np.searchsorted(rows, wanted.astype(rows.dtype)), len(rows) - 1)
            hit = rows[at] == wanted
            tf = tfs[at[hit]].astype(np.float64)
            acc[hit] += weight * tf / (tf + norm[hit])
        out = np.empty_like(acc)
        out[order] = acc
        return out

    def bm25_top(self, tokens: list[str], k: int) -> list[tuple[int, float]]:
        """Top-k (row id, score) with a positive score; ties by row id."""
        weights = self._weights(tokens) if tokens and self.n else {}
        if not weights:
            return []
        hits: list[tuple[int, float]] = []
        scored = []
        for segment in self.segments:
            scores = self._segment_scores(segment, weights)
            scored.append(scores)
            rows, top = self._top(scores, k)
            hits += zip(np.asarray(segment.ids)[rows].tolist(), top.tolist())
        with self._scored_lock:
            self._scored[_key(weights)] = scored
            while len(self._scored) > SCORED_QUERIES:
                self._scored.popitem(last=False)
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:k]

    def bm25_scores(self, tokens: list[str], ids: list[int]) -> list[float]:
        """Exact scores of these row ids (0 for a row without a query term, dead or unknown).

        A hybrid search asks this for the ~300 vector hits its `bm25_top` of the same query did not return. That
        top-k scored every row already, so its arrays are kept for the last `SCORED_QUERIES` queries and read
        here: at a million chunks this took 5.5 ms of postings searches per query (AMD EPYC), now a gather."""
        weights = self._weights(tokens) if tokens and self.n else {}
        out = np.zeros(len(ids))
        if not weights or not ids:
            return out.tolist()
        with self._scored_lock:
            scored = self._scored.get(_key(weights))
        wanted = np.asarray(ids, dtype=np.int64)
        for s, segment in enumerate(self.segments):
            pos = segment.positions(wanted)
            at = np.flatnonzero(pos >= 0)
            at = at[~segment.dead[pos[at]]]
            if len(at):
                out[at] = scored[s][pos[at]] if scored else self._scores_at(segment, weights, pos[at])
        return out.tolist()

    def names_of(self, ids: list[int]) -> tuple[dict[int, str], list[int]]:
        """({row id: chunk or document id} of the live rows named segments hold, the row ids left to the catalog:
        rows of segments written before names existed, or rows no segment holds)."""
        wanted = np.asarray(ids, dtype=np.int64)
        named: dict[int, str] = {}
        ask = np.ones(len(wanted), dtype=bool)
        for segment in self.segments:
            if not segment.named:
                continue
            pos = segment.positions(wanted)
            at = np.flatnonzero(pos >= 0)
            ask[at] = False
            at = at[~segment.dead[pos[at]]]
            named.update(zip(wanted[at].tolist(), segment.names_at(pos[at])))
        return named, wanted[ask].tolist()

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        hits = []
        for segment in self.segments:
            scores, ids = segment.nearest(vector, k)
            hits += zip(ids.tolist(), scores.tolist())
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:k]

    def vectors(self, ids: list[int], dim: int) -> np.ndarray:
        """Stored vectors of these row ids (zeros for one no live segment holds)."""
        out = np.zeros((len(ids), dim), dtype=np.float32)
        wanted = np.asarray(ids, dtype=np.int64)
        for segment in self.segments:
            pos = segment.positions(wanted)
            at = np.flatnonzero(pos >= 0)
            if len(at):
                out[at] = segment.vectors(pos[at])
        return out


def _key(weights: dict[int, float]) -> tuple:
    return tuple(sorted(weights.items()))


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
