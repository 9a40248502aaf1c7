"""The chat server under load, at the size CI affords: `python -m bench.load` with 5 users for 12 s, twice.

The full run (20 users for 120 s, 300 papers uploaded meanwhile) is `python -m bench.load`; its table is in
README. Here: no request fails, and the papers uploaded while users ask become searchable when their commit
lands. Whether answers keep arriving while the upload is being ingested (between its first and last progress
reports, which come from inside the index's writer) is its own test: today they do not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import Phase, measure

pytestmark = pytest.mark.slow
USERS = 5


@pytest.fixture(scope="module")
def phases(sample_index_dir: Path) -> tuple[Phase, Phase]:
    # papers of 40 visits (~10 chunks each): the ingest itself, not only the file transfer, takes seconds
    quiet, busy = measure(users=USERS, seconds=12, papers=30, index_dir=sample_index_dir, visits=40)
    print("\n" + quiet.row() + "\n" + busy.row() + "\n  " + "\n  ".join(busy.notes))
    return quiet, busy


def test_users_keep_getting_answers_while_papers_are_uploaded(phases):
    quiet, busy = phases
    assert not quiet.errors and not busy.errors, (quiet.errors + busy.errors)[:5]
    # every user got answers in both phases; how many fit in 12 s is speed, which `python -m bench.load` measures (a
    # floor of 20 failed at 19 on AMD AVX-512 once the reader ran in bf16, one of 10 at 7 on the AVX2 stand-in beside
    # a second test worker: a clock, not a defect)
    assert quiet.users_answered == busy.users_answered == set(range(USERS)), (quiet.users_answered, busy.users_answered)
    assert busy.ingest is not None, busy.notes  # the upload was ingested (its progress was seen), then replied
    assert any("cites" in note and "cites 0 " not in note for note in busy.notes)


@pytest.mark.xfail(strict=True, reason="questions wait for the index's writer: CorpusIndex.writing holds, for the "
                   "whole ingest, the lock CorpusIndex.retriever takes (found by issue 34); strict, so a fix shows")
def test_answers_keep_arriving_while_an_upload_is_being_ingested(phases):
    _, busy = phases
    assert busy.answered_during_ingest() >= 5, busy.notes
