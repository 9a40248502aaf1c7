"""The evaluation sets' shipped indexes (evals/indexes/) stand for a fresh build of their papers, and are used only then.

The malaria and short-PubMed gates (tests/evals/test_topic_eval.py) answer on these copies instead of embedding
1,405 + 723 chunks on every run (minutes of an AVX2-only CPU's test run, issue 31).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.topics import SHIPPED_INDEXES, SHIPPED_SETS, corpus_of, open_set_index
from index.sample_index import install, mismatches, shipped_stamp
from settings import load_settings
from tests.shipped_index import assert_holds_fresh_build, assert_vectors_are_this_models


def corpus(name: str) -> list[Path]:
    return [Path(p) for p in corpus_of(SHIPPED_SETS[name], load_settings())]


@pytest.mark.parametrize("name", sorted(SHIPPED_SETS))
def test_each_shipped_index_was_built_from_this_checkouts_papers_model_and_settings(name):
    wrong = mismatches(load_settings(), SHIPPED_INDEXES / name, corpus(name))
    assert not wrong, (f"evals/indexes/{name} differs in {wrong}: rebuild it with "
                       f"`.venv/bin/python scripts/build_eval_indexes.py {name}` (from a checkout of committed code only)")
    stamp = shipped_stamp(SHIPPED_INDEXES / name)
    assert stamp["variant"] and stamp["cpu"] and stamp["chunks"] > 500


def test_a_sets_index_is_copied_when_it_fits_and_not_when_its_papers_differ(tmp_path, capsys):
    index = open_set_index("pubmed", [str(p) for p in corpus("pubmed")], load_settings(), tmp_path, progress=True)
    assert index.stats() == {k: shipped_stamp(SHIPPED_INDEXES / "pubmed")[k] for k in ("documents", "chunks")}
    assert "0 added, 0 updated, 380 skipped" in capsys.readouterr().out  # copied: nothing to embed

    edited = tmp_path / "corpus.jsonl"
    shutil.copy(corpus("pubmed")[0], edited)
    edited.write_text(edited.read_text(encoding="utf-8").replace("a", "e", 1), encoding="utf-8")
    assert mismatches(load_settings(), SHIPPED_INDEXES / "pubmed", [edited]) == ["corpus"]
    assert install(load_settings(), tmp_path / "other", SHIPPED_INDEXES / "pubmed", [edited]) is None


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SHIPPED_SETS))
def test_each_shipped_index_holds_what_a_fresh_build_holds(name, tmp_path, hash_model):
    """Same documents (with the metadata ingest stores), chunks and keyword postings as ingesting the papers now with
    the hash embedding (they do not depend on the model; the real vectors are checked on a sample below): whatever
    ingest changes, this fails until the index is rebuilt."""
    from index.corpus import CorpusIndex
    from ingest.pipeline import ingest

    settings = load_settings()
    settings.paths.embed_cache = None
    assert install(settings, tmp_path / "shipped", SHIPPED_INDEXES / name, corpus(name))
    shipped = CorpusIndex.open(tmp_path / "shipped", settings, must_exist=True)
    fresh = CorpusIndex.open(tmp_path / "fresh", settings)
    report = ingest(fresh, [str(p) for p in corpus(name)])
    assert report.count("failed") == 0, report.summary()
    rebuild = f"rebuild evals/indexes/{name} with `.venv/bin/python scripts/build_eval_indexes.py {name}`"
    assert_holds_fresh_build(shipped, fresh, ["which drugs were given to children?"], rebuild)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SHIPPED_SETS))
def test_the_shipped_vectors_are_the_real_models_on_this_cpu(name, tmp_path):
    """60 chunks of each copy, embedded now with this CPU's variant, stay within the variant bar."""
    from index.corpus import CorpusIndex

    settings = load_settings()
    assert install(settings, tmp_path / name, SHIPPED_INDEXES / name, corpus(name))
    assert_vectors_are_this_models(CorpusIndex.open(tmp_path / name, settings, must_exist=True), 60)
