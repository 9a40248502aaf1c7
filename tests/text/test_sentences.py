from __future__ import annotations

import pytest

from text.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Simpson et al. reported it. Then more.", ["Simpson et al. reported it.", "Then more."]),
        ("Drugs, e.g. dupilumab, i.e. anti-IL-4Rα agents. Next.", ["Drugs, e.g. dupilumab, i.e. anti-IL-4Rα agents.", "Next."]),
        ("The receptor uses IL-4Rα. Clinical efficacy followed.", ["The receptor uses IL-4Rα.", "Clinical efficacy followed."]),
        ("See Fig. 2 and Table 1. Doses were 2.5 mg. A. madagascariensis grew.", ["See Fig. 2 and Table 1.", "Doses were 2.5 mg.", "A. madagascariensis grew."]),
        ("Is it? Yes! (It is.) Done", ["Is it?", "Yes!", "(It is.)", "Done"]),
        ("BACKGROUND: First.\n\nRESULTS: Second one.", ["First.", "Second one."]),
        ("Levels rose vs. controls in the U.S. cohort.", ["Levels rose vs. controls in the U.S. cohort."]),
    ],
)
def test_biomedical_sentence_boundaries(text: str, expected: list[str]):
    assert sentences(text) == expected


def test_spans_are_exact_slices():
    text = "  First one.  Second one.\n\nThird.  "
    for a, b in split_sentences(text):
        assert text[a:b] == text[a:b].strip() and text[a:b]
