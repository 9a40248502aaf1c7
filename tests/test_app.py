"""The command line, run as a user runs it: `python app.py VERB ...` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
import rispy

from settings import PROJECT_DIR

pytestmark = pytest.mark.slow
ANSWER_KEYS = {"question", "answer", "citations", "retrieved"}
CITATION_KEYS = {"n", "doc_id", "title", "source", "chunk_id", "quote", "start", "end"}  # the promised ones
CITATION_EXTRA = {"lean", "study"}  # added since, never renamed


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "app.py"), *args], capture_output=True, text=True, input=stdin, timeout=600,
        cwd=PROJECT_DIR, env={**os.environ, **(env or {})},
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def test_ask_json_shape(sample_index_dir: Path):
    proc = run("ask", "which biologics target Th2?", "--index", str(sample_index_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert ANSWER_KEYS <= set(data) and data["question"] == "which biologics target Th2?"
    assert data["citations"] and all(set(c) == CITATION_KEYS | CITATION_EXTRA for c in data["citations"])
    assert all(f"[{c['n']}]" in data["answer"] for c in data["citations"])
    assert "dupilumab" in data["answer"] and "mepolizumab" in data["answer"]


def test_ask_questions_file_gives_one_line_per_question(sample_index_dir: Path, tmp_path: Path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"question": "Was thalidomide effective in IgG4-related skin disease?"}) + "\n"
        + "not json\n"
        + json.dumps({"question": "x" * 51_200, "id": 7}) + "\n"
        + json.dumps({"question": "Which biologic also inhibits IL-13 signalling?", "id": "q-4"}) + "\n"
    )
    proc = run("ask", "--questions", str(qfile), "--index", str(sample_index_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 4
    assert rows[0]["citations"][0]["doc_id"] == "000_dcd8f8407bdf3926"
    # a yes/no answer says how each quote leans (the real reader: the case report's "could be considered" reads yes);
    # other answers carry no lean
    assert {c["lean"] for c in rows[0]["citations"]} <= {"yes", "no", "unsettled"}
    assert "yes" in {c["lean"] for c in rows[0]["citations"]}, rows[0]["citations"]
    assert {c["lean"] for c in rows[3]["citations"]} == {""}
    assert "line 2" in rows[1]["error"] and "limit is 2,000" in rows[2]["error"]
    assert ANSWER_KEYS <= set(rows[3])
    # a line's own id comes back with its answer or its error, so answers join back to the questions
    assert rows[3]["id"] == "q-4" and rows[2]["id"] == 7 and "id" not in rows[0]


def test_ask_plain_text_and_huge_question(sample_index_dir: Path):
    proc = run("ask", "q" * 51_200, "--index", str(sample_index_dir))
    assert proc.returncode == 2 and "limit is 2,000" in proc.stderr


def test_search_json(sample_index_dir: Path):
    proc = run("search", "dupilumab IL-13", "--index", str(sample_index_dir), "--k", "3", "--json", "--mode", "bm25")
    data = json.loads(proc.stdout)
    assert data["mode"] == "bm25" and len(data["results"]) == 3
    top = data["results"][0]
    assert top["doc_id"] == "002_5cb0a75a9d438d34" and top["bm25"] > 0 and top["rank"] == 1


def test_missing_index_is_a_clear_error(tmp_path: Path):
    proc = run("ask", "anything?", "--index", str(tmp_path / "none"))
    assert proc.returncode == 2 and "no index in" in proc.stderr and "python app.py ingest" in proc.stderr


def test_the_shipped_sample_index_is_not_opened_in_place():
    """`--index data/sample-index` would rewrite a committed file (the catalog's header, by its journal mode)."""
    catalog = PROJECT_DIR / "data" / "sample-index" / "catalog.sqlite"
    before = catalog.read_bytes()
    for verb in (["ask", "which biologics target Th2?"], ["search", "Th2"], ["ingest", str(PROJECT_DIR / "README.md")]):
        proc = run(*verb, "--index", str(catalog.parent))
        assert proc.returncode == 2 and "sample index as shipped" in proc.stderr and "leave out --index" in proc.stderr
    assert catalog.read_bytes() == before and not list(catalog.parent.glob("catalog.sqlite-*"))


def test_the_shipped_sample_index_named_by_the_setting_is_not_opened_in_place_either():
    """The same folder named by `paths.index_dir` (here its environment variable) instead of --index."""
    catalog = PROJECT_DIR / "data" / "sample-index" / "catalog.sqlite"
    before = catalog.read_bytes()
    for verb in (["ask", "which biologics target Th2?"], ["search", "Th2"]):
        proc = run(*verb, env={"BIOCITE_PATHS__INDEX_DIR": str(catalog.parent)})
        assert proc.returncode == 2 and "sample index as shipped" in proc.stderr, proc.stderr
        assert "BIOCITE_PATHS__INDEX_DIR" in proc.stderr and "--index" in proc.stderr  # what to change, and the way out
    assert catalog.read_bytes() == before and not list(catalog.parent.glob("catalog.sqlite-*"))


def test_ingest_reports_per_file_and_keeps_going(tmp_path: Path):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "good.txt").write_text("Abatacept in IgG4-RD\n\nAbatacept regulates T cells as a whole.")
    (papers / "bad.pdf").write_bytes(b"%PDF-1.7 truncated")
    (papers / "latin.txt").write_bytes(b"Caf\xe9 \x81 text")
    index = tmp_path / "index"
    proc = run("ingest", str(papers), "--index", str(index))
    assert proc.returncode == 0, proc.stderr
    assert "1 added, 0 updated, 0 skipped, 2 failed" in proc.stdout
    assert "bad.pdf: PDF is damaged" in proc.stdout and "latin.txt: file is not valid UTF-8" in proc.stdout
    again = run("ingest", str(papers / "good.txt"), "--index", str(index))
    assert "0 added, 0 updated, 1 skipped, 0 failed" in again.stdout
    search = run("search", "abatacept", "--index", str(index), "--json")
    assert json.loads(search.stdout)["results"][0]["doc_id"] == "good"


