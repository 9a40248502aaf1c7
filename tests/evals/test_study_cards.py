"""Study cards against the blind labelled set (evals/study_cards/: 197 real documents, 79 dev / 118 test).

The floors sit a few documents below what `python -m evals.study_cards` measured when they were set (the rules were
written on dev; test is held out), so a rule that breaks cards on other documents fails CI. Design is far from the
issue's 90 % target: the test split's figure is the honest one.
"""

from __future__ import annotations

from evals.study_cards.measure import measure

# measured: design dev 81.0 % / test 77.1 % (rules alone, `text.study_design` off: 77.2 / 62.7 %, below the floor;
# the model trained on the first 460 documents labelled by reading: 79.7 / 72.0 %, also below it), participants
# (where the label states a number) 74.3 / 62.0 % (the rules alone 71.4 / 60.0 %), a number where the label has
# none 4.5 / 5.9 %, year 98.7 / 99.2 %, journal 98.7 / 99.2 %, registry 98.7 / 100 %
FLOORS = {"design": 0.73, "participants": 0.56, "year": 0.96, "journal": 0.96, "registry": 0.97}
MAX_INVENTED_PARTICIPANTS = 0.15


def test_study_cards_meet_their_floors_on_the_held_out_split():
    figures = measure()
    test = figures["test"]
    assert figures["dev"]["design"]["n"] + test["design"]["n"] == 197
    low = {f: test[f]["share"] for f, floor in FLOORS.items() if test[f]["share"] < floor}
    assert not low, f"below the floor on the test split: {low} (floors {FLOORS})"
    assert test["participants_invented"]["share"] <= MAX_INVENTED_PARTICIPANTS
