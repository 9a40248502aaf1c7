"""Retrieval quality gates: every dataset, every mode, the stock baseline, in one CI run.

Floors sit a little under the figures measured with `python -m bench.retrieval`
(see evals/README.md), so a regression fails and run-to-run noise does not. The
table is printed into the CI log and saved to test-artifacts/retrieval_evals.json.

SciFact is gated on `scifact-subset`: all 809 train claims over 900 of the 5,183
abstracts (every relevant one plus 335 seeded distractors; `python -m evals.subsets`),
so CI embeds a sixth of the corpus. The full-size figures are
`python -m bench.retrieval --dataset scifact-train`.
"""

from __future__ import annotations

import json
import shutil

import pytest

from evals.datasets import DATASETS
from evals.retrieval import MODES, evaluate, format_table, index_key
from settings import PROJECT_DIR, load_settings

pytestmark = pytest.mark.slow

# dataset -> (hybrid nDCG@10 floor, hybrid Recall@100 floor). scifact-subset measured 0.8637 / 0.9901 (openvino int8,
# the auto choice on Intel Xeon AMX; torch fp32 0.8624 / 0.9901). Its floors sit closer than the others' because the
# subset is easier: the full set's floor 0.738 sat just above hybrid without its sentence rerank (0.7372); on the
# subset that is 0.8567 (rerank worth 0.007, not 0.011), so 0.857 still fails it; Recall@100's margin shrinks as its
# miss rate does (0.010 against 0.042). Both floors stay under fp32 minus the 0.003 bar below.
# PubMedQA is gated on `pubmedqa-subset`: its first 250 questions by id, over their 250 abstracts and 250 seeded
# others of the 1,000 (`python -m evals.subsets`). Over all 1,000 abstracts those 250 questions measured
# 0.9890 / 1.0000 (openvino int8, Intel) and cost the AVX2 stand-in 82 s, mostly the sentence rerank embedding nearly
# every abstract's sentences (the first 150 questions saved only 7 s: they already reach most abstracts); over the
# subset 0.9910 / 1.0000 (openvino int8 on AMD EPYC AVX-512, and openvino fp32 under the AVX2 cap), 50 s there.
# Without the sentence rerank it is 0.9896 (0.9890 over all 1,000: this gate guards the fusion, not the rerank; the
# SciFact floor guards the rerank). All 1,000 questions over all 1,000 abstracts (0.9930 / 0.9990) are
# `python -m bench.retrieval --dataset pubmedqa`.
FLOORS = {
    "scifact-subset": (0.857, 0.987),
    "pubmedqa-subset": (0.986, 0.996),
    "sample-questions": (0.950, 1.0),
}
GATED = [d for d in DATASETS if d.name in FLOORS]  # not the full scifact-train: bench.retrieval measures it


# The SciFact subset with torch fp32 vectors (`python -m bench.backends --scifact --dataset scifact-subset`): whichever
# backend and precision the auto choice picks on the machine running the tests must stay within 0.003 of these
# (issue 17's bar; the subset keeps all 809 claims, so one claim moves a figure as little as on the full set).
FP32_SCIFACT = {"dense": {"nDCG@10": 0.8124, "Recall@100": 0.9864}, "hybrid": {"nDCG@10": 0.8624, "Recall@100": 0.9901}}
# The stock llama-index baseline runs on the first 250 queries of each set (all of the smaller ones):
# `python -m bench.retrieval` runs it on every query.
BASELINE_QUERIES = 250


@pytest.fixture(scope="module")
def reports(pytestconfig: pytest.Config) -> dict[str, dict]:
    settings = load_settings()
    out = {d.name: evaluate(d.corpus, d.queries, d.qrels, settings, list(MODES), baseline=True,
                            baseline_queries=BASELINE_QUERIES, batch_queries=True) for d in GATED}
    artifacts = PROJECT_DIR / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "retrieval_evals.json").write_text(json.dumps(out, indent=2))
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # into the CI log even when the tests pass
        for name, report in out.items():
            print(f"\n[{name}]\n{format_table(report)}", flush=True)
    return out


