"""The package's shape: no import cycle among hubopt's modules, counting imports inside functions and type-only ones.

The layers themselves are checked by import-linter (``lint-imports``, run by ``make lint``; the contract is in
pyproject.toml). This test guards what a layers contract cannot see: a cycle between two modules of the same package,
or one held apart only by an import inside a function or under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import grimp
import networkx as nx
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """hubopt's import graph, with every import: top-level, inside functions, and under ``if TYPE_CHECKING:``."""
    return grimp.build_graph("hubopt", exclude_type_checking_imports=False, cache_dir=None)


def _directed(graph: grimp.ImportGraph) -> nx.DiGraph:
    out = nx.DiGraph()
    for module in graph.modules:
        out.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            out.add_edge(module, imported)
    return out


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    """One cycle as ``a -> b (line 12) -> c (line 3) -> a``, so the import to remove can be found at once."""
    steps = [cycle[0]]
    for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        details = graph.get_import_details(importer=a, imported=b)
        lines = ", ".join(str(d["line_number"]) for d in details) or "?"
        steps.append(f"{b} (imported by {a} on line {lines})")
    return " -> ".join(steps)


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    directed = _directed(graph)
    tangled = [sorted(c) for c in nx.strongly_connected_components(directed) if len(c) > 1]
    if tangled:
        cycles = [_describe(graph, _cycle_nodes(directed, c)) for c in tangled]
        pytest.fail("import cycle(s) among hubopt's modules:\n" + "\n".join(cycles))


def _cycle_nodes(directed: nx.DiGraph, component: list[str]) -> list[str]:
    """The modules of one cycle inside a strongly connected component, in import order."""
    edges = nx.find_cycle(directed.subgraph(component), source=component[0])
    return [a for a, _b in edges]


def test_cycle_detection_sees_imports_inside_functions_and_type_checking(tmp_path, monkeypatch) -> None:
    """The graph this file checks counts an import inside a function and one under TYPE_CHECKING (a cycle held
    apart only by such imports is still found)."""
    pkg = tmp_path / "tangled"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from tangled import b\n    return b\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from tangled import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    small = grimp.build_graph("tangled", exclude_type_checking_imports=False, cache_dir=None)
    directed = _directed(small)
    components = [sorted(c) for c in nx.strongly_connected_components(directed) if len(c) > 1]
    assert components == [["tangled.a", "tangled.b"]]
    assert "tangled.b" in _describe(small, _cycle_nodes(directed, components[0]))


def test_no_module_imports_the_root_package(graph: grimp.ImportGraph) -> None:
    """``import hubopt`` is the public API, at the top of the layers: nothing inside hubopt imports it (the version
    comes from hubopt._version)."""
    importers = sorted(m for m in graph.find_modules_that_directly_import("hubopt") if m != "hubopt")
    assert importers == []
