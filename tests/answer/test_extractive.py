"""The extractive answerer on a tiny corpus with the hash embedding (fast)."""

from __future__ import annotations

import numpy as np
import pytest

from answer.extractive import ExtractiveAnswerer, select_context
from answer.render import answer_json, answer_markdown, escape_markdown
from errors import QuestionError
from index.corpus import CorpusIndex, Hit
from ingest.pipeline import ingest
from tests.index.test_corpus import DOCS, write_corpus
from text.concepts import defined_abbreviations


@pytest.fixture
def answerer(tmp_path, settings, hash_model) -> ExtractiveAnswerer:
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", DOCS)])
    return ExtractiveAnswerer(index)


def test_every_citation_is_an_exact_quote(answerer):
    result = answerer.answer("Which drug inhibits IL-13 signalling?")
    assert result.status == "answered" and result.citations
    assert result.citations[0].doc_id == "dupilumab"
    for c in result.citations:
        doc = answerer.index.document(c.doc_id)
        assert doc.text[c.start : c.end] == c.quote
        assert c.chunk_id.startswith(c.doc_id + "#") and c.title == doc.title
    assert [n for p in result.parts if p.kind == "quote" for n in p.cites] == [c.n for c in result.citations]
    assert result.parts[0].kind == "direct" and result.parts[0].text.startswith("Dupilumab [1]")


def test_answer_text_is_only_quotes_and_citation_marks(answerer):
    result = answerer.answer("Which drug inhibits IL-13 signalling?")
    md = answer_markdown(result)
    quotes = [line for line in md.splitlines() if line.startswith("- ")]
    assert quotes and md.startswith("Dupilumab [1]")  # the name first, then the quotes
    for line in quotes:
        quote, _, marks = line[2:].rpartition(" ")
        assert marks.startswith("[") and any(c.quote == quote for c in result.citations)


def test_unrelated_question_is_refused_without_citations(answerer):
    result = answerer.answer("How do I bake sourdough bread at home?")
    assert result.status == "no_evidence" and result.citations == [] and "nothing" in result.note


def test_empty_index_says_so(settings, hash_model):
    result = ExtractiveAnswerer(CorpusIndex.open(settings.paths.index_dir, settings)).answer("anything?")
    assert result.status == "no_evidence" and "index is empty" in result.note


@pytest.mark.parametrize("question, message", [
    ("   ", "empty"), ("x" * 50_000, "50,000 characters"), ("\x00\x1b\u202e", "empty"), ("[1]", "citation marker alone"),
    ("[2, 3] ?", "citation marker alone"), ("🙂🙂🙂", "no words to search for"), ("???", "no words to search for"),
])
def test_bad_questions_raise_a_clear_error(answerer, question, message):
    with pytest.raises(QuestionError, match=message):
        answerer.answer(question)


# questions in other scripts, with emoji or hidden characters: never an error; the English ones answered from the
# dupilumab paper (what their words ask), the others refused (the hash embedding shares no word with them)
ODD_QUESTIONS = {"ما هو مرض IgG4؟": None, "IgG4関連疾患の治療は何ですか": None, "Does dupilumab 💊 block IL-13?": "dupilumab",
                 "what\x00 drug\x1b blocks\u200b IL-13?": "dupilumab",
                 "\u202eevil\u202c Which drug inhibits IL-13 signalling?": "dupilumab"}


@pytest.mark.parametrize("question", ODD_QUESTIONS)
def test_odd_questions_are_answered_or_refused_and_control_characters_dropped(answerer, question):
    result = answerer.answer(question)
    if ODD_QUESTIONS[question] is None:
        assert result.status == "no_evidence" and not result.citations and "found nothing" in result.note
    else:
        assert result.status == "answered" and result.citations[0].doc_id == ODD_QUESTIONS[question]
    assert not any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E or c == "\u200b" for c in result.question)


def test_json_shape(answerer):
    data = answer_json(answerer.answer("Which drug inhibits IL-13 signalling?"))
    assert {"question", "answer", "citations", "retrieved"} <= set(data)
    assert set(data["citations"][0]) == {"n", "doc_id", "title", "source", "chunk_id", "quote", "start", "end", "lean", "study"}
    assert data["citations"][0]["study"]["design_label"]  # every cited paper has a card, "design unknown" at worst
    assert "[1]" in data["answer"]
    assert {"rank", "chunk_id", "doc_id", "score", "text"} <= set(data["retrieved"][0])


