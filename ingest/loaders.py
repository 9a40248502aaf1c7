"""Turn files into cleaned llama-index `Document`s, one format at a time.

`load_paths` walks files and folders and yields one `LoadResult` per document
(or per failure, or per file a folder holds that we cannot read), so one bad
file — or one bad line of a JSONL corpus — never stops the rest of a batch.
Every failure carries a message a user can act on.

The format is read from the content, not only the extension (`detect_format`):
a `.txt` may hold a saved web page, Markdown, a MEDLINE export, PubMed XML or a
JSONL corpus. Structured formats go through a reader that returns blocks
(`ingest.blocks`); text saved from a browser loses its furniture line by line
(`text.furniture`). Nothing is lost silently: when cleaning removes most of
a file's prose, the uncleaned text is indexed with a note naming what the
cleaner matched, and every result says what share of the text it kept.

Document ids: JSONL `_id` as given; a PMID when the file carries one; a
reference-manager export's entry (`ingest.library`): its PMID, else its citation key; else the file name
without extension (made unique by `ingest` when two paths collide, and taken over by the earlier document
when `ingest.identity` finds the same paper already indexed).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core import Document

from errors import IngestError
from ingest.blocks import Assembled, Block, assemble
from ingest.cleaning import clean_pubmed_page, clean_text, looks_like_pubmed_page, normalise_whitespace
from ingest.library import EXPORT_SUFFIXES, ExportEntry, attached_files, entry_metadata, entry_text, read_export
from ingest.sandbox import ParseBudget
from ingest.webtext import one_paragraph_per_line, webtext_blocks
from text.furniture import prose_words, strip_furniture_lines

TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | EXPORT_SUFFIXES | {
    ".pdf", ".html", ".htm", ".xhtml", ".xml", ".nbib", ".medline", ".jsonl", ".ndjson", ".docx", ".odt",
}
# what a BEIR JSONL row may carry besides `_id`, `title` and `text`; kept as the document's metadata
JSONL_METADATA = ("year", "journal", "authors", "doi", "pmid", "publication_types", "mesh", "article_type")
# A cleaner that keeps less than this share of a file's prose lines is distrusted: the uncleaned text is kept.
MIN_PROSE_KEPT = 0.4


@dataclass
class LoadResult:
    """One document read from `source`, or the reason it could not be."""

    source: str
    document: Document | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    kept: float | None = None  # share of the file's text that survived cleaning
    skipped: str = ""  # a file a folder holds that is not a document we read, and why


log = logging.getLogger(__name__)
UNEXPECTED = "could not read this file: the parser failed unexpectedly"


def make_document(doc_id: str, text: str, source: str, *, title: str = "", **meta: object) -> Document:
    """The single constructor every loader uses, so metadata keys stay uniform."""
    if not text.strip():
        raise IngestError("no text left after cleaning (empty file, or only page chrome)")
    metadata = {"doc_id": doc_id, "title": title.strip(), "source": source}
    metadata.update({k: v for k, v in meta.items() if v not in (None, "", [])})
    return Document(text=text, id_=doc_id, metadata=metadata)


@dataclass(frozen=True)
class ReadLimits:
    """What one file may cost; `parse_seconds` 0 parses in this process, with no time or memory budget."""

    max_file_mb: float = 50.0
    max_document_chars: int = 2_000_000
    parse_seconds: float = 60.0
    parse_memory_mb: float = 2048.0


def load_paths(paths: list[str | Path], limits: ReadLimits = ReadLimits()) -> Iterator[LoadResult]:  # noqa: B008 (frozen)
    """Yield a LoadResult for every document under `paths` (files or folders, recursively)."""
    budget = ParseBudget(limits.parse_seconds, limits.parse_memory_mb) if limits.parse_seconds > 0 else None
    try:
        for path in map(Path, paths):
            if not path.exists():
                yield LoadResult(str(path), error="no such file or folder")
                continue
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path)) if path.is_dir() else [path]
            base = path.resolve().parent
            exports = {f: _read_export(f, limits) for f in files if f.suffix.lower() in EXPORT_SUFFIXES}
            read_by_export = {p for entries in exports.values() if not isinstance(entries, LoadResult)
                              for p in attached_files(entries)}
            for file in files:
                if file in exports:
                    yield from _load_export(file, exports[file], limits, budget, base)
                    continue
                if file.resolve() in read_by_export:
                    continue  # read as its export entry's attachment, with the entry's metadata
                if path.is_dir() and file.suffix.lower() not in SUPPORTED_SUFFIXES:
                    # folders often hold images, spreadsheets, licences: say so, do not fail the batch
                    kind = file.suffix.lower() or "no extension"
                    yield LoadResult(str(file), skipped=f"not a document type biocite reads ({kind})")
                    continue
                for result in _load_file(file, limits, budget):
                    if result.document is not None:
                        _set_source(result.document, file, base)
                    yield result
    finally:
        if budget is not None:
            budget.close()


def _set_source(doc: Document, file: Path, base: Path) -> None:
    """`source` is shown to users relative to where they ingested from ("papers/x.pdf", not a machine's absolute
    path); `path` keeps the absolute file, which tells two different files of the same name apart."""
    fragment = str(doc.metadata.get("source", "")).partition("#")[2]
    absolute = file.resolve()
    try:
        shown = absolute.relative_to(base).as_posix()
    except ValueError:
        shown = file.name
    doc.metadata["source"] = f"{shown}#{fragment}" if fragment else shown
    doc.metadata["path"] = f"{absolute}#{fragment}" if fragment else str(absolute)


def _read_export(file: Path, limits: ReadLimits) -> list[ExportEntry] | LoadResult:
    """The export's entries, or the one failure that stops the whole file from being read."""
    try:
        if file.stat().st_size / 1e6 > limits.max_file_mb:
            raise IngestError(f"export is over the {limits.max_file_mb:g} MB limit (raise ingest.max_file_mb)")
        return read_export(file)
    except IngestError as exc:
        return LoadResult(str(file), error=str(exc))
    except OSError as exc:
        return LoadResult(str(file), error=f"could not read file: {exc.strerror or exc}")


