"""Answer quality per topic: the IgG4 sets and the question sets written over other topics' full-text papers.

    python -m bench.topics [--set igg4 igg4-holdout malaria] [--reader bundled|none|PATH] [--json FILE] [--failures]

Each set is a corpus and a question file (`SETS`); its index is built once under `var/topic-index/<set>` (papers
already there are skipped; the malaria and short-PubMed indexes are copied from `evals/indexes/` when they fit). Every
question is answered extractively, then scored twice: pass/fail per answer type as `python app.py eval answers` does
(`evals.answers.judge`), and by the grounding measures of `evals.grounding` (passage quoted, cited papers that answer,
entities named, a direct line and a right one, the number stated, the yes/no verdict, refusals). The sealed sets
(`hiv`, `influenza`) run only when named with `--sealed`: each is measured once per change worth reporting, at the end
of a round, and never tuned on.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from settings import PROJECT_DIR  # noqa: E402

EVALS = PROJECT_DIR / "evals"
SETS = {  # name: (corpus paths; None = the sample corpus), questions
    "igg4": (None, EVALS / "questions.jsonl"),
    "igg4-holdout": ([EVALS / "holdout" / "docs"], EVALS / "holdout" / "questions.jsonl"),
    "malaria": ([EVALS / "malaria" / "docs"], EVALS / "malaria" / "questions.jsonl"),
    "hiv": ([EVALS / "hiv" / "docs"], EVALS / "hiv" / "questions.jsonl"),
    "influenza": ([EVALS / "influenza" / "docs"], EVALS / "influenza" / "questions.jsonl"),
    # development set two (10 full-text papers, written blind 2026-12-05)
    "tuberculosis": ([EVALS / "tuberculosis" / "docs"], EVALS / "tuberculosis" / "questions.jsonl"),
    # short PubMed abstracts (SciFact's corpus), list and factoid questions; `dev` clusters tuned on, `heldout` not
    "pubmed-dev": ([EVALS / "pubmed_short" / "corpus.jsonl"], EVALS / "pubmed_short" / "questions.jsonl"),
    "pubmed-heldout": ([EVALS / "pubmed_short" / "corpus.jsonl"], EVALS / "pubmed_short" / "questions.jsonl"),
}
# a set that is one split of its question file: (the index it shares with the other split, the split)
SPLITS = {"pubmed-dev": ("pubmed", "dev"), "pubmed-heldout": ("pubmed", "heldout")}
SEALED = {"hiv", "influenza"}
# Indexes the CI gates read, built once and shipped (`python scripts/build_eval_indexes.py`): a fresh checkout copies
# one into place instead of embedding its papers again, when it was built from the same papers, model and settings
# (`index.sample_index.install`; else the papers are ingested as before). Each took a test run on an AVX2-only CPU
# minutes of embedding (issue 31).
SHIPPED_INDEXES = EVALS / "indexes"
SHIPPED_SETS = {"malaria": "malaria", "pubmed": "pubmed-dev"}  # index name: a set it serves
# the reader's full-text training questions (train/data/fulltext_qa: 41 CC BY eLife papers on ~30 topics, 486
# questions written blind): `fulltext` all of them, `fulltext-dev` those on the 9 papers train.prepare holds out
# (what a reader trained on the rest is measured on); both over one index of all 41 papers
FULLTEXT = PROJECT_DIR / "train" / "data" / "fulltext_qa"
FULLTEXT_SETS = {"fulltext": None, "fulltext-dev": "dev"}


def fulltext_set(split: str | None = None) -> tuple[list[str], list[dict]]:
    """The fulltext papers, and their questions (of `split`: "dev" or "train"; None, all) in the evaluation sets'
    schema: the paper as `must_cite`, the answer span as `answer` (a yes/no question's as `expect_yesno`, a number's
    as `expect_number`)."""
    from train.prepare import fulltext_dev_papers, fulltext_folders

    papers, cases = [], []
    for part in fulltext_folders(FULLTEXT):
        names = sorted(p.stem for p in (part / "docs").glob("*.txt"))
        dev = fulltext_dev_papers(names)
        papers += [str(part / "docs" / f"{n}.txt") for n in names]
        for line in (part / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if split and split != ("dev" if q["doc_id"] in dev else "train"):
                continue
            case = {"id": q["id"], "type": q["type"], "question": q["question"], "must_cite": [q["doc_id"]],
                    "evidence": q["evidence"], "expect": "answered"}
            if q["type"] == "yesno":
                case["expect_yesno"] = q["answer"]
            elif q["type"] == "number":
                case["expect_number"] = q["answer"]
            else:
                case["answer"] = [q["answer"]]
            cases.append(case)
    return papers, cases


def set_of(name: str, settings) -> tuple[str, list[str], list[dict]]:
    """A set's index name, its corpus (files and folders) and its question cases."""
    from evals.answers import load_cases

    if name in FULLTEXT_SETS:
        papers, cases = fulltext_set(FULLTEXT_SETS[name])
        return "fulltext", papers, cases
    index_name, split = SPLITS.get(name, (name, None))
    cases = [c for c in load_cases(SETS[name][1]) if split is None or c.get("split") == split]
    return index_name, corpus_of(name, settings), cases