def by_mode(report: dict) -> dict[str, dict]:
    return {r["mode"]: r for r in report["results"]}


@pytest.mark.parametrize("dataset", [d.name for d in GATED])
def test_hybrid_meets_floors(reports, dataset):
    hybrid = by_mode(reports[dataset])["hybrid"]
    ndcg_floor, recall_floor = FLOORS[dataset]
    assert hybrid["nDCG@10"] >= ndcg_floor and hybrid["Recall@100"] >= recall_floor, hybrid


def test_scifact_with_the_auto_embedding_choice_stays_within_0_003_of_fp32(reports):
    from index.embedding import resolve_variant

    modes = by_mode(reports["scifact-subset"])
    gaps = {f"{mode} {metric}": round(modes[mode][metric] - value, 4)
            for mode, ref in FP32_SCIFACT.items() for metric, value in ref.items()}
    print(f"\nSciFact with {resolve_variant(load_settings().embedding)}, minus fp32: {gaps}")
    assert all(abs(gap) <= 0.003 for gap in gaps.values()), gaps


@pytest.mark.parametrize("dataset", [d.name for d in GATED])
def test_hybrid_beats_every_single_retriever_and_the_stock_baseline(reports, dataset):
    modes = by_mode(reports[dataset])
    hybrid_on_baseline_queries = modes[next((m for m in modes if m.startswith("hybrid (baseline's")), "hybrid")]
    for other in ("dense", "bm25", "llama-index default"):
        hybrid = hybrid_on_baseline_queries if other == "llama-index default" else modes["hybrid"]
        if dataset == "sample-questions":
            # 12 questions, several now with 2-4 relevant papers (the sample corpus gained the IgG4-RD pages):
            # one swapped pair moves nDCG@10 by up to 0.04, so a single retriever may edge ahead; the answer
            # question set (tests/evals/test_answer_eval.py) is the informative gate for these questions.
            assert hybrid["nDCG@10"] >= modes[other]["nDCG@10"] - 0.02, other
        else:
            assert hybrid["nDCG@10"] > modes[other]["nDCG@10"], other


def test_scifact_through_pgvector_ranks_as_faiss_does(reports, pg_url, pytestconfig):
    """The SciFact subset with its chunks in PostgreSQL + pgvector (HNSW; BM25 over posting lists in PostgreSQL) against FAISS, on the
    same first 250 claims (FAISS's row "hybrid (baseline's 250)"); the full set with all 809 claims through
    `BIOCITE_STORE=pgvector python -m bench.retrieval --dataset scifact-train` (and a BIOCITE_DATABASE_URL).

    Runs after the FAISS evals, so its vectors (chunks and rerank sentences) come from the session's embedding cache.
    """
    settings = load_settings()
    settings.store = "pgvector"
    scifact = next(d for d in GATED if d.name == "scifact-subset")
    try:
        report = evaluate(scifact.corpus, scifact.queries, scifact.qrels, settings, ["hybrid"], baseline=False,
                          query_limit=BASELINE_QUERIES, batch_queries=True)
    finally:  # the rows live in this session's temporary database: don't keep a folder that points at them
        shutil.rmtree(PROJECT_DIR / "var" / "eval-cache" / index_key(scifact.corpus, settings), ignore_errors=True)
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n[scifact-subset through pgvector, first {BASELINE_QUERIES} claims]\n{format_table(report)}", flush=True)
    pg, faiss = by_mode(report)["hybrid"], by_mode(reports["scifact-subset"])[f"hybrid (baseline's {BASELINE_QUERIES})"]
    assert pg["queries"] == faiss["queries"] == BASELINE_QUERIES
    assert abs(pg["nDCG@10"] - faiss["nDCG@10"]) < 0.005 and abs(pg["Recall@100"] - faiss["Recall@100"]) < 0.005, (pg, faiss)