def _load_export(file: Path, entries: list[ExportEntry] | LoadResult, limits: ReadLimits, budget: ParseBudget | None,
                 base: Path) -> Iterator[LoadResult]:
    """One result per entry of a reference-manager export (`ingest.library`): its attached file read as any file
    is, or its title and abstract; a bad entry fails alone, named."""
    if isinstance(entries, LoadResult):
        yield entries
        return
    for entry in entries:
        source = f"{file}#{entry.key}"
        attachment = entry.attachment()
        if entry.error:
            yield LoadResult(source, error=entry.error)
        elif attachment is None:
            try:
                meta = entry_metadata(entry, file)
                doc = make_document(meta.pop("doc_id"), clean_text(entry_text(entry), wrapped=False), source,
                                    format=file.suffix.lower().lstrip("."), **meta)
            except IngestError as exc:
                yield LoadResult(source, error=str(exc))
            else:
                _set_source(doc, file, base)
                yield LoadResult(source, document=doc)
        else:
            for result in _load_file(attachment, limits, budget):
                if result.document is None:
                    result.source, result.error = source, f"entry {entry.key}: {attachment.name}: {result.error}"
                else:
                    result.document.id_ = entry.doc_id
                    result.document.metadata.update(entry_metadata(entry, file))  # the export's metadata wins
                    _set_source(result.document, attachment, base)
                yield result


def _hidden(p: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in p.relative_to(root).parts)


def _load_file(file: Path, limits: ReadLimits, budget: ParseBudget | None) -> Iterator[LoadResult]:
    source = str(file)
    try:
        if file.suffix.lower() in {".jsonl", ".ndjson"}:  # our own line parser, streamed: no child process needed
            count = 0
            for count, result in enumerate(_load_jsonl(file, limits.max_document_chars), 1):  # noqa: B007 (the count is the point)
                yield result
            if not count:
                raise IngestError("no JSON lines with text in this file")
            return
        size_mb = file.stat().st_size / 1e6
        if size_mb > limits.max_file_mb:
            raise IngestError(f"file is {size_mb:.0f} MB, over the {limits.max_file_mb:g} MB limit (raise ingest.max_file_mb)")
        if file.stat().st_size == 0:
            raise IngestError("file is empty")
        yield from (budget.run if budget else _call)(_parse_file, file, limits.max_document_chars)
    except IngestError as exc:
        yield LoadResult(source, error=str(exc))
    except OSError as exc:
        yield LoadResult(source, error=f"could not read file: {exc.strerror or exc}")
    except MemoryError:
        yield LoadResult(source, error="file is too large to read")


def _call(fn, *args):  # noqa: ANN001, ANN002, ANN202 (no budget: parse in this process)
    return fn(*args)


