"""The offline, extractive answerer: it can only quote, so it cannot invent a citation.

Steps: retrieve chunks (capped per document so two papers cannot crowd out the
rest), cut them into *evidence units* — single sentences and pairs of adjacent
sentences of one paragraph, with exact document spans — score each unit
against the question, refuse when the best evidence is below a calibrated
threshold, pick a small non-overlapping, non-redundant set, order it as the
papers do, and cite every quote with its character span.

Pairs exist because biomedical claims often span two sentences: "IL-5 would be
a therapeutic target ... Th2" then "we treated with mepolizumab". A pair pays a
small penalty so it wins only when the second sentence adds real support.

Unit score = 0.55 * cosine(question, unit) + 0.45 * IDF-weighted share of the
question's terms (BM25 tokens, so "IL-13" counts far more than "patients"); a
term also matches members of its biomedical class (`text.concepts`).

Only real sentences are units (`text.evidence`): a heading, bullet fragment,
link, figure label or author line is never quoted, whatever ingest let through.
The question's analysis (`answer.question`) shapes the answer:
- a focus entity (a drug, trial, marker) that no indexed paper mentions is
  named as missing instead of quoting something else;
- a numeric question is answered only by quotes stating a number of the asked
  kind (a dose has a unit, a share a % or "n of N"), or refused saying so;
- a question asking for a specific measure ("What is the melting temperature of
  PfRh5?") is answered only when a quote names it, or refused saying so;
- a list question leads with one line naming every member of the asked class
  that a quote links to the question's relation ("Dupilumab [1] and
  mepolizumab [2]."), each with the quote that names it; that line holds only
  names found in its cited quotes.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from answer.direct import (
    Evidence,
    lean_tally,
    list_line,
    mark_leans,
    means_line,
    names_line,
    number_line,
    span_line,
    verdict_line,
)
from answer.followup import resolve_followup
from answer.lists import GENERIC_RELATION, linked_members, member_key, mentions
from answer.models import AnswerPart, Citation, CitedAnswer, RetrievedPassage
from answer.question import (
    Focus,
    QuestionAnalysis,
    analyse,
    asked_kind,
    asks_for_several,
    asks_how,
    asks_how_or_why,
    attribute_terms,
    content_words,
    is_frame_word,
    measure_named,
    proper_names,
    states_quantity,
)
from answer.reader import Reader, Reading, load_reader
from errors import QuestionError
from index.corpus import CorpusIndex, Hit
from index.embedding import embed_query
from prompts import load_prompt
from text.common_words import forms_of, is_biomedical, is_common
from text.concepts import defined_abbreviations, question_class, question_tokens, term_matches
from text.drugs import generic_names
from text.enumerations import enumerations
from text.evidence import announces, is_evidence
from text.sentences import split_sentences
from text.spelling import closest_spelling, other_name, spelt_out, words_of
from text.study import StudyCard, admits, card_of, filter_words
from text.tokens import tokenize

SEMANTIC_WEIGHT = 0.55
LEXICAL_WEIGHT = 0.45
PAIR_PENALTY = 0.04
TITLE_CREDIT = 0.5  # share of a question term's weight given when only the unit's paper title contains it
PAPER_CREDIT = 0.3  # ... when only the rest of its paper does
REDUNDANT_COSINE = 0.9
KEEP_RELATIVE = 0.8  # a unit must score at least this share of the best one
# ... or this share, when it comes from a paper already quoted: the answering sentence is often the second or third
# best of the paper that answers (malaria passage quoted 72 -> 76 %, tuberculosis 78 -> 82 %; cited papers that
# answer unchanged, since no new paper comes in; 0.7 and 0.5 measured too: docs/measurements.md, eighth session)
SAME_PAPER_RELATIVE = 0.6
MAX_SENTENCES = 8  # across all units of one answer
LIST_FLOOR = 0.6  # a unit naming a list member must score at least this share of the best unit
NUMBER_FLOOR = 0.85  # a unit stating the asked number may score this share of the refusal threshold,
NUMBER_RELATIVE = 0.6  # ... and at least this share of the best unit's score
DEFINITION_BONUS = 0.06  # "How does X work?": a sentence defining X ("X, an anti-CD20 antibody, ...") gains this
ENUMERATION_BONUS = 0.06  # "Which X ...?" (several asked): a sentence enumerating items gains this
CAUSE_BONUS = 0.1  # "How/why ...?": a sentence stating a cause or a means ("by blocking", "resulting in") gains this
TIE_DECIMALS = 2  # quotes whose scores agree to this many decimals are equally relevant: design breaks the tie
FILTER_DEPTH = 4  # with a design or year filter, search this many times deeper, then keep the papers it admits
PAPER_MEMO = 512  # papers whose tokens and abbreviations are kept between questions


@dataclass(eq=False)  # units are compared and hashed by identity
class _Unit:
    hit: Hit
    start: int  # document coordinates
    end: int
    text: str
    sentences: int
    score: float = 0.0
    semantic: float = 0.0
    lexical: float = 0.0
    vec: np.ndarray = field(default=None, repr=False)
    halves: tuple[tuple[str, int, int], tuple[str, int, int]] | None = None  # a pair's two sentences
    prior: float = 0.0  # the hand-set score (before the reader, and what the off-corpus gate reads)
    reading: Reading | None = None  # what the reader said of this unit (None: not read)


@dataclass
class _Paper:
    """What a unit's paper adds to it: title and text tokens, and the abbreviations the paper defines."""

    title: str
    title_tokens: set[str]
    tokens: set[str]
    abbreviations: dict[str, str]
    card: StudyCard  # its design breaks ties between equally relevant quotes; filters read it
    text: str

    @classmethod
    def of(cls, hit: Hit, index: CorpusIndex) -> _Paper:
        record = index.document(hit.doc_id)
        text = record.text if record else hit.node.text
        title = str(hit.node.metadata.get("title", ""))
        card = card_of(text, record.metadata if record else {"title": title})
        return cls(title, set(tokenize(title)), set(tokenize(text)), defined_abbreviations(text), card, text)

    def names(self, name: str, long_forms: tuple[str, ...] = ()) -> bool:
        """Whether the paper names `name` (its first token, in the title or text), spells it out ("MDR-TB" in a
        paper on "multidrug-resistant TB") or writes one of its `long_forms` (what other papers define it as:
        "Mtb" in a paper that only writes "Mycobacterium tuberculosis" or "M. tuberculosis")."""
        key = (tokenize(name) or [""])[0]
        if key in self.tokens or key in self.title_tokens or spelt_out(name, f"{self.title}\n{self.text}"):
            return True
        written = f"{self.title}\n{self.text}".lower()
        return any(form.lower() in written or _binomial(form).lower() in written for form in long_forms)

    def spelled_out(self, text: str) -> str:
        """`text` with each abbreviation it uses ("IM", or its plural "IMs") followed once by the long form its paper
        defines."""
        for short, long in self.abbreviations.items():
            if long.lower() not in text.lower():
                text = re.sub(rf"\b{re.escape(short)}s?\b", lambda m, long=long: f"{m.group(0)} ({long})", text, count=1)
        return text

    def abbreviation_tokens(self, text: str) -> set[str]:
        """"LVH" in a sentence also says "left ventricular hypertrophy", and the other way round."""
        extra: set[str] = set()
        for short, long in self.abbreviations.items():
            if re.search(rf"\b{re.escape(short)}s?\b", text):
                extra.update(tokenize(long))
            elif long.lower() in text.lower():
                extra.update(tokenize(short))
        return extra


