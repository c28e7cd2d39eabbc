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


@dataclass
class SiteValues:
    """The relaxation at one ``u``: each site's ``rho`` and the knapsacks solved (for the subgradient)."""

    rho: np.ndarray  # per site; inf for sites not computed or that cannot open
    sites: np.ndarray  # the sites whose knapsack was solved
    order: np.ndarray  # per solved site (rows), its zones by increasing ratio
    whole: np.ndarray  # zones taken whole, per solved site (the first ``whole[r]`` of ``order[r]``)
    frac: np.ndarray  # share taken of the next zone, per solved site


def site_values(k: Knapsacks, u: np.ndarray, sites: np.ndarray | None = None) -> SiteValues:
    """The ``rho`` of ``sites`` (default: all) at multipliers ``u``: each one's knapsack LP plus its opening cost;
    ``inf`` for a site that cannot serve ``lower`` and for the sites not asked for."""
    m, n = k.cost_t.shape
    sites = np.arange(m) if sites is None else sites
    ratio = k.minutes_t[sites] - (u / k.w)[None, :]  # reduced cost per unit of demand; sites x zones
    order = np.argsort(ratio, axis=1)
    weights = k.w[order]
    sorted_reduced = np.take_along_axis(ratio, order, axis=1) * weights
    cum_w = np.cumsum(weights, axis=1)
    negative = (ratio < 0) @ k.w
    target = np.minimum(np.maximum(negative, k.lower), k.target_cap[sites])
    whole = (cum_w <= target[:, None] + 1e-12 * np.maximum(target, 1.0)[:, None]).sum(axis=1)
    r = np.arange(sites.size)
    last = np.maximum(whole - 1, 0)
    taken = np.where(whole > 0, cum_w[r, last], 0.0)
    nxt = np.minimum(whole, n - 1)
    frac = np.where(whole < n, np.clip((target - taken) / weights[r, nxt], 0.0, 1.0), 0.0)
    # The zones taken whole all have finite costs (the target is within the demand the site can reach).
    value = np.where(whole > 0, np.cumsum(sorted_reduced, axis=1)[r, last], 0.0)
    next_reduced = sorted_reduced[r, nxt]
    part = np.where(frac > 0, frac * np.where(np.isfinite(next_reduced), next_reduced, 0.0), 0.0)
    rho = np.full(m, np.inf)
    rho[sites] = np.where(k.can_open[sites], value + part + k.site_cost[sites], np.inf)
    return SiteValues(rho, sites, order, whole, frac)


def chosen_sites(values: SiteValues, n_hubs: int, fixed: np.ndarray, within: np.ndarray) -> np.ndarray | None:
    """The relaxation's open sites: the fixed ones and the others of ``within`` with the smallest ``rho``."""
    free = np.flatnonzero(within & ~fixed)
    need = n_hubs - int(fixed.sum())
    if need < 0 or free.size < need:
        return None
    pick = free[np.argpartition(values.rho[free], need - 1)[:need]] if need else free[:0]
    return np.concatenate([np.flatnonzero(fixed), pick])


def _served(values: SiteValues, opened: np.ndarray, n: int) -> np.ndarray:
    served = np.zeros(n)
    row_of = {int(j): r for r, j in enumerate(values.sites.tolist())}
    for j in opened.tolist():
        r = row_of[int(j)]
        whole = int(values.whole[r])
        served[values.order[r, :whole]] += 1.0
        if whole < n and values.frac[r] > 0:
            served[values.order[r, whole]] += values.frac[r]
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
    sites = np.flatnonzero(within | fixed)
    u = np.array(u_start, dtype=float)
    steps = AscentSteps(u, upper)
    goal = upper - 1e-9 * max(1.0, abs(upper)) if math.isfinite(upper) else math.inf
    for _ in range(iterations):
        values = site_values(k, u, sites)
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
