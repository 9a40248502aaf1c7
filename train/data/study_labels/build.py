"""Select the documents for the study-design training labels and write them in parts for the labellers.

    .venv/bin/python train/data/study_labels/build.py          # writes docs.jsonl and parts/part*.jsonl

Why a second labelled set: the study-card model learnt from MeSH check tags alone (409 PubMedQA abstracts,
five designs, noisy), so it knows nothing of reviews, commentaries, models or laboratory work in full texts. These
documents are labelled by people reading them with the schema of `evals/study_cards/README.md`, and they are
disjoint from everything that measures the cards:

- PubMedQA PQA-L (MIT): 240 of the 910 abstracts not in `evals/study_cards/` (`random.Random(2027)`).
- SciFact corpus (abstracts ODC-By 1.0): 120 abstracts from `../shared/data/scifact/corpus.jsonl`, none of them in
  `evals/scifact_subset/` (whose 900 rows the cards' 30 SciFact documents come from).
- eLife (CC BY) and PLOS (CC BY) full texts, rendered by `evals/malaria/convert.py` from the snapshots it names:
  60 eLife research articles and 20 eLife insights/editorials/features, 20 PLOS starter-corpus articles; none of
  them in any `evals/*/sources.json`, and none on the topics those sets measure (malaria, HIV, influenza,
  tuberculosis: by title). Only the opening (`OPENING` characters: title, abstract, the start of the body) is kept:
  the card reads the first 4,000.

Every row: `id` (`pubmedqa:PMID`, `scifact:ID`, `elife:FILE`, `plos:FILE`), `source`, `title`, `text`, and for the
full texts `chars` (the whole text's length) and `article_type` (the publisher's own tag, kept for checking, never shown to
the labellers).
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OPENING = 6_000
OFF_TOPIC = re.compile(r"malaria|plasmodi|\bHIV\b|immunodeficiency virus|influenza|tubercul|mycobacter", re.I)

_spec = importlib.util.spec_from_file_location("malaria_convert", ROOT / "evals" / "malaria" / "convert.py")
convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _evaluated_paths() -> set[str]:
    paths = set()
    for sources in (ROOT / "evals").glob("*/sources.json"):
        paths |= {s["path"] for s in json.loads(sources.read_text())}
    return paths


def _listing(src: dict) -> list[str]:
    out = subprocess.run(["git", "--git-dir", src["git"], "ls-tree", "-r", "--name-only", src["commit"]],
                         check=True, capture_output=True, text=True).stdout
    return sorted(p for p in out.splitlines() if p.endswith(".xml"))


def _fulltexts(src: dict, prefix: str, rng: random.Random, wanted: dict[str, int],
               taken: frozenset[str] = frozenset()) -> list[dict]:
    """`wanted` maps the publisher's article types to how many of each; drawn in a seeded order, none of `taken`."""
    skip = _evaluated_paths()
    paths = [p for p in _listing(src) if p not in skip and f"{prefix}:{Path(p).name}" not in taken]
    rng.shuffle(paths)
    rows, left = [], dict(wanted)
    for path in paths:
        if not any(left.values()):
            break
        text, meta = convert.convert(convert.git_show(src, path))
        kind = meta["article_type"]
        group = next((k for k in left if kind in k.split("|")), None)
        if group is None or not left[group] or OFF_TOPIC.search(meta["title"]) or len(text) < 1_500:
            continue
        left[group] -= 1
        rows.append({"id": f"{prefix}:{Path(path).name}", "source": prefix, "title": meta["title"],
                     "text": text[:OPENING], "chars": len(text), "article_type": kind, "repo": src["repo"], "commit": src["commit"],
                     "path": path})
    return rows


def _abstracts() -> tuple[list[dict], list[dict]]:
    """The PubMedQA and SciFact abstracts the cards are not measured on, in file order."""
    evaluated = {(r["source"], r["doc_id"]) for r in _jsonl(ROOT / "evals/study_cards/manifest.jsonl")}
    pubmedqa = [r for r in _jsonl(ROOT / "data/sample/pubmedqa/abstracts.jsonl")
                if ("pubmedqa", r["_id"]) not in evaluated]
    subset = {r["_id"] for r in _jsonl(ROOT / "evals/scifact_subset/corpus.jsonl")}
    scifact = [r for r in _jsonl(ROOT.parent / "shared/data/scifact/corpus.jsonl") if r["_id"] not in subset]
    return pubmedqa, scifact


