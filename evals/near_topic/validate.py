"""Checks evals/near_topic/questions.jsonl against the papers each question is asked of.

    python evals/near_topic/validate.py

A near-topic question must be *near*: every one of its `present_patterns` occurs in some paper of its set (the
vocabulary is there). It must be *unanswerable*: none of its `absent_patterns` (the asked fact, as a regular
expression, case-insensitive) occurs in any paper of its set. The IgG4 set is checked against the papers that name
IgG4 at all (the sample corpus's 1,000 PubMedQA abstracts do not). Texts are read from the indexes
`python -m bench.near_topic` builds (`var/topic-index/<set>`), i.e. as the answerer reads them (the PDF included).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from index.corpus import CorpusIndex
    from settings import load_settings

    settings = load_settings()
    rows = [json.loads(line) for line in (Path(__file__).parent / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    texts: dict[str, list[str]] = {}
    for name in sorted({r["set"] for r in rows}):
        index = CorpusIndex.open(ROOT / "var" / "topic-index" / name, settings, must_exist=True)
        texts[name] = [d.text for d in index.documents() if name != "igg4" or "IgG4" in d.text]
    errors, seen = [], set()
    for r in rows:
        if r["id"] in seen or r.get("expect") != "no_evidence" or r.get("split") not in ("dev", "heldout"):
            errors.append(f"{r['id']}: duplicate id, or expect/split wrong")
        seen.add(r["id"])
        for pattern in r["absent_patterns"]:
            found = [m.group(0) for t in texts[r["set"]] for m in [re.search(pattern, t, re.IGNORECASE)] if m]
            if found:
                errors.append(f"{r['id']}: the asked fact may be stated: {pattern!r} matches {found[0][:80]!r}")
        for pattern in r["present_patterns"]:
            if not any(re.search(pattern, t, re.IGNORECASE) for t in texts[r["set"]]):
                errors.append(f"{r['id']}: not near-topic: {pattern!r} occurs in no paper")
    counts = {(r["set"], r["split"]) for r in rows}
    print(f"{len(rows)} questions: " + ", ".join(f"{s} {sp} {sum(r['set'] == s and r['split'] == sp for r in rows)}"
                                                for s, sp in sorted(counts)))
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
