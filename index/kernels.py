"""BM25's inner loop: one compiled pass (numba) once it is ready, numpy until then.

Scoring a query at 1M chunks adds ~700k postings (row, term frequency) into one float32 per row. numpy needs
six passes over temporaries for that (cast, gather, add, divide, multiply, scatter): 15-19 ms on AMD EPYC
(AVX2). The compiled loop does it in one pass in 2-4 ms, and releases the GIL, so it runs beside the query's
embedding on the other core. (Picking the best 300 rows stays in numpy: flatnonzero and argpartition take
~3 ms, and a compiled two-pass selection was 5 times slower, its branches mispredicted on every other row.)

numba compiles on first use (~1.8 s) and caches the machine code on disk; even from that cache, importing numba
and loading the function take ~1.2 s, more than opening a 1M-chunk index. So `warm()` (called when a large index
is first searched) does it on a background thread, and `add_postings` uses numpy until the compiled loop is ready. Both
compute the same float32 expression in the same order for each posting, so the scores are equal to the bit
(tests/index/test_kernels.py); which one ran never changes a ranking.
"""

from __future__ import annotations

import threading

import numpy as np

ROWS, TFS = np.uint32, np.uint16  # the dtypes of a segment's postings (`index.segments`)
WORTH_IT_ROWS = 50_000  # below this many chunks numpy scores a query in ~1 ms: not worth numba's load and ~70 MB

_compiled = None
_thread: threading.Thread | None = None
_start = threading.Lock()


def add_postings(scores: np.ndarray, rows: np.ndarray, tfs: np.ndarray, norm: np.ndarray, weight: float) -> None:
    """scores[rows] += weight * tf / (tf + norm[rows]), in float32; `rows` must not repeat (one term's postings)."""
    weight = np.float32(weight)
    if _compiled is not None and rows.dtype == ROWS and tfs.dtype == TFS and norm.dtype == scores.dtype == np.float32:
        _compiled(scores, np.asarray(rows), np.asarray(tfs), norm, weight)  # asarray: a memmap as a plain array
        return
    tf = tfs.astype(np.float32)
    scores[rows] += weight * tf / (tf + norm[rows])


def warm(wait: bool = False) -> bool:
    """Start loading the compiled loop (once per process); with `wait`, block until done. Whether it is ready."""
    global _thread
    with _start:
        if _thread is None:
            _thread = threading.Thread(target=_load, name="bm25-kernel", daemon=True)
            _thread.start()
    if wait:
        _thread.join()
    return _compiled is not None


def _load() -> None:
    global _compiled
    try:
        from index._compiled_bm25 import add_postings as compiled

        # The types a search passes: postings read-only (mapped files), scores and norms writable.
        rows, tfs = np.zeros(1, ROWS), np.ones(1, TFS)
        rows.flags.writeable = tfs.flags.writeable = False
        compiled(np.zeros(1, np.float32), rows, tfs, np.ones(1, np.float32), np.float32(1))
    except Exception:  # noqa: BLE001 - no numba, no writable cache, an LLVM that refuses this CPU: numpy is exact too
        return
    _compiled = compiled
