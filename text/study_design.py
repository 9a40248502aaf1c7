"""A small learned reading of a study's design, for when its metadata and wording name none.

Many papers never say "cohort" or "cross-sectional": they describe what was done ("charts of 120 patients were
reviewed", "participants completed a questionnaire", "mutant mice were infected"). `train.study_design` learned,
from documents labelled by reading and PubMedQA abstracts weakly labelled by their MeSH check tags, a logistic
regression over TF-IDF word weights of the opening and of the rules' signs (`text.study.model_input`).
This module only applies the shipped weights (`models/study_design/model.json`, a plain JSON of vocabulary, idf
and coefficients): no scikit-learn at run time, and the result equals scikit-learn's (checked when training).

`text.study` asks it after metadata and explicit wording, before the rules' weak signs; the model card (`models/study_design/README.md`) has its data, licence and figures.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

BUNDLED = Path(__file__).resolve().parents[1] / "models" / "study_design" / "model.json"
TOKEN = re.compile(r"[a-z][a-z-]+")  # scikit-learn's token_pattern in training: words of letters and hyphens


class DesignModel:
    """Multinomial logistic regression over sublinear, l2-normalised TF-IDF of lower-cased words (and word pairs, if
    the model was trained with them: `ngrams`)."""

    def __init__(self, data: dict) -> None:
        self.classes: list[str] = data["classes"]
        self.intercept: list[float] = data["intercept"]
        self.min_probability: float = data.get("min_probability", 0.5)
        self.terms: dict[str, list[float]] = data["terms"]  # word or "word word" -> [idf, coefficient per class]
        self.ngrams: int = data.get("ngrams", 1)

    @classmethod
    def load(cls, path: Path | str = BUNDLED) -> DesignModel:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def probabilities(self, text: str) -> dict[str, float]:
        """Each class's probability for this text (title and abstract)."""
        words = TOKEN.findall(text.lower())
        grams = [" ".join(words[i : i + n]) for n in range(1, self.ngrams + 1) for i in range(len(words) - n + 1)]
        counts = Counter(t for t in grams if t in self.terms)
        weights = {t: (1 + math.log(n)) * self.terms[t][0] for t, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scores = list(self.intercept)
        for t, w in weights.items():
            for k, coef in enumerate(self.terms[t][1:]):
                scores[k] += coef * w / norm
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp)}

    def classify(self, text: str) -> tuple[str, float]:
        """The likeliest design and its probability; "unknown" when it stays below the model's `min_probability`
        (below one half the model is more likely wrong than right)."""
        probs = self.probabilities(text)
        best = max(probs, key=probs.__getitem__)
        return (best if probs[best] >= self.min_probability else "unknown"), probs[best]


@lru_cache(maxsize=1)
def bundled() -> DesignModel | None:
    """The shipped model, read once; None when its file is absent (the cards then come from the rules alone)."""
    return DesignModel.load(BUNDLED) if BUNDLED.exists() else None


@lru_cache(maxsize=4)
def design_model(choice: str) -> DesignModel | None:
    """The model a setting names (`ingest.study_design_model`): "bundled", "none" (the rules alone), or a folder
    holding a `model.json` written by `python -m train.study_design --out DIR`."""
    if choice == "bundled":
        return bundled()
    if choice == "none":
        return None
    return DesignModel.load(Path(choice).expanduser() / "model.json")
