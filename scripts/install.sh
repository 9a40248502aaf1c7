#!/usr/bin/env bash
# Create .venv and install everything the app needs; a no-op when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum requirements.lock | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "installing requirements (first run: about a minute)" >&2
  # (this machine's pip config lists optional local indexes that may be absent: drop only that warning)
  # requirements.lock pins every package CI tested, with sha256 hashes: pip refuses anything else
  # (requirements.txt lists what we depend on; `bash scripts/lock.sh` turns it into the lock)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  rm -f .venv/.installed-*
  touch "$stamp"
fi