def _parse_file(file: Path, max_chars: int) -> list[LoadResult]:
    """Every document one file holds, or the reason it holds none; runs inside the parse budget's child."""
    source = str(file)
    try:
        notes: list[str] = []
        results = []
        for doc in _read(file, file.suffix.lower(), notes):
            if len(doc.text) > max_chars:
                results.append(LoadResult(source, error=f"document {doc.doc_id} has {len(doc.text):,} characters, over the {max_chars:,} limit"))
            else:
                kept = doc.metadata.pop("kept_share", None)
                results.append(LoadResult(source, document=doc, notes=notes, kept=kept))
        return results
    except IngestError as exc:
        return [LoadResult(source, error=str(exc))]
    except OSError as exc:
        return [LoadResult(source, error=f"could not read file: {exc.strerror or exc}")]
    except RecursionError:
        return [LoadResult(source, error="file is nested too deeply to read")]
    except MemoryError:
        raise  # the budget reports it
    except Exception as exc:  # noqa: BLE001 (a parser bug must cost one file, not the batch)
        log.exception("unexpected error reading %s", source)
        return [LoadResult(source, error=f"{UNEXPECTED} ({type(exc).__name__}); it may be damaged")]


def _decode(data: bytes, notes: list[str]) -> str:
    """UTF-8 (with or without BOM); Windows-1252 as a noted fallback; refuse binary data."""
    if b"\x00" in data[:8192] or looks_binary(data[:8192]):
        raise IngestError("file looks binary, not text (wrong extension?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise IngestError("file is not valid UTF-8 text (re-save it as UTF-8)") from None
    notes.append("not UTF-8: read as Windows-1252")
    return text


def looks_binary(sample: bytes) -> bool:
    """More than 5 % control characters: not text in any encoding we decode."""
    if not sample:
        return False
    control = sum(b < 9 or 13 < b < 32 for b in sample)
    return control / len(sample) > 0.05


def _split_title(text: str) -> tuple[str, str]:
    """A short first paragraph without terminal punctuation is a title (papers, letters, notes)."""
    first, _, rest = text.partition("\n\n")
    short_heading = len(first) <= 300 and not first.rstrip().endswith((".", ":", ";", "?", "!"))
    if rest and (short_heading or first.startswith("# ")):
        return first.lstrip("# ").strip(), rest.strip()
    return "", text


def detect_format(suffix: str, head: bytes) -> str:
    """The real format of a file from its first bytes, with the extension as the tie-breaker.

    One of: pdf, docx, odt, html, pubmed-xml, xml, medline, jsonl, markdown, text.
    """
    sniff = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    lower = sniff.lower()
    if sniff.startswith(b"%PDF"):
        return "pdf"
    if sniff.startswith(b"PK\x03\x04"):
        return {".odt": "odt"}.get(suffix, "docx")
    if b"<pubmedarticle" in lower or b"<pubmedarticleset" in lower:
        return "pubmed-xml"
    if lower.startswith((b"<!doctype html", b"<html")) or re.search(rb"<(?:html|head|body|div|p|meta|title)\b[^>]*>", lower[:2048]):
        if suffix == ".xml" and not re.search(rb"<(?:html|body)\b", lower):
            return "xml"
        return "html"
    if lower.startswith(b"<?xml") or suffix == ".xml":
        return "xml"
    text = sniff.decode("utf-8", "ignore")
    if re.search(r"^PMID- ", text, re.MULTILINE) or suffix in (".nbib", ".medline"):
        return "medline"
    first = text.strip().splitlines()[0] if text.strip() else ""
    if suffix in (".jsonl", ".ndjson") or (first.startswith("{") and '"_id"' in first and '"text"' in first):
        return "jsonl"
    if suffix in (".md", ".markdown") or _looks_like_markdown(text):
        return "markdown"
    return "text"


def _looks_like_markdown(text: str) -> bool:
    """Two kinds of Markdown syntax at least: headings, [links](url), **bold**, fenced code, pipe tables."""
    signs = [
        re.search(r"(?m)^#{1,6} \S", text), re.search(r"\[[^\]\n]+\]\((?:https?://|/|#)[^)\s]*\)", text),
        re.search(r"\*\*[^*\n]+\*\*|__[^_\n]+__", text), re.search(r"(?m)^```", text), re.search(r"(?m)^\|.*\|\s*$\n^\|[-:| ]+\|", text),
    ]
    return sum(bool(x) for x in signs) >= 2


_BINARY_FORMATS = {".pdf": ("pdf", "PDF is damaged or not a PDF"), ".docx": ("docx", "Word file is damaged or not a .docx"),
                   ".odt": ("odt", "OpenDocument file is damaged or not an .odt")}


def _read(file: Path, suffix: str, notes: list[str]) -> list[Document]:
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"unsupported file type '{suffix}' (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})")
    with open(file, "rb") as f:
        head = f.read(8192)
    kind = detect_format(suffix, head)
    expected = _BINARY_FORMATS.get(suffix)
    if expected and kind != expected[0]:
        raise IngestError(f"{expected[1]} (its content does not start like one)")
    if suffix in TEXT_SUFFIXES and kind not in ("text", "markdown"):  # HTML, MEDLINE, PubMed XML under a text name
        notes.append(f"read as {kind} (detected from its content)")
    if kind == "pdf":
        return [_load_pdf(file, notes)]
    if kind == "docx":
        return [_load_word(file, notes, odt=False)]
    if kind == "odt":
        return [_load_word(file, notes, odt=True)]
    if kind == "pubmed-xml" or (kind == "xml" and suffix == ".xml"):
        return _load_pubmed_xml(file)
    raw = _decode(file.read_bytes(), notes)
    if kind in ("html", "xml"):
        return [_load_html(file, raw, notes)]
    if kind == "medline":
        return _load_medline(file, raw)
    if kind == "jsonl":
        raise IngestError("this is a JSONL corpus: give it a .jsonl extension so each line becomes a document")
    if kind == "markdown":
        return [_load_markdown(file, raw, notes)]
    return _load_text(file, raw, notes)


