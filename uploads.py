"""Files uploaded through the UI: stored only under the upload folder, whatever their names say.

A browser-supplied name is untrusted: "../../etc/passwd", absolute paths,
control characters, 10,000-character or unicode names must all end up as one
plain file inside `upload_dir`. We keep the base name's letters (unicode
included), digits, dot, dash and underscore, cap the length, keep the suffix
(the loader needs it), and prefix a content hash so equal names never collide
and re-uploading the same file is recognised as unchanged.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from pathlib import Path

from errors import IngestError

MAX_NAME = 120


def safe_name(original: str, content_hash: str) -> str:
    base = unicodedata.normalize("NFC", re.split(r"[\\\\/]", original)[-1])
    base = re.sub(r"[^\w.\-]+", "_", base).strip("._") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = base, ""
    stem = stem[: MAX_NAME - len(suffix) - 12]
    return f"{content_hash[:10]}_{stem}{'.' + suffix.lower() if suffix else ''}"


def store_upload(temp_path: str | Path, original_name: str, upload_dir: Path, max_mb: float) -> Path:
    """Copy an uploaded temp file into `upload_dir` under a safe name; refuse oversize files."""
    temp_path = Path(temp_path)
    size_mb = temp_path.stat().st_size / 1e6
    if size_mb > max_mb:
        raise IngestError(f"{original_name}: {size_mb:.0f} MB is over the {max_mb:g} MB upload limit")
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
