"""Names matched the way users type them: case, hyphens, Greek letters and one or two slips of the keyboard.

"SARS-CON" is what a user typed for SARS-CoV, "ritixumab" for rituximab, "IL4Ra" for IL-4Rα. Before the
answerer says a name is in none of the papers, it looks for the name the user meant among the words of the
passages it read, the titles of their papers and the drug dictionary (`closest_spelling`); the caller then
checks that the index does mention it, and says what it understood.

Distance is Damerau-Levenshtein (a swap of two neighbouring letters is one edit) on a folded form (lower
case, hyphens and spaces dropped, Greek letters spelt out): at most one edit for names of up to five folded
characters, two from six. Both names must start with the same character (slips rarely hit the first letter),
and their digits must be the same: "IL-5" typed for "IL-6" names another cytokine, it is not a slip.
"""

from __future__ import annotations

import re

_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa", "λ": "lambda",
          "μ": "mu", "τ": "tau", "ω": "omega"}
_WORD = re.compile(r"[^\W_][\w\-αβγδεκλμτω/.]*[^\W_]|[^\W_]", re.UNICODE)


def fold(name: str, greek_initial: bool = False) -> str:
    """The form names are compared in: "IL-4Rα" -> "il4ralpha" (or "il4ra" with `greek_initial`: users type a
    Latin "a" for α), "SARS-CoV" -> "sarscov"."""
    text = name.lower()
    for letter, spelt in _GREEK.items():
        text = text.replace(letter, spelt[0] if greek_initial else spelt)
    return re.sub(r"[\s\-–/.'’]", "", text)


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), or `limit + 1` once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous, current = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
    return current[-1]


def allowed_edits(folded: str) -> int:
    return 1 if len(folded) <= 5 else 2


def words_of(text: str) -> set[str]:
    """Candidate names in a passage: its words and hyphenated compounds, as written."""
    return {w.strip(".") for w in _WORD.findall(text) if len(w) >= 3}


def closest_spelling(name: str, candidates: set[str]) -> str | None:
    """The candidate the user most likely meant by `name`, or None. Exact matches after folding win; then the
    fewest edits (ties: the more frequent spelling is not known here, so the shortest, then alphabetical)."""
    target = fold(name)
    if len(target) < 3:
        return None
    limit = allowed_edits(target)
    digits = re.sub(r"\D", "", target)
    best: tuple[int, int, str] | None = None
    for candidate in candidates:
        if candidate == name:
            continue
        d = limit + 1
        for folded in {fold(candidate), fold(candidate, greek_initial=True)}:
            if folded and folded[0] == target[0] and re.sub(r"\D", "", folded) == digits:
                d = min(d, 0 if folded == target else distance(target, folded, limit))
        if d <= limit and (best is None or (d, len(candidate), candidate) < best):
            best = (d, len(candidate), candidate)
    return best[2] if best else None


_SPAN_WORD = re.compile(r"[A-Za-z]+")  # hyphenated compounds are read as their parts: "multidrug-resistant"


# the twenty amino acids: a user writes the name ("tryptophan"), a structure paper the three-letter code ("Trp")
AMINO_ACIDS = {"alanine": "Ala", "arginine": "Arg", "asparagine": "Asn", "aspartate": "Asp", "aspartic acid": "Asp",
               "cysteine": "Cys", "glutamine": "Gln", "glutamate": "Glu", "glutamic acid": "Glu", "glycine": "Gly",
               "histidine": "His", "isoleucine": "Ile", "leucine": "Leu", "lysine": "Lys", "methionine": "Met",
               "phenylalanine": "Phe", "proline": "Pro", "serine": "Ser", "threonine": "Thr", "tryptophan": "Trp",
               "tyrosine": "Tyr", "valine": "Val"}


def other_name(name: str, candidates: set[str]) -> str | None:
    """The other standard name of an amino acid that `candidates` use: "tryptophan" -> "Trp", "Trp" -> "tryptophan"."""
    code = AMINO_ACIDS.get(name.lower())
    names = [n for n, c in AMINO_ACIDS.items() if c.lower() == name.lower()]
    wanted = [code] if code else names
    lowered = {c.lower(): c for c in candidates}
    return next((lowered[w.lower()] for w in wanted if w.lower() in lowered), None)


def spelt_out(acronym: str, text: str) -> bool:
    """Whether `text` writes `acronym` out in words: "MDR-TB" in "multidrug-resistant TB", "SLE" in "systemic lupus
    erythematosus". Users type the short form; a paper may never use it.

    The words of the span give the acronym's letters in order: each word its initial (an all-capital word, "TB",
    all its letters) and, for acronyms of four letters or more, at most one more letter from inside a word
    ("multidrug" gives M and D). Three-letter acronyms must be word initials exactly, so "SLE" is not found in
    "slightly elevated". Only acronyms of letters (hyphens aside) with at least three capitals are tried."""
    letters = re.sub(r"[\s\-–/]", "", acronym)
    if not letters.isalpha() or len(letters) < 3 or sum(c.isupper() for c in letters) < 3:
        return False
    letters = letters.lower()
    inner = 1 if len(letters) >= 4 else 0
    words = _SPAN_WORD.findall(text)
    return any(w[0].lower() == letters[0] and _spells(letters, words, i, inner) for i, w in enumerate(words))


def _spells(letters: str, words: list[str], at: int, inner: int) -> bool:
    """Whether words[at:] begin with a span giving exactly `letters` (see `spelt_out`)."""
    if not letters:
        return True
    if at >= len(words) or words[at][0].lower() != letters[0]:
        return False
    word = words[at]
    if word.isupper() and len(word) > 1:  # "TB", "HIV": its letters are the acronym's letters
        return letters.startswith(word.lower()) and _spells(letters[len(word):], words, at + 1, inner)
    if _spells(letters[1:], words, at + 1, inner):
        return True
    if inner and len(letters) > 1:  # one more letter from inside this word ("multidrug": M, D)
        position = word.lower().find(letters[1], 1)
        return position > 0 and _spells(letters[2:], words, at + 1, inner - 1)
    return False
