"""Reference-manager exports (BibTeX .bib, RIS .ris): each entry becomes one document with the export's metadata.

Zotero's "Export with files" writes the .bib/.ris next to a `files/<n>/<name>.pdf` tree and names each entry's
files in the BibTeX `file` field or the RIS `L1` tag. An entry's attached file is read like any other file (by
`ingest.loaders`, under the same parse budget); an entry without one becomes its title and abstract. The
export's title, authors, year, journal, DOI and PMID replace whatever the file's reader guessed: a reference
manager's record is curated, a PDF's own metadata often says "Microsoft Word - draft.docx".

Only files inside the export's folder are read: an uploaded .bib must not be able to make the server index
/etc/passwd or another user's papers. A malformed entry, a missing or outside file, or an entry with no text at
all is an `ExportEntry` with an error naming it; the rest of the export is read.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from errors import IngestError

EXPORT_SUFFIXES = {".bib", ".ris"}
BIBLIOGRAPHIC = ("title", "authors", "year", "journal", "doi", "pmid")  # the fields an export is trusted for
PREFERRED_ATTACHMENT = ".pdf"  # Zotero often attaches a web snapshot too: the PDF is the paper
_PMID_NOTE = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.IGNORECASE)


@dataclass
class ExportEntry:
    """One record of an export: its bibliographic fields, abstract and attached files, or why it is unusable."""

    key: str  # the BibTeX citation key or RIS ID, else "entry N": what messages name it by
    fields: dict[str, str] = field(default_factory=dict)  # BIBLIOGRAPHIC keys; authors "; "-joined
    abstract: str = ""
    files: list[Path] = field(default_factory=list)  # attached files, resolved inside the export's folder
    error: str = ""

    @property
    def doc_id(self) -> str:
        """A PMID when known (the id PubMed's own pages and exports get), else the export's key."""
        return self.fields.get("pmid") or self.key

    def attachment(self) -> Path | None:
        """The file to read for this entry: its PDF if it has one, else its first attached file."""
        pdfs = [f for f in self.files if f.suffix.lower() == PREFERRED_ATTACHMENT]
        return (pdfs or self.files or [None])[0]


def read_export(file: Path) -> list[ExportEntry]:
    """Every entry of a .bib or .ris export; IngestError when the file holds none at all."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError("export is not UTF-8 text (export it again as UTF-8)") from None
    entries = _bibtex_entries(file, text) if file.suffix.lower() == ".bib" else _ris_entries(file, text)
    if not entries:
        kind = "BibTeX entries (@article{...})" if file.suffix.lower() == ".bib" else "RIS records (TY  - ... ER  -)"
        raise IngestError(f"no {kind} found in this export")
    return entries


def attached_files(entries: list[ExportEntry]) -> set[Path]:
    """The files these entries read: a folder walk leaves them to their entry (its metadata), not reads them twice."""
    return {f for e in entries if (f := e.attachment()) is not None}


def entry_metadata(entry: ExportEntry, export: Path) -> dict[str, str]:
    """The entry's fields, marked as curated: `ingest.identity` lets them win over metadata guessed from a file."""
    return {"doc_id": entry.doc_id, **entry.fields, "metadata_from": "bibtex" if export.suffix.lower() == ".bib" else "ris",
            "citation_key": entry.key}


def entry_text(entry: ExportEntry) -> str:
    """An entry without a file: its title and abstract are the text. IngestError when it has no abstract."""
    if not entry.abstract.strip():
        raise IngestError(f"entry {entry.key}: no attached file and no abstract, so there is no text to index; "
                          "attach the PDF in your reference manager and export with files")
    return f"{entry.fields.get('title', '')}\n\n{entry.abstract}".strip()


# --- BibTeX ----------------------------------------------------------------------------------
def _bibtex_entries(file: Path, text: str) -> list[ExportEntry]:
    import logging

    import bibtexparser
    from bibtexparser import middlewares

    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # its warnings repeat what our errors say
    library = bibtexparser.parse_string(text, append_middleware=[
        middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()])
    entries = []
    for block in library.failed_blocks:
        key, line = _bibtex_key(block.raw), block.start_line + 1
        problem = "its key repeats an earlier entry's" if "Duplicate" in type(block).__name__ else "it is malformed BibTeX"
        entries.append(ExportEntry(key or f"at line {line}", error=f"entry {key or '?'} at line {line} "
                                   f"({' '.join(block.raw.split())[:60]}) was not read: {problem}; fix it in your "
                                   "reference manager and export again"))
    for e in library.entries:
        values = {k.lower(): v.value for k, v in e.fields_dict.items()}
        text_of = functools.partial(_first_text, values)
        authors = values.get("author") or []
        fields = {
            "title": text_of("title"), "authors": "; ".join(authors if isinstance(authors, list) else [authors]),
            "year": text_of("year")[:4], "journal": text_of("journal") or text_of("journaltitle") or text_of("booktitle"),
            "doi": normalise_doi(text_of("doi")),
            "pmid": text_of("pmid") or _pmid_in(text_of("note"), text_of("annote"), text_of("extra")),
            "entry_type": e.entry_type.lower(),
        }
        entry = ExportEntry(e.key, {k: v for k, v in fields.items() if v}, text_of("abstract"))
        _attach(entry, file, _bibtex_file_paths(text_of("file")))
        entries.append(entry)
    return entries


def _bibtex_key(raw: str) -> str:
    m = re.match(r"\s*@\w+\s*\{\s*([^,\s]+)\s*,", raw)
    return m.group(1) if m else ""


def _bibtex_file_paths(value: str) -> list[str]:
    """Zotero writes `files/12/x.pdf`, JabRef and Mendeley `Description:path:mime`, several joined by ';'."""
    paths = []
    for part in filter(None, (p.strip() for p in value.split(";"))):
        pieces = part.split(":")
        if len(pieces) >= 3 and "/" in pieces[-1]:  # Description:path:mime (the path may hold a drive letter's colon)
            part = ":".join(pieces[1:-1])
        paths.append(part)
    return paths


# --- RIS -------------------------------------------------------------------------------------
def _ris_entries(file: Path, text: str) -> list[ExportEntry]:
    """Record by record, so that one record rispy cannot read fails alone."""
    import rispy

    records = [r for r in re.split(r"(?m)^ER  -.*$", text) if r.strip()]
    entries = []
    for n, raw in enumerate(records, 1):
        try:
            parsed = rispy.loads(raw + "\nER  - \n", list_tags=[*rispy.LIST_TYPE_TAGS, "L1"])
        except Exception as exc:  # noqa: BLE001 (rispy's errors are plain IOError/ValueError/KeyError)
            parsed, problem = [], f"{type(exc).__name__}: {exc}"
        else:
            problem = "it has no TY line"
        if not parsed:
            entries.append(ExportEntry(f"entry {n}", error=f"RIS record {n} was not read ({problem}); fix it in your "
                                       "reference manager and export again"))
            continue
        r = parsed[0]
        one = functools.partial(_first_text, r)
        authors = [a for tag in ("authors", "first_authors") for a in r.get(tag, [])]
        notes = " ".join(r.get("notes", []))
        accession = one("accession_number")
        fields = {
            "title": one("title", "primary_title"), "authors": "; ".join(authors),
            "year": (one("year", "publication_year", "date") or "")[:4],
            "journal": one("journal_name", "secondary_title", "alternate_title3", "alternate_title1"),
            "doi": normalise_doi(one("doi")), "pmid": _pmid_in(notes) or (accession if accession.isdigit() else ""),
            "entry_type": one("type_of_reference").lower(),
        }
        entry = ExportEntry(one("id") or f"entry {n}", {k: v for k, v in fields.items() if v}, one("abstract", "notes_abstract"))
        _attach(entry, file, [p for p in r.get("file_attachments1", []) if p.strip()])
        entries.append(entry)
    return entries


# --- shared ----------------------------------------------------------------------------------
def _first_text(values: dict, *names: str) -> str:
    """The first of these fields that holds text, whitespace collapsed (a list field: its first item)."""
    for name in names:
        value = values.get(name)
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def _attach(entry: ExportEntry, export: Path, paths: list[str]) -> None:
    """Resolve `paths` against the export's folder; an error on the entry for a missing or outside file."""
    folder = export.resolve().parent
    for given in paths:
        given = given.removeprefix("file://")
        path = (folder / given).resolve()
        if not path.is_relative_to(folder):
            entry.error = (f"entry {entry.key}: attached file {given} is outside the export's folder, so it is not "
                           "read; export with files (Zotero: Export Collection… → Export Files) and ingest that folder")
            return
        if not path.is_file():
            entry.error = f"entry {entry.key}: attached file {given} is missing next to {export.name}"
            return
        entry.files.append(path)


def normalise_doi(doi: str) -> str:
    """`https://doi.org/10.1/X`, `doi:10.1/x` and `10.1/x` are one DOI (DOIs are case-insensitive)."""
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.IGNORECASE)
    return doi.rstrip(".").lower() if doi.startswith("10.") else ""


def _pmid_in(*notes: str) -> str:
    m = next((m for n in notes if (m := _PMID_NOTE.search(n or ""))), None)
    return m.group(1) if m else ""
