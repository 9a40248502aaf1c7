"""JATS XML (eLife, PLOS) to the plain-text layout of evals/malaria/docs.

Reads each article straight from a fetched bare git snapshot (`git show COMMIT:PATH`), so the
output can be rebuilt from the commits recorded in README.md:

    .venv/bin/python evals/malaria/convert.py            # writes docs/*.txt and sources.json

Layout of a file: the title; "Authors: ..."; "Journal, year. DOI: ..."; a blank line; "Abstract" and
its paragraphs; then every section heading on its own line followed by its paragraphs, one paragraph
per line with a blank line between. Dropped: references, affiliations, funding and competing
interests (all of <back>), the decision letter and author response (<sub-article>), figure images,
supplementary files, numeric citation markers ([12]) and tables that are mostly numbers (their
captions are kept). Author-year citations are kept, as they are part of the sentence.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
XLINK = "{http://www.w3.org/1999/xlink}"
MML = "{http://www.w3.org/1998/Math/MathML}"

ELIFE = {
    "repo": "elifesciences/elife-articles",
    "git": "/work/.mirror/elifesciences+elife-articles/repo/.git",
    "commit": "6c97171e3855cb82db35beea99d5ef6260212e2a",
}
PLOS = {
    "repo": "PLOS/allofplos",
    "git": "/work/.mirror/PLOS+allofplos/repo",
    "commit": "07fdeed848b2816a7fbf7da6418ef6e2076e1960",
}

# document id -> (source, path inside the repository)
ARTICLES = {
    "malaria_var_gene_structure_2012": (ELIFE, "elife00093.xml"),
    "malaria_mathematics_insight_2012": (ELIFE, "elife00385.xml"),
    "malaria_gametocyte_mosquito_infection_2013": (ELIFE, "elife00626.xml"),
    "malaria_antigenic_switching_2013": (ELIFE, "elife01074.xml"),
    "malaria_hotspots_kenya_2014": (ELIFE, "elife02130.xml"),
    "malaria_ldh_evolution_2014": (ELIFE, "elife02304.xml"),
    "malaria_ribosome_emetine_2014": (ELIFE, "elife03080.xml"),
    "malaria_gene_drives_2014": (ELIFE, "elife03401.xml"),
    "malaria_gap_vaccine_b9_slarp_2014": (ELIFE, "elife03582.xml"),
    "malaria_vitamin_a_children_2015": (ELIFE, "elife03925.xml"),
    "malaria_translation_blood_stages_2014": (ELIFE, "elife04106.xml"),
    "malaria_pfrh5_structure_2014": (ELIFE, "elife04187.xml"),
    "malaria_cd8_macrophages_2015": (ELIFE, "elife04232.xml"),
    "malaria_vivax_hypnozoite_model_2014": (ELIFE, "elife04692.xml"),
    "malaria_chabaudi_sporozoite_immunity_2015": (ELIFE, "elife05165.xml"),
    "malaria_chromerid_genomes_2015": (ELIFE, "elife06974.xml"),
    "malaria_atypical_memory_b_cells_2015": (ELIFE, "elife07218.xml"),
    "malaria_rolling_back_2015": (ELIFE, "elife07364.xml"),
    "malaria_sporozoite_motility_dermis_2015": (ELIFE, "elife07789.xml"),
    "malaria_heme_biosynthesis_2015": (ELIFE, "elife09143.xml"),
    "malaria_residual_transmission_mapping_2015": (ELIFE, "elife09520.xml"),
    "malaria_looking_for_blood_insight_2015": (ELIFE, "elife11284.xml"),
    "malaria_novel_adhesin_2013": (PLOS, "allofplos/starter_corpus/journal.pone.0074790.xml"),
    "malaria_vaccine_failure_metaanalysis_2010": (PLOS, "allofplos/starter_corpus/journal.pone.0010685.xml"),
    "malaria_iptc_metaanalysis_2011": (PLOS, "allofplos/starter_corpus/journal.pone.0016976.xml"),
}

SKIP = {
    "object-id",
    "graphic",
    "media",
    "supplementary-material",
    "inline-graphic",
    "alternatives-graphic",
    "fn-group",
    "ref-list",
    "permissions",
    "label-graphic",
}
BLOCKS = {
    "fig",
    "fig-group",
    "table-wrap",
    "table-wrap-group",
    "list",
    "disp-formula",
    "boxed-text",
    "supplementary-material",
    "media",
    "disp-quote",
    "statement",
}
NUMERIC_CITE = re.compile(r"^[\s\d,–\-−;\[\]]*$")


def ws(s: str) -> str:
    return " ".join(s.split())


def tidy(s: str) -> str:
    s = ws(s)
    s = re.sub(r"\s*\[[\s,–\-;]*\]", "", s)  # brackets left empty by dropped [12]
    s = re.sub(r"\(\s*[,;–\-\s]*\)", "", s)  # and parentheses
    s = re.sub(r"\s+([,.;:)\]])", r"\1", s)
    s = re.sub(r"([(\[])\s+", r"\1", s)
    return s.strip()


def is_numeric_cite(e: etree._Element) -> bool:
    return e.tag == "xref" and e.get("ref-type") == "bibr" and bool(NUMERIC_CITE.match("".join(e.itertext())))


def inline(el: etree._Element) -> str:
    """The text of an inline run: citations by number dropped, superscript powers kept as ^."""
    out: list[str] = []

    def walk(e: etree._Element, top: bool) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if not top:
            if tag in SKIP or tag in BLOCKS - {"disp-formula"}:
                out.append(e.tail or "")
                return
            if tag == "disp-formula":  # rendered on its own line by render_p
                out.append(e.tail or "")
                return
            if is_numeric_cite(e):
                nxt = e.getnext()
                tail = e.tail or ""
                if nxt is not None and is_numeric_cite(nxt) and tail.strip() in ("", ",", "–", "-", ";"):
                    tail = ""  # the separator inside a run of numbered citations
                out.append(tail)
                return
            if tag == "sup":
                t = "".join(e.itertext())
                prev = "".join(out)[-1:] if out else ""
                if prev.isdigit() and re.fullmatch(r"[−\-–]?\d+", t.strip() or "x"):
                    out.append("^" + t.strip())
                    out.append(e.tail or "")
                    return
            if tag in ("inline-formula", "disp-formula") or tag.startswith(MML):
                tex = e.find(".//tex-math")
                math = (
                    ws(tex.text)
                    if tex is not None and tex.text
                    else "".join(t for t in e.itertext() if t.strip()).replace("\n", "")
                )
                out.append(" " + math + " " if tag == "disp-formula" else math)
                out.append(e.tail or "")
                return
        if e.text:
            out.append(e.text)
        for c in e:
            walk(c, False)
        if not top and e.tail:
            out.append(e.tail)

    walk(el, True)
    return tidy("".join(out))


def table_rows(tw: etree._Element) -> list[str]:
    """The rows of a small, mostly verbal table; none for tables of numbers."""
    rows = []
    for tr in tw.iter("tr"):
        cells = [inline(c) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if any(cells):
            rows.append(cells)
    if not rows or len(rows) > 25:
        return []
    text = " ".join(" ".join(r) for r in rows)
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    if letters < 2 * digits:
        return []
    return [" | ".join(c for c in r) for r in rows]


def caption_of(el: etree._Element, kind: str) -> list[str]:
    label = ws(el.findtext("label") or "")
    cap = el.find("caption")
    parts: list[str] = []
    if cap is not None:
        title = cap.find("title")
        if title is not None:
            parts.append(inline(title))
        for p in cap.findall("p"):
            t = inline(p)
            if t and not t.startswith("DOI:"):
                parts.append(t)
    if not parts:
        return []
    head = (label + " " if label else (kind + ". ")) + " ".join(parts)
    return [tidy(head)]


def render_block(e: etree._Element, out: list[str]) -> None:
    tag = e.tag
    if tag == "fig-group":
        figs = e.findall("fig")
        if figs:
            render_block(figs[0], out)  # the main figure; its supplements are dropped
        return
    if tag == "fig":
        out.extend(caption_of(e, "Figure"))
        return
    if tag == "table-wrap":
        out.extend(caption_of(e, "Table"))
        out.extend(table_rows(e))
        return
    if tag == "table-wrap-group":
        for tw in e.findall("table-wrap"):
            render_block(tw, out)
        return
    if tag == "list":
        for item in e.findall("list-item"):
            for c in item:
                if c.tag == "p":
                    render_p(c, out)
                elif c.tag == "list":
                    render_block(c, out)
        return
    if tag == "disp-formula":
        t = inline(e)
        if t:
            out.append(t)
        return
    if tag in ("boxed-text", "disp-quote", "statement"):
        text = ws("".join(e.itertext()))
        if text.startswith("Related research article"):
            return
        for c in e:
            render_any(c, out)
        return


def render_p(p: etree._Element, out: list[str]) -> None:
    t = inline(p)
    if t and not re.match(r"DOI: ?https?://", t):
        out.append(t)
    for c in p:
        if isinstance(c.tag, str) and c.tag in BLOCKS:
            render_block(c, out)


def render_any(e: etree._Element, out: list[str]) -> None:
    if not isinstance(e.tag, str) or e.tag in SKIP:
        return
    if e.tag == "sec":
        render_sec(e, out)
    elif e.tag == "p":
        render_p(e, out)
    elif e.tag == "title":
        t = inline(e)
        if t:
            out.append("\n" + t)
    elif e.tag in BLOCKS:
        render_block(e, out)
    elif e.tag == "caption":
        for c in e:
            render_any(c, out)


def render_sec(sec: etree._Element, out: list[str]) -> None:
    if sec.get("sec-type") == "supplementary-material" or ws(sec.findtext("title") or "") == "Supporting Information":
        return
    for c in sec:
        if c.tag == "label":
            continue
        render_any(c, out)


def meta(root: etree._Element) -> dict:
    am = root.find("front/article-meta")
    jm = root.find("front/journal-meta")
    title = inline(am.find("title-group/article-title"))
    authors: list[str] = []
    surnames: list[str] = []
    for c in am.findall("contrib-group/contrib"):
        if c.get("contrib-type") != "author":
            continue
        if c.find("collab") is not None:
            authors.append(inline(c.find("collab")))
            surnames.append(authors[-1])
        else:
            given = ws(c.findtext("name/given-names") or "")
            sur = ws(c.findtext("name/surname") or "")
            suffix = ws(c.findtext("name/suffix") or "")
            authors.append(" ".join(x for x in (given, sur, suffix) if x))
            surnames.append(sur)
    journal = ws(jm.findtext(".//journal-title") or "")
    year = ""
    for pd in am.findall("pub-date"):
        if pd.get("pub-type") in ("epub", None) or pd.get("date-type") == "pub":
            year = pd.findtext("year") or year
            if year:
                break
    year = year or am.findtext("pub-date/year")
    ids = {a.get("pub-id-type"): ws(a.text or "") for a in am.findall("article-id")}
    lic = am.find("permissions/license")
    lic_url = lic.get(XLINK + "href", "") if lic is not None else ""
    lic_text = ws("".join(lic.itertext())) if lic is not None else ""
    return {
        "title": title,
        "authors": authors,
        "first_author": surnames[0] if surnames else "",
        "journal": journal,
        "year": year,
        "doi": ids.get("doi", ""),
        "pmcid": ids.get("pmc", ""),
        "license_url": lic_url,
        "license_text": lic_text,
        "article_type": root.get("article-type", ""),
    }


def convert(xml: bytes) -> tuple[str, dict]:
    root = etree.fromstring(xml)
    m = meta(root)
    am = root.find("front/article-meta")
    lines = [
        m["title"],
        "Authors: " + ", ".join(m["authors"]),
        f"{m['journal']}, {m['year']}. DOI: {m['doi']}" + (f". PMCID: {m['pmcid']}" if m["pmcid"] else ""),
        "",
    ]
    body: list[str] = []
    for ab in am.findall("abstract"):
        kind = ab.get("abstract-type")
        if kind in (None, "", "summary"):
            body.append("\nAbstract")
        elif kind == "executive-summary":
            body.append("\n" + (inline(ab.find("title")) if ab.find("title") is not None else "Author summary"))
        else:
            continue
        for c in ab:
            if c.tag == "title":
                continue
            render_any(c, body)
    b = root.find("body")
    if b is not None:
        for c in b:
            render_any(c, body)
    text = "\n".join(lines)
    paras: list[str] = []
    for chunk in body:
        if chunk.startswith("\n"):
            paras.append(("HEAD", chunk.strip()))
        else:
            paras.append(("P", chunk))
    out: list[str] = []
    for _kind, t in paras:
        if not t:
            continue
        out.append(t)
    text = text + "\n" + "\n\n".join(out) + "\n"
    return text, m


def git_show(src: dict, path: str) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", src["git"], "show", f"{src['commit']}:{path}"], check=True, capture_output=True
    ).stdout


def write_set(articles: dict[str, tuple[dict, str]], here: Path) -> None:
    """Convert each article into `here`/docs/<id>.txt and list their metadata and provenance in sources.json
    (the HIV, influenza and tuberculosis sets call this with their own article lists)."""
    (here / "docs").mkdir(exist_ok=True)
    sources = []
    for doc_id, (src, path) in articles.items():
        text, m = convert(git_show(src, path))
        (here / "docs" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        sources.append({"file": f"docs/{doc_id}.txt", **m, "repo": src["repo"], "commit": src["commit"], "path": path,
                        "words": len(text.split())})
        print(f"{doc_id}: {m.get('year', '')} {len(text.split())} words", file=sys.stderr)
    (here / "sources.json").write_text(json.dumps(sources, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> int:
    write_set(ARTICLES, HERE)
    return 0

if __name__ == "__main__":
    sys.exit(main())
