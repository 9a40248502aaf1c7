"""Loaders fuzzed with hypothesis: real-looking files of every format, mutated; each ingests or gets our error.

Seeds are real documents of each kind (the bundled pages and fixtures, a MEDLINE record, a PubMed XML
article, a JSONL corpus line); hypothesis truncates them, cuts, repeats and splices spans, and flips
bytes. Whatever comes out, `load_paths` must yield a document or a clear error for it and never raise,
and no parser may run into its time or memory budget. CI runs `FUZZ_EXAMPLES` (default 40) examples per format; the long run is
`FUZZ_EXAMPLES=2000 python -m pytest tests/ingest/test_fuzz.py`.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.loaders import UNEXPECTED, ReadLimits, load_paths
from settings import PROJECT_DIR

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
PAGES = PROJECT_DIR / "data" / "sample" / "pages"
FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "documents"
MEDLINE = b"""PMID- 39990001
TI  - Rituximab for IgG4-related disease: a prospective, open-label trial.
AB  - Rituximab depletes B cells. Twenty-three of the 30 patients (77%) reached the primary outcome
      at month 6, and serum IgG4 fell in most of them.
FAU - Olsen, Maria K
DP  - 2024
"""
PUBMED_XML = b"""<?xml version="1.0"?><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>Abatacept in IgG4-related disease</ArticleTitle><Abstract><AbstractText Label="RESULTS">Seven of the ten
patients responded to abatacept at week 12 of the pilot study.</AbstractText></Abstract></Article></MedlineCitation>
</PubmedArticle></PubmedArticleSet>"""
JSONL = (b'{"_id": "d1", "title": "Dupilumab", "text": "Dupilumab blocks IL-4R alpha and so inhibits IL-13 signalling."}\n'
         b'{"_id": "d2", "title": "Rituximab", "text": "Rituximab depletes CD20 B cells in IgG4-related disease."}\n')
SEEDS = {
    ".pdf": (PAGES / "abatacept_pilot_two_column.pdf").read_bytes(),
    ".html": (PAGES / "review_targeted_therapies.html").read_bytes(),
    ".txt": (PAGES / "pmc_rituximab_trial.txt").read_bytes(),
    ".md": (PAGES / "glucocorticoid_regimen_notes.md").read_bytes(),
    ".docx": (FIXTURES / "dummy.docx").read_bytes(),
    ".nbib": MEDLINE,
    ".xml": PUBMED_XML,
    ".jsonl": JSONL,
}
# The parse budget for each mutant: far above any honest file of these sizes (a loaded 2-core machine took 22 s);
# a parser that stalls or bloats on one is stopped by it, and its "was stopped" verdict fails the test.
BUDGET_SECONDS = 50.0


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["truncate", "cut", "repeat", "splice", "flip", "nest"]))
        n = len(data)
        at = draw(st.integers(0, max(n - 1, 0)))
        span = draw(st.integers(1, 4096))
        if op == "truncate":
            del data[at:]
        elif op == "cut":
            del data[at : at + span]
        elif op == "repeat":
            data[at:at] = data[at : at + span] * draw(st.integers(2, 50))
        elif op == "splice":
            data[at:at] = draw(st.binary(min_size=1, max_size=256))
        elif op == "flip" and n:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "nest":  # deep nesting: brackets, tags, quotes
            unit = draw(st.sampled_from([b"<div>", b"[", b"{", b"((", b"<b><i>", b"\\"]))
            data[at:at] = unit * draw(st.integers(10, 5000))
    return bytes(data)


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_mutated_files_ingest_or_fail_clearly(suffix: str, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("fuzz")
    outcomes = {"documents": 0, "errors": 0}
    errors: set[str] = set()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=mutated(SEEDS[suffix]))
    def check(data: bytes) -> None:
        file = folder / f"mutant{suffix}"
        file.write_bytes(data)
        results = list(load_paths([file], ReadLimits(parse_seconds=BUDGET_SECONDS)))  # must not raise, whatever the bytes
        assert not any("was stopped" in (r.error or "") for r in results), results  # no parser stalled or bloated
        assert results and all((r.document is None) != (r.error is None) for r in results)
        for r in results:
            outcomes["documents" if r.document is not None else "errors"] += 1
            if r.error:
                assert "Traceback" not in r.error and len(r.error) < 500, r.error
                assert not r.error.startswith(UNEXPECTED), r.error  # the safety net caught a parser crash: name it
                errors.add(r.error[:90])

    check()
    print("\n  " + "\n  ".join(sorted(errors)[:12]))
    print(f"{suffix}: {EXAMPLES} mutants -> {outcomes['documents']} documents, {outcomes['errors']} clear errors, 0 crashes")
