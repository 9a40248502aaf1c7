"""Two busy processes on the same cores: what OpenVINO's thread pinning and OpenMP's waiting policy cost them.

    python -m bench.cpu_sharing [--texts 400] [--variants "openvino float32,openvino int8,torch float32"]

The test command runs two pytest workers on a 2-core machine, and a server often embeds while a CLI ingest does.
For each variant the app runs (`index/embedding.py`), this times embedding the first `--texts` bundled abstracts
in one process alone, then in two processes at once, with the setting that matters for that backend on and off:
OpenVINO with `embedding.cpu_pinning` true (OpenVINO's own default: threads pinned to cores) and false; torch with
`OMP_WAIT_POLICY` unset (OpenMP threads spin while they wait) and `PASSIVE`. Each case runs in fresh processes
(`--child`), so no model or thread pool carries over. Prints a table of seconds per process (the slower of a
pair); asserts nothing. To see an AVX2-only CPU on a newer one, cap oneDNN first:
`ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 python -m bench.cpu_sharing`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.backends import cpu_features, cpu_name

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def child(backend: str, precision: str, texts: int) -> None:
    """Load one variant (its export and calibration cached beforehand), warm it, print the seconds its embedding took."""
    from index.embedding import bundled_abstracts, load_embedding_model
    from settings import load_settings

    settings = load_settings().embedding.model_copy(update={"backend": backend, "precision": precision})
    model = load_embedding_model(settings)
    abstracts = bundled_abstracts(slice(0, texts))
    model.encode(abstracts[:16])
    started = time.perf_counter()
    model.encode(abstracts)
    print(f"{time.perf_counter() - started:.2f}", flush=True)


def run(backend: str, precision: str, texts: int, processes: int, env: dict[str, str | None]) -> float:
    """The slowest of `processes` children started together, in seconds of embedding (None in `env`: unset)."""
    command = [sys.executable, "-m", "bench.cpu_sharing", "--child", backend, precision, "--texts", str(texts)]
    merged = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    children = [subprocess.Popen(command, env=merged, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    outs = [c.communicate()[0] for c in children]
    if any(c.returncode for c in children):
        raise SystemExit(f"a child failed: {backend} {precision} {env}")
    return max(float(out.split()[-1]) for out in outs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--variants", default="openvino float32,openvino int8,torch float32")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "PRECISION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.texts)
        return
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA")
    print(f"{cpu_name()} ({cpu_features()}; {os.cpu_count()} cores{f', oneDNN capped to {cap}' if cap else ''}); "
          f"{args.texts} bundled abstracts per process")
    print("| variant | setting | alone, s | two at once, s (each) |\n|---|---|---|---|")
    for variant in args.variants.split(","):
        backend, precision = variant.split()
        run(backend, precision, 16, 1, {})  # exported, calibrated and cached before anything is timed
        if backend == "openvino":
            cases = [("pinned (default)", {"BIOCITE_EMBEDDING__CPU_PINNING": "true"}),
                     ("not pinned", {"BIOCITE_EMBEDDING__CPU_PINNING": "false"})]
        else:
            cases = [("OpenMP waits spinning (default)", {"OMP_WAIT_POLICY": None}),
                     ("OMP_WAIT_POLICY=PASSIVE", {"OMP_WAIT_POLICY": "PASSIVE"})]
        for label, env in cases:
            alone = run(backend, precision, args.texts, 1, env)
            pair = run(backend, precision, args.texts, 2, env)
            print(f"| {variant} | {label} | {alone:.1f} | {pair:.1f} |", flush=True)


if __name__ == "__main__":
    main()