def _binomial(name: str) -> str:
    """A species name as papers abbreviate it after first use: "Mycobacterium tuberculosis" -> "M. tuberculosis"."""
    m = re.fullmatch(r"([A-Z])[a-z]+ ([a-z]{3,})", name.strip())
    return f"{m.group(1)}. {m.group(2)}" if m else name


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MARKERS = re.compile(r"\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]")


def validate_question(question: str, max_chars: int) -> str:
    """The question as searched: control and direction-override characters dropped (they reach no paper and can
    disguise what is shown), whitespace collapsed; a clear `QuestionError` when nothing askable is left."""
    question = " ".join(_CONTROL.sub("", question).split())
    if not question:
        raise QuestionError("The question is empty. Type a question about the indexed papers.")
    if not any(c.isalnum() for c in _MARKERS.sub("", question)):
        raise QuestionError("The question has no words to search for" + (
            ": a citation marker alone is not a question. Ask about what the passage says." if _MARKERS.search(question)
            else ". Type a question about the indexed papers."))
    if len(question) > max_chars:
        raise QuestionError(
            f"The question is {len(question):,} characters long; the limit is {max_chars:,}. "
            "Ask about one thing at a time, or put long text into a document and ingest it."
        )
    return question


def select_context(hits: list[Hit], limit: int, per_document: int) -> list[Hit]:
    """Top hits, at most `per_document` from any one document while other documents' hits wait, at most `limit`
    in all. The cap keeps one long paper from crowding the others out; when the hits hold no other paper to read,
    the slots it left empty go to the capped papers' next chunks, in rank order (a question on one full-text paper
    then reads 16 of its chunks, not 10)."""
    taken: dict[str, int] = {}
    context, over = [], []
    for hit in hits:
        if taken.get(hit.doc_id, 0) < per_document:
            taken[hit.doc_id] = taken.get(hit.doc_id, 0) + 1
            context.append(hit)
            if len(context) == limit:
                return context
        else:
            over.append(hit)
    kept = {id(h) for h in context + over[: limit - len(context)]}
    return [h for h in hits if id(h) in kept]


