"""scripts/test.sh runs the suite on two pytest-xdist workers: they must share one embedding cache
(tests/conftest.py), so no text is embedded twice in a run; a session fixture built with `once_per_run` (the
answer question set) is computed by one worker only, and the modules reading it run on one worker."""

from __future__ import annotations

import getpass
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import _SHARED_CACHE, PROJECT

PROBE = '''
import json, os
from pathlib import Path

def test_where_this_worker_caches():
    out = Path(os.environ["PROBE_OUT"]) / (os.environ.get("PYTEST_XDIST_WORKER", "main") + ".json")
    out.write_text(json.dumps({"cache": os.environ["BIOCITE_PATHS__EMBED_CACHE"]}))
'''


ONCE_PROBE = '''
import json, os, time
from pathlib import Path
import pytest
from tests.conftest import once_per_run

@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    def compute():
        with open(Path(os.environ["PROBE_OUT"]) / "computed.log", "a") as log:
            log.write(os.environ.get("PYTEST_XDIST_WORKER", "main") + "\\n")
        time.sleep(2)  # long enough that both workers ask while it runs
        return {"by": os.environ.get("PYTEST_XDIST_WORKER", "main"), "pair": (1, 2)}
    return once_per_run(tmp_path_factory, "probe", compute)

def test_what_this_worker_got(shared):
    out = Path(os.environ["PROBE_OUT"]) / (os.environ.get("PYTEST_XDIST_WORKER", "main") + ".json")
    out.write_text(json.dumps({"cache": os.environ["BIOCITE_PATHS__EMBED_CACHE"], "shared": shared}))
'''


WHERE_PROBE = '''
import os
from pathlib import Path

def test_where_this_module_ran():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(Path(os.environ["PROBE_OUT"]) / "modules.log", "a") as log:
        log.write(f"{__name__.rsplit('.', 1)[-1]} {worker}\\n")
'''


def run_two_workers(tmp_path: Path, probe: str, modules: tuple[str, ...] = ("test_probe_a.py", "test_probe_b.py")
                    ) -> dict[str, dict]:
    """The probe as modules (by default two, one for each worker) run by `pytest -n 2 --dist loadfile`: what each
    worker wrote, by worker."""
    for name in modules:
        (tmp_path / "tests" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "tests" / name).write_text(probe)
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in (_SHARED_CACHE, "PYTEST_XDIST_WORKER")}
    # The inner pytest gets a basetemp of its own. One that picks its own under the shared temporary root tightens
    # `pytest-of-<user>` to 0o700, and so locks this run's PostgreSQL (pgserver runs it as another user, which it
    # let through those folders) out of its data directory. Seen in full runs: "PANIC: could not open file
    # .../pg_control: Permission denied", then the next pgvector test "Connection refused". The root below stands
    # where such a pytest would look, and is checked untouched.
    temproot = tmp_path / "temproot"
    shared_root = temproot / f"pytest-of-{getpass.getuser()}"
    shared_root.mkdir(parents=True)
    shared_root.chmod(0o755)  # as pgserver leaves the real one
    env.update(PROBE_OUT=str(out), PYTHONPATH=str(PROJECT), PYTEST_DEBUG_TEMPROOT=str(temproot))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-n", "2", "--dist", "loadfile",
                          "-c", os.devnull, "--rootdir", str(tmp_path), "--basetemp", str(tmp_path / "basetemp"),
                          str(tmp_path / "tests")],
                         cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert stat.S_IMODE(shared_root.stat().st_mode) == 0o755, "the inner pytest changed the shared temporary root"
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


def test_two_workers_share_one_embedding_cache_and_leave_nothing_behind(tmp_path: Path):
    seen = {worker: wrote["cache"] for worker, wrote in run_two_workers(tmp_path, PROBE).items()}
    assert sorted(seen) == ["gw0", "gw1"], seen  # both workers ran a module
    assert len(set(seen.values())) == 1, seen
    assert not Path(next(iter(seen.values()))).parent.exists()  # the main process removed it at exit


def test_a_once_per_run_fixture_is_computed_by_one_worker_and_read_alike_by_both(tmp_path: Path):
    got = run_two_workers(tmp_path, ONCE_PROBE)
    assert sorted(got) == ["gw0", "gw1"], got
    computed = (tmp_path / "out" / "computed.log").read_text().split()
    assert len(computed) == 1, computed
    assert got["gw0"]["shared"] == got["gw1"]["shared"] == {"by": computed[0], "pair": [1, 2]}


def test_modules_that_read_one_costly_fixture_run_on_one_worker(tmp_path: Path):
    """`ON_ONE_WORKER` (tests/conftest.py): xdist's loadfile scheduler gives the first modules to the workers in
    turn, so of these three the two that share the answer question set would run on different workers without it."""
    from tests.conftest import ON_ONE_WORKER

    (module, partner), = ON_ONE_WORKER.items()
    strip = len("tests/")
    run_two_workers(tmp_path, WHERE_PROBE, (partner[strip:], module[strip:], "test_zz_other.py"))
    ran = dict(line.split() for line in (tmp_path / "out" / "modules.log").read_text().splitlines())
    assert len(ran) == 3 and len(set(ran.values())) == 2, ran  # both workers had work
    assert ran[Path(module).stem] == ran[Path(partner).stem], ran
