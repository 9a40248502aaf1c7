"""Atomic, crash-safe persistence of an index folder.

Layout: `DIR/CURRENT` names the live generation (`gen-000007`), a complete
folder beside it. A save writes a whole new generation under a temporary
name, fsyncs it, renames it into place, then replaces `CURRENT` with
`os.replace` (atomic on POSIX). A crash at any point leaves `CURRENT` naming
the previous, complete generation; leftovers are swept on the next save.
Writers hold an exclusive `flock` on `DIR/.lock` so two ingests never interleave.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from errors import IndexLockedError

_GEN = re.compile(r"^gen-(\d{6})$")


def current_generation(folder: Path) -> Path | None:
    """The live generation folder, or None when no index has been saved here."""
    try:
        name = (folder / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    path = folder / name
    return path if _GEN.match(name) and path.is_dir() else None


def generation_stamp(folder: Path) -> str:
    """Changes whenever a new generation goes live (cheap to poll)."""
    gen = current_generation(folder)
    return gen.name if gen else ""


def save_generation(folder: Path, write: Callable[[Path], None]) -> Path:
    """Run `write(tmp_folder)` and make its result the live generation atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    current = current_generation(folder)
    number = int(_GEN.match(current.name).group(1)) + 1 if current else 1
    final = folder / f"gen-{number:06d}"
    tmp = folder / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    write(tmp)
    _fsync_tree(tmp)
    shutil.rmtree(final, ignore_errors=True)  # a half-swept leftover of an earlier crash
    os.rename(tmp, final)
    pointer = folder / f".CURRENT.tmp-{os.getpid()}"
    pointer.write_text(final.name + "\n")
    _fsync_file(pointer)
    os.replace(pointer, folder / "CURRENT")
    _fsync_dir(folder)
    _sweep(folder, keep=final.name)
    return final


def _sweep(folder: Path, keep: str) -> None:
    for entry in folder.iterdir():
        if entry.name != keep and (_GEN.match(entry.name) or ".tmp-" in entry.name):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for name in files:
            _fsync_file(Path(dirpath) / name)
        _fsync_dir(Path(dirpath))


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
