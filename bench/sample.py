"""Benchmark the spine on the bundled sample corpus: build time, ask latency, memory.

    python -m bench.sample [--repeat 3]
    python -m bench.sample --fresh-clone     # time to the first answer after `git clone`, per phase

Builds the sample index in a temporary folder (so your own index is untouched),
then answers every question of the answer question set (evals/questions.jsonl, follow-ups as typed)
`--repeat` times in-process. Prints
figures; asserts nothing (tests assert quality floors, never times).

`--fresh-clone` clones this repository (its last commit) into a temporary folder and times what the run command
does there before a user's first answer: the install (a new .venv by scripts/install.sh: uv, or pip with
`BIOCITE_INSTALLER=pip`; the download caches stay warm, so a machine that never downloaded the wheels pays the network
on top), loading the embedding model, the sample index (the shipped one copied, or built when it does not fit:
index/sample_index.py) and the first answer, asked as the server starts measuring the embedder's and the reader's
variants for this CPU in the background (answer/preparation.py: the first answer uses the torch fp32 references),
then the rest of that measurement. Each phase prints its wall seconds and the CPU seconds it used (all
threads and child processes): on a machine shared with other work the wall figure grows, the CPU figure much less.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from bench.latency import percentile, search_and_ask_ms
from index.corpus import CorpusIndex
from index.embedding import describe, load_embedding_model
from settings import PROJECT_DIR, load_settings

# run inside the clone, by its own .venv: each phase of `python app.py` before the first answer, timed (wall, CPU)
_PHASES = r"""
import json, time
clock = [(time.perf_counter(), time.process_time())]
phases = {}
def done(name):
    clock.append((time.perf_counter(), time.process_time()))
    phases[name] = [clock[-1][0] - clock[-2][0], clock[-1][1] - clock[-2][1]]
from settings import load_settings
from index.embedding import describe, load_without_measuring
settings = load_settings()
load_without_measuring(settings.embedding, settings.paths.model_cache)  # what app.py serve loads before serving
done("model load")
from app import ensure_index
index = ensure_index(settings)
done("sample index")
from answer.preparation import ModelPreparation
preparation = ModelPreparation(index).start()  # the variants' measurement, beside the server
from answer.extractive import ExtractiveAnswerer
answerer = ExtractiveAnswerer(index)
answer = answerer.answer("which biologics target Th2?")
first = {"embedding": describe(index.embed_model), "reader": str(answerer.reader.variant) if answerer.reader else "none"}
done("first answer")
preparation.wait()
done("variants chosen after it")
print(json.dumps({"phases": phases, "first": first, "embedding": describe(index.embed_model),
                  "reader": str(answerer.reader.variant) if answerer.reader else "none",
                  "answer": answer.parts[0].text if answer.parts else ""}))
"""


def fresh_clone() -> None:
    """Per-phase seconds from `git clone` to the first answer, as the run command (scripts/run.sh) spends them."""
    import os
    import subprocess

    def timed(cmd: list[str], cwd: Path) -> tuple[list[float], str]:
        t, cpu = time.perf_counter(), _children_cpu()
        out = subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True,
                             env={**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"})
        return [time.perf_counter() - t, _children_cpu() - cpu], out.stdout

    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "biocite"
        print("cloning, installing and preparing in", clone, "(a few minutes)", flush=True)
        phases = {"git clone": timed(["git", "clone", "--quiet", str(PROJECT_DIR), str(clone)], Path(tmp))[0]}
        phases["install (new .venv)"] = timed(["bash", "scripts/install.sh"], clone)[0]
        _, out = timed([str(clone / ".venv" / "bin" / "python"), "-c", _PHASES], clone)
        inner = json.loads(out.strip().splitlines()[-1])
        phases.update(inner["phases"])
    chosen = phases.pop("variants chosen after it")
    print(f"{'phase':24s} {'wall':>7s}   {'CPU':>7s}")
    for name, (wall, cpu) in phases.items():
        print(f"{name:24s} {wall:7.1f} s {cpu:7.1f} s")
    first = inner["first"]
    print(f"{'first answer after clone':24s} {sum(w for w, _ in phases.values()):7.1f} s "
          f"{sum(c for _, c in phases.values()):7.1f} s   (embedding {first['embedding']}, reader {first['reader']}; "
          f"answer: {inner['answer']!r}; serving itself adds the Gradio start, about 2 s)")
    print(f"{'variants chosen after it':24s} {chosen[0]:7.1f} s {chosen[1]:7.1f} s   (embedding {inner['embedding']}, "
          f"reader {inner['reader']}: what later questions use)")
    print(f"on {os.cpu_count()} cores; load average when done: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh-clone", action="store_true", help="time the run command's phases in a fresh clone")
    args = parser.parse_args(argv)
    if args.fresh_clone:
        fresh_clone()
        return
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        settings.paths.index_dir = Path(tmp) / "index"
        settings.paths.embed_cache = Path(tmp) / "embed-cache.sqlite"  # cold: every chunk is embedded
        t0 = time.perf_counter()
        model = load_embedding_model(settings.embedding)
        load_s = time.perf_counter() - t0
        from ingest.pipeline import ingest

        index = CorpusIndex.open(settings.paths.index_dir, settings)
        report = ingest(index, [str(p) for p in settings.paths.sample_corpus])
        t1 = time.perf_counter()
        reopened = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
        reload_s = time.perf_counter() - t1
        cases = [json.loads(x) for x in (PROJECT_DIR / "evals" / "questions.jsonl").read_text().splitlines() if x]
        questions = [q for c in cases for q in (c.get("turns") or [c["question"]])]
        search_ms, ask_ms = search_and_ask_ms(reopened, questions * args.repeat)
    stats = reopened.stats()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"sample corpus: {stats['documents']} documents, {stats['chunks']} chunks; embedding {describe(model)}")
    print(f"model load            {load_s:6.1f} s")
    print(f"ingest (read+embed+save) {report.seconds:6.1f} s   {report.chunks_embedded / report.seconds:6.1f} chunks/s")
    print(f"index reload          {reload_s * 1000:6.0f} ms")
    print(f"search  p50 {percentile(search_ms, 50):6.1f} ms   p95 {percentile(search_ms, 95):6.1f} ms   (hybrid, n={len(search_ms)})")
    print(f"ask     p50 {percentile(ask_ms, 50):6.1f} ms   p95 {percentile(ask_ms, 95):6.1f} ms   (extractive, n={len(ask_ms)})")
    first = ask_ms[: len(questions)]  # every paper's sentences met for the first time, none from an earlier pass
    print(f"  first pass p50 {percentile(first, 50):6.1f} ms   p95 {percentile(first, 95):6.1f} ms   (n={len(first)}, "
          "sentence vectors not yet cached)")
    print(f"peak RSS              {peak_mb:6.0f} MB")


if __name__ == "__main__":
    main()
