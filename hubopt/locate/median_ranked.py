"""The p-median's best solutions in order: the best, then the next-best distinct ones, each proven in its place.

Solving the model again with a no-good cut per solution found (a MIP over every zone-site pair each time) took
two minutes for 705 zones and 150 sites. Here the solutions are ranked by Lawler's partition (Lawler 1972,
"A procedure for computing the K best solutions to discrete optimization problems"), each part settled by the
Lagrangian tree search of :mod:`hubopt.locate.lagrangian_tree` with a cutoff:

- A *part* is the set of solutions that open its ``forced`` sites and only sites it ``allows``. The first part is
  the whole model (its must-open and available sites). Every solution not yet listed lies in exactly one part.
- The next solution is the best of the parts' best. When a solution ``S`` of a part is listed, the part is
  replaced by its *children*: with ``S``'s free sites ``t_1 .. t_r``, child ``i`` forces ``t_1 .. t_(i-1)`` and
  leaves ``t_i`` out, so the children hold every solution of the part except ``S``, without overlap.
- A part's incumbent is ``S`` with the site it leaves out swapped for the best other site (closed form, every zone
  to its nearest open site); its lower bound is the Lagrangian relaxation at one set of multipliers (one sum over
  the sites). Only a part whose bound is below the best incumbent is searched, and only for a solution better than
  that incumbent, so most parts are settled without a search.
- All listed solutions cost at most ``UB_K``, the K-th best of the first solution and its single swaps (K distinct
  solutions). A pair (or site) whose Lagrangian reduced cost lifts the bound above ``UB_K`` is in none of them, so
  the searches work on the pairs left (often a few percent).

Each solution is proven in its place (no part holds a better one, within ``mip_gap``) before it is listed. A
deadline stops the ranking between two steps of the search: the solutions listed stand, and the outcome says it
stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hubopt.errors import ModelError
from hubopt.locate import _clock, lagrangian, lagrangian_tree
from hubopt.locate.median import solve_p_median
from hubopt.locate.median_heuristics import evaluate, greedy, interchange
from hubopt.locate.options import NO_RULES, SiteRules, SolverOptions
from hubopt.locate.pairs import Pairs, candidate_pairs, nearest_open, site_rules, stranded_zones_error, subset_pairs
from hubopt.locate.solution import LocationResult, check_cost_and_weights, nearest_open_assignment
from hubopt.locate.solve import checked_report


@dataclass
class Ranked:
    """The solutions ranked, and why the list ended.

    Attributes
    ----------
    results : list of LocationResult
        Best first; each proven in its place unless its report says otherwise (a time limit).
    exhausted : bool
        No further distinct solution exists.
    stopped : str or None
        Why the list ended early otherwise: "time limit" (``time_limit`` of one step) or "deadline" (the
        ``deadline`` of the whole ranking, e.g. an explanation's time budget).
    """

    results: list[LocationResult]
    exhausted: bool = False
    stopped: str | None = None


@dataclass(eq=False)
class _Part:
    forced: np.ndarray  # bool per site
    allowed: np.ndarray  # bool per site
    value: float  # cost of the best solution known in the part (inf: none known)
    sites: tuple[int, ...] | None  # that solution's open sites
    lower: float  # a lower bound on every solution of the part
    exact: bool = False  # ``value`` is the part's optimum (within the gap)


@dataclass
class _Ranking:
    """The inputs every part shares: the pairs, the multipliers and the cutoff."""

    c: np.ndarray  # travel times, inf where a pair may not be used
    w: np.ndarray
    n_hubs: int
    pairs: Pairs  # every usable pair (exact costs)
    work: Pairs  # the pairs the searches use (those that can be in a solution of cost <= cap)
    u: np.ndarray
    rho: np.ndarray  # per site, at ``u`` over ``work``
    site_ok: np.ndarray  # sites that can be in a solution of cost <= cap
    cap: float  # every solution to be listed costs less than this
    mip_gap: float
    parts: list[_Part] = field(default_factory=list)

    def cost(self, is_open: np.ndarray) -> float:
        return evaluate(self.pairs, self.w, is_open)

    def bound(self, forced: np.ndarray, allowed: np.ndarray) -> float:
        """The Lagrangian relaxation's value for a part (inf when it has too few sites)."""
        free = np.flatnonzero(allowed & ~forced & self.site_ok)
        need = self.n_hubs - int(forced.sum())
        if need < 0 or free.size < need:
            return math.inf
        value = float(self.u.sum() + self.rho[forced].sum())
        if need:
            value += float(np.partition(self.rho[free], need - 1)[:need].sum())
        return value


def rank_p_median(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    n_solutions: int,
    *,
    rules: SiteRules = NO_RULES,
    max_minutes: float | None = None,
    site_ids: Sequence[str] | None = None,
    zone_ids: Sequence[str] | None = None,
    start: Sequence[int] | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    deadline: float | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> Ranked:
    """The ``n_solutions`` best distinct sets of ``n_hubs`` sites for the p-median, best first.

    Parameters
    ----------
    cost, weights : numpy.ndarray
        Travel time (zones x sites; ``inf`` where unreachable) and demand per zone.
    n_hubs, n_solutions : int
        Hubs per solution; solutions wanted (fewer when no more exist).
    rules : SiteRules
        Must-open and unavailable sites (column indices).
    max_minutes : float, optional
        Travel-time cutoff: pairs beyond it may not be used (as :func:`hubopt.locate.median.solve_p_median`).
    site_ids, zone_ids : sequence of str, optional
        Names for messages.
    start : sequence of int, optional
        A good set of sites to start from (e.g. the answer being explained); without one (or when it breaks the
        rules) the ranking starts from the p-median's own answer.
    solver : str
        Recorded in the reports (the LP-free search needs no MIP solver).
    time_limit : float, optional
        Seconds for each solution; a solution not proven in time is listed as "feasible" and the list ends.
    mip_gap : float
        Relative gap within which a solution counts as proven in its place.
    deadline : float, optional
        :func:`hubopt.locate._clock.now` value after which no further solution is sought (the list so far stands;
        ``stopped`` is "deadline").
    on_step : callable, optional
        Told ``(done, n_solutions)`` after each solution listed.

    Raises
    ------
    ModelError
        When the rules cannot be met or a zone reaches no available site.
    """
    c, w, zids, sids = check_cost_and_weights(cost, weights, zone_ids, site_ids)
    available, forced = site_rules(c.shape[1], int(n_hubs), rules.must_open, rules.unavailable, sids)
    pairs = candidate_pairs(c, available, max_minutes)
    stranded = np.flatnonzero(pairs.degree() == 0)
    if stranded.size:
        within = "" if max_minutes is None else f" within {max_minutes:g} minutes"
        raise stranded_zones_error(stranded, zids, within)
    usable = np.where(available[None, :] & (c <= (math.inf if max_minutes is None else max_minutes)), c, math.inf)
    if not _keeps_rules(start, int(n_hubs), forced, available):  # no usable start: the p-median's own solve
        start = _solved_start(cost, weights, int(n_hubs), rules, max_minutes, solver, time_limit, deadline)
    first = _first_solution(pairs, w, int(n_hubs), forced, available, start, deadline)
    ranking = _prepare(usable, w, int(n_hubs), pairs, forced, available, first, n_solutions, mip_gap, deadline)
    ranked = Ranked([])
    t_step, step_deadline = time.perf_counter(), _step_deadline(deadline, time_limit)
    while len(ranked.results) < n_solutions:
        outcome = _next(ranking, step_deadline)
        if outcome is None and not ranking.parts:
            ranked.exhausted = True
            break
        if outcome is None:  # a deadline passed before the next solution was proven
            out_of_budget = deadline is not None and _clock.now() > deadline
            best = min((p for p in ranking.parts if p.sites is not None), key=_order, default=None)
            if not out_of_budget and best is not None:  # the step's time limit: list the best known, labelled
                lower = min(p.lower for p in ranking.parts)
                ranked.results.append(_result(c, w, best, ranking, solver, "feasible", lower, t_step, time_limit))
            ranked.stopped = "deadline" if out_of_budget else "time limit"
            break
        ranked.results.append(_result(c, w, outcome, ranking, solver, "optimal", outcome.lower, t_step, time_limit))
        _split(ranking, outcome)
        if on_step is not None:
            on_step(len(ranked.results), n_solutions)
        t_step, step_deadline = time.perf_counter(), _step_deadline(deadline, time_limit)
    if not ranked.results and ranked.stopped is None:
        raise ModelError(f"no choice of {n_hubs} hubs serves every zone: the p-median model is infeasible")
    return ranked


def _step_deadline(deadline: float | None, time_limit: float | None) -> float | None:
    limits = [x for x in (deadline, None if time_limit is None else _clock.now() + time_limit) if x is not None]
    return min(limits) if limits else None


def _order(part: _Part) -> tuple[float, tuple[int, ...]]:
    return part.value, part.sites or ()


def _keeps_rules(start: Sequence[int] | None, n_hubs: int, forced: np.ndarray, available: np.ndarray) -> bool:
    if start is None:
        return False
    sites = {int(j) for j in start}
    if len(sites) != n_hubs or not all(0 <= j < available.size and available[j] for j in sites):
        return False
    return {int(j) for j in np.flatnonzero(forced)} <= sites


def _solved_start(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    rules: SiteRules,
    max_minutes: float | None,
    solver: str,
    time_limit: float | None,
    deadline: float | None,
) -> list[int] | None:
    """The p-median's answer (:func:`hubopt.locate.median.solve_p_median`), within the time left; None when no
    time is left (the greedy start is used then)."""
    limits = [x for x in (time_limit, None if deadline is None else deadline - _clock.now()) if x is not None]
    if limits and min(limits) <= 0:
        return None
    options = SolverOptions(solver, min(limits) if limits else None)
    result = solve_p_median(cost, weights, n_hubs, rules=rules, max_minutes=max_minutes, options=options)
    return [int(j) for j in result.open_sites]


def _first_solution(
    pairs: Pairs,
    w: np.ndarray,
    n_hubs: int,
    forced: np.ndarray,
    available: np.ndarray,
    start: Sequence[int] | None,
    deadline: float | None,
) -> np.ndarray:
    """A good first solution: ``start`` when it keeps the rules, else the greedy one, improved by interchange."""
    is_open = np.zeros(pairs.n_sites, dtype=bool)
    if _keeps_rules(start, n_hubs, forced, available):
        assert start is not None
        is_open[[int(j) for j in start]] = True
    else:
        is_open = greedy(pairs, w, n_hubs, forced, available)
    return interchange(pairs, w, is_open, forced, available, deadline=deadline)


def _prepare(
    c: np.ndarray,
    w: np.ndarray,
    n_hubs: int,
    pairs: Pairs,
    forced: np.ndarray,
    available: np.ndarray,
    first: np.ndarray,
    n_solutions: int,
    mip_gap: float,
    deadline: float | None,
) -> _Ranking:
    """Multipliers from the first solution, the cutoff ``UB_K`` and the pairs left under it; the first part."""
    value = evaluate(pairs, w, first)
    cap = _cutoff(c, w, first, value, forced, available, n_solutions)
    (t_first, _s), (t_second, _s2) = nearest_open(pairs, first, ranks=2)
    u0 = w * np.where(np.isfinite(t_first), t_first, 0.0)
    upper = cap if math.isfinite(cap) else _big(pairs, w)
    # The ascent keeps each zone's multiplier at most its demand x the time to its second-nearest open site of the
    # first solution (where the best multipliers lie): its longer pairs then add nothing, and are left out of it.
    near = pairs.time <= t_second[pairs.rows]
    u_max = np.full(pairs.n_zones, np.inf)
    second = np.isfinite(t_second)
    u_max[second] = w[second] * t_second[second]
    low, u = lagrangian.lagrangian_bound(
        subset_pairs(pairs, near), w, u0, n_hubs, forced, available, upper, deadline=deadline, u_max=u_max
    )
    site_ok = available.copy()
    work = pairs
    if math.isfinite(cap) and math.isfinite(low):
        keep_pair = low + np.maximum(w[pairs.rows] * pairs.time - u[pairs.rows], 0.0) < cap
        work = subset_pairs(pairs, keep_pair)
        _v, rho, last = lagrangian.relaxation(work, w, u, n_hubs, forced, available)
        if math.isfinite(last):  # the penalty test: opening j instead of the dearest chosen site costs this more
            site_ok &= forced | (low + np.maximum(rho - last, 0.0) < cap) | first
            work = subset_pairs(work, site_ok[work.cols])
    rho = np.bincount(
        work.cols, weights=np.minimum(w[work.rows] * work.time - u[work.rows], 0.0), minlength=pairs.n_sites
    )
    ranking = _Ranking(c, w, n_hubs, pairs, work, u, rho, site_ok, cap, mip_gap)
    sites = tuple(int(j) for j in np.flatnonzero(first))
    root = _Part(forced.copy(), available.copy(), value, sites if math.isfinite(value) else None, -math.inf)
    root.lower = ranking.bound(root.forced, root.allowed)
    ranking.parts.append(root)
    return ranking


def _big(pairs: Pairs, w: np.ndarray) -> float:
    """More than any solution costs (every zone at the longest time of any pair)."""
    return float(w.sum()) * (float(pairs.time.max()) if pairs.size else 1.0) * 2.0 + 1.0


def _swap_costs(c: np.ndarray, w: np.ndarray, sites: Sequence[int]) -> np.ndarray:
    """[k, a]: the cost with the k-th of ``sites`` swapped for site ``a`` (inf when a zone reaches no open site)."""
    s = list(sites)
    sub = c[:, s]
    order = np.argsort(sub, axis=1)
    rows = np.arange(c.shape[0])
    first = sub[rows, order[:, 0]]
    second = sub[rows, order[:, 1]] if len(s) > 1 else np.full(c.shape[0], np.inf)
    out = np.empty((len(s), c.shape[1]))
    for k in range(len(s)):
        base = np.where(order[:, 0] == k, second, first)
        trial = np.minimum(base[:, None], c)
        ok = np.isfinite(trial).all(axis=0)
        out[k] = np.where(ok, w @ np.where(np.isfinite(trial), trial, 0.0), np.inf)
    return out


def _cutoff(
    c: np.ndarray,
    w: np.ndarray,
    first: np.ndarray,
    value: float,
    forced: np.ndarray,
    available: np.ndarray,
    n_solutions: int,
) -> float:
    """``UB_K``: the K-th lowest cost among the first solution and its single swaps (inf: fewer than K known), plus
    a hair so that ties at it are kept."""
    sites = np.flatnonzero(first)
    known = [value]
    swaps = _swap_costs(c, w, sites.tolist())
    for k, j in enumerate(sites):
        if forced[j]:
            continue
        row = swaps[k][available & ~first]
        known.extend(row[np.isfinite(row)].tolist())
    finite = sorted(x for x in known if math.isfinite(x))
    if len(finite) < n_solutions:
        return math.inf
    top = finite[n_solutions - 1]
    return top + 1e-7 * max(1.0, abs(top))


def _next(ranking: _Ranking, deadline: float | None) -> _Part | None:
    """The part holding the next solution, once it is proven; None when the deadline passes first, or when no part
    holds any solution (then ``ranking.parts`` is emptied)."""
    while True:
        known = [p for p in ranking.parts if p.sites is not None]
        best = min(known, key=_order) if known else None
        upper = min(best.value if best is not None else math.inf, ranking.cap)
        target = lagrangian.proves(upper, ranking.mip_gap) if math.isfinite(upper) else math.inf
        open_parts = [p for p in ranking.parts if p.lower < target and not (p is best and p.exact)]
        if not open_parts:
            if best is None:
                ranking.parts.clear()
            return best
        if deadline is not None and _clock.now() > deadline:
            return None
        part = min(open_parts, key=lambda p: p.lower)
        if not _settle(ranking, part, upper, deadline):
            return None
        ranking.parts = [p for p in ranking.parts if math.isfinite(p.lower)]


def _settle(ranking: _Ranking, part: _Part, upper: float, deadline: float | None) -> bool:
    """Search ``part`` for a solution below ``upper`` (below its own incumbent when that is lower: then its best is
    proven); False when the deadline stopped the search."""
    own = part.sites is not None and part.value <= upper
    anything = not math.isfinite(upper)  # no cutoff: finding nothing shows the part holds no solution at all
    cutoff = part.value if own else (_big(ranking.pairs, ranking.w) if anything else upper)
    found = lagrangian_tree.search(
        ranking.work, ranking.w, ranking.u, ranking.n_hubs, part.forced, part.allowed & ranking.site_ok, cutoff,
        ranking.cost, mip_gap=ranking.mip_gap, deadline=deadline,
    )  # fmt: skip
    if not found.finished:
        return False
    if found.is_open is not None:
        part.value, part.sites = found.value, tuple(int(j) for j in np.flatnonzero(found.is_open))
        part.exact, part.lower = True, found.bound
    elif own:
        part.exact, part.lower = True, found.bound
    else:
        part.lower = math.inf if anything else max(part.lower, found.bound)
    return True


def _split(ranking: _Ranking, listed: _Part) -> None:
    """Replace the part of the solution just listed by its children (Lawler's partition)."""
    ranking.parts = [p for p in ranking.parts if p is not listed]
    assert listed.sites is not None
    sites = list(listed.sites)
    free = [j for j in sites if not listed.forced[j]]
    swaps = _swap_costs(ranking.c, ranking.w, sites)
    in_set = np.zeros(ranking.c.shape[1], dtype=bool)
    in_set[sites] = True
    forced = listed.forced.copy()
    for j in free:
        allowed = listed.allowed.copy()
        allowed[j] = False
        row = np.where(allowed & ~in_set, swaps[sites.index(j)], np.inf)
        a = int(np.argmin(row))
        child = _Part(forced.copy(), allowed, math.inf, None, listed.value)
        if math.isfinite(row[a]):
            child.value, child.sites = float(row[a]), tuple(sorted([x for x in sites if x != j] + [a]))
        child.lower = max(listed.lower, ranking.bound(child.forced, child.allowed))
        if math.isfinite(child.lower):
            ranking.parts.append(child)
        forced[j] = True


def _result(
    c: np.ndarray,
    w: np.ndarray,
    part: _Part,
    ranking: _Ranking,
    solver: str,
    status: str,
    bound: float,
    t0: float,
    time_limit: float | None,
) -> LocationResult:
    assert part.sites is not None
    chosen = np.asarray(part.sites, dtype=int)
    local, assigned_cost = nearest_open_assignment(c[:, chosen], range(chosen.size))
    assignment = np.where(local >= 0, chosen[np.maximum(local, 0)], -1)
    report = checked_report(
        solver=solver, status=status, stopped_by=None if status == "optimal" else "time limit",
        objective=part.value, bound=min(bound, part.value) if math.isfinite(bound) else None, size=(0, 0, 0),
        seconds=time.perf_counter() - t0, time_limit=time_limit, mip_gap=ranking.mip_gap,
    )  # fmt: skip
    return LocationResult(
        model="p-median",
        open_sites=chosen,
        assignment=assignment.astype(int),
        assigned_cost=assigned_cost,
        objective=float(part.value),
        report=report,
        parameters={"n_hubs": ranking.n_hubs, "ranked_pairs": ranking.work.size},
    )
