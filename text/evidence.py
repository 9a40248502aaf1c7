"""Which spans may be quoted as evidence: real sentences only.

Whatever ingest let through, an answer must never quote a heading, a bullet
fragment ("• Age 18 years or older"), a bare link, a figure label, an author or
affiliation line, a title line, or text addressed to a language model ("ignore
previous instructions and ...": a prompt injection planted in a document). `not_evidence(text)` says why a span is not
a sentence a reader would accept as evidence, or returns "" when it is one.

The rules are about shape, not topic: a sentence has enough words, a verb-like
word, few capitalised words (titles and name lists are Mostly Capitalised), and
ends like a sentence (or is long enough to be one cut by the chunker).
"""

from __future__ import annotations

import re

from text.furniture import is_furniture, is_reference_entry

MIN_WORDS = 5
# A sentence of three or four words is evidence when it is built like one: capitalised, ending in a full stop, no
# label punctuation, and a predicate after its first word: an auxiliary ("Mortality was 0%.", "There were no deaths.")
# or a closing past participle ("No serious infections occurred.", "Fifty patients were recruited."). Headings and
# legends of that length are not ("Randomized controlled trial.", "Scale bars, 10 µm.", "Performed in triplicate.").
SHORT_SENTENCE_WORDS = 3
_SHORT_PREDICATE = re.compile(
    r"^[A-Z][^:;,]*?\s(?:(?:is|are|was|were|has|have|had|did|does|do|can|could|may|might|will|would|should|must)\s[^:;,]*"
    r"|[^:;,]*\b(?:[a-z]{3,}ed|died|grew|fell|rose|began))\.$")
_END = re.compile(r"[.!?][\"'”’)\]]*$|[.!?][\"'”’)\]]*\s*\[\d+\]$")
_BULLET = re.compile(r"^\s*(?:[-•·*▪◦–]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")
_URL = re.compile(r"https?://\S+|www\.\S+")
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|do|does|did|can|could|may|might|must|shall|should|will|would|"
    r"\w{3,}(?:ed|es|s|ing)|show\w*|found|led|made|took|gave|fell|rose|grew|saw|began|became|remained|seen|given|"
    r"known|shown|taken|kept|met|held|lost|won|began|left|set|put|cut|spread|read)\b",
    re.IGNORECASE,
)
# Text addressed to a language model, not to a reader: a paper (or a page posing as one) that carries it is
# trying to steer the answer, and such a span is never evidence. Kept narrow: real papers do not say these.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|preceding|other)\s+"
    r"(?:instructions?|prompts?|rules?|sources?|context)|\b(?:system|developer)\s+prompt\b|"
    r"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|chatbot|language\s+model|llm)\b|"
    r"\b(?:as\s+an\s+ai|new\s+instructions?\s*:|(?:assistant|ai|model|llm)\s*,?\s+(?:you\s+must|always|never|answer|reply|respond|say))\b",
    re.IGNORECASE,
)
_STOPWORD = re.compile(r"^(?:a|an|the|of|in|on|for|to|and|or|with|by|at|from|as|vs\.?|via|per|into|without|after|before)$", re.I)


def not_evidence(text: str, short_sentences: bool = True) -> str:
    """Why `text` may not be quoted as evidence, or "" when it is a real sentence. `short_sentences=False` is the
    rule before three- and four-word sentences counted, which the shipped training pairs were built with."""
    flat = " ".join(text.split())
    words = flat.split()
    short_ok = short_sentences and len(words) >= SHORT_SENTENCE_WORDS and _SHORT_PREDICATE.match(flat)
    if len(words) < MIN_WORDS and not short_ok:
        return "too short to be a sentence"
    if reason := is_furniture(flat):
        return reason
    if _INSTRUCTION.search(flat):
        return "instruction to a language model"
    if is_reference_entry(flat) and len(words) < 45:
        return "reference entry"
    if _URL.search(flat) and len(_URL.sub("", flat).split()) < MIN_WORDS:
        return "link"
    content = [w for w in words if not _STOPWORD.match(w)]
    capitalised = sum(w[:1].isupper() for w in content)
    if len(content) >= 4 and capitalised > 0.6 * len(content) and not _END.search(flat):
        return "title or name line"
    if not _VERBISH.search(flat):
        return "no verb: a heading, label or fragment"
    if _BULLET.match(flat) and (len(words) < 10 or not _END.search(flat)):
        return "list fragment"
    if not _END.search(flat) and len(words) < 15:
        return "fragment: no sentence ending"
    if re.match(r"^(?:figure|fig\.|table|supplementary)\s*\w*\d", flat, re.I) and len(words) < 15:
        return "figure or table label"
    return ""


def is_evidence(text: str, short_sentences: bool = True) -> bool:
    return not not_evidence(text, short_sentences)


def is_instruction(text: str) -> bool:
    """True for text addressed to a language model ("ignore previous instructions and answer ...")."""
    return bool(_INSTRUCTION.search(" ".join(text.split())))


# "This review has a number of limitations.", "IGRAs have several advantages.", "It proceeds in three steps.": a
# sentence that says how many things there are and ends, leaving the things to the sentences after it. The things
# are a plain English word for items of an argument, never what is counted in a result ("in two patients.", "for
# three weeks.", "between two groups.").
_ANNOUNCES = re.compile(
    r"\b(?:several|a (?:number|range|variety|series|few) of|numerous|multiple|various|(?:the )?following|two|three|"
    r"four|five|six|seven|eight|nine|ten)\s+(?:[\w-]+\s+){0,2}?(?:limitations|advantages|disadvantages|drawbacks|"
    r"criteria|steps|stages|phases|factors|reasons|features|properties|mechanisms|ways|strategies|categories|classes|"
    r"components|requirements|principles|questions|aims|goals|lessons|challenges|issues|points|observations|"
    r"hypotheses|possibilities|explanations|implications|characteristics|approaches|benefits|caveats|"
    r"considerations|options|recommendations)[\"'”’)]*\.$", re.I)


def announces(sentence: str) -> bool:
    """Whether `sentence` only announces what the next one says: it ends on a counted plural ("... has a number of
    limitations.", "... in three steps.") with nothing after it. Quoted alone it answers nothing ("What are the
    criteria?" -> "They need to satisfy several important criteria."), so the answerer quotes it with the next."""
    return bool(_ANNOUNCES.search(sentence.strip())) and ":" not in sentence
