"""Zones assigned to a fixed set of open hubs, each hub's demand kept between a minimum and a maximum.

With the open hubs fixed, what is left of the capacitated model (:mod:`hubopt.locate.capacitated`) is an
assignment: send each zone's demand to the open hubs so that every hub serves between ``lower`` and its ``upper``,
at the least demand-weighted travel time. Split assignment makes it a transportation LP; single assignment (each
zone to one hub) a generalised assignment problem with lower bounds, whose LP relaxation is that transportation LP.

* :func:`transport_lp`: the LP (split assignment's optimum; a lower bound under single assignment), with its
  reduced costs: a single assignment that uses pair ``(i, t)`` costs at least ``LP + rc[i, t]``.
* :func:`single_heuristic`: a single assignment near the LP's: each zone to its largest share, the hubs' bounds
  repaired by cheapest moves, then improved by moves and swaps of zones (an upper bound, not a proof).
* :func:`single_exact`: the single assignment proven optimal by a HiGHS MIP over the pairs the reduced costs leave
  (those that can be part of an assignment cheaper than a given cost).

Costs are ``demand x minutes`` per zone and hub (``inf`` where the pair may not be used); only zones with demand
are passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from hubopt.locate._highs import HighsOptionValue, run_highs

#: Demand tolerance of the hubs' bounds (people or demand units): loads within it of a bound meet the bound.
LOAD_TOL = 1e-6

#: Relative margin above the cutoff at which HiGHS may stop looking (:func:`single_exact`): assignments costing less
#: than the cutoff are always found; some costing up to this much more may be reported too.
CUTOFF_MARGIN = 1e-7


@dataclass
class LpAssignment:
    """The transportation LP for one set of open hubs.

    Attributes
    ----------
    value : float
        Its optimum (demand-weighted minutes).
    share : numpy.ndarray, shape (n_zones, k)
        Each zone's share of demand per open hub.
    reduced : numpy.ndarray, shape (n_zones, k)
        Reduced cost of each pair (``inf`` for pairs not allowed).
    """

    value: float
    share: np.ndarray
    reduced: np.ndarray


def _model(
    cost: np.ndarray, w: np.ndarray, lower: float, upper: np.ndarray, keep: np.ndarray, integer: bool, min_items: int
) -> tuple[np.ndarray, np.ndarray, tuple]:
    rows, cols = np.nonzero(keep)
    n, k = cost.shape
    nv = rows.size
    assign = sparse.csr_matrix((np.ones(nv), (rows, np.arange(nv))), shape=(n, nv))
    load = sparse.csr_matrix((w[rows], (cols, np.arange(nv))), shape=(k, nv))
    parts = [assign, load]
    row_lower, row_upper = [np.ones(n), np.full(k, lower)], [np.ones(n), upper]
    if min_items > 0:  # each hub serves at least ``min_items`` zones (whole clusters, in the cluster model)
        parts.append(sparse.csr_matrix((np.ones(nv), (cols, np.arange(nv))), shape=(k, nv)))
        row_lower.append(np.full(k, float(min_items)))
        row_upper.append(np.full(k, np.inf))
    # x <= 1 is implied by the assignment rows; leaving it out keeps every LP reduced cost >= 0.
    col_upper = np.full(nv, 1.0 if integer else np.inf)
    bounds = (np.zeros(nv), col_upper, np.concatenate(row_lower), np.concatenate(row_upper))
    return rows, cols, (cost[rows, cols], sparse.vstack(parts), *bounds)


def transport_lp(
    cost: np.ndarray, w: np.ndarray, lower: float, upper: np.ndarray, min_items: int = 0
) -> LpAssignment | None:
    """The least-cost split assignment with every hub's load in ``[lower, upper]``; None when none exists.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, k)
        Demand x minutes of each zone at each open hub; ``inf`` where the pair may not be used.
    w : numpy.ndarray, shape (n_zones,)
        Demand of each zone (positive).
    lower : float
        Least demand each hub serves.
    upper : numpy.ndarray, shape (k,)
        Most demand each hub serves (``inf``: no limit).
    min_items : int
        Least number of zones each hub serves (0: no such rule; counted in shares by the LP).
    """
    keep = np.isfinite(cost)
    if not keep.any(axis=1).all():
        return None
    rows, cols, model = _model(cost, w, lower, upper, keep, integer=False, min_items=min_items)
    # Presolve finds little to remove in a transportation LP and costs a quarter of its time (Mid and South Essex).
    out = run_highs(*model, options={"presolve": "off"})
    if out.status != "optimal" or out.x is None or out.col_dual is None:
        return None
    share = np.zeros(cost.shape)
    share[rows, cols] = np.clip(out.x, 0.0, 1.0)
    reduced = np.full(cost.shape, np.inf)
    reduced[rows, cols] = np.maximum(out.col_dual, 0.0)
    return LpAssignment(float(np.sum(cost[rows, cols] * out.x)), share, reduced)


def _violation(load: np.ndarray, lower: float, upper: np.ndarray) -> np.ndarray:
    return np.maximum(lower - load, 0.0) + np.maximum(load - upper, 0.0)


def _repair(cost: np.ndarray, w: np.ndarray, lower: float, upper: np.ndarray, choice: np.ndarray) -> bool:
    """Move zones (cheapest extra cost per unit of violation removed) until every hub is within its bounds."""
    n, k = cost.shape
    rows = np.arange(n)
    for _ in range(4 * n + 4):
        load = np.bincount(choice, weights=w, minlength=k)
        v = _violation(load, lower, upper)
        if v.sum() <= LOAD_TOL:
            return True
        src = choice
        d_src = _violation(load[src] - w, lower, upper[src]) - v[src]
        d_tgt = _violation(load[None, :] + w[:, None], lower, upper[None, :]) - v[None, :]
        d_v = d_src[:, None] + d_tgt
        d_v[rows, choice] = 0.0
        extra = cost - cost[rows, choice][:, None]
        ok = (d_v < -LOAD_TOL) & np.isfinite(cost)
        if not ok.any():
            return False
        score = np.where(ok, extra / np.where(ok, -d_v, 1.0), np.inf)
        i, t = np.unravel_index(int(np.argmin(score)), score.shape)
        choice[i] = t
    return False


def _best_move(
    cost: np.ndarray, w: np.ndarray, lower: float, upper: np.ndarray, choice: np.ndarray, min_items: int
) -> bool:
    n, k = cost.shape
    rows = np.arange(n)
    load = np.bincount(choice, weights=w, minlength=k)
    gain = cost - cost[rows, choice][:, None]
    ok = (load[choice] - w >= lower - LOAD_TOL)[:, None] & (load[None, :] + w[:, None] <= upper[None, :] + LOAD_TOL)
    ok &= (np.bincount(choice, minlength=k)[choice] > min_items)[:, None]
    gain = np.where(ok, gain, np.inf)
    gain[rows, choice] = np.inf
    i, t = np.unravel_index(int(np.argmin(gain)), gain.shape)
    if not gain[i, t] < -1e-9 * max(1.0, abs(float(cost[rows, choice].sum()))):
        return False
    choice[i] = t
    return True


def _best_swap(cost: np.ndarray, w: np.ndarray, lower: float, upper: np.ndarray, choice: np.ndarray) -> bool:
    """Apply the best improving exchange of two zones between two hubs (loads kept within bounds)."""
    k = cost.shape[1]
    load = np.bincount(choice, weights=w, minlength=k)
    eps = 1e-9 * max(1.0, abs(float(cost[np.arange(cost.shape[0]), choice].sum())))
    best: tuple[float, int, int] = (-eps, -1, -1)
    for s in range(k):
        a = np.flatnonzero(choice == s)
        for t in range(s + 1, k):
            b = np.flatnonzero(choice == t)
            if a.size == 0 or b.size == 0:
                continue
            gain = (cost[a, t][:, None] + cost[b, s][None, :]) - (cost[a, s][:, None] + cost[b, t][None, :])
            moved = w[a][:, None] - w[b][None, :]  # demand leaving s for t
            ok = (load[s] - moved >= lower - LOAD_TOL) & (load[s] - moved <= upper[s] + LOAD_TOL)
            ok &= (load[t] + moved >= lower - LOAD_TOL) & (load[t] + moved <= upper[t] + LOAD_TOL)
            gain = np.where(ok & np.isfinite(gain), gain, np.inf)
            p, q = np.unravel_index(int(np.argmin(gain)), gain.shape)
            if gain[p, q] < best[0]:
                best = (float(gain[p, q]), int(a[p]), int(b[q]))
    if best[1] < 0:
        return False
    i, j = best[1], best[2]
    choice[i], choice[j] = choice[j], choice[i]
    return True


def single_heuristic(
    cost: np.ndarray, w: np.ndarray, lower: float, upper: np.ndarray, share: np.ndarray, min_items: int = 0
) -> tuple[float, np.ndarray] | None:
    """A single assignment from an LP's shares: repaired to the bounds, then improved by moves and swaps.

    Returns the cost and each zone's hub (column of ``cost``), or None when the repair fails (or leaves a hub with
    fewer than ``min_items`` zones).
    """
    n, k = cost.shape
    choice = np.argmax(np.where(np.isfinite(cost), share, -1.0), axis=1)
    if not _repair(cost, w, lower, upper, choice):
        return None
    if (np.bincount(choice, minlength=k) < min_items).any():
        return None
    for _ in range(10 * n + 10):
        moved = _best_move(cost, w, lower, upper, choice, min_items)
        if not (moved or _best_swap(cost, w, lower, upper, choice)):
            break
    return float(cost[np.arange(n), choice].sum()), choice


@dataclass
class ExactAssignment:
    """A single assignment from the MIP: ``status`` "optimal", "feasible" (time limit, with ``bound``), "none"
    (proven: no single assignment cheaper than the cutoff) or "unknown" (stopped before finding one; ``bound``)."""

    status: str
    value: float
    bound: float
    choice: np.ndarray | None


def single_exact(
    cost: np.ndarray,
    w: np.ndarray,
    lower: float,
    upper: np.ndarray,
    lp: LpAssignment,
    cutoff: float,
    *,
    start: np.ndarray | None = None,
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    min_items: int = 0,
    max_nodes: int | None = None,
) -> ExactAssignment:
    """The cheapest single assignment costing less than ``cutoff`` (``lp`` is this hub set's transportation LP).

    Pairs whose reduced cost lifts the LP value to the cutoff are left out: no assignment cheaper than the cutoff
    uses them. ``start`` is a single assignment to start from (used when all its pairs are kept); ``min_items``
    the least number of zones per hub; ``max_nodes`` a limit on HiGHS's branch-and-bound nodes (stopped by it, the
    answer is "feasible" or "unknown" with its bound, as by the time limit).
    """
    slack = cutoff - lp.value if math.isfinite(cutoff) else math.inf
    keep = np.isfinite(cost) & (lp.reduced < slack + 1e-9 * max(1.0, abs(cutoff) if math.isfinite(cutoff) else 1.0))
    if not keep.any(axis=1).all():
        return ExactAssignment("none", math.inf, cutoff, None)
    rows, cols, model = _model(cost, w, lower, upper, keep, integer=True, min_items=min_items)
    x0 = None
    if start is not None and keep[np.arange(cost.shape[0]), start].all():
        x0 = (cols == start[rows]).astype(float)
    # HiGHS is told the cutoff too: it drops every branch whose bound reaches it, and stops with "infeasible" when no
    # assignment is cheaper (the margin keeps its tolerances from dropping one just below the cutoff).
    options: dict[str, HighsOptionValue] = {}
    if math.isfinite(cutoff):
        options["objective_bound"] = cutoff + CUTOFF_MARGIN * max(1.0, abs(cutoff))
    if max_nodes is not None:
        options["mip_max_nodes"] = int(max_nodes)
    out = run_highs(
        *model, integer=np.ones(rows.size, dtype=bool), time_limit=time_limit, mip_gap=mip_gap, start=x0,
        options=options,
    )  # fmt: skip
    if out.status == "infeasible":
        return ExactAssignment("none", math.inf, cutoff, None)
    if out.x is None or out.objective is None:  # stopped (time limit) before any solution: the question stays open
        bound = lp.value if out.bound is None else max(lp.value, float(out.bound))
        return ExactAssignment("unknown", math.inf, bound, None)
    choice = np.zeros(cost.shape[0], dtype=int)
    on = out.x > 0.5
    choice[rows[on]] = cols[on]
    value = float(cost[np.arange(cost.shape[0]), choice].sum())
    if out.status == "optimal" and mip_gap == 0 and value >= cutoff:
        # Only the start (or one at the cutoff) was left once HiGHS dropped what the cutoff rules out: proven, none
        # is cheaper than the cutoff.
        return ExactAssignment("none", math.inf, cutoff, None)
    bound = value if out.status == "optimal" else (lp.value if out.bound is None else float(out.bound))
    return ExactAssignment(out.status, value, bound, choice)
