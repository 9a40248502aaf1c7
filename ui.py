"""The Gradio chat UI: questions in, cited answers out, evidence beside them.

Every piece of document text shown here is untrusted and goes through
`html.escape` or `escape_markdown`; Gradio's own sanitiser is a second line.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import gradio as gr

from answer.answerers import make_answerer
from answer.models import CitedAnswer
from answer.preparation import status as preparing
from answer.render import answer_json, answer_markdown, answer_with_references, cited_papers, escape_markdown
from errors import UserError
from index.corpus import CorpusIndex
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.pipeline import ingest
from settings import Settings
from text.study import DESIGNS, StudyCard, card_of
from uploads import UploadBudget, store_upload

EXAMPLES = [
    "which biologics target Th2?",
    "Which biologic also inhibits IL-13 signalling?",
    "Was thalidomide effective in IgG4-related skin disease?",
    "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?",
]
EXTRACTIVE = "Quotes (offline)"
CONTEXT_CHARS = 280
DOCUMENT_CHARS = 60_000  # the viewer shows at most this much on each side of the quote
_LEAN_LABEL = {"yes": "says yes", "no": "says no", "unsettled": "does not settle it"}  # a quote's lean (answer.direct)
_DESIGN_KEY = {label: key for key, label in DESIGNS.items()}  # the settings' design menu shows labels
UPLOAD_TYPES = sorted(SUPPORTED_SUFFIXES)  # one list: what the loaders read

CSS = """
.evidence .cite { border-left: 3px solid #6b8afd; padding: 4px 10px; margin: 8px 0; }
.evidence mark { background: #fff3a3; color: inherit; padding: 0 1px; }
.evidence .meta { color: #666; font-size: 0.85em; }
.evidence .lean { font-size: 0.8em; padding: 1px 6px; border-radius: 8px; background: #eee; }
.evidence .lean-yes { background: #dff3e0; } .evidence .lean-no { background: #fbe0e0; }
.evidence .study { font-size: 0.8em; padding: 1px 6px; margin-right: 4px; border-radius: 8px; background: #e8eefc; }
.evidence .study-design { font-weight: 600; }
.evidence details.document { margin-top: 4px; }
.evidence .doctext { white-space: pre-wrap; max-height: 420px; overflow-y: auto; font-size: 0.9em; }
"""


def _highlighted(text: str, start: int, end: int, before: int, after: int) -> str:
    lo, hi = max(0, start - before), min(len(text), end + after)
    return (
        f"{'…' if lo > 0 else ''}{html.escape(text[lo:start])}<mark>{html.escape(text[start:end])}</mark>"
        f"{html.escape(text[end:hi])}{'…' if hi < len(text) else ''}"
    )


def _study_badges(study: dict) -> str:
    """The cited paper's study card as badges: design first (how much weight the quote can bear), then size, year,
    journal and registry id; how the design was found is the design badge's tooltip."""
    if not study:
        return ""
    card = StudyCard.from_dict(study)
    how = f"from the {card.design_from}: {card.evidence}" if card.design_from else "no design stated"
    first, *rest = card.badges()
    return (f'<div class="badges"><span class="study study-design" title="{html.escape(how)}">{html.escape(first)}</span>'
            + "".join(f'<span class="study">{html.escape(b)}</span>' for b in rest) + "</div>")


def evidence_html(answer: CitedAnswer | None, index: CorpusIndex | None) -> str:
    """Each citation: its quote highlighted in context, and the whole cleaned document one click away."""
    if answer is not None and not answer.citations and answer.mode == "llm" and answer.retrieved:
        listed = "".join(f'<div class="cite"><b>[{i}] {html.escape(r.title or r.doc_id)}</b><p>{html.escape(r.text[:400])}…</p></div>'
                         for i, r in enumerate(answer.retrieved, 1))
        return ('<div class="evidence"><p class="meta">The model cited none of the passages it was given. '
                f"These are those passages:</p>{listed}</div>")
    if answer is None or not answer.citations:
        return '<div class="evidence"><p class="meta">Sources of the latest answer appear here.</p></div>'
    blocks = []
    retrieved = {r.chunk_id: r for r in answer.retrieved}
    for c in answer.citations:
        doc = index.document(c.doc_id) if index else None
        text = doc.text if doc else c.quote
        start, end = (c.start, c.end) if doc else (0, len(c.quote))
        meta = doc.metadata if doc else {}
        byline = " · ".join(html.escape(str(meta[k])) for k in ("authors",) if meta.get(k))
        r = retrieved.get(c.chunk_id)
        if r is not None:  # chunks the answerer read beyond the shown context have no retrieval rank
            byline += f"{' · ' if byline else ''}retrieved #{r.rank}, score {r.score:.3f}" + (
                f", cosine {r.dense:.2f}" if r.dense is not None else "")
        blocks.append(
            f'<div class="cite" id="cite-{c.n}"><b>[{c.n}] {html.escape(c.title or c.doc_id)}</b>'
            + (f' <span class="lean lean-{c.lean}" title="what this quote says to the yes/no question">'
               f'{_LEAN_LABEL[c.lean]}</span>' if c.lean else "")
            + _study_badges(c.study) +
            f'<div class="meta">{byline + " · " if byline else ""}{html.escape(c.doc_id)} · characters {c.start}–{c.end}</div>'
            f"<p>{_highlighted(text, start, end, CONTEXT_CHARS, CONTEXT_CHARS)}</p>"
            f'<details class="document"><summary>Whole document</summary><div class="doctext">'
            f"{_highlighted(text, start, end, DOCUMENT_CHARS, DOCUMENT_CHARS)}</div>"
            f'<div class="meta">{html.escape(c.source)}</div></details></div>'
        )
    return '<div class="evidence">' + "".join(blocks) + "</div>"


LIBRARY_HEADERS = ["id", "title", "design", "year", "authors", "source", "added"]
LIBRARY_ROWS = 200  # papers listed at once; a filter narrows a larger library


def library(index: CorpusIndex, query: str = "") -> tuple[list[list[str]], list[tuple[str, str]], int]:
    """The papers whose title, authors, year, design, id or source hold every word of `query`: table rows, the
    (label, doc id) choices to select from, and how many matched in all."""
    words = query.casefold().split()
    rows, choices, matched = [], [], 0
    for d in index.documents():
        card = card_of(d.text, d.metadata)
        authors = str(d.metadata.get("authors", ""))
        row = [d.doc_id, d.title or "(untitled)", card.design_label, card.year, authors[:80], d.source, d.added]
        haystack = " ".join([*row, card.design]).casefold()
        if all(w in haystack for w in words):
            matched += 1
            if len(rows) < LIBRARY_ROWS:
                rows.append(row)
                choices.append((f"{row[1][:90]} — {card.design_label}{', ' + card.year if card.year else ''} ({d.doc_id})",
                                d.doc_id))
    return rows, choices, matched


def papers_html(index: CorpusIndex, doc_ids: list[str]) -> str:
    """The selected papers, each with its study card and the opening of its text: what a user checks before
    deleting, or opens to see what biocite read from a file."""
    blocks = []
    for doc_id in doc_ids:
        d = index.document(doc_id)
        if d is None:
            continue
        card = card_of(d.text, d.metadata)
        blocks.append(
            f'<div class="cite paper" id="paper-{html.escape(doc_id)}"><b>{html.escape(d.title or d.doc_id)}</b>'
            + _study_badges(card.to_dict())
            + f'<div class="meta">{html.escape(d.doc_id)} · {html.escape(d.source)} · added {html.escape(d.added)}'
            f"{' · design from ' + html.escape(card.design_from + ': ' + card.evidence) if card.design_from else ''}</div>"
            f'<details class="document"><summary>Text as indexed ({len(d.text):,} characters)</summary>'
            f'<div class="doctext">{html.escape(d.text[:DOCUMENT_CHARS])}</div></details></div>'
        )
    return '<div class="evidence">' + "".join(blocks) + "</div>" if blocks else ""


def corpus_summary(index: CorpusIndex) -> str:
    stats = index.stats()
    return f"**{stats['documents']:,} documents, {stats['chunks']:,} chunks** in `{index.folder}`"


def build_demo(settings: Settings, index: CorpusIndex | None) -> gr.Blocks:
    state: dict[str, Any] = {"index": index}

    upload_budget = UploadBudget(settings.ui.upload_files_per_hour, settings.ui.upload_mb_per_hour)

    def get_index() -> CorpusIndex:
        if state["index"] is None:
            state["index"] = CorpusIndex.open(settings.paths.index_dir, settings)
        return state["index"]

    def get_answerer(llm: bool):
        idx = get_index()
        key = "llm" if llm else "extractive"
        if state.get(key) is None or state[key].index is not idx:
            state[key] = make_answerer(idx, llm=llm)
        return state[key]

    def respond(message: str, history: list[dict[str, Any]], turns: list[tuple[str, CitedAnswer]], mode: str,
                quotes: int, answer_with: str = EXTRACTIVE, strict: bool = False, designs: list[str] | None = None,
                since: float | None = None):
        """Chat handler; `turns` is this browser session's (question, answer) history for follow-ups."""
        history, turns = list(history or []), list(turns or [])
        shown = message if len(message) <= 500 else message[:500] + "…"
        history.append({"role": "user", "content": escape_markdown(shown)})
        waiting = preparing()  # a first run on this CPU: the models are being measured and prepared beside the server
        history.append({"role": "assistant", "content": escape_markdown(f"{waiting} Your question is answered as soon as "
                        "it ends.") if waiting else "_Searching the papers…_"})
        yield history, gr.update(), "", turns
        idx = get_index()
        try:
            extractive = answer_with == EXTRACTIVE
            options = {"max_quotes": int(quotes)} if extractive else {"strict": bool(strict)}
            options |= {"designs": [_DESIGN_KEY[d] for d in designs or []] or None, "since": int(since) if since else None}
            result = None
            draft, shown_at = "", 0.0
            for event in get_answerer(llm=not extractive).stream(message, history=turns, mode=mode, **options):
                if isinstance(event, CitedAnswer):
                    result = event
                    break
                draft += event
                if time.monotonic() - shown_at > 0.1:  # a browser needs no more than ~10 updates a second
                    shown_at = time.monotonic()
                    history[-1]["content"] = f"_Writing, then checking every citation…_\n\n{escape_markdown(draft)} ▌"
                    yield history, gr.update(), "", turns
        except UserError as exc:
            history[-1]["content"] = f"⚠️ {escape_markdown(str(exc))}"
            yield history, gr.update(), "", turns
            return
        understood = result.resolved_question or result.question
        searched = f"_Understood as:_ {escape_markdown(understood)}\n\n" if understood != result.question else ""
        history[-1]["content"] = searched + answer_markdown(result, cite_href=lambda n: f"#cite-{n}")
        turns.append((result.resolved_question or result.question, result))
        yield history, evidence_html(result, idx), "", turns[-5:]

    def answer_to_copy(turns: list[tuple[str, CitedAnswer]]) -> str:
        """The latest answer as Markdown with numbered references, for pasting into a note (`ask --format markdown`)."""
        if not turns:
            return "Ask a question first: the answer and its references appear here."
        return answer_with_references(turns[-1][1], cited_papers(turns[-1][1], get_index()))

    def ask_api(question: str) -> dict[str, object]:
        """The answer as data: the same JSON shape as `python app.py ask --json` (LLM mode when configured)."""
        try:
            return answer_json(get_answerer(llm=settings.llm.backend != "none").answer(question))
        except UserError as exc:
            return {"question": question, "error": str(exc)}

    def add_files(files: list[Any] | None, request: gr.Request, progress: gr.Progress = gr.Progress()):  # noqa: B008 (Gradio idiom)
        """Store uploads safely (budget, content, name), ingest them with a progress bar, report each file.

        Gradio's own copy of each upload is deleted once ours is stored, so no uploaded file can be
        fetched back through Gradio's file route; ours live outside every folder Gradio serves."""
        idx = get_index()
        user = request.username or (request.client.host if request.client else "") or "anonymous"
        rows: list[list[str]] = []
        stored: list[tuple[str, str]] = []
        for f in files or []:
            temp = Path(str(f))
            name = getattr(f, "orig_name", None) or temp.name
            try:
                upload_budget.charge(user, name, temp.stat().st_size)
                stored.append((name, str(store_upload(temp, name, settings.paths.upload_dir, settings.ingest.max_file_mb))))
            except (UserError, OSError) as exc:
                rows.append([name, "failed", "", str(exc)])
            finally:
                temp.unlink(missing_ok=True)
        if stored:
            by_path = dict((path, name) for name, path in stored)

            def report(phase: str, done: int, total: int | None) -> None:
                progress((done, total) if total else None, desc=f"{phase}…")

            try:
                result = ingest(idx, [p for _, p in stored], progress=report)
            except UserError as exc:
                rows.append(["(all)", "failed", "", str(exc)])
            else:
                for o in result.outcomes:
                    name = by_path.get(o.source.split("#")[0], Path(o.source).name)
                    details = "; ".join(x for x in (f"document {o.doc_id}" if o.status == "added" else "", o.reason) if x)
                    rows.append([name, o.status, "" if o.kept is None else f"{o.kept:.0%}", details])
        if not rows:
            rows.append(["", "", "", "Choose files first."])
        return rows, *show_library()

    def show_library(query: str = "", picked: list[str] | None = None):
        """Summary, table and selectable papers for `query`; papers still listed stay selected."""
        idx = get_index()
        rows, choices, matched = library(idx, query)
        shown = f"{matched:,} matching" + (f", the first {len(rows)} shown: filter to narrow" if matched > len(rows) else "")
        kept = [d for d in picked or [] if d in {v for _, v in choices}]
        return (corpus_summary(idx) + f" · {shown}", gr.update(value=rows or [[""] * len(LIBRARY_HEADERS)]),
                gr.update(choices=choices, value=kept))

    def ask_to_delete(picked: list[str]):
        """First click: name what would go, and show the confirmation; nothing is deleted yet."""
        if not picked:
            return "Select one or more papers first.", gr.update(visible=False)
        idx = get_index()
        names = [f"- {escape_markdown((d.title if (d := idx.document(i)) else '') or i)} ({escape_markdown(i)})"
                 for i in picked]
        noun = "paper" if len(picked) == 1 else f"{len(picked)} papers"
        return f"**Delete this {noun} from the index?**\n\n" + "\n".join(names), gr.update(visible=True)

    def delete_papers(picked: list[str], query: str):
        idx = get_index()
        gone, errors = [], []
        for doc_id in picked or []:
            try:
                if idx.delete(doc_id):
                    gone.append(doc_id)
            except UserError as exc:
                errors.append(str(exc))
        message = f"Deleted {len(gone)} paper{'s' * (len(gone) != 1)}: {', '.join(gone)}." if gone else "Nothing deleted."
        return (escape_markdown(" ".join([message, *errors])), gr.update(visible=False),
                *show_library(query, []), "")

    def cancel_delete():
        return "Nothing deleted.", gr.update(visible=False)

    def refresh_corpus(query: str = ""):
        get_index().refresh()
        return show_library(query)

    with gr.Blocks(title="biocite — answers from your papers") as demo:
        gr.Markdown("## biocite\nAnswers quoted from your papers, every sentence cited to its exact passage.")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Chat", height=520, elem_id="chat",
                        placeholder="Ask a question about the indexed papers. Answers quote the papers verbatim; "
                        "follow-up questions are understood. New here? Add papers in the Corpus tab.",
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            show_label=False, placeholder="e.g. which biologics target Th2?", scale=5, elem_id="question",
                            max_length=settings.answer.max_question_chars * 30,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    gr.Examples(EXAMPLES, inputs=box)
                    copy = gr.Button("Copy answer with references", size="sm", elem_id="copy-answer")
                    copied = gr.Code(language="markdown", label="Answer with references (Markdown)", interactive=False,
                                     visible=False, elem_id="answer-copy")
                    with gr.Accordion("Settings", open=False, elem_id="settings"):
                        mode = gr.Radio(["hybrid", "dense", "bm25"], value=settings.retrieval.mode, label="Retrieval")
                        quotes = gr.Slider(1, 8, value=settings.answer.max_sentences, step=1, label="Quotes per answer")
                        llm_label = f"LLM: {settings.llm.model}"
                        answer_with = gr.Radio(
                            [EXTRACTIVE, llm_label], value=llm_label if settings.llm.backend != "none" else EXTRACTIVE,
                            label="Answer with", interactive=settings.llm.backend != "none", elem_id="answer-with",
                            info=None if settings.llm.backend != "none" else
                            "To let your own LLM write answers, set [llm] in biocite.toml (see README: Use your own LLM).",
                        )
                        strict = gr.Checkbox(settings.llm.strict, label="Strict: drop unverified generated sentences")
                        designs = gr.Dropdown(
                            [label for key, label in DESIGNS.items() if key != "unknown"], multiselect=True,
                            value=[DESIGNS[d] for d in settings.answer.designs], label="Only these study designs",
                            info="Empty: every paper. A paper's design is on its badge in the evidence panel.",
                            elem_id="designs")
                        # no minimum: an empty box is sent as 0 once the accordion is open, and Gradio would refuse
                        # the whole question for it; 0 (or nothing) means every year
                        since = gr.Number(settings.answer.since, label="Only papers published since (year; empty: any)",
                                          precision=0, elem_id="since")
                with gr.Column(scale=2):
                    gr.Markdown("### Evidence")
                    evidence = gr.HTML(evidence_html(None, None), elem_id="evidence")
        with gr.Tab("Corpus", elem_id="corpus-tab") as corpus_tab:
            summary = gr.Markdown(elem_id="corpus-summary")
            with gr.Row():
                with gr.Column():
                    uploads = gr.File(
                        label=f"Add papers ({', '.join(UPLOAD_TYPES)}; up to {settings.ingest.max_file_mb:g} MB each)",
                        file_count="multiple", file_types=UPLOAD_TYPES, elem_id="upload",
                    )
                    add = gr.Button("Add to index", variant="primary", elem_id="add")
                    results = gr.Dataframe(headers=["file", "result", "text kept", "details"], label="Last upload", elem_id="results",
                                           interactive=False, wrap=True)
                with gr.Column():
                    query = gr.Textbox(label="Filter papers", placeholder="words of a title, author, year or design, "
                                       "e.g. 'randomised 2024'", elem_id="doc-filter")
                    picked = gr.CheckboxGroup([], label="Select papers (to see their study cards, or to delete them)",
                                              elem_id="doc-pick")
                    delete = gr.Button("Delete selected…", variant="stop", elem_id="delete")
                    deleted = gr.Markdown(elem_id="delete-message")
                    with gr.Row(visible=False, elem_id="delete-confirm") as confirm_row:
                        confirm = gr.Button("Yes, delete them", variant="stop", elem_id="confirm-delete")
                        cancel = gr.Button("Cancel", elem_id="cancel-delete")
            cards = gr.HTML(elem_id="paper-cards")
            table = gr.Dataframe(headers=LIBRARY_HEADERS, label="Documents", elem_id="documents",
                                 interactive=False, wrap=True, max_height=500)

        turns = gr.State([])
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chatbot, turns, mode, quotes, answer_with, strict, designs, since],
                    [chatbot, evidence, box, turns],
                    concurrency_limit=settings.ui.concurrency)
        chatbot.clear(lambda: ([], evidence_html(None, None)), None, [turns, evidence])
        copy.click(lambda t: gr.update(value=answer_to_copy(t), visible=True), [turns], [copied])
        add.click(add_files, [uploads], [results, summary, table, picked], concurrency_limit=1, api_name="add_files")
        query.change(show_library, [query, picked], [summary, table, picked], trigger_mode="always_last")
        picked.change(lambda ids: papers_html(get_index(), ids or []), [picked], [cards])
        delete.click(ask_to_delete, [picked], [deleted, confirm_row])
        confirm.click(delete_papers, [picked, query], [deleted, confirm_row, summary, table, picked, cards],
                      concurrency_limit=1)
        cancel.click(cancel_delete, None, [deleted, confirm_row])
        corpus_tab.select(refresh_corpus, [query], [summary, table, picked])
        demo.load(refresh_corpus, None, [summary, table, picked])
        gr.api(ask_api, api_name="ask", concurrency_limit=settings.ui.concurrency)
    # a bounded queue: past `queue_size` waiting requests Gradio answers "queue is full" at once instead of hanging
    demo.queue(default_concurrency_limit=settings.ui.concurrency, max_size=settings.ui.queue_size)
    return demo
