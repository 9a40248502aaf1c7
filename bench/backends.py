"""Embedding backends × precisions on this CPU: throughput, share of the hardware's peak, and quality.

    python -m bench.backends [--texts 512] [--rounds 3]
    python -m bench.backends --scifact [--variants "torch float32,openvino int8"] [--dataset scifact-subset]

1. The machine's own matrix-multiply peak at MiniLM's shapes (3456×384 by 384×1536, torch, all
   cores): fp32 and bf16, and int8 where torch's int8 matmul runs on this CPU.
2. MiniLM through each variant the app runs (`index/embedding.py`) — torch fp32 / bf16, OpenVINO fp32 /
   bf16 (the whole sentence-transformers module converted by `openvino.convert_model`, no optimum
   needed) and OpenVINO int8 (NNCF static quantization calibrated on bundled abstracts 700-999) — on
   the first `--texts` PubMedQA abstracts of the bundled sample, through the app's own `encode`
   (length-sorted batches of `embedding.batch_size`). Rounds are interleaved (every variant once per
   round, median kept) because this shared machine's speed drifts by a third between minutes.
3. Quality of each variant against torch fp32 on all 1,000 bundled abstracts: the 5th percentile of
   cosine (issue 17's bar: ≥ 0.99).

To measure a CPU without AMX, or without AVX-512, on this one: cap oneDNN's instruction set, which
both torch and OpenVINO use for these matmuls, e.g. `ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI` (AVX-512 with
VNNI, no AMX, no bf16 instructions) or `ONEDNN_MAX_CPU_ISA=AVX2`; the app keys its cached choice on
that variable too.

With `--scifact`, instead: SciFact train retrieval (dense and hybrid nDCG@10, Recall@100) with the index built by
each variant through the app's own embedding entry point, next to torch fp32 (issue 17's bar: within 0.003).

The share of peak counts the model's useful FLOPs (unpadded tokens; projections, feed-forward and
attention) against the matmul peak of the precision the variant computes in. Prints a table; asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ABSTRACTS = ROOT / "data" / "sample" / "pubmedqa" / "abstracts.jsonl"
BATCH, MAX_TOKENS = 64, 256


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def cpu_features() -> str:
    flags = set(Path("/proc/cpuinfo").read_text().split())
    return ", ".join(f for f in ("amx_bf16", "amx_int8", "avx512_bf16", "avx512_vnni", "avx_vnni", "avx512f", "avx2") if f in flags)


def matmul_peak(dtype: str, seconds: float = 2.0) -> float | None:
    """GFLOP/s of torch's matmul at MiniLM's feed-forward shape, or None where the dtype does not run."""
    import torch

    m, k, n = 3456, 384, 1536
    try:
        if dtype == "int8":
            a = torch.randint(-64, 64, (m, k), dtype=torch.int8)
            b = torch.randint(-64, 64, (k, n), dtype=torch.int8)
            op = lambda: torch._int_mm(a, b)  # noqa: E731
        else:
            t = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
            a, b = torch.randn(m, k, dtype=t), torch.randn(k, n, dtype=t)
            op = lambda: a @ b  # noqa: E731
        for _ in range(3):
            op()
    except (RuntimeError, NotImplementedError, AttributeError):
        return None
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        op()
        count += 1
    return 2 * m * k * n * count / (time.perf_counter() - started) / 1e9


def useful_gflop(token_counts: list[int], layers: int = 6, hidden: int = 384, ffn: int = 1536) -> float:
    """MiniLM's multiply-adds ×2 for these unpadded lengths: QKV+O projections, feed-forward, attention."""
    per_layer = sum(2 * s * (4 * hidden * hidden + 2 * hidden * ffn) + 4 * s * s * hidden for s in token_counts)
    return layers * per_layer / 1e9


def _texts(path: Path, n: int, skip: int = 0) -> list[str]:
    out = []
    with open(path) as f:
        for i, line in enumerate(f):
            if i >= skip:
                row = json.loads(line)
                out.append(f"{row.get('title', '')}. {row['text']}".strip(". "))
            if len(out) >= n:
                break
    return out


def build_variants() -> dict[str, tuple[str, Callable[[list[str]], np.ndarray]]]:
    """name -> (precision it computes in, encode(texts) -> unit vectors), each loaded through the app's own entry
    point (`index.embedding.load_embedding_model`: length-sorted batches of `embedding.batch_size`). A variant this
    CPU cannot run (OpenVINO bf16 under an AVX2 cap) is named with the reason and left out."""
    from errors import ModelLoadError
    from index.embedding import SHORT, VARIANTS, Variant, load_embedding_model
    from settings import EmbeddingSettings

    out = {}
    for backend, precision in VARIANTS:
        try:
            model = load_embedding_model(EmbeddingSettings(backend=backend, precision=precision))
        except ModelLoadError as exc:
            print(f"{Variant(backend, precision)}: not measured, it does not run here ({exc})", flush=True)
            continue
        out[str(Variant(backend, precision))] = (SHORT[precision], model.encode)
    return out