def _kept_share(text: str, source_text: str) -> float:
    return round(min(1.0, len(text) / max(1, len(normalise_whitespace(source_text)))), 3)


def _guard(cleaned: str, plain: str, cleaner: str, dropped: dict[str, int], notes: list[str]) -> str:
    """The cleaned text, or - when the cleaner removed most of the file's prose - the plain text, with a note."""
    before = prose_words(plain)
    after = prose_words(cleaned)
    if before >= 40 and after < MIN_PROSE_KEPT * before:
        matched = _dropped_summary(dropped) or "nothing"
        notes.append(
            f"the {cleaner} would have kept only {after / before:.0%} of the prose (it matched: {matched}); "
            "the text is indexed uncleaned"
        )
        return clean_text(plain)
    return cleaned


def _document_from(file: Path, assembled: Assembled, meta: dict[str, str], fmt: str, plain: str) -> Document:
    fields = {k: v for k, v in meta.items() if k != "title" and v}
    doc = make_document(
        meta.get("pmid") or file.stem, assembled.text, str(file), title=meta.get("title", ""), format=fmt,
        sections=assembled.sections, page_starts=assembled.page_starts or None, **fields,
    )
    doc.metadata["kept_share"] = _kept_share(assembled.text, plain)
    return doc


def _load_text(file: Path, raw: str, notes: list[str]) -> list[Document]:
    """Plain text: a copied PubMed page, text saved from a browser, a paper pasted or extracted to text."""
    pubmed_meta: dict[str, str] = {}
    if looks_like_pubmed_page(raw):
        body, pubmed_meta = clean_pubmed_page(raw)
        blank_line_blocks = len(re.split(r"\n\s*\n", raw.strip())) >= 4
        if blank_line_blocks and body.strip() and prose_words(body) >= MIN_PROSE_KEPT * prose_words(raw):
            assembled = assemble([Block("paragraph", p) for p in body.split("\n\n")], wrapped=True)
            doc_id = pubmed_meta.pop("pmid", None) or file.stem
            doc = make_document(doc_id, assembled.text, str(file), format="pubmed-page", **pubmed_meta)
            doc.metadata["kept_share"] = _kept_share(assembled.text, raw)
            return [doc]
        # Copied without blank lines, or not PubMed's layout (a PMC or publisher page): the saved-page reader
        # below reads it better; the citation line PubMed's layout gave is kept as metadata.
    if one_paragraph_per_line(raw) or pubmed_meta:
        blocks, meta = webtext_blocks(raw)
        meta = {**pubmed_meta, **{k: v for k, v in meta.items() if v}}
        blocks = [b for b in blocks if " ".join(b.text.split()) != meta.get("title")]  # the title is metadata
        assembled = assemble(blocks, wrapped=False)
        guarded = _guard(assembled.text, raw, "page cleaner", assembled.dropped, notes)
        if guarded is not assembled.text:
            assembled = Assembled(text=guarded)
            meta["title"] = ""
        elif assembled.dropped:
            notes.append("page furniture removed: " + _dropped_summary(assembled.dropped))
        return [_document_from(file, assembled, meta, "web-text", raw)]
    stripped, dropped = strip_furniture_lines(raw)
    text = _guard(clean_text(stripped), raw, "page cleaner", dropped, notes)
    if dropped and not notes:
        notes.append("page furniture removed: " + _dropped_summary(dropped))
    title, body = _split_title(text)
    doc = make_document(file.stem, body, str(file), title=title, format="text")
    doc.metadata["kept_share"] = _kept_share(body, raw)
    return [doc]


