#!/usr/bin/env bash
# The run command: install (uv, else pip), copy the shipped sample index if there is no index (build it if the shipped
# one does not fit), serve the chat UI (prints its URL); on a CPU met for the first time the models are prepared beside it.
# Extra arguments go to `python app.py`, e.g. `bash scripts/run.sh --port 8000`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
# Bytecode is cached (in .venv and the clone, both ignored by git) even where the environment says not to: with
# PYTHONDONTWRITEBYTECODE=1 (set on the machines here) every process compiled the ~3,000 modules it imports again,
# 2.1 of the 5.1 s a `python app.py ask` took on AMD EPYC AVX-512; the tests start dozens of such processes.
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python app.py "$@"
