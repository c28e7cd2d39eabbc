"""Heuristics for the p-median over candidate pairs: a greedy start (lazy evaluation) and vertex substitution
(Teitz-Bart interchange in the fast form of Resende and Werneck 2007)."""

from __future__ import annotations

import heapq
import math

import numpy as np

from hubopt.locate import _clock
from hubopt.locate.pairs import Pairs, nearest_open


def penalty(pairs: Pairs) -> float:
    """Time charged to a zone left without an open site in heuristics (more than any real time)."""
    top = float(pairs.time.max()) if pairs.size else 1.0
    return 10.0 * max(top, 1.0) + 1.0


def evaluate(pairs: Pairs, w: np.ndarray, is_open: np.ndarray) -> float:
    """Demand-weighted time to the nearest open site (inf when a zone has none among its pairs)."""
    t = nearest_open(pairs, is_open)[0][0]
    if not np.isfinite(t).all():
        return math.inf
    return float(np.dot(w, t))


def _by_site(pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(pairs.cols, kind="stable")
    ptr = np.zeros(pairs.n_sites + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs.cols, minlength=pairs.n_sites), out=ptr[1:])
    return order, ptr


def greedy(pairs: Pairs, w: np.ndarray, n_open: int, forced: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Open sites one by one, each time the one that saves most weighted time (lazy evaluation); return the mask."""
    order, ptr = _by_site(pairs)
    big = penalty(pairs)
    cur = np.full(pairs.n_zones, big)
    is_open = np.zeros(pairs.n_sites, dtype=bool)

    def gain(j: int) -> float:
        k = order[ptr[j] : ptr[j + 1]]
        g = float(np.dot(w[pairs.rows[k]], np.maximum(cur[pairs.rows[k]] - pairs.time[k], 0.0)))
        return math.inf if math.isnan(g) else g  # no NaN in the heap: its order (and this loop's end) needs one

    def take(j: int) -> None:
        k = order[ptr[j] : ptr[j + 1]]
        np.minimum.at(cur, pairs.rows[k], pairs.time[k])
        is_open[j] = True

    for j in np.flatnonzero(forced).tolist():
        take(j)
    heap: list[tuple[float, int]] = [(-gain(j), j) for j in np.flatnonzero(available & ~forced).tolist()]
    heapq.heapify(heap)
    while int(is_open.sum()) < n_open and heap:
        _, j = heapq.heappop(heap)
        g = gain(j)
        # Take j unless another site's (stale, upper) gain is clearly larger; an infinite gain is taken at once.
        if not heap or not g < -heap[0][0] - 1e-12 * max(abs(g), 1.0):
            take(j)
        else:
            heapq.heappush(heap, (-g, j))
    return is_open


def interchange(
    pairs: Pairs,
    w: np.ndarray,
    is_open: np.ndarray,
    forced: np.ndarray,
    available: np.ndarray,
    *,
    max_swaps: int = 200,
    deadline: float | None = None,
) -> np.ndarray:
    """Improve a solution by best-improvement swaps (one open site out, one closed site in) until none helps.

    Uses the gain / loss / extra decomposition of Resende and Werneck (2007), computed over the sparse pairs.
    """
    is_open = is_open.copy()
    n_open = int(is_open.sum())
    m = pairs.n_sites
    if n_open == 0 or m * n_open > 20_000_000:
        return is_open
    big = penalty(pairs)
    wr = w[pairs.rows]
    for _ in range(max_swaps):
        if deadline is not None and _clock.now() > deadline:
            break
        (d1, s1), (d2, _s2) = nearest_open(pairs, is_open, ranks=2)
        d1 = np.where(np.isfinite(d1), d1, big)
        d2 = np.where(np.isfinite(d2), d2, big)
        open_idx = np.flatnonzero(is_open)
        pos = np.full(m, -1, dtype=np.int64)
        pos[open_idx] = np.arange(open_idx.size)
        gain = np.bincount(pairs.cols, weights=wr * np.maximum(d1[pairs.rows] - pairs.time, 0.0), minlength=m)
        served = s1 >= 0
        loss = np.bincount(pos[s1[served]], weights=w[served] * (d2[served] - d1[served]), minlength=open_idx.size)
        d2r = d2[pairs.rows]
        sel = (pairs.time < d2r) & served[pairs.rows]
        r_of = pos[s1[pairs.rows[sel]]]
        extra = np.bincount(
            pairs.cols[sel].astype(np.int64) * open_idx.size + r_of,
            weights=wr[sel] * (d2r[sel] - np.maximum(pairs.time[sel], d1[pairs.rows[sel]])),
            minlength=m * open_idx.size,
        ).reshape(m, open_idx.size)
        profit = gain[:, None] - loss[None, :] + extra
        profit[~available | is_open, :] = -np.inf
        profit[:, forced[open_idx]] = -np.inf
        best = int(np.argmax(profit))
        j_in, r_out = divmod(best, open_idx.size)
        current = float(np.dot(w, d1))
        if not profit[j_in, r_out] > 1e-9 * max(current, 1.0):
            break
        is_open[open_idx[r_out]] = False
        is_open[j_in] = True
    return is_open
