"""The chat server under load, at the size CI affords: `python -m bench.load` with 5 users for 12 s, twice.

The full run (20 users for 120 s, 300 papers uploaded meanwhile) is `python -m bench.load`; its table is in
README. Here: no request fails, and papers uploaded through the UI while users ask become searchable when
their commit lands.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import measure

pytestmark = pytest.mark.slow


def test_users_keep_getting_answers_while_papers_are_uploaded(sample_index_dir: Path):
    quiet, busy = measure(users=5, seconds=12, papers=30, index_dir=sample_index_dir)
    print("\n" + quiet.row() + "\n" + busy.row() + "\n  " + "\n  ".join(busy.notes))
    assert not quiet.errors and not busy.errors, (quiet.errors + busy.errors)[:5]
    assert len(quiet.latencies) >= 20 and len(busy.latencies) >= 20  # answers kept coming during the ingest
    assert any("cites" in note and "cites 0 " not in note for note in busy.notes)
