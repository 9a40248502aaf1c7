"""The LLM answer pipeline with a scripted client (fast); `test_llm_path.py` runs it against a real server."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from answer.generative import GenerativeAnswerer
from answer.llm import LLMError
from index.corpus import CorpusIndex
from ingest.pipeline import ingest
from tests.index.test_corpus import DOCS, write_corpus

QUESTION = "Which drug inhibits IL-13 signalling?"


class ScriptedClient:
    """Stands in for `LLMClient`: replies with `reply(prompt)`, in small pieces, or raises `error`."""

    model = "scripted"

    def __init__(self, reply: Callable[[str], str], error: LLMError | None = None) -> None:
        self.reply, self.error, self.last_prompt = reply, error, ""

    def stream(self, prompt: str) -> Iterator[str]:
        self.last_prompt = prompt
        if self.error:
            raise self.error
        text = self.reply(prompt)
        for i in range(0, len(text), 7):
            yield text[i : i + 7]

    def complete(self, prompt: str) -> str:
        return "".join(self.stream(prompt))


def source_number(prompt: str, title: str) -> int:
    return int(re.search(r"^\[(\d+)\] " + re.escape(title), prompt, re.MULTILINE).group(1))


@pytest.fixture
def index(tmp_path, settings, hash_model) -> CorpusIndex:
    settings.llm.backend = "openai"
    idx = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(idx, [write_corpus(tmp_path / "papers", DOCS)])
    return idx


def answer(index: CorpusIndex, reply: Callable[[str], str], **kwargs):
    client = ScriptedClient(reply)
    events = list(GenerativeAnswerer(index, client=client).stream(QUESTION, **kwargs))
    return client, events[:-1], events[-1]


def test_a_supported_answer_is_verified_and_cited_to_exact_spans(index):
    def reply(prompt: str) -> str:
        n = source_number(prompt, "Dupilumab in IgG4-RD")
        return f"Dupilumab blocks IL-4Rα and so inhibits IL-13 signalling [{n}]."

    client, deltas, result = answer(index, reply)
    assert len(deltas) > 3 and "Question: " + QUESTION in client.last_prompt
    assert result.mode == "llm" and result.verified and result.status == "answered"
    (part,) = result.parts
    assert part.verified and part.cites == [result.citations[0].n]
    c = result.citations[0]
    assert c.doc_id == "dupilumab" and index.document(c.doc_id).text[c.start : c.end] == c.quote
    assert [r.doc_id for r in result.retrieved][c.n - 1] == "dupilumab"  # retrieved = the numbered sources


def test_bad_citations_are_flagged_removed_and_dropped_in_strict_mode(index):
    def reply(prompt: str) -> str:
        n = source_number(prompt, "Dupilumab in IgG4-RD")
        return (f"Dupilumab inhibits IL-13 signalling [{n}]. Dupilumab was given at 300 mg weekly [{n}]. "
                "Lebrikizumab also blocks IL-13 [9].")

    _, _, loose = answer(index, reply)
    assert loose.removed_citations == 1 and not loose.verified
    flags = {p.text: p.reason for p in loose.parts if p.verified is False}
    assert any("300" in reason for reason in flags.values())
    assert any("not a source" in reason for reason in flags.values())
    _, _, strict = answer(index, reply, strict=True)
    assert [p.text for p in strict.parts] == ["Dupilumab inhibits IL-13 signalling."] and strict.verified
    assert "Strict mode dropped 2 unverified sentences" in strict.note


def test_refusal_empty_reply_and_server_error(index):
    _, _, refused = answer(index, lambda p: "The provided sources do not answer this question.")
    assert refused.status == "no_evidence" and refused.citations == []

    _, _, empty = answer(index, lambda p: "  ")
    assert empty.mode == "extractive" and "returned no text" in empty.fallback and empty.citations

    client = ScriptedClient(lambda p: "", error=LLMError("cannot reach the LLM server at http://x/v1"))
    down = GenerativeAnswerer(index, client=client).answer(QUESTION)
    assert down.mode == "extractive" and down.fallback.startswith("cannot reach") and down.citations


def test_off_topic_question_is_refused_without_asking_the_model(index):
    client = ScriptedClient(lambda p: pytest.fail("the model must not be asked"))
    result = GenerativeAnswerer(index, client=client).answer("How do I bake sourdough bread?")
    assert result.status == "no_evidence" and client.last_prompt == ""


def test_a_users_own_prompt_file_is_used_and_checked(index, tmp_path):
    from errors import SettingsError

    mine = tmp_path / "mine.txt"
    mine.write_text("MY PROMPT {question}\n{sources}\nUse {braces} freely.")
    index.settings.llm.answer_prompt = mine
    client, _, _ = answer(index, lambda p: "Dupilumab inhibits IL-13 signalling [1].")
    assert client.last_prompt.startswith("MY PROMPT " + QUESTION) and "{braces}" in client.last_prompt

    mine.write_text("no placeholders here")
    from prompts import load_prompt

    load_prompt.cache_clear()
    with pytest.raises(SettingsError, match=r"lacks \{sources\}, \{question\}"):
        answer(index, lambda p: "")
