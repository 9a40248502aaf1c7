"""BM25 over chunks with a tokenizer that respects biomedical names.

The tokenizer (`text.tokens`) keeps biomedical names whole and also emits their parts. Scoring is
bm25s (Lucene variant). The index is rebuilt from the chunks on every save, but
each text is tokenized once (token ids are remembered by id and text, and saved
with the index) and the score matrix is built with numpy, so the checkpoints of a million-chunk
ingest cost seconds, not the Python loops of a fresh `bm25s.index` each time.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import bm25s
import numpy as np

from text.tokens import tokenize

TOKENS_FILE, VOCAB_FILE = "tokens.npz", "tokens_vocab.json"


class BM25Index:
    """Four verbs, as bm25s has: index, retrieve, save, load."""

    def __init__(self) -> None:
        self._bm25: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._position_cache: dict[str, int] | None = None
        self._vocab: dict[str, int] = {}  # grows only, so remembered token ids stay valid
        self._memo: dict[str, tuple[int, np.ndarray]] = {}  # id -> (hash of its text, its token ids)
        self._saved_tokens: Path | None = None  # the memo on disk, read at the first rebuild after a load

    def __len__(self) -> int:
        return len(self._ids)

    def index(self, ids: list[str], texts: list[str]) -> None:
        """(Re)build over exactly these texts; only texts not seen under their id are tokenized."""
        self._read_saved_tokens()
        self._ids = list(ids)
        self._position_cache = None
        self._bm25 = None
        memo: dict[str, tuple[int, np.ndarray]] = {}
        for id_, text in zip(ids, texts):
            key = _text_key(text)
            known = self._memo.get(id_)
            memo[id_] = known if known is not None and known[0] == key else (key, self._token_ids(text))
        self._memo = memo
        if ids:
            self._bm25 = _bm25_from_token_ids([memo[i][1] for i in ids], self._vocab)

    def _token_ids(self, text: str) -> np.ndarray:
        vocab = self._vocab
        return np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokenize(text) or ["\x00"]), dtype=np.int32)

    def scores(self, query: str, ids: list[str]) -> dict[str, float]:
        """Exact scores of the given ids (ids not in the index score 0)."""
        tokens = [t for t in tokenize(query) if self._bm25 is not None and t in self._bm25.vocab_dict]
        if not tokens or not ids:
            return {i: 0.0 for i in ids}
        all_scores = self._bm25.get_scores(tokens)
        position = self._positions()
        return {i: float(all_scores[position[i]]) if i in position else 0.0 for i in ids}

    def _positions(self) -> dict[str, int]:
        if self._position_cache is None:
            self._position_cache = {i: n for n, i in enumerate(self._ids)}
        return self._position_cache

    def retrieve(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-k (chunk id, score) pairs with a positive score."""
        tokens = tokenize(query)
        if self._bm25 is None or not tokens:
            return []
        docs, scores = self._bm25.retrieve([tokens], k=min(k, len(self._ids)), show_progress=False, n_threads=1)
        return [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency over chunks (Lucene form); unseen tokens get the maximum."""
        if self._bm25 is None:
            return {t: 1.0 for t in tokens}
        n = self._bm25.scores["num_docs"]
        indptr = self._bm25.scores["indptr"]
        vocab = self._bm25.vocab_dict
        out = {}
        for t in tokens:
            j = vocab.get(t)
            df = int(indptr[j + 1] - indptr[j]) if j is not None else 0
            out[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out

    def save(self, folder: Path) -> None:
        """The bm25s index, and the token ids of every text, so that the next process's first rebuild
        (adding one paper to a large index) tokenizes only what is new (26 s -> 12-14 s at 100k chunks)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "bm25_ids.json").write_text(json.dumps(self._ids))
        if self._bm25 is None:
            return
        self._bm25.save(str(folder / "bm25"), show_progress=False)
        self._read_saved_tokens()
        if all(i in self._memo for i in self._ids):
            memo = [self._memo[i] for i in self._ids]
            with open(folder / TOKENS_FILE, "wb") as f:
                np.savez(f, keys=np.array([k for k, _ in memo], dtype=np.uint64),
                         lengths=np.array([len(t) for _, t in memo], dtype=np.int64),
                         tokens=np.concatenate([t for _, t in memo]))
            (folder / VOCAB_FILE).write_text(json.dumps(list(self._vocab), ensure_ascii=False))

    def _read_saved_tokens(self) -> None:
        """Fill the memo from the loaded folder (once); a missing or unreadable file only costs tokenizing."""
        path, self._saved_tokens = self._saved_tokens, None
        if path is None or self._memo:
            return
        try:
            with np.load(path / TOKENS_FILE) as data:
                keys, lengths, tokens = data["keys"], data["lengths"], data["tokens"]
            vocab = json.loads((path / VOCAB_FILE).read_text())
        except (OSError, ValueError, KeyError):
            return
        if len(keys) != len(self._ids) or int(lengths.sum()) != len(tokens):
            return
        self._vocab = {t: i for i, t in enumerate(vocab)}
        arrays = np.split(tokens, np.cumsum(lengths)[:-1])
        self._memo = {i: (int(k), a) for i, k, a in zip(self._ids, keys, arrays)}

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        index = cls()
        ids_file = folder / "bm25_ids.json"
        if ids_file.exists():
            index._ids = json.loads(ids_file.read_text())
            if index._ids:
                index._bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False, verbosity=0)
                index._saved_tokens = folder if (folder / TOKENS_FILE).exists() else None
        return index


def _text_key(text: str) -> int:
    """64 bits of blake2b: stable across processes, unlike hash() (the memo is saved)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _bm25_from_token_ids(docs: list[np.ndarray], vocab: dict[str, int], k1: float = 1.5, b: float = 0.75) -> bm25s.BM25:
    """The bm25s index (Lucene BM25, bm25s defaults) that `bm25s.BM25().index(tokens)` builds, in numpy.

    The score matrix is CSC over (document, token): for each token, the documents
    containing it and their BM25 term score. `tests/index/test_bm25.py` checks the
    scores against bm25s's own build.
    """
    n_docs, n_vocab = len(docs), len(vocab)
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n_docs)
    tokens = np.concatenate(docs).astype(np.int64)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    pairs, tf = np.unique(tokens * n_docs + doc_of, return_counts=True)  # sorted by token, then document
    token, doc = pairs // n_docs, pairs % n_docs
    df = np.bincount(token, minlength=n_vocab)
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    norm = k1 * (1 - b + b * lengths / lengths.mean())
    model = bm25s.BM25(k1=k1, b=b)
    model.scores = {
        "data": (idf[token] * tf / (tf + norm[doc])).astype(model.dtype),
        "indices": doc.astype(model.int_dtype),
        "indptr": np.concatenate([[0], np.cumsum(df)]).astype(model.int_dtype),
        "num_docs": n_docs,
    }
    model.vocab_dict = {**vocab, "": n_vocab}  # bm25s's empty token, past the matrix as in its own build
    model.unique_token_ids_set = set(model.vocab_dict.values())
    model.nonoccurrence_array = None  # Lucene BM25 has none
    return model