class ExtractiveAnswerer:
    def __init__(self, index: CorpusIndex, rerank: bool | None = None) -> None:
        """`rerank`: rerank the retrieved chunks by best sentence (None: `retrieval.rerank_chunks`)."""
        self.index = index
        self.settings = index.settings
        self.rerank = rerank
        self._papers: collections.OrderedDict[tuple[str, str], _Paper] = collections.OrderedDict()
        self._reader: Reader | None | bool = False  # False: not loaded yet

    @property
    def reader(self) -> Reader | None:
        """The learned reader `answer.reader` names (None: off), loaded at the first question; while the run command
        measures its variants, the reference standing in, asked for again at the next question."""
        if self._reader is False:
            cfg = self.settings.answer
            reader = load_reader(cfg.reader, cfg.reader_backend, cfg.reader_precision,
                                 self.settings.paths.model_cache, self.settings.embedding.cpu_pinning)
            if reader is not None and reader.provisional:
                return reader
            self._reader = reader
        return self._reader

    def threshold(self) -> float:
        """The score below which a unit is not quoted: with a reader, the same mix of its calibrated relevance
        threshold and the hand-set one as a unit's score is of the two scores."""
        cfg = self.settings.answer
        if not self.reader:
            return cfg.min_relevance
        return cfg.reader_weight * cfg.reader_min_relevance + (1 - cfg.reader_weight) * cfg.min_relevance

    def _paper(self, hit: Hit) -> _Paper:
        """A unit's paper, tokenized once per paper version: a question reads about eight papers, and the same
        papers come back in the next questions of a conversation."""
        record = self.index.document(hit.doc_id)
        key = (hit.doc_id, record.content_hash if record else "")
        paper = self._papers.get(key)
        if paper is None:
            paper = self._papers[key] = _Paper.of(hit, self.index)
            while len(self._papers) > PAPER_MEMO:
                self._papers.popitem(last=False)
        else:
            self._papers.move_to_end(key)
        return paper

    def stream(self, question: str, **kwargs: object) -> Iterator[CitedAnswer]:
        """The same surface as the LLM answerer's: here the answer is the only event."""
        yield self.answer(question, **kwargs)

    def answer(
        self, question: str, *, history: list[tuple[str, CitedAnswer | None]] | None = None, mode: str | None = None,
        search_query: str | None = None, max_quotes: int | None = None, resolved: str | None = None,
        corrected: list[tuple[str, str]] | None = None, designs: list[str] | None = None, since: int | None = None,
    ) -> CitedAnswer:
        """Quote the papers on `question`. A follow-up (given the conversation's `history`, or already `resolved`
        by the caller) is answered in its resolved form: referents filled in, searched and scored as such."""
        cfg = self.settings.answer
        question = validate_question(question, cfg.max_question_chars)
        if resolved is None and history:
            resolved = resolve_followup(question, history)
        asked = validate_question(resolved, cfg.max_question_chars) if resolved else question
        analysis = analyse(asked)
        analysis.focus += self._uncovered_terms(asked, analysis)
        query = search_query or asked
        designs = cfg.designs if designs is None else designs
        since = cfg.since if since is None else since
        depth = cfg.context_chunks * 3 * (FILTER_DEPTH if designs or since else 1)
        hits = self.index.search(query, k=depth, mode=mode, rerank=self.rerank)
        if designs or since:  # only papers of the chosen designs / years: read deeper to find enough of them
            hits = [h for h in hits if admits(self._paper(h).card, designs, since)][: cfg.context_chunks * 3]
        context = select_context(hits, cfg.context_chunks, cfg.max_chunks_per_document)
        retrieved = [_passage(h) for h in context]
        result = CitedAnswer(question=question, status="no_evidence", retrieved=retrieved, searched_query=query,
                             resolved_question=asked if asked != question else "", analysis=analysis.to_dict(),
                             corrected=[list(pair) for pair in corrected or []], searched_only=filter_words(designs, since))
        if not context:
            result.note = load_prompt("empty_index") if not len(self.index) else load_prompt("no_evidence").format(
                score=0.0, threshold=self.threshold()
            )
            return result

        # The (possibly expanded) query finds the papers; the quotes must answer the question asked.
        read = self._score_units(asked, self._reading_set(context))
        units = [u for u in read if u.vec is not None]  # those that may be quoted
        if analysis.answer_type == "mechanism":
            _reward_definitions(units, [f.text for f in analysis.focus])
        unread = self._unread(analysis, read)
        result.missing = self.index.unmentioned([f.text for f in unread]) if unread else []
        if result.missing and not corrected:
            respelt = self._respell(result.missing, read)
            if respelt:  # "SARS-CON" -> "SARS-CoV": answer the question the user meant, and say so
                fixed = asked
                for typed, meant in respelt.items():
                    fixed = re.sub(rf"(?<![\w-]){re.escape(typed)}(?![\w-])", meant, fixed)
                return self.answer(question, mode=mode, search_query=None, max_quotes=max_quotes, resolved=fixed,
                                   corrected=list(respelt.items()), designs=designs, since=since)
        if self.reader:  # after the respelling above, which answers again: the reader reads each question once
            self._read(asked, units)
            result.reader_relevance = max((u.reading.relevance for u in units if u.reading), default=0.0)
        if asks_for_several(asked) and analysis.answer_type not in ("number", "yesno"):
            _reward_enumerations(units)
        if analysis.answer_type == "mechanism":  # after the reader, whose score is made afresh from the hand-set one
            _reward_causes(units, [f.text for f in analysis.focus])
        threshold = self.threshold()
        # A drug only papers on something else mention ("hydroxychloroquine" in a lupus abstract) is as good as
        # missing; an acronym may be spelt out in the passages read ("European League Against Rheumatism").
        absent = [f.text for f in unread if (f.text in result.missing or f.kind == "drug") and f.kind != "term"]
        named = [f.text for f in analysis.focus if f.kind not in ("name", "term")]
        if absent and len(absent) == len(named):  # nothing the question names is in what was read
            prompt = "missing" if len(result.missing) == len(absent) else "off_context"
            result.note = load_prompt(prompt).format(names=_join(absent))
            return result
        best = max((u.score for u in units), default=0.0)
        result.evidence_score = best
        # A specific term no paper contains ("knowlesi") is said to be missing unless the evidence is strong anyway:
        # a paper may say the same in other words ("Syncope during bathing ...?" of an abstract on fainting).
        terms = [f.text for f in analysis.focus if f.kind == "term" and f.text in result.missing]
        # Two gates: the hand-set score says whether the papers are on the question at all (an off-corpus question
        # scores low), the reader whether any passage read answers it (an on-topic question they do not answer).
        prior = max((u.prior for u in units), default=0.0)
        if terms and prior < cfg.min_relevance + cfg.missing_term_margin:
            result.note = load_prompt("missing").format(names=_join(terms))
            return result
        gates = [(prior, cfg.min_relevance)]
        if self.reader:
            gates.append((result.reader_relevance, cfg.reader_min_relevance))
        for score, gate in gates:
            if score < gate:
                result.note = load_prompt("no_evidence").format(score=score, threshold=gate)
                return result

        limit = max_quotes or cfg.max_sentences
        direct: list[tuple[str, _Unit]] = []
        if analysis.answer_type == "number" and analysis.quantity:
            # the number must come from a paper about the question's named focus (a rituximab dose is no mepolizumab dose),
            # and of what no paper names ("What proportion of malaria cases in Zanzibar are imported?") there is none
            about = self._about(asked, analysis, units)
            numeric = [u for u in units if states_quantity(analysis.quantity, u.text) and about[u.hit.doc_id]]
            best_numeric = max((u.score for u in numeric), default=0.0)
            if best_numeric < max(NUMBER_FLOOR * threshold, NUMBER_RELATIVE * best):
                unnamed = [f.text for f in analysis.focus if f.kind == "term" and f.text in result.missing]
                result.note = load_prompt("missing").format(names=_join(unnamed)) if unnamed else \
                    load_prompt("no_quantity").format(quantity=_QUANTITY_WORDS[analysis.quantity])
                return result
            chosen = self._select(numeric, best_numeric, limit, floor=NUMBER_FLOOR * threshold)
        elif analysis.answer_type == "list" and analysis.asked_class:
            direct = self._list_members(asked, analysis, units, best)
            must = [u for _, u in direct]
            chosen = _anchored(_without_other_members(self._select(units, best, limit, must=must), direct,
                                                      question_class(asked)), best, must)
        else:
            # a yes/no question is answered from papers about what it names: "Does dupilumab let patients stop
            # steroids?" is not answered "Yes" by a cohort of steroid withdrawal in another disease (when none of
            # their units is good enough to quote, all papers are, as before)
            on_subject = self._on_subject(asked, analysis, units) if analysis.answer_type == "yesno" else []
            chosen = on_subject and self._select(on_subject, max(u.score for u in on_subject), limit)
            chosen = chosen or self._select(units, best, limit)
        if analysis.attribute and not self._states_attribute(analysis, chosen):
            result.note = load_prompt("no_attribute").format(attribute=analysis.attribute)
            return result
        result.status = "answered"
        result.note = load_prompt("extractive_intro")
        if result.missing:
            result.note = load_prompt("missing_part").format(names=_join(result.missing)) + "\n\n" + result.note
        elif absent:
            result.note = load_prompt("off_context_part").format(names=_join(absent)) + "\n\n" + result.note
        result.parts, result.citations = _cite(chosen, self.index)
        line = _direct_line(direct, result.citations) if direct else None
        if line is None and self.reader:
            line = self._direct_answer(asked, analysis, chosen, result.citations)
        if line is not None:
            result.parts.insert(0, line)
        return result

    def _about(self, asked: str, analysis: QuestionAnalysis, units: list[_Unit]) -> dict[str, bool]:
        """For each paper read, whether it names everything the question names: its focus (drugs, acronyms,
        terms) and the places or studies it is asked of ("the Bangladesh regimen", "the Minsk survey") when any
        paper read names them (a user's "Kenyan" may be the papers' "Kenya"). A name counts when the paper writes
        it, spells it out, or writes what other papers define it as."""
        named = [f.text for f in analysis.focus if f.kind != "name"]
        read = {doc_id: self._paper(hit) for doc_id, hit in {u.hit.doc_id: u.hit for u in units}.items()}
        named += [t for t in proper_names(asked) if any(p.names(t) for p in read.values())]
        defined = {n: tuple({p.abbreviations[n] for p in read.values() if n in p.abbreviations}) for n in named}
        return {doc_id: all(p.names(n, defined[n]) for n in named) for doc_id, p in read.items()}

    def _on_subject(self, asked: str, analysis: QuestionAnalysis, units: list[_Unit]) -> list[_Unit]:
        """The units of the papers about what the question names, when some papers read are and others are not;
        otherwise [] (nothing to tell apart: the caller keeps all)."""
        about = self._about(asked, analysis, units)
        if all(about.values()) or not any(about.values()):
            return []
        return [u for u in units if about[u.hit.doc_id]]

    def _states_attribute(self, analysis: QuestionAnalysis, chosen: list[_Unit]) -> bool:
        """Whether a chosen quote names the asked attribute ("half-life"), in a paper that names what it is asked
        of ("emetine"; its specific words: not the corpus's topic words, found in over a fifth of all chunks).
        A term's concept members, its paper's abbreviations and the question's acronyms the quote spells out count."""
        terms = attribute_terms(analysis.attribute)
        subject = attribute_terms(analysis.attribute_of)
        subject = [t for t in subject if t not in self.index.common_terms(subject, share=0.2)]
        acronyms = [f.text for f in analysis.focus if f.kind == "trial or acronym"]
        for u in chosen:
            paper = self._paper(u.hit)
            tokens = set(tokenize(u.text)) | paper.abbreviation_tokens(u.text)
            tokens |= {t for a in acronyms if spelt_out(a, u.text) for t in tokenize(a)}  # "MDR-TB patients"
            if all(term_matches(t, tokens, u.text) for t in terms) and all(
                    term_matches(t, paper.tokens | paper.title_tokens, paper.title) or term_matches(t, tokens, u.text)
                    for t in subject):
                return True
        return False

    def _read(self, question: str, units: list[_Unit]) -> None:
        """The reader reads the `answer.reader_depth` best units by the hand-set score; each unit's score becomes
        `answer.reader_weight` * its relevance + the rest * that score (a unit not read keeps only the second term)."""
        cfg = self.settings.answer
        weight = cfg.reader_weight
        for u in units:
            u.score = (1 - weight) * u.prior
        ranked = sorted(units, key=lambda u: (-u.prior, u.sentences))[: cfg.reader_depth]
        for u, reading in zip(ranked, self.reader.read(question, [u.text for u in ranked])):
            u.reading = reading
            u.score = weight * reading.relevance + (1 - weight) * u.prior

    def _direct_answer(self, question: str, analysis: QuestionAnalysis, chosen: list[_Unit],
                       citations: list[Citation]) -> AnswerPart | None:
        """The direct first line from the reader (answer.direct): a number, a verdict, or the answer span."""
        evidence = [Evidence(u.text, u.hit.doc_id, u.start, u.end, u.reading, u.score) for u in chosen]
        if analysis.answer_type == "number" and analysis.quantity:
            return number_line(analysis.quantity, states_quantity, evidence, citations, measure_named(question),
                               question)
        if analysis.answer_type == "yesno":
            mark_leans(evidence, citations)
            # the verdict from the quotes that stand on their own merit: a weaker sentence of a paper already quoted
            # (SAME_PAPER_RELATIVE) is context, and its own lean shows on its quote
            top = max((e.score for e in evidence), default=0.0)
            line = verdict_line([e for e in evidence if e.score >= KEEP_RELATIVE * top], citations)
            tally, named = lean_tally(citations) if line else ("", [])
            if tally:  # "Yes [2]. Of 2 papers quoted: 1 says yes [2]; 1 does not settle it [1]."
                line.text = f"{line.text} {tally}"
                line.cites = sorted({*line.cites, *named})
            return line
        # "what/which/who ...", a list whose class the rules found no member of, or a "what is/does ...?" question
        # read as a mechanism for ranking ("What does inebilizumab target?", "What is emetine used to treat?")
        if analysis.answer_type in ("other", "list") or not asks_how_or_why(question):
            if asks_for_several(question):            # the members the best quotes enumerate
                return list_line(question, evidence, citations, asked_kind(question))
            return span_line(evidence, citations, asked_kind(question), question)  # one thing asked: its span
        if asks_how(question):  # the means a quote states: "By blocking ... [1]."
            return means_line(evidence, citations, question)
        return None  # "why", "what do X do": the reader's spans there were junk ("Responders [2].")

    def _uncovered_terms(self, question: str, analysis: QuestionAnalysis) -> list[Focus]:
        """Specific terms of the question that no indexed paper contains ("knowlesi", "pyrethroid",
        "atovaquone-proguanil"): not everyday words (`text.common_words`), not already a focus name. Like a missing
        drug, such a term is said to be missing rather than answered with passages about something else."""
        known = {f.text.lower() for f in analysis.focus}
        uncovered = []
        for word in dict.fromkeys(m.group(0) for m in _TERM.finditer(question)):
            # a compound is covered when its specific parts are: "thalidomide-treated" is about thalidomide
            parts = [p for p in re.split(r"[-/]", word) if _specific(p)] if "-" in word or "/" in word else \
                [word] if _specific(word) else []
            if word.lower() not in known and parts and any(self._unmentioned_term(p) for p in parts):
                uncovered.append(Focus(word, "term"))
        return uncovered

    def _unmentioned_term(self, term: str) -> bool:
        """No indexed chunk contains the term; an everyday medical word ("pregnancy") in none of its forms either
        (papers on "pregnant women" do mention pregnancy)."""
        names = forms_of(term) if is_common(term) else [term]
        return len(self.index.unmentioned(names)) == len(names)

    def _respell(self, missing: list[str], read: list[_Unit]) -> dict[str, str]:
        """{name as typed: the name meant} for missing names that are slips of the keyboard for a name the passages
        read, their papers' titles or the drug dictionary spell, and that the index does mention."""
        vocabulary = set()
        for u in read:
            vocabulary |= words_of(u.text)
            vocabulary |= words_of(str(u.hit.node.metadata.get("title", "")))
        respelt = {}
        for name in missing:
            meant = closest_spelling(name, vocabulary) or closest_spelling(name, generic_names())
            if meant and meant[:1].isupper() and meant[1:].islower() and name.islower():
                meant = meant.lower()  # "Protein" began a sentence; the user wrote in lower case
            meant = meant or other_name(name, vocabulary)  # "tryptophan" written "Trp": as the papers write it
            if meant and meant.lower() != name.lower() and not self.index.unmentioned([meant]):
                respelt[name] = meant
        return respelt

    @staticmethod
    def _unread(analysis: QuestionAnalysis, units: list[_Unit]) -> list[Focus]:
        """Focus entities (drugs, trials, markers) that no unit read names, under their own or their generic name,
        or spelt out ("MDR-TB" asked of a paper on "multidrug-resistant TB")."""
        written = " ".join(u.text for u in units)
        text = written.lower()
        return [f for f in analysis.focus if f.kind != "name" and f.text.lower() not in text
                and not (f.generic and f.generic in text) and not spelt_out(f.text, written)]

    def _list_members(self, question: str, analysis: QuestionAnalysis, units: list[_Unit], best: float) -> list[tuple[str, _Unit]]:
        """(member name, the best unit linking it to the question's relation), best first, one per member."""
        cls = question_class(question)
        relation = _relation_terms(question, cls, self.index)
        # a term no passage read contains ("hit", "push") is the user's wording, not a condition a quote can meet
        relation = [t for t in relation if any(mentions(t, u.text) for u in units)]
        found: dict[str, tuple[str, _Unit]] = {}
        # "which biologics among dupilumab and mepolizumab ...": only the members the question names may be listed
        among = re.search(r"\b(?:among|between)\b(.*)", question, re.IGNORECASE)
        named = {member_key(m.group(0)) for m in cls.members.finditer(among.group(1))} if among else set()
        # "... switched to when they relapsed on abatacept?", "which cells push B cells to ...?": a member the
        # question names is where it starts from, not an answer
        given = {member_key(m.group(0)) for m in cls.members.finditer(question[: among.start()] if among else question)}
        # the floor is relative to the best unit that names an answer: the best units overall may be about the
        # question's starting point ("abatacept produced a response ... but relapses were common") and name none
        first_linked: float | None = None
        for u in sorted(units, key=lambda u: (-u.score, u.sentences)):
            if u.score < LIST_FLOOR * (first_linked or 0.0) or u.score < self.threshold() * LIST_FLOOR:
                break
            for name in linked_members(cls, relation, u.text, str(u.hit.node.metadata.get("title", "")), frozenset(given)):
                key = member_key(name)
                if (not named or key in named) and key not in given:
                    found.setdefault(key, (name, u))
                    first_linked = first_linked or u.score
        return list(found.values())

    def _reading_set(self, context: list[Hit]) -> list[Hit]:
        """The context plus every other chunk of the top short documents.

        The per-document cap keeps the *shown* context diverse, but a claim often
        sits in a chunk of the best paper that ranked just below the cap.
        """
        cfg = self.settings.answer
        reading = list(context)
        have = {h.chunk_id for h in context}
        top_docs = list(dict.fromkeys(h.doc_id for h in context))[: cfg.read_whole_documents]
        for doc_id in top_docs:
            record = self.index.document(doc_id)
            if record is None or len(record.chunk_ids) > cfg.short_document_chunks:
                continue
            best = next(h for h in context if h.doc_id == doc_id)
            for node in self.index.chunks([cid for cid in record.chunk_ids if cid not in have]):
                reading.append(Hit(node, score=best.score, rank=best.rank))
        return reading

    def _units(self, context: list[Hit]) -> list[_Unit]:
        """Sentences and adjacent same-paragraph pairs of the context chunks, deduplicated by span."""
        units: dict[tuple[str, int, int], _Unit] = {}
        for hit in context:
            text, base = hit.node.text, hit.node.start_char_idx or 0
            spans = [(a, b) for a, b in split_sentences(text) if is_evidence(text[a:b])]
            for i, (a, b) in enumerate(spans):
                units.setdefault((hit.doc_id, base + a, base + b), _Unit(hit, base + a, base + b, text[a:b], 1))
                if i + 1 < len(spans) and "\n" not in text[b : spans[i + 1][0]] and not text[b : spans[i + 1][0]].strip():
                    c = spans[i + 1][1]
                    d, e = spans[i + 1]
                    halves = ((hit.doc_id, base + a, base + b), (hit.doc_id, base + d, base + e))
                    units.setdefault((hit.doc_id, base + a, base + c),
                                     _Unit(hit, base + a, base + c, text[a:c], 2, halves=halves))
        return list(units.values())

    def _score_units(self, query: str, context: list[Hit]) -> list[_Unit]:
        """Every unit of the passages read, each with its lexical score; those whose sentences have vectors (all of
        them unless `answer.max_new_chars` binds) also get a vector, a semantic score and their score. A unit
        left without a vector keeps `vec` None: it still counts as read, but is never quoted."""
        units = self._units(context)
        model = self.index.embed_model
        qvec = embed_query(model, query)
        papers: dict[str, _Paper] = {}
        for unit in units:
            if unit.hit.doc_id not in papers:
                papers[unit.hit.doc_id] = self._paper(unit.hit)
        # "how often does X happen?": the question's frame words are not what a quote must contain
        idf = self.index.term_weights(question_tokens(content_words(query)))
        total = sum(idf.values()) or 1.0
        for unit in units:
            paper = papers[unit.hit.doc_id]
            tokens = set(tokenize(unit.text)) | paper.abbreviation_tokens(unit.text)
            # A term the sentence lacks but its paper states still counts in part: the title (0.5) or the rest of the
            # paper (0.3): "77% met the primary outcome" answers "... after rituximab?" in a rituximab trial report.
            unit.lexical = sum(
                w if term_matches(t, tokens, unit.text)
                else TITLE_CREDIT * w if term_matches(t, paper.title_tokens, paper.title)
                else PAPER_CREDIT * w if t in paper.tokens else 0.0
                for t, w in idf.items()
            ) / total
        for unit, vec in zip(units, _unit_vectors(self.index, units, papers, self.settings.answer.max_new_chars)):
            if vec is None:
                continue
            unit.vec = vec
            unit.semantic = float(vec @ qvec)
            unit.score = SEMANTIC_WEIGHT * unit.semantic + LEXICAL_WEIGHT * unit.lexical
            if unit.sentences == 2:
                unit.score -= PAIR_PENALTY
            unit.prior = unit.score
        return units

    def _select(self, units: list[_Unit], best: float, max_quotes: int, must: list[_Unit] | None = None,
                floor: float | None = None) -> list[_Unit]:
        """The best non-overlapping, non-redundant units; `must` (a list answer's members) first, however many.
        A paper comes in with a unit scoring KEEP_RELATIVE of the best; a paper already in, with SAME_PAPER_RELATIVE."""
        floor = self.threshold() if floor is None else floor
        chosen: list[_Unit] = list(dict.fromkeys(must or []))
        sentences = sum(u.sentences for u in chosen)
        # A list's members may come from more papers; other quotes only from the best `answer.max_papers`.
        papers, max_papers = {u.hit.doc_id for u in chosen}, self.settings.answer.max_papers
        # a sentence that only announces what follows ("... has several limitations.") comes with the next one
        continued = {(u.hit.doc_id, u.start): u for u in units if u.sentences == 2}
        # equally relevant quotes (the same score to TIE_DECIMALS): the stronger study design first
        for u in sorted(units, key=lambda u: (-round(u.score, TIE_DECIMALS), self._paper(u.hit).card.strength,
                                              -u.score, u.sentences)):
            if len(chosen) >= max_quotes or u.score < max(floor, SAME_PAPER_RELATIVE * best):
                break
            if u.sentences == 1 and announces(u.text) and (u.hit.doc_id, u.start) in continued:
                u = continued[(u.hit.doc_id, u.start)]
            new_paper = u.hit.doc_id not in papers
            if u in chosen or (new_paper and (u.score < KEEP_RELATIVE * best or len(papers) >= max_papers)):
                continue
            overlaps = any(c.hit.doc_id == u.hit.doc_id and c.start < u.end and u.start < c.end for c in chosen)
            if overlaps or sentences + u.sentences > MAX_SENTENCES:
                continue
            if any(float(u.vec @ c.vec) > REDUNDANT_COSINE for c in chosen):
                continue
            chosen.append(u)
            papers.add(u.hit.doc_id)
            sentences += u.sentences
        # Read as the papers do: documents by their best unit, units in document order.
        doc_rank: dict[str, int] = {}
        for u in chosen:
            doc_rank.setdefault(u.hit.doc_id, len(doc_rank))
        return sorted(chosen, key=lambda u: (doc_rank[u.hit.doc_id], u.start))


