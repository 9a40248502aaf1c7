"""Data flows one way: files → ingest → index → answer → UI/CLI. A lower layer never imports a higher one (not even
inside a function), so `index/` can be read, tested and reused without the readers of files above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from settings import PROJECT_DIR

# each layer, and the layers it must never import
NEVER = {"text": ("ingest", "index", "answer"), "index": ("ingest", "answer")}


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(NEVER))
def test_a_lower_layer_never_imports_a_higher_one(layer: str):
    wrong = [f"{path.relative_to(PROJECT_DIR)} imports {name}"
             for path in sorted((PROJECT_DIR / layer).rglob("*.py"))
             for name in sorted(_imported(path)) if name.split(".")[0] in NEVER[layer]]
    assert not wrong, wrong
