"""A study card: what kind of evidence a document is (design, size, year, journal, registry, identifiers).

A clinician weighs a case report unlike a randomised trial, so every document gets a card at ingest, shown beside
each source it is quoted from. The card comes from the document's own metadata first (MEDLINE and PubMed pages'
publication types, a reference-manager entry's type, a publisher page's article type), from its text otherwise
(the title and the abstract's wording: "randomly assigned", "we report a case", "retrospective cohort"), and says
"unknown" rather than guess. Only the opening of a paper is read for its design: a full text's discussion
mentions other studies' designs ("previous randomised trials showed ..."), its abstract states its own.

A text that names no design (a chart review, a questionnaire, a comparison of groups, a laboratory paper, a
commentary) is placed by MeSH check tags when its metadata has them, else by a small learned model
(`text.study_design`, trained on documents labelled by reading and on PubMedQA abstracts weakly labelled by their
MeSH tags), which also weighs the rules' weaker signs; metadata and explicit wording keep priority over both.

Measured on `evals/study_cards/` (labels written by reading the papers before this code existed) with
`python -m evals.study_cards`; the rules were written on its dev split, its test split is reported as held out.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

from text.numbers import NUMBER_WORD
from text.participants import ParticipantModel, count_participants, participant_model
from text.study_design import DesignModel, bundled

# design key -> what users see; order is the evidence hierarchy the answer's tie-breaker uses (strongest first)
DESIGNS = {
    "systematic_review": "systematic review",
    "randomised_trial": "randomised trial",
    "guideline": "guideline",
    "non_randomised_trial": "non-randomised trial",
    "cohort": "cohort study",
    "case_control": "case–control study",
    "cross_sectional": "cross-sectional study",
    "case_report": "case report",
    "laboratory": "laboratory study",
    "modelling": "modelling study",
    "review": "narrative review",
    "trial_registration": "trial registration",
    "preprint": "preprint",
    "letter": "letter",
    "commentary": "commentary",
    "news": "news",
    "other": "other design",
    "unknown": "design unknown",
}
STRENGTH = {key: rank for rank, key in enumerate(DESIGNS)}  # 0 is strongest; "unknown" last
RULES_VERSION = 11  # raise when the rules below or the bundled models change what a card says: stored cards
# are then made again
UNSIGNED_MIN_PROBABILITY = 0.5  # the model's bar for a short text in which the rules see no sign of a study
MIN_STUDY_CHARS = 600  # shorter than a structured abstract: a study's report only if the rules or the model are sure
HEAD_CHARS = 4_000  # the title and abstract of a full text; a PubMed abstract whole
MIN_STUDIED = 10  # fewer people than this (and no case-report wording) say nothing about a study's design
LAB_OVER_PEOPLE = 3  # a paper that counts people is a laboratory/modelling study only with this many signs of one
COMMENTARY_MAX_CHARS = 15_000  # an editorial or insight is a page or two; a research article that cites others is longer

# MEDLINE publication types (PubMed's "Publication types", a MEDLINE PT field, PubMed XML), most specific first
_PUBLICATION_TYPES = [
    ("systematic_review", ("systematic review", "meta-analysis")),
    ("randomised_trial", ("randomized controlled trial", "pragmatic clinical trial", "equivalence trial")),
    ("guideline", ("practice guideline", "guideline", "consensus development conference", "consensus statement")),
    ("trial_registration", ("clinical trial protocol",)),
    ("case_report", ("case reports",)),
    ("preprint", ("preprint",)),
    ("news", ("news", "newspaper article", "press release")),
    ("letter", ("letter",)),
    ("commentary", ("editorial", "comment", "introductory journal article")),
    ("review", ("review", "scoping review")),
]
# MeSH check tags that describe a design (MEDLINE `MH`, PubMed XML MeshHeadingList), first match wins. The same
# table weakly labels the model's training abstracts (`train.study_design`). Why these and in this order:
# - the trial tags name how people were allocated, the strongest sign; "Animals" without "Humans" is a study of
#   animals, so laboratory work;
# - "Case-Control" and "Cross-Sectional Studies" are narrower than the cohort branch and are often tagged beside
#   "Retrospective Studies", so they go first; "Cohort", "Longitudinal" and "Follow-Up Studies" mean people followed
#   over time;
# - surveys, prevalence and diagnostic accuracy measure people once: cross-sectional, when no follow-up is tagged.
# "Retrospective" and "Prospective Studies" alone are left out: they say when data were gathered, not whether
# people were followed (the labelled set's cross-sectional chart reviews carry them too).
MESH_DESIGNS = [
    ("randomised_trial", ("random allocation", "double-blind method", "single-blind method", "placebos")),
    ("laboratory", ("animals",)),
    ("case_control", ("case-control studies",)),
    ("cross_sectional", ("cross-sectional studies",)),
    ("cohort", ("cohort studies", "longitudinal studies", "follow-up studies")),
    ("cross_sectional", ("surveys and questionnaires", "health care surveys", "health surveys", "prevalence",
                         "sensitivity and specificity", "interviews as topic")),
]
_TRIAL_TYPES = ("clinical trial", "controlled clinical trial", "clinical trial, phase")  # randomised or not: the text says
_REGISTRY = re.compile(
    r"\b(NCT\d{8}|ISRCTN\d{8}|ChiCTR[-A-Za-z0-9]{6,20}|ACTRN\d{14}|DRKS\d{8}|UMIN\d{9}|JPRN-[A-Za-z]+\d+|"
    r"CTRI/\d{4}/\d+/\d+|PACTR\d{12,16}|IRCT\d{8,}[A-Z]?\d*|KCT\d{7}|NTR\d{3,5}|EudraCT\s*(?:No\.?|number:?)?\s*\d{4}-\d{6}-\d{2})"
)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+?)[.,;]?(?=\s|$)")
# a citation line near the top: "eLife, 2012. DOI: …", "PLoS ONE 2013; 8(4)", "JAMA Dermatol. 2013 Jun;149(6)"
_CITATION_LINE = re.compile(r"^(?P<journal>[A-Za-z][\w.&' -]{1,60}?)[.,]?\s+(?P<year>(?:19|20)\d{2})\b(?:[.;:,]|\s+\w{3}\b|$)",
                            re.MULTILINE)
_JOURNAL_SMALL_WORDS = {"of", "and", "the", "in", "for", "&", "de", "la", "und", "on"}
_YEAR_LINE = re.compile(r"(?:©\s*|\bpublished:?\s+)((?:19|20)\d{2})\b", re.IGNORECASE)

# Text rules: (design, pattern over the title, pattern over the opening). Checked in this order; the first that
# matches decides. Reviews and letters first: a review's abstract names the trials it pools.
_W = r"[\w-]+"
_NEVER = "$^"  # a rule with no title pattern: its signs are weak, counted against the other weak designs'
_COUNTED = {"modelling", "laboratory"}
# trial wording counts only about the paper's own study: reviews and discussions describe others' trials
_OWN_DESIGN_ONLY = {"randomised_trial", "non_randomised_trial"}
_SELF = re.compile(r"\b(?:we|our|this|the present|here(?:in)?|current)\b", re.IGNORECASE)
_SECTION_LABEL = re.compile(r"(?:^|\n|\. )([A-Z][A-Z /&]{2,40}):", re.MULTILINE)
_METHODS_LABEL = re.compile(r"METHOD|DESIGN|PATIENTS|PARTICIPANTS|SUBJECTS|SETTING|INTERVENTION|MATERIAL")  # whichever has more signs in the opening
_TEXT_RULES: list[tuple[str, str, str]] = [
    ("preprint", r"\bpreprint\b", r"\b(?:this (?:article|manuscript) is a preprint|not (?:yet )?(?:been )?(?:certified by )?peer[- ]review)"),
    ("systematic_review", r"\b(?:systematic(?:al)? (?:literature )?review|meta-?analys[ie]s|pooled analysis)\b",
     r"\b(?:we (?:conducted|performed|undertook|carried out) a (?:systematic|meta)|this (?:systematic review|meta-analysis)|"
     r"(?:systematic(?:al)?ly )?searched (?:the )?(?:[A-Z]\w+, )*(?:PubMed|MEDLINE|Embase|EMBASE|Cochrane|Web of Science)|"
     r"systematic review (?:and|with) meta-analysis|random[- ]effects? (?:model|meta))"),
    ("guideline", r"\b(?:guidelines?|consensus (?:statement|recommendations?|report)|recommendations? (?:for|on)|"
                  r"classification criteria|diagnostic criteria|position (?:statement|paper))\b",
     r"\b(?:this guideline|these guidelines|(?:an? )?(?:international )?(?:expert )?(?:panel|committee) (?:developed|reached|of experts)|"
     r"(?:delphi|consensus) (?:process|method|exercise|conference)|classification criteria were developed)"),
    ("trial_registration", r"\b(?:study protocol|trial protocol|protocol for a)\b",
     r"\b(?:study type:\s*interventional|recruitment status|this (?:study )?protocol (?:describes|will))"),
    ("letter", r"^(?:letter|correspondence|re:)\b|\bletter to the editor\b",
     r"^\s*(?:to the editor|dear (?:editor|sir))\b|^\s*we (?:read|have read) with (?:great |much )?interest\b"),
    ("commentary", r"^(?:editorial|commentary|perspective|insight)\b",
     r"\b(?:now|in eLife|in this issue),? (?:[^.]{0,80} )?et al\.?,? (?:now )?(?:report|show|describe|present|use|find|reveal)|"
     r"\b(?:now|in this issue),? in [A-Z]\w+,? [^.]{0,400}?\(?[A-Z][\w-]+ et al\."),
    ("case_report", r"\b(?:case reports?|case series|a case of|report of (?:a|an|two|three|\d+) (?:cases?|patients?)|"
                    r"(?:a |an )?(?:rare|unusual) (?:case|presentation)|:\s*a case)\b",
     rf"\b(?:we (?:report|describe|present)(?: here)? (?:a|an|the|two|three|four|five|six|\d+) (?:{_W} ){{0,4}}(?:cases?|patients?|"
     rf"(?:wo)?m[ae]n|boys?|girls?|infants?|children)|(?:this|our) case (?:report|series)|^case (?:report|presentation)|"
     rf"a (?:\d+|{NUMBER_WORD})[- ]year[- ]old\b)"),
    ("randomised_trial", r"\brandomi[sz]ed,?(?:[- ](?:placebo-)?controlled)?,? (?:[\w-]+[- ]){0,2}(?:trial|study)|\bRCT\b",
     r"\b(?:were|was|being|been) (?:\w+ )?randomi[sz]ed\b|\brandomly (?:assigned|allocated|divided)|"
     r"\b(?:in|this|a|an|our) (?:[\w-]+,? ){0,4}(?<!non-)randomi[sz]ed(?:,? [\w-]+){0,3} (?:trial|study)\b|"
     r"\b(?:received|given|or|versus|vs\.?) (?:a |matching )?placebo\b|\bplacebo[- ]controlled\b|"
     r"\brandomi[sz]ation (?:was|were|to|in a|ratio)\b"),
    ("non_randomised_trial", r"\b(?:phase (?:[I1]{1,3}|1/2|I/II)[ab]?|single[- ]arm|open[- ]label|pilot) (?:\w+ )?(?:trial|study)\b",
     r"\b(?:single[- ]arm|open[- ]label|phase (?:[I1]{1,2}|1/2|I/II)[ab]? (?:\w+ )?(?:trial|study)|dose[- ]escalation|"
     r"non-?randomi[sz]ed (?:\w+ )?(?:trial|study|intervention)|quasi-?experiment\w*|pre-?test,? (?:and )?post-?test|"
     r"were (?:treated|given|administered) (?:with )?\w+ (?:for|at|in a)|"
     r"before[- ]and[- ]after (?:intervention|study)|pre-?(?: and |/)?post(?:-?intervention)? (?:comparison|design|study|"
     r"evaluation|intervention)|uncontrolled (?:[\w-]+ ){0,3}(?:trial|study)|(?:single|one)[- ]group (?:[\w-]+ )?(?:trial|study|design))\b"),
    ("case_control", r"\bcase[- ]control\b", r"\bcase[- ]control (?:study|design|analysis)\b"),
    # designs with no class of their own, named by their authors: a qualitative study, an ecological one
    ("other", r"\b(?:qualitative (?:study|research|analysis|evaluation|interviews?)|ecological (?:study|analysis))\b",
     r"\b(?:(?:this|a|our|the present) qualitative (?:[\w-]+ )?(?:study|research|analysis|evaluation|approach|design)|"
     r"ecological (?:study|analysis|design|time[- ]series))\b"),
    ("cross_sectional", r"\b(?:cross[- ]sectional|survey|prevalence)\b", r"\bcross[- ]sectional\b"),
    ("cohort", r"\b(?:cohort|longitudinal|follow[- ]up study|prospective|retrospective)\b",
     r"\b(?:cohort|retrospective(?:ly)?|longitudinal|followed (?:up )?for|follow[- ]up (?:of|period|study))\b"),
    ("case_control", _NEVER, r"\b(?:case[- ]control|matched controls?|(?:age|sex)[- ](?:and \w+[- ])?matched)\b"),
    ("cross_sectional", _NEVER, r"\b(?:survey|questionnaire|prevalence|sensitivity and specificity|diagnostic accuracy)\b"),
    # not "prospective": a prospective study may measure its patients once
    ("cohort", _NEVER, r"\b(?:medical records|chart review|registry|database|were reviewed|over a (?:\w+[- ])?year period)\b"),
    ("review", r"\b(?:review|overview|update on|current concepts?|state of the art)\b",
     r"\b(?:(?:this|in this|we|the present) (?:\w+ )?review|we (?:summari[sz]e|review|discuss) (?:the |recent |current )|"
     r"(?:I|we) (?:will )?(?:review|summari[sz]e|highlight) (?:here |below )?(?:the |recent |current |what |how |our |key |"
     r"emerging )|here,? (?:I|we) (?:review|consider|discuss|summari[sz]e|outline|highlight))\b"),
    ("modelling", r"\b(?:model(?:l)?ing|simulation|mathematical|computational)\b",
     r"\b(?:mathematical model|agent[- ]based|transmission model|(?:we|a) (?:develop|developed|use|used|built) an? (?:\w+ ){0,3}model|"
     r"simulations?)\b"),
    ("laboratory", r"\b(?:mice|mouse|murine|in vitro|cells?|structure|protein|gene|receptor|mosquito(?:es)?)\b",
     r"\b(?:mice|mouse|murine|in vitro|in vivo|cell lines?|knock-?out|rats?|zebrafish|crystal structure|cryo-?EM|"
     r"we (?:show|identify|identified|found|demonstrate) that|plasmids?|transfect|western blot|assays?|purified|"
     r"recombinant|mutants?|residues?|binding (?:site|affinity|domain)|in cells)\b"),
]
_COMPILED = [(design, re.compile(title, re.IGNORECASE), re.compile(head, re.IGNORECASE | re.MULTILINE))
             for design, title, head in _TEXT_RULES]

_NO_PARTICIPANTS = {"systematic_review", "review", "guideline", "commentary", "laboratory", "modelling", "news",
                    "trial_registration"}


@dataclass(frozen=True)
class StudyCard:
    """What kind of evidence one document is. Empty strings and None mean "not stated": never a guess."""

    design: str = "unknown"  # a DESIGNS key
    design_from: str = ""  # "metadata" (publication type, entry type, MeSH), "text" (the phrase in `evidence`) or "model"
    evidence: str = ""  # the words that decided the design
    participants: int | None = None
    year: str = ""
    journal: str = ""
    registry: str = ""  # a trial registration id: NCT01234567, ISRCTN…
    doi: str = ""
    pmid: str = ""
    rules: int = RULES_VERSION  # the rules that made it: a card stored by older rules is read again (`card_of`)

    @property
    def design_label(self) -> str:
        return DESIGNS.get(self.design, DESIGNS["unknown"])

    @property
    def strength(self) -> int:
        return STRENGTH.get(self.design, STRENGTH["unknown"])

    def badges(self) -> list[str]:
        """Short labels for the evidence panel: "randomised trial", "135 participants", "2024", "NEJM", "NCT…"."""
        out = [self.design_label]
        if self.participants is not None:
            out.append(f"{self.participants:,} participant{'s' if self.participants != 1 else ''}")
        out += [x for x in (self.year, self.journal, self.registry) if x]
        return out

    def summary(self) -> str:
        return " · ".join(self.badges())

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "design_label": self.design_label}

    @classmethod
    def from_dict(cls, data: dict) -> StudyCard:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def study_card(text: str, metadata: dict, model: DesignModel | None | str = "bundled",
               counter: ParticipantModel | None | str = "bundled") -> StudyCard:
    """The card of a document with this cleaned `text` and ingest `metadata` (title, year, journal, doi, pmid,
    `publication_types` "; "-joined, `mesh` MeSH headings "; "-joined, `entry_type` of a reference-manager record,
    `article_type` of a web page). `model` places a document whose metadata and wording name no design: the shipped
    one ("bundled"), another `DesignModel`, or None for the rules alone; `counter` likewise counts its participants
    (`text.participants`)."""
    title = str(metadata.get("title", ""))
    head = text[:HEAD_CHARS]
    counted = count_participants(head, participant_model("bundled") if counter == "bundled" else counter)
    design, source, evidence = _design_from_metadata(metadata, title, head)
    if design == "unknown":
        design, evidence = _explicit_design(title, head, len(text))
        source = "text" if design != "unknown" else ""
    if design == "unknown":
        design, evidence = _design_from_mesh(str(metadata.get("mesh", "")))
        source = "metadata" if design != "unknown" else ""
    if design == "unknown":
        weak, weak_evidence = _weak_design(title, head, counted)
        model = bundled() if model == "bundled" else model
        if model is not None:
            # no publication type, explicit wording or MeSH tag: the model weighs the opening and the rules' signs.
            # A short text with no sign of a study (a web page's furniture, a note) needs a surer model: unknown
            # rather than a guess.
            guess, probability = model.classify(model_input(title, head, len(text), counted))
            unsigned = weak == "unknown" and len(text) < MIN_STUDY_CHARS
            if guess != "unknown" and (not unsigned or probability >= UNSIGNED_MIN_PROBABILITY):
                design, source, evidence = guess, "model", f"{DESIGNS[guess]}, {probability:.0%} likely (no design named)"
        if design == "unknown" and weak != "unknown":
            design, source, evidence = weak, "text", weak_evidence
    participants = None if design in _NO_PARTICIPANTS else counted
    if design == "case_report" and participants is None:
        participants = 1 if re.search(r"\b(?:a|an|one) (?:\d+[- ]year[- ]old|case|patient)\b", head, re.I) else None
    registry = (_REGISTRY.search(head) or _REGISTRY.search(text[-20_000:]) or [None, ""])[1] if text else ""
    doi = str(metadata.get("doi") or (_DOI.search(text[:1_500]) or [None, ""])[1])
    line = next((cited for ln in text[:600].splitlines() if (cited := citation_line(ln))), None)
    journal = str(metadata.get("journal") or (line[0] if line else ""))
    return StudyCard(design, source, evidence, participants, _year(metadata, text, line), journal,
                     re.sub(r"\s+", " ", registry or ""), doi, str(metadata.get("pmid", "")))


def _design_from_metadata(metadata: dict, title: str, head: str) -> tuple[str, str, str]:
    types = [t.strip().lower() for t in re.split(r"[;\n]", str(metadata.get("publication_types", ""))) if t.strip()]
    for design, names in _PUBLICATION_TYPES:
        for t in types:
            if t in names:
                return design, "metadata", f"publication type: {t}"
    if any(t.startswith(_TRIAL_TYPES) for t in types):
        randomised = _COMPILED[[d for d, _, _ in _TEXT_RULES].index("randomised_trial")]
        if randomised[1].search(title) or randomised[2].search(head):
            return "randomised_trial", "metadata", "publication type: clinical trial, randomised in the text"
        return "non_randomised_trial", "metadata", "publication type: clinical trial"
    kind = str(metadata.get("article_type") or metadata.get("entry_type") or "").strip().lower()
    mapped = {"letter": "letter", "correspondence": "letter", "editorial": "commentary", "article-commentary": "commentary",
              "commentary": "commentary", "news": "news", "press release": "news", "news-article": "news",
              "review-article": "review", "systematic-review": "systematic_review", "case-report": "case_report",
              "preprint": "preprint", "unpublished": "preprint"}.get(kind)
    return (mapped, "metadata", f"article type: {kind}") if mapped else ("unknown", "", "")


def design_of_mesh(headings: list[str]) -> tuple[str, str]:
    """(design, the tag that decided) from MeSH headings ("*Cohort Studies", "Neoplasms/therapy", "Humans"), by
    `MESH_DESIGNS`; ("unknown", "") when none describes a design."""
    terms = {h.split("/")[0].strip(" *").lower() for h in headings}
    for design, tags in MESH_DESIGNS:
        for tag in tags:
            if tag in terms and not (tag == "animals" and "humans" in terms):
                return design, tag
    return "unknown", ""


def _design_from_mesh(mesh: str) -> tuple[str, str]:
    design, tag = design_of_mesh([h for h in re.split(r"[;\n]", mesh) if h.strip()])
    return (design, f"MeSH: {tag}") if tag else ("unknown", "")


def _studies_people(participants: int | None) -> bool:
    return participants is not None and participants >= MIN_STUDIED  # "4 donors" of a lab paper are not a study group


def model_input(title: str, head: str, length: int, counted: int | None) -> str:
    """What `text.study_design` reads: the title, the opening, and the rules' signs as words of their own
    ("signal-explicit-cohort", "signal-weak-laboratory", "signal-people", "signal-fulltext"), so the model learns
    how far to trust each rule from the labelled documents rather than from a hand-set order."""
    explicit, _ = _explicit_design(title, head, length)
    weak, _ = _weak_design(title, head, counted)
    signs = [f"explicit-{explicit}", f"weak-{weak}", *(["people"] if _studies_people(counted) else []),
             "abstract" if length <= HEAD_CHARS else "fulltext"]
    return f"{title}\n{head}\n" + " ".join("signal-" + sign.replace("_", "-") for sign in signs)


def _explicit_design(title: str, head: str, length: int) -> tuple[str, str]:
    """The first explicit statement of a design ("randomly assigned", "cross-sectional"): the title's first, then
    the opening's; ("unknown", "") when there is none."""
    for design, in_title, _ in _COMPILED:  # a title that names its design ("...: a case report") decides first
        if design not in _COUNTED and in_title.pattern != _NEVER and (m := in_title.search(title)):
            return design, m.group(0)
    for design, in_title, in_head in _COMPILED:
        if in_title.pattern == _NEVER or design in _COUNTED:
            continue
        if design == "commentary" and length > COMMENTARY_MAX_CHARS:
            continue  # a research paper's plain-language summary also says "Now, Smith et al. report"
        for m in in_head.finditer(head):
            if design not in _OWN_DESIGN_ONLY or _about_this_study(head, m.start()):
                return design, m.group(0)
    return "unknown", ""


