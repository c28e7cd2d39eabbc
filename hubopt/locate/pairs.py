"""Site rules and candidate zone-site pairs, shared by the models (p-median, Lagrangian bound, MCLP, ...).

:func:`site_rules` and :func:`site_masks` check the must-open / unavailable rules and turn them into masks (every
model checks its site rules here); :class:`Pairs` holds the pairs with a finite time to an available site, zone by
zone and nearest first (memory grows with the pairs kept, not zones x sites).
This module sits below :mod:`hubopt.locate.median`, :mod:`hubopt.locate.lagrangian` and
:mod:`hubopt.locate.lagrangian_tree`, so none of them needs another to read pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hubopt.errors import InputError, ModelError
from hubopt.locate.solution import name_list, row_step


def site_rules(
    n_sites: int,
    n_open: int,
    must_open: Sequence[int],
    unavailable: Sequence[int],
    site_ids: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Check the number of hubs against the site rules; return (available mask, must-open mask).

    Raises
    ------
    ModelError
        When a site is both must-open and unavailable, more sites must open than N, or N exceeds the available sites.
    """
    available, forced = site_masks(n_sites, must_open, unavailable, site_ids)
    if n_open < 1:
        raise ModelError(f"the number of hubs must be at least 1 (it is {n_open})")
    if n_open > int(available.sum()):
        raise ModelError(
            f"{n_open} hubs were asked for but only {int(available.sum())} sites are available "
            f"({n_sites} in the register, {n_sites - int(available.sum())} unavailable); "
            "lower the number of hubs or add candidate sites"
        )
    if int(forced.sum()) > n_open:
        raise ModelError(
            f"{int(forced.sum())} sites must stay open but only {n_open} hubs were asked for; "
            "raise the number of hubs or relax the must-open rule"
        )
    return available, forced


def site_masks(
    n_sites: int, must_open: Sequence[int], unavailable: Sequence[int], site_ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Available and must-open masks of the sites, after checking the indices and that the two rules do not clash."""
    idx_u = np.asarray(list(unavailable), dtype=int)
    idx_f = np.asarray(list(must_open), dtype=int)
    for label, idx in (("unavailable", idx_u), ("must-open", idx_f)):
        if idx.size and (idx.min() < 0 or idx.max() >= n_sites):
            raise InputError(f"a {label} site index is outside 0..{n_sites - 1}")
    available = np.ones(n_sites, dtype=bool)
    available[idx_u] = False
    forced = np.zeros(n_sites, dtype=bool)
    forced[idx_f] = True
    clash = forced & ~available
    if clash.any():
        names = name_list([site_ids[j] for j in np.flatnonzero(clash).tolist()])
        raise ModelError(f"site(s) {names} are both must-open and unavailable; choose one rule for each")
    return available, forced


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


def stranded_zones_error(stranded: np.ndarray, zids: Sequence[str], within: str) -> ModelError:
    """The error for zones that no available site can serve, naming (up to ten of) them."""
    names = ", ".join(zids[i] for i in stranded[:10])
    more = f" and {stranded.size - 10} more" if stranded.size > 10 else ""
    return ModelError(
        f"{stranded.size} zone(s) cannot reach any available site{within}: {names}{more}; "
        "add a site they can reach, or check the travel-time matrix"
        + ("" if not within else " or the travel-time limit")
    )


def nearest_open(pairs: Pairs, is_open: np.ndarray, ranks: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each zone, the nearest (and, with ``ranks=2``, second nearest) open site among its pairs.

    Returns
    -------
    list of (time, site)
        One entry per rank: the time (``inf`` where none) and the site (-1 where none) per zone.
    """
    idx = np.flatnonzero(is_open[pairs.cols])
    z = pairs.rows[idx]
    group_start = np.ones(idx.size, dtype=bool)
    group_start[1:] = z[1:] != z[:-1]
    starts = np.flatnonzero(group_start)
    out = []
    for rank in range(ranks):
        pos = starts + rank
        ok = pos < idx.size
        pos = pos[ok]
        ok_pos = pos[z[pos] == z[starts[ok]]]
        t = np.full(pairs.n_zones, np.inf)
        s = np.full(pairs.n_zones, -1, dtype=np.int64)
        t[z[ok_pos]] = pairs.time[idx[ok_pos]]
        s[z[ok_pos]] = pairs.cols[idx[ok_pos]]
        out.append((t, s))
    return out


def subset_pairs(pairs: Pairs, keep: np.ndarray) -> Pairs:
    idx = np.flatnonzero(keep)
    rows = pairs.rows[idx]
    indptr = np.zeros(pairs.n_zones + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=pairs.n_zones), out=indptr[1:])
    return Pairs(pairs.n_zones, pairs.n_sites, indptr, rows, pairs.cols[idx], pairs.time[idx])