_QUANTITY_WORDS = {"cost": "a cost", "dose": "a dose", "route": "how it is given (a route or a dose)",
                   "share": "a share or proportion", "count": "a number", "measure": "a value", "duration": "a duration",
                   "frequency": "how often"}


def _reward_definitions(units: list[_Unit], names: list[str]) -> None:
    """A sentence that defines a focus name ("Rituximab, an anti-CD20 antibody, ...", "X binds ...") says how it works."""
    for name in names:
        defining = re.compile(
            rf"\b{re.escape(name)}\b(?:,?\s+(?:an?|the)\s|\s+(?:is|was)\s+an?\s|\s+(?:binds|blocks|targets|inhibits|depletes|"
            r"neutrali[sz]es|acts|works|suppresses|regulates)\b)", re.IGNORECASE)
        for u in units:
            if defining.search(u.text):
                u.score += DEFINITION_BONUS
                u.prior += DEFINITION_BONUS


# Words that say how or why: a means ("by blocking", "through", "via"), a consequence ("resulting in", "leads to",
# "thereby", "thus") or a reason ("because", "due to", "owing to"); generic across fields.
_CAUSE = re.compile(r"\b(?:by\s+\w+ing|through|via|thereby|thus|hence|therefore|because|due to|owing to|as a result|"
                    r"result(?:s|ed|ing)? in|lead(?:s|ing)? to|led to|caus(?:e|es|ed|ing)|mediat(?:e|es|ed|ing)|"
                    r"depend(?:s|ent|ing)? on|-dependent|which (?:in turn )?(?:allows|enables|prevents|blocks|drives))\b", re.I)


