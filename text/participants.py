"""How many people a study took: the number a study card shows ("135 participants").

Two readers of the same candidates. The rules (`participants_in`) take the most explicit statement in the opening
("A total of 135 patients", "fifteen patients were included", "n = 42"), the methods before the results, and add a
second group joined by "and". A small learned ranking (`ParticipantModel`, trained by `python -m
train.study_design` on the documents labelled by reading in `train/data/study_labels/`) scores every number of the
opening, and the sums of two neighbouring groups, by the words around it, where it stands (methods or results,
first or later) and whether the rules chose it, and keeps the best one when it is likely enough: the labels teach
which of "Of 619 patients on follow-up, 82 were ..." the papers' readers count, which no rule order got right
across batches of labels. It is shipped beside the design model (`models/study_design/participants.json`) and
swapped or switched off with it (`ingest.study_design_model`; "none": the rules alone).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from text.numbers import NUMBER_WORD, word_value

BUNDLED = Path(__file__).resolve().parents[1] / "models" / "study_design" / "participants.json"

PEOPLE = (r"(?:patients?|participants?|subjects?|individuals?|persons?|people|adults?|children|infants?|neonates?|"
           r"newborns?|adolescents?|women|men|mothers?|pregnan(?:t women|cies)|volunteers?|respondents?|cases?|controls?|"
           r"residents?|students?|nurses?|physicians?|veterans?|survivors?|smokers?|donors?|users?|eyes?|families|households?|"
           r"experts?|doctors?|trainees?|professionals?|members?|females?|males?|workers?|employees?|pupils?|athletes?|pts)")
_COUNT = rf"(?<![\d.])(\d{{1,3}}(?:,\d{{3}})+(?!\d|\.\d)|\d+(?!\d|\.\d)|{NUMBER_WORD})"  # not a decimal's part: "0.72"
_PARTICIPANT_RULES = [  # most explicit first
    # a section that names the study's people: "SUBJECTS: 18,133 male civil servants aged 40-69 ..."
    re.compile(rf"(?:^|\n|\. )(?:SUBJECTS|PATIENTS|PARTICIPANTS|POPULATION|STUDY POPULATION|SAMPLE)(?: AND [A-Z ]+)?:\s*"
               rf"(?:A total of\s+)?{_COUNT}\b"),
    re.compile(rf"\b(?:a total of|total(?:ly)?|overall,?|in all,?|altogether,?)\s+{_COUNT}\s+(?:[A-Za-z][\w-]*\s+){{0,4}}{PEOPLE}\b", re.I),
    # the study as subject, or no subject: "Our population included 3011 patients", "carried on 2096 school children"
    re.compile(rf"\b(?:included|comprised|comprising|enrolled|recruited|involv(?:ed|ing)|consisted of|carried (?:out )?on|"
               rf"(?:analysis|data|records|charts) (?:of|from)|completed by|measured in|conducted (?:in|on|among))\s+"
               rf"(?:a total of\s+)?{_COUNT}\s+(?:[A-Za-z][\w-]*\s+){{0,4}}{PEOPLE}\b", re.I),
    re.compile(rf"\b(?:we|this study) (?:enrolled|included|recruited|studied|analy[sz]ed|evaluated|examined|"
               rf"identified|reviewed|randomi[sz]ed|surveyed|followed|describe|report|present)\s+{_COUNT}\s+(?:[A-Za-z][\w-]*\s+){{0,4}}{PEOPLE}\b", re.I),
    re.compile(rf"\b{_COUNT}\s+(?:[A-Za-z][\w-]*\s+){{0,4}}{PEOPLE}\s+(?:\([^)]*\)\s+)?(?:were|was|who)\s+(?:\w+\s+)?"
               rf"(?:enrolled|included|recruited|randomi[sz]ed|studied|analy[sz]ed|evaluated|identified|assigned|"
               rf"examined|treated|surveyed|followed|reviewed|interviewed|selected|eligible|participated)\b", re.I),
    re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\b"),
    # two groups named as one: "21 HPV-positive and 11 HPV-negative mothers"
    re.compile(rf"\b{_COUNT}\s+[A-Za-z][\w-]*\s+(?:and|or)\s+{_COUNT}\s+(?:[A-Za-z][\w-]*\s+){{0,3}}{PEOPLE}\b", re.I),
    re.compile(rf"\b(?:of|in|among|from|on)\s+{_COUNT}\s+(?:consecutive\s+)?(?:[A-Za-z][\w-]*\s+){{0,3}}{PEOPLE}\b", re.I),
    re.compile(rf"\b{_COUNT}\s+(?:consecutive\s+)?(?:[A-Za-z][\w-]*\s+){{0,3}}{PEOPLE}\b", re.I),
]
_AND_GROUP = re.compile(rf"[^.;(]{{0,160}}?,?\s+(?:and|versus|vs\.?)\s+{_COUNT}\s+(?:[A-Za-z][\w-]*\s+){{0,4}}{PEOPLE}\b", re.I)
# (no verb between: "120 patients were screened and 80 patients were enrolled" counts the enrolled only)
_GROUP_AND = re.compile(rf"{_COUNT}\s+(?:[A-Za-z][\w-]*\s+){{0,4}}{PEOPLE}\b(?:(?!\b(?:were|was|had|have|did)\b)(?:[^.;]|\.\d))"
                        rf"{{0,160}}?,?\s+and\s+$", re.I)
_AND_N = re.compile(r"\)?[^.;]{0,80}?\b(?:and|versus|vs\.?)\b[^.;]{0,60}?\([nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\)")
_RESULTS_LABEL = re.compile(r"(?:^|\n|\. )(?:RESULTS?|FINDINGS|MAIN RESULTS|MEASUREMENTS? AND (?:MAIN )?RESULTS)\s*:")
_RATIO = re.compile(r"\s(?:for|to) (?:each|every)\s", re.I)

def participants_in(text: str) -> int | None:
    """The number of people a study's opening says it enrolled ("A total of 135 patients", "fifteen patients were
    included", "n = 42"), the most explicit statement first; None when it states none."""
    results = _RESULTS_LABEL.search(text)
    # the methods say whom the study took; the results count subgroups ("In 913 children (AD; 132), ...")
    for part in ([text[: results.start()]] if results else []) + [text]:
        for rule in _PARTICIPANT_RULES:
            for m in rule.finditer(part):
                if _RATIO.search(part[m.start():m.end() + 12]):
                    continue  # "two controls for each patient" is a matching ratio, not the study's size
                counts = [_count(g) for g in m.groups() if g and not _is_year(g)]
                if counts and None not in counts and 0 < sum(counts) < 50_000_000:
                    if len(counts) == 1:
                        return sum(counts) + _first_group(part, m.start()) + _second_group(text, m.end())
                    return sum(counts)
    return None


