"""Run each file's parser in a child process with a time and memory budget.

PDF, HTML, Word and XML parsers are third-party code fed untrusted bytes: a
decompression bomb, a pathological layout or a parser bug can take minutes or
gigabytes. Inside the batch that would stop every other file (and, in the
server, every user). So files are parsed in a forked worker process: each file
gets `seconds` of wall time and `memory_mb` of address space on top of what the
worker already maps; past either the worker is killed (a fresh one is forked
for the next file) and the file fails alone, with a message naming the budget.

One worker serves a whole batch, because forking a process that holds torch
and an index costs 10–20 ms: a folder of a thousand notes would spend longer
forking than parsing. Fork (not spawn) because the worker needs nothing but
parser code the parent has already imported, where a fresh interpreter spends a
second importing llama-index. The worker touches no shared state, so the
parent's threads (Gradio's, torch's) do not matter to it; should a lock copied
mid-use ever hang it, the time budget ends it like any other stall.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from typing import TypeVar

from errors import IngestError

T = TypeVar("T")
_PAGE = os.sysconf("SC_PAGE_SIZE")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class ParseBudget:
    """A reusable worker process; `run(fn, *args)` is `fn(*args)` within the budget, else IngestError."""

    def __init__(self, seconds: float, memory_mb: float) -> None:
        self.seconds, self.memory_mb = seconds, memory_mb
        self._worker: multiprocessing.process.BaseProcess | None = None
        self._conn = None

    def run(self, fn: Callable[..., T], *args: object) -> T:
        if self._worker is None or not self._worker.is_alive():
            self._start()
        try:
            self._conn.send((fn, args))
            if not self._conn.poll(self.seconds):
                self.close()
                raise IngestError(
                    f"reading this file took longer than {self.seconds:g} s and was stopped; it may be damaged or "
                    "built to stall parsers (raise ingest.max_parse_seconds to allow more)"
                )
            status, value = self._conn.recv()
        except (EOFError, OSError):
            code = self._worker.exitcode if self._worker is not None else None
            self.close()
            raise IngestError(f"the parser process died reading this file (exit code {code}); it may be damaged") from None
        if status == "memory":
            self.close()  # its heap may be fragmented past use: the next file gets a fresh worker
            raise IngestError(
                f"reading this file needed more than {self.memory_mb:g} MB of memory and was stopped; it may be a "
                "decompression bomb (raise ingest.max_parse_memory_mb to allow more)"
            )
        return value

    def close(self) -> None:
        if self._worker is not None:
            if self._worker.is_alive():
                self._worker.kill()
            self._worker.join()
            self._conn.close()
            self._worker = self._conn = None

    def __enter__(self) -> ParseBudget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child_end = ctx.Pipe()
        self._worker = ctx.Process(
            target=_serve, args=(child_end, self._conn, self.memory_mb), daemon=True, name="biocite-parser"
        )
        self._worker.start()
        child_end.close()


def _serve(conn, parent_end, memory_mb: float) -> None:  # noqa: ANN001 (Connections)
    """Worker loop: for each call, cap the address space at what is mapped now plus the budget, then run it.

    The worker must never outlive its parent: a `kill -9` of the server would otherwise leave it holding
    copies of the parent's file descriptors (the index's writer lock among them). So it asks the kernel
    for SIGKILL when the parent dies, and closes its copy of the parent's pipe end so a dead parent also
    reads as end-of-file.

    It must also never finalise the parent's objects: a garbage cycle the parent had not yet collected (an
    index's FAISS segments, its SQLite connections) would otherwise be destroyed in the worker when its first
    allocation triggers a collection, running C++ destructors on resources the parent owns. Destroying fp16
    FAISS segments there crashed the worker (SIGSEGV), failing every file of the batch. `gc.freeze()` moves
    everything inherited to the permanent generation, which the worker's collections never visit."""
    gc.freeze()  # see below
    _die_with_parent()
    parent_end.close()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        try:
            fn, args = conn.recv()
        except EOFError:
            return
        resource.setrlimit(resource.RLIMIT_AS, (_capped(_mapped_bytes() + int(memory_mb * 2**20), hard), hard))
        try:
            result = ("ok", fn(*args))
        except MemoryError:
            result = ("memory", None)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        conn.send(result)


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pipe's end-of-file still ends the loop
        return
    if os.getppid() == 1:  # the parent died before the request above took effect
        os._exit(0)


def _mapped_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * _PAGE


def _capped(limit: int, hard: int) -> int:
    return limit if hard == resource.RLIM_INFINITY else min(limit, hard)
