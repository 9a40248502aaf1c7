"""How well an answer is grounded, measured against a question set that marks its evidence.

Question sets written over full-text papers (`evals/malaria/`, and the sealed sets) give, per question, the
papers that answer it (`must_cite`), the verbatim passages that state the answer (`evidence`), the short
answer (`answer`) and, by type, `expect_entities`, `expect_number` or `expect_yesno`. Per answer:

- passage quoted: a citation to an answering paper covers at least half of one evidence passage (located in
  the paper's cleaned text; when cleaning changed it, 60 % of its words inside one quote);
- passage read: an evidence passage lies (at least half of it) inside a chunk the answerer read from an
  answering paper: what retrieval gave the reader, so a miss above shows whether reading or picking lost it;
- cited precision: the share of the cited papers that are answering papers (a quote from a paper that does
  not answer misleads more than a missing second quote);
- entities: the share of the expected entities (lists; factoids: any accepted answer) the answer names;
- direct: the answer opens with a direct line (`kind == "direct"`); yes/no: that line says the expected
  verdict; number: the expected number is stated (digits or words: "fifteen" is 15);
- direct right: that line itself carries the answer, not just any span ("Green squares and orange diamonds [3]."
  counts as a direct line, not as a right one): a factoid's line names an accepted answer, a list's names at least
  half of the expected members, a number's states the number, a yes/no's says the verdict, a mechanism's holds
  at least half of the short answer's content words;
- members right: of a list question's direct line, the share of the names it gives ("Rifampicin [1] and
  pyrazinamide [1].") that the expected answer or an evidence passage contains (each of the name's words): a line
  can name every expected member and junk beside it ("AMP kinase [3], mTOR [3], male [2] and female mice [2]"),
  which "direct right" does not see;
- refused: a question no paper answers was refused.

The IgG4 sets have no evidence passages; for them only the direct line, entities and refusals are read.
"""

from __future__ import annotations

import re

from answer.models import CitedAnswer
from text.numbers import numbers_in

ANSWERABLE = ("list", "number", "factoid", "yesno", "mechanism", "followup", "other")


def _squash(text: str) -> tuple[str, list[int]]:
    """`text` with runs of whitespace as one space, and each kept character's position in `text`."""
    out, where, space = [], [], False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space and out:
                out.append(" ")
                where.append(i)
            space = True
            continue
        out.append(ch)
        where.append(i)
        space = False
    return "".join(out), where


def locate(passage: str, text: str) -> tuple[int, int] | None:
    """Where `passage` sits in `text`, whitespace and case ignored, as offsets into `text`."""
    squashed, where = _squash(text)
    needle = " ".join(passage.split()).lower()
    at = squashed.lower().find(needle)
    if at < 0 or not needle:
        return None
    return where[at], where[at + len(needle) - 1] + 1


_WORD = re.compile(r"[A-Za-z0-9α-ωΑ-Ω]+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def covers_half(passage: tuple[int, int], start: int, end: int) -> bool:
    """Whether the text from `start` to `end` holds at least half of the `passage` (both in one paper's offsets)."""
    return min(passage[1], end) - max(passage[0], start) >= 0.5 * (passage[1] - passage[0])


def _covers(case: dict, spans, document_text) -> bool:
    """One of `spans` (doc_id, start, end, text) from an answering paper covers half of an evidence passage (located
    in the paper's text; when cleaning changed it, 60 % of its words inside the span's text)."""
    gold = set(case.get("must_cite") or [])
    for doc_id, start, end, quoted in spans:
        if doc_id not in gold:
            continue
        text = document_text(doc_id)
        for evidence in case.get("evidence") or []:
            span = locate(evidence, text) if text else None
            if span:
                if covers_half(span, start, end):
                    return True
            else:
                words = _words(evidence)
                if words and len(words & _words(quoted)) >= 0.6 * len(words):
                    return True
    return False


def passage_quoted(case: dict, result: CitedAnswer, document_text) -> bool:
    """A citation to an answering paper covers half of an evidence passage (see the module docstring)."""
    return _covers(case, [(c.doc_id, c.start, c.end, c.quote) for c in result.citations], document_text)


def passage_read(case: dict, result: CitedAnswer, document_text) -> bool:
    """A chunk the answerer read, from an answering paper, holds half of an evidence passage."""
    return _covers(case, [(p.doc_id, p.start, p.end, p.text) for p in result.retrieved], document_text)


def _named(alternatives: str, text: str) -> bool:
    """"CD19|B-cell marker CD19" is named when any alternative occurs as a whole word or phrase (case ignored)."""
    return any(re.search(rf"(?<![\w-]){re.escape(alt.strip())}(?![\w-])", text, re.IGNORECASE)
               for alt in alternatives.split("|") if alt.strip())


def grade(case: dict, result: CitedAnswer, document_text) -> dict[str, object]:
    """Every grounding measure that applies to this case (keys absent where a measure does not apply)."""
    kind = str(case.get("type") or "other")
    answered = result.status == "answered"
    text = " ".join(p.text for p in result.parts)
    row: dict[str, object] = {"id": case.get("id", ""), "type": kind, "answered": answered}
    if kind == "refuse" or case.get("expect") == "no_evidence":
        row["refused"] = not answered
        return row
    gold = set(case.get("must_cite") or [])
    cited = {c.doc_id for c in result.citations}
    row["direct"] = answered and bool(result.parts) and result.parts[0].kind == "direct"
    if gold and answered and cited:
        row["cited_precision"] = len(cited & gold) / len(cited)
    if case.get("evidence"):
        row["passage_quoted"] = answered and passage_quoted(case, result, document_text)
        row["passage_read"] = passage_read(case, result, document_text)
    entities = case.get("expect_entities")
    if kind == "list" and entities:
        row["entities"] = sum(_named(e, text) for e in entities) / len(entities) if answered else 0.0
    elif kind == "factoid" and case.get("answer"):
        row["entities"] = float(answered and any(_named(a, text) for a in case["answer"]))
    if kind == "number" and case.get("expect_number") not in (None, ""):
        wanted = (numbers_in(str(case["expect_number"])) or [None])[0]  # "1000 mg" -> 1000
        row["number"] = answered and wanted is not None and any(abs(n - wanted) < 1e-9 for n in numbers_in(text))
    if kind == "yesno" and case.get("expect_yesno"):
        first = result.parts[0].text.strip().lower() if row["direct"] else ""
        row["verdict"] = first.startswith(str(case["expect_yesno"]).lower())
    members = _line_members(result.parts[0].text) if row["direct"] and kind == "list" else []
    reference = _tokens(" ".join([*(case.get("answer") or []), *(entities or []), *(case.get("evidence") or [])]))
    if members and reference:
        row["members_right"] = sum(_tokens(m) <= reference for m in members) / len(members)
    right = _line_answers(kind, case, result.parts[0].text if row["direct"] else "")
    if right is not None and kind != "followup":
        row["direct_right"] = bool(row["direct"]) and right
    return row


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) >= 4}


