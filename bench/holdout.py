"""The held-out answer set: two new documents and 24 questions nobody tuned on (evals/holdout/README.md).

    python -m bench.holdout [--index DIR]

Builds (or reuses) an index of the sample corpus plus `evals/holdout/docs/` in `var/holdout-index`, answers
`evals/holdout/questions.jsonl` extractively and prints the per-type tables of `evals.answers`.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv: list[str] | None = None) -> None:
    from answer.answerers import make_answerer
    from app import ingest_with_progress, print_report
    from evals.answers import evaluate_answers, format_table, load_cases
    from index.corpus import CorpusIndex
    from settings import PROJECT_DIR, load_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=str(PROJECT_DIR / "var" / "holdout-index"))
    args = parser.parse_args(argv)
    settings = load_settings()
    index = CorpusIndex.open(args.index, settings)
    paths = [str(p) for p in settings.paths.sample_corpus] + [str(PROJECT_DIR / "evals" / "holdout" / "docs")]
    print_report(ingest_with_progress(index, paths))  # unchanged documents are skipped
    report = evaluate_answers(make_answerer(index, llm=False), load_cases(PROJECT_DIR / "evals" / "holdout" / "questions.jsonl"))
    print(format_table({"extractive (held-out set)": report}))
    for row in report["rows"]:
        if not row["ok"]:
            print(f"  failed {row['id']}: {row['question']} -> {row['status']}: {row['answer'][:160]!r}")


if __name__ == "__main__":
    main()
