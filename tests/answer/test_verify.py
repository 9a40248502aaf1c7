"""The citation verifier on hand-made cases: each rule can pass and can fail."""

from __future__ import annotations

import pytest

from answer.models import RetrievedPassage
from answer.verify import entities_in, numbers_in, parse_markers, split_answer, states_fact, verify_answer

DOC = (
    "Background text that comes first. "
    "Rituximab, an anti-CD20 monoclonal antibody, depletes B cells and was given at 1000 mg twice, two weeks apart. "
    "Most patients (77%) reached remission at 6 months. "
    "Glucocorticoids remain the first-line treatment for IgG4-related disease."
)
DOC2 = (
    "Dupilumab blocks IL-4Rα and therefore inhibits both IL-4 and IL-13 signalling. "
    "Mepolizumab targets IL-5. Abatacept did not reduce IgG4 levels in this cohort."
)


def _passage(text: str, doc_id: str, start: int, end: int) -> RetrievedPassage:
    return RetrievedPassage(rank=1, chunk_id=f"{doc_id}#0", doc_id=doc_id, title=doc_id, source=f"{doc_id}.txt",
                            score=1.0, dense=None, bm25=None, start=start, end=end, text=text[start:end])


@pytest.fixture
def sources() -> list[RetrievedPassage]:
    first = DOC.index("Rituximab")
    return [_passage(DOC, "ritux", first, len(DOC)), _passage(DOC2, "th2", 0, len(DOC2))]


def only(text: str, sources: list[RetrievedPassage]):
    result = verify_answer(text, sources)
    assert len(result.sentences) == 1, result.sentences
    return result, result.sentences[0]


def test_markers_are_parsed_in_every_common_form():
    assert parse_markers("x [1] y [2, 3] z [4-6] [2]") == [1, 2, 3, 4, 5, 6]
    assert split_answer("Rituximab depletes B cells. [1]\n- Dupilumab blocks IL-4Rα [2][1].") == [
        ("Rituximab depletes B cells.", [1]),
        ("Dupilumab blocks IL-4Rα.", [2, 1]),
    ]


def test_supported_paraphrase_is_verified_and_quotes_the_exact_span(sources):
    result, s = only("Rituximab depletes B cells by targeting CD20 [1].", sources)
    assert s.factual and s.verified, s.reason
    quote = s.support[1]
    assert DOC[quote.start : quote.end] == quote.quote
    assert quote.quote.startswith("Rituximab, an anti-CD20")
    assert all(s.verified for s in result.claims)


def test_claim_spread_over_two_sources_is_verified_against_their_union(sources):
    _, s = only("Rituximab depletes B cells, while dupilumab inhibits IL-13 signalling [1, 2].", sources)
    assert s.verified, s.reason
    assert set(s.support) == {1, 2}


def test_unsupported_claim_is_flagged(sources):
    _, s = only("Rituximab causes severe hair loss in most elderly women [1].", sources)
    assert not s.verified
    assert "does not support" in s.reason


def test_uncited_fact_is_flagged_but_a_non_claim_is_not(sources):
    result = verify_answer("Mepolizumab targets IL-5. The provided sources do not mention the cost.", sources)
    fact, meta = result.sentences
    assert fact.factual and not fact.verified and fact.reason == "cites no source"
    assert not meta.factual and meta.verified


def test_citation_to_a_missing_source_is_removed_and_counted(sources):
    result, s = only("Mepolizumab targets IL-5 [7].", sources)
    assert result.removed_citations == [7]
    assert s.cites == [] and not s.verified and "not a source" in s.reason


def test_wrong_source_number_is_flagged(sources):
    _, s = only("Mepolizumab targets IL-5 [1].", sources)
    assert not s.verified
    assert "il-5" in s.reason or "mepolizumab" in s.reason


def test_fabricated_drug_name_is_flagged(sources):
    _, s = only("Rituximab and obexelimab deplete B cells by targeting CD20 [1].", sources)
    assert not s.verified
    assert "obexelimab" in s.reason


def test_right_drug_wrong_dose_is_flagged(sources):
    _, right = only("Rituximab was given at 1000 mg twice, two weeks apart [1].", sources)
    _, wrong = only("Rituximab was given at 500 mg twice, two weeks apart [1].", sources)
    assert right.verified, right.reason
    assert not wrong.verified and "500" in wrong.reason


def test_wrong_percentage_is_flagged(sources):
    _, s = only("Most patients (87%) reached remission at 6 months [1].", sources)
    assert not s.verified and "87" in s.reason


def test_flipped_negation_is_flagged(sources):
    _, kept = only("Abatacept did not reduce IgG4 levels in this cohort [2].", sources)
    _, flipped = only("Abatacept reduced IgG4 levels in this cohort [2].", sources)
    assert kept.verified, kept.reason
    assert not flipped.verified and "negation" in flipped.reason


def test_numbers_inside_names_are_not_doses():
    assert numbers_in("IL-13, IgG4, CD20 and IL-4Rα at 40 mg for 12 weeks (3.5%)") == {"40", "12", "3.5"}
    assert {"rituximab", "cd20", "il-13", "igg4"} <= entities_in("Rituximab targets CD20; IL-13 and IgG4 differ.")


def test_short_or_meta_sentences_are_not_claims():
    assert not states_fact("Yes.")
    assert not states_fact("Based on the provided sources, here is a summary.")
    assert states_fact("Mepolizumab targets interleukin-5 signalling.")


def test_semantic_similarity_rescues_a_paraphrase_with_partial_overlap(sources):
    """With an embedding, a paraphrase with moderate term overlap passes; without one it needs more overlap."""
    import numpy as np

    text = "Steroids are still the initial therapy for IgG4-related disease [1]."

    def close(texts: list[str]) -> np.ndarray:  # every text on one direction: cosine 1
        return np.ones((len(texts), 4)) / 2.0

    _, lexical_only = only(text, sources)
    rescued = verify_answer(text, sources, embed=close).sentences[0]
    assert rescued.verified, rescued.reason
    assert not lexical_only.verified and "does not support" in lexical_only.reason
