"""Checks evals/influenza/questions.jsonl against the corpus in docs/ (the malaria set's validator, adapted).

    python evals/influenza/validate.py

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
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TYPES = {"list", "number", "factoid", "yesno", "mechanism", "refuse", "followup"}
WORDS = {"twenty-four": "24", "fifteen": "15", "twelve": "12", "seven": "7", "five": "5", "three": "3", "two": "2"}
# terms a refusal's topic would need; none may occur in any paper (case-insensitive, whole word)
ABSENT = {
    "influenza-refuse-01": ["baloxavir", "Xofluza", "cap-dependent endonuclease"],
    "influenza-refuse-02": ["Guillain", "GBS"],
    "influenza-refuse-03": ["pregnant", "pregnancy", "pregnancies"],
    "influenza-refuse-04": ["zanamivir", "peramivir"],
    "influenza-refuse-05": ["amantadine", "rimantadine", "adamantane", "adamantanes"],
    "influenza-refuse-06": ["narcolepsy", "Pandemrix", "AS03"],
    "influenza-refuse-07": ["corticosteroid", "corticosteroids", "dexamethasone", "hydrocortisone", "methylprednisolone"],
    "influenza-refuse-08": ["mask", "masks", "facemask", "face mask", "respirator", "respirators"],
    "influenza-refuse-09": ["Reye", "aspirin", "salicylate"],
    "influenza-refuse-10": ["myocarditis", "pericarditis"],
}


def norm_number(s: str) -> str:
    s = s.replace("·", ".").replace(",", "")
    for w, d in WORDS.items():
        s = re.sub(rf"\b{w}\b", d, s, flags=re.I)
    return s


def main() -> int:
    docs = {p.stem: p.read_text(encoding="utf-8") for p in sorted((HERE / "docs").glob("*.txt"))}
    errors: list[str] = []
    seen: set[str] = set()
    lines = (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines()
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
        if not qid.startswith(f"influenza-{typ}-"):
            errors.append(f"{where}: id does not match its type")
        if typ == "followup":
            if len(q.get("turns", [])) < 2 or "question" in q:
                errors.append(f"{where}: a followup has turns (2 or more) and no single question")
        elif not q.get("question"):
            errors.append(f"{where}: no question")
        if typ == "refuse":
            if q.get("expect") != "no_evidence" or q.get("must_cite") or q.get("evidence") or not q.get("absent"):
                errors.append(f"{where}: a refusal expects no_evidence, says what is absent and cites nothing")
            for term in ABSENT.get(qid, []):
                hits = [d for d, t in docs.items() if re.search(rf"\b{term}\b", t, re.I)]
                if hits:
                    errors.append(f"{where}: '{term}' occurs in {hits}")
            if qid not in ABSENT:
                errors.append(f"{where}: no absence check listed in ABSENT")
            continue
        if q.get("expect") != "answered":
            errors.append(f"{where}: expect should be 'answered'")
        cites, evidence = q.get("must_cite") or [], q.get("evidence") or []
        if not cites or not evidence or not q.get("answer"):
            errors.append(f"{where}: must_cite, evidence and answer are required")
        for c in cites:
            if c not in docs:
                errors.append(f"{where}: must_cite {c!r} is not a file stem in docs/")
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
    print(f"{len(lines)} questions: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
