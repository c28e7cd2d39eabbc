"""Readers for the OR-Library p-median test instances (Beasley 1990), ``pmed1`` to ``pmed40``.

Each file starts with ``n edges p``; then one undirected edge ``u v cost`` per line, vertices numbered from 1. Some
edges are listed more than once: the LAST occurrence defines the instance (as Beasley's own distance matrices do).
Every vertex is both a demand point (weight 1) and a candidate site; the cost matrix is all-pairs shortest paths.

A benchmark aid, not part of the package: ``bench/orlib_pmed.py`` and ``bench/vs_spopt.py`` import it (run from
the repository, ``bench/`` is on the path), and the tests import it through ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from hubopt.errors import InputError


def read_orlib_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Read one OR-Library p-median instance.

    Parameters
    ----------
    path : str or Path
        A ``pmedN.txt`` file.

    Returns
    -------
    cost : numpy.ndarray, shape (n, n)
        All-pairs shortest-path costs (vertex ``i`` to vertex ``j``), float.
    p : int
        The number of medians to choose.

    Raises
    ------
    InputError
        When the file is not in the OR-Library format.
    """
    p_path = Path(path)
    try:
        tokens = p_path.read_text().split()
    except OSError as exc:
        raise InputError(f"cannot read the OR-Library file: {exc}", path=p_path) from exc
    try:
        n, n_edges, p = (int(t) for t in tokens[:3])
        edges = np.asarray(tokens[3 : 3 + 3 * n_edges], dtype=np.int64).reshape(n_edges, 3)
    except ValueError as exc:
        raise InputError(
            f"not an OR-Library p-median file (expected 'n edges p' then {tokens[1:2]} edges 'u v cost'): {exc}",
            path=p_path,
        ) from exc
    u, v, w = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2].astype(float)
    if u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n:
        raise InputError(f"an edge names a vertex outside 1..{n}", path=p_path)
    # The last listing of an undirected edge wins: keep, for each unordered pair, its last row.
    a, b = np.minimum(u, v), np.maximum(u, v)
    key = a * n + b
    _, last_from_end = np.unique(key[::-1], return_index=True)
    keep = n_edges - 1 - last_from_end
    a, b, w = a[keep], b[keep], w[keep]
    graph = csr_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    cost = shortest_path(graph, method="D", directed=False)
    return cost, p


def read_orlib_optima(path: str | Path) -> dict[str, float]:
    """Read ``pmedopt.txt``: instance name (e.g. ``"pmed1"``) to its published optimal objective."""
    out: dict[str, float] = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].lower().startswith("pmed"):
            try:
                out[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    return out
