"""The retrieval evals' queries embedded in one batch beforehand rank exactly as when each mode embeds its own."""

from __future__ import annotations

from evals.retrieval import run_llamaindex_baseline, run_mode
from index.corpus import CorpusIndex
from index.embedding import embed_queries
from index.rerank import Candidate, sentence_texts
from ingest.pipeline import ingest
from tests.index.test_corpus import DOCS, write_corpus


def test_queries_embedded_first_give_the_same_runs_and_embed_each_query_once(tmp_path, settings, hash_model):
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", DOCS)])
    queries = {"q1": "what blocks IL-13 signalling?", "q2": "which drug depletes B cells", "q3": "skin nodules"}
    qrels = {"q1": {"dupilumab": 1}, "q2": {"rituximab": 1}, "q3": {"thalidomide": 1}}
    calls = hash_model.calls
    vectors = dict(zip(queries, embed_queries(index.embed_model, list(queries.values()))))
    assert hash_model.calls == calls + len(queries)  # each once
    index.sentence_vectors([t for d in index.documents() for t in sentence_texts(Candidate(d.title, d.text))])
    before = hash_model.calls  # the rerank's sentences are embedded (and kept) already: what is counted is queries
    given = {mode: run_mode(index, queries, qrels, mode, vectors).run for mode in ("dense", "hybrid", "bm25")}
    baseline = run_llamaindex_baseline(index, queries, qrels, vectors).run
    assert hash_model.calls == before  # no query embedded again, by our modes or by stock llama-index
    for mode, run in given.items():
        assert run == run_mode(index, queries, qrels, mode).run and run["q2"][0] == "rituximab", mode
    assert baseline == run_llamaindex_baseline(index, queries, qrels).run
