"""biocite: evidence-grounded answers from your biomedical papers — the one entry point.

    python app.py [serve] [--index DIR] [--port N]     the chat UI (builds the sample index if missing)
    python app.py serve --host 0.0.0.0 --auth USER     off loopback: a login, password in $BIOCITE_PASSWORD
    python app.py ingest PATH... [--index DIR]         add files, folders, BEIR JSONL corpora, .bib/.ris exports
    python app.py ask "QUESTION" [--json] [--llm openai]  answer with verified citations
    python app.py ask "QUESTION" --format markdown|bibtex|ris|json   the answer with references, or the cited papers
    python app.py ask --questions FILE.jsonl --json    one {"question": ...} per line in, one answer per line out
    python app.py search "QUERY" [--k N] [--json]      ranked chunks with scores
    python app.py eval retrieval --corpus C.jsonl --queries Q.jsonl --qrels R.tsv [--mode M] [--json]
    python app.py eval answers [--questions FILE.jsonl] [--llm openai --llm-url URL --llm-model M]

`demo` (the Gradio Blocks) is available at module level for `gradio app.py` and
HF Spaces; it is built on first access so the CLI verbs do not pay for it.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import sys
import traceback
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from errors import UserError  # noqa: E402
from settings import PROJECT_DIR, Settings, load_settings  # noqa: E402

log = logging.getLogger("biocite")


# --- shared plumbing -----------------------------------------------------------------------
def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if getattr(args, "index", None):
        settings.paths.index_dir = Path(args.index).resolve()
    from index.sample_index import SHIPPED

    if Path(settings.paths.index_dir).resolve() == SHIPPED.resolve():
        # the committed template `install` copies into place: opening it rewrites committed bytes (its catalog's
        # journal mode), and its documents' paths are placeholders; named by --index or by the paths.index_dir setting
        given = ("--index" if getattr(args, "index", None)
                 else "the paths.index_dir setting (BIOCITE_PATHS__INDEX_DIR or biocite.toml)")
        raise UserError(f"{settings.paths.index_dir} is the sample index as shipped, which the app copies into place "
                        f"before using it: leave out {given} to use the sample corpus (installed into var/index), or "
                        "ingest your papers into an index of your own (python app.py ingest PATH --index DIR).")
    if getattr(args, "mode", None) not in (None, "all"):  # `eval --mode all` runs every mode; it is not a setting
        settings.retrieval.mode = args.mode
    for flag, key in (("llm", "backend"), ("llm_url", "base_url"), ("llm_model", "model")):
        if getattr(args, flag, None):
            setattr(settings.llm, key, getattr(args, flag))
    if getattr(args, "strict", False):
        settings.llm.strict = True
    if getattr(args, "design", None):
        from text.study import design_keys

        try:
            settings.answer.designs = design_keys(args.design)
        except ValueError as exc:
            raise UserError(f"--design: {exc}") from None
    if getattr(args, "since", None):
        settings.answer.since = args.since
    return settings


def _open_index(settings: Settings, must_exist: bool = True):
    from index.corpus import CorpusIndex

    return CorpusIndex.open(settings.paths.index_dir, settings, must_exist=must_exist)


class _TqdmProgress:
    """Adapts `CorpusIndex.ingest`'s progress(phase, done, total) calls to one tqdm bar per phase."""

    def __init__(self) -> None:
        self._bars: dict[str, object] = {}

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        from tqdm import tqdm

        bar = self._bars.get(phase)
        if bar is None:
            self.close()  # a new phase begins: finish the previous bar
            unit = {"Reading": "doc", "Saving": "step", "Answering": "question"}.get(phase, "chunk")
            unit = "block" if phase.startswith("Building") else unit  # PostgreSQL reports index builds in table blocks
            bar = self._bars[phase] = tqdm(total=total, desc=phase, unit=unit, file=sys.stderr, dynamic_ncols=True)
        if total is not None and bar.total != total:  # a total learnt after the phase began
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


def ingest_with_progress(index, paths: list[str]):
    from ingest.pipeline import ingest

    progress = _TqdmProgress()
    try:
        return ingest(index, paths, progress=progress)
    finally:
        progress.close()


