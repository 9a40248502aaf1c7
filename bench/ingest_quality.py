"""How clean real documents come in: per format, kept text, furniture left in chunks, sentences intact, titles.

    python -m bench.ingest_quality                 # the shipped fixtures (tests/fixtures/documents/expectations.json)
    python -m bench.ingest_quality --pdf-parsers   # also: the PDF parsers side by side on the same expectations
    python -m bench.ingest_quality --extra DIR     # also: your own files, with DIR/expectations.json of the same shape

A sentence counts as intact when it is whole inside one chunk (whitespace
normalised); a furniture string counts when any chunk contains it; a title is
correct when it equals the expected one (case and punctuation ignored).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

from ingest.chunking import chunk_document
from ingest.loaders import load_paths

PROJECT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT / "tests" / "fixtures" / "documents" / "expectations.json"


def _norm(text: str) -> str:
    return " ".join(text.split())


def _title_key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def load_expectations(path: Path) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))["files"]
    base = PROJECT if path == FIXTURES else path.parent
    return {str((base / name).resolve()): spec for name, spec in data.items()}


def check_file(path: str, spec: dict) -> dict[str, object]:
    """One fixture through the real loader and chunker."""
    results = [r for r in load_paths([path]) if r.document or r.error]
    if not results or results[0].error:
        return {"file": path, "format": spec["format"], "error": results[0].error if results else "no document"}
    result = results[0]
    doc = result.document
    chunks = [_norm(n.text) for n in chunk_document(doc)]
    intact = [s for s in spec["sentences"] if any(_norm(s) in c for c in chunks)]
    furniture = [f for f in spec["furniture"] if any(f in c for c in chunks)]
    return {
        "file": path, "format": spec["format"], "kept": result.kept, "notes": result.notes,
        "title": doc.metadata.get("title", ""), "title_ok": _title_key(doc.metadata.get("title", "")) == _title_key(spec["title"]),
        "sentences": len(spec["sentences"]), "intact": len(intact), "missing": [s for s in spec["sentences"] if s not in intact],
        "furniture_found": furniture,
    }


def quality_table(rows: list[dict]) -> str:
    by_format: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_format[row["format"].split(" ")[0]].append(row)
    lines = ["| format | files | kept text (mean) | furniture strings in chunks | sentences intact | titles correct | rejected |",
             "|---|---|---|---|---|---|---|"]
    for fmt, group in sorted(by_format.items()):
        ok = [r for r in group if "error" not in r]
        kept = sum(r["kept"] or 0 for r in ok) / max(1, len(ok))
        furniture = sum(len(r["furniture_found"]) for r in ok)
        intact, total = sum(r["intact"] for r in ok), sum(r["sentences"] for r in ok)
        titles = sum(r["title_ok"] for r in ok)
        lines.append(f"| {fmt} | {len(group)} | {kept:.0%} | {furniture} | {intact}/{total} | {titles}/{len(ok)} | "
                     f"{len(group) - len(ok)} |")
    return "\n".join(lines)


def pdf_parser_table(specs: dict[str, dict]) -> str:
    """Expected sentences found and furniture strings present, per parser, over the PDF fixtures (text only)."""
    from ingest.cleaning import clean_text

    def pypdf_plain(p: str) -> str:
        from pypdf import PdfReader
        return "\n\n".join(page.extract_text() or "" for page in PdfReader(p).pages)

    def pypdf_layout(p: str) -> str:
        from pypdf import PdfReader
        return "\n\n".join(page.extract_text(extraction_mode="layout") or "" for page in PdfReader(p).pages)

    def pdfium(p: str) -> str:
        import pypdfium2
        doc = pypdfium2.PdfDocument(p)
        return "\n\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))

    def plumber(p: str) -> str:
        import pdfplumber
        with pdfplumber.open(p) as pdf:
            return "\n\n".join(page.extract_text() or "" for page in pdf.pages)

    def ours(p: str) -> str:
        result = next(iter(load_paths([p])))
        return (result.document.metadata.get("title", "") + "\n\n" + result.document.text) if result.document else ""

    parsers = {"pypdf": pypdf_plain, "pypdf layout mode": pypdf_layout, "pypdfium2": pdfium,
               "pdfplumber extract_text": plumber, "ours (pdfplumber words + layout rules)": ours}
    pdfs = {p: s for p, s in specs.items() if p.lower().endswith(".pdf")}
    lines = ["| parser | expected sentences found | furniture strings present | title in text or metadata |", "|---|---|---|---|"]
    for name, parse in parsers.items():
        found = total = furniture = titles = 0
        for path, spec in pdfs.items():
            text = _norm(clean_text(parse(path)))
            found += sum(_norm(s) in text for s in spec["sentences"])
            total += len(spec["sentences"])
            body = text if name.startswith("ours") else text
            furniture += sum(f in body for f in spec["furniture"])
            titles += _title_key(spec["title"]) in _title_key(text)
        lines.append(f"| {name} | {found}/{total} | {furniture} | {titles}/{len(pdfs)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extra", action="append", default=[], help="a folder with its own expectations.json")
    parser.add_argument("--pdf-parsers", action="store_true", help="also compare PDF parsers on the PDF fixtures")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    specs = load_expectations(FIXTURES)
    for extra in args.extra:
        specs.update(load_expectations(Path(extra) / "expectations.json"))
    rows = [check_file(path, spec) for path, spec in specs.items()]
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    print(quality_table(rows))
    for row in rows:
        if "error" in row or row["missing"] or row["furniture_found"] or not row["title_ok"]:
            print(f"\n{Path(row['file']).name}: {json.dumps({k: row.get(k) for k in ('error', 'title', 'missing', 'furniture_found')}, ensure_ascii=False)}")
    if args.pdf_parsers:
        print("\nPDF parsers on the PDF fixtures (text after the same clean_text):\n")
        print(pdf_parser_table(specs))


if __name__ == "__main__":
    main()
