"""The compiled form of `index.kernels.add_postings` (imported only by it, on a background thread: numba is slow
to import). At module level so that numba can cache the machine code on disk (`cache=True`)."""

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def add_postings(scores, rows, tfs, norm, weight):  # pragma: no cover - runs as machine code
    for i in range(rows.shape[0]):
        r = rows[i]
        tf = np.float32(tfs[i])
        scores[r] += weight * tf / (tf + norm[r])

