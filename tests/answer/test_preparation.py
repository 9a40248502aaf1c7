"""The models' first-run preparation runs beside the server and says what it is doing until it ends."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from answer import preparation
from answer.preparation import ModelPreparation
from index.corpus import CorpusIndex


def test_preparation_loads_the_model_then_ends_with_no_status(settings, hash_model):
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    prep = ModelPreparation(index)
    assert "first run only" in prep.status()
    prep.start()
    assert prep.wait(60) and prep.status() is None and preparation.status() is None and prep.error is None


def test_a_reader_that_cannot_load_ends_the_preparation_with_its_message(settings, hash_model, tmp_path: Path, capsys):
    settings.answer.reader = str(tmp_path / "no-reader")
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    prep = ModelPreparation(index).start()
    assert prep.wait(60) and prep.status() is None
    assert "no reader model" in prep.error and "could not be prepared" in capsys.readouterr().err


def test_a_reader_choice_measured_meanwhile_is_read_not_measured_again(tmp_path: Path):
    from answer.reader import _read_choice

    record = tmp_path / "reader-choice.json"
    record.write_text('{"allowed": ["openvino int8", "torch fp32"], "choice": {"backend": "openvino", '
                      '"precision": "int8"}}')
    assert str(_read_choice(record, ["openvino int8", "torch fp32"])) == "openvino int8"
    assert _read_choice(record, ["torch fp32"]) is None and _read_choice(tmp_path / "none.json", []) is None


@pytest.mark.slow
def test_a_question_asked_while_the_variants_are_measured_is_answered_by_the_torch_references(
        sample_index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """On a CPU met for the first time (an empty model cache) the run command measures both models' variants beside
    the server (one to two minutes on 2 cores). Here each measurement blocks until the test releases it, after the
    first answer, and fails if the question's own thread starts one."""
    import answer.reader
    import index.embedding
    from answer.extractive import ExtractiveAnswerer
    from index.embedding import Variant
    from settings import load_settings

    released, measured = threading.Event(), []

    def measuring(name: str):
        def choose(*_args, **_kwargs) -> Variant:
            assert threading.current_thread().name == "model-preparation", f"the question measured the {name}"
            measured.append(name)
            assert released.wait(600), "never released"
            return Variant("torch", "float32")
        return choose

    monkeypatch.setattr(index.embedding, "choose_variant", measuring("embedder"))
    monkeypatch.setattr(answer.reader, "choose_variant", measuring("reader"))
    s = load_settings()
    s.paths.index_dir, s.paths.model_cache = sample_index_dir, tmp_path / "models"
    s.paths.embed_cache = tmp_path / "embed-cache.sqlite"
    index_ = CorpusIndex.open(sample_index_dir, s)
    prep = ModelPreparation(index_).start()
    assert prep.status() is None  # a question waits for nothing: the UI says nothing of the preparation
    answerer = ExtractiveAnswerer(index_)
    first = answerer.answer("which biologics target Th2?")
    assert "dupilumab" in first.parts[0].text.lower() and first.citations, first.parts[0].text
    during = answerer.reader
    assert measured == ["embedder"] and not prep.wait(0)  # answered while the embedder's measurement was under way
    assert during.provisional and str(during.variant) == "torch fp32"
    assert str(index_.embed_model.variant) == "torch fp32"
    released.set()
    assert prep.wait(600) and prep.error is None and prep.status() is None
    assert measured == ["embedder", "reader"]
    assert not answerer.reader.provisional  # the choice now, not the reference answered with first


def test_nothing_stands_in_for_a_choice_already_made(tmp_path: Path):
    from answer.reader import VARIANTS, _choice_path, bundled_reader_path
    from answer.reader import reference_meanwhile as reader_meanwhile
    from index.embedding import Variant, reference_meanwhile
    from settings import EmbeddingSettings

    with reference_meanwhile(EmbeddingSettings(backend="torch", precision="float32"), tmp_path) as standing:
        assert not standing  # one variant: nothing to measure (auto on an unmeasured CPU: the slow test above)
    record = _choice_path(bundled_reader_path(), tmp_path)
    record.write_text(json.dumps({"allowed": sorted(str(Variant(b, p)) for b, p in VARIANTS),
                                  "choice": {"backend": "openvino", "precision": "float32"}}))
    with reader_meanwhile("bundled", cache_dir=tmp_path) as standing:
        assert not standing
    with reader_meanwhile("none", cache_dir=tmp_path) as standing:
        assert not standing
    record.unlink()
    with reader_meanwhile("bundled", cache_dir=tmp_path) as standing:
        assert standing  # unmeasured: the reference stands in (loaded only when asked for)