def _first_group(text: str, at: int) -> int:
    """A group counted before the one found, in the same sentence and joined to it by "and" ("Thirty-five young
    obese males and 23 age-matched healthy male volunteers were recruited"): the study's people are both. The
    sentence's first such group is taken (a third group between them is not added)."""
    sentence = text[max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1 : at]
    m = _GROUP_AND.search(sentence)
    value = _count(m.group(1)) if m else None
    return value if value is not None and not _is_year(m.group(1)) else 0


def _second_group(text: str, at: int) -> int:
    """A group counted right after the first, in the same sentence ("21 HPV-positive and 11 HPV-negative mothers",
    "23 subjects with X, and 40 subjects with Y", "screening (n = 75360) and control arms (n = 76178)"): the study's
    people are both."""
    rest = text[at : at + 200].split(". ")[0]
    m = _AND_GROUP.match(rest) or _AND_N.match(rest)
    value = _count(m.group(1)) if m else None
    return value if value is not None and not _is_year(m.group(1)) else 0


def _count(token: str) -> int | None:
    token = token.replace(",", "")
    return int(token) if token.isdigit() else word_value(token)


def _is_year(token: str) -> bool:
    return bool(re.fullmatch(r"19\d{2}|20[0-4]\d", token))  # 2096 school children are not a year


_COUNT_TOKEN = re.compile(_COUNT, re.IGNORECASE)
_PEOPLE_NEXT = re.compile(rf"^\W*(?:[A-Za-z][\w-]*\s+){{0,4}}?{PEOPLE}\b", re.IGNORECASE)
_PERCENT_NEXT = re.compile(r"\s*\(\s*\d+(?:\.\d+)?\s*%")
_WORD = re.compile(r"[a-z]+|\d+|[^\w\s]")
CONTEXT_CHARS = 80  # the words read on each side of a number
CONTEXT_WORDS = 6
MAX_GROUP_GAP = 160  # two groups this far apart, in one sentence, may be one study's people


def _words(text: str) -> list[str]:
    return ["<n>" if w.isdigit() else w for w in _WORD.findall(text.lower())]


