"""Prompt and message templates live as text files beside this module, loaded by name.

A user can point a setting at their own file instead; see `load_prompt`.
"""

from __future__ import annotations

import functools
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=32)
def load_prompt(name: str, override: str | None = None) -> str:
    """The template `prompts/<name>.txt`, or the file at `override` when given."""
    path = Path(override) if override else PROMPT_DIR / f"{name}.txt"
    return path.read_text(encoding="utf-8").strip()