def _weak_design(title: str, head: str, participants: int | None) -> tuple[str, str]:
    """Failing an explicit statement: the design whose weaker signs ("questionnaire", "prospectively", "mice",
    "simulations") the opening has most."""
    counts: dict[str, list[str]] = {}
    for design, in_title, in_head in _COMPILED:
        if in_title.pattern == _NEVER or design in _COUNTED:
            found = [m.group(0) for m in in_head.finditer(head)] + [m.group(0) for m in in_title.finditer(title)]
            counts.setdefault(design, []).extend(f for f in found if f)
    people = _studies_people(participants)
    if people:  # people studied: a clinical design, unless the lab or model clearly dominates
        for design in _COUNTED:
            if len(counts.get(design, [])) < LAB_OVER_PEOPLE:
                counts.pop(design, None)
    best = max(counts, key=lambda d: len(counts[d]), default="")
    if best and counts[best]:
        return best, counts[best][0]
    if people:
        # people counted, and no sign of follow-up, allocation, intervention or a control group: studied once
        return "cross_sectional", "people studied once: no follow-up, allocation or comparison stated"
    return "unknown", ""


def _about_this_study(head: str, at: int) -> bool:
    """Whether the sentence around `at` is about the paper's own study: it is the opening sentence, says "we",
    "our", "this", "here", or sits under a methods-like heading ("METHODS:", "DESIGN:"). A review's "In an open-label trial, Smith et al."
    is about someone else's."""
    start = max(head.rfind(". ", 0, at), head.rfind("\n", 0, at)) + 1
    end = min((i for i in (head.find(". ", at), head.find("\n", at)) if i >= 0), default=len(head))
    if start == 0 or _SELF.search(head[start:end]):  # the opening sentence describes the paper itself
        return True
    labels = list(_SECTION_LABEL.finditer(head, 0, at))
    return bool(labels and _METHODS_LABEL.search(labels[-1].group(1)))


