"""Page furniture: lines of a saved web page or paper that are not the paper's prose.

`is_furniture(line)` names why a line (or a short block) is furniture, or
returns "". It is applied to every block of every format (`ingest.blocks`),
and line by line to text saved from a browser (`ingest.webtext`). The rules
were written from real pages (PMC and PubMed article pages, publisher and
news pages, Wikipedia): navigation and site chrome, share/cookie/subscribe
text, bare links and link-only lines, author and affiliation lines, e-mail
and correspondence lines, article dates, licence and copyright notes.

A rule must never fire on a sentence of prose: every rule requires the line
to be short, or to *start* with its marker, or to be made of nothing but
names, links or a marker. `ingest.loaders` still guards against an
over-eager rule: if cleaning removes most of a file's prose, the uncleaned
text is kept with a note (nothing is lost silently).
"""

from __future__ import annotations

import re

# Lines of a copied PubMed abstract page that are its chrome, not the paper.
PUBMED_CHROME = re.compile(
    r"^(?:Send to:?|Choose Destination|See comment in PubMed Commons below|Author information|Comment in|"
    r"Comment on|\[PubMed(?: - [^\]]*)?\]|PubMed Commons(?: home)?|How to join PubMed Commons|Supplemental Content|"
    r"Full text links|Icon for .*|Loading \.\.\.|Write to the Help Desk|Similar articles|See all similar articles|"
    r"Cited by .*|MeSH terms|Substances|LinkOut - more resources|Publication types|Display Settings:?.*|"
    r"Format: .*|Abstract|Free PMC Article|Free full text|Save items|Add to Favorites|Related information|"
    r"Recent Activity|Turn Off|Clear|Your browsing activity is empty\.|Activity recording is turned off\.|"
    r"See reply in PubMed Commons below|Erratum in|Collapse Section|Expand Section|PMID:.*|PMCID:.*|DOI:.*|"
    r"Copyright .*|©.*|Free PMC article\.?|KEYWORDS:?.*|\[Indexed for MEDLINE\]|Format: .*|Send to)\s*$",
    re.IGNORECASE,
)

# Whole lines of site chrome (compared case-insensitively, after trimming bullets and punctuation).
_CHROME_LINES = frozenset(
    """skip to main content|skip to content|skip to main page content|skip navigation|main menu|menu|navigation|
    search|search in pmc|search pmc full-text archive|advanced search|user guide|journal list|author manuscripts|
    log in|login|sign in|sign up|register|subscribe|subscribe now|share|share this|share on facebook|share on twitter|
    share on linkedin|facebook|twitter|x|linkedin|email|e-mail|print|cite|citation|download|download pdf|pdf|view pdf|
    pdf (pdf)|full text|full text links|view full text|article|articles|back to top|top|go to:|open in a new tab|
    open in new tab|next|previous|home|about|about us|contact|contact us|help|faq|permissions|reprints|
    rights and permissions|related articles|similar articles|see all similar articles|cited by|references|
    article notes|article information|author information|copyright and license information|pmc disclaimer|
    pmc copyright notice|collapse section|expand section|actions|add to collections|add to my bibliography|
    create a new collection|save|save items|add to favorites|permalink|copy|display options|
    figures|tables|figures & tables|supplementary materials|supplementary material|associated data|
    data availability statement|view article|view abstract|abstract|full-text|metrics|altmetric|google scholar|
    pubmed|crossref|scopus|web of science|find articles by|accept|accept all|reject all|manage cookies|
    cookie settings|cookie policy|privacy policy|terms of use|terms and conditions|accessibility|sitemap|
    advertisement|advertise|skip ad|loading|loading ...|show more|show less|read more|learn more|
    here's how you know|an official website of the united states government|official websites use .gov|
    secure .gov websites use https|an official website of the united states government here's how you know|
    this article has been cited by other articles in pmc|other formats|in this article|on this page|contents|
    table of contents|outline|close|open|more|edit|listen|view|reuse|request permissions|free pmc article|
    print this page|print article|download article|download citation|export citation|go to|indexed for medline|
    view in pubmed|view on publisher site|publisher site|similar articles in pubmed|
    free full text|recent activity|turn off|clear|your browsing activity is empty|
    activity recording is turned off|turn recording back on|see more""".split("|")
)
_CHROME_LINES = frozenset(" ".join(s.split()) for s in _CHROME_LINES)

