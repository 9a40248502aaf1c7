"""Rebuild `tests/fixtures/reference-vectors.npz`: torch fp32 vectors of the 700 held-out bundled abstracts.

The embedding quality bar (tests/index/test_embedding.py) holds every faster variant to these, cosine >= 0.99 at the
5th percentile. Embedding all 700 with torch fp32 in every test run cost ~35 s alone and ~60 s beside the other test
worker on an AVX2-only AMD EPYC (issue 31); the test now embeds a sample of them here and checks they match.
Run it after changing the embedding model or the bundled abstracts (the test says when):

    .venv/bin/python scripts/build_reference_vectors.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index import embedding  # noqa: E402 (run from anywhere)
from settings import PROJECT_DIR, EmbeddingSettings  # noqa: E402

REFERENCE_VECTORS = PROJECT_DIR / "tests" / "fixtures" / "reference-vectors.npz"


def held_out_abstracts() -> list[str]:
    """The abstracts the int8 graph is not calibrated on (`embedding.CALIBRATION_SLICE` is the rest)."""
    return embedding.bundled_abstracts(slice(0, embedding.CALIBRATION_SLICE.start))


def texts_digest(texts: list[str]) -> str:
    return hashlib.sha256("\n\x00".join(texts).encode()).hexdigest()


def main() -> None:
    texts = held_out_abstracts()
    print(f"embedding {len(texts)} abstracts with torch fp32 (about a minute on 2 cores)…", file=sys.stderr)
    model = embedding.load_embedding_model(EmbeddingSettings(backend="torch", precision="float32"))
    vectors = embedding.embed_texts(model, texts).astype("float32")
    np.savez_compressed(REFERENCE_VECTORS, vectors=vectors, texts=texts_digest(texts),
                        model=embedding.model_fingerprint(str(embedding.default_model_path())))
    print(f"{REFERENCE_VECTORS}: {vectors.shape[0]} vectors, {REFERENCE_VECTORS.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