def card_of(text: str, metadata: dict) -> StudyCard:
    """The card ingest stored with a document, or (an index built before cards existed) one read now."""
    stored = metadata.get("study")
    if isinstance(stored, dict) and stored.get("rules") == RULES_VERSION:
        return StudyCard.from_dict(stored)
    return study_card(text, metadata)


def design_keys(value: str | list[str]) -> list[str]:
    """Design filter values as `DESIGNS` keys: "randomised_trial,cohort", "randomised trial", "Cohort study";
    ValueError naming the valid ones for anything else."""
    items = value.split(",") if isinstance(value, str) else value
    by_name = {**{k: k for k in DESIGNS}, **{v.casefold(): k for k, v in DESIGNS.items()},
               **{k.replace("_", " "): k for k in DESIGNS}, "rct": "randomised_trial", "meta-analysis": "systematic_review"}
    out = []
    for item in (str(i).strip().casefold().replace("randomized", "randomised") for i in items):
        if not item:
            continue
        if item not in by_name:
            raise ValueError(f"unknown study design {item!r}; use any of: {', '.join(k for k in DESIGNS if k != 'unknown')}")
        out.append(by_name[item])
    return out


def admits(card: StudyCard, designs: list[str] | None = None, since: int | None = None) -> bool:
    """Whether a filter by design (any of `designs`) and year (`since` or later) keeps this paper; a paper whose
    year is not stated is left out by `since`, as one whose design is unknown is by `designs`."""
    if designs and card.design not in designs:
        return False
    return not since or (card.year.isdigit() and int(card.year) >= since)


