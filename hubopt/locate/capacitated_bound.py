"""The Lagrangian bound of the capacitated model: each zone's assignment row relaxed, each site a knapsack.

Relaxing the rows ``sum_j serve[i, j] = 1`` with multipliers ``u[i]`` splits the capacitated model
(:mod:`hubopt.locate.capacitated`) by site. Site j, if open, picks the demand it serves to minimise
``sum_i (demand[i] * minutes[i, j] - u[i]) * serve[i, j]`` with its load between ``lower`` and ``upper[j]``; as an
LP (``serve`` in [0, 1]) this continuous knapsack is solved greedily: zones in increasing order of
``minutes[i, j] - u[i] / demand[i]``, taking every zone of negative reduced cost up to ``upper[j]``, and more (of
positive reduced cost) until ``lower`` is reached. Its value, plus the site's weighted fixed cost, is ``rho[j]``, and

``L(u) = sum_i u[i] + sum of rho over the must-open sites and the N - (must-open) other sites of smallest rho``

is a lower bound on every solution with those sites allowed (the relaxed problem keeps the choice of exactly N
sites). Its best value over ``u`` equals the LP bound of the strong formulation (``serve[i, j] <= open[j]``, loads
``lower * open[j] <= load <= upper[j] * open[j]``), found by subgradient ascent at the cost of one sort of the
pairs per step. Because ``L(u)`` adds up site by site, the penalty test and the node bounds of the tree search
(:func:`hubopt.locate.lagrangian_tree.settle_node`) apply unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hubopt.locate import _clock
from hubopt.locate.subgradient import AscentSteps

#: Subgradient iterations of the root bound (the step control: :class:`hubopt.locate.subgradient.AscentSteps`).
ROOT_ITERATIONS = 600


@dataclass
class Knapsacks:
    """The model's numbers on the zones with demand, as the relaxation reads them.

    Attributes
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Demand x minutes; ``inf`` where the pair may not be used (unreachable, an unavailable site, or, under single
        assignment, a zone bigger than the site's maximum).
    w : numpy.ndarray, shape (n_zones,)
        Demand of each zone (positive).
    lower : float
        Least demand an open site serves.
    upper : numpy.ndarray, shape (n_sites,)
        Most demand each site serves (``inf``: no limit).
    site_cost : numpy.ndarray, shape (n_sites,)
        Cost of opening each site (``cost_weight * fixed_cost``).
    n_hubs : int
        Number of sites to open.
    min_items : int
        Least number of zones an open site serves (the cluster model's "more than one cluster"); the bound leaves
        it out (still a lower bound), the assignment of each set of sites keeps it.
    """

    cost: np.ndarray
    w: np.ndarray
    lower: float
    upper: np.ndarray
    site_cost: np.ndarray
    n_hubs: int
    min_items: int = 0

    def __post_init__(self) -> None:
        reach = np.where(np.isfinite(self.cost), self.w[:, None], 0.0).sum(axis=0)
        #: Sites that can serve a load within their bounds at all (others never open).
        self.can_open = (reach >= self.lower - 1e-9 * max(1.0, self.lower)) & (self.upper >= self.lower)
        self.target_cap = np.minimum(self.upper, reach)
        self.cost_t = np.ascontiguousarray(self.cost.T)  # sites x zones: each site's knapsack sorts one row
        self.minutes_t = self.cost_t / self.w[None, :]
        #: Zones any knapsack can take, the partly taken one included: the fewest zones whose demand, the smallest
        #: first, exceeds the largest target load. Each knapsack sorts only its ``depth`` best zones.
        self.depth = knapsack_depth(self.w, self.target_cap)


@dataclass
class SiteValues:
    """The relaxation at one ``u``: each site's ``rho`` and the knapsacks solved (for the subgradient)."""

    rho: np.ndarray  # per site; inf for sites not computed or that cannot open
    sites: np.ndarray  # the sites whose knapsack was solved
    order: np.ndarray  # per solved site (rows), its zones by increasing ratio
    whole: np.ndarray  # zones taken whole, per solved site (the first ``whole[r]`` of ``order[r]``)
    frac: np.ndarray  # share taken of the next zone, per solved site


def knapsack_depth(w: np.ndarray, target_cap: np.ndarray) -> int:
    """The fewest zones whose demand, the smallest first, exceeds every site's target load by more than the knapsack
    test's tolerance, plus one (the zone taken in part): any ``depth`` zones hold every zone a knapsack takes."""
    n = w.size
    finite = target_cap[np.isfinite(target_cap)]
    if finite.size < target_cap.size or n == 0:
        return n
    most = float(finite.max(initial=0.0))
    cum = np.cumsum(np.sort(w))
    beyond = np.flatnonzero(cum > most + 1e-9 * max(most, 1.0))
    return n if beyond.size == 0 else min(n, int(beyond[0]) + 2)


class _SiteKnapsacks:
    """The knapsacks of a fixed list of sites, ready to be solved at many multipliers (one subgradient ascent).

    Each knapsack takes zones by increasing ratio until its target load; only its ``depth`` best zones are sorted
    (found by a partial sort), which hold every zone it takes (see :func:`knapsack_depth`).
    """

    def __init__(self, k: Knapsacks, sites: np.ndarray) -> None:
        self.k, self.sites = k, sites
        self.minutes = k.minutes_t[sites]
        s, n = self.minutes.shape
        self.depth = k.depth if 2 * k.depth < n else n
        self.rows = np.arange(s)
        self.row_start = (self.rows * n)[:, None]
        self.head_start = (self.rows * self.depth)[:, None]
        self.cap = k.target_cap[sites]
        self.open_cost = np.where(k.can_open[sites], k.site_cost[sites], np.inf)

    def solve(self, u: np.ndarray) -> SiteValues:
        """Every knapsack at multipliers ``u``: the sites' ``rho`` (``inf`` elsewhere) and the zones they take."""
        k, rows = self.k, self.rows
        ratio = self.minutes - (u / k.w)[None, :]  # reduced cost per unit of demand; sites x zones
        negative = (ratio < 0) @ k.w
        if self.depth < ratio.shape[1]:
            part = np.argpartition(ratio, self.depth - 1, axis=1)[:, : self.depth]
            head = ratio.ravel()[part + self.row_start]
        else:
            part, head = None, ratio
        inner = np.argsort(head, axis=1)
        flat = inner + self.head_start
        order = inner if part is None else part.ravel()[flat]
        weights = k.w[order]
        sorted_reduced = head.ravel()[flat] * weights
        cum_w = np.cumsum(weights, axis=1)
        target = np.minimum(np.maximum(negative, k.lower), self.cap)
        whole = (cum_w <= (target + 1e-12 * np.maximum(target, 1.0))[:, None]).sum(axis=1)
        width = order.shape[1]
        last = np.maximum(whole - 1, 0)
        taken = np.where(whole > 0, cum_w[rows, last], 0.0)
        nxt = np.minimum(whole, width - 1)
        frac = np.where(whole < width, np.clip((target - taken) / weights[rows, nxt], 0.0, 1.0), 0.0)
        # The zones taken whole all have finite costs (the target is within the demand the site can reach).
        value = np.where(whole > 0, np.cumsum(sorted_reduced, axis=1)[rows, last], 0.0)
        next_reduced = sorted_reduced[rows, nxt]
        part_value = np.where(frac > 0, frac * np.where(np.isfinite(next_reduced), next_reduced, 0.0), 0.0)
        rho = np.full(k.cost_t.shape[0], np.inf)
        rho[self.sites] = value + part_value + self.open_cost
        return SiteValues(rho, self.sites, order, whole, frac)


def site_values(k: Knapsacks, u: np.ndarray, sites: np.ndarray | None = None) -> SiteValues:
    """The ``rho`` of ``sites`` (default: all; in increasing order) at multipliers ``u``: each one's knapsack LP
    plus its opening cost; ``inf`` for a site that cannot serve ``lower`` and for the sites not asked for."""
    return _SiteKnapsacks(k, np.arange(k.cost_t.shape[0]) if sites is None else sites).solve(u)


def chosen_sites(values: SiteValues, n_hubs: int, fixed: np.ndarray, within: np.ndarray) -> np.ndarray | None:
    """The relaxation's open sites: the fixed ones and the others of ``within`` with the smallest ``rho``."""
    free = np.flatnonzero(within & ~fixed)
    need = n_hubs - int(fixed.sum())
    if need < 0 or free.size < need:
        return None
    pick = free[np.argpartition(values.rho[free], need - 1)[:need]] if need else free[:0]
    return np.concatenate([np.flatnonzero(fixed), pick])


def _served(values: SiteValues, opened: np.ndarray, n: int) -> np.ndarray:
    """How many times the relaxed solution serves each zone (the sites ``opened``, among those solved)."""
    rows = np.searchsorted(values.sites, opened)  # values.sites is in increasing order
    order, whole, frac = values.order[rows], values.whole[rows], values.frac[rows]
    width = order.shape[1]
    taken = np.arange(width)[None, :] < whole[:, None]
    served = np.bincount(order[taken], minlength=n).astype(float)
    part = (whole < width) & (frac > 0)
    np.add.at(served, order[part, whole[part]], frac[part])
    return served


def ascend(
    k: Knapsacks,
    u_start: np.ndarray,
    fixed: np.ndarray,
    within: np.ndarray,
    upper: float,
    *,
    iterations: int,
    deadline: float | None = None,
) -> tuple[float, np.ndarray]:
    """The best bound ``L(u)`` found by subgradient ascent from ``u_start`` (Polyak steps towards ``upper``), for
    the solutions that open the ``fixed`` sites and others from ``within``; and the multipliers that gave it.

    The bound is ``inf`` when no such solution can exist (too few sites that can open). The ascent stops at
    ``upper`` (nothing better exists), when the step has shrunk, or at ``deadline`` (:func:`_clock.now`).
    """
    n = k.cost.shape[0]
    knapsacks = _SiteKnapsacks(k, np.flatnonzero(within | fixed))
    u = np.array(u_start, dtype=float)
    steps = AscentSteps(u, upper)
    goal = upper - 1e-9 * max(1.0, abs(upper)) if math.isfinite(upper) else math.inf
    for _ in range(iterations):
        values = knapsacks.solve(u)
        opened = chosen_sites(values, k.n_hubs, fixed, within & np.isfinite(values.rho) | fixed)
        if opened is None:
            return math.inf, u
        value = float(u.sum() + values.rho[opened].sum())
        if not math.isfinite(value):
            return value, u
        steps.record(value, u)
        if steps.best >= goal or steps.exhausted or (deadline is not None and _clock.now() > deadline):
            break
        g = 1.0 - _served(values, opened, n)
        norm = float(g @ g)
        if norm < 1e-18:
            break  # the relaxed solution serves every zone once: the bound is exact for these sites
        u += steps.length(value, norm) * g
    return steps.best, steps.best_u