def test_per_document_cap(settings):
    from llama_index.core.schema import TextNode

    hits = [Hit(TextNode(id_=f"{d}#{i}", text="t", metadata={"doc_id": d}), 1.0, r)
            for r, (d, i) in enumerate([("a", 0), ("a", 1), ("a", 2), ("b", 0), ("a", 3), ("c", 0)], 1)]
    assert [h.chunk_id for h in select_context(hits, limit=4, per_document=2)] == ["a#0", "a#1", "b#0", "c#0"]
    # no other paper waiting: the capped paper's next chunks fill the empty slots, in rank order
    assert [h.chunk_id for h in select_context(hits[:5], limit=4, per_document=2)] == ["a#0", "a#1", "a#2", "b#0"]


def test_untrusted_text_is_escaped():
    escaped = escape_markdown('<script>alert(1)</script> [x](javascript:alert(1)) **bold** & <img src=x onerror=alert(1)>')
    assert "<" not in escaped.replace("\\<", "") and "[x]" not in escaped and "**" not in escaped


def _recording(index) -> list[list[str]]:
    """Every batch of sentences the answer sends to the model (through `index.sentence_vectors`)."""
    batches: list[list[str]] = []
    original = index.sentence_vectors
    index.sentence_vectors = lambda texts: batches.append(list(texts)) or original(texts)
    return batches


def test_a_bound_on_fresh_embeddings_embeds_the_best_evidence_and_quotes_only_that(tmp_path, settings, hash_model):
    settings.paths.embed_cache = None  # every sentence is fresh
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", DOCS)])
    question = "Which drug inhibits IL-13 signalling?"

    unbounded = _recording(index)
    ExtractiveAnswerer(index).answer(question)
    assert sum(map(len, unbounded)) >= 4  # every sentence read: the bound below really binds

    index._sentence_memo.clear()
    settings.answer.max_new_chars = 1  # the first sentence is always embedded, no second fits
    bounded = _recording(index)
    result = ExtractiveAnswerer(index).answer(question)
    assert bounded == [["Dupilumab blocks IL-4Rα and so inhibits IL-13 signalling."]]  # the most question terms
    assert result.status == "answered" and [c.quote for c in result.citations] == bounded[0]

    # a sentence embedded once is free afterwards: the same question again embeds its next-best sentence only
    again = _recording(index)
    ExtractiveAnswerer(index).answer(question)
    assert len(again) == 1 and len(again[0]) == 1 and again[0] != bounded[0]


def test_a_misspelt_name_is_read_as_the_indexed_one_and_the_answer_says_so(answerer):
    """"ritixumab" is missing from the index, one edit from "rituximab", which is not: answered as that, said."""
    result = answerer.answer("What does ritixumab deplete?")
    assert result.corrected == [["ritixumab", "rituximab"]]
    assert result.status == "answered" and result.citations[0].doc_id == "rituximab"
    assert "ritixumab" in answer_markdown(result) and answer_json(result)["corrected"] == [["ritixumab", "rituximab"]]
    assert answerer.answer("What does zzqxumab deplete?").corrected == []  # nothing close: not guessed


def test_an_amino_acid_asked_by_name_is_found_by_its_code_and_the_answer_says_so(tmp_path, settings, hash_model):
    """"tryptophan" is in no paper; "Trp" is: read as that, in the papers' case, and said."""
    docs = {"card.txt": "CarD activates transcription\n\nA conserved CarD Trp residue wedges into the DNA minor groove. "
                        "W86 is conserved among greater than 95% of CarD proteins."}
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", docs)])
    result = ExtractiveAnswerer(index).answer("Which CarD tryptophan wedges into the minor groove?")
    assert result.corrected == [["tryptophan", "Trp"]] and result.status == "answered"


def test_a_number_asked_of_something_no_paper_names_is_refused_saying_what_is_missing(tmp_path, settings, hash_model):
    """"Zanzibar" is in no paper: a share of other places' cases is not the one asked for, and the refusal says
    why (it said no passage states a share, though one does)."""
    docs = {"imported.txt": "Imported malaria on islands\n\n"
                            "The proportion of malaria cases that are imported was 12% on Pemba island.",
            "nets.txt": "Bed nets in Kenya\n\nBed nets were given to 300 households in Kilifi."}
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", docs)])
    result = ExtractiveAnswerer(index).answer("What proportion of malaria cases in Zanzibar are imported?")
    assert result.missing == ["Zanzibar"] and result.status != "answered" and not result.citations
    assert "mention Zanzibar" in result.note, result.note