def _dropped_summary(dropped: dict[str, int]) -> str:
    return ", ".join(f"{reason} ({n})" for reason, n in sorted(dropped.items(), key=lambda kv: -kv[1]))


def _load_markdown(file: Path, raw: str, notes: list[str]) -> Document:
    from ingest.markdown import markdown_blocks

    blocks, title = markdown_blocks(raw)
    first = blocks[0].text.strip() if blocks else ""
    if not title and blocks and blocks[0].kind == "paragraph" and _split_title(first + "\n\nx")[0]:
        title, blocks = " ".join(first.split()), blocks[1:]  # a short first line without a full stop is the title
    assembled = assemble(blocks, wrapped=True)
    guarded = _guard(assembled.text, raw, "Markdown reader", assembled.dropped, notes)
    if guarded is not assembled.text:
        assembled = Assembled(text=guarded)
    return _document_from(file, assembled, {"title": title}, "markdown", raw)


def _load_html(file: Path, raw: str, notes: list[str]) -> Document:
    from ingest.html import html_blocks

    blocks, meta, html_notes, plain = html_blocks(raw)
    notes += html_notes
    assembled = assemble(blocks, wrapped=False)
    guarded = _guard(assembled.text, plain, "web-page extractor", assembled.dropped, notes)
    if guarded is not assembled.text:
        assembled = Assembled(text=guarded)
    return _document_from(file, assembled, meta, "html", plain)


def _load_pdf(file: Path, notes: list[str]) -> Document:
    from ingest.pdf import pdf_blocks

    blocks, meta, pdf_notes, plain = pdf_blocks(file)
    notes += pdf_notes
    assembled = assemble(blocks, wrapped=True)
    if not assembled.text.strip():
        raise IngestError("PDF has no extractable text (a scanned image? run OCR first)")
    return _document_from(file, assembled, meta, "pdf", plain)


def _load_word(file: Path, notes: list[str], *, odt: bool) -> Document:
    from ingest.word import docx_blocks, odt_blocks

    blocks, meta = odt_blocks(file) if odt else docx_blocks(file)
    assembled = assemble(blocks, wrapped=False)
    plain = "\n".join(b.text for b in blocks)
    return _document_from(file, assembled, meta, "odt" if odt else "docx", plain)


def _load_medline(file: Path, raw: str) -> list[Document]:
    """PubMed's MEDLINE/.nbib export: `TAG - value` lines, continuation lines indented, records split by blank lines."""
    docs = []
    for record_text in re.split(r"\n\s*\n(?=PMID- )", raw.strip()):
        fields: dict[str, list[str]] = {}
        tag = None
        for line in record_text.splitlines():
            if m := re.match(r"^([A-Z]{2,4})\s*- (.*)$", line):
                tag = m.group(1)
                fields.setdefault(tag, []).append(m.group(2).strip())
            elif tag and line.startswith("      "):
                fields[tag][-1] += " " + line.strip()
        pmid = (fields.get("PMID") or [""])[0]
        abstract = " ".join(fields.get("AB", []))
        if not pmid:
            continue
        doi = next((v.split(" ")[0] for v in fields.get("LID", []) + fields.get("AID", []) if "[doi]" in v), "")
        docs.append(
            make_document(
                pmid, clean_text(abstract), f"{file}#PMID{pmid}", title=" ".join(fields.get("TI", [])),
                authors="; ".join(fields.get("AU", [])), journal=(fields.get("JT") or fields.get("TA") or [""])[0],
                year=(fields.get("DP") or [""])[0][:4], doi=doi, pmid=pmid, format="medline",
                publication_types="; ".join(fields.get("PT", [])),
                mesh="; ".join(fields.get("MH", [])),  # MeSH check tags place a study that names no design
            )
        )
    if not docs:
        raise IngestError("no MEDLINE records with a PMID found")
    return docs


