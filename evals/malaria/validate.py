"""Checks evals/malaria/questions.jsonl against the corpus in docs/ (the checks: evals/topic_sets.py).

    python evals/malaria/validate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from evals.topic_sets import validate  # noqa: E402

# terms a refusal's topic would need; none may occur in any paper (case-insensitive, whole word)
ABSENT = {
    "malaria-refuse-01": ["R21", "Matrix-M"],
    "malaria-refuse-02": ["knowlesi"],
    "malaria-refuse-03": ["pyrethroid", "deltamethrin", "permethrin"],
    "malaria-refuse-04": ["cerebral"],
    "malaria-refuse-05": ["atovaquone", "proguanil"],
    "malaria-refuse-06": ["intravenous artesunate", "IV artesunate", "parenteral"],
    "malaria-refuse-07": ["ivermectin"],
    "malaria-refuse-08": ["loop-mediated", "isothermal"],
    "malaria-refuse-09": ["per child per", "US\\$", "USD", "dollars"],
    "malaria-refuse-10": ["HLA"],
}


if __name__ == "__main__":
    sys.exit(validate(Path(__file__).resolve().parent, "malaria", ABSENT))
