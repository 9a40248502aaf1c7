#!/usr/bin/env bash
# The run command: install (uv, else pip), copy the shipped sample index if there is no index (build it if the shipped
# one does not fit), serve the chat UI (prints its URL); on a CPU met for the first time the models are prepared beside it.
# Extra arguments go to `python app.py`, e.g. `bash scripts/run.sh --port 8000`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python app.py "$@"
