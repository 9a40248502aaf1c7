"""Atomic, crash-safe persistence of an index folder.

Layout: `DIR/CURRENT` names the live generation (`gen-000007`), a complete
folder beside it. A save writes a whole new generation under a temporary
name, fsyncs it, renames it into place, then replaces `CURRENT` with
`os.replace` (atomic on POSIX). A crash at any point leaves `CURRENT` naming
the previous, complete generation; leftovers are swept on the next save.
Writers hold an exclusive `flock` on `DIR/.lock` so two ingests never interleave.
Each generation carries `checksums.json` (size and SHA-256 of every file), so a
truncated or corrupted file is named when the index is opened, instead of
failing somewhere deep in FAISS or giving silently wrong answers.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from errors import IndexDamagedError, IndexLockedError, IndexWriteError

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
    try:
        tmp.mkdir()
        write(tmp)
        digests = file_digests(tmp)
        (tmp / CHECKSUMS).write_text(json.dumps(digests, indent=1))
        _fsync_tree(tmp)
    except OSError as exc:  # disk full, quota, permissions: nothing live was touched
        shutil.rmtree(tmp, ignore_errors=True)
        hint = "free some space and run the same command again" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else \
            "check the folder's permissions and run the same command again"
        raise IndexWriteError(f"could not save the index in {folder}: {exc.strerror or exc}; the previous version "
                              f"is intact; {hint}") from None
    shutil.rmtree(final, ignore_errors=True)  # a half-swept leftover of an earlier crash
    os.rename(tmp, final)
    pointer = folder / f".CURRENT.tmp-{os.getpid()}"
    pointer.write_text(final.name + "\n")
    _fsync_file(pointer)
    os.replace(pointer, folder / "CURRENT")
    _fsync_dir(folder)
    _sweep(folder, keep=final.name)
    return final


CHECKSUMS = "checksums.json"


def file_digests(root: Path) -> dict[str, dict[str, object]]:
    """{relative path: {"bytes", "sha256"}} of every file under `root`."""
    digests = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digests[str(path.relative_to(root))] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return digests


def check_generation(gen: Path, rebuild: str) -> None:
    """Raise `IndexDamagedError` naming the first file that is missing, truncated or changed since it was saved.
    A generation saved before checksums existed has none to check."""
    try:
        recorded = json.loads((gen / CHECKSUMS).read_text())
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        raise IndexDamagedError(f"the index in {gen.parent} is damaged ({CHECKSUMS} is unreadable); {rebuild}") from None
    for name, want in recorded.items():
        path = gen / name
        if not path.is_file():
            problem = f"{name} is missing"
        elif path.stat().st_size != want["bytes"]:
            problem = f"{name} has {path.stat().st_size:,} bytes, {want['bytes']:,} were saved"
        elif _sha256(path) != want["sha256"]:
            problem = f"{name} was changed or corrupted since it was saved"
        else:
            continue
        raise IndexDamagedError(f"the index in {gen.parent} is damaged ({problem}); {rebuild}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