# Lines that start with a marker of furniture. Strong markers stand alone; weak ones ("Received",
# "Keywords", "Funding") also begin prose ("Received doses were ..."), so they count only before ':' or a date.
_STRONG_MARKER = (
    r"corresponding author|correspondence to|\*?correspondence:|address (?:correspondence|reprint requests)|"
    r"this is an open[- ]access article|this article is (?:an open access article|distributed under)|"
    r"copyright ©|copyright \(c\)|copyright \d{4}|©|\(c\) \d{4}|all rights reserved|"
    r"share (?:this|on)|follow us on|sign up for|subscribe to|we use cookies|this (?:web)?site uses cookies|"
    r"by continuing to (?:use|browse)|a \.gov website belongs to|share sensitive information only|"
    r"an official website of|author manuscript|published in final edited form as|"
    r"the publisher's (?:final edited )?version of this article|as a library, nlm provides|learn more: pmc|"
    r"find articles by|for other uses, see|this article is about|not to be confused with|[^.]{0,80} redirects? here|"
    r"jump to (?:navigation|search)|from wikipedia, the free encyclopedia|retrieved from|this page was last edited|"
    r"(?:hidden )?categories:|cite this article|how to cite this|download citation|open in a separate window"
)
_WEAK_MARKER = (
    r"received|accepted|revised|published(?: online)?|first published|issue date|available online|e-?mail(?: address)?|"
    r"orcid|keywords?|key words|abbreviations|author contributions?|funding(?: information)?|conflicts? of interest|"
    r"competing interests?|disclosures?|acknowledge?ments?|doi|pmid|pmcid|nihmsid|issn|e-issn|volume|vol\.|"
    r"article number|academic editor|edited by|reviewed by|citation|licen[cs]e"
)
_MARKER_LINE = re.compile(
    rf"^\W{{0,3}}(?:(?:{_STRONG_MARKER})|(?:{_WEAK_MARKER})(?:\s*[:：]|\s+\d|\s+(?:on|in|by)?\s*\d))",
    re.IGNORECASE,
)
# Markers that only count on a short line: "Received 3 May 2020; accepted 9 June" yes, a long sentence starting
# with "Funding was provided ..." too, but "Copyright" inside a sentence-length paragraph of prose no.
_MARKER_MAX_WORDS = 60

