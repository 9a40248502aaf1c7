"""One-off conversion of PubMedQA PQA-L (ori_pqal.json) into BEIR-style JSONL.

Kept for provenance: `abstracts.jsonl` beside this file was produced by
`python convert_pubmedqa.py ori_pqal.json > abstracts.jsonl`. The app never runs it.

An abstract is its CONTEXTS (each prefixed by its section label) followed by
LONG_ANSWER (the conclusion). The PubMedQA QUESTION is deliberately *not* used
as the title: it is the question we evaluate retrieval with, so using it as a
title would leak the answer key into the index.
"""

from __future__ import annotations

import json
import sys


def convert(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    for pmid, rec in records.items():
        sections = [f"{label.upper()}: {text}" for label, text in zip(rec["LABELS"], rec["CONTEXTS"])]
        sections.append(f"CONCLUSIONS: {rec['LONG_ANSWER']}")
        row = {"_id": pmid, "title": "", "text": "\n\n".join(sections), "year": rec.get("YEAR", "")}
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    convert(sys.argv[1])
