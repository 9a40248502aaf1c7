"""Markdown rendering of `CitedAnswer`s, done once, at the edge.

Document text is untrusted: every quote is escaped so that Markdown or HTML
inside a paper (`<script>`, `[x](javascript:...)`, `**`) renders as inert
text. Only the `[n]` markers we add are live syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from answer.models import CitedAnswer

# Inline Markdown/HTML metacharacters. Block syntax (#, -, +, >) only acts at a
# line start, and quotes never start a line of our output, so those stay readable.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~|&!])")


def escape_markdown(text: str) -> str:
    """Escape Markdown and HTML metacharacters so untrusted text stays literal."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def answer_markdown(answer: CitedAnswer, cite_href: Callable[[int], str] | None = None) -> str:
    """The answer with `[n]` markers; with `cite_href`, each marker links to its evidence."""
    lines = [answer.note] if answer.note else []
    by_n = {c.n: c for c in answer.citations}
    for part in answer.parts:
        marks = "".join(f"[[{n}]]({cite_href(n)} {_hover(by_n.get(n))})" if cite_href else f"[{n}]" for n in part.cites)
        lines.append(f"- {escape_markdown(part.text)} {marks}".rstrip())
    return "\n".join(lines) if not answer.note or not answer.parts else f"{lines[0]}\n\n" + "\n".join(lines[1:])


def _hover(citation: object) -> str:
    """A link title: the source shown on hover (quotes and backslashes removed so the title stays a title)."""
    if citation is None:
        return '""'
    text = f"{citation.title or citation.doc_id}: {citation.quote}"
    text = re.sub(r'["\\\n<>]', " ", text)
    return f'"{text[:300]}"'

