"""The lock file (what install.sh installs) must pin what requirements.txt asks for: edit one, re-lock the other."""

from __future__ import annotations

import re

from settings import PROJECT_DIR


def _pins(text: str) -> dict[str, str]:
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731 (PEP 503 names)
    return {norm(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\#]+)", text, re.MULTILINE)}


def test_the_lock_pins_every_requirement_at_its_version_with_hashes():
    wanted = _pins((PROJECT_DIR / "requirements.txt").read_text())
    lock_text = (PROJECT_DIR / "requirements.lock").read_text()
    locked = _pins(lock_text)
    stale = {name: (version, locked.get(name)) for name, version in wanted.items()
             if locked.get(name, "").split("+")[0] != version}  # torch 2.13.0 is the local wheel 2.13.0+cpu
    assert not stale, f"requirements.lock is stale, run `bash scripts/lock.sh`: {stale}"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock_text.split("\n", 2)[-1])
    assert len(blocks) == len(locked) and all("--hash=sha256:" in b for b in blocks if "==" in b)


def test_the_installer_install_sh_puts_first_is_pinned_with_hashes():
    """scripts/install.sh installs uv from requirements-uv.lock with pip --require-hashes, then the lock with uv."""
    text = (PROJECT_DIR / "requirements-uv.lock").read_text()
    assert list(_pins(text)) == ["uv"] and text.count("--hash=sha256:") >= 1
