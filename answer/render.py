"""Markdown rendering of `CitedAnswer`s, done once, at the edge.

Document text is untrusted: every quote is escaped so that Markdown or HTML
inside a paper (`<script>`, `[x](javascript:...)`, `**`) renders as inert
text. Only the `[n]` markers we add are live syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict

from answer.models import CitedAnswer

# Inline Markdown/HTML metacharacters. Block syntax (#, -, +, >) only acts at a
# line start, and quotes never start a line of our output, so those stay readable.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~|&!])")


def escape_markdown(text: str) -> str:
    """Escape Markdown and HTML metacharacters so untrusted text stays literal."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def answer_markdown(answer: CitedAnswer, cite_href: Callable[[int], str] | None = None) -> str:
    """The answer with `[n]` markers; with `cite_href`, each marker links to its evidence.

    Order: a fallback warning, the direct answer line (a list answer's names), the
    answerer's note, then the quotes or generated sentences. Generated sentences
    that failed verification carry a visible flag with the reason. Everything
    stored is raw text and is escaped here.
    """
    by_n = {c.n: c for c in answer.citations}

    def marker(n: int) -> str:
        return f"[[{n}]]({cite_href(n)} {_hover(by_n.get(n))})" if cite_href else f"[{n}]"

    head = [f"⚠️ {escape_markdown(answer.fallback)}"] if answer.fallback else []
    if answer.corrected:  # a name matched with spelling tolerance: say what was understood
        head.append("_" + "; ".join(f"Read {escape_markdown(typed)} as {escape_markdown(meant)}"
                                    for typed, meant in answer.corrected) + "._")
    for part in answer.parts:
        if part.kind == "direct":  # its [n] markers are ours: keep them live
            pieces = re.split(r"\[(\d+)\]", part.text)
            head.append("".join(marker(int(x)) if i % 2 else escape_markdown(x) for i, x in enumerate(pieces)))
    head += [escape_markdown(answer.note)] if answer.note else []
    if answer.removed_citations:
        n = answer.removed_citations
        head.append(f"_{n} citation{'s' * (n != 1)} to sources that do not exist {'were' if n != 1 else 'was'} removed._")
    lines = []
    for part in answer.parts:
        if part.kind == "direct":
            continue
        marks = "".join(marker(n) for n in part.cites)
        flag = f" ⚠️ _unverified: {escape_markdown(part.reason)}_" if part.verified is False else ""
        lines.append(f"- {escape_markdown(part.text)} {marks}".rstrip() + flag)
    blocks = ["\n\n".join(head)] if head else []
    if lines:
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def answer_json(answer: CitedAnswer) -> dict[str, object]:
    """The `--json` / API shape: question, answer (Markdown with [n]), citations, retrieved, and the analysis."""
    return {
        "question": answer.question,
        "answer": answer_markdown(answer),
        "status": answer.status,
        "resolved_question": answer.resolved_question or answer.question,
        "searched_query": answer.searched_query or answer.question,
        "analysis": answer.analysis,
        "missing": answer.missing,
        "corrected": answer.corrected,
        "evidence_score": round(answer.evidence_score, 4),
        "reader_relevance": None if answer.reader_relevance is None else round(answer.reader_relevance, 4),
        "mode": answer.mode,
        "model": answer.model,
        "verified": answer.verified,
        "sentences": [asdict(p) for p in answer.parts],
        "removed_citations": answer.removed_citations,
        "fallback": answer.fallback,
        "citations": [asdict(c) for c in answer.citations],
        "retrieved": [asdict(r) for r in answer.retrieved],
    }


def _hover(citation: object) -> str:
    """A link title: the source shown on hover (quotes and backslashes removed so the title stays a title)."""
    if citation is None:
        return '""'
    text = f"{citation.title or citation.doc_id}: {citation.quote}"
    text = re.sub(r'["\\\n<>]', " ", text)
    return f'"{text[:300]}"'

