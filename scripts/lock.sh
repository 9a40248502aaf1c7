#!/usr/bin/env bash
# Regenerate requirements.lock (every package pinned, with sha256 hashes) from requirements.txt.
# Existing pins are kept unless requirements.txt asks for something else; pass uv options through,
# e.g. `bash scripts/lock.sh --upgrade-package gradio`. Needs the package registry (uv is installed
# into a throwaway venv at a pinned version).
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$(mktemp -d)
trap 'rm -rf "$tool"' EXIT
python3 -m venv "$tool" && "$tool/bin/pip" install --quiet uv==0.13.8 2> >(grep -v "is ignored" >&2)
# torch's CPU build is a wheel on this machine's disk (pip's find-links); the lock pins that file's hash
"$tool/bin/uv" pip compile requirements.txt --generate-hashes --python-version 3.11.7 \
  --find-links /opt/wheels --output-file requirements.lock --quiet "$@"
# the installer scripts/install.sh puts into .venv before the lock (uv, hash-checked by pip)
echo "uv==$("$tool/bin/uv" --version | cut -d' ' -f2)" > "$tool/uv.txt"
{ head -2 requirements-uv.lock; "$tool/bin/uv" pip compile "$tool/uv.txt" --generate-hashes --python-version 3.11.7 \
    --no-header --output-file - | sed "s|# via -r .*|# via scripts/install.sh|"; } > "$tool/uv.lock"
mv "$tool/uv.lock" requirements-uv.lock
echo "requirements.lock: $(grep -c '^[A-Za-z0-9]' requirements.lock) packages pinned with hashes" >&2
