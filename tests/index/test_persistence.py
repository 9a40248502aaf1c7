from __future__ import annotations

from pathlib import Path

import pytest

from errors import IndexLockedError
from index.persistence import current_generation, save_generation, writer_lock


def test_generations_swap_atomically_and_old_ones_are_swept(tmp_path: Path):
    save_generation(tmp_path, lambda d: (d / "data.txt").write_text("one"))
    second = save_generation(tmp_path, lambda d: (d / "data.txt").write_text("two"))
    assert current_generation(tmp_path) == second
    assert (second / "data.txt").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gen-")) == [second.name]


def test_crash_while_writing_keeps_previous_generation(tmp_path: Path):
    first = save_generation(tmp_path, lambda d: (d / "data.txt").write_text("good"))

    def crash(d: Path) -> None:
        (d / "data.txt").write_text("half")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        save_generation(tmp_path, crash)
    assert current_generation(tmp_path) == first and (first / "data.txt").read_text() == "good"
    third = save_generation(tmp_path, lambda d: (d / "data.txt").write_text("next"))
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == [] and third.name == "gen-000002"


def test_second_writer_is_refused(tmp_path: Path):
    with writer_lock(tmp_path):
        with pytest.raises(IndexLockedError, match="another process"):
            with writer_lock(tmp_path):
                pass
    with writer_lock(tmp_path):  # released
        pass
