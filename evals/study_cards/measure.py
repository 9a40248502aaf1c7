"""How right the study cards are: each labelled document read the way `ingest` reads it, its card compared with
the labels (`labels.jsonl`, written by reading the papers before the extractor existed), per field and split.

    python -m evals.study_cards [--json] [--errors dev]

Fields: design over every document; participants over the documents whose label states a number (the issue's
"where the text states a number"), plus how often a card states a number its label does not; year, journal and
registry over every document ("" and null both mean not stated). The extractor's rules were written on the dev
split; test is held out.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from ingest.loaders import ReadLimits, load_paths
from settings import PROJECT_DIR
from text.participants import ParticipantModel
from text.study import StudyCard, study_card
from text.study_design import DesignModel

HERE = Path(__file__).resolve().parent


def labelled() -> list[dict]:
    return [json.loads(line) for line in (HERE / "labels.jsonl").read_text().splitlines() if line.strip()]


def cards(labels: list[dict], model: DesignModel | None | str = "bundled",
          counter: ParticipantModel | None | str = "bundled") -> dict[tuple[str, str], StudyCard]:
    """Each labelled document's card, keyed by (corpus, doc_id), from the documents ingest's loaders make; `model`
    and `counter` as `study_card` takes them (None: the rules alone)."""
    out: dict[tuple[str, str], StudyCard] = {}
    for corpus in sorted({row["corpus"] for row in labels}):
        wanted = {row["doc_id"] for row in labels if row["corpus"] == corpus}
        for result in load_paths([PROJECT_DIR / corpus], ReadLimits(parse_seconds=0)):
            doc = result.document
            if doc is None:
                continue
            doc_id = doc.doc_id if doc.metadata.get("format") == "jsonl" else Path(corpus).stem
            if doc_id in wanted:
                out[(corpus, doc_id)] = study_card(doc.text, doc.metadata, model, counter)
    return out


def _same(label: object, found: object) -> bool:
    norm = [" ".join(str(x or "").casefold().replace(".", " ").split()) for x in (label, found)]
    return norm[0] == norm[1]


def compare(row: dict, card: StudyCard) -> dict[str, bool | None]:
    """Per field: right, wrong, or None when the field is not measured on this document."""
    stated = row["participants"] is not None
    return {
        "design": row["design"] == card.design,
        "participants": (card.participants == row["participants"]) if stated else None,
        "participants_invented": (card.participants is not None) if not stated else None,
        "year": _same(row["year"], card.year),
        "journal": _same(row["journal"], card.journal),
        "registry": _same(row["registry"], card.registry),
    }


def measure(labels: list[dict] | None = None, model: DesignModel | None | str = "bundled",
            counter: ParticipantModel | None | str = "bundled") -> dict[str, dict[str, dict[str, float | int]]]:
    """{split: {field: {"share": right/measured, "n": measured}}}, splits "dev", "test" and "all"."""
    labels = labels if labels is not None else labelled()
    found = cards(labels, model, counter)
    tally: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for row in labels:
        card = found.get((row["corpus"], row["doc_id"]), StudyCard())
        for field, ok in compare(row, card).items():
            if ok is not None:
                for split in (row["split"], "all"):
                    tally[split][field].append(ok)
    return {split: {field: {"share": round(sum(v) / len(v), 6), "n": len(v)} for field, v in fields.items()}
            for split, fields in tally.items()}


def errors(split: str) -> list[str]:
    """The design and participant mistakes of one split, to read when changing a rule (dev only, by convention)."""
    labels = [row for row in labelled() if row["split"] == split]
    found = cards(labels)
    out = []
    for row in labels:
        card = found.get((row["corpus"], row["doc_id"]), StudyCard())
        if row["design"] != card.design or (row["participants"] is not None and row["participants"] != card.participants):
            out.append(f"{row['doc_id']}: design {row['design']} -> {card.design} ({card.evidence!r}); "
                       f"participants {row['participants']} -> {card.participants}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.study_cards", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--errors", metavar="SPLIT", help="list the mistakes of this split instead")
    args = parser.parse_args(argv)
    if args.errors:
        print("\n".join(errors(args.errors)))
        return
    figures = measure()
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    names = ["design", "participants", "participants_invented", "year", "journal", "registry"]
    print(f"{'split':6} " + " ".join(f"{n:>22}" for n in names))
    for split in ("dev", "test", "all"):
        cells = [f"{figures[split][n]['share']:.1%} of {figures[split][n]['n']}" if n in figures[split] else "-"
                 for n in names]
        print(f"{split:6} " + " ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
