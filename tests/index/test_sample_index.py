"""The shipped sample index (data/sample-index/) stands for a fresh build of the sample corpus, and is used only then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.sample_index import CHECKOUT, SHIPPED, STAMP_FILE, expected_stamp, install, mismatches, shipped_stamp
from ingest.pipeline import ingest
from settings import load_settings
from tests.shipped_index import assert_holds_fresh_build, assert_vectors_are_this_models

REBUILD = "rebuild it with `.venv/bin/python scripts/build_sample_index.py` (from a checkout of committed code only)"
SEEDS = Path(__file__).resolve().parents[2] / "data" / "sample" / "seeds"


def test_the_shipped_index_was_built_from_this_checkouts_sample_files_model_and_settings():
    assert not mismatches(load_settings()), f"data/sample-index differs in {mismatches(load_settings())}: {REBUILD}"
    stamp = shipped_stamp()
    assert stamp["variant"] and stamp["cpu"] and stamp["chunks"] > 2000


def test_a_fresh_checkout_copies_the_shipped_index_and_builds_when_it_does_not_fit(settings, hash_model, capsys):
    from app import ensure_index

    index = ensure_index(settings)  # the default sample corpus and model: copied, nothing embedded
    assert index.stats() == {"documents": shipped_stamp()["documents"], "chunks": shipped_stamp()["chunks"]}
    assert not (settings.paths.index_dir / STAMP_FILE).exists() and "shipped index is copied" in capsys.readouterr().err
    assert hash_model.calls == 0

    other = load_settings()
    other.paths.index_dir = settings.paths.index_dir.with_name("other")
    other.paths.embed_cache = None
    other.paths.sample_corpus = [SEEDS]  # other sample files: built from them, as before
    assert mismatches(other) == ["corpus"]
    built = ensure_index(other)
    assert len(built) == 2 and "building it from the sample corpus" in capsys.readouterr().err

    other.paths.sample_corpus = settings.paths.sample_corpus
    other.ingest.chunk_words = 120  # other chunking: the shipped index does not fit
    assert mismatches(other) == ["ingest"] and install(other, other.paths.index_dir.with_name("third")) is None


def test_the_shipped_documents_name_no_machines_folder_and_a_copy_names_this_checkouts(settings, tmp_path: Path):
    import sqlite3

    from settings import PROJECT_DIR

    def paths(catalog: Path) -> list[str]:
        with sqlite3.connect(catalog) as db:
            return [json.loads(m).get("path", "") for (m,) in db.execute("SELECT metadata FROM documents")]

    shipped = [p for p in paths(SHIPPED / "catalog.sqlite") if p]
    assert shipped and all(p.startswith(CHECKOUT) for p in shipped)
    assert install(settings, tmp_path / "index")
    assert sorted(p for p in paths(tmp_path / "index" / "catalog.sqlite") if p) == sorted(
        p.replace(CHECKOUT, f"{PROJECT_DIR}/") for p in shipped)


def test_an_interrupted_or_refused_copy_leaves_no_index_behind(tmp_path: Path):
    target = tmp_path / "index"
    target.mkdir()
    (target / "mine.txt").write_text("a file of the user's")  # not empty: never replaced
    assert install(load_settings(), target) is None
    assert [p.name for p in tmp_path.iterdir()] == ["index"] and (target / "mine.txt").exists()


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus ingested afresh from its files with the hash embedding: documents, chunks and keyword
    postings do not depend on the model, and the hash embedding builds them in seconds (the real model's vectors
    are checked on a sample below)."""
    from index.corpus import CorpusIndex
    from tests.hash_embedding import HashEmbedding

    settings = load_settings()
    settings.paths.index_dir = tmp_path_factory.mktemp("fresh") / "index"
    settings.paths.embed_cache = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("index.corpus.load_embedding_model", lambda *_args: HashEmbedding(embed_batch_size=64))
        index = CorpusIndex.open(settings.paths.index_dir, settings)
        report = ingest(index, [str(p) for p in settings.paths.sample_corpus])
    assert report.count("failed") == 0, report.summary()
    return settings.paths.index_dir


def test_the_shipped_index_holds_what_a_fresh_build_holds(fresh_build: Path, tmp_path: Path, hash_model):
    """Same documents (with the metadata ingest stores), chunks and keyword postings as ingesting the sample files
    now: whatever ingest changes, this fails until the shipped index is rebuilt."""
    from index.corpus import CorpusIndex

    settings = load_settings()
    assert install(settings, tmp_path / "index")  # as a fresh checkout gets it: the documents' paths are this checkout's
    shipped = CorpusIndex.open(tmp_path / "index", settings, must_exist=True)
    fresh = CorpusIndex.open(fresh_build, settings, must_exist=True)
    assert_holds_fresh_build(shipped, fresh, ["which biologics target Th2?", "storiform fibrosis obliterative phlebitis"],
                             REBUILD)


@pytest.mark.slow
def test_the_shipped_vectors_are_the_real_models_on_this_cpu(sample_index_dir: Path):
    """400 chunks of the shipped index, embedded now with this CPU's variant, stay within the variant bar."""
    from index.corpus import CorpusIndex

    assert_vectors_are_this_models(CorpusIndex.open(sample_index_dir, load_settings(), must_exist=True), 400)


@pytest.mark.slow
def test_the_seed_question_answers_from_the_shipped_index(sample_index_dir: Path):
    from answer.extractive import ExtractiveAnswerer
    from index.corpus import CorpusIndex

    shipped = ExtractiveAnswerer(CorpusIndex.open(sample_index_dir, load_settings(), must_exist=True))
    assert shipped.answer("which biologics target Th2?").parts[0].text.startswith("Dupilumab [3] and mepolizumab [2].")


def test_the_stamp_names_what_a_build_depends_on():
    stamp = expected_stamp(load_settings())
    assert set(stamp) == {"index_format", "store", "model", "corpus", "ingest", "vectors"}
