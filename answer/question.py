"""What a question asks for, read offline: its answer type, the quantity it wants, its class and its focus entities.

- `answer_type`: "list" (which biologics ...), "number" (what dose, what share,
  how many, how long), "yesno" (does/is/was ...), "mechanism" (how does ...
  work, what is ..., why ...), or "other".
- `quantity`: for numbers, the kind that must appear in the quote: dose (a
  unit), share (% or "n of N"), count, measure (a measured value named by
  the question: efficacy, resolution, IC50, relative risk, a level ...),
  route ("how is it given?": a route such as "intramuscularly", or a dose),
  duration, frequency, cost.
- `asked_class`: for lists, the entity class named ("biologic", "drug",
  "cytokine", "cell", "organ"; `text.concepts`).
- `focus`: the specific names the question is about (drugs, cytokines,
  markers, genes, trial acronyms, cell types), each with its kind. A name
  no evidence unit contains is what the answer must say is missing.
- `attribute`: the measured thing a "what is the X of Y?" / "how many X ...?"
  question asks for ("melting temperature", "vir genes"), when it is a
  specific word: a quote that does not name it does not state it (`asked_attribute`).

Rules, not a model: these are the forms clinicians' questions take, and each
rule is tested on questions written in users' words (`tests/answer/test_question.py`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from text.concepts import NAMED_ENTITY, question_class
from text.drugs import find_drugs
from text.numbers import FRACTION_WORD, NUMBER_WORD
from text.tokens import tokenize

_YESNO = re.compile(r"^(?:is|are|was|were|do|does|did|can|could|should|has|have|had|will|would|may|might|must)\b", re.I)
_LIST = re.compile(r"^(?:which|what|name|list)\b|\bwhich\s+(?:\w+\s+){0,2}(?:\w+s)\b", re.I)
# a cause asked for ("what determines how sensitive a cell line is to X?"): not a number, not a list of cells
_ASKS_CAUSE = re.compile(r"^(?:why|what\s+(?:determines|decides|explains|governs))\b", re.I)
_MECHANISM = re.compile(
    r"^(?:how\s+(?:does|do|did|is|are|can)\b(?!.*\b(?:many|much|long|often)\b)|why\b|what\s+(?:is|are)\s+(?:the\s+)?"
    r"(?:mechanism|role|function|target|mode|pathogenesis|cause)|what\s+(?:does|do|did)\s+(?:\S+\s+){1,5}?(?:do|target|block|bind|neutrali[sz]e|inhibit|act on|affect|mean|cause)|"
    r"what\s+(?:is|are)\s+(?!the\s+(?:dose|number|rate|share|proportion|percentage))\w+)",
    re.I,
)
# names of measured values, any field's: what a number question may ask for without "how many"
_MEASURE = (r"(?:level|concentration|score|threshold|cut-?off|value|sensitivity|specificity|resolution|"
            r"pH|temperature|[il][cd]50|ec50|ic90|(?:relative|absolute|attributable) risk|(?:odds|hazard|risk|rate) ratio|"
            r"(?:protective\s+)?efficacy|effectiveness|half-life|titre|titer)")
_QUANTITY = [
    # the cost is what is asked ("how much does X cost?", "what is the price of ...?", "up to what price ...?",
    # "cost of X per child?"), not a word of its description ("the tool that projects impact and cost of ...")
    ("cost", re.compile(r"\bhow much\b.*\b(?:cost|costs|spend|spent|pay|paid|charge)\b|\bhow much (?:money|funding)\b|"
                        r"\bhow expensive\b|\b(?:what|which)\s+(?:(?:is|was|are|were)\s+)?(?:the\s+|its\s+|their\s+|\S+'s\s+)?"
                        r"(?:\S+\s+)?(?:cost|costs|price|prices|expense|expenses)\b|"
                        r"^(?!how\b|why\b)(?:\S+\s+){0,2}(?:cost|costs|price|prices|expense|expenses)\b", re.I)),
    ("frequency", re.compile(r"\bhow (?:often|frequently)\b.*\b(?:given|taken|administered|dosed|infused|injected|repeated|"
                             r"scheduled|used)\b|\bat what interval|\bdosing interval|\bhow often should\b", re.I)),
    # "regimen" only as what is asked ("what regimen ...?"): "how many patients were enrolled on the Bangladesh
    # regimen?" counts patients, "... regimen is based on which fluoroquinolone?" asks for a drug
    ("dose", re.compile(r"\b(?:(?:dose|doses|dosage|dosing)(?!-(?:dependent|dependently|response|related))|how much\b.*\b(?:given|give|administered|take)|what amount|how many mg|"
                        r"(?:what|which)\s+(?:[\w-]+\s+){0,2}regimens?)\b|\bhow (?:is|are|was|were) \S+(?: \S+)? dosed\b", re.I)),
    # "how is the vaccine administered?" is answered by a route ("intramuscularly") or a dose ("300 mg"), either
    ("route", re.compile(r"\bhow (?:is|are|was|were) \S+(?: \S+)? (?:given|administered|taken|infused|injected|delivered)\b|"
                         r"\b(?:what|which|by what)\s+routes?\b|\broutes? of (?:administration|delivery)\b", re.I)),
    ("share", re.compile(r"\b(?:what|which)\s+(?:share|proportion|percentage|percent|fraction)|\bhow many of (?:the|them|these|those)\b|\bhow common|\bwhat (?:rate|response rate|ratio)|\bwhat % |\bhow (?:often|frequently|common|commonly|accurate|reliable|sensitive|specific)\b|\b(?:incidence|prevalence|response rate|remission rate|relapse rate)\b|"
                         r"\b(?:case[- ]fatality|fatality|mortality|death|survival|cure|attack|positivity) (?:rate|ratio|risk)\b", re.I)),
    ("duration", re.compile(r"\b(?:incubation|latent|infectious) period\b|\bserial interval\b|"
                            r"\b(?:doubling|generation|recovery|survival) time\b|\bhow (?:soon|quickly|fast) after\b|\bhow long\b|\bfor how many (?:days|weeks|months|years)\b|\bduration\b|\bhow many (?:days|weeks|months|years)\b|\bhow soon\b|\bafter how\b", re.I)),
    ("count", re.compile(r"\bhow many\b|\bsample size\b|\bnumber of\b|\bwhat (?:age|population|size)\b|\bwhat is the (?:population|size|number)\b|\bhow old\b|\bpoints?\b.*\bneeded", re.I)),
    # a measured value, which may be a percentage ("how much did it fall?", "overall protective efficacy of monthly
    # IPTc?", "what resolution did they get?", "relative risk of parasitemia ...?"): the measure's name comes right
    # after what/which (one modifier at most: "which residue sets substrate specificity?" asks for a residue) or
    # among the first three words of a question that does not start with how/why
    ("measure", re.compile(rf"\bhow much\b|\bhow (?:high|large|far|big|fast|deep|wide|heavy|low|small)\b|"
                           rf"\bwhat is the (?:median|mean|average)\b|\b(?:on|at|by|from|until)\s+(?:what|which)\s+day\b|"
                           rf"^(?:(?:what|which)\s+(?:(?:is|was|are|were)\s+)?(?:the\s+|its\s+|their\s+|\S+'s\s+)?(?:\S+\s+)?|"
                           rf"(?!how\b|why\b)(?:\S+\s+){{0,2}}){_MEASURE}\b", re.I)),
]
# Specific names: the shared biomedical pattern, trial acronyms (MITIGATE), and drug-like words the pattern misses.
_FOCUS = re.compile(
    rf"\b(?:{NAMED_ENTITY})\b|\b[A-Z][A-Z0-9-]{{3,}}\b|\b[A-Za-z]{{4,}}(?:mab|cept|nib|limus|mide|kinra|stim|umab|izumab|tinib|ciclib)\b|"
    r"\b(?:[A-Z][a-z]{3,}(?:ine|ide|ate|one|ol|il|an|in|ab|ib))\b"
)
_NOT_FOCUS = re.compile(
    r"^(?:IgG4|IgG|IgE|IgM|IgA|IGG4|DOES|WHAT|WHICH|WITH|FROM|THAT|THIS|HOW|AND|THE|Which|What|When|Where|Does|Were|"
    r"Have|Were|Will|Could|Should|Would|Then|Than|Also|Only|Patients?|Disease|Protein|Medicine|Vitamin|Insulin|"
    r"Between|Within|Given|Among|Again|Common|Main|Major|Role|Line|Done|Gone|Alone|None|Someone|Anyone|Everyone|"
    r"Online|Baseline|Guideline|Outline|Decline|Routine|Vaccine|Machine|Examine|Determine|Define|Combine|Combination|"
    r"Japan|Italian|Indian|Korean|Russian|American|European|African|Asian|Brazilian|Canadian|Sudan|Jordan|Iran|Oman|"
    r"Lille|Titan|Human|Woman|Roman|German|Latin|Begin|Within|Obtain|Contain|Explain|Remain|Certain|Again)$"
)
_KIND = [
    ("cytokine", re.compile(r"^(?:IL-\d|TNF|IFN|TGF|BAFF)", re.I)),
    ("marker", re.compile(r"^CD\d", re.I)),
    ("immunoglobulin", re.compile(r"^Ig[AGEM]", re.I)),
    ("trial or acronym", re.compile(r"^[A-Z]{3,}[A-Z0-9-]*$")),
    ("drug", re.compile(r"(?:mab|cept|nib|limus|mide|kinra|stim)$|(?:ine|ide|ate|one)$", re.I)),
]


@dataclass
class Focus:
    text: str
    kind: str
    generic: str = ""  # a brand's generic name ("Dupixent" -> "dupilumab"), which papers use instead


@dataclass
class QuestionAnalysis:
    answer_type: str
    quantity: str = ""
    asked_class: str = ""
    focus: list[Focus] = field(default_factory=list)
    attribute: str = ""  # "melting temperature" in "What is the melting temperature of PfRh5?" (`asked_attribute`)
    attribute_of: str = ""  # ... and what it is asked of: "PfRh5?"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _focus(question: str) -> list[Focus]:
    found: dict[str, Focus] = {}
    for m in _FOCUS.finditer(question):
        name = m.group(0)
        if _NOT_FOCUS.match(name) or name.lower() in found:
            continue
        kind = next((k for k, pattern in _KIND if pattern.search(name)), "name")
        found[name.lower()] = Focus(name, kind)
    # any medicine the dictionary knows, however it is written ("does methotrexate help?", "is Dupixent safe?")
    for start, end, generic in find_drugs(question):
        name = question[start:end]
        if not _NOT_FOCUS.match(name):
            found[name.lower()] = Focus(name, "drug", generic if generic != name.lower() else "")
    order = {name: question.lower().find(name) for name in found}
    return sorted(found.values(), key=lambda f: order[f.text.lower()])


_PROPER = re.compile(r"(?<=[\w,;:(] )[A-Z][a-z]{2,}(?:[ -][A-Z][a-z]+)*\b")


def proper_names(question: str) -> list[str]:
    """Capitalised words inside the question ("the Bangladesh regimen", "at the Kilifi dispensary", "in Hong Kong"):
    places, studies and cohorts that a number asked of them must come from a paper about (`answer.extractive`).
    Not the first word, not names the focus patterns already take (acronyms, drugs), not question words."""
    core = _core(question)
    focus = {f.text.lower() for f in _focus(core)}
    return [m.group(0) for m in _PROPER.finditer(core)
            if m.group(0).lower() not in focus and not _NOT_FOCUS.match(m.group(0).split()[0])]


def _core(question: str) -> str:
    """The question with whitespace collapsed and a conversational opening dropped ("and which of them ...?")."""
    return re.sub(r"^(?:and|so|but|also|ok|okay|then|now)[,\s]+", "", " ".join(question.split()), flags=re.I)


# A setting put first ("in primary keratinocytes, is ...?", "among treated patients, how many ...?"): the question's
# form starts after its comma, when a question word or an auxiliary follows it.
_SETTING_FIRST = re.compile(r"^(?:in|for|among|at|after|before|during|with|without|on|under|when|if|once|following)\b"
                            r"[^,?]{1,80},\s*(?=(?:is|are|was|were|do|does|did|can|could|should|has|have|had|will|would|"
                            r"may|might|must|how|why|what|which|who|where|when)\b)", re.I)


def _form(question: str) -> str:
    """The part of a (core) question whose first words say its form: a setting put first is left out."""
    return _SETTING_FIRST.sub("", question, count=1)


def analyse(question: str) -> QuestionAnalysis:
    """The answer type, quantity kind, asked class, focus entities and asked attribute of `question`."""
    analysis = _analyse(question)
    analysis.attribute, analysis.attribute_of = asked_attribute(question)
    return analysis


def _analyse(question: str) -> QuestionAnalysis:
    q = " ".join(question.split()).strip()
    q_core = _form(_core(q))
    focus = _focus(_core(q))
    if _ASKS_CAUSE.match(q_core):
        return QuestionAnalysis("mechanism", focus=focus)
    quantity = next((kind for kind, pattern in _QUANTITY if pattern.search(q_core)), "")
    if quantity and not _YESNO.match(q_core):
        return QuestionAnalysis("number", quantity=quantity, focus=focus)
    if _YESNO.match(q_core):
        return QuestionAnalysis("yesno", focus=focus)
    cls = question_class(q_core)
    # "what do T follicular helper cells do ...?" names a class but asks what its members do
    if cls is not None and _LIST.search(q_core) and not asks_how_or_why(q_core):
        return QuestionAnalysis("list", asked_class=cls.name, focus=focus)
    if _MECHANISM.search(q_core):
        return QuestionAnalysis("mechanism", focus=focus)
    return QuestionAnalysis("other", focus=focus)


# "What is the X of/for/in Y?" (X up to three words), "How many X does/were ... ?" (up to two, then an auxiliary):
# X is what a quote must name. Short, so a verb phrase ("what is emetine normally used to treat?", "how many adults
# took part in ...?") is not read as one.
_ATTRIBUTE = [
    # one measure ("what is the half-life of ...?"); "what are the components / drawbacks of ...?" asks for members,
    # which a quote may list without the class word ("a motor protein (ParA), ... ParB and ... parS")
    re.compile(r"^(?:what(?:'s|\s+is|\s+was)|whats)\s+(?:the\s+|a\s+|an\s+)?"
               r"(?P<attr>[\w-]+(?:\s+[\w-]+){0,2}?)\s+(?:of|for|in)\s+(?P<subject>.*)", re.I),
    re.compile(r"^(?:roughly\s+|about\s+)?how\s+many\s+(?!of\b)(?P<attr>[\w-]+(?:\s+[\w-]+)?)\s+"
               r"(?:do|does|did|were|was|are|is|have|has|had|can|could|would|will)\b", re.I),
]
# Words that are not the asked thing itself: the quantity's frame (a rate, a share, a dose: the number's kind,
# `states_quantity`, checks those), who was counted (patients, participants ...), and generic heads a quote
# paraphrases ("the role of", "the effect of"). What is left is specific: "half-life", "melting temperature".
_NOT_ATTRIBUTE = frozenset(tokenize(
    "rate rates share proportion percentage percent fraction number amount level levels value values typical usual "
    "average mean median overall main best recommended dose doses dosage cost costs price duration length time times "
    "frequency patients patient people persons participants subjects individuals cases children adults kids "
    "role effect effects impact mechanism mechanisms cause causes function purpose aim goal difference relationship "
    "association link outcome outcomes prognosis treatment therapy therapies drug drugs medication medications "
    "management evidence risk risks benefit benefits "
    "significance importance mode way ways action source origin name type types kind kinds result results "
    "finding findings conclusion definition meaning "
    "counterpart counterparts equivalent homolog homologue ortholog orthologue analog analogue version form"))


def asked_attribute(question: str) -> tuple[str, str]:
    """(X, Y) of a "what is the X of Y?" question, or (X, "") of "how many X ...?": the specific thing asked to be
    measured or counted, and what it is asked of; ("", "") when X is not specific ("What is the melting temperature
    of PfRh5?" -> ("melting temperature", "PfRh5?"); "How many vir genes does P. vivax have?" -> ("vir genes", "");
    "What is the dose of rituximab?" -> ("", ""): a dose is checked by its unit instead).

    Why: on a question whose papers discuss its subject but never state the asked measure, the best quotes are
    about the subject ("PfRh5 binds basigin ...") and score like an answer; the hand-set score and the reader
    both let 77 % of 62 such questions through (`evals/near_topic/`). A quote that does not even name the measure does
    not state it."""
    q = _core(question)
    for pattern in _ATTRIBUTE:
        m = pattern.match(q)
        if m and any(t not in _NOT_ATTRIBUTE for t in tokenize(m.group("attr"))):
            return m.group("attr"), m.groupdict().get("subject") or ""
    return "", ""


def is_frame_word(word: str) -> bool:
    """A word naming the kind of answer asked for ("dose", "risk", "treatment", "patients"), not what it is about."""
    return all(t in _NOT_ATTRIBUTE for t in tokenize(word))


def attribute_terms(attribute: str) -> list[str]:
    """The tokens of an asked attribute (or its subject) that a quote must contain (frame words dropped)."""
    return [t for t in tokenize(attribute) if t not in _NOT_ATTRIBUTE]


# ("does" is not among them: "what domains does the CarD protein have?" asks for several domains)
_SINGULAR_NEXT = frozenset("is was has it this that these those them the a an".split())
_AUXILIARY = frozenset("is are was were do does did has have had can could may might will would should".split())


# words that end the kind asked: prepositions and articles, and the adverbs a question's verb comes after ("which
# marker best told ...", "which drug most often ...")
_KIND_STOP = frozenset("of in on at by for from to with within into among between than as and or the a an "
                       "best most least more less first last also still often only".split())


def asked_kind(question: str) -> list[str]:
    """The words naming the kind of thing a "which/what X ...?" question asks for: its first one or two words after
    which/what, up to an auxiliary, a preposition or a word a verb or adverb ends with ("which antigen looked most
    useful ...?" -> ["antigen"], "which mechanosensory channel in enteric neurons ...?" -> ["mechanosensory",
    "channel"], "which kinase phosphorylates it?" -> ["kinase"], "what is ...?" -> []). A paper names the answer
    next to its kind ("AlaDH antigen", "the kinase ZAK"): `direct.typed_name`."""
    # an organism's binomial says what the thing asked is of: "which P. falciparum isolate ...?" -> ["isolate"]
    m = re.search(r"\b(?:which|what)\s+(?:[A-Z]\.\s*[a-z]+\s+)?(.*)", _core(question), re.I)
    if not m:
        return []
    kind = []
    for i, word in enumerate(re.findall(r"[\w'-]+", m.group(1))[:2]):
        w = word.lower()
        # a second word ending in -s is more often the verb ("which kinase phosphorylates ...")
        verb_like = w.endswith(("ed", "ly", "ing") + (("s",) if i else ())) and len(w) > 4
        if w in _AUXILIARY or w in _KIND_STOP or verb_like:
            break
        kind.append(w)
    return kind


_HOW_OR_WHY = re.compile(r"(?:how|why)\b|what\s+(?:do|does|did)\b.*\bdo\b", re.I)


def asks_how_or_why(question: str) -> bool:
    """A question whose answer is an explanation, not a phrase: "how/why ...", "what do X cells do ...?". Its
    answer has no short span to lead with ("What does inebilizumab target?" does: "CD19")."""
    q = _core(question)
    return bool(_HOW_OR_WHY.match(q))


# "how" asking how something happens, not how much of it: "how does ...", not "how many/long/often ..." (also the
# reader's training kind "howwhy", train.reader)
HOW_NOT_QUANTITY = (r"how\b(?!\s+(?:many|much|long|old|far|often|large|big|tall|high|early|late|soon|fast|deep|wide|"
                    r"heavy|frequently|common|likely)\b)")


def asks_how(question: str) -> bool:
    """"How does/is/can X ...?": the means asked for (a line "By blocking ..." answers it), not "how many/much/long"."""
    return bool(re.match(HOW_NOT_QUANTITY, _core(question), re.I))


def asks_for_several(question: str) -> bool:
    """Whether the question asks for several things, so its answer is a list of members, not one span: "name ...",
    "list ...", or a plural noun among the words after which/what (or "what are the"), before its verb ("which genes
    are ...", "what side effects were ...", "after which enzyme treatments?", "what are the Ups groups of var
    genes?"; not "which virus", "what process", "what is ...", "what are memory B cells?")."""
    q = _core(question)
    if re.match(r"(?:name|list)\b", q, re.I):
        return True
    m = re.search(r"\b(?:which|what)\s+(.*)", q, re.I)
    if not m:
        return False
    words = [w.lower() for w in re.findall(r"[\w'-]+", m.group(1))[:7]]
    if words[:2] in (["are", "the"], ["were", "the"]):  # "what are the upstream promoter groups of var genes?"
        words = words[2:]
    words = words[:5]
    for word, after in zip(words[:4], words[1:] + [""]):
        w = word.rstrip("'")
        if w in _AUXILIARY:
            return False
        if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
            # a verb, not a plural, when an object or a singular verb follows: "which virus causes it", "what
            # process drives this", "which mosquito species was fed"
            return after not in _SINGULAR_NEXT
    return False


# --- what a quote must contain for a numeric question ------------------------------------------------
# numbers written as words count ("Fifteen patients were enrolled"): every English number word, and fractions
_NUMBER_WORDS = rf"(?:{NUMBER_WORD}|half|a third|a quarter)"
_QUANTITY_IN_TEXT = {
    "cost": re.compile(r"(?:US\s?\$|I\$|\$|€|£|¥)\s?\d|\b\d+(?:[.,]\d+)*\s*(?:USD|EUR|GBP|dollars?|euros?|pounds sterling|cents)\b", re.I),
    "dose": re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|g|µg|μg|mcg|ng|iu|units?|ml|mmol)(?:/(?:kg|m2|m²|day|d))?\b", re.I),
    "share": re.compile(rf"\d+(?:[.,]\d+)?\s*%|\b\d+\s?/\s?\d+\b(?!\s?(?:mg|g|ml|kg|m2|µl|μl|l)\b)|\bper ?cent\b|\b(?:\d+|{_NUMBER_WORDS})\s+(?:of|out of)\s+(?:the\s+)?(?:\d+|{_NUMBER_WORDS})\b|\b{FRACTION_WORD}\b", re.I),
    "duration": re.compile(rf"\b(?:\d+(?:[.,]\d+)?|{_NUMBER_WORDS})(?:\s*(?:to|-|–)\s*\d+)?\s*(?:days?|weeks?|months?|years?|hours?|h|wk|mo)\b", re.I),
    "frequency": re.compile(r"\bevery\b|\bonce\b|\btwice\b|\b\d+\s*times\b|\bper\s+(?:day|week|month)\b|\b(?:daily|weekly|monthly)\b", re.I),
    "count": re.compile(rf"\b\d+(?:[.,]\d+)?\b|\b{_NUMBER_WORDS}\b", re.I),
}
_QUANTITY_IN_TEXT["measure"] = _QUANTITY_IN_TEXT["count"]
# what a count is not: an amount with a unit. "How many patients were in the rituximab trial?" had been answered
# "1000 mg each [1]." (the reader's span in "We enrolled 30 adults ... two infusions of rituximab, 1000 mg each, given
# 15 days apart"), and a time span, a price or a time point ("on days 1 and 15", "at month 6") is no count either
_TIME_POINT = r"\b(?:days?|weeks?|months?|years?|visits?|cycles?)\s+\d+(?:\s*(?:,|and|or|to|-|–)\s*\d+)*"
UNIT_AMOUNT = re.compile("|".join([_QUANTITY_IN_TEXT[k].pattern for k in ("dose", "duration", "cost")] + [_TIME_POINT]),
                         re.I)