def _reward_causes(units: list[_Unit], names: list[str]) -> None:
    """A how/why question is answered by a sentence that states a means, a consequence or a reason: such a unit gains
    CAUSE_BONUS in its ranking score (not in the hand-set score the off-corpus gate reads). When the question names
    something ("how does rituximab work ...?"), only a sentence naming it gains: a background sentence's "because"
    ("... was long considered a disease driven by type 2 helper T cells, because ...") says why of something else."""
    if not CAUSE_BONUS:
        return
    named = [re.compile(rf"(?<![\w-]){re.escape(n)}(?![\w-])", re.IGNORECASE) for n in names]
    for u in units:
        if _CAUSE.search(u.text) and (not named or any(p.search(u.text) for p in named)):
            u.score += CAUSE_BONUS


def _anchored(chosen: list[_Unit], best: float, anchors: list[_Unit]) -> list[_Unit]:
    """The quotes whose paper is still quoted on its own merit (a unit at KEEP_RELATIVE of the best, or a list
    member's): a weaker sentence let in beside a stronger one of its paper (SAME_PAPER_RELATIVE) goes when that one
    was dropped by `_without_other_members` (a review's inebilizumab sentence, dropped from "which biologics target
    Th2?", had let in its weaker one on mepolizumab)."""
    kept = {u.hit.doc_id for u in chosen if u.score >= KEEP_RELATIVE * best or u in anchors}
    return [u for u in chosen if u.hit.doc_id in kept]