def test_equally_relevant_quotes_put_the_stronger_design_first(tmp_path, settings, hash_model):
    """The same sentence in a case report and in a randomised trial scores the same: the trial's quote leads."""
    sentence = "Dupilumab reduced serum IgG4 concentrations in patients with IgG4-related disease."
    docs = {"case.txt": f"Dupilumab in IgG4-related disease: a case report\n\n{sentence}",
            "trial.txt": f"Dupilumab in IgG4-related disease: a randomised controlled trial\n\n{sentence}"}
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", docs)])
    result = ExtractiveAnswerer(index).answer("Did dupilumab reduce serum IgG4 in IgG4-related disease?", max_quotes=1)
    assert [c.study["design"] for c in result.citations] == ["randomised_trial"]


def test_a_question_asking_for_several_things_favours_a_quote_that_enumerates_them():
    """The bonus lands on the ranking score only: the off-corpus gate reads the hand-set score, which it leaves alone."""
    from answer.extractive import ENUMERATION_BONUS, _reward_enumerations, _Unit

    listing = _Unit(hit=None, start=0, end=1, sentences=1, score=0.5, prior=0.5,
                    text="PfMA bound erythrocytes treated with neuraminidase, chymotrypsin and trypsin.")
    prose = _Unit(hit=None, start=0, end=1, sentences=1, score=0.52, prior=0.52,
                  text="Enzyme treatment of red cells is a standard way to map receptors.")
    _reward_enumerations([listing, prose])
    assert listing.score == pytest.approx(0.5 + ENUMERATION_BONUS) and listing.prior == 0.5
    assert prose.score == 0.52 and listing.score > prose.score


def test_a_list_answer_drops_quotes_of_papers_that_name_only_other_members():
    """"Which biologics target Th2?": the review's rituximab sentence names a biologic the rules did not link to Th2;
    the letter's own rituximab sentence stays (its paper answers), as does a sentence naming no biologic."""
    from types import SimpleNamespace

    from answer.extractive import _Unit, _without_other_members
    from text.concepts import question_class

    def unit(doc: str, text: str) -> _Unit:
        return _Unit(hit=SimpleNamespace(doc_id=doc), start=0, end=len(text), text=text, sentences=1)

    named = unit("letter", "We treated the patient with dupilumab, which blocks IL-4 and IL-13 signalling in Th2 cells.")
    context = unit("letter", "So far rituximab has been discussed, but Th2 cells are a therapeutic target.")
    why = unit("letter", "Th2 cells drive the disease.")
    other = unit("review", "Rituximab, an anti-CD20 monoclonal antibody, depletes mature B cells.")
    kept = _without_other_members([named, context, why, other], [("dupilumab", named)],
                                  question_class("which biologics target Th2?"))
    assert kept == [named, context, why]


def test_quotes_beyond_the_paper_limit_come_from_papers_already_quoted(answerer):
    """answer.max_papers: once the best quotes come from that many papers, a better-scoring sentence of another paper
    is passed over for the next sentence of a paper already quoted (malaria passage quoted 67 -> 72 %)."""
    from answer.extractive import _Unit

    index = answerer.index
    hits = {h.doc_id: h for h in index.search("IL-13 rituximab thalidomide remission fibrosis", k=10)}
    assert len(hits) == 3
    dims = iter(range(10))

    def unit(doc_id: str, score: float) -> _Unit:
        vec = np.zeros(10, dtype=np.float32)
        vec[next(dims)] = 1.0  # orthogonal: none is redundant with another
        hit = hits[doc_id]
        start = (hit.node.start_char_idx or 0) + int(score * 100) % 7  # distinct, non-overlapping spans
        return _Unit(hit, start, start, f"{doc_id} {score}", 1, score=score, vec=vec)

    units = [unit("dupilumab", 0.9), unit("rituximab", 0.89), unit("thalidomide", 0.88), unit("dupilumab", 0.86)]
    answerer.settings.answer.max_papers = 2
    chosen = answerer._select(units, best=0.9, max_quotes=5, floor=0.0)
    assert sorted((u.hit.doc_id, u.score) for u in chosen) == \
        [("dupilumab", 0.86), ("dupilumab", 0.9), ("rituximab", 0.89)]
    answerer.settings.answer.max_papers = 3
    assert len(answerer._select(units, best=0.9, max_quotes=5, floor=0.0)) == 4
    assert len(answerer._select(units, best=0.9, max_quotes=1, floor=0.0)) == 1  # "Quotes per answer: 1" means one