# how a medicine or vaccine is given, in any field's words: the route ("intramuscularly", "by intravenous infusion",
# "orally") or the form it is given in ("nasal spray", "tablets")
FORMS = r"infusions?|injections?|tablets?|capsules?|patch(?:es)?"  # how a medicine is given, not by which route
ROUTE = re.compile(
    r"\b(?:intra(?:venous|muscular|dermal|nasal|thecal|peritoneal|vitreal|articular|lesional|vaginal|gastric|tracheal)(?:ly)?"
    r"(?:\s+(?:infusions?|injections?|bolus|administration))?|sub-?cutaneous(?:ly)?(?:\s+(?:infusions?|injections?))?|"
    r"oral(?:ly)?|by mouth|per os|topical(?:ly)?|transdermal(?:ly)?|sublingual(?:ly)?|rectal(?:ly)?|inhal(?:ed|ation)|"
    rf"nasal spray|(?:{FORMS})\b)", re.I)
_QUANTITY_IN_TEXT["route"] = re.compile(rf"{_QUANTITY_IN_TEXT['dose'].pattern}|{ROUTE.pattern}", re.I)


_MEASURE_WORD = re.compile(rf"\b{_MEASURE}\b", re.I)


def measure_named(question: str) -> str:
    """The measured value a number question names ("specificity", "IC50", "half-life"), or "": its number in a
    quote is the one that follows its name ("sensitivity of 100% and specificity of 81%")."""
    m = _MEASURE_WORD.search(question)
    return m.group(0) if m else ""


