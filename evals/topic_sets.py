"""Checks a topic question set (evals/<topic>/questions.jsonl) against its corpus in docs/; each set's validate.py
calls `validate` with its id prefix and the terms its refusals need absent.

Every line is a JSON object with a unique id and a known type; every must_cite id is a file stem in
docs/; every evidence string occurs verbatim in at least one of the cited files, and every cited file
holds at least one of the evidence strings; list answers name each expected entity (one of its
|-separated synonyms) somewhere in the cited files; number answers appear (as digits or in words) in
the evidence; every must_mention term (one of its |-separated forms) is named in the cited files; refusals cite
nothing, and the topics they ask about are absent from the whole corpus.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TYPES = {"list", "number", "factoid", "yesno", "mechanism", "refuse", "followup"}
WORDS = {"twenty-four": "24", "fifteen": "15", "twelve": "12", "seven": "7", "five": "5", "three": "3", "two": "2"}
def norm_number(s: str) -> str:
    s = s.replace("·", ".").replace(",", "")
    for w, d in WORDS.items():
        s = re.sub(rf"\b{w}\b", d, s, flags=re.I)
    return s


def validate(here: Path, prefix: str, absent: dict[str, list[str]]) -> int:
    """Check `here`/questions.jsonl against `here`/docs/ (see the module docstring); 1 when anything is wrong.
    `absent`: per refusal, the terms no paper may contain (case-insensitive, whole word)."""
    docs = {p.stem: p.read_text(encoding="utf-8") for p in sorted((here / "docs").glob("*.txt"))}
    lines = (here / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    patterns = {qid: [rf"\b{term}\b" for term in terms] for qid, terms in absent.items()}
    errors, counts = check_cases(lines, docs, prefix, patterns)
    print(f"{len(lines)} questions: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


def check_cases(lines: list[str], docs: dict[str, str], prefix: str,
                absent: dict[str, list[str]]) -> tuple[list[str], dict[str, int]]:
    """The errors of these question lines against `docs` (id -> text), and the count per type. `absent`: per
    refusal, regular expressions no document may match (case-insensitive)."""
    errors: list[str] = []
    seen: set[str] = set()
    counts: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: invalid JSON ({e})")
            continue
        qid, typ = q.get("id"), q.get("type")
        where = f"line {n} ({qid})"
        if not qid or qid in seen:
            errors.append(f"{where}: missing or duplicate id")
        seen.add(qid)
        if typ not in TYPES:
            errors.append(f"{where}: unknown type {typ!r}")
            continue
        counts[typ] = counts.get(typ, 0) + 1
        if not qid.startswith(f"{prefix}-{typ}-"):
            errors.append(f"{where}: id does not match its type")
        if typ == "followup":
            if len(q.get("turns", [])) < 2 or "question" in q:
                errors.append(f"{where}: a followup has turns (2 or more) and no single question")
        elif not q.get("question"):
            errors.append(f"{where}: no question")
        if typ == "refuse":
            if q.get("expect") != "no_evidence" or q.get("must_cite") or q.get("evidence") or not q.get("absent"):
                errors.append(f"{where}: a refusal expects no_evidence, says what is absent and cites nothing")
            for term in absent.get(qid, []):
                hits = [d for d, t in docs.items() if re.search(term, t, re.I)]
                if hits:
                    errors.append(f"{where}: '{term}' occurs in {hits}")
            if qid not in absent:
                errors.append(f"{where}: no absence check listed for it")
            continue
        if q.get("expect") != "answered":
            errors.append(f"{where}: expect should be 'answered'")
        cites, evidence = q.get("must_cite") or [], q.get("evidence") or []
        if not cites or not evidence or not q.get("answer"):
            errors.append(f"{where}: must_cite, evidence and answer are required")
        for c in cites:
            if c not in docs:
                errors.append(f"{where}: must_cite {c!r} is not in the corpus")
        known = [c for c in cites if c in docs]
        for ev in evidence:
            if not any(ev in docs[c] for c in known):
                errors.append(f"{where}: evidence not found verbatim in the cited files: {ev[:80]!r}")
        for c in known:
            if not any(ev in docs[c] for ev in evidence):
                errors.append(f"{where}: no evidence string comes from cited file {c}")
        cited_text = "\n".join(docs[c] for c in known)
        if typ == "list" and not q.get("expect_entities"):
            errors.append(f"{where}: a list question needs expect_entities")
        for ent in q.get("expect_entities", []):
            if not any(alt.lower() in cited_text.lower() for alt in ent.split("|")):
                errors.append(f"{where}: entity {ent!r} is not named in the cited files")
        for term in q.get("must_mention", []):
            if not any(alt.lower() in cited_text.lower() for alt in term.split("|")):
                errors.append(f"{where}: must_mention {term!r} is not named in the cited files")
        if typ == "number" and not q.get("expect_number"):
            errors.append(f"{where}: a number question needs expect_number")
        if q.get("expect_number"):
            num = q["expect_number"]
            if not re.fullmatch(r"-?\d+(\.\d+)?", num):
                errors.append(f"{where}: expect_number should be digits")
            if not any(re.search(rf"(?<![\d.]){re.escape(num)}(?![\d])", norm_number(ev)) for ev in evidence):
                errors.append(f"{where}: {num} does not appear in the evidence")
        if typ == "yesno" and q.get("expect_yesno") not in ("yes", "no"):
            errors.append(f"{where}: a yesno question needs expect_yesno yes or no")
    return errors, counts