def _without_other_members(chosen: list[_Unit], direct: list[tuple[str, _Unit]], cls) -> list[_Unit]:
    """A list answer's quotes, less those of papers no member came from that name only other members of the asked
    class: "Rituximab ... depletes B cells" from a review, beside "Dupilumab [3] and mepolizumab [2]" from a letter,
    for "which biologics target Th2?", is about a biologic the rules found not linked to the question: a paper that
    does not answer. Quotes naming no member stay (they may say why), as does every quote of a paper that answers."""
    if not direct or cls is None:
        return chosen
    answer = {member_key(name) for name, _ in direct}
    answering = {u.hit.doc_id for _, u in direct}
    kept = []
    for u in chosen:
        named = {member_key(m.group(0)) for m in cls.members.finditer(u.text)}
        if u.hit.doc_id in answering or not named or named & answer:
            kept.append(u)
    return kept


def _reward_enumerations(units: list[_Unit]) -> None:
    """A question asking for several things ("which enzyme treatments ...?") is answered by a sentence that
    enumerates them ("neuraminidase, chymotrypsin and trypsin"): such a unit gains ENUMERATION_BONUS in its
    score (not in the hand-set score the off-corpus gate reads)."""
    for u in units:
        if enumerations(u.text):
            u.score += ENUMERATION_BONUS


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _relation_terms(question: str, cls, index: CorpusIndex) -> list[str]:
    """What a list member must be linked to: the question's own content terms, less the class noun, generic verbs,
    the parts of compound names, and the corpus's topic words (in over a fifth of all chunks, e.g. "disease")."""
    # "... deplete B cells in IgG4-related disease?": the closing "in/for/among ..." phrase is the setting, not the relation
    # unless nothing else is left: "which drug was tried in patients with sialadenitis and asthma?" asks about the setting
    if cls.name in ("drug", "biologic"):  # "which drug were they switched to?" = which drug were they given
        question = re.sub(r"\b(?:switch|chang)(?:ed|es|e|ing)?\s+(?:over\s+)?to\b", "given", question, flags=re.IGNORECASE)
    core = re.sub(r"\s+(?:in|for|among|within)\s+(?:patients\s+with\s+|people\s+with\s+)?[^,;]+\??$", "", question.strip())
    class_words = {t for noun in cls.nouns for t in tokenize(noun)}

    def content(text: str) -> list[str]:
        tokens = question_tokens(text)
        parts = {p for c in tokens if "-" in c for p in tokenize(c.replace("-", " "))}
        terms = [t for t in dict.fromkeys(tokens) if t not in parts and t not in class_words and t not in GENERIC_RELATION
                 and t not in _QUESTION_WORDS and not cls.members.fullmatch(t)]
        common = index.common_terms(terms, share=0.2)
        return [t for t in terms if t not in common]

    return content(core) or content(question)


