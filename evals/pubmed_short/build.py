#!/usr/bin/env python3
"""Build and check the pubmed_short evaluation set (standard library and the topic sets' checks).

    python3 evals/pubmed_short/build.py                  # re-create corpus.jsonl from manifest.json
    python3 evals/pubmed_short/build.py --check          # re-create, then validate questions.jsonl
    python3 evals/pubmed_short/build.py --draw-distractors
        # re-draw the 150 random distractor ids (seed 2026) into manifest.json; only needed if the
        # cluster selection changes -- the draw is deterministic, so it reproduces the stored ids

corpus.jsonl holds the lines of evals/scifact/corpus.jsonl (copied byte for byte) whose _id is listed in
manifest.json, sorted by _id. Paths are relative to this file, so the script runs from any directory.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from evals.topic_sets import check_cases  # noqa: E402

SOURCE = HERE.parent / "scifact" / "corpus.jsonl"
MANIFEST = HERE / "manifest.json"
CORPUS = HERE / "corpus.jsonl"
QUESTIONS = HERE / "questions.jsonl"
TYPES = ("list", "factoid", "number", "yesno", "refuse")


def source_lines() -> dict[str, bytes]:
    """_id -> the exact line (bytes, newline included) of the SciFact corpus."""
    out: dict[str, bytes] = {}
    with SOURCE.open("rb") as fh:
        for raw in fh:
            if raw.strip():
                out[json.loads(raw)["_id"]] = raw if raw.endswith(b"\n") else raw + b"\n"
    return out


def sort_key(doc_id: str) -> tuple[int, str]:
    return (int(doc_id), doc_id) if doc_id.isdigit() else (1 << 62, doc_id)


def manifest_ids(manifest: dict) -> list[str]:
    return [d["_id"] for d in manifest["documents"]]


def draw_distractors(manifest: dict, lines: dict[str, bytes]) -> list[str]:
    """Random distractors: seed, n and exclusion regex as recorded in the manifest."""
    spec = manifest["distractors"]
    chosen = {d["_id"] for d in manifest["documents"] if d["cluster"] != "distractor"}
    exclude = re.compile(spec["exclude_regex"], re.I)
    pool = []
    for doc_id in sorted(lines, key=sort_key):
        if doc_id in chosen:
            continue
        doc = json.loads(lines[doc_id])
        if exclude.search(doc["title"] + " " + doc["text"]):
            continue
        pool.append(doc_id)
    return random.Random(spec["seed"]).sample(pool, spec["n"])


def build(manifest: dict, lines: dict[str, bytes]) -> dict[str, dict]:
    ids = manifest_ids(manifest)
    if len(ids) != len(set(ids)):
        sys.exit("manifest.json lists an _id twice")
    missing = [i for i in ids if i not in lines]
    if missing:
        sys.exit(f"ids not in the SciFact corpus: {missing}")
    ordered = sorted(ids, key=sort_key)
    CORPUS.write_bytes(b"".join(lines[i] for i in ordered))
    print(f"wrote {CORPUS.name}: {len(ordered)} abstracts")
    return {i: json.loads(lines[i]) for i in ordered}


def check(manifest: dict, docs: dict[str, dict]) -> int:
    """The topic sets' checks (`evals.topic_sets.check_cases`: ids, types, evidence verbatim in a cited abstract,
    entities and numbers found, refusals' `absent_patterns` matching no abstract), and this set's own: each question's
    cluster and split as the manifest says, at most 3 cited abstracts, 2-6 list entities, every factoid alternative
    named in a cited abstract."""
    split_of = {c["name"]: c["split"] for c in manifest["clusters"]}
    full = {i: (d["title"] + "\n" + d["text"]) for i, d in docs.items()}
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines]  # a line that is not JSON fails here, before any other check
    absent = {q["id"]: q["absent_patterns"] for q in cases if q.get("absent_patterns")}
    errors, _ = check_cases(lines, full, "pubmed", absent)
    counts: dict[tuple[str, str], int] = {}
    for n, q in enumerate(cases, 1):
        where, typ = f"line {n} ({q.get('id')})", q.get("type")
        if q.get("cluster") not in split_of:
            errors.append(f"{where}: unknown cluster {q.get('cluster')!r}")
        elif q.get("split") != split_of[q["cluster"]]:
            errors.append(f"{where}: split {q.get('split')!r} but cluster is {split_of[q['cluster']]!r}")
        counts[(q.get("split", "?"), typ)] = counts.get((q.get("split", "?"), typ), 0) + 1
        cited = "\n".join(full[c] for c in q.get("must_cite") or [] if c in full).lower()
        if len(q.get("must_cite") or []) > 3:
            errors.append(f"{where}: more than 3 must_cite abstracts")
        if typ == "factoid":
            for alt in q.get("answer") or []:
                if alt.lower() not in cited:
                    errors.append(f"{where}: factoid answer {alt!r} does not occur in a cited abstract")
        if typ == "list" and not 2 <= len(q.get("expect_entities") or []) <= 6:
            errors.append(f"{where}: a list question needs 2-6 expect_entities")
    print(f"{len(cases)} questions")
    for split in ("dev", "heldout"):
        print(f"  {split}: " + ", ".join(f"{t} {counts.get((split, t), 0)}" for t in TYPES))
    for e in errors:
        print("ERROR", e)
    print("check failed" if errors else "check passed")
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    lines = source_lines()
    if "--draw-distractors" in argv:
        ids = draw_distractors(manifest, lines)
        docs = [d for d in manifest["documents"] if d["cluster"] != "distractor"]
        docs += [{"_id": i, "cluster": "distractor", "split": "shared"} for i in ids]
        manifest["documents"] = docs
        MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"drew {len(ids)} distractors into {MANIFEST.name}")
    elif "--check" in argv:
        stored = [d["_id"] for d in manifest["documents"] if d["cluster"] == "distractor"]
        if stored != draw_distractors(manifest, lines):
            print("ERROR the stored distractor ids differ from a fresh draw (seed/regex/selection changed?)")
            return 1
    docs = build(manifest, lines)
    return check(manifest, docs) if "--check" in argv else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
