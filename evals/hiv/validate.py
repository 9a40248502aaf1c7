"""Checks evals/hiv/questions.jsonl against the corpus in docs/ (the checks: evals/topic_sets.py).

    python evals/hiv/validate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from evals.topic_sets import validate  # noqa: E402

# terms a refusal's topic would need; none may occur in any paper (case-insensitive, whole word)
ABSENT = {
    "hiv-refuse-01": ["dolutegravir", "integrase inhibitor", "integrase inhibitors"],
    "hiv-refuse-02": ["cabotegravir", "injectable", "long-acting"],
    "hiv-refuse-03": ["dapivirine", "vaginal ring"],
    "hiv-refuse-04": ["circumcision", "circumcised"],
    "hiv-refuse-05": ["breastfeeding", "breast-feeding", "breast milk", "breastfed"],
    "hiv-refuse-06": ["cotrimoxazole", "co-trimoxazole", "trimethoprim", "sulfamethoxazole"],
    "hiv-refuse-07": ["neurocognitive", "dementia"],
    "hiv-refuse-08": ["RV144", "ALVAC", "AIDSVAX"],
    "hiv-refuse-09": ["lenacapavir", "GS-6207"],
    "hiv-refuse-10": ["hypersensitivity", "HLA-B\\*57:01 screening"],
}


if __name__ == "__main__":
    sys.exit(validate(Path(__file__).resolve().parent, "hiv", ABSENT))
