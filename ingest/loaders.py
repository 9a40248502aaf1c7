"""Turn files into cleaned llama-index `Document`s, one format at a time.

`load_paths` walks files and folders and yields one `LoadResult` per document
(or per failure), so one bad file — or one bad line of a JSONL corpus — never
stops the rest of a batch. Every failure carries a message a user can act on.

Document ids: JSONL `_id` as given; a PMID when the file carries one; else the
file name without extension (made unique by `ingest` when two paths collide).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core import Document

from errors import IngestError
from ingest.cleaning import clean_pubmed_page, clean_text, looks_like_pubmed_page, normalise_whitespace

TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".pdf", ".html", ".htm", ".xml", ".nbib", ".medline", ".jsonl", ".ndjson"}


@dataclass
class LoadResult:
    """One document read from `source`, or the reason it could not be."""

    source: str
    document: Document | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


def make_document(doc_id: str, text: str, source: str, *, title: str = "", **meta: object) -> Document:
    """The single constructor every loader uses, so metadata keys stay uniform."""
    if not text.strip():
        raise IngestError("no text left after cleaning (empty file, or only page chrome)")
    metadata = {"doc_id": doc_id, "title": title.strip(), "source": source}
    metadata.update({k: v for k, v in meta.items() if v not in (None, "", [])})
    return Document(text=text, id_=doc_id, metadata=metadata)


def load_paths(paths: list[str | Path], *, max_file_mb: float = 50.0, max_document_chars: int = 2_000_000) -> Iterator[LoadResult]:
    """Yield a LoadResult for every document under `paths` (files or folders, recursively)."""
    for path in map(Path, paths):
        if not path.exists():
            yield LoadResult(str(path), error="no such file or folder")
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path)) if path.is_dir() else [path]
        for file in files:
            if path.is_dir() and file.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue  # folders often hold images, notes, licenses: only take what we can read
            yield from _load_file(file, max_file_mb, max_document_chars)


def _hidden(p: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in p.relative_to(root).parts)


def _load_file(file: Path, max_file_mb: float, max_chars: int) -> Iterator[LoadResult]:
    source = str(file)
    suffix = file.suffix.lower()
    try:
        if suffix in {".jsonl", ".ndjson"}:
            yield from _load_jsonl(file, max_chars)
            return
        size_mb = file.stat().st_size / 1e6
        if size_mb > max_file_mb:
            raise IngestError(f"file is {size_mb:.0f} MB, over the {max_file_mb:g} MB limit (raise ingest.max_file_mb)")
        if file.stat().st_size == 0:
            raise IngestError("file is empty")
        notes: list[str] = []
        if suffix == ".pdf":
            docs = [_load_pdf(file)]
        elif suffix in {".html", ".htm"}:
            docs = [_load_html(file, _decode(file.read_bytes(), notes))]
        elif suffix == ".xml":
            docs = _load_pubmed_xml(file)
        elif suffix in {".nbib", ".medline"}:
            docs = _load_medline(file, _decode(file.read_bytes(), notes))
        elif suffix in TEXT_SUFFIXES or not suffix:
            docs = _load_text(file, _decode(file.read_bytes(), notes))
        else:
            raise IngestError(f"unsupported file type '{suffix}' (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})")
        for doc in docs:
            if len(doc.text) > max_chars:
                yield LoadResult(source, error=f"document {doc.doc_id} has {len(doc.text):,} characters, over the {max_chars:,} limit")
            else:
                yield LoadResult(source, document=doc, notes=notes)
    except IngestError as exc:
        yield LoadResult(source, error=str(exc))
    except OSError as exc:
        yield LoadResult(source, error=f"could not read file: {exc.strerror or exc}")


def _decode(data: bytes, notes: list[str]) -> str:
    """UTF-8 (with or without BOM); Windows-1252 as a noted fallback; refuse binary data."""
    if b"\x00" in data[:8192] or _looks_binary(data[:8192]):
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


def _looks_binary(sample: bytes) -> bool:
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


def _load_text(file: Path, raw: str) -> list[Document]:
    if re.search(r"^PMID- ", raw, re.MULTILINE):
        return _load_medline(file, raw)
    if looks_like_pubmed_page(raw):
        body, meta = clean_pubmed_page(raw)
        doc_id = meta.pop("pmid", None) or file.stem
        return [make_document(doc_id, body, str(file), format="pubmed-page", **meta)]
    title, body = _split_title(clean_text(raw))
    return [make_document(file.stem, body, str(file), title=title, format="text")]


def _load_pdf(file: Path) -> Document:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - a broken install, not a user error
        raise IngestError("PDF support needs pypdf: pip install -r requirements.txt") from exc
    try:
        reader = PdfReader(str(file))
        if reader.is_encrypted:
            raise IngestError("PDF is encrypted; save an unprotected copy first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise IngestError(f"PDF is damaged or not a PDF ({type(exc).__name__}: {str(exc)[:120]})") from None
    meta = reader.metadata or {}
    cleaned = [clean_text(p) for p in pages]
    if not any(cleaned):
        raise IngestError("PDF has no extractable text (a scanned image? run OCR first)")
    text, page_starts = "", []
    for page_text in cleaned:
        page_starts.append(len(text))
        if page_text:
            text = f"{text}\n\n{page_text}" if text else page_text
            page_starts[-1] = len(text) - len(page_text)
    pdf_title = str(meta.get("/Title") or "").strip()
    first_title, body = _split_title(text)
    if first_title:  # the body lost its first paragraph: shift page offsets with it
        shift = len(text) - len(body)
        page_starts = [max(0, s - shift) for s in page_starts]
        text = body
    return make_document(
        file.stem, text, str(file), title=pdf_title or first_title, authors=str(meta.get("/Author") or ""),
        format="pdf", page_starts=page_starts,
    )


def _load_html(file: Path, raw: str) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "lxml")
    def meta(name: str) -> str:
        tag = soup.find("meta", attrs={"name": name})
        return str(tag.get("content", "")).strip() if tag else ""

    title = meta("citation_title") or meta("dc.title") or (soup.title.get_text(" ", strip=True) if soup.title else "")
    authors = "; ".join(t.get("content", "") for t in soup.find_all("meta", attrs={"name": "citation_author"}))
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "svg", "template"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = [b.get_text(" ", strip=True) for b in root.find_all(["p", "li", "h1", "h2", "h3", "h4", "td", "blockquote"])]
    text = "\n\n".join(b for b in blocks if b) or root.get_text("\n", strip=True)
    text = clean_text(text)
    if title and text.startswith(title):
        text = text[len(title):].strip()
    return make_document(
        meta("citation_pmid") or file.stem, text, str(file), title=title, authors=authors,
        doi=meta("citation_doi"), year=(meta("citation_date") or meta("citation_publication_date"))[:4],
        journal=meta("citation_journal_title"), format="html",
    )


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
            )
        )
    return docs


def _load_jsonl(file: Path, max_chars: int) -> Iterator[LoadResult]:
    """BEIR-style corpus: one `{"_id", "title", "text"}` object per line; bad lines fail alone."""
    with open(file, "rb") as f:
        for line_no, line in enumerate(f, 1):
            source = f"{file}#L{line_no}"
            if not line.strip():
                continue
            try:
                row = json.loads(line.decode("utf-8"))
                if not isinstance(row, dict) or "_id" not in row or "text" not in row:
                    raise IngestError('each line must be a JSON object with "_id" and "text" (and optionally "title")')
                if len(row["text"]) > max_chars:
                    raise IngestError(f"record has {len(row['text']):,} characters, over the {max_chars:,} limit")
                extra = {k: str(v) for k, v in row.items() if k in ("year", "journal", "authors", "doi", "pmid") and v}
                doc = make_document(
                    str(row["_id"]), clean_text(str(row["text"]), wrapped=False), source,
                    title=normalise_whitespace(str(row.get("title") or "")), format="jsonl", **extra,
                )
                yield LoadResult(source, document=doc)
            except UnicodeDecodeError:
                yield LoadResult(source, error="line is not valid UTF-8")
            except json.JSONDecodeError as exc:
                yield LoadResult(source, error=f"line is not valid JSON ({exc.msg})")
            except IngestError as exc:
                yield LoadResult(source, error=f"{row.get('_id', '?') if isinstance(row, dict) else '?'}: {exc}")