def filter_words(designs: list[str] | None, since: int | None) -> str:
    """A filter in words, for the answer's first line: "randomised trial or cohort study papers, published since 2020"."""
    parts = [" or ".join(DESIGNS[d] for d in designs) + " papers"] if designs else []
    parts += [f"papers published since {since}" if not designs else f"published since {since}"] if since else []
    return ", ".join(parts)


def citation_line(line: str) -> tuple[str, str] | None:
    """(journal, year) of a citation line ("eLife, 2012. DOI: …", "JAMA Dermatol. 2013 Jun;149(6)"), else None."""
    m = _CITATION_LINE.match(line.strip())
    if not m:
        return None
    words = m.group("journal").split()
    # a journal's name is capitalised ("Nature Communications", "J Clin Invest", "eLife"): not a sentence
    if len(words) > 8 or any(not (w[0].isupper() or w in _JOURNAL_SMALL_WORDS) for w in words[1:]):
        return None
    return m.group("journal").strip(), m.group("year")


def _year(metadata: dict, text: str, line: tuple[str, str] | None) -> str:
    year = str(metadata.get("year", "")).strip()[:4]
    if re.fullmatch(r"(?:19|20)\d{2}", year):
        return year
    if line:
        return line[1]
    m = _YEAR_LINE.search(text[:600])
    return m.group(1) if m else ""