def test_a_paper_already_quoted_may_add_a_weaker_sentence_another_paper_may_not(answerer):
    """SAME_PAPER_RELATIVE: at 0.65 of the best score, a second sentence of the best paper is quoted (the answering
    sentence is often its second or third best), one of another paper is not (it would bring in a paper that may not
    answer), and under 0.6 of the best neither is."""
    from answer.extractive import KEEP_RELATIVE, SAME_PAPER_RELATIVE, _Unit

    assert SAME_PAPER_RELATIVE < 0.65 < KEEP_RELATIVE
    hits = {h.doc_id: h for h in answerer.index.search("IL-13 rituximab thalidomide remission fibrosis", k=10)}
    dims = iter(range(10))

    def unit(doc_id: str, score: float, offset: int) -> _Unit:
        vec = np.zeros(10, dtype=np.float32)
        vec[next(dims)] = 1.0
        start = (hits[doc_id].node.start_char_idx or 0) + offset
        return _Unit(hits[doc_id], start, start + 1, f"{doc_id} {score}", 1, score=score, vec=vec)

    units = [unit("dupilumab", 1.0, 0), unit("rituximab", 0.65, 0), unit("dupilumab", 0.65, 5),
             unit("dupilumab", 0.55, 10)]
    chosen = answerer._select(units, best=1.0, max_quotes=5, floor=0.0)
    assert sorted((u.hit.doc_id, u.score) for u in chosen) == [("dupilumab", 0.65), ("dupilumab", 1.0)]



def test_a_papers_plural_and_lower_case_abbreviations_are_read_as_their_long_forms():
    """"The transferred IMs ... in mLNs": the paper defined "inflammatory monocytes (IMs)" and "mediastinal lymph
    nodes (mLNs)"; the sentence's words for the question and its embedded text both carry the long forms."""
    from answer.extractive import _Paper

    text = ("Inflammatory monocytes (IMs) traffic from the lung to the mediastinal lymph nodes (mLNs). "
            "The transferred IMs up-regulated MHC class II, CD11c and CD103 in mLNs.")
    paper = _Paper("t", set(), set(), defined_abbreviations(text), None, text)
    sentence = "The transferred IMs up-regulated MHC class II, CD11c and CD103 in mLNs."
    assert {"monocyt", "mediastin", "lymph"} <= {t[:9] for t in paper.abbreviation_tokens(sentence)}
    assert paper.spelled_out(sentence) == ("The transferred IMs (Inflammatory monocytes) up-regulated MHC class II, "
                                           "CD11c and CD103 in mLNs (mediastinal lymph nodes).")


def test_a_weaker_sentence_of_a_quoted_paper_does_not_decide_the_verdict(answerer):
    """Quoted only as context (under KEEP_RELATIVE of the best score, allowed in by SAME_PAPER_RELATIVE), a sentence
    the reader reads as "no" about another group does not turn the best quote's "yes" into "No [2]" (a full-text
    question, "do healthy controls also have the tract?", went Yes -> No before this); its own lean still shows."""
    from types import SimpleNamespace

    from answer.extractive import _Unit
    from answer.models import Citation
    from answer.question import analyse
    from answer.reader import Reading

    best_text, other_text = "All controls had the tract.", "In the negative group it was not found."
    best = _Unit(SimpleNamespace(doc_id="p"), 0, len(best_text), best_text, 1, score=1.0,
                 reading=Reading(0.9, yes=0.8, no=0.1))
    weaker = _Unit(SimpleNamespace(doc_id="p"), 100, 100 + len(other_text), other_text, 1, score=0.65,
                   reading=Reading(0.95, yes=0.02, no=0.95))  # relevance x verdict 0.90 against the best's 0.72
    citations = [Citation(n=1, doc_id="p", title="", source="", chunk_id="p#0", quote=best_text, start=0,
                          end=len(best_text)),
                 Citation(n=2, doc_id="p", title="", source="", chunk_id="p#1", quote=other_text, start=100,
                          end=100 + len(other_text))]
    question = "Do the controls also have the tract?"
    line = answerer._direct_answer(question, analyse(question), [best, weaker], citations)
    assert line is not None and line.text == "Yes [1]."
    assert [c.lean for c in citations] == ["yes", "no"]


