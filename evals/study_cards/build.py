"""Build the documents of the study-card labelled set and check its labels.

    python -m evals.study_cards.build            # (re)write pubmedqa.jsonl, scifact.jsonl, manifest.jsonl
    python -m evals.study_cards.build --check    # also validate labels.jsonl against the manifest

Selection (seed 2026):
  * 90 PubMedQA PQA-L abstracts: random.Random(2026).sample over the rows of
    data/sample/pubmedqa/abstracts.jsonl in file order; each written with an added "year"
    taken from ../shared/data/pubmedqa/ori_pqal.json (YEAR; null where it has none, as in the
    source rows, which already carry the same value). Nothing else is copied from it.
  * 30 SciFact abstracts: random.Random(2026).sample over the rows of
    evals/scifact_subset/corpus.jsonl in file order; written unchanged (byte for byte).
  * every eLife .txt in evals/{malaria,hiv,influenza}/docs/ and the two seeds in data/sample/seeds/
    (referred to by path, not copied).

Split: within each source, doc_ids are ordered by sha256("study_cards:2026:" + doc_id); the first
round(0.4 * n) are "dev", the rest "test". Only the doc_id and the source's list decide it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

SEED = 2026
N_PUBMEDQA = 90
N_SCIFACT = 30
DEV_FRACTION = 0.4

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PUBMEDQA_SRC = ROOT / "data/sample/pubmedqa/abstracts.jsonl"
PUBMEDQA_META = ROOT.parent / "shared/data/pubmedqa/ori_pqal.json"
SCIFACT_SRC = ROOT / "evals/scifact_subset/corpus.jsonl"
ELIFE = {"elife-malaria": "evals/malaria/docs", "elife-hiv": "evals/hiv/docs",
         "elife-influenza": "evals/influenza/docs"}
SEEDS = "data/sample/seeds"

DESIGNS = {"randomised_trial", "non_randomised_trial", "cohort", "case_control", "cross_sectional",
           "case_report", "systematic_review", "review", "guideline", "trial_registration", "letter",
           "commentary", "preprint", "news", "laboratory", "modelling", "other", "unknown"}
NO_PARTICIPANTS = {"laboratory", "modelling", "systematic_review", "review", "guideline", "commentary"}
FIELDS = ["corpus", "doc_id", "source", "split", "design", "participants", "year", "journal",
          "registry", "evidence"]


def _hash(doc_id: str) -> str:
    return hashlib.sha256(f"study_cards:{SEED}:{doc_id}".encode()).hexdigest()


def assign_splits(doc_ids: list[str]) -> dict[str, str]:
    """dev for the first round(0.4 n) doc_ids in hash order, test for the rest."""
    ordered = sorted(doc_ids, key=_hash)
    n_dev = round(DEV_FRACTION * len(ordered))
    return {d: ("dev" if i < n_dev else "test") for i, d in enumerate(ordered)}


def _sample_lines(path: Path, n: int) -> list[str]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return random.Random(SEED).sample(lines, n)


def build() -> list[dict]:
    """Write pubmedqa.jsonl, scifact.jsonl and manifest.jsonl; return the manifest rows."""
    meta = json.loads(PUBMEDQA_META.read_text(encoding="utf-8"))
    out = []
    for line in _sample_lines(PUBMEDQA_SRC, N_PUBMEDQA):
        row = json.loads(line)
        year = meta[row["_id"]].get("YEAR")
        # The source rows already carry the same "year" (null for the 58 of 1,000 PQA-L rows
        # without a YEAR); it is set here from ori_pqal.json so the provenance is explicit.
        row["year"] = str(year) if year else None
        out.append(json.dumps(row, ensure_ascii=False))
    (HERE / "pubmedqa.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")
    sci = _sample_lines(SCIFACT_SRC, N_SCIFACT)
    (HERE / "scifact.jsonl").write_text("\n".join(sci) + "\n", encoding="utf-8")

    groups: dict[str, list[tuple[str, str]]] = {
        "pubmedqa": [("evals/study_cards/pubmedqa.jsonl", json.loads(row)["_id"]) for row in out],
        "scifact": [("evals/study_cards/scifact.jsonl", json.loads(row)["_id"]) for row in sci],
    }
    for source, folder in ELIFE.items():
        groups[source] = [(f"{folder}/{p.name}", p.stem) for p in sorted((ROOT / folder).glob("*.txt"))]
    groups["seed"] = [(f"{SEEDS}/{p.name}", p.stem) for p in sorted((ROOT / SEEDS).glob("*.txt"))]

    manifest = []
    for source, docs in groups.items():
        splits = assign_splits([d for _, d in docs])
        for corpus, doc_id in docs:
            manifest.append({"corpus": corpus, "doc_id": doc_id, "source": source,
                             "split": splits[doc_id]})
    (HERE / "manifest.jsonl").write_text(
        "".join(json.dumps(m) + "\n" for m in manifest), encoding="utf-8")
    return manifest


def doc_text(corpus: str, doc_id: str) -> str:
    path = ROOT / corpus
    if path.suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["_id"] == doc_id:
                return (row.get("title") or "") + "\n" + row["text"]
        raise KeyError(doc_id)
    return path.read_text(encoding="utf-8")


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def check(manifest: list[dict]) -> list[str]:
    """Problems in labels.jsonl: unknown/missing docs, wrong split, bad values, evidence not in text."""
    by_key = {(m["corpus"], m["doc_id"]): m for m in manifest}
    problems, seen = [], set()
    for n, line in enumerate((HERE / "labels.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        lab = json.loads(line)
        key = (lab.get("corpus"), lab.get("doc_id"))
        where = f"labels.jsonl:{n} {key[1]}"
        if sorted(lab) != sorted(FIELDS):
            problems.append(f"{where}: fields {sorted(lab)}")
        if key not in by_key:
            problems.append(f"{where}: not in manifest")
            continue
        if key in seen:
            problems.append(f"{where}: duplicate")
        seen.add(key)
        m = by_key[key]
        if lab["source"] != m["source"] or lab["split"] != m["split"]:
            problems.append(f"{where}: source/split {lab['source']}/{lab['split']} != {m['source']}/{m['split']}")
        if lab["design"] not in DESIGNS:
            problems.append(f"{where}: design {lab['design']!r}")
        p = lab["participants"]
        if p is not None and (not isinstance(p, int) or p <= 0):
            problems.append(f"{where}: participants {p!r}")
        if p is not None and lab["design"] in NO_PARTICIPANTS:
            problems.append(f"{where}: participants given for {lab['design']}")
        if lab["year"] is not None and not re.fullmatch(r"(19|20)\d\d", lab["year"]):
            problems.append(f"{where}: year {lab['year']!r}")
        text = _norm(doc_text(*key))
        for field in ("evidence", "registry", "journal"):
            v = lab[field]
            if field == "evidence" and v:
                v = re.sub(r"^\[[^\]]*\]\s*", "", v)  # a leading [note] is the labeller's, not the text's
            if v is not None and _norm(v) not in text:
                problems.append(f"{where}: {field} {v!r} not found in the text")
    missing = len(by_key) - len(seen)
    if missing:
        problems.append(f"{missing} manifest documents have no label")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="validate labels.jsonl")
    args = ap.parse_args(argv)
    manifest = build()
    print(f"{len(manifest)} documents in manifest.jsonl")
    if args.check:
        problems = check(manifest)
        for p in problems:
            print(p)
        return 1 if any("manifest documents have no label" not in p for p in problems) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
