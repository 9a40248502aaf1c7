"""Markdown rendering of `CitedAnswer`s, done once, at the edge.

Document text is untrusted: every quote is escaped so that Markdown or HTML
inside a paper (`<script>`, `[x](javascript:...)`, `**`) renders as inert
text. Only the `[n]` markers we add are live syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Protocol

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

    return _compose(answer, escape_markdown, lambda s: f"_{s}_", marker)


def answer_text(answer: CitedAnswer) -> str:
    """The same answer as plain text (no escapes, no emphasis): what the CLI prints and JSON's `answer` holds."""
    return _compose(answer, str, str, lambda n: f"[{n}]")


def _compose(answer: CitedAnswer, esc: Callable[[str], str], em: Callable[[str], str],
             marker: Callable[[int], str]) -> str:
    """One layout for every rendering: `esc` makes document text safe, `em` emphasises our own remarks."""
    head = [f"⚠️ {esc(answer.fallback)}"] if answer.fallback else []
    if answer.searched_only:  # a design or year filter: every statement below is about those papers only
        head.append(em(f"Searched only {esc(answer.searched_only)}."))
    if answer.corrected:  # a name matched with spelling tolerance: say what was understood
        head.append(em("; ".join(f"Read {esc(typed)} as {esc(meant)}" for typed, meant in answer.corrected) + "."))
    for part in answer.parts:
        if part.kind == "direct":  # its [n] markers are ours: keep them live
            pieces = re.split(r"\[(\d+)\]", part.text)
            line, last = "", None
            for i, piece in enumerate(pieces):
                if i % 2 == 0:
                    line, last = line + esc(piece), (last if not piece else None)
                elif (mark := marker(int(piece))) != last:  # "[1][2]" of one paper renumbered is "[1]", not "[1][1]"
                    line, last = line + mark, mark
            head.append(line)
    head += [esc(answer.note)] if answer.note else []
    if answer.removed_citations:
        n = answer.removed_citations
        head.append(em(f"{n} citation{'s' * (n != 1)} to sources that do not exist {'were' if n != 1 else 'was'} removed."))
    lines = []
    for part in answer.parts:
        if part.kind == "direct":
            continue
        marks = "".join(dict.fromkeys(marker(n) for n in part.cites))
        flag = f" ⚠️ {em('unverified: ' + esc(part.reason))}" if part.verified is False else ""
        lines.append(f"- {esc(part.text)} {marks}".rstrip() + flag)
    blocks = ["\n\n".join(head)] if head else []
    if lines:
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def answer_json(answer: CitedAnswer) -> dict[str, object]:
    """The `--json` / API shape: question, answer (plain text with [n]; `answer_markdown` the same, escaped for a
    Markdown renderer), citations, retrieved, and the analysis."""
    return {
        "question": answer.question,
        "answer": answer_text(answer),
        "answer_markdown": answer_markdown(answer),
        "status": answer.status,
        "resolved_question": answer.resolved_question or answer.question,
        "searched_query": answer.searched_query or answer.question,
        "analysis": answer.analysis,
        "missing": answer.missing,
        "corrected": answer.corrected,
        "searched_only": answer.searched_only,
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



# --- references: the cited papers, for a note or a reference manager -----------------------------
@dataclass
class CitedPaper:
    """A paper the answer quotes, numbered in the order the answer first cites it, with what the index knows of it."""

    number: int
    doc_id: str
    title: str
    source: str
    cites: list[int]  # the answer's citation numbers (quotes) taken from this paper
    authors: list[str] = field(default_factory=list)  # as stored: "Hartmann, Lena" (exports) or "Hartmann L" (PubMed)
    journal: str = ""
    year: str = ""
    doi: str = ""
    pmid: str = ""
    key: str = ""  # the citation key it was imported under, kept so a re-import matches the user's own entry


class _Documents(Protocol):
    def document(self, doc_id: str) -> object | None: ...


def cited_papers(answer: CitedAnswer, documents: _Documents) -> list[CitedPaper]:
    """The answer's citations grouped by paper; metadata from the index's document records (`documents`)."""
    papers: dict[str, CitedPaper] = {}
    for c in answer.citations:
        if c.doc_id in papers:
            papers[c.doc_id].cites.append(c.n)
            continue
        record = documents.document(c.doc_id)
        meta = getattr(record, "metadata", {}) or {}
        authors = [a.strip() for a in str(meta.get("authors", "")).split(";") if a.strip()]
        papers[c.doc_id] = CitedPaper(
            len(papers) + 1, c.doc_id, c.title, c.source, [c.n], authors, str(meta.get("journal", "")),
            str(meta.get("year", "")), str(meta.get("doi", "")), str(meta.get("pmid", "")),
            str(meta.get("citation_key", "")))
    return list(papers.values())


def reference_line(paper: CitedPaper) -> str:
    """Vancouver style (ICMJE), plain text: authors (six, then et al.). Title. Journal. Year. doi. PMID."""
    names = [_vancouver_name(a) for a in paper.authors]
    authors = ", ".join(names[:6]) + (", et al" if len(names) > 6 else "")
    title = paper.title or paper.doc_id
    parts = [authors, title, paper.journal, paper.year]
    parts += [f"doi:{paper.doi}"] if paper.doi else []
    parts += [f"PMID: {paper.pmid}"] if paper.pmid else []
    if not (paper.authors or paper.journal or paper.year or paper.doi or paper.pmid):
        parts.append(paper.source)  # nothing bibliographic is known: say which file it is
    return " ".join(p if p.endswith((".", "?", "!")) else p + "." for p in parts if p)


def answer_with_references(answer: CitedAnswer, papers: list[CitedPaper]) -> str:
    """Markdown to paste into a note: the answer numbered by paper ([1] is one paper however often it is quoted),
    then the numbered reference list."""
    number = {n: p.number for p in papers for n in p.cites}
    body = _compose(answer, escape_markdown, lambda s: f"_{s}_", lambda n: f"[{number.get(n, n)}]")
    if not papers:
        return body
    refs = "\n".join(f"{p.number}. {escape_markdown(reference_line(p))}" for p in papers)
    return f"{body}\n\n**References**\n\n{refs}"


def papers_bibtex(papers: list[CitedPaper]) -> str:
    """The cited papers as BibTeX entries (bibtexparser writes them, LaTeX-encoding special characters)."""
    from bibtexparser import middlewares, write_string
    from bibtexparser.library import Library
    from bibtexparser.model import Entry, Field

    entries, keys = [], set()
    for p in papers:
        values = {"title": p.title, "author": [_last_first(a) for a in p.authors], "journal": p.journal,
                  "year": p.year, "doi": p.doi, "pmid": p.pmid}
        key = p.key or _bibtex_key(p)
        key = next(k for k in (key, *(f"{key}{c}" for c in "abcdefghijklmnopqrstuvwxyz"), p.doc_id) if k not in keys)
        keys.add(key)
        entries.append(Entry("article", key, [Field(k, v) for k, v in values.items() if v]))
    return write_string(Library(entries), prepend_middleware=[
        middlewares.MergeCoAuthors(), middlewares.LatexEncodingMiddleware()])


def papers_ris(papers: list[CitedPaper]) -> str:
    """The cited papers as RIS records (written by rispy)."""
    import rispy

    class Writer(rispy.RisWriter):
        def set_header(self, count: int) -> str:
            return ""  # rispy numbers records ("1."); reference managers expect none

    records = []
    for p in papers:
        record = {"type_of_reference": "JOUR", "title": p.title or p.doc_id, "authors": [_last_first(a) for a in p.authors],
                  "journal_name": p.journal, "year": p.year, "doi": p.doi, "id": p.key or p.doc_id,
                  "notes": [f"PMID: {p.pmid}"] if p.pmid else []}
        records.append({k: v for k, v in record.items() if v})
    return rispy.dumps(records, implementation=Writer)


def _vancouver_name(author: str) -> str:
    """"Hartmann, Lena Maria" -> "Hartmann LM"; a name already in that form, or without a comma, as given."""
    last, comma, first = author.partition(",")
    if not comma:
        return author.strip()
    initials = "".join(w[0].upper() for w in re.split(r"[\s.\-]+", first) if w)
    return f"{last.strip()} {initials}".strip()


def _last_first(author: str) -> str:
    """PubMed's "Hartmann L" as "Hartmann, L": BibTeX and RIS read a name without a comma as "First Last"."""
    m = re.fullmatch(r"(.+?)\s+([A-Z]{1,3})", author.strip())
    return f"{m.group(1)}, {m.group(2)}" if m and "," not in author else author


def _bibtex_key(paper: CitedPaper) -> str:
    """hartmann2024 from the first author and the year; the document id when neither is known."""
    surname = re.sub(r"[^a-z]", "", _vancouver_name(paper.authors[0]).split(" ")[0].lower()) if paper.authors else ""
    return f"{surname}{paper.year}" if surname else re.sub(r"[^A-Za-z0-9_:-]", "_", paper.doc_id)
