"""The Lagrangian relaxation of the p-median: bounds, and the penalty test that screens out sites.

Relaxing each zone's assignment row with a multiplier ``u[i]`` gives, for any ``u``,

``L(u) = sum_i u[i] + sum_{j open} rho[j](u)``,  ``rho[j](u) = sum_i min(0, demand[i] * time[i, j] - u[i])``,

a lower bound on every solution that opens the sites fixed open plus the ``N - fixed`` sites of smallest ``rho``
(Beasley 1993, "Lagrangean heuristics for location problems"). Its best value, found by subgradient ascent, equals
the LP bound (the relaxed problem has the integrality property), but each step is one pass over the pairs instead
of an LP, so bounds under many different fixings are cheap. :mod:`hubopt.locate.median` uses them to screen sites
before a large first LP (:func:`screen_sites`), and :mod:`hubopt.locate.lagrangian_tree` to close the gap left by
the LP without a MIP.

Every bound here holds for the solutions that assign each zone to one of the pairs passed in; the callers pass the
pairs left by reduced-cost fixing, which every solution better than the incumbent uses (its zones go to their
nearest open site, and such a pair has a reduced cost below ``UB - LB``).
"""

from __future__ import annotations

import math

import numpy as np

from hubopt.locate import _clock
from hubopt.locate.pairs import Pairs
from hubopt.locate.subgradient import AscentSteps

#: Subgradient iterations per bound (each is one pass over the pairs).
MAX_ITERATIONS = 300


def _reach(upper: float) -> float:
    """A bound this high shows that nothing is better than ``upper`` (a relative 1e-9 allows for rounding)."""
    return upper - 1e-9 * max(1.0, abs(upper))


def proves(upper: float, mip_gap: float = 0.0) -> float:
    """The lower bound that proves a solution of cost ``upper`` optimal (within the relative ``mip_gap``)."""
    return upper - max(mip_gap * abs(upper), 1e-9 * max(1.0, abs(upper)))


