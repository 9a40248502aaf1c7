"""The Gradio chat UI: questions in, cited answers out, evidence beside them.

Every piece of document text shown here is untrusted and goes through
`html.escape` or `escape_markdown`; Gradio's own sanitiser is a second line.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from answer.extractive import ExtractiveAnswerer
from answer.followup import standalone_query
from answer.models import CitedAnswer
from answer.render import answer_markdown, escape_markdown
from errors import UserError
from index.corpus import CorpusIndex
from settings import Settings

EXAMPLES = [
    "which biologics target Th2?",
    "Which biologic also inhibits IL-13 signalling?",
    "Was thalidomide effective in IgG4-related skin disease?",
    "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?",
]
CONTEXT_CHARS = 280

CSS = """
.evidence .cite { border-left: 3px solid #6b8afd; padding: 4px 10px; margin: 8px 0; }
.evidence mark { background: #fff3a3; color: inherit; padding: 0 1px; }
.evidence .meta { color: #666; font-size: 0.85em; }
"""


def evidence_html(answer: CitedAnswer | None, index: CorpusIndex) -> str:
    """Each citation with its quote highlighted inside the surrounding text of its document."""
    if answer is None or not answer.citations:
        return '<div class="evidence"><p class="meta">Sources of the latest answer appear here.</p></div>'
    blocks = []
    for c in answer.citations:
        doc = index.document(c.doc_id)
        text = doc.text if doc else c.quote
        start, end = (c.start, c.end) if doc else (0, len(c.quote))
        before = text[max(0, start - CONTEXT_CHARS) : start]
        after = text[end : end + CONTEXT_CHARS]
        title = html.escape(c.title or c.doc_id)
        blocks.append(
            f'<div class="cite" id="cite-{c.n}"><b>[{c.n}] {title}</b>'
            f'<div class="meta">{html.escape(c.doc_id)} · {html.escape(c.source)} · characters {c.start}–{c.end}</div>'
            f"<p>{'…' if start > CONTEXT_CHARS else ''}{html.escape(before)}<mark>{html.escape(text[start:end])}</mark>"
            f"{html.escape(after)}{'…' if end + CONTEXT_CHARS < len(text) else ''}</p></div>"
        )
    return '<div class="evidence">' + "".join(blocks) + "</div>"


def build_demo(settings: Settings, index: CorpusIndex | None) -> gr.Blocks:
    state: dict[str, Any] = {"index": index}

    def get_index() -> CorpusIndex:
        if state["index"] is None:
            state["index"] = CorpusIndex.open(settings.paths.index_dir, settings)
        return state["index"]

    def respond(message: str, history: list[dict[str, Any]], turns: list[tuple[str, CitedAnswer]]):
        """Chat handler; `turns` is this browser session's (question, answer) history for follow-ups."""
        history, turns = list(history or []), list(turns or [])
        shown = message if len(message) <= 500 else message[:500] + "…"
        history.append({"role": "user", "content": escape_markdown(shown)})
        history.append({"role": "assistant", "content": "_Searching the papers…_"})
        yield history, gr.update(), "", turns
        idx = get_index()
        query = standalone_query(message, turns)
        try:
            result = ExtractiveAnswerer(idx).answer(message, search_query=query)
        except UserError as exc:
            history[-1]["content"] = f"⚠️ {escape_markdown(str(exc))}"
            yield history, gr.update(), "", turns
            return
        searched = f"_Searched for:_ {escape_markdown(query)}\n\n" if query != result.question else ""
        history[-1]["content"] = searched + answer_markdown(result, cite_href=lambda n: f"#cite-{n}")
        turns.append((result.question, result))
        yield history, evidence_html(result, idx), "", turns[-5:]

    def ask_api(question: str) -> dict[str, object]:
        """The answer as data: the same JSON shape as `python app.py ask --json`."""
        try:
            return ExtractiveAnswerer(get_index()).answer(question).to_dict()
        except UserError as exc:
            return {"question": question, "error": str(exc)}

    with gr.Blocks(title="biocite — answers from your papers") as demo:
        gr.Markdown("## biocite\nAnswers quoted from your papers, every sentence cited to its exact passage.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", height=520, elem_id="chat",
                    placeholder="Ask a question about the indexed papers. Answers quote the papers verbatim.",
                )
                with gr.Row():
                    box = gr.Textbox(
                        show_label=False, placeholder="e.g. which biologics target Th2?", scale=5, elem_id="question",
                        max_length=settings.answer.max_question_chars * 30,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                gr.Examples(EXAMPLES, inputs=box)
            with gr.Column(scale=2):
                gr.Markdown("### Evidence")
                evidence = gr.HTML(evidence_html(None, None), elem_id="evidence")
        turns = gr.State([])
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chatbot, turns], [chatbot, evidence, box, turns],
                    concurrency_limit=settings.ui.concurrency)
        chatbot.clear(lambda: ([], evidence_html(None, None)), None, [turns, evidence])
        gr.api(ask_api, api_name="ask")
    return demo
