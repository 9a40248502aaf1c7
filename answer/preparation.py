"""The models' first-run preparation, in the background, so the UI serves and answers before it ends.

On a CPU this checkout has not seen, the embedding model and the reader are each measured on every allowed
backend x precision, converted to OpenVINO and calibrated in int8 once (index/embedding.py, answer/reader.py):
one to two minutes on 2 cores, cached afterwards in `paths.model_cache`. `python app.py` starts serving first and
runs `ModelPreparation` beside it. Meanwhile a question is answered with the torch fp32 references the variants are
measured against (`reference_meanwhile`: the same vectors and readings, only slower), so the first answer does not
wait for the measurement; where a choice is already made, a question waits for the seconds its loading takes, and
`status()` says what it waits for, for the UI to show.
"""

from __future__ import annotations

import contextlib
import threading
import time

from errors import UserError
from index.corpus import CorpusIndex
from index.embedding import describe, resolved_model, say

_current: ModelPreparation | None = None


class ModelPreparation:
    """Loads the index's embedding model, then the reader the settings name, in one background thread."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index
        self._status: str | None = "Preparing the models for this CPU (first run only, about two minutes on 2 cores)…"
        self._done = threading.Event()
        self._meanwhile = contextlib.ExitStack()
        self.standing_in = False  # True while the references answer in the choices' place
        self.error: str | None = None
        self.seconds = 0.0

    def start(self) -> ModelPreparation:
        """Puts the references in place (nothing is loaded here: a question may arrive at once), then prepares."""
        from answer.reader import reference_meanwhile as reader_meanwhile
        from index.embedding import reference_meanwhile

        global _current
        _current = self
        settings = self.index.settings
        cfg, cache = settings.answer, settings.paths.model_cache
        try:
            embedder = self._meanwhile.enter_context(reference_meanwhile(settings.embedding, cache))
            reader = self._meanwhile.enter_context(reader_meanwhile(cfg.reader, cfg.reader_backend,
                                                                    cfg.reader_precision, cache,
                                                                    settings.embedding.cpu_pinning))
            self.standing_in = embedder or reader  # else both are chosen already: a question waits for a load
        except UserError:  # a reader that cannot load: the preparation below says so
            self._meanwhile.close()
        threading.Thread(target=self._run, name="model-preparation", daemon=True).start()
        return self

    def _run(self) -> None:
        from answer.reader import resolved_reader

        started = time.perf_counter()
        settings = self.index.settings
        cfg, cache = settings.answer, settings.paths.model_cache
        try:
            self._status = ("Choosing the fastest embedding variant for this CPU (first run only, about a minute on "
                            "2 cores)…")
            model = resolved_model(settings.embedding, cache)  # the choice itself, not the reference standing in
            _ = self.index.embed_model  # an index of another model is refused (the first question says so too)
            self._status = "Preparing the reader for this CPU (first run only, about a minute on 2 cores)…"
            reader = resolved_reader(cfg.reader, cfg.reader_backend, cfg.reader_precision, cache,
                                     settings.embedding.cpu_pinning)
            self.seconds = time.perf_counter() - started
            say(f"Models ready after {self.seconds:.0f} s: embedding {describe(model)}, reader "
                f"{reader.variant if reader else 'none'}")
        except UserError as exc:  # the first question shows the same message; the server keeps running
            self.error = str(exc)
            say(f"The models could not be prepared: {exc}")
        finally:
            self._meanwhile.close()
            self.standing_in = False
            self._status = None
            self._done.set()

    def status(self) -> str | None:
        """What a question asked now waits for; None once the preparation has ended, and while the references
        answer in the choices' place."""
        return None if self.standing_in else self._status

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


def status() -> str | None:
    """What this process's model preparation is doing (None: none running): the UI shows it while a question waits."""
    return _current.status() if _current is not None else None