_FILLER = {"the", "a", "an", "and", "or", "of", "in", "to", "per", "between", "about", "by"}


def _tokens(text: str) -> set[str]:
    """Words and numbers without filler words or a plural s: "the micronemes" -> {"microneme"}."""
    words = re.findall(r"\d+(?:[.,·]\d+)*|[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _FILLER}


def _line_members(line: str) -> list[str]:
    """The names of a list line, "A [1], B [2] and C [2]." -> [A, B, C]; [] for a verdict or a line without them."""
    if line.split(" [")[0] in ("Yes", "No", "The papers disagree"):
        return []
    return [m for m, _ in re.findall(r"(?:^|, | and )(.+?) \[(\d+)\]", line.strip().rstrip("."))]


def _line_answers(kind: str, case: dict, line: str) -> bool | None:
    """Whether a direct line carries the expected answer itself (see "direct right" in the module docstring);
    None when the case does not say what the answer is (the IgG4 sets give no short answers)."""
    entities, answers = case.get("expect_entities") or [], case.get("answer") or []
    if kind == "list" and entities:
        return sum(_named(e, line) for e in entities) >= len(entities) / 2
    if kind == "factoid" and (answers or entities):  # named, or every word of one accepted answer in the line
        accepted = [alt for a in [*answers, *entities] for alt in a.split("|")]
        return any(_named(a, line) or (_tokens(a) and _tokens(a) <= _tokens(line)) for a in accepted)
    if kind == "number" and case.get("expect_number") not in (None, ""):
        wanted = (numbers_in(str(case["expect_number"])) or [None])[0]
        return wanted is not None and any(abs(n - wanted) < 1e-9 for n in numbers_in(line))
    if kind == "yesno" and case.get("expect_yesno"):
        return line.strip().lower().startswith(str(case["expect_yesno"]).lower())
    if kind not in ("list", "factoid", "number", "yesno") and answers:  # mechanism: half the short answer's words
        wanted = _content_words(" ".join(answers[:1]))
        return bool(wanted) and len(wanted & _content_words(line)) >= len(wanted) / 2
    return None


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    """Means of each measure over the rows it applies to, overall and per type."""
    def mean(key: str, part: list[dict]) -> float | None:
        values = [float(r[key]) for r in part if key in r]
        return sum(values) / len(values) if values else None

    keys = ("passage_read", "passage_quoted", "cited_precision", "entities", "direct", "direct_right", "members_right",
            "number", "verdict", "refused")
    summary: dict[str, object] = {"questions": len(rows), **{k: mean(k, rows) for k in keys}}
    summary["by_type"] = {kind: {"n": len(part), **{k: mean(k, part) for k in keys}}
                          for kind in dict.fromkeys(str(r["type"]) for r in rows)
                          if (part := [r for r in rows if r["type"] == kind])}
    return summary


def format_summary(name: str, summary: dict[str, object]) -> str:
    """One Markdown table: a row per type and one for all, a column per measure (blank where it does not apply)."""
    keys = ("passage_read", "passage_quoted", "cited_precision", "entities", "direct", "direct_right", "members_right",
            "number", "verdict", "refused")
    heads = ("passage read", "passage quoted", "cited papers answer", "entities named", "direct line", "direct line right",
             "list members right", "number stated", "yes/no right", "refused")
    lines = [f"| {name} | n | " + " | ".join(heads) + " |", "|---|---|" + "---|" * len(keys)]

    def cell(value: object) -> str:
        return "" if value is None else f"{100 * float(value):.0f}%"

    for kind, part in summary["by_type"].items():
        lines.append(f"| {kind} | {part['n']} | " + " | ".join(cell(part[k]) for k in keys) + " |")
    lines.append(f"| **all** | {summary['questions']} | " + " | ".join(cell(summary[k]) for k in keys) + " |")
    return "\n".join(lines)
