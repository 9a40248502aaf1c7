"""Load on the chat server: concurrent users asking through the Gradio API, optionally while papers are uploaded.

    python -m bench.load                                  # 20 users for 120 s, then again during an upload
    python -m bench.load --users 5 --seconds 20 --papers 30   # the size CI runs (tests/test_load.py)

A real `python app.py serve` is started on 127.0.0.1 with the sample index (copied, so the upload does not
touch the real one). Each user is a `gradio_client.Client` asking a mixed list of questions from
`evals/questions.jsonl` (answerable, to-be-refused, and follow-ups typed as they come) back to back. The
server's RSS is sampled every second. The second phase uploads `--papers` generated papers through the UI's
upload endpoint while the users keep asking, then checks that a term only those papers contain is found.
Prints requests, errors, p50/p95 latency, peak RSS and the RSS drift between the first and last 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.latency import percentile
from index.catalog import Catalog
from settings import PROJECT_DIR, load_settings

CANARY = "zorbulimab"  # a drug name no real paper has: found only once the uploaded papers are committed


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)  # when each answer arrived, seconds into the phase
    users_answered: set[int] = field(default_factory=set)  # which users got at least one answer
    ingest: tuple[float, float] | None = None  # the upload's first to last progress report: the index's writer is held

    def answered_during_ingest(self) -> int:
        """Answers that arrived while the upload was being ingested: the server kept answering, not queued them."""
        return sum(self.ingest[0] < t < self.ingest[1] for t in self.answered_at) if self.ingest else 0

    def row(self) -> str:
        ms = [x * 1000 for x in self.latencies]
        p50 = percentile(ms, 50) if len(ms) > 1 else float("nan")
        p95 = percentile(ms, 95) if len(ms) > 1 else float("nan")
        peak = max((r for _, r in self.rss), default=0) / 2**20
        first = [r for t, r in self.rss if t <= 30] or [0]
        last = [r for t, r in self.rss if t >= self.seconds - 30] or [0]
        drift = (sum(last) / len(last) - sum(first) / len(first)) / 2**20
        return (f"| {self.name} | {len(self.latencies) + len(self.errors)} | {len(self.errors)} | {p50:.0f} | {p95:.0f} | "
                f"{peak:.0f} | {drift:+.0f} |")


def questions() -> list[str]:
    cases = [json.loads(x) for x in (PROJECT_DIR / "evals" / "questions.jsonl").read_text().splitlines() if x.strip()]
    return [q for c in cases for q in (c.get("turns") or [c["question"]])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index_dir: Path, port: int, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    proc = subprocess.Popen([sys.executable, str(PROJECT_DIR / "app.py"), "serve", "--index", str(index_dir),
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until_serving(proc)
    return proc


def wait_until_serving(proc: subprocess.Popen[str]) -> str:
    """The server's "biocite is serving ..." line, read past what comes before it on its merged output (the model
    preparation runs beside the launch and may report first: "Models ready after 1 s ..."). Kills the server and
    raises, with what it printed, if it exits instead."""
    lines = []
    for line in proc.stdout:
        if line.startswith("biocite is serving"):
            return line
        lines.append(line)
    proc.kill()
    raise RuntimeError("server did not start: " + "".join(lines)[-2000:])


def run_phase(phase: Phase, url: str, pid: int, users: int, seconds: float, upload: list[Path] | None = None) -> None:
    import psutil
    from gradio_client import Client, handle_file

    pool = questions()
    stop = time.perf_counter() + seconds
    uploading = threading.Event()  # users keep asking until the upload is committed, however long it takes
    started = time.perf_counter()
    lock = threading.Lock()
    server = psutil.Process(pid)

    def user(k: int) -> None:
        client = Client(url, verbose=False)
        i = k * 7
        while time.perf_counter() < stop or uploading.is_set():
            q = pool[i % len(pool)]
            i += 1
            t = time.perf_counter()
            try:
                data = client.predict(q, api_name="/ask")
                ok = bool(data.get("answer") or data.get("error"))
                with lock:
                    (phase.latencies.append(time.perf_counter() - t) if ok else phase.errors.append(f"empty: {q}"))
                    if ok:
                        phase.answered_at.append(time.perf_counter() - started)
                        phase.users_answered.add(k)
            except Exception as exc:  # noqa: BLE001 (every failure is a counted error)
                with lock:
                    phase.errors.append(f"{type(exc).__name__}: {exc}"[:200])

    def sample() -> None:
        while time.perf_counter() < stop or uploading.is_set():
            phase.rss.append((time.perf_counter() - started, server.memory_info().rss))
            time.sleep(1.0)

    threads = [threading.Thread(target=user, args=(k,)) for k in range(users)] + [threading.Thread(target=sample)]
    if upload:
        uploading.set()
    for t in threads:
        t.start()
    if upload:
        client = Client(url, verbose=False)
        t = time.perf_counter()
        # The handler reports progress from inside the ingest, which holds the index's writer from its first report
        # ("Reading") to its last ("Saving" the final commit); the reply comes later (the corpus table is rebuilt).
        reports: list[tuple[float, object]] = []
        try:
            job = client.submit([handle_file(str(p)) for p in upload], api_name="/add_files")
            while not job.done():
                progress = job.status().progress_data
                if progress and (not reports or reports[-1][1] != progress):
                    reports.append((time.perf_counter() - started, progress))
                time.sleep(0.02)
            job.result()
        finally:
            uploading.clear()
        if reports:
            phase.ingest = (reports[0][0], reports[-1][0])
        window = f" ({phase.ingest[1] - phase.ingest[0]:.1f} s)" if phase.ingest else ""
        phase.notes.append(f"uploaded and committed {len(upload)} papers in {time.perf_counter() - t:.1f} s while users "
                           f"asked; {phase.answered_during_ingest()} answers arrived while they were being ingested{window}")
        found = client.predict(f"What does {CANARY} block?", api_name="/ask")
        cited = {c["doc_id"] for c in found.get("citations", [])}
        phase.notes.append(f"after the commit, a question on the new papers cites {len(cited)} of them")
        if not cited:
            phase.errors.append("the uploaded papers are not searchable after their commit")
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - started


def write_papers(folder: Path, n: int, visits: int = 0) -> list[Path]:
    """`n` short case reports naming the CANARY drug; `visits` more sentences each make them longer to embed."""
    folder.mkdir(parents=True, exist_ok=True)
    papers = []
    for i in range(n):
        p = folder / f"upload{i:04d}.txt"
        p.write_text(f"{CANARY.capitalize()} case report {i}\n\n{CANARY.capitalize()} is a monoclonal antibody that blocks "
                     f"the receptor of interleukin-{i % 30 + 1} in patient {i}. The patient was followed for {i % 12 + 1} "
                     "months and relapse was assessed at every visit." + "".join(
                         f" At visit {v + 1} serum IgG4 of patient {i} was {(i * 7 + v * 13) % 900 + 100} mg/dL and the "
                         f"affected glands measured {(i + v) % 40 + 5} mm." for v in range(visits)))
        papers.append(p)
    return papers


def measure(users: int, seconds: float, papers: int, index_dir: Path, concurrency: int | None = None,
            visits: int = 0) -> list[Phase]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "index"
        shutil.copytree(index_dir, work)
        port = free_port()
        server = start_server(work, port, env={"BIOCITE_UI__CONCURRENCY": str(concurrency)} if concurrency else None)
        url = f"http://127.0.0.1:{port}/"
        try:
            phases = [Phase(f"{users} users asking, {seconds:.0f} s")]
            run_phase(phases[0], url, server.pid, users, seconds)
            if papers:
                phases.append(Phase(f"{users} users asking while {papers} papers are uploaded"))
                run_phase(phases[1], url, server.pid, users, seconds, write_papers(Path(tmp) / "papers", papers, visits))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return phases


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--index", type=Path, default=None, help="index to serve (default: the sample index)")
    parser.add_argument("--concurrency", type=int, default=None, help="questions answered at once (default: ui.concurrency)")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.concurrency:
        settings.ui.concurrency = args.concurrency
    index_dir = args.index or settings.paths.index_dir
    if not Catalog.exists(index_dir):
        sys.exit(f"no index in {index_dir}: run `python app.py ingest` or `python app.py` first")
    phases = measure(args.users, args.seconds, args.papers, index_dir, args.concurrency)
    print(f"queue: {settings.ui.concurrency} questions answered at once, at most {settings.ui.queue_size} waiting")
    print("| phase | requests | errors | p50 ms | p95 ms | peak RSS MB | RSS last 30 s vs first 30 s, MB |")
    print("|---|---|---|---|---|---|---|")
    for phase in phases:
        print(phase.row())
        for note in phase.notes:
            print(f"  {note}")
        for error in sorted(set(phase.errors))[:5]:
            print(f"  error: {error}")


if __name__ == "__main__":
    main()
