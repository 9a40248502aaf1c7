"""Put a newly trained reader's outputs on the scale the answerer's thresholds were set on.

    python -m train.reader_scale NEW_READER --reference REFERENCE_READER [--sets malaria tuberculosis]

The answerer's thresholds (when a quote counts as answering, when a span or a verdict is trusted: `answer.direct`)
were set on one reader's outputs. A reader trained later ranks units differently and also puts its scores elsewhere:
run 6 gave the same units a median relevance of 0.21 where run 4 gave 0.29, and its verdicts were less sure, so the
same thresholds gave fewer direct lines. Both readers read the same units here (those the answerer reads, by the
hand-set score, for every question of the development sets named; their indexes are the ones `python -m bench.topics`
builds), and the quantiles (0, 1, ..., 100 %) of the new reader's relevance and verdict confidence are matched to
the reference's. NEW_READER/reader.json gets them as "scale"; `answer.reader` applies it (`Reader._on_scale`). No
label is read and the new reader's order of units is kept: only where its scores sit moves.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from settings import PROJECT_DIR, load_settings

QUANTILES = np.linspace(0.0, 1.0, 101)


def readings(reader, sets: list[str]) -> dict[str, list[float]]:
    """Relevance and verdict confidence `reader` gives every unit the answerer reads for the sets' questions."""
    from answer.extractive import ExtractiveAnswerer
    from index.corpus import CorpusIndex

    out: dict[str, list[float]] = {"relevance": [], "verdict": []}
    for name in sets:
        folder = PROJECT_DIR / "var" / "topic-index" / name
        if not folder.exists():
            raise SystemExit(f"no index at {folder}: run `python -m bench.topics --set {name}` first")
        answerer = ExtractiveAnswerer(CorpusIndex.open(folder, load_settings()))
        answerer._reader = reader
        read = answerer._read

        def keep(question, units, read=read):
            read(question, units)
            for u in units:
                if u.reading:
                    out["relevance"].append(u.reading.relevance)
                    out["verdict"].append(max(u.reading.yes, u.reading.no))

        answerer._read = keep
        questions = PROJECT_DIR / "evals" / name / "questions.jsonl"
        for line in questions.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                for question in [case["question"]] if "question" in case else case.get("turns", []):
                    answerer.answer(question)  # a two-turn case's turns one by one: their units are read all the same
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reader", type=Path, help="the new reader's folder (its reader.json gets the scale)")
    parser.add_argument("--reference", type=Path, required=True, help="the reader the thresholds were set on")
    parser.add_argument("--sets", nargs="+", default=["malaria", "tuberculosis"], help="development sets whose questions are read")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from answer.reader import load_reader

    new = load_reader(str(args.reader))
    new.scale = {}  # its own outputs, whatever scale it had
    mine = readings(new, args.sets)
    theirs = readings(load_reader(str(args.reference)), args.sets)
    scale = {key: [np.quantile(mine[key], QUANTILES).round(5).tolist(), np.quantile(theirs[key], QUANTILES).round(5).tolist()]
             for key in ("relevance", "verdict")}
    meta_path = args.reader / "reader.json"
    meta = json.loads(meta_path.read_text())
    meta["scale"] = scale
    meta["scale_from"] = {"reference": str(args.reference), "sets": args.sets, "units": len(mine["relevance"])}
    meta_path.write_text(json.dumps(meta, indent=2))
    for key in scale:
        print(f"{key}: median {np.median(mine[key]):.3f} -> {np.median(theirs[key]):.3f} on {len(mine[key]):,} units")
    print(f"wrote the scale into {meta_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
