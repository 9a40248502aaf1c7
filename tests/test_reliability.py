"""Reliability: bad settings, hostile questions, access control. Each case fails clearly and loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import PROJECT_DIR, load_settings


def run_app(*args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "app.py"), *args], capture_output=True, text=True, timeout=600, cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def test_an_empty_embed_cache_setting_disables_the_cache(monkeypatch):
    monkeypatch.setenv("BIOCITE_PATHS__EMBED_CACHE", "")
    assert load_settings().paths.embed_cache is None
    monkeypatch.setenv("BIOCITE_PATHS__EMBED_CACHE", "  ")
    assert load_settings().paths.embed_cache is None


@pytest.mark.slow
def test_ingest_with_the_cache_disabled_works_on_the_real_model(tmp_path: Path):
    (tmp_path / "a.txt").write_text("IgG4-related disease is a fibroinflammatory condition that can affect many organs.")
    proc = run_app("ingest", str(tmp_path / "a.txt"), "--index", str(tmp_path / "index"), env={"BIOCITE_PATHS__EMBED_CACHE": ""})
    assert proc.returncode == 0 and "1 added" in proc.stdout, proc.stderr


@pytest.mark.parametrize("content, message", [
    ("bad = [", "is not valid TOML"),
    ("[retrieval]\nmode = 'psychic'\n", "Invalid settings (retrieval.mode"),
])
def test_a_broken_settings_file_is_one_clear_line(tmp_path: Path, content: str, message: str):
    config = tmp_path / "biocite.toml"
    config.write_text(content)
    for verb in (["search", "x"], ["ask", "--help"], ["ingest", str(tmp_path)]):
        proc = run_app(*verb, env={"BIOCITE_CONFIG": str(config)})
        if verb[1] == "--help":
            assert proc.returncode == 0  # help needs no settings
            continue
        assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
