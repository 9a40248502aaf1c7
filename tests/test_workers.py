"""scripts/test.sh runs the suite on two pytest-xdist workers: they must share one embedding cache
(tests/conftest.py), so no text is embedded twice in a run."""

from __future__ import annotations

import json
import os
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


def test_two_workers_share_one_embedding_cache_and_leave_nothing_behind(tmp_path: Path):
    (tmp_path / "tests").mkdir()
    for name in ("test_probe_a.py", "test_probe_b.py"):  # one module for each worker
        (tmp_path / "tests" / name).write_text(PROBE)
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in (_SHARED_CACHE, "PYTEST_XDIST_WORKER")}
    env.update(PROBE_OUT=str(out), PYTHONPATH=str(PROJECT))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-n", "2", "--dist", "loadfile",
                          "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "tests")],
                         cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    seen = {p.stem: json.loads(p.read_text())["cache"] for p in out.glob("*.json")}
    assert sorted(seen) == ["gw0", "gw1"], seen  # both workers ran a module
    assert len(set(seen.values())) == 1, seen
    assert not Path(next(iter(seen.values()))).parent.exists()  # the main process removed it at exit
