"""What bounding the sentences an answer embeds costs in answer quality, and what it saves in time.

    python -m bench.answer_budget [--budgets none 6000 4000 3000 2400 1800]

An extractive answer embeds every sentence of the ~20 chunks it reads that no earlier question embedded:
~50-100 sentences cold, most of a second on a CPU without AMX. `answer.max_new_chars` embeds only the
sentences with the most lexical evidence, up to that many characters. This builds the sample corpus plus the
held-out documents in a temporary folder, then for each bound answers both question sets (`evals/questions.jsonl`, the 96 the rules were written
against, and `evals/holdout/questions.jsonl`, 24 nobody tuned on) with every question cold: the sentence
memo is emptied before each conversation and the persistent embedding cache is not read. Prints pass rates,
sentences embedded per answer and answer latency. Asserts nothing; the CPU is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class _ColdAnswerer:
    """The extractive answerer with every conversation starting cold, timing each answer."""

    def __init__(self, answerer) -> None:
        self._answerer, self.index = answerer, answerer.index
        self.ms: list[float] = []

    def answer(self, question: str, history=None, **kwargs):
        if not history:
            self.index._sentence_memo.clear()
        t = time.perf_counter()
        result = self._answerer.answer(question, history=history, **kwargs)
        self.ms.append(1000 * (time.perf_counter() - t))
        return result


def _count_embedded(index) -> list[tuple[int, int]]:
    """Per model call, how many sentences and characters `index.sentence_vectors` was asked for (all of them
    are fresh here)."""
    calls: list[tuple[int, int]] = []
    original = index.sentence_vectors

    def counted(texts):
        calls.append((len(texts), sum(map(len, texts))))
        return original(texts)

    index.sentence_vectors = counted
    return calls


def main(argv: list[str] | None = None) -> None:
    from answer.extractive import ExtractiveAnswerer
    from bench.backends import cpu_features, cpu_name
    from bench.latency import percentile
    from evals.answers import evaluate_answers, load_cases
    from index.corpus import CorpusIndex
    from index.embedding import describe
    from ingest.pipeline import ingest
    from settings import PROJECT_DIR, load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", nargs="*", default=["none", "6000", "4000", "3000", "2400", "1800"])
    args = parser.parse_args(argv)
    sets = {"questions (96)": PROJECT_DIR / "evals" / "questions.jsonl",
            "held-out (24)": PROJECT_DIR / "evals" / "holdout" / "questions.jsonl"}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings()
        settings.paths.index_dir = Path(tmp) / "index"
        index = CorpusIndex.open(settings.paths.index_dir, settings)
        print("building the sample + held-out index ...", flush=True)
        ingest(index, [str(p) for p in settings.paths.sample_corpus] + [str(PROJECT_DIR / "evals" / "holdout" / "docs")])
        settings.paths.embed_cache = None  # answers start cold: no sentence vector from an earlier run
        print(f"embedding: {describe(index.embed_model)}; CPU: {cpu_name()} ({cpu_features()})", flush=True)
        calls = _count_embedded(index)
        print("| max_new_chars | set | pass | gold cited | sentences embedded p50 / max | characters p50 | "
              "ask ms p50 / p95 |")
        print("|---|---|---|---|---|---|---|")
        for budget in args.budgets:
            settings.answer.max_new_chars = None if budget == "none" else int(budget)
            for name, path in sets.items():
                calls.clear()
                answerer = _ColdAnswerer(ExtractiveAnswerer(index))
                report = evaluate_answers(answerer, load_cases(path))
                ok = sum(r["ok"] for r in report["rows"]) / len(report["rows"])
                print(f"| {budget} | {name} | {ok:.1%} | {report['gold_cited']:.1%} | "
                      f"{statistics.median([n for n, _ in calls] or [0]):.0f} / {max([n for n, _ in calls] or [0])} | "
                      f"{statistics.median([c for _, c in calls] or [0]):,.0f} | "
                      f"{statistics.median(answerer.ms):.0f} / {percentile(answerer.ms, 95):.0f} |", flush=True)


if __name__ == "__main__":
    main()
