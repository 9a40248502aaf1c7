#!/usr/bin/env bash
# The test command: install (plus Debian's chromium for the browser test), then the whole suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` for the fast inner loop.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's chromium for the browser tests installs (network and disk) while the LLM server's wheel builds (CPU), not
# after it: on a cold machine both are one-off minutes of the run (docs/tests.md, twenty-fourth session).
chromium=""
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  ( $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null ) &
  chromium=$!
fi
bash scripts/install.sh
bash scripts/install_llm_server.sh   # a real LLM server for the LLM-path tests (wheel built once, cached)
[ -z "$chromium" ] || wait "$chromium" || { echo "installing chromium failed: see apt-get's message above" >&2; exit 1; }
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
unset PYTHONDONTWRITEBYTECODE  # bytecode is cached, as in scripts/run.sh (why: there); the tests start dozens of processes
# Two workers (pytest-xdist), each taking whole modules, so a module's fixtures are built once; they share one
# embedding cache, and modules reading one costly session fixture go to one worker (tests/conftest.py). What one waits on (a server starting, a browser, a child process) the other
# fills: on AMD EPYC capped to AVX2, 2 cores, 35 min 37 s of pytest in one process, 30 min 47 s on two (docs/tests.md).
# `-n 0` after the command runs everything in this process.
# Unpinned OpenVINO threads and passive OpenMP waits (`python -m bench.cpu_sharing`) were measured here and not
# kept: faster when both workers embed at once, slower when one is alone; on the whole suite, within the spread
# between runs (docs/tests.md).
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
