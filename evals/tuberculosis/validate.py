"""Checks evals/tuberculosis/questions.jsonl against the corpus in docs/ (the checks: evals/topic_sets.py).

    python evals/tuberculosis/validate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from evals.topic_sets import validate  # noqa: E402

# terms a refusal's topic would need; none may occur in any paper (case-insensitive, whole word)
ABSENT = {
    "tb-refuse-01": ["bedaquiline", "TMC207", "QT", "QTc"],
    "tb-refuse-02": ["pretomanid", "PA-824", "BPaL"],
    "tb-refuse-03": ["rifapentine", "3HP"],
    "tb-refuse-04": ["meningitis", "dexamethasone", "corticosteroids?", "steroids?"],
    "tb-refuse-05": ["pregnancy", "pregnant"],
    "tb-refuse-06": ["M72", "AS01E?"],
    "tb-refuse-07": ["IRIS", "immune reconstitution"],
    "tb-refuse-08": ["Ultra", "stool"],
    "tb-refuse-09": ["urine", "urinary", "LF-LAM", "TB-LAM"],
    "tb-refuse-10": ["diabetes", "diabetic"],
}


if __name__ == "__main__":
    sys.exit(validate(Path(__file__).resolve().parent, "tb", ABSENT))
