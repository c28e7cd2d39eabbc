"""hubopt.locate's modules import each other at module level only, without a cycle.

The p-median and its Lagrangian bound and tree search used to import each other, held apart by imports inside
functions; the pieces both need now live in hubopt.locate.pairs, below them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hubopt.locate

LOCATE = Path(hubopt.locate.__file__).parent


def _imports(path: Path) -> tuple[set[str], list[int]]:
    """The hubopt.locate modules a file imports, and the lines of any import inside a function."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    nested: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            nested += [n.lineno for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hubopt.locate"):
            if node.module == "hubopt.locate":
                found |= {f"hubopt.locate.{a.name}" for a in node.names}
            else:
                found.add(node.module)
    return found, nested


def test_no_import_inside_a_function_and_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for path in LOCATE.glob("*.py"):
        name = f"hubopt.locate.{path.stem}"
        deps, nested = _imports(path)
        graph[name] = deps - {name}
        assert not nested, f"{path.name} imports inside a function at line(s) {nested}"
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            assert state.get(dep) != 1, "import cycle: " + " -> ".join([*trail, node, dep])
            if dep not in state:
                visit(dep, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_the_lagrangian_modules_do_not_import_the_p_median() -> None:
    for stem in ("lagrangian", "lagrangian_tree"):
        deps, _ = _imports(LOCATE / f"{stem}.py")
        assert "hubopt.locate.median" not in deps
    deps, _ = _imports(LOCATE / "median.py")
    assert {"hubopt.locate.lagrangian", "hubopt.locate.lagrangian_tree"} <= deps
