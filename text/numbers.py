"""Numbers in text, written in digits or in words: "Fifteen patients", "twenty-four mosquitoes", "0·25 mg/kg".

Papers write small counts in words (a sentence may not start with a digit), so "how many patients?" is answered
by "Fifteen patients were enrolled" as much as by "15 patients". `numbers_in` reads both; `NUMBER_WORD` is the
pattern other rules use to recognise a number written as a word.
"""

from __future__ import annotations

import re

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_SIMPLE = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_ANY = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
# "fifteen", "twenty-four", "twenty four", "one hundred and twelve", "two thousand three hundred"
NUMBER_WORD = rf"(?:(?:{_SIMPLE})(?:(?:[\s-]+(?:and\s+)?)(?:{_ANY}))*)"
# a share written as a fraction: "half", "a third", "two thirds", "three quarters"
FRACTION_WORD = r"(?:half|(?:a|one|two) thirds?|(?:a|one|three) quarters?)"
_WORD_NUMBER = re.compile(rf"\b{NUMBER_WORD}\b", re.IGNORECASE)
# digits with a decimal point, a decimal comma or the middle dot some journals print ("0·25"), thousands commas;
# not the digits of a name ("IL-13", "CD19", "IgG4")
_DIGITS = re.compile(r"(?<![\w.·])(?<![A-Za-z]-)(?:\d{1,3}(?:,\d{3})+|\d+(?:[.·]\d+)?)(?![\d\w])")


def word_value(words: str) -> int | None:
    """"twenty-four" -> 24, "one hundred and twelve" -> 112; None when `words` is not a number."""
    total = current = 0
    seen = False
    for w in re.split(r"[\s-]+", words.lower().strip()):
        if w == "and":
            continue
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
        else:
            return None
        seen = True
    return total + current if seen else None


def numbers_in(text: str) -> list[float]:
    """Every number `text` states, in order of appearance: digits (15, 1,200, 0.25, 0·25) and words (fifteen)."""
    found: list[tuple[int, float]] = []
    for m in _DIGITS.finditer(text):
        found.append((m.start(), float(m.group(0).replace(",", "").replace("·", "."))))
    for m in _WORD_NUMBER.finditer(text):
        value = word_value(m.group(0))
        if value is not None:
            found.append((m.start(), float(value)))
    return [v for _, v in sorted(found)]
