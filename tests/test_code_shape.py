"""Issue 13's size rule for the whole package: no file over 600 lines, no function over 120 lines.

Grab-bag modules and long functions were split by concern; this keeps them so. A file or function that must stay
longer goes in :data:`ALLOWED` with the reason, so every exception is named and explained in one place.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hubopt"
FILES = sorted(PACKAGE.rglob("*.py"))
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 120

#: The exceptions to the rule: a file path relative to ``hubopt/`` (the whole file), or ``path::function`` (one
#: function, named as ``Class.method`` for a method), each with the reason it may be longer. Keep it short.
ALLOWED: dict[str, str] = {}


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, int]]:
    """Every function and method of a module, with its qualified name and its length in lines."""
    out: list[tuple[str, int]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = prefix + node.name
            out.append((name, (node.end_lineno or node.lineno) - node.lineno + 1))
            out.extend(_functions(node, name + "."))
        elif isinstance(node, ast.ClassDef):
            out.extend(_functions(node, prefix + node.name + "."))
        else:
            out.extend(_functions(node, prefix))
    return out


def test_the_package_has_python_files() -> None:
    assert len(FILES) > 50, f"expected the hubopt package at {PACKAGE}"


@pytest.mark.parametrize("path", FILES, ids=_relative)
def test_module_and_its_functions_are_small(path: Path) -> None:
    rel = _relative(path)
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    if rel not in ALLOWED:
        assert lines <= MAX_FILE_LINES, f"{rel} has {lines} lines, over {MAX_FILE_LINES}: split it by concern"
    long = [
        f"{name} ({n} lines)"
        for name, n in _functions(ast.parse(text))
        if n > MAX_FUNCTION_LINES and f"{rel}::{name}" not in ALLOWED
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines in {rel}: {', '.join(long)}"


def test_every_allowed_exception_is_still_needed() -> None:
    # An entry whose file or function is gone or now small must be removed, so the list stays honest.
    stale = []
    for entry in ALLOWED:
        rel, _, function = entry.partition("::")
        path = PACKAGE / rel
        if not path.is_file():
            stale.append(f"{entry} (no such file)")
            continue
        text = path.read_text(encoding="utf-8")
        if not function:
            if len(text.splitlines()) <= MAX_FILE_LINES:
                stale.append(f"{entry} (now {len(text.splitlines())} lines)")
            continue
        lengths = dict(_functions(ast.parse(text)))
        if lengths.get(function, 0) <= MAX_FUNCTION_LINES:
            stale.append(f"{entry} (now {lengths.get(function, 'absent')} lines)")
    assert not stale, f"remove these from ALLOWED: {', '.join(stale)}"


def test_no_two_test_modules_share_a_name() -> None:
    # The test folders are not packages (pytest's default import mode), so two test files of one name in different
    # folders stop the whole suite at collection ("import file mismatch"): each name must be unique.
    tests = Path(__file__).resolve().parent
    seen: dict[str, list[str]] = {}
    for path in sorted(tests.rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(tests)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