def print_report(report) -> None:
    for o in report.outcomes:
        if o.status == "failed" or (o.status == "skipped" and not o.doc_id):
            print(f"  {o.status:<8} {o.source}: {o.reason}")
        elif o.status in ("added", "updated") and o.kept is not None and o.source.find("#L") < 0:
            details = "; ".join(x for x in (o.kept_text, o.reason if o.reason != "content changed" else "") if x)
            print(f"  {o.status:<8} {o.source}: {details}")
    print(report.summary())


# --- verbs ---------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    settings = _settings(args)
    index = _open_index(settings, must_exist=False)
    report = ingest_with_progress(index, args.paths)
    print_report(report)
    print(f"index: {settings.paths.index_dir} ({index.stats()['documents']} documents, {index.stats()['chunks']} chunks)")
    return 1 if report.count("failed") and not (report.count("added") + report.count("updated") + report.count("skipped")) else 0


def _read_questions(path: str) -> list[dict[str, object]]:
    """Each line: {"question": ...}. A bad line becomes an error entry, not a crash."""
    rows: list[dict[str, object]] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read questions file {path}: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("question"), str):
                raise ValueError('expected an object with a "question" string')
            rows.append(row)
        except ValueError as exc:
            rows.append({"question": None, "error": f"line {n}: {exc}"})
    return rows


def cmd_ask(args: argparse.Namespace) -> int:
    if bool(args.question) == bool(args.questions):
        raise UserError('give one question, or --questions FILE.jsonl (one {"question": ...} per line)')
    settings = _settings(args)
    from answer.answerers import make_answerer

    index = _open_index(settings)
    answerer = make_answerer(index)
    fmt = "json" if args.json else args.format
    rows = _read_questions(args.questions) if args.questions else [{"question": args.question}]
    failures = 0
    for row in rows:
        try:
            if row.get("error"):
                raise UserError(str(row["error"]))
            result = _answer(answerer, str(row["question"]), stream=fmt == "text")
        except UserError as exc:
            failures += 1
            if fmt == "json":
                print(json.dumps({**_row_id(row), "question": row.get("question"), "error": str(exc)},
                                 ensure_ascii=False), flush=True)
            else:
                print(f"error: {exc}", file=sys.stderr)
            continue
        print_formatted(result, fmt, index, _row_id(row))
    return 2 if failures and not args.questions else 0


def _row_id(row: dict[str, object]) -> dict[str, object]:
    """A questions file's own `id` of a line, echoed in its JSON answer so answers join back to questions."""
    return {"id": row["id"]} if "id" in row else {}


def print_formatted(result, fmt: str, index, extra: dict[str, object] | None = None) -> None:
    """One answer in the asked `--format`: text for reading, json for programs (`extra` fields first, e.g. the
    question's id), markdown with references for a note, bibtex/ris for a reference manager (the cited papers only)."""
    from answer import render

    if fmt == "text":
        print_answer(result)
    elif fmt == "json":
        print(json.dumps({**(extra or {}), **render.answer_json(result)}, ensure_ascii=False), flush=True)
    elif fmt == "markdown":
        print(render.answer_with_references(result, render.cited_papers(result, index)) + "\n", flush=True)
    elif papers := render.cited_papers(result, index):
        print(render.papers_bibtex(papers) if fmt == "bibtex" else render.papers_ris(papers), flush=True)
    else:
        print(f"the answer to {result.question!r} cites no papers", file=sys.stderr)


def _answer(answerer, question: str, stream: bool):
    """Answer one question; an LLM's text is streamed to stdout as it arrives, then checked."""
    from answer.models import CitedAnswer

    if not hasattr(answerer, "stream"):
        return answerer.answer(question)
    streamed = False
    for event in answerer.stream(question):
        if isinstance(event, CitedAnswer):
            if streamed:
                print("\n\n--- citations checked ---", flush=True)
            return event
        if stream:
            streamed = True
            print(event, end="", flush=True)
    raise AssertionError("stream() ends with a CitedAnswer")