def corpus_of(name: str, settings) -> list[str]:
    extra, _ = SETS[name]
    sample = [str(p) for p in settings.paths.sample_corpus]
    if name.startswith("igg4"):
        return sample + [str(p) for p in extra or []]
    return [str(p) for p in extra]


def open_set_index(index_name: str, corpus: list[str], settings, index_root: Path, progress: bool = True):
    """The set's index under `index_root`, with every paper of `corpus` in it: the shipped copy installed when the
    folder is new and the copy fits (`SHIPPED_INDEXES`), then whatever is missing ingested (nothing, when it fit)."""
    from app import ingest_with_progress, print_report
    from index.corpus import CorpusIndex
    from index.sample_index import install

    folder = index_root / index_name
    if index_name in SHIPPED_SETS and not folder.exists():
        install(settings, folder, SHIPPED_INDEXES / index_name, [Path(p) for p in corpus])
    index = CorpusIndex.open(str(folder), settings)
    report = ingest_with_progress(index, corpus)
    if progress:
        print_report(report)
    return index


def run_set(name: str, settings, index_root: Path, progress: bool = True) -> dict[str, object]:
    """Answer one set's questions on its own index; per-case rows with both scorings, and both summaries."""
    from answer.extractive import ExtractiveAnswerer
    from evals.answers import judge, run_case
    from evals.grounding import grade, summarise

    index_name, corpus, cases = set_of(name, settings)
    index = open_set_index(index_name, corpus, settings, index_root, progress)
    answerer = ExtractiveAnswerer(index)

    def document_text(doc_id: str) -> str:
        record = index.document(doc_id)
        return record.text if record else ""

    rows, started = [], time.perf_counter()
    for case in cases:
        result = run_case(answerer, case)
        row = judge(case, result)
        row["grounding"] = grade(case, result, document_text)
        row["direct_line"] = result.parts[0].text if result.parts and result.parts[0].kind == "direct" else ""
        rows.append(row)
    seconds = (time.perf_counter() - started) / max(1, len(cases))
    by_type: dict[str, dict[str, float]] = {}
    for row in rows:
        kind = str(row["type"])
        by_type.setdefault(kind, {"n": 0, "ok": 0})
        by_type[kind]["n"] += 1
        by_type[kind]["ok"] += bool(row["ok"])
    reader = answerer.reader
    return {"set": name, "reader": str(reader) if reader else "none", "questions": len(rows),
            "pass": {k: v["ok"] / v["n"] for k, v in by_type.items()} | {"all": sum(r["ok"] for r in rows) / len(rows)},
            "counts": {k: v["n"] for k, v in by_type.items()}, "grounding": summarise([r["grounding"] for r in rows]),
            "seconds_per_question": seconds, "rows": rows}


def format_run(result: dict[str, object]) -> str:
    from evals.grounding import format_summary

    kinds = list(result["counts"])
    head = "| pass rate | " + " | ".join(f"{k} ({result['counts'][k]})" for k in kinds) + f" | all ({result['questions']}) |"
    cells = " | ".join(f"{100 * result['pass'][k]:.0f}%" for k in kinds)
    return "\n".join([f"### {result['set']} (reader: {result['reader']}; {result['seconds_per_question']:.2f} s/question)", "",
                      head, "|---|" + "---|" * (len(kinds) + 1), f"| {result['set']} | {cells} | {100 * result['pass']['all']:.0f}% |",
                      "", format_summary(result["set"], result["grounding"])])


def main(argv: list[str] | None = None) -> int:
    from settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", nargs="+", default=["igg4", "igg4-holdout", "malaria"], choices=sorted({*SETS, *FULLTEXT_SETS}))
    parser.add_argument("--sealed", action="store_true", help="allow the sealed set(s) to run")
    parser.add_argument("--reader", help="answer.reader for this run: bundled, none or a folder")
    parser.add_argument("--option", action="append", default=[], metavar="GROUP.KEY=VALUE",
                        help="a setting for this run, e.g. answer.context_chunks=16 (repeatable)")
    parser.add_argument("--index-root", type=Path, default=PROJECT_DIR / "var" / "topic-index")
    parser.add_argument("--json", type=Path, help="write every row and summary to this file")
    parser.add_argument("--failures", action="store_true", help="print each question that failed, with its answer")
    args = parser.parse_args(argv)
    sealed = SEALED & set(args.set)
    if sealed and not args.sealed:
        parser.error(f"{', '.join(sorted(sealed))} is sealed: it runs once, at the end of a round, with --sealed")
    settings = load_settings()
    if args.reader:
        settings.answer.reader = args.reader
    for option in args.option:
        key, _, value = option.partition("=")
        group, _, name = key.partition(".")
        target = getattr(settings, group)
        setattr(target, name, type(getattr(target, name))(value) if getattr(target, name) is not None else int(value))
    results = []
    for name in args.set:
        result = run_set(name, settings, args.index_root)
        results.append(result)
        print(format_run(result), flush=True)
        if args.failures:
            for row in result["rows"]:
                g = row["grounding"]
                if not row["ok"] or g.get("passage_quoted") is False or g.get("cited_precision", 1) < 1:
                    print(f"- {row['id']}: {row['question']} -> {row['status']} | {row['direct_line']!r} | "
                          f"{json.dumps({k: v for k, v in g.items() if k not in ('id', 'type')})} | {row['answer'][:200]!r}")
        print()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
