"""Embedding backends × precisions on this CPU: throughput, share of the hardware's peak, and quality.

    python -m bench.backends [--texts 512] [--rounds 3]

1. The machine's own matrix-multiply peak at MiniLM's shapes (3456×384 by 384×1536, torch, all
   cores): fp32 and bf16, and int8 where torch's int8 matmul runs on this CPU.
2. MiniLM through each variant — torch fp32 / bf16 (what biocite runs today), OpenVINO fp32 / bf16
   (the torch module converted by `openvino.convert_model`, no optimum needed) and OpenVINO int8
   (static quantization by NNCF, calibrated on 300 SciFact abstracts, none of them benchmarked) —
   on `--texts` PubMedQA abstracts from the bundled sample, length-sorted batches of 64. Rounds are
   interleaved (every variant once per round, median kept) because this shared machine's speed
   drifts by a third between minutes.
3. Quality of each variant against torch fp32 on all 1,000 bundled abstracts: the 5th percentile of
   cosine (issue 17's bar: ≥ 0.99).

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
CALIBRATION = ROOT / "evals" / "scifact" / "corpus.jsonl"
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


def _sorted_batches(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    order = np.argsort([len(t) for t in texts])
    out = np.zeros((len(texts), 384), dtype="float32")
    for i in range(0, len(texts), BATCH):
        idx = order[i:i + BATCH]
        out[idx] = encode([texts[j] for j in idx])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def build_variants(calibration: list[str]) -> dict[str, tuple[str, Callable[[list[str]], np.ndarray]]]:
    """name -> (precision it computes in, encode(texts) -> unnormalised vectors)."""
    import openvino as ov
    import torch
    from sentence_transformers import SentenceTransformer

    from index.embedding import default_model_path

    path = str(default_model_path())
    fp32 = SentenceTransformer(path, device="cpu")
    bf16 = SentenceTransformer(path, device="cpu", model_kwargs={"dtype": torch.bfloat16})
    tokenizer = fp32.tokenizer

    class MeanPooled(torch.nn.Module):
        """The transformer plus sentence-transformers' mean pooling, as one graph to convert."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    def tokens(texts: list[str]) -> dict[str, np.ndarray]:
        enc = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np")
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}

    example = {k: torch.from_numpy(v) for k, v in tokens(calibration[:2]).items()}
    graph = ov.convert_model(MeanPooled(fp32[0].auto_model.eval()), example_input=example)
    core = ov.Core()

    def openvino(model: object, precision: str) -> Callable[[list[str]], np.ndarray]:
        request = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": precision,
                                                    "PERFORMANCE_HINT": "LATENCY"}).create_infer_request()
        return lambda texts: next(iter(request.infer(tokens(texts)).values()))

    import nncf

    started = time.perf_counter()
    batches = [tokens(calibration[i:i + 8]) for i in range(0, len(calibration), 8)]
    int8 = nncf.quantize(graph, nncf.Dataset(batches), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(calibration))
    print(f"NNCF static int8 calibration on {len(calibration)} SciFact abstracts: {time.perf_counter() - started:.0f} s")

    def torch_encode(model: SentenceTransformer) -> Callable[[list[str]], np.ndarray]:
        return lambda texts: model.encode(texts, batch_size=BATCH, convert_to_numpy=True).astype("float32")

    return {
        "torch fp32": ("fp32", torch_encode(fp32)),
        "torch bf16": ("bf16", torch_encode(bf16)),
        "openvino fp32": ("fp32", openvino(graph, "f32")),
        "openvino bf16": ("bf16", openvino(graph, "bf16")),
        "openvino int8 (NNCF static)": ("int8", openvino(int8, "f32")),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=512, help="abstracts timed per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    print(f"CPU: {cpu_name()}; {os.cpu_count()} cores; {cpu_features()}")
    peaks = {d: matmul_peak(d) for d in ("fp32", "bf16", "int8")}
    print("matmul peak, GFLOP/s (3456×384 by 384×1536, torch): " + ", ".join(
        f"{d} {p:.0f}" if p else f"{d} not available" for d, p in peaks.items())
        + " (int8 is torch._int_mm, which may not reach the CPU's int8 units: compare int8 with the bf16 peak)")

    quality_texts = _texts(ABSTRACTS, 1000)
    timed = quality_texts[:args.texts]
    variants = build_variants(_texts(CALIBRATION, 300))
    gflop = useful_gflop([len(ids) for ids in _token_ids(timed)])
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for round_no in range(args.rounds):
        for name, (_, encode) in variants.items():
            _sorted_batches(encode, timed[:BATCH])  # warm-up: first-call compilation and allocation
            started = time.perf_counter()
            _sorted_batches(encode, timed)
            rates[name].append(len(timed) / (time.perf_counter() - started))
        print(f"round {round_no + 1}: " + ", ".join(f"{n} {r[-1]:.1f}" for n, r in rates.items()), flush=True)

    reference = _sorted_batches(variants["torch fp32"][1], quality_texts)
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
        cosine = 1.0 if name == "torch fp32" else float(np.percentile(np.sum(_sorted_batches(encode, quality_texts) * reference, axis=1), 5))
        print(f"| {name} | {precision} | {rate:.1f} | {share} | {of_bf16} | {cosine:.4f} |")


def _token_ids(texts: list[str]) -> list[list[int]]:
    from transformers import AutoTokenizer

    from index.embedding import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    return tokenizer(texts, truncation=True, max_length=MAX_TOKENS)["input_ids"]


if __name__ == "__main__":
    main()