def print_answer(result) -> None:
    from answer.render import answer_text

    print(answer_text(result))
    from text.study import StudyCard

    for c in result.citations:
        lean = f" — reads: {c.lean}" if c.lean else ""
        study = f"\n    {StudyCard.from_dict(c.study).summary()}" if c.study else ""
        print(f"\n[{c.n}] {c.title or c.doc_id} ({c.doc_id}, chars {c.start}-{c.end}){lean}{study}\n    {c.source}")
    if result.mode == "llm" and result.parts:
        claims = [p for p in result.parts if p.verified is not None]
        print(f"\n{sum(bool(p.verified) for p in claims)} of {len(claims)} claims verified against their sources.")
    print()


def cmd_search(args: argparse.Namespace) -> int:
    settings = _settings(args)
    index = _open_index(settings)
    designs, since = settings.answer.designs, settings.answer.since
    k = args.k or settings.retrieval.top_k
    hits = index.search(args.query, k=k * 4 if designs or since else k)
    from text.study import StudyCard, admits, card_of

    records = {d: index.document(d) for d in {h.doc_id for h in hits}}
    cards = {d: card_of(r.text, r.metadata) if r else StudyCard() for d, r in records.items()}
    if designs or since:  # only papers of these designs / years, searched deeper
        hits = [h for h in hits if admits(cards[h.doc_id], designs, since)][:k]
    if args.json:
        rows = [
            {"rank": h.rank, "chunk_id": h.chunk_id, "doc_id": h.doc_id, "title": h.node.metadata.get("title", ""),
             "score": h.score, "dense": h.dense, "bm25": h.bm25, "start": h.node.start_char_idx,
             "end": h.node.end_char_idx, "text": h.node.text, "study": cards[h.doc_id].to_dict()}
            for h in hits
        ]
        print(json.dumps({"query": args.query, "mode": settings.retrieval.mode, "results": rows}, ensure_ascii=False))
        return 0
    if not hits:
        print("no results (is the index empty?)")
    for h in hits:
        title = h.node.metadata.get("title") or h.doc_id
        scores = " ".join(f"{name}={v:.3f}" for name, v in (("dense", h.dense), ("bm25", h.bm25)) if v is not None)
        print(f"{h.rank:>3}. {h.score:.4f}  {h.chunk_id}  {title[:70]}\n      {cards[h.doc_id].summary()}\n"
              f"      {scores}\n      {h.node.text[:160]}...")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.what == "answers":
        return cmd_eval_answers(args)
    from evals.retrieval import MODES, evaluate, format_table

    if not (args.corpus and args.queries and args.qrels):
        raise UserError("eval retrieval needs --corpus C.jsonl --queries Q.jsonl --qrels R.tsv")
    settings = _settings(args)
    modes = list(MODES) if args.mode in (None, "all") else [args.mode]
    if args.fusion:
        settings.retrieval.fusion = args.fusion
    progress = _TqdmProgress()
    try:
        report = evaluate([Path(p) for p in args.corpus], Path(args.queries), Path(args.qrels), settings, modes,
                          baseline=len(modes) > 1, progress=progress)
    finally:
        progress.close()
    print(json.dumps(report, ensure_ascii=False) if args.json else format_table(report))
    return 0


def cmd_eval_answers(args: argparse.Namespace) -> int:
    """Extractive answers, and LLM answers when an LLM is configured, scored on one question set."""
    from answer.answerers import make_answerer
    from evals.answers import evaluate_answers, format_table, load_cases

    settings = _settings(args)
    cases = load_cases(Path(args.questions or PROJECT_DIR / "evals" / "questions.jsonl"))
    index = ensure_index(settings)
    answerers = {"extractive": make_answerer(index, llm=False)}
    if settings.llm.backend != "none":
        answerers[f"LLM ({settings.llm.model})"] = make_answerer(index, llm=True)
    reports = {}
    for name, answerer in answerers.items():
        progress = _TqdmProgress()
        try:
            reports[name] = evaluate_answers(answerer, cases, progress=progress)
        finally:
            progress.close()
    print(json.dumps(reports, ensure_ascii=False) if args.json else format_table(reports))
    return 0


