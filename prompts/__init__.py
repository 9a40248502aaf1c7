"""Prompt and message templates live as text files beside this module, loaded by name.

A user can point a setting at their own file instead (`llm.answer_prompt`,
`llm.condense_prompt`); see `load_prompt`. Placeholders are `{name}` and are
filled by plain replacement, so braces elsewhere in a prompt are harmless.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from errors import SettingsError

PROMPT_DIR = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=32)
def load_prompt(name: str, override: str | Path | None = None, required: tuple[str, ...] = ()) -> str:
    """The template `prompts/<name>.txt`, or the file at `override`; it must contain each `{placeholder}` in `required`."""
    path = Path(override) if override else PROMPT_DIR / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read the {name} prompt {path}: {exc}") from None
    missing = [p for p in required if "{" + p + "}" not in text]
    if missing:
        raise SettingsError(f"the {name} prompt {path} lacks {', '.join('{' + p + '}' for p in missing)}")
    return text


def fill(template: str, **values: str) -> str:
    """Replace each `{key}` by its value; values are inserted verbatim and never re-read as placeholders."""
    keys = "|".join(map(re.escape, values))
    return re.sub(r"\{(" + keys + r")\}", lambda m: values[m.group(1)], template) if values else template