def _load_pubmed_xml(file: Path) -> list[Document]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.parse(str(file), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"XML is malformed ({exc})") from None
    articles = root.findall(".//PubmedArticle") if root.tag != "PubmedArticle" else [root]
    if not articles:
        raise IngestError("XML is not a PubMed export (no <PubmedArticle>); only PubMed XML is supported")

    def text_of(el: object) -> str:
        return " ".join("".join(el.itertext()).split()) if el is not None else ""

    docs = []
    for art in articles:
        pmid = text_of(art.find(".//MedlineCitation/PMID"))
        parts = []
        for ab in art.findall(".//Abstract/AbstractText"):
            label = ab.get("Label")
            parts.append(f"{label.upper()}: {text_of(ab)}" if label else text_of(ab))
        authors = [
            " ".join(filter(None, [text_of(a.find("LastName")), text_of(a.find("Initials"))]))
            for a in art.findall(".//AuthorList/Author")
        ]
        doi = next((text_of(e) for e in art.findall(".//ArticleId") if e.get("IdType") == "doi"), "")
        docs.append(
            make_document(
                pmid or file.stem, clean_text("\n\n".join(parts), wrapped=False), f"{file}#PMID{pmid}",
                title=text_of(art.find(".//ArticleTitle")), authors="; ".join(filter(None, authors)),
                journal=text_of(art.find(".//Journal/Title")), year=text_of(art.find(".//PubDate/Year")),
                doi=doi, pmid=pmid, format="pubmed-xml",
                publication_types="; ".join(text_of(t) for t in art.findall(".//PublicationTypeList/PublicationType")),
                mesh="; ".join(text_of(t) for t in art.findall(".//MeshHeadingList/MeshHeading/DescriptorName")),
            )
        )
    return docs


# A line break escaped twice, so the text holds a backslash and an "n": SciFact's abstracts separate their sections so
# ("... in fat.   \\n METHODS AND RESULTS In 30 obese ..."). Read as the break it was; "\\nabla" is left alone.
_ESCAPED_BREAK = re.compile(r"[ \t]*\\n(?![A-Za-z])[ \t]*")


def _load_jsonl(file: Path, max_chars: int) -> Iterator[LoadResult]:
    """BEIR-style corpus: one `{"_id", "title", "text"}` object per line; bad lines fail alone."""
    max_line = 4 * max_chars + 64 * 1024  # UTF-8 text plus the title and JSON around it
    with open(file, "rb") as f:
        for line_no, line in enumerate(_bounded_lines(f, max_line), 1):
            source = f"{file}#L{line_no}"
            if line is None:
                yield LoadResult(source, error=f"line is longer than {max_line:,} bytes; skipped without reading it whole")
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line.decode("utf-8"))
                if not isinstance(row, dict) or "_id" not in row or "text" not in row:
                    raise IngestError('each line must be a JSON object with "_id" and "text" (and optionally "title")')
                if len(row["text"]) > max_chars:
                    raise IngestError(f"record has {len(row['text']):,} characters, over the {max_chars:,} limit")
                extra = {k: str(v) for k, v in row.items() if k in JSONL_METADATA and v}
                doc = make_document(
                    str(row["_id"]), clean_text(_ESCAPED_BREAK.sub("\n", str(row["text"])), wrapped=False), source,
                    title=normalise_whitespace(str(row.get("title") or "")), format="jsonl", **extra,
                )
                yield LoadResult(source, document=doc)
            except UnicodeDecodeError:
                yield LoadResult(source, error="line is not valid UTF-8")
            except json.JSONDecodeError as exc:
                yield LoadResult(source, error=f"line is not valid JSON ({exc.msg})")
            except IngestError as exc:
                yield LoadResult(source, error=f"{row.get('_id', '?') if isinstance(row, dict) else '?'}: {exc}")


def _bounded_lines(f, max_bytes: int) -> Iterator[bytes | None]:  # noqa: ANN001 (a binary file)
    """The file's lines, with None for a line over `max_bytes`: a 1 GB line is skipped, never held in memory."""
    while True:
        line = f.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line