def _specific(word: str) -> bool:
    """A term, not the user's wording: an everyday word medicine uses as a term ("pregnancy", "diabetes"), or not
    an everyday word and written like a name (capitals or digits) or long (7+ letters: "knowlesi", "pyrethroid");
    a short rare word ("combos") is more often a user's slang."""
    if len(word) >= 4 and is_biomedical(word) and not is_frame_word(word):  # not "dose", "risk", "patients"
        return True
    return len(word) >= 2 and not is_common(word) and (len(word) >= 7 or word.lower() != word or any(c.isdigit() for c in word))


_TERM = re.compile(r"(?<![\w-])[A-Za-z][\w-]*[A-Za-z0-9](?![\w-])")  # a word or compound of 2+ characters

_QUESTION_WORDS = frozenset(tokenize("which what who how does did do is are was were can could name list give tell show "
                                     "me us please patients patient among between one ones without off out up not"))


def _direct_line(members: list[tuple[str, _Unit]], citations: list[Citation]) -> AnswerPart:
    """"Dupilumab [1] and mepolizumab [2].": each member of the asked class with the citation of the quote naming it."""
    named = []
    for name, unit in members:
        n = next((c.n for c in citations if c.doc_id == unit.hit.doc_id and c.start <= unit.start and unit.end <= c.end), None)
        if n is not None:
            named.append((name, n))
    return names_line(named, citations)


