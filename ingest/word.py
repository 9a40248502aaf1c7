"""Word (`.docx`) and OpenDocument text (`.odt`) to blocks.

python-docx reads paragraphs with their style: "Title" is the title,
"Heading N" a section heading, the rest paragraphs (tables are left out: their
cells are not sentences). The core properties give title and author when the
file states them. `.odt` is read with odfpy the same way (text:h / text:p).
"""

from __future__ import annotations

import xml.sax
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from errors import IngestError
from ingest.blocks import HEADING, PARAGRAPH, Block

# What a damaged zip container or its XML makes python-docx and odfpy raise (found by tests/ingest/test_fuzz.py).
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, AttributeError, etree.XMLSyntaxError,
            xml.sax.SAXException)


def docx_blocks(file: Path) -> tuple[list[Block], dict[str, str]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(file))
    except (PackageNotFoundError, *_DAMAGED) as exc:
        raise IngestError(f"Word file is damaged or not a .docx ({type(exc).__name__})") from None
    props = document.core_properties
    author = (props.author or "").strip()
    placeholder = author.lower() in {"python-docx", "author", "unknown", "user", "microsoft office user", "admin"}
    meta = {"title": (props.title or "").strip(), "authors": "" if placeholder else author}
    blocks: list[Block] = []
    for para in document.paragraphs:
        text = para.text.strip()
        style = (para.style.name if para.style is not None else "").lower()
        if not text:
            continue
        if style == "title" or (style == "heading 1" and not meta["title"] and not blocks):
            meta["title"] = meta["title"] or text
        elif style.startswith("heading") and len(text.split()) <= 20 and not text.endswith("."):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 2
            blocks.append(Block(HEADING, text, level=level))
        else:
            blocks.append(Block(PARAGRAPH, text))
    return blocks, meta


def odt_blocks(file: Path) -> tuple[list[Block], dict[str, str]]:
    from odf import teletype
    from odf.opendocument import load

    try:
        document = load(str(file))
    except _DAMAGED as exc:
        raise IngestError(f"OpenDocument file is damaged or not an .odt ({type(exc).__name__})") from None
    blocks: list[Block] = []
    meta = {"title": "", "authors": ""}
    for el in _walk(document.text):
        value = teletype.extractText(el).strip()
        if not value:
            continue
        if el.qname[1] == "h":
            level = int(el.getAttribute("outlinelevel") or 1)
            if level == 1 and not meta["title"] and not blocks:
                meta["title"] = value
            else:
                blocks.append(Block(HEADING, value, level=level))
        else:
            blocks.append(Block(PARAGRAPH, value))
    return blocks, meta


def _walk(node: object):
    """text:h and text:p elements in document order (lists and sections are walked into)."""
    for child in node.childNodes:
        name = getattr(child, "qname", (None, None))[1]
        if name in ("h", "p"):
            yield child
        elif getattr(child, "childNodes", None):
            yield from _walk(child)
