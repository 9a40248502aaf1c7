"""The models' first-run preparation runs beside the server and says what it is doing until it ends."""

from __future__ import annotations

from pathlib import Path

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