def test_a_weaker_sentence_goes_when_the_stronger_one_of_its_paper_was_dropped():
    """_anchored: a review came in on its sentence about another drug (0.84 of the best), which the list filter then
    dropped; its weaker sentence (0.65, let in only beside that one) goes with it. A list member's unit anchors its
    paper whatever its score."""
    from types import SimpleNamespace

    from answer.extractive import _anchored, _Unit

    def unit(doc: str, score: float) -> _Unit:
        return _Unit(SimpleNamespace(doc_id=doc), 0, 1, f"{doc} {score}", 1, score=score)

    letter_best, letter_member, review_weak = unit("letter", 1.0), unit("letter", 0.62), unit("review", 0.65)
    member_elsewhere, its_context = unit("case", 0.5), unit("case", 0.62)
    kept = _anchored([letter_best, letter_member, review_weak, member_elsewhere, its_context], 1.0,
                     [letter_member, member_elsewhere])
    assert kept == [letter_best, letter_member, member_elsewhere, its_context]


def test_a_yes_no_question_is_answered_from_papers_about_what_it_names(tmp_path, settings, hash_model, monkeypatch):
    """"Does dupilumab let patients stop steroids?": a cohort of steroid withdrawal in another disease says more
    about stopping steroids, but nothing about dupilumab; it was quoted, and its lean gave the verdict (sample corpus:
    "Yes [1]" from a polymyalgia cohort). Only papers naming dupilumab are quoted while any paper read does."""
    docs = {"pmr.txt": "Stopping steroids in polymyalgia rheumatica\n\n"
                       "Patients stop steroids: most patients could stop steroids within five years.",
            "dupilumab.txt": "Dupilumab in IgG4-related disease\n\n"
                             "Dupilumab was given to three patients, and two could stop steroids."}
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", docs)])
    answerer = ExtractiveAnswerer(index)
    question = "Does dupilumab let patients stop steroids?"
    result = answerer.answer(question)
    assert result.status == "answered" and result.citations, result.note
    assert all("dupilumab" in c.title.lower() for c in result.citations), [c.title for c in result.citations]
    monkeypatch.setattr(ExtractiveAnswerer, "_on_subject", lambda self, asked, analysis, units: [])
    unfiltered = answerer.answer(question)  # what it quoted before: the cohort, which names no dupilumab
    assert any("polymyalgia" in c.title.lower() for c in unfiltered.citations)


def test_a_sentence_that_only_announces_what_follows_is_quoted_with_the_next(tmp_path, settings, hash_model, monkeypatch):
    """"What are the limitations of the review?" was answered by "... this review has a number of limitations.", a
    sentence that names no limitation: the one after it does. Such a sentence is quoted together with the next."""
    docs = {"review.txt": "A review of preventive treatment\n\n"
                          "As with any review of this kind, this review has a number of limitations. "
                          "The search may have missed unpublished trials of preventive treatment. "
                          "Preventive treatment reduced clinical episodes in every trial reviewed here."}
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", docs)])
    answerer = ExtractiveAnswerer(index)
    question = "What limitations does this review have?"
    quoted = " ".join(c.quote for c in answerer.answer(question).citations)
    assert "has a number of limitations. The search may have missed unpublished trials" in quoted, quoted
    monkeypatch.setattr("answer.extractive.announces", lambda text: False)
    quoted = " ".join(c.quote for c in answerer.answer(question).citations)  # before: the announcement alone
    assert "number of limitations." in quoted and "missed unpublished" not in quoted, quoted


def test_a_how_question_favours_a_quote_that_states_the_means_even_with_the_reader_on(tmp_path, settings, hash_model,
                                                                                     monkeypatch):
    """"How does emetine stop protein synthesis?": the sentence saying how ("..., thereby blocking ...") gains
    CAUSE_BONUS on its ranking score. The bonus is given after the reader, whose scoring rebuilds every unit's score
    from its hand-set one: given before, it was lost and the restatement of the question kept the lead."""
    import answer.extractive as extractive
    from answer.reader import Reading

    restating = "Emetine stops protein synthesis in parasites and in human cells alike."
    means = "It binds the small ribosomal subunit, thereby blocking mRNA translocation."
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", {"emetine.txt": f"Emetine and the ribosome\n\n{restating} {means}"})])

    class SameForAll:  # a reader that reads every unit alike, so only the hand-set score and the bonus rank them
        def read(self, question, texts):
            return [Reading(0.9) for _ in texts]

    def first_quote(bonus: float) -> str:
        monkeypatch.setattr(extractive, "CAUSE_BONUS", bonus)
        answerer = ExtractiveAnswerer(index)
        answerer._reader = SameForAll()
        result = answerer.answer("How does emetine stop protein synthesis?", max_quotes=1)
        return result.citations[0].quote

    assert first_quote(0.0) == restating
    assert means in first_quote(0.5)  # alone or after the restatement, as one two-sentence quote
