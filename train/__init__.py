"""Training of the models this project ships (the reader, `models/reader/`; the study-design model,
`models/study_design/`).

Never imported by the app: the app loads the shipped weights (`answer/reader.py`, `text/study_design.py`).
Everything here is run by hand, `python -m train.prepare` then `python -m train.reader`, and
`python -m train.study_design`, and prints its data, seeds and figures.
"""
