"""Files uploaded through the UI: stored only under the upload folder, whatever their names say.

A browser-supplied name is untrusted: "../../etc/passwd", absolute paths,
control characters, 10,000-character or unicode names must all end up as one
plain file inside `upload_dir`. We keep the base name's letters (unicode
included), digits, dot, dash and underscore, cap the length, keep the suffix
(the loader needs it), and prefix a content hash so equal names never collide
and re-uploading the same file is recognised as unchanged.

What a file *is* comes from its bytes, not its name (`check_content`): a PNG,
an executable or an archive renamed "paper.pdf" is refused at the door. And
each user (their login, else their address) has a rolling hourly budget of
files and megabytes (`UploadBudget`), so one client cannot fill the disk or
keep the single ingest lane busy for everyone else.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import time
import unicodedata
import zipfile
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path

from errors import IngestError
from ingest.loaders import detect_format, looks_binary

MAX_NAME = 120


def safe_name(original: str, content_hash: str) -> str:
    base = unicodedata.normalize("NFC", re.split(r"[\\\\/]", original)[-1])
    base = re.sub(r"[^\w.\-]+", "_", base).strip("._") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = base, ""
    stem = stem[: MAX_NAME - len(suffix) - 12]
    return f"{content_hash[:10]}_{stem}{'.' + suffix.lower() if suffix else ''}"


# First bytes of formats people upload by mistake, to say what a refused file looks like.
_KNOWN_BINARY = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x7fELF": "a Linux program",
    b"MZ": "a Windows program", b"\x1f\x8b": "a gzip archive", b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7-Zip archive",
    b"\xd0\xcf\x11\xe0": "an old Office file (.doc/.xls: save it as .docx or PDF)", b"PK\x03\x04": "a ZIP archive",
}


def check_content(path: Path, original_name: str) -> str:
    """The format the bytes hold (`detect_format`'s names); IngestError unless it is one the loaders read."""
    with open(path, "rb") as f:
        head = f.read(8192)
    suffix = Path(original_name).suffix.lower()
    kind = detect_format(suffix, head)
    if kind in ("docx", "odt"):
        member = {"docx": "word/document.xml", "odt": "content.xml"}[kind]
        try:
            with zipfile.ZipFile(path) as z:
                if member in z.namelist():
                    return kind
        except zipfile.BadZipFile:
            pass
    elif kind == "pdf" or not (b"\x00" in head or looks_binary(head)):
        return kind
    seen = next((what for magic, what in _KNOWN_BINARY.items() if head.startswith(magic)), "binary data")
    raise IngestError(f"{original_name}: refused, its content is {seen}, not a paper biocite reads (checked by content, not name)")


class UploadBudget:
    """Files and megabytes one user may upload in any rolling hour; thread-safe (Gradio runs handlers in threads)."""

    def __init__(self, files_per_hour: int, mb_per_hour: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.files_per_hour, self.mb_per_hour, self._clock = files_per_hour, mb_per_hour, clock
        self._used: dict[str, deque[tuple[float, float]]] = defaultdict(deque)
        self._lock = threading.Lock()

    def charge(self, user: str, name: str, size_bytes: int) -> None:
        """Count one file against `user`'s hour, or raise IngestError saying when they may upload again."""
        now, mb = self._clock(), size_bytes / 1e6
        with self._lock:
            used = self._used[user]
            while used and used[0][0] <= now - 3600:
                used.popleft()
            files, total = len(used), sum(m for _, m in used)
            if files + 1 > self.files_per_hour or total + mb > self.mb_per_hour:
                wait = max(1, round((used[0][0] + 3600 - now) / 60)) if used else 60
                raise IngestError(
                    f"{name}: refused, over your upload budget ({self.files_per_hour} files and "
                    f"{self.mb_per_hour:g} MB an hour; {files} files, {total:.0f} MB used); try again in about {wait} min"
                )
            used.append((now, mb))


def store_upload(temp_path: str | Path, original_name: str, upload_dir: Path, max_mb: float) -> Path:
    """Copy an uploaded temp file into `upload_dir` under a safe name; refuse oversize files and non-papers."""
    temp_path = Path(temp_path)
    size_mb = temp_path.stat().st_size / 1e6
    if size_mb > max_mb:
        raise IngestError(f"{original_name}: {size_mb:.0f} MB is over the {max_mb:g} MB upload limit")
    check_content(temp_path, original_name)
    digest = hashlib.sha256()
    with open(temp_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    upload_dir = upload_dir.resolve()
    upload_dir.mkdir(parents=True, exist_ok=True)
    target = (upload_dir / safe_name(original_name, digest.hexdigest())).resolve()
    if target.parent != upload_dir:  # cannot happen after safe_name; kept as the last line of defence
        raise IngestError(f"{original_name}: refused, the name does not stay inside the upload folder")
    shutil.copyfile(temp_path, target)
    return target