def ensure_index(settings: Settings):
    """Open the index, building it from the bundled sample corpus when there is none.

    An index in the layout of an older version is moved aside (never deleted: it may hold the user's own papers)
    and the sample index is built in its place.
    """
    from errors import OldIndexFormatError

    try:
        index = _open_index(settings, must_exist=False)
    except OldIndexFormatError:
        folder = settings.paths.index_dir
        aside = folder.with_name(f"{folder.name}.old-format")
        n = 1
        while aside.exists():
            n += 1
            aside = folder.with_name(f"{folder.name}.old-format-{n}")
        folder.rename(aside)
        print(f"The index in {folder} was written by an older version of biocite; it is kept in {aside}, and "
              f"papers of your own there need `python app.py ingest PATH...` again.", file=sys.stderr)
        index = _open_index(settings, must_exist=False)
    if not len(index):
        from index.sample_index import install

        if shipped := install(settings, settings.paths.index_dir):  # the index this checkout would build, shipped
            print(f"No index in {settings.paths.index_dir}: the sample corpus's shipped index is copied there "
                  f"({shipped['documents']} documents, built with {shipped['variant']} on {shipped['cpu']})",
                  file=sys.stderr)
            return _open_index(settings)
        print(f"No index in {settings.paths.index_dir}: building it from the sample corpus...", file=sys.stderr)
        print_report(ingest_with_progress(index, [str(p) for p in settings.paths.sample_corpus]))
    return index


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    for flag, key in (("port", "port"), ("host", "host"), ("auth", "auth_user"), ("no_auth", "no_auth")):
        if getattr(args, flag, None):
            setattr(settings.ui, key, getattr(args, flag))
    auth = login_check(settings)  # before the index is built: a refused bind should not cost minutes
    index = ensure_index(settings)
    from answer.preparation import ModelPreparation
    from index.embedding import load_without_measuring

    # On a CPU met for the first time the models' variants are measured, converted and calibrated (one to two minutes
    # on 2 cores, cached afterwards): that runs beside the server, not before it, and a question asked meanwhile is
    # answered by the torch fp32 references. What needs no measuring loads now, so a missing or broken model fails
    # before serving.
    if load_without_measuring(settings.embedding, settings.paths.model_cache) is not None:
        _ = index.embed_model  # and an index of another model is refused now
    from ui import build_demo  # gradio's import takes seconds: after the checks that can refuse to serve

    demo = build_demo(settings, index)
    ModelPreparation(index).start()  # before the first question can arrive: meanwhile the references answer it
    _, local_url, _ = demo.launch(
        server_name=settings.ui.host, server_port=settings.ui.port, prevent_thread_lock=True, quiet=True, auth=auth,
        **_launch_kwargs(settings),
    )
    print(f"biocite is serving {index.stats()['documents']} documents at {local_url}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    return 0


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def login_check(settings: Settings):
    """Gradio's `auth` for this bind: None on loopback without a user; off loopback a user is required, with the
    password from the environment (never a flag: flags show in `ps`), unless `--no-auth` says otherwise out loud."""
    ui = settings.ui
    if not ui.auth_user:
        if ui.host in LOOPBACK:
            return None
        if not ui.no_auth:
            raise UserError(
                f"serving on {ui.host} would let anyone on the network read your papers: pass --auth USER with the "
                f"password in ${ui.password_env}, or --no-auth to serve without a login"
            )
        print(f"warning: serving on {ui.host} without a login (--no-auth): anyone who can reach this port can ask "
              "questions and upload files", file=sys.stderr)
        return None
    password = os.environ.get(ui.password_env, "")
    if not password:
        raise UserError(f"--auth {ui.auth_user} needs the password in the environment variable ${ui.password_env}")
    user = ui.auth_user

    def check(given_user: str, given_password: str) -> bool:
        return hmac.compare_digest(given_user.encode(), user.encode()) & hmac.compare_digest(
            given_password.encode(), password.encode())

    return check


def _launch_kwargs(settings: Settings) -> dict[str, object]:
    from ui import CSS

    # Gradio refuses larger uploads before they reach the disk; our loader checks again per file.
    return {"css": CSS, "footer_links": ["api"], "max_file_size": f"{int(settings.ingest.max_file_mb)}mb"}


# --- entry point ---------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python app.py", description="Evidence-grounded answers from your papers.")
    sub = parser.add_subparsers(dest="verb")

    def common(p: argparse.ArgumentParser, mode: bool = True) -> None:
        # the default is named, not loaded: a broken biocite.toml must fail inside main's error handling
        p.add_argument("--index", metavar="DIR", help="index folder (default: paths.index_dir, var/index)")
        if mode:
            p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], help="retrieval mode (default: hybrid)")

    def llm_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--llm", choices=["none", "openai"], help="answer with an OpenAI-compatible LLM (default: none)")
        p.add_argument("--llm-url", metavar="URL", help="the server's /v1 endpoint (llm.base_url)")
        p.add_argument("--llm-model", metavar="NAME", help="model name on that server (llm.model)")
        p.add_argument("--strict", action="store_true", help="drop generated sentences whose citations fail the check")

    def study_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--design", metavar="D[,D]", help="only papers of these study designs, e.g. randomised_trial,"
                       "systematic_review (answer.designs; see docs/cli.md for the list)")
        p.add_argument("--since", type=int, metavar="YEAR", help="only papers published in YEAR or later (answer.since)")

    p = sub.add_parser("serve", help="serve the chat UI")
    common(p)
    llm_flags(p)
    p.add_argument("--port", type=int, help="port (default: 7860)")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1); any other needs --auth or --no-auth")
    access = p.add_mutually_exclusive_group()
    access.add_argument("--auth", metavar="USER", help="ask for USER and the password in $BIOCITE_PASSWORD")
    access.add_argument("--no-auth", action="store_true", help="serve off loopback without a login (prints a warning)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("ingest", help="add files, folders or BEIR JSONL corpora to the index")
    common(p, mode=False)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question with citations")
    common(p)
    p.add_argument("question", nargs="?")
    p.add_argument("--questions", metavar="FILE.jsonl", help='one {"question": ...} per line')
    llm_flags(p)
    p.add_argument("--format", choices=["text", "markdown", "bibtex", "ris", "json"], default="text",
                   help="text (default); markdown: the answer with numbered references; bibtex/ris: the cited papers "
                   "for a reference manager; json: the answer as data")
    p.add_argument("--json", action="store_true", help="the same as --format json (JSONL with --questions)")
    study_flags(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="evaluate retrieval on a BEIR-format dataset, or answers on a question set")
    p.add_argument("what", choices=["retrieval", "answers"])
    p.add_argument("--index", metavar="DIR", help="answers: the index to ask (default: the sample index)")
    p.add_argument("--corpus", nargs="+", metavar="C.jsonl", help="retrieval: BEIR corpus (or any ingestable paths)")
    p.add_argument("--queries", metavar="Q.jsonl", help="retrieval: BEIR queries")
    p.add_argument("--qrels", metavar="R.tsv", help="retrieval: BEIR qrels")
    p.add_argument("--questions", metavar="FILE.jsonl", help="answers: question set (default: evals/questions.jsonl, the 96 IgG4 questions)")
    llm_flags(p)
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25", "all"], default="all",
                   help="one mode, or all three plus the stock llama-index baseline (default)")
    p.add_argument("--fusion", choices=["rrf", "weighted"], help="override retrieval.fusion")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("search", help="retrieval only: ranked chunks with scores")
    common(p)
    p.add_argument("query")
    p.add_argument("--k", type=int, default=None, help="how many chunks (default: 10)")
    p.add_argument("--json", action="store_true")
    study_flags(p)
    p.set_defaults(func=cmd_search)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["serve", *argv]  # `python app.py [--port N]` serves the UI
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the index on disk is unchanged since its last save", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ask ... | head` closed the pipe: what was read is what the reader wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush does not fail again
        return 141  # 128 + SIGPIPE, as a shell tool ends
    except Exception as exc:  # a bug: keep the traceback out of the user's face, but keep it
        log_file = PROJECT_DIR / "var" / "logs" / "errors.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "a", encoding="utf-8") as f:
            f.write(traceback.format_exc() + "\n")
        print(f"internal error: {type(exc).__name__}: {exc} (details in {log_file})", file=sys.stderr)
        return 1


def __getattr__(name: str):
    """`app.demo`, built on first access (Gradio's reload mode and HF Spaces look for it)."""
    if name == "demo":
        from ui import build_demo

        settings = load_settings()
        globals()["demo"] = build_demo(settings, None)
        return globals()["demo"]
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
