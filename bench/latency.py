"""Query latency as every benchmark measures it: hybrid search (k = 10) and an extractive answer per question."""

from __future__ import annotations

import statistics
import time


def search_and_ask_ms(index, questions: list[str]) -> tuple[list[float], list[float]]:
    """Milliseconds per `index.search` and per extractive answer, after one warm-up answer."""
    from answer.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(index)
    answerer.answer(questions[0])  # warm-up: model and caches loaded
    search_ms, ask_ms = [], []
    for q in questions:
        t = time.perf_counter()
        index.search(q, k=10)
        search_ms.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        answerer.answer(q)
        ask_ms.append(1000 * (time.perf_counter() - t))
    return search_ms, ask_ms


def percentile(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100)[q - 1]
