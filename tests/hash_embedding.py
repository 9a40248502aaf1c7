"""A tiny deterministic embedding for fast unit tests (never used by the app).

Bag of hashed BM25 tokens in 256 dimensions, L2-normalised: texts sharing
words are similar, unrelated texts are near-orthogonal — enough to test
ranking, persistence and answers without loading MiniLM.
"""

from __future__ import annotations

import hashlib

import numpy as np
from llama_index.core.embeddings import BaseEmbedding

from text.tokens import tokenize

DIM = 256


class HashEmbedding(BaseEmbedding):
    calls: int = 0  # texts embedded so far: lets tests prove that nothing was re-embedded

    def _vec(self, text: str) -> list[float]:
        self.calls += 1
        v = np.zeros(DIM, dtype="float32")
        for tok in tokenize(text):
            v[int(hashlib.md5(tok.encode()).hexdigest()[:8], 16) % DIM] += 1.0
        n = np.linalg.norm(v)
        return (v / n if n else v).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vec(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vec(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vec(text)
