"""Web pages (saved `.html`, or HTML inside a `.txt`) to blocks, through trafilatura.

trafilatura (Barbaresi 2021) is a maintained main-text extractor that leads
the public boilerplate-removal benchmarks; it keeps the article and drops
navigation, sidebars, comments and footers. We ask it for XML so headings,
paragraphs and list items stay apart (`ingest.blocks` turns headings into
section metadata), then drop what it keeps but a reader would not quote:
"[edit]" links, "[1]" reference markers, infobox tables, and back matter
(reference lists, "See also", external links).

Bibliographic metadata comes first from the page's Highwire / Dublin Core
`<meta>` tags (what PubMed, PMC and publishers emit for Google Scholar),
then from trafilatura's own metadata. When trafilatura finds no main text,
the page's paragraphs are read directly (BeautifulSoup) so no page is lost.
"""

from __future__ import annotations

import re

from ingest.blocks import HEADING, PARAGRAPH, Block

_INLINE_MARKERS = re.compile(
    r"\[(?:edit|\d{1,3}(?:\s*[,–-]\s*\d{1,3})*|[a-z]|citation needed|note \d+|nb \d+|update|clarification needed)\]",
    re.IGNORECASE,
)
_TITLE_SUFFIX = re.compile(r"\s+[-–—|:]\s+[^-–—|]{2,60}$")


def strip_inline_markers(text: str) -> str:
    """"... in 1965.[1] The day" -> "... in 1965. The day"."""
    return re.sub(r"[ \t]{2,}", " ", _INLINE_MARKERS.sub("", text))


def page_metadata(soup: object) -> dict[str, str]:
    """Highwire (`citation_*`), Dublin Core and Open Graph metadata stated by the page (a BeautifulSoup tree)."""

    def meta(*names: str) -> str:
        for name in names:
            tag = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
            if tag and str(tag.get("content", "")).strip():
                return " ".join(str(tag["content"]).split())
        return ""

    authors = [" ".join(str(t.get("content", "")).split()) for t in soup.find_all("meta", attrs={"name": "citation_author"})]
    return {
        "title": meta("citation_title", "dc.title", "DC.title", "og:title"),
        "authors": "; ".join(a for a in authors if a) or meta("dc.creator", "DC.creator", "author"),
        "doi": meta("citation_doi", "dc.identifier", "DC.identifier").removeprefix("doi:").strip(),
        "year": (meta("citation_publication_date", "citation_date", "dc.date", "DC.date", "article:published_time"))[:4],
        "journal": meta("citation_journal_title", "citation_conference_title"),
        "pmid": meta("citation_pmid"),
        "article_type": meta("citation_article_type", "dc.type", "DC.type"),
        "html_title": soup.title.get_text(" ", strip=True) if soup.title else "",
    }


def clean_page_title(title: str, sitename: str = "") -> str:
    """"Frederick Bates (politician) - Wikipedia" -> "Frederick Bates (politician)"."""
    title = " ".join(title.split())
    m = _TITLE_SUFFIX.search(title)
    if m:
        suffix = m.group(0).strip(" -–—|:").lower()
        site = sitename.lower()
        if len(suffix.split()) <= 6 and (not site or suffix in site or site in suffix or len(suffix.split()) <= 3):
            title = title[: m.start()]
    return title.strip()


def html_blocks(raw: str) -> tuple[list[Block], dict[str, str], list[str], str]:
    """(blocks, metadata, notes, the page's visible text) of one web page; the page is parsed once."""
    import trafilatura
    from bs4 import BeautifulSoup
    from lxml import etree

    soup = BeautifulSoup(raw, "lxml")
    meta = page_metadata(soup)
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    visible = soup.get_text("\n")
    notes: list[str] = []
    try:  # trafilatura re-parses its own output, which fails on some damaged pages; a depth past lxml's limit too
        xml = trafilatura.extract(
            raw, output_format="xml", with_metadata=True, include_comments=False, include_tables=True,
            include_links=False, include_formatting=False, include_images=False, favor_recall=True,
        )
        root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True)) if xml else None
    except etree.XMLSyntaxError:
        root = None  # then the paragraphs are read from the page directly, below
    blocks: list[Block] = []
    sitename = ""
    if root is not None:
        sitename = root.get("sitename") or ""
        meta["title"] = meta["title"] or root.get("title") or ""
        meta["year"] = meta["year"] or (root.get("date") or "")[:4]
        main = root.find("main")
        tables = 0
        for el in main if main is not None else []:
            if el.tag == "head":
                level = int((el.get("rend") or "h2")[1:] or 2) if (el.get("rend") or "").startswith("h") else 2
                blocks.append(Block(HEADING, strip_inline_markers(_text(el)), level=level))
            elif el.tag == "p" or el.tag == "quote":
                blocks.append(Block(PARAGRAPH, strip_inline_markers(_text(el))))
            elif el.tag == "list":
                blocks += [Block(PARAGRAPH, strip_inline_markers(_text(item))) for item in el.iter("item")]
            elif el.tag == "table":
                tables += 1  # infoboxes and data tables are not sentences; their cells are not evidence
        if tables:
            notes.append(f"{tables} table{'s' * (tables > 1)} left out")
    if sum(len(b.text) for b in blocks if b.kind == PARAGRAPH) < 200:
        blocks = _paragraphs_directly(soup)
    html_title = meta.pop("html_title")
    meta["title"] = title = clean_page_title(meta["title"] or html_title, sitename)
    if blocks and blocks[0].kind == HEADING and _same(blocks[0].text, title):
        blocks = blocks[1:]  # the page's <h1> is the title, which is metadata
    return blocks, meta, notes, visible


def _text(el: object) -> str:
    return " ".join("".join(el.itertext()).split())


def _same(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\W+", " ", s).strip().lower()  # noqa: E731
    return bool(a) and bool(b) and (norm(a) == norm(b) or norm(b).startswith(norm(a)))


def _paragraphs_directly(soup: object) -> list[Block]:
    """Paragraphs, list items and headings of the page body when the extractor found no main text."""
    for tag in soup(["nav", "header", "footer", "aside", "form", "button", "svg"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = []
    for el in root.find_all(["p", "li", "h1", "h2", "h3", "h4", "blockquote", "td"]):
        text = strip_inline_markers(el.get_text(" ", strip=True))
        if el.name in ("h1", "h2", "h3", "h4"):
            blocks.append(Block(HEADING, text, level=int(el.name[1])))
        else:
            blocks.append(Block(PARAGRAPH, text))
    if not blocks:
        blocks = [Block(PARAGRAPH, line) for line in root.get_text("\n", strip=True).splitlines()]
    return blocks
