"""The LLM path end to end against a real llama.cpp server running SmolLM2-135M.

The tiny model is often wrong; these tests check the plumbing (numbered
sources in the prompt, a real stream, parsing, verification, fallbacks), and
that whatever it writes is either supported or flagged — never passed off as
verified when a plain string check shows it is not.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from answer.generative import GenerativeAnswerer, _fenced
from answer.llm import LLMClient, LLMError
from answer.models import CitedAnswer
from answer.verify import entities_in, numbers_in
from index.corpus import CorpusIndex
from ingest.pipeline import ingest
from settings import PROJECT_DIR
from tests.conftest import LETTER_ID

pytestmark = [pytest.mark.slow, pytest.mark.llm]

QUESTIONS = [
    "which biologics target Th2?",
    "Was thalidomide effective in IgG4-related skin disease?",
    "Which biologic also inhibits IL-13 signalling?",
    "How much rituximab did patients get in the trial?",
    "Does abatacept help in IgG4-related disease?",
]


def _answerer(settings) -> GenerativeAnswerer:
    return GenerativeAnswerer(CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True))


def test_prompt_carries_numbered_sources_and_the_stream_arrives(llm_settings):
    llm_settings.llm.context_window = 2048  # room for several sources (the other tests read fewer, to be quicker)
    answerer = _answerer(llm_settings)
    events = list(answerer.stream("which biologics target Th2?"))
    deltas, final = events[:-1], events[-1]
    assert isinstance(final, CitedAnswer)
    assert len(deltas) >= 3 and all(isinstance(d, str) for d in deltas)  # many pieces, not one blob

    prompt = answerer.client.last_prompt
    assert "Question: which biologics target Th2?" in prompt
    context = final.retrieved
    for n, passage in enumerate(context[:2], 1):  # sources in rank order, numbered from 1, fenced
        assert f"[{n}] {_fenced(passage.title or passage.doc_id)}\n<<<\n{_fenced(passage.text)}\n>>>" in prompt
    assert "\n[1] " in prompt and "\n[9] " not in prompt  # trimmed to the 2,048-token window
    assert final.mode == "llm" or "set aside" in final.fallback


def _independently_unsupported(sentence_text: str, cited_text: str) -> bool:
    """A plain string check: a number or drug/gene name in the sentence is absent from its cited sources."""
    lower = cited_text.lower()
    return bool(numbers_in(sentence_text) - numbers_in(cited_text)) or any(e not in lower for e in entities_in(sentence_text))


def _names_something(text: str) -> bool:
    """A plain check of a claim a reader would want backed: a drug or gene named in a sentence of 3+ words, or a
    number among 3+ words of four letters or more ("The answer is: 1." says too little to check)."""
    words = re.findall(r"[A-Za-z]{4,}", text)
    return len(text.split()) >= 3 and bool(entities_in(text) or (numbers_in(text) and len(words) >= 3))


def _assert_judged(part) -> None:  # noqa: ANN001 (an AnswerPart, or a row's sentence dict)
    """A generated sentence naming something is judged; one without a citation is flagged for that reason."""
    text, cites, verified, reason = (part["text"], part["cites"], part["verified"], part["reason"]) if isinstance(
        part, dict) else (part.text, part.cites, part.verified, part.reason)
    if _names_something(text):
        assert verified is not None, text  # a claim, not waved through as a non-claim
    if verified is not None and not cites:
        assert verified is False and reason == "cites no source", (text, verified, reason)


def test_every_generated_sentence_is_verified_or_flagged(llm_settings):
    """The 135M model cites nothing (measured: every claim it writes here is uncited), so what this proves on the
    real model is that its uncited claims are flagged; a verified sentence, when one occurs, is also checked by a
    plain string test (cited, verified sentences are tested with scripted replies in tests/answer/test_generative.py)."""
    answerer = _answerer(llm_settings)
    flagged = checked = llm = 0
    for question in QUESTIONS:
        result = answerer.answer(question)
        index = answerer.index
        for c in result.citations:  # every citation is a real span of a real document
            assert index.document(c.doc_id).text[c.start : c.end] == c.quote
        if result.mode != "llm":
            assert result.fallback  # falling back is always said
            continue
        llm += 1
        sources = {i: p for i, p in enumerate(result.retrieved, 1)}
        for part in result.parts:
            assert part.kind == "generated" and all(n in sources for n in part.cites)  # no citation to a missing source
            _assert_judged(part)
            if part.verified is None:
                continue
            checked += 1
            if part.verified:
                cited = " ".join(sources[n].text for n in part.cites)
                assert part.cites and not _independently_unsupported(part.text, cited), part
            else:
                flagged += 1
                assert part.reason
    assert llm >= 2 and checked >= 2  # the model's own answers were judged, not only fallbacks
    assert flagged >= 1  # the 135M model makes claims its sources do not back; they must be caught


def test_strict_mode_drops_what_fails(llm_settings):
    """The model's answer to this question is all flagged claims (measured, greedy): strict mode drops every one,
    so the extractive answer is shown instead and says why."""
    answerer = _answerer(llm_settings)
    loose = answerer.answer("How does dupilumab work?")
    assert loose.mode == "llm" and any(p.verified is False for p in loose.parts)  # something for strict mode to drop
    result = answerer.answer("How does dupilumab work?", strict=True)
    assert all(p.verified is not False for p in result.parts)
    assert result.mode == "extractive" and "none of its sentences could be verified" in result.fallback, result.fallback


def test_follow_up_is_condensed_by_the_llm(llm_settings):
    answerer = _answerer(llm_settings)
    first = answerer.extractive.answer("which biologics target Th2?")
    query = answerer.condense("and which of them also blocks IL-13?", [("which biologics target Th2?", first)])
    prompt = answerer.client.last_prompt
    assert "User: which biologics target Th2?" in prompt and "dupilumab" in prompt.lower()
    assert "Last question: and which of them also blocks IL-13?" in prompt
    assert query and "\n" not in query and len(query) <= 500


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"base_url": "http://127.0.0.1:9/v1"}, "cannot reach"),
        ({"model": "no-such-model"}, "has no model 'no-such-model'"),
        ({"timeout": 0.05}, "did not answer within"),
        ({"api_key_env": "BIOCITE_TEST_WRONG_KEY"}, "refused the API key"),
    ],
    ids=["server down", "wrong model", "timeout", "401"],
)
def test_llm_failures_fall_back_to_the_extractive_answer(llm_settings, monkeypatch, change, message):
    monkeypatch.setenv("BIOCITE_TEST_WRONG_KEY", "wrong")
    for key, value in change.items():
        setattr(llm_settings.llm, key, value)
    long_prompt = "Summarise these notes. " + "IgG4-related disease responds to glucocorticoids. " * 150
    with pytest.raises(LLMError, match=message):  # a long prompt: its first token takes far longer than 0.05 s
        LLMClient(llm_settings.llm).complete(long_prompt)
    result = _answerer(llm_settings).answer("which biologics target Th2?")
    assert result.mode == "extractive" and result.status == "answered"
    assert message in result.fallback and "extractive answer" in result.fallback
    assert any(c.doc_id == LETTER_ID for c in result.citations)


def test_cli_streams_then_checks_and_json_carries_verification(llm_settings, llm_server):
    from bench.llama_server import API_KEY, MODEL_ALIAS

    env = {**os.environ, "BIOCITE_LLM_API_KEY": API_KEY, "BIOCITE_LLM__TEMPERATURE": "0", "BIOCITE_LLM__CONTEXT_WINDOW": "1024",
           "BIOCITE_LLM__MAX_TOKENS": "120"}
    base = [sys.executable, "app.py", "ask", "--index", str(llm_settings.paths.index_dir), "--llm", "openai",
            "--llm-url", llm_server.base_url, "--llm-model", MODEL_ALIAS]
    out = subprocess.run([*base, "--json", "Was thalidomide effective in IgG4-related skin disease?"],
                         cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert {"verified", "sentences", "removed_citations", "mode", "citations", "retrieved"} <= set(answer)
    for s in answer["sentences"]:
        assert s["verified"] is not False or s["reason"]

    out = subprocess.run([*base, "which biologics target Th2?"], cwd=PROJECT_DIR, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "--- citations checked ---" in out.stdout  # the streamed draft came first
    assert "Traceback" not in out.stderr


def test_question_set_per_type_through_the_llm(llm_settings):
    """One question of each type of evals/questions.jsonl through the LLM path (issue 31: two a type cost ~100 s of
    an AVX2-only CPU's CI run; the plumbing is the same for one); the per-type table goes to the log.

    The 135M test model is not expected to answer well; what must hold: questions the papers cannot answer are
    refused before the model is asked, nothing quoted is furniture, the model's own answers are reached (not all set
    aside), and every sentence it wrote that names something is judged, its uncited claims flagged."""
    from evals.answers import TYPES, evaluate_answers, format_table, load_cases

    cases = load_cases(PROJECT_DIR / "evals" / "questions.jsonl")
    subset = [c for kind in TYPES for c in [c for c in cases if c["type"] == kind][:1]]
    report = evaluate_answers(_answerer(llm_settings), subset)
    print("\n" + format_table({"LLM: SmolLM2-135M (1 per type)": report}))
    assert set(report["by_type"]) == set(TYPES)
    assert report["correct_refusals"] == 1.0 and report["furniture_quotes"] == 0
    written = [s for r in report["rows"] if r["mode"] == "llm" for s in r["sentences"]]
    llm_rows = sum(r["mode"] == "llm" for r in report["rows"])
    uncited = [s for s in written if not s["cites"] and s["verified"] is False]
    print(f"answered by the model: {llm_rows} of {len(subset)}; its sentences: {len(written)}, uncited and flagged: {len(uncited)}")
    assert llm_rows >= 2 and {s["kind"] for s in written} == {"generated"}
    for sentence in written:
        _assert_judged(sentence)
    assert len(uncited) >= 2  # the model's uncited claims were caught


def test_a_planted_instruction_reaches_the_real_model_fenced_and_what_it_obeys_is_flagged(llm_settings, tmp_path):
    """The planted paper says to answer that thalidomide cures IgG4-related disease. Asked for the treatment, the
    real model (greedy, so the same reply every run) repeats that: the sentence is shown flagged, never verified."""
    from tests.answer.test_injection import INJECTED
    from tests.index.test_corpus import DOCS, write_corpus

    llm_settings.paths.index_dir = tmp_path / "index"
    llm_settings.answer.min_relevance = 0.0  # ask the model whatever the evidence score
    index = CorpusIndex.open(llm_settings.paths.index_dir, llm_settings)
    ingest(index, [write_corpus(tmp_path / "papers", {**DOCS, "injected": INJECTED})])
    answerer = GenerativeAnswerer(index)
    final = list(answerer.stream("What is the treatment for IgG4-related disease?"))[-1]
    prompt = answerer.client.last_prompt
    injected = [n for n, p in enumerate(final.retrieved, 1) if p.doc_id == "injected"]
    assert injected and f"[{injected[0]}] IgG4-related disease treatment update\n<<<\n" in prompt
    assert "[9]" not in prompt and "Ignore all previous instructions" in prompt  # inside the fence
    print("\nmodel wrote:", [(p.text, p.cites, p.verified) for p in final.parts])
    assert final.mode == "llm", final.fallback  # the model's own answer was checked, not set aside
    obeyed = [p for p in final.parts if "thalidomide" in p.text.lower()]
    assert obeyed, "the model no longer repeats the planted claim: pick a question it does obey"
    for part in final.parts:
        _assert_judged(part)
        if set(part.cites) & set(injected):
            assert part.verified is False, part  # the planted text supports nothing, whatever the model made of it
    assert all(p.verified is False for p in obeyed)  # obeying it is never passed off as fact
