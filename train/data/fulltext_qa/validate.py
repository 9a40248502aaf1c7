"""Check questions.jsonl against docs/, here and in each batch folder (batch2/ ...), one folder after another
(run: .venv/bin/python train/data/fulltext_qa/validate.py).

Every line must be a JSON object with id, doc_id, type, question, evidence, answer; doc_id must name a
file docs/<doc_id>.txt; every evidence string must occur verbatim in that text; for list, factoid and
number questions the answer must occur verbatim inside one of its evidence strings; for yesno it must
be "yes" or "no". Prints counts per type (and per document) and exits 1 on any problem.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIELDS = ("id", "doc_id", "type", "question", "evidence", "answer")
TYPES = {"list", "factoid", "number", "yesno", "mechanism"}


def main() -> int:
    problems: list[str] = []
    ids: set[str] = set()  # question ids are unique across all folders
    papers: dict[str, str] = {}  # doc id -> the folder holding it: a paper belongs to one folder only
    for folder in [HERE, *sorted(p for p in HERE.glob("batch*") if p.is_dir())]:
        print(f"{folder.name}/")
        for doc in sorted((folder / "docs").glob("*.txt")):
            if doc.stem in papers:
                problems.append(f"{folder.name}: paper {doc.stem} is also in {papers[doc.stem]}")
            papers.setdefault(doc.stem, folder.name)
        problems += [f"{folder.name}: {p}" for p in check(folder, ids)]
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def check(folder: Path, ids: set[str]) -> list[str]:
    """The problems of one folder's questions.jsonl; prints its counts per type and per document."""
    problems: list[str] = []
    types: Counter = Counter()
    per_doc: Counter = Counter()
    texts: dict[str, str] = {}
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        where = f"line {n}"
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON ({e})")
            continue
        missing = [f for f in FIELDS if f not in q]
        if missing:
            problems.append(f"{where}: missing {missing}")
            continue
        where = f"line {n} ({q['id']})"
        if q["id"] in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(q["id"])
        if q["type"] not in TYPES:
            problems.append(f"{where}: unknown type {q['type']!r}")
        if not isinstance(q["question"], str) or not q["question"].strip():
            problems.append(f"{where}: empty question")
        doc = folder / "docs" / f"{q['doc_id']}.txt"
        if not doc.is_file():
            problems.append(f"{where}: no file docs/{q['doc_id']}.txt")
            continue
        text = texts.setdefault(q["doc_id"], doc.read_text(encoding="utf-8"))
        ev = q["evidence"]
        if not isinstance(ev, list) or not ev or not all(isinstance(e, str) and e.strip() for e in ev):
            problems.append(f"{where}: evidence must be a non-empty list of strings")
            continue
        for e in ev:
            if e not in text:
                problems.append(f"{where}: evidence not verbatim in doc: {e[:70]!r}")
        a = q["answer"]
        if not isinstance(a, str):
            problems.append(f"{where}: answer is not a string")
        elif q["type"] in ("list", "factoid", "number"):
            if not a or not any(a in e for e in ev):
                problems.append(f"{where}: answer {a!r} not inside any evidence string")
        elif q["type"] == "yesno" and a not in ("yes", "no"):
            problems.append(f"{where}: yesno answer must be 'yes' or 'no', got {a!r}")
        types[q["type"]] += 1
        per_doc[q["doc_id"]] += 1

    print(f"{len(lines)} questions, {len(per_doc)} documents")
    for t in sorted(TYPES):
        print(f"  {t:10s} {types[t]}")
    for d, c in sorted(per_doc.items()):
        print(f"  {c:3d}  {d}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