def test_eval_retrieval_on_an_arbitrary_beir_dataset(tmp_path: Path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(d) for d in [
        {"_id": "p1", "title": "Dupilumab", "text": "Dupilumab blocks IL-4Rα and therefore IL-13 signalling."},
        {"_id": "p2", "title": "Rituximab", "text": "Rituximab depletes CD20-positive B cells in IgG4-related disease."},
        {"_id": "p3", "title": "Thalidomide", "text": "Thalidomide induced remission of cutaneous nodules."},
    ]))
    queries = tmp_path / "queries.jsonl"
    queries.write_text(json.dumps({"_id": "q1", "text": "Which antibody depletes B cells?"}) + "\n"
                       + json.dumps({"_id": "q2", "text": "IL-13 blockade"}) + "\n")
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\tp2\t1\nq2\tp1\t1\n")
    proc = run("eval", "retrieval", "--corpus", str(corpus), "--queries", str(queries), "--qrels", str(qrels), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    modes = {r["mode"]: r for r in report["results"]}
    assert set(modes) == {"hybrid", "dense", "bm25", "llama-index default"}
    assert modes["hybrid"]["queries"] == 2 and modes["hybrid"]["MRR@10"] == 1.0 and report["documents"] == 3
    bad = run("eval", "retrieval", "--corpus", str(corpus), "--queries", str(queries), "--qrels", str(tmp_path / "no.tsv"))
    assert bad.returncode == 2 and "cannot read qrels" in bad.stderr


def test_the_ask_verb_imports_no_parser_server_or_database_it_does_not_use():
    """A one-shot `ask` pays for the model stack only: no Gradio, no PDF/HTML/Word parsers, no PostgreSQL driver, and
    no torch until a torch backend is loaded (with OpenVINO, never: tests/index/test_embedding.py)."""
    code = ("import sys, app, answer.answerers, index.corpus; "
            "print(sorted(m for m in ('gradio', 'pdfplumber', 'pypdf', 'trafilatura', 'lxml', 'docx', 'odf', 'psycopg2', "
            "'llama_index.vector_stores.postgres', 'hypothesis', 'torch', 'transformers', 'sentence_transformers') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=PROJECT_DIR)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_an_index_of_the_old_layout_is_moved_aside_and_the_sample_rebuilt(settings, hash_model, capsys):
    """`python app.py` on a folder written by the previous version (generation folders): nothing is deleted."""
    from app import ensure_index

    old = settings.paths.index_dir
    (old / "gen-000004").mkdir(parents=True)
    (old / "gen-000004" / "documents.jsonl").write_text('{"doc_id": "mine"}\n')
    (old / "CURRENT").write_text("gen-000004\n")
    index = ensure_index(settings)
    aside = old.with_name(f"{old.name}.old-format")
    assert (aside / "gen-000004" / "documents.jsonl").read_text() == '{"doc_id": "mine"}\n'
    assert len(index) > 0 and not (old / "CURRENT").exists()
    assert f"kept in {aside}" in capsys.readouterr().err


def test_the_progress_bar_takes_a_total_learnt_after_its_phase_began(capsys):
    """PostgreSQL's index-build progress knows its total only from its second report."""
    from app import _TqdmProgress

    progress = _TqdmProgress()
    progress("Building the vector index (HNSW)", 0, None)
    progress("Building the vector index (HNSW)", 50, 200)
    bar = progress._bars["Building the vector index (HNSW)"]
    assert (bar.n, bar.total, bar.unit) == (50, 200, "block")
    progress.close()
    assert "25%" in capsys.readouterr().err


def test_ask_json_answer_is_plain_text_and_answer_markdown_the_same_answer(sample_index_dir: Path):
    """`answer` is for programs and terminals (no Markdown escapes), `answer_markdown` for renderers: one answer."""
    proc = run("ask", "What was the 30-day mortality after emergency laparotomy in patients aged over 70?", "--index",
               str(sample_index_dir), "--json")
    data = json.loads(proc.stdout)
    assert "<" in data["answer"] and "\\" not in data["answer"]
    assert "\\<" in data["answer_markdown"] and re.sub(r"\\(.)", r"\1", data["answer_markdown"]) == data["answer"]
    printed = run("ask", data["question"], "--index", str(sample_index_dir)).stdout
    assert printed.startswith(data["answer"])  # the CLI prints the plain answer, then its citations


def test_ask_formats_for_a_note_and_a_reference_manager(sample_index_dir: Path):
    question = ("which biologics target Th2?", "--index", str(sample_index_dir))
    markdown = run("ask", *question, "--format", "markdown").stdout
    assert "**References**\n\n1. " in markdown and "[1]" in markdown
    bibtex = run("ask", *question, "--format", "bibtex").stdout
    library = bibtexparser.parse_string(bibtex)
    assert library.entries and not library.failed_blocks and all(e.get("title") for e in library.entries)
    records = rispy.loads(run("ask", *question, "--format", "ris").stdout)
    assert [r["title"] for r in records] == [e["title"] for e in library.entries]
    assert json.loads(run("ask", *question, "--format", "json").stdout)["answer"] == json.loads(
        run("ask", *question, "--json").stdout)["answer"]


def test_ingest_a_zotero_export_then_cite_it_back(tmp_path: Path):
    """A BibTeX export with files in; its bad entries named; the cited paper out again as the export had it."""
    from tests.ingest.library_fixture import DOI, TITLE, write_exports

    bib, _ = write_exports(tmp_path)
    index = str(tmp_path / "index")
    proc = run("ingest", str(bib.parent), "--index", index)
    assert proc.returncode == 0 and "2 added" in proc.stdout and "3 failed" in proc.stdout, proc.stdout
    assert "entry missing2019: attached file files/99/gone.pdf is missing" in proc.stdout
    assert "entry broken2018 at line 32" in proc.stdout and "entry noabstract2020: no attached file" in proc.stdout
    entries = bibtexparser.parse_string(run("ask", "How were the gland swelling and prednisolone dose after dupilumab?",
                                            "--index", index, "--format", "bibtex").stdout).entries
    assert entries[0].key == "hartmann2024" and entries[0]["title"] == TITLE and entries[0]["doi"] == DOI
    assert entries[0]["author"] == "Hartmann, Lena and Nakamura, Yuki and Quinn, Ben"


def test_ask_shows_each_cited_papers_study_card_and_filters_by_design_and_year(sample_index_dir: Path):
    index = str(sample_index_dir)
    question = "does dupilumab let patients stop steroids?"
    data = json.loads(run("ask", question, "--index", index, "--json", "--since", "2020").stdout)
    studies = {c["doc_id"]: c["study"] for c in data["citations"]}
    assert all(int(s["year"]) >= 2020 for s in studies.values())
    # the PubMed page's case series of four patients, 2024; the open-label rituximab trial
    assert studies.get("38990002", {}).get("design") == "case_report", studies
    assert studies["38990002"]["year"] == "2024" and studies["38990002"]["journal"] == "Clin Case Rep Immunol"
    assert all(set(s) >= {"design", "design_label", "participants", "year", "journal", "registry"} for s in studies.values())
    text = run("ask", question, "--index", index, "--since", "2020").stdout
    assert "case report · " in text and "2024 · Clin Case Rep Immunol" in text

    trials = json.loads(run("ask", "did rituximab let patients stop steroids?", "--index", index, "--json",
                            "--design", "non_randomised_trial,rct").stdout)
    assert trials["answer"].startswith("Searched only non-randomised trial or randomised trial papers.")
    assert "39990001" in {c["doc_id"] for c in trials["citations"]}  # the open-label rituximab trial
    assert {c["study"]["design"] for c in trials["citations"]} <= {"non_randomised_trial",
                                                                                          "randomised_trial"}
    hits = json.loads(run("search", "dupilumab", "--index", index, "--json", "--design", "case report").stdout)
    assert hits["results"] and {h["study"]["design"] for h in hits["results"]} == {"case_report"}
    assert "38990002" in {h["doc_id"] for h in hits["results"]}

    wrong = run("ask", question, "--index", index, "--design", "trials")
    assert wrong.returncode == 2 and "unknown study design 'trials'" in wrong.stderr and "randomised_trial" in wrong.stderr


def test_output_piped_into_head_ends_quietly():
    """`python app.py ask ... | head` closes the pipe early: no "internal error", no traceback, no error log line."""
    code = ("import sys, app\n"
            "def long_output(args):\n"
            "    for i in range(200000):\n"
            "        print('line', i)\n"
            "    return 0\n"
            "app.cmd_search = long_output\n"
            "sys.exit(app.main(['search', 'x']))\n")
    proc = subprocess.run(["bash", "-c", 'set -o pipefail; "$0" -c "$1" | head -1', sys.executable, code],
                          cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "line 0\n"
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 141  # 128 + SIGPIPE, as shell tools end when their reader goes away
