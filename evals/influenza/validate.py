"""Checks evals/influenza/questions.jsonl against the corpus in docs/ (the checks: evals/topic_sets.py).

    python evals/influenza/validate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from evals.topic_sets import validate  # noqa: E402

# terms a refusal's topic would need; none may occur in any paper (case-insensitive, whole word)
ABSENT = {
    "influenza-refuse-01": ["baloxavir", "Xofluza", "cap-dependent endonuclease"],
    "influenza-refuse-02": ["Guillain", "GBS"],
    "influenza-refuse-03": ["pregnant", "pregnancy", "pregnancies"],
    "influenza-refuse-04": ["zanamivir", "peramivir"],
    "influenza-refuse-05": ["amantadine", "rimantadine", "adamantane", "adamantanes"],
    "influenza-refuse-06": ["narcolepsy", "Pandemrix", "AS03"],
    "influenza-refuse-07": ["corticosteroid", "corticosteroids", "dexamethasone", "hydrocortisone", "methylprednisolone"],
    "influenza-refuse-08": ["mask", "masks", "facemask", "face mask", "respirator", "respirators"],
    "influenza-refuse-09": ["Reye", "aspirin", "salicylate"],
    "influenza-refuse-10": ["myocarditis", "pericarditis"],
}


if __name__ == "__main__":
    sys.exit(validate(Path(__file__).resolve().parent, "influenza", ABSENT))