def scifact(variants: list[str], dataset: str = "scifact-train") -> None:
    """SciFact train (or `dataset`, e.g. CI's scifact-subset) nDCG@10 / Recall@100, dense and hybrid, for indexes
    built by each variant."""
    from evals.datasets import DATASETS
    from evals.retrieval import evaluate
    from settings import load_settings

    data = next(d for d in DATASETS if d.name == dataset)
    rows = {}
    for name in variants:
        backend, precision = name.split()
        settings = load_settings()
        settings.embedding.backend, settings.embedding.precision = backend, precision
        started = time.perf_counter()
        report = evaluate(data.corpus, data.queries, data.qrels, settings, ["dense", "hybrid"], baseline=False)
        rows[name] = {r["mode"]: r for r in report["results"]}
        print(f"{name}: index {report['index_seconds']} s, {time.perf_counter() - started:.0f} s in all: " + ", ".join(
            f"{m} nDCG@10 {r['nDCG@10']:.4f} R@100 {r['Recall@100']:.4f}" for m, r in rows[name].items()), flush=True)
    ref = rows.get("torch float32")
    print("| variant | dense nDCG@10 | dense R@100 | hybrid nDCG@10 | hybrid R@100 | largest gap to torch fp32 |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        cells = [r[m][k] for m in ("dense", "hybrid") for k in ("nDCG@10", "Recall@100")]
        gap = max(abs(r[m][k] - ref[m][k]) for m in ("dense", "hybrid") for k in ("nDCG@10", "Recall@100")) if ref else None
        print(f"| {name} | " + " | ".join(f"{c:.4f}" for c in cells) + f" | {'' if gap is None else f'{gap:.4f}'} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=512, help="abstracts timed per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scifact", action="store_true", help="SciFact retrieval per variant instead of speed")
    parser.add_argument("--variants", default="torch float32,openvino int8,openvino bfloat16,torch bfloat16",
                        help="with --scifact: comma-separated 'backend precision' pairs")
    parser.add_argument("--dataset", default="scifact-train", help="with --scifact: scifact-train or scifact-subset (CI's)")
    args = parser.parse_args(argv)
    if args.scifact:
        print(f"CPU: {cpu_name()}; {os.cpu_count()} cores; {cpu_features()}")
        return scifact([v.strip() for v in args.variants.split(",")], args.dataset)
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    print(f"CPU: {cpu_name()}; {os.cpu_count()} cores; {cpu_features()}")
    peaks = {d: matmul_peak(d) for d in ("fp32", "bf16", "int8")}
    print("matmul peak, GFLOP/s (3456×384 by 384×1536, torch): " + ", ".join(
        f"{d} {p:.0f}" if p else f"{d} not available" for d, p in peaks.items())
        + " (int8 is torch._int_mm, which may not reach the CPU's int8 units: compare int8 with the bf16 peak)")

    quality_texts = _texts(ABSTRACTS, 1000)
    timed = quality_texts[:args.texts]
    variants = build_variants()
    gflop = useful_gflop([len(ids) for ids in _token_ids(timed)])
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for round_no in range(args.rounds):
        for name, (_, encode) in variants.items():
            encode(timed[:BATCH])  # warm-up: first-call compilation and allocation
            started = time.perf_counter()
            encode(timed)
            rates[name].append(len(timed) / (time.perf_counter() - started))
        print(f"round {round_no + 1}: " + ", ".join(f"{n} {r[-1]:.1f}" for n, r in rates.items()), flush=True)

    reference = variants["torch fp32"][1](quality_texts)
    print(f"\n{len(timed)} abstracts per round, {gflop / len(timed):.2f} useful GFLOP per abstract on average; "
          f"median of {args.rounds} interleaved rounds; quality on all {len(quality_texts)} abstracts")
    print("| variant | computes in | chunks/s | share of its precision's matmul peak | share of the bf16 peak | "
          "cosine to torch fp32, 5th pct |")
    print("|---|---|---|---|---|---|")
    for name, (precision, encode) in variants.items():
        rate = statistics.median(rates[name])
        peak = peaks.get(precision)
        achieved = rate * gflop / len(timed)
        share = f"{achieved / peak:.0%}" if peak else "n/a"
        of_bf16 = f"{achieved / peaks['bf16']:.0%}" if peaks.get("bf16") else "n/a"
        cosine = 1.0 if name == "torch fp32" else float(np.percentile(np.sum(encode(quality_texts) * reference, axis=1), 5))
        print(f"| {name} | {precision} | {rate:.1f} | {share} | {of_bf16} | {cosine:.4f} |")


def _token_ids(texts: list[str]) -> list[list[int]]:
    from transformers import AutoTokenizer

    from index.embedding import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    return tokenizer(texts, truncation=True, max_length=MAX_TOKENS)["input_ids"]


if __name__ == "__main__":
    main()