_BREADCRUMB = re.compile(r"^[^.!?]{1,40}(?:\s+[›»>/]\s+[^.!?]{1,60}){1,5}$")
_BYLINE = re.compile(r"^(?:by|written by|posted by|reviewed by)\s+[A-Z]", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+@[\w-]+\.[\w.]+\b")
_AFFILIATION = re.compile(
    r"^(?:[\d*†‡§¶#a-z]{1,3}[,.]?\s*)?(?:(?:the |[A-Z][\w'’.-]+ ){0,3}(?:department|division|faculty|school|institute|"
    r"laboratory|laboratories|center|centre|hospital|university|universit[àéä]|college|unit|clinic|program|"
    r"graduate school|research center|medical center|academy)\b)",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"^(?:[A-Z][a-zà-ÿ'’-]+|[A-Z]\.?|[A-Z][a-z]?[A-Z]?)(?:[ -](?:[A-Z][a-zà-ÿ'’-]+|[A-Z]\.?|(?:de|da|van|von|der|le|la|del)))"
    r"{0,4}[\s\d,.*†‡§¶#∗]*$"
)
_REFERENCE_HEADINGS = re.compile(
    r"^(?:\d+\.?\s*)?(?:references?(?: and notes)?|bibliography|literature cited|works cited|citations|notes|"
    r"footnotes|sources|external links|further reading|see also|similar articles|related articles|cited by|"
    r"associated data|supplementary materials?|"
    r"acknowledge?ments?|funding|author contributions?|conflicts? of interest|competing interests?|"
    r"disclosures?|ethics statement|data availability(?: statement)?|related (?:pages|content|links|stories|topics)|"
    r"more (?:from|on|in) .{1,40}|you may also like|recommended(?: for you| reading)?|read next|most read|trending|"
    r"popular|latest news|in this issue|comments?|leave a (?:comment|reply))\s*:?$",
    re.IGNORECASE,
)
_BIBLIOGRAPHY = re.compile(r"^(?:\d+\.?\s*)?(?:references?|bibliography|literature cited|works cited|notes|footnotes)\s*:?$", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")


def words(text: str) -> int:
    return len(text.split())


def is_reference_heading(heading: str) -> bool:
    """A heading whose section is back matter, not the paper's argument (references, funding, links)."""
    return bool(_REFERENCE_HEADINGS.match(heading.strip().rstrip(".")))


def _author_list(line: str) -> bool:
    """"John H Stone1,3, Wen Zhang2 and Emanuel Della-Torre" - three or more names and nothing else."""
    parts = [p.strip() for p in re.split(r",\s*|;\s*|\s+and\s+|\s+&\s+|\s*•\s*", line) if p.strip()]
    parts = [p for p in parts if not re.fullmatch(r"[\d*†‡§¶#∗,\s]+", p)]
    if len(parts) < 3:
        return False
    names = sum(bool(_NAME.match(p)) and len(p.split()) <= 5 for p in parts)
    return names >= 0.8 * len(parts)


def is_furniture(line: str) -> str:
    """Why `line` (a line or short block) is furniture, or "" when it may be prose."""
    text = " ".join(line.split())
    if not text:
        return ""
    bare = text.strip(" •·*-–—|>:").lower()
    if bare in _CHROME_LINES or PUBMED_CHROME.match(text) or re.fullmatch(r"(?:page )?\d{1,4}(?: of \d{1,4})?", bare):
        return "navigation or page chrome"
    if re.fullmatch(r"\[?(?:pmc\d+|nihms\d+|indexed for medline)\]?", bare) or _BREADCRUMB.match(text):
        return "navigation or page chrome"
    if _BYLINE.match(text) and words(text) <= 12:
        return "byline"
    if text.count(" | ") >= 2 or re.fullmatch(r"\|?(?:[^|]+\|){2,}[^|]*\|?", text):
        return "table row"
    n = words(text)
    without_urls = _URL.sub(" ", text)
    if _URL.search(text) and words(without_urls) <= 12 and not _SENTENCE_END.search(without_urls.strip()):
        return "link or e-mail line"
    if n <= _MARKER_MAX_WORDS and _MARKER_LINE.match(text):
        return "article metadata, licence or site notice"
    if n <= 60 and _AFFILIATION.match(text) and not _looks_like_prose(text):
        return "affiliation"
    if n <= 80 and _author_list(text):
        return "author list"
    return ""


def _looks_like_prose(text: str) -> bool:
    """A sentence with a verb-like word and an ending: 'Patients were treated at ... Hospital.'"""
    if not _SENTENCE_END.search(text):
        return False
    return bool(re.search(r"\b(?:is|are|was|were|has|have|had|be|been|showed?|found|treated|received|"
                          r"reported|developed|presented|underwent|included|enrolled|\w+ed)\b", text))


_REFERENCE_START = re.compile(r"^\s*(?:\^|\[\d+\]|\d{1,3}\.?\s+[A-Z][\w'’-]+,? (?:[A-Z]{1,3}\b|[A-Z][a-z]+,))")
_REFERENCE_SIGNS = re.compile(
    r"\b(?:doi|isbn|issn|pp\.|retrieved|archived|pmid|google scholar|crossref)\b|"
    r"\b(?:19|20)\d{2};\s*\d+(?:\(\d+\))?:\s*\d+",
    re.IGNORECASE,
)


def is_reference_entry(line: str) -> bool:
    """A bibliography entry: numbered and author-led, or short and full of citation signs."""
    return bool(_REFERENCE_START.match(line)) or (words(line) < 45 and bool(_REFERENCE_SIGNS.search(line)))


def prose_words(text: str) -> int:
    """Words in sentence-like lines that are not reference entries: the part of a file that must survive cleaning."""
    total = 0
    for line in text.splitlines():
        line = " ".join(line.split())
        n = words(line)
        if n >= 10 and _SENTENCE_END.search(line) and not is_reference_entry(line):
            capitals = sum(w[:1].isupper() for w in line.split())
            if capitals < 0.5 * n:
                total += n
    return total


def strip_furniture_lines(text: str) -> tuple[str, dict[str, int]]:
    """Drop furniture lines of text saved from a browser; (text, what was dropped: reason -> lines).

    A line is only judged when it stands alone: the line before it ends a
    sentence (or is blank) and the next does not continue it in lower case,
    so a hard-wrapped sentence never loses a fragment. A "References" line
    followed by reference entries ends the text.
    """
    lines = text.splitlines()
    kept: list[str] = []
    dropped: dict[str, int] = {}
    for i, line in enumerate(lines):
        stripped = line.strip()
        prev = kept[-1].strip() if kept else ""
        nxt = next((x.strip() for x in lines[i + 1:] if x.strip()), "")
        stands_alone = (not prev or _SENTENCE_END.search(prev) or not kept or prev.endswith(":")
                        or not lines[i - 1].strip()) and not re.match(r"[a-z]", nxt[:1])
        if stripped and _BIBLIOGRAPHY.match(stripped) and _references_follow(lines[i + 1:]):
            dropped["reference list"] = dropped.get("reference list", 0) + sum(bool(x.strip()) for x in lines[i:])
            break
        reason = is_furniture(stripped) if stripped and stands_alone else ""
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        kept.append(line)
    return "\n".join(kept), dropped


def _references_follow(lines: list[str]) -> bool:
    entries = [x.strip() for x in lines if x.strip()][:12]
    return bool(entries) and sum(is_reference_entry(x) or bool(is_furniture(x)) for x in entries) >= 0.5 * len(entries)
