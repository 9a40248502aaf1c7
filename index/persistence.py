"""One writer at a time per index folder.

Writers (an ingest, a delete, an upload in the UI) hold an exclusive `flock` on
`DIR/.lock`, so two processes never interleave their commits; readers never
wait (the catalog is SQLite in WAL mode, segments are immutable files).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from errors import IndexLockedError


@contextlib.contextmanager
def writer_lock(folder: Path) -> Iterator[None]:
    """Exclusive write access to the index folder, or IndexLockedError at once."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(
                f"another process is writing the index in {folder}; wait for it to finish and try again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