def candidates(text: str, counted: int | None) -> list[tuple[int, dict[str, float]]]:
    """Every count in this opening that could be the study's size, with the features the ranking reads: each number
    (years and decimals' parts left out) and the sum of two neighbouring groups in one sentence when one of them
    names people. `counted` is the rules' answer (`participants_in`), a feature of its own."""
    results = _RESULTS_LABEL.search(text)
    section = "nolabel" if results is None else "pre"
    found = []
    for m in _COUNT_TOKEN.finditer(text):
        token = m.group(1)
        value = _count(token)
        if not value or _is_year(token):
            continue
        before = _words(text[max(0, m.start() - CONTEXT_CHARS) : m.start()])[-CONTEXT_WORDS:]
        after = _words(text[m.end() : m.end() + CONTEXT_CHARS])[:CONTEXT_WORDS]
        people = bool(_PEOPLE_NEXT.match(text[m.end() : m.end() + 60]))
        features = {f"b{i}={w}": 1.0 for i, w in enumerate(reversed(before[-3:]), 1)}
        features |= {f"a{i}={w}": 1.0 for i, w in enumerate(after[:3], 1)}
        features |= {f"bw={w}": 1.0 for w in before} | {f"aw={w}": 1.0 for w in after}
        features[f"section={'results' if results is not None and m.start() > results.start() else section}"] = 1.0
        features[f"digits={len(str(value))}"] = 1.0
        if token[0].isalpha():
            features["word"] = 1.0
        if _PERCENT_NEXT.match(text[m.end() : m.end() + 20]):
            features["percent-next"] = 1.0
        if people:
            features["people"] = 1.0
        found.append((m.start(), m.end(), value, features, people))
    repeats = Counter(value for *_, value, _, _ in found)
    largest = max((value for *_, value, _, people in found if people), default=None)
    out, groups = [], 0
    for i, (_, _, value, features, people) in enumerate(found):
        features[f"order={min(i, 6)}"] = 1.0
        if people:
            features[f"group-order={min(groups, 4)}"] = 1.0
            groups += 1
            if value == largest:
                features["largest-group"] = 1.0
        out.append((value, features))
    for i, (_, end, value, _, people) in enumerate(found):  # two groups: "27 obese and 27 lean men"
        for start, _, other, _, other_people in found[i + 1 : i + 4]:
            between = text[end:start]
            if ". " in between or "\n" in between or len(between) > MAX_GROUP_GAP:
                break
            if people or other_people:
                features = {"sum": 1.0, f"sum-people={int(people)}{int(other_people)}": 1.0}
                features |= {f"sw={w}": 1.0 for w in _words(between)[:8]}
                out.append((value + other, features))
    for value, features in out:
        features[f"repeats={min(repeats[value], 3)}"] = 1.0
        if value == counted:
            features["rules"] = 1.0
    return out


class ParticipantModel:
    """Logistic regression over the candidates' binary features: the likeliest candidate is the study's size when
    its probability reaches `min_probability` (else the card says none)."""

    def __init__(self, data: dict) -> None:
        self.intercept: float = data["intercept"]
        self.weights: dict[str, float] = data["weights"]
        self.min_probability: float = data["min_probability"]

    @classmethod
    def load(cls, path: Path | str = BUNDLED) -> ParticipantModel:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def probability(self, features: dict[str, float]) -> float:
        score = self.intercept + sum(self.weights.get(f, 0.0) * v for f, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    def count(self, text: str) -> int | None:
        """The study's size in this opening, or None when no number is likely enough."""
        scored = [(self.probability(features), value) for value, features in candidates(text, participants_in(text))]
        best = max(scored, default=(0.0, None), key=lambda pair: pair[0])
        return best[1] if best[0] >= self.min_probability else None


@lru_cache(maxsize=4)
def participant_model(choice: str) -> ParticipantModel | None:
    """The ranking a setting names (`ingest.study_design_model`, shared with the design model): "bundled", "none"
    (the rules alone), or a folder holding a `participants.json` written by `python -m train.study_design --out DIR`
    (absent there: the rules alone)."""
    if choice == "none":
        return None
    path = BUNDLED if choice == "bundled" else Path(choice).expanduser() / "participants.json"
    return ParticipantModel.load(path) if path.exists() else None


def count_participants(text: str, model: ParticipantModel | None) -> int | None:
    """The study's size: the learned ranking's when there is one, else the rules'."""
    return model.count(text) if model is not None else participants_in(text)
