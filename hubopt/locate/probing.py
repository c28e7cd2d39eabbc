"""Probing for the p-median: which sites, and which pairs of sites, no solution better than the incumbent can open.

After the LP bound and the reduced-cost fixing of :mod:`hubopt.locate.median`, the small-N instances are left with a
gap of up to 1 % and a hundred or more candidate sites, and the remaining branch-and-bound is where hours go. This
module shrinks that search with Lagrangian bounds (Beasley 1993): relaxing each zone's assignment row with a
multiplier ``u[i]`` gives, for any ``u``,

``L(u) = sum_i u[i] + sum_{j open} rho[j](u)``,  ``rho[j](u) = sum_i min(0, demand[i] * time[i, j] - u[i])``,

a lower bound on every solution that opens the sites fixed open plus the ``N - fixed`` sites of smallest ``rho``.
Started from the LP's duals (optimal for the root) and improved by subgradient steps, the bound with one site (or
two sites) forced open often exceeds the incumbent's cost ``UB``: then no solution better than the incumbent opens
that site (or that pair), and it is left out.

- **Sites**: a site whose forced bound reaches ``UB`` is excluded; a site whose exclusion bound reaches ``UB`` must
  open. Rounds repeat while they exclude anything (each exclusion strengthens the other bounds).
- **Pairs**: for each site ``a`` left, at the multipliers of its own bound, the penalty of opening ``b`` as well
  (``rho[b]`` minus the dearest ``rho`` the relaxation chose) gives every pair a cheap bound; when few sites are
  left, the pairs this did not settle get a full bound with both forced open. A pair reaching ``UB`` is a conflict
  (the two sites never open together in a better solution).
- **Enumeration**: every better solution is then a set of N sites, pairwise free of conflicts, that holds the sites
  that must open. When there are few such sets they are all evaluated exactly, and the best of them (or the
  incumbent) is the proven optimum, without a MIP. Otherwise the conflicts go into the MIP as ``open[a] + open[b]
  <= 1`` rows.

Every bound here holds for the solutions that assign each zone to one of the pairs passed in; the caller passes the
pairs left by reduced-cost fixing, which every solution better than ``UB`` uses (its zones go to their nearest open
site, and such a pair has a reduced cost below ``UB - LB``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from hubopt.locate.median import Pairs, nearest_open

#: Subgradient iterations per bound (each is one pass over the pairs); probing uses PROBE_ITERATIONS per site or pair.
MAX_ITERATIONS = 300
PROBE_ITERATIONS = 60
#: The step factor is halved after this many iterations without a better bound; the bound stops below MIN_FACTOR.
STALL = 20
MIN_FACTOR = 1e-3
#: Pairs are probed only among at most this many sites (the number of probes grows with its square).
MAX_PAIR_SITES = 120
#: Enumeration stops (and the MIP takes over) after this many candidate sets, or this many search steps.
MAX_SETS = 2_000
MAX_STEPS = 200_000


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
    u = np.array(u_start, dtype=float)
    best, best_u = -math.inf, u.copy()
    factor, stall = 2.0, 0
    target = _reach(upper)
    for _ in range(max_iterations):
        reduced = wd - u[rows]
        rho = np.bincount(cols, weights=np.minimum(reduced, 0.0), minlength=pairs.n_sites)
        opened = fixed_open.copy()
        if n_free:
            pick = np.argpartition(rho[free_idx], n_free - 1)[:n_free]
            opened[free_idx[pick]] = True
        value = float(u.sum() + rho[opened].sum())
        if value > best + 1e-12 * max(1.0, abs(value)):
            best, best_u, stall = value, u.copy(), 0
        else:
            stall += 1
            if stall >= STALL:
                factor, stall = factor / 2.0, 0
        if best >= target or factor < MIN_FACTOR:
            break
        served = np.bincount(rows, weights=((reduced < 0) & opened[cols]).astype(float), minlength=pairs.n_zones)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0.0:
            break  # the relaxed solution is feasible: the bound is exact for these fixings
        # Polyak step towards the incumbent's cost (or 5 % above the bound when there is no incumbent)
        aim = upper - value if math.isfinite(upper) else 0.05 * max(1.0, abs(value))
        u += factor * max(aim, 1e-9 * max(1.0, abs(value))) / norm * g
    return best, best_u


def _relaxation(
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


@dataclass
class ProbeOutcome:
    """What probing proved about the solutions better than the incumbent.

    Attributes
    ----------
    allowed : numpy.ndarray of bool
        Sites such a solution may open (all others were excluded).
    must_open : numpy.ndarray of bool
        Sites every such solution opens (including the model's must-open sites).
    conflicts : numpy.ndarray of int, shape (k, 2)
        Pairs of sites no such solution opens together.
    pairs_probed : bool
        Whether every pair of allowed sites got a full bound (the penalty test alone is weaker); the conflicts are
        proven either way.
    probes : int
        Number of bounds computed.
    seconds : float
        Time spent.
    stopped_by_deadline : bool
        Whether the deadline cut probing short (what it proved until then stands).
    """

    allowed: np.ndarray
    must_open: np.ndarray
    conflicts: np.ndarray
    pairs_probed: bool
    probes: int
    seconds: float
    stopped_by_deadline: bool = False


def probe_sites(
    pairs: Pairs,
    w: np.ndarray,
    u_root: np.ndarray,
    n_hubs: int,
    forced: np.ndarray,
    allowed: np.ndarray,
    upper: float,
    *,
    deadline: float | None = None,
    max_pair_sites: int = MAX_PAIR_SITES,
    iterations: int = PROBE_ITERATIONS,
) -> ProbeOutcome:
    """Exclude sites, find must-open sites and conflicting pairs, for solutions costing less than ``upper``.

    Parameters
    ----------
    pairs : Pairs
        Pairs left after reduced-cost fixing (every solution better than ``upper`` uses only these).
    w : numpy.ndarray
        Demand of each zone.
    u_root : numpy.ndarray
        LP duals of the zones' assignment rows.
    n_hubs : int
        Number of sites to open.
    forced, allowed : numpy.ndarray of bool
        Must-open sites; sites still candidates.
    upper : float
        The incumbent's cost.
    deadline : float, optional
        ``time.perf_counter()`` value at which to stop probing (what was proved so far stands).
    max_pair_sites : int
        Pairs are probed only when at most this many sites are left.
    iterations : int
        Subgradient iterations per probe (fewer: faster probes that exclude less).

    Returns
    -------
    ProbeOutcome
    """
    t0 = time.perf_counter()
    allowed = allowed.copy()
    must = forced.copy()
    target = _reach(upper)
    probes = 0
    out_of_time = False

    def late() -> bool:
        return deadline is not None and time.perf_counter() > deadline

    def bound_with(fixed: np.ndarray, sites: np.ndarray, start: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal probes
        probes += 1
        return lagrangian_bound(pairs, w, start, n_hubs, fixed, sites, upper, max_iterations=iterations)

    changed = True
    while changed and not out_of_time:
        changed = False
        for j in np.flatnonzero(allowed & ~must):
            if late():
                out_of_time = True
                break
            fixed = must.copy()
            fixed[j] = True
            bound, _u = bound_with(fixed, allowed, u_root)
            if bound >= target:
                allowed[j] = False
                changed = True
        if out_of_time:
            break
        # Sites that every better solution must open: excluding them lifts the bound to the incumbent's cost.
        _value, u_now = lagrangian_bound(pairs, w, u_root, n_hubs, must, allowed, upper)
        _value, rho, _last = _relaxation(pairs, w, u_now, n_hubs, must, allowed)
        free = np.flatnonzero(allowed & ~must)
        n_free = n_hubs - int(must.sum())
        if 0 < n_free <= free.size:
            for j in free[np.argsort(rho[free], kind="stable")[:n_free]]:
                without = allowed.copy()
                without[j] = False
                bound, _u = bound_with(must, without, u_root)
                if bound >= target:
                    must[j] = True
                    changed = True
    conflicts: set[tuple[int, int]] = set()
    free = np.flatnonzero(allowed & ~must)
    n_free = n_hubs - int(must.sum())
    pairs_probed = False
    if not out_of_time and n_free >= 2:
        # Penalty test for pairs, one bound per site: at the multipliers of a's own bound, opening b as well costs
        # at least rho[b] - rho[last] more, ``last`` the dearest site the relaxation chose besides a.
        u_of: dict[int, np.ndarray] = {}
        for a in free.tolist():
            if late():
                out_of_time = True
                break
            fixed_a = must.copy()
            fixed_a[a] = True
            _bound_a, u_a = bound_with(fixed_a, allowed, u_root)
            u_of[a] = u_a
            value, rho, last = _relaxation(pairs, w, u_a, n_hubs, fixed_a, allowed)
            if not math.isfinite(value):
                continue
            others = free[free != a]
            hit = others[value + np.maximum(rho[others] - last, 0.0) >= target]
            conflicts.update((min(a, b), max(a, b)) for b in hit.tolist())
        # Full bounds for the pairs the penalty test left, when there are few sites.
        if not out_of_time and free.size <= max_pair_sites:
            pairs_probed = True
            for a_pos, a in enumerate(free.tolist()):
                for b in free[a_pos + 1 :].tolist():
                    if (a, b) in conflicts:
                        continue
                    if late():
                        out_of_time, pairs_probed = True, False
                        break
                    fixed_ab = must.copy()
                    fixed_ab[[a, b]] = True
                    bound, _u = bound_with(fixed_ab, allowed, u_of[a])
                    if bound >= target:
                        conflicts.add((a, b))
                if out_of_time:
                    break
    elif not out_of_time:
        pairs_probed = True  # at most one site is free to choose: no pair to probe
    return ProbeOutcome(
        allowed=allowed,
        must_open=must,
        conflicts=np.asarray(sorted(conflicts), dtype=np.int64).reshape(-1, 2),
        pairs_probed=pairs_probed,
        probes=probes,
        seconds=time.perf_counter() - t0,
        stopped_by_deadline=out_of_time,
    )


def compatible_sets(outcome: ProbeOutcome, n_hubs: int, *, limit: int | None = None) -> list[np.ndarray] | None:
    """Every set of ``n_hubs`` allowed sites that holds the must-open sites and no conflicting pair.

    Parameters
    ----------
    outcome : ProbeOutcome
        What probing proved.
    n_hubs : int
        Number of sites in a solution.
    limit : int, optional
        Most sets to list (default :data:`MAX_SETS`).

    Returns
    -------
    list of numpy.ndarray or None
        The sets (as sorted site indices); None when there are more than ``limit`` or the search takes more
        than :data:`MAX_STEPS` steps (enumeration abandoned). Every conflict is proven, so the list holds every
        solution better than the incumbent however many pairs were probed.
    """
    limit = MAX_SETS if limit is None else limit
    must = np.flatnonzero(outcome.must_open).tolist()
    free = [int(j) for j in np.flatnonzero(outcome.allowed & ~outcome.must_open)]
    need = n_hubs - len(must)
    if need < 0:
        return []
    clash: dict[int, set[int]] = {j: set() for j in free}
    for a, b in outcome.conflicts.tolist():
        if a in clash and b in clash:
            clash[a].add(b)
            clash[b].add(a)
    found: list[np.ndarray] = []
    steps = [0]

    def extend(chosen: list[int], candidates: list[int]) -> bool:
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            return False
        if len(chosen) == need:
            found.append(np.asarray(sorted(must + chosen), dtype=np.int64))
            return len(found) <= limit
        if len(chosen) + len(candidates) < need:
            return True
        for pos, j in enumerate(candidates):
            rest = [k for k in candidates[pos + 1 :] if k not in clash[j]]
            if not extend([*chosen, j], rest):
                return False
        return True

    if not extend([], free):
        return None
    return found


def best_of_sets(pairs: Pairs, w: np.ndarray, sets: list[np.ndarray]) -> tuple[float, np.ndarray | None]:
    """Evaluate each set exactly (every zone to its nearest open site); return the best cost and its open mask."""
    best, best_open = math.inf, None
    for chosen in sets:
        is_open = np.zeros(pairs.n_sites, dtype=bool)
        is_open[chosen] = True
        ((t, _s),) = nearest_open(pairs, is_open)
        if not np.isfinite(t).all():
            continue
        value = float(np.dot(w, t))
        if value < best:
            best, best_open = value, is_open
    return best, best_open


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
    bound, u = lagrangian_bound(pairs, w, u_start, n_hubs, forced, allowed, upper, max_iterations=max_iterations)
    keep = allowed.copy()
    free = np.flatnonzero(allowed & ~forced)
    n_free = n_hubs - int(forced.sum())
    if not math.isfinite(bound) or n_free <= 0 or free.size <= n_free:
        return bound, keep
    _value, rho, _last = _relaxation(pairs, w, u, n_hubs, forced, allowed)
    order = free[np.argsort(rho[free], kind="stable")]
    last = rho[order[n_free - 1]]
    outside = order[n_free:]
    keep[outside[bound + (rho[outside] - last) >= _reach(upper)]] = False
    return bound, keep