def states_quantity(kind: str, text: str) -> bool:
    """True when `text` contains a number of the asked kind (a dose has a unit, a share has % or "n of N")."""
    pattern = _QUANTITY_IN_TEXT.get(kind)
    if pattern is None:
        return True
    if kind in ("count", "measure"):  # a number that is not part of a name such as IL-13 or IgG4
        return bool(re.search(rf"(?<![\w-])\d+(?:[.,]\d+)?(?![\w-])|\b{_NUMBER_WORDS}\b", text, re.I))
    return bool(pattern.search(text))


_FRAME = re.compile(
    r"^(?:and\s+)?(?:how\s+(?:often|frequently|common(?:ly)?|many|much|long|well|accurate|reliable|sensitive|specific)|"
    r"by how much|what\s+(?:share|proportion|percentage|fraction|rate|ratio|number|amount)(?:\s+of)?|"
    r"(?:is|are|was|were|do|does|did|can|could)\s+there)\b|\b(?:happen(?:s|ed)?|occur(?:s|red)?)\b",
    re.IGNORECASE,
)


def content_words(question: str) -> str:
    """The question without its frame ("how often does X happen" -> "does X"): what a quote is scored against."""
    stripped = _FRAME.sub(" ", question)
    return " ".join(stripped.split()) if len(stripped.split()) >= 2 else question
