"""Training of the models this project ships (the reader, `models/reader/`).

Never imported by the app: the app loads the shipped weights (`answer/reader.py`). Everything here is run
by hand, `python -m train.prepare` then `python -m train.reader`, and prints its data, seeds and figures.
"""
