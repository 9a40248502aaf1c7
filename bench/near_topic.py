"""Refusals on near-topic questions: on the papers' own topic and in their vocabulary, but asking for a fact no
paper states (`evals/near_topic/`, 41 over the malaria corpus, 21 over the IgG4 sample corpus).

    python -m bench.near_topic [--set malaria igg4] [--split dev heldout] [--json FILE] [--answered]

Prints the share refused per set and split (every question should be refused) and, with `--answered`, each
question that was answered, with the signals the gate reads: the hand-set score of the best unit, the reader's
best relevance, the asked attribute, and the first quote. Uses the indexes of `python -m bench.topics`
(`var/topic-index/<set>`, built here when missing). Rules and thresholds are fitted on `dev`; `heldout` is
reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from settings import PROJECT_DIR  # noqa: E402

QUESTIONS = PROJECT_DIR / "evals" / "near_topic" / "questions.jsonl"


def load_questions(sets: list[str], splits: list[str]) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["set"] in sets and r["split"] in splits]


def run(sets: list[str], splits: list[str], settings, index_root: Path, progress: bool = True) -> list[dict[str, object]]:
    """One row per question of `sets`, each answered on its set's index under `index_root` (built when missing)."""
    from bench.topics import corpus_of, open_set_index

    rows = []
    for name in sets:
        questions = load_questions([name], splits)
        if questions:
            index = open_set_index(name, corpus_of(name, settings), settings, index_root, progress)
            rows += answer_questions(index, questions)
    return rows


def answer_questions(index, questions: list[dict[str, object]]) -> list[dict[str, object]]:
    """One row per question: refused or not, and the gate's signals."""
    from answer.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(index)
    rows = []
    for q in questions:
        result = answerer.answer(str(q["question"]))
        rows.append({"id": q["id"], "set": q["set"], "split": q["split"], "question": q["question"],
                     "refused": result.status != "answered", "note": result.note.split("\n")[0][:120],
                     "evidence_score": round(result.evidence_score, 3),
                     "reader_relevance": None if result.reader_relevance is None else round(result.reader_relevance, 3),
                     "attribute": result.analysis.get("attribute", ""),
                     "quote": result.citations[0].quote[:160] if result.citations else ""})
    return rows


def summary(rows: list[dict[str, object]]) -> dict[str, tuple[int, int]]:
    """(refused, questions) per "set split", and "all"."""
    out: dict[str, tuple[int, int]] = {}
    for key in sorted({f"{r['set']} {r['split']}" for r in rows}) + ["all"]:
        group = [r for r in rows if key == "all" or f"{r['set']} {r['split']}" == key]
        out[key] = (sum(bool(r["refused"]) for r in group), len(group))
    return out


def main(argv: list[str] | None = None) -> int:
    from settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", nargs="+", default=["malaria", "igg4"], choices=["malaria", "igg4"])
    parser.add_argument("--split", nargs="+", default=["dev", "heldout"], choices=["dev", "heldout"])
    parser.add_argument("--index-root", type=Path, default=PROJECT_DIR / "var" / "topic-index")
    parser.add_argument("--json", type=Path, help="write every row to this file")
    parser.add_argument("--answered", action="store_true", help="print each question that was answered")
    args = parser.parse_args(argv)
    rows = run(args.set, args.split, load_settings(), args.index_root)
    print("| near-topic set | refused |\n|---|---|")
    for key, (refused, n) in summary(rows).items():
        print(f"| {key} | {refused}/{n} ({100 * refused / n:.0f}%) |")
    if args.answered:
        for r in rows:
            if not r["refused"]:
                print(f"- {r['id']} ({r['split']}): {r['question']} | score {r['evidence_score']} reader "
                      f"{r['reader_relevance']} attribute {r['attribute']!r} | {r['quote']!r}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