def _unit_vectors(index: CorpusIndex, units: list[_Unit], papers: dict[str, _Paper],
                  max_chars: int | None) -> list[np.ndarray | None]:
    """Each unit's vector, or None when the bound on fresh embeddings left one of its sentences out.

    Single sentences only are embedded; a pair's vector is the length-weighted mean of its two sentences.
    MiniLM mean-pools its token vectors, so the weighted mean of two sentence
    vectors approximates the pair's own vector (cosine to it: median 0.951,
    5th percentile 0.868, on 136 pairs of four sample questions) at a third of
    the embedding cost: pairs hold two thirds of the tokens. The sample question
    set and the refusal calibration give the same results as with real pair vectors.
    A sentence is embedded with the abbreviations its paper defines spelled out
    ("incidence of DGE (delayed gastric emptying)"): MiniLM does not know them.

    Sentence vectors come through the index's memo and embedding cache, so the papers of a conversation's
    earlier questions, or of an earlier `ask`, cost no model call. Of the sentences that do need the model, those
    of the units with the most lexical evidence come first, then reading order, until `max_chars` characters
    are spent (None: all; the first is always embedded). A cold answer reads ~20 chunks, ~50-100 sentences: on
    a CPU without AMX that is most of a second; the sentences left out are those sharing the fewest of the
    question's terms, which rarely win (`python -m bench.answer_budget` measures what the bound changes).
    """
    texts = {(u.hit.doc_id, u.start, u.end): papers[u.hit.doc_id].spelled_out(u.text) for u in units if u.sentences == 1}
    if not texts:
        return [None] * len(units)
    known = index.known_sentence_vectors(list(texts.values()))
    fresh = [key for key, text in texts.items() if text not in known]
    if max_chars is not None and sum(len(texts[key]) for key in fresh) > max_chars:
        evidence: dict[tuple[str, int, int], float] = {}
        for u in units:
            for key in (u.halves or ((u.hit.doc_id, u.start, u.end),)):
                evidence[key] = max(evidence.get(key, 0.0), u.lexical)
        position = {key: i for i, key in enumerate(texts)}
        ranked, fresh, spent = sorted(fresh, key=lambda key: (-evidence.get(key, 0.0), position[key])), [], 0
        for key in ranked:
            spent += len(texts[key])
            if fresh and spent > max_chars:
                break
            fresh.append(key)
    new_texts = list(dict.fromkeys(texts[key] for key in fresh))
    if new_texts:
        known.update(zip(new_texts, index.sentence_vectors(new_texts)))
    by_key = {key: known[text] for key, text in texts.items() if text in known}
    vecs: list[np.ndarray | None] = []
    for u in units:
        if u.sentences == 1:
            vecs.append(by_key.get((u.hit.doc_id, u.start, u.end)))
        elif u.halves[0] in by_key and u.halves[1] in by_key:
            (k1, k2), (w1, w2) = u.halves, (u.halves[0][2] - u.halves[0][1], u.halves[1][2] - u.halves[1][1])
            mean = w1 * by_key[k1] + w2 * by_key[k2]
            vecs.append((mean / max(float(np.linalg.norm(mean)), 1e-12)).astype("float32"))
        else:
            vecs.append(None)
    return vecs


def _cite(chosen: list[_Unit], index: CorpusIndex) -> tuple[list[AnswerPart], list[Citation]]:
    """One citation per run of chosen units that follow each other within one paragraph."""
    parts: list[AnswerPart] = []
    citations: list[Citation] = []
    for s in chosen:
        doc = index.document(s.hit.doc_id)
        last = citations[-1] if citations else None
        gap = doc.text[last.end : s.start] if last and doc else "x"
        if last and last.doc_id == s.hit.doc_id and not gap.strip() and "\n" not in gap:
            last.end = s.end
            last.quote = doc.text[last.start : last.end]
            parts[-1].text = last.quote
            continue
        citation = Citation(
            n=len(citations) + 1, doc_id=s.hit.doc_id, title=str(s.hit.node.metadata.get("title", "")),
            source=str(s.hit.node.metadata.get("source", "")), chunk_id=s.hit.chunk_id, quote=s.text,
            start=s.start, end=s.end, study=card_of(doc.text, doc.metadata).to_dict() if doc else {},
        )
        citations.append(citation)
        parts.append(AnswerPart(text=s.text, cites=[citation.n]))
    return parts, citations


def _passage(hit: Hit) -> RetrievedPassage:
    meta = hit.node.metadata
    return RetrievedPassage(
        rank=hit.rank, chunk_id=hit.chunk_id, doc_id=hit.doc_id, title=str(meta.get("title", "")),
        source=str(meta.get("source", "")), score=round(hit.score, 6),
        dense=None if hit.dense is None else round(hit.dense, 6), bm25=None if hit.bm25 is None else round(hit.bm25, 6),
        start=hit.node.start_char_idx or 0, end=hit.node.end_char_idx or 0, text=hit.node.text,
    )