def _rows(pubmedqa: list[dict], scifact: list[dict]) -> list[dict]:
    return ([{"id": f"pubmedqa:{r['_id']}", "source": "pubmedqa", "title": r.get("title", ""), "text": r["text"]}
             for r in pubmedqa]
            + [{"id": f"scifact:{r['_id']}", "source": "scifact", "title": r["title"], "text": r["text"]}
               for r in scifact])


def build() -> list[dict]:
    """The first batch (2026-12-05): 240 PubMedQA, 120 SciFact, 80 eLife and 20 PLOS documents."""
    pubmedqa, scifact = _abstracts()
    rows = _rows(random.Random(2027).sample(pubmedqa, 240), random.Random(2027).sample(scifact, 120))
    rows += _fulltexts(convert.ELIFE, "elife", random.Random(2027),
                       {"research-article": 60, "article-commentary|editorial|discussion": 20})
    rows += _fulltexts(convert.PLOS, "plos", random.Random(2027), {"research-article|review-article": 20})
    return rows


# The later batches (2026-12-06), each drawn with its own seed from what the earlier ones left: 240 PubMedQA and 120
# SciFact abstracts, and full texts by the publisher's article types. The third is eLife only: the measured full
# texts are eLife's, and the second's PLOS draw brought papers from outside biomedicine.
LATER_BATCHES = [  # (seed, eLife types -> how many, PLOS types -> how many)
    (2028, {"research-article": 30, "article-commentary|editorial|discussion": 10},
     {"research-article|review-article": 40}),
    (2029, {"research-article": 60, "article-commentary|editorial|discussion": 20}, {}),
]


def build_later(earlier: list[dict], seed: int, elife: dict[str, int], plos: dict[str, int]) -> list[dict]:
    """A batch disjoint from the `earlier` rows (see LATER_BATCHES)."""
    taken = frozenset(r["id"] for r in earlier)
    pubmedqa, scifact = _abstracts()
    pubmedqa = [r for r in pubmedqa if f"pubmedqa:{r['_id']}" not in taken]
    scifact = [r for r in scifact if f"scifact:{r['_id']}" not in taken]
    rows = _rows(random.Random(seed).sample(pubmedqa, 240), random.Random(seed).sample(scifact, 120))
    rows += _fulltexts(convert.ELIFE, "elife", random.Random(seed), elife, taken)
    if plos:
        rows += _fulltexts(convert.PLOS, "plos", random.Random(seed), plos, taken)
    return rows


def _groups(rows: list[dict], seed: int) -> list[list[dict]]:
    """Five labellers' parts: two of PubMedQA, one of SciFact, two of full texts (shuffled so each sees every kind)."""
    full = [r for r in rows if r["source"] in ("elife", "plos")]
    random.Random(seed).shuffle(full)
    return [rows[:120], rows[120:240], rows[240:360], full[: len(full) // 2], full[len(full) // 2:]]


def main() -> None:
    batches, seeds = [build()], [2027]
    for seed, elife, plos in LATER_BATCHES:
        batches.append(build_later([r for b in batches for r in b], seed, elife, plos))
        seeds.append(seed)
    with (HERE / "docs.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for b in batches for r in b)
    parts = HERE / "parts"
    parts.mkdir(exist_ok=True)
    # parts 1-5: the first batch, 6-10: the second, 11-15: the third
    groups = [g for rows, seed in zip(batches, seeds) for g in _groups(rows, seed)]
    for n, group in enumerate(groups, 1):
        with (parts / f"part{n}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps({k: r[k] for k in ("id", "title", "text")}, ensure_ascii=False) + "\n"
                         for r in group)
        print(f"part{n}: {len(group)} documents")


if __name__ == "__main__":
    main()
