"""The answer table in docs/llm.md: extractive vs a real local LLM on the sample question set.

    python -m bench.answers

Starts the llama.cpp test server with SmolLM2-135M (installed by
`scripts/install_llm_server.sh`, which the test command runs), asks every
question of `evals/questions.jsonl` (94; about 20 minutes for the 135M model on 2 cores) both ways with greedy decoding,
and prints the table of `evals.answers`. Any other OpenAI-compatible server:
`python app.py eval answers --llm openai --llm-url URL --llm-model NAME`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from answer.extractive import ExtractiveAnswerer
    from answer.generative import GenerativeAnswerer
    from app import ensure_index
    from bench.llama_server import API_KEY, MODEL_ALIAS, LlamaServer
    from evals.answers import evaluate_answers, format_table, load_cases
    from settings import PROJECT_DIR, load_settings

    settings = load_settings()
    index = ensure_index(settings)
    cases = load_cases(PROJECT_DIR / "evals" / "questions.jsonl")
    server = LlamaServer(Path(tempfile.mkdtemp()) / "llama-server.log", n_ctx=4096)
    try:
        server.wait_ready()
        os.environ["BIOCITE_LLM_API_KEY"] = API_KEY
        settings.llm.backend, settings.llm.base_url, settings.llm.model = "openai", server.base_url, MODEL_ALIAS
        settings.llm.temperature = 0.0
        reports = {
            "extractive (offline)": evaluate_answers(ExtractiveAnswerer(index), cases),
            f"LLM: SmolLM2-135M via llama.cpp ({settings.llm.context_window}-token window)":
                evaluate_answers(GenerativeAnswerer(index), cases),
        }
    finally:
        server.stop()
    out = PROJECT_DIR / "test-artifacts" / "answer_eval.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(reports, indent=1, ensure_ascii=False))
    print(format_table(reports))
    print(f"every sentence and its verdict: {out}")


if __name__ == "__main__":
    main()
