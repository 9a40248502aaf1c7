#!/usr/bin/env bash
# The run command: install, build the sample index if missing, serve the chat UI (prints its URL).
# Extra arguments go to `python app.py`, e.g. `bash scripts/run.sh --port 8000`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python app.py "$@"
