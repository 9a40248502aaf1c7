"""Choosing the answerer: one place for the CLI, the UI, the API and the benches.

Both answerers have the same surface: `answer(question, history=..., mode=...)`
returns a `CitedAnswer`; `stream(...)` yields the LLM's text as it arrives (none
for the extractive one) and ends with the `CitedAnswer`.
"""

from __future__ import annotations

from index.corpus import CorpusIndex


def make_answerer(index: CorpusIndex, llm: bool | None = None):
    """The extractive answerer, or the LLM one (`llm=True`, or by default when `llm.backend` is configured)."""
    if llm is None:
        llm = index.settings.llm.backend != "none"
    if not llm:
        from answer.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(index)
    from answer.generative import GenerativeAnswerer

    return GenerativeAnswerer(index)
