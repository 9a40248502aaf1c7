"""The models' first-run preparation, in the background, so the UI serves before it ends.

On a CPU this checkout has not seen, the embedding model and the reader are each measured on every allowed
backend x precision, converted to OpenVINO and calibrated in int8 once (index/embedding.py, answer/reader.py):
about two minutes on 2 cores, cached afterwards in `paths.model_cache`. `python app.py` starts serving first and
runs `ModelPreparation` beside it; a question asked meanwhile waits for the same work (each choice is measured once,
under a file lock) instead of starting its own, and `status()` says what it waits for, for the UI to show.
"""

from __future__ import annotations

import threading
import time

from errors import UserError
from index.corpus import CorpusIndex
from index.embedding import describe, say

_current: ModelPreparation | None = None


class ModelPreparation:
    """Loads the index's embedding model, then the reader the settings name, in one background thread."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index
        self._status: str | None = "Preparing the models for this CPU (first run only, about two minutes on 2 cores)…"
        self._done = threading.Event()
        self.error: str | None = None
        self.seconds = 0.0

    def start(self) -> ModelPreparation:
        global _current
        _current = self
        threading.Thread(target=self._run, name="model-preparation", daemon=True).start()
        return self

    def _run(self) -> None:
        from answer.reader import load_reader

        started = time.perf_counter()
        cfg, cache = self.index.settings.answer, self.index.settings.paths.model_cache
        try:
            self._status = ("Choosing the fastest embedding variant for this CPU (first run only, about a minute on "
                            "2 cores)…")
            model = self.index.embed_model
            self._status = "Preparing the reader for this CPU (first run only, about a minute on 2 cores)…"
            reader = load_reader(cfg.reader, cfg.reader_backend, cfg.reader_precision, cache,
                                 self.index.settings.embedding.cpu_pinning)
            self.seconds = time.perf_counter() - started
            say(f"Models ready after {self.seconds:.0f} s: embedding {describe(model)}, reader "
                f"{reader.variant if reader else 'none'}")
        except UserError as exc:  # the first question shows the same message; the server keeps running
            self.error = str(exc)
            say(f"The models could not be prepared: {exc}")
        finally:
            self._status = None
            self._done.set()

    def status(self) -> str | None:
        """What the preparation is doing now; None once it has ended."""
        return self._status

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


def status() -> str | None:
    """What this process's model preparation is doing (None: none running): the UI shows it while a question waits."""
    return _current.status() if _current is not None else None
