"""Issue 13's size rule for the loaders and the travel-time code: no file over 600 lines, no function over 120 lines.

The grab-bag modules (``io/_validate.py``, ``travel/network.py``, ...) were split by concern; this keeps them so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hubopt"
FILES = sorted([*PACKAGE.glob("io/*.py"), *PACKAGE.glob("travel/*.py")])
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 120


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_and_its_functions_are_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_FILE_LINES, f"{path.name} has over {MAX_FILE_LINES} lines: split it"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines in {path.name}: {', '.join(long)}"
