"""Numbers in digits and in words: "Fifteen patients" answers "how many patients?" as "15 patients" does."""

from __future__ import annotations

import pytest

from answer.question import states_quantity
from text.numbers import numbers_in, word_value


@pytest.mark.parametrize("text, expected", [
    ("Fifteen patients were enrolled.", [15]),
    ("twenty-four mosquitoes and 1,200 bites", [24, 1200]),
    ("a dose of 0·25 mg/kg, then 0.5 mg/kg", [0.25, 0.5]),
    ("one hundred and twelve children", [112]),
    ("Two thousand three hundred people", [2300]),
    ("IL-13, CD19 and IgG4 at 135 mg/dL", [135]),  # the digits of a name are not numbers
    ("Seventeen of 40 (42.5%)", [17, 40, 42.5]),
])
def test_numbers_in_reads_digits_and_words(text, expected):
    assert numbers_in(text) == [float(x) for x in expected]


def test_word_value_refuses_words_that_are_not_numbers():
    assert word_value("thirteen") == 13
    assert word_value("ninety nine") == 99
    assert word_value("patients") is None


@pytest.mark.parametrize("kind, text, states", [
    ("count", "Fifteen patients were enrolled in the open-label study.", True),
    ("count", "Thirteen of them relapsed.", True),
    ("duration", "Treatment lasted fourteen days.", True),
    ("count", "IL-13 and IgG4 drive the disease.", False),
])
def test_a_number_written_as_a_word_states_a_quantity(kind, text, states):
    assert states_quantity(kind, text) is states
