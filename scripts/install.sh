#!/usr/bin/env bash
# Create .venv and install everything the app needs; a no-op when nothing changed.
#
# requirements.lock pins every package CI tested, with sha256 hashes; whichever installer runs refuses anything else
# (requirements.txt lists what we depend on; `bash scripts/lock.sh` turns it into the lock). uv installs it when it
# can: 20 s against pip's 138 s into a new .venv with warm download caches (31 s with uv's cache cold; Intel Xeon
# AMX, 2 cores; python -m bench.sample --fresh-clone). uv is the one on PATH, or the one requirements-uv.lock pins,
# put into .venv by pip; pip installs the lock itself when neither works. BIOCITE_INSTALLER=pip forces pip.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum requirements.lock | cut -c1-16)"
[ -f "$stamp" ] && exit 0

# (this machine's pip config lists optional local indexes that may be absent: drop only that warning)
quiet_pip() {
  .venv/bin/python -m pip --disable-pip-version-check "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

find_uv() {
  [ "${BIOCITE_INSTALLER:-}" = pip ] && return 1
  if [ -x .venv/bin/uv ]; then echo .venv/bin/uv; return 0; fi
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  quiet_pip install --quiet --require-hashes --no-deps -r requirements-uv.lock >&2 || return 1
  echo .venv/bin/uv
}

# uv reads no pip configuration: pass pip's index-url, extra-index-url and find-links on (UV_* variables work too)
uv_index_args() {
  local key value
  .venv/bin/python -m pip config list 2>/dev/null | while IFS= read -r line; do
    key=${line%%=*}
    value=${line#*=}
    value=${value//\'/}
    case "$key" in
      *.extra-index-url) for v in $value; do printf '%s\n' --extra-index-url "$v"; done ;;
      *.index-url) printf '%s\n' --index-url "$value" ;;
      *.find-links) for v in $value; do printf '%s\n' --find-links "$v"; done ;;
    esac
  done
}

installed=""
if uv=$(find_uv); then
  echo "installing requirements with uv (first run: about 20 s)" >&2
  mapfile -t index_args < <(uv_index_args)
  # unsafe-best-match is pip's own rule (any index may serve a pinned version); the hashes decide what is accepted.
  # No --compile-bytecode: compiling all 20,000 modules took 65 s of CPU, the few the app imports ~11 s, once (run.sh
  # and test.sh let Python cache them even under PYTHONDONTWRITEBYTECODE).
  if "$uv" pip install --quiet --python .venv/bin/python --require-hashes --no-deps --index-strategy unsafe-best-match \
      "${index_args[@]}" -r requirements.lock; then
    installed=uv
  else
    echo "uv could not install requirements.lock; trying pip" >&2
  fi
fi
if [ -z "$installed" ]; then
  echo "installing requirements with pip (first run: about two minutes)" >&2
  quiet_pip install --quiet --require-hashes --no-deps -r requirements.lock
fi
rm -f .venv/.installed-*
touch "$stamp"
