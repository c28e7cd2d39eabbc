"""Candidate zone-site pairs in sparse form: the common input of the p-median's LP, its Lagrangian bounds and tree
search, and the coverage models.

Kept apart from :mod:`hubopt.locate.median` so :mod:`hubopt.locate.lagrangian` and
:mod:`hubopt.locate.lagrangian_tree` (which the p-median solver calls) need not import the solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Pairs", "candidate_pairs", "row_step", "subset_pairs"]

#: Matrix elements scanned at once when gathering pairs (bounds the temporary memory of dense scans).
_BLOCK = 1 << 20


def row_step(n_cols: int) -> int:
    """Rows of a matrix with ``n_cols`` columns to scan at once (at least one)."""
    return max(1, _BLOCK // max(n_cols, 1))


@dataclass
class Pairs:
    """Candidate zone-site pairs in sparse form: grouped by zone, nearest first (ties: lower site index).

    Attributes
    ----------
    n_zones, n_sites : int
        Shape of the full matrix.
    indptr : numpy.ndarray, shape (n_zones + 1,)
        Zone ``i``'s pairs are ``indptr[i]:indptr[i + 1]``.
    rows, cols : numpy.ndarray of int
        Zone and site of each pair.
    time : numpy.ndarray of float
        Travel time of each pair.
    """

    n_zones: int
    n_sites: int
    indptr: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    time: np.ndarray

    @property
    def size(self) -> int:
        """Number of pairs."""
        return int(self.rows.size)

    def degree(self) -> np.ndarray:
        """Number of pairs of each zone."""
        return np.diff(self.indptr)


def candidate_pairs(cost: np.ndarray, available: np.ndarray, max_minutes: float | None = None) -> Pairs:
    """Gather the pairs with a finite time (at most ``max_minutes``) to an available site, block by block.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel times (``inf``: not reachable).
    available : numpy.ndarray of bool, shape (n_sites,)
        Sites that may open.
    max_minutes : float, optional
        Travel-time cutoff; pairs beyond it are left out.

    Returns
    -------
    Pairs
    """
    n, m = cost.shape
    site_idx = np.flatnonzero(available)
    limit = np.inf if max_minutes is None else float(max_minutes)
    step = row_step(site_idx.size)
    rows_parts, cols_parts, time_parts = [], [], []
    for r0 in range(0, n, step):
        block = cost[r0 : r0 + step][:, site_idx] if site_idx.size < m else cost[r0 : r0 + step]
        keep = np.isfinite(block) & (block <= limit)
        rr, cc = np.nonzero(keep)
        tt = block[rr, cc]
        order = np.lexsort((cc, tt, rr))
        rows_parts.append((rr[order] + r0).astype(np.int32))
        cols_parts.append(site_idx[cc[order]].astype(np.int32))
        time_parts.append(tt[order])
        del block, keep
    rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, np.int32)
    cols = np.concatenate(cols_parts) if cols_parts else np.zeros(0, np.int32)
    times = np.concatenate(time_parts) if time_parts else np.zeros(0)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Pairs(n, m, indptr, rows, cols, times)


def subset_pairs(pairs: Pairs, keep: np.ndarray) -> Pairs:
    """The pairs where ``keep`` (one flag per pair) is true, still grouped by zone."""
    idx = np.flatnonzero(keep)
    rows = pairs.rows[idx]
    indptr = np.zeros(pairs.n_zones + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=pairs.n_zones), out=indptr[1:])
    return Pairs(pairs.n_zones, pairs.n_sites, indptr, rows, pairs.cols[idx], pairs.time[idx])