def lagrangian_bound(
    pairs: Pairs,
    w: np.ndarray,
    u_start: np.ndarray,
    n_hubs: int,
    fixed_open: np.ndarray,
    allowed: np.ndarray,
    upper: float,
    *,
    max_iterations: int = MAX_ITERATIONS,
    deadline: float | None = None,
    u_max: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Lower bound on the p-median with ``fixed_open`` sites open and only ``allowed`` sites, by subgradient ascent.

    Parameters
    ----------
    pairs : Pairs
        The zone-site pairs a solution may use.
    w : numpy.ndarray
        Demand of each zone.
    u_start : numpy.ndarray
        Starting multipliers (one per zone), e.g. the LP duals of the assignment rows.
    n_hubs : int
        Number of sites to open.
    fixed_open, allowed : numpy.ndarray of bool, shape (n_sites,)
        Sites forced open; sites that may open (``fixed_open`` must be within ``allowed``).
    upper : float
        The incumbent's cost: the ascent stops as soon as the bound reaches it (and uses it for its step sizes);
        ``inf`` when there is none.
    max_iterations : int
        Subgradient iterations at most.
    deadline : float, optional
        :func:`hubopt.locate._clock.now` value after which the ascent stops (after at least one iteration: the
        bound at the starting multipliers holds).
    u_max : numpy.ndarray, optional
        Upper limits of the multipliers (the ascent is projected onto them). With ``u_max[i] = demand[i] * R[i]``,
        pairs of zone ``i`` longer than ``R[i]`` add nothing to any ``rho``, so ``pairs`` may leave them out and the
        bound still holds for all pairs.

    Returns
    -------
    bound : float
        The best bound found (``inf`` when no solution exists: too few sites, or a zone with no pair).
    u : numpy.ndarray
        The multipliers that gave it (a good start for a related bound).
    """
    n_free = n_hubs - int(fixed_open.sum())
    free_idx = np.flatnonzero(allowed & ~fixed_open)
    if n_free < 0 or free_idx.size < n_free:
        return math.inf, u_start
    usable = allowed[pairs.cols]
    if not np.bincount(pairs.rows[usable], minlength=pairs.n_zones).all():
        return math.inf, u_start  # a zone has no pair to an allowed site
    rows, cols = pairs.rows[usable], pairs.cols[usable]
    wd = w[rows] * pairs.time[usable]
    u = np.array(u_start, dtype=float) if u_max is None else np.minimum(u_start, u_max)
    steps = AscentSteps(u, upper)
    target = _reach(upper)
    for _ in range(max_iterations):
        reduced = wd - u[rows]
        rho = np.bincount(cols, weights=np.minimum(reduced, 0.0), minlength=pairs.n_sites)
        opened = fixed_open.copy()
        if n_free:
            pick = np.argpartition(rho[free_idx], n_free - 1)[:n_free]
            opened[free_idx[pick]] = True
        value = float(u.sum() + rho[opened].sum())
        steps.record(value, u)
        if steps.best >= target or steps.exhausted or not math.isfinite(value):
            break  # a non-finite value (overflowing demand x time) ends the ascent: nothing to climb
        if deadline is not None and _clock.now() > deadline:
            break
        served = np.bincount(rows, weights=((reduced < 0) & opened[cols]).astype(float), minlength=pairs.n_zones)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0.0:
            break  # the relaxed solution is feasible: the bound is exact for these fixings
        step = steps.length(value, norm)
        if not math.isfinite(step):
            break
        u += step * g
        if u_max is not None:
            np.minimum(u, u_max, out=u)
    return steps.best, steps.best_u


def relaxation(
    pairs: Pairs, w: np.ndarray, u: np.ndarray, n_hubs: int, fixed_open: np.ndarray, allowed: np.ndarray
) -> tuple[float, np.ndarray, float]:
    """The Lagrangian relaxation at ``u``: its value, every site's ``rho`` and the ``rho`` of the dearest free site
    it opens (``inf`` value when it has no solution)."""
    free_idx = np.flatnonzero(allowed & ~fixed_open)
    n_free = n_hubs - int(fixed_open.sum())
    usable = allowed[pairs.cols]
    reduced = w[pairs.rows[usable]] * pairs.time[usable] - u[pairs.rows[usable]]
    rho = np.bincount(pairs.cols[usable], weights=np.minimum(reduced, 0.0), minlength=pairs.n_sites)
    if n_free < 1 or free_idx.size < n_free:
        return math.inf, rho, math.inf
    chosen = free_idx[np.argsort(rho[free_idx], kind="stable")[:n_free]]
    value = float(u.sum() + rho[fixed_open].sum() + rho[chosen].sum())
    return value, rho, float(rho[chosen].max())


def screen_sites(
    pairs: Pairs,
    w: np.ndarray,
    u_start: np.ndarray,
    n_hubs: int,
    forced: np.ndarray,
    allowed: np.ndarray,
    upper: float,
    *,
    max_iterations: int = MAX_ITERATIONS,
    deadline: float | None = None,
) -> tuple[float, np.ndarray]:
    """The root Lagrangian bound, and the sites a solution cheaper than ``upper`` may still open (penalty test).

    At multipliers ``u`` the relaxation opens the forced sites and the ``N - forced`` sites of smallest ``rho``;
    opening another site ``j`` instead of the last of those costs at least ``rho[j] - rho[last]`` more, so when
    ``L(u) + rho[j] - rho[last]`` reaches ``upper`` no better solution opens ``j`` (Beasley 1993's penalty test).

    Returns
    -------
    bound : float
        The Lagrangian bound (a lower bound on every solution; ``inf`` when none exists).
    keep : numpy.ndarray of bool
        ``allowed`` without the sites the test excluded.
    """
    bound, u = lagrangian_bound(
        pairs, w, u_start, n_hubs, forced, allowed, upper, max_iterations=max_iterations, deadline=deadline
    )
    keep = allowed.copy()
    free = np.flatnonzero(allowed & ~forced)
    n_free = n_hubs - int(forced.sum())
    if not math.isfinite(bound) or n_free <= 0 or free.size <= n_free:
        return bound, keep
    _value, rho, _last = relaxation(pairs, w, u, n_hubs, forced, allowed)
    order = free[np.argsort(rho[free], kind="stable")]
    last = rho[order[n_free - 1]]
    outside = order[n_free:]
    keep[outside[bound + (rho[outside] - last) >= _reach(upper)]] = False
    return bound, keep
