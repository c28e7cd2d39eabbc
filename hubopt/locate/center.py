"""The p-center model: choose N hub sites that minimise the longest travel time any zone with demand has to its hub.

Two exact methods (``method=``):

``"search"`` (default)
    The optimal radius is one of the matrix's travel times. Binary search over the sorted distinct times between a
    lower bound (the worst zone's nearest available site) and an upper bound (the radius of a greedy solution); for a
    trial radius ``r`` a set-cover MILP decides whether at most N sites (must-open sites included) reach every zone
    with demand within ``r``: binary ``open[j]``, ``sum_{j: time[i, j] <= r} open[j] >= 1`` for every zone, ``sum_j
    open[j] <= N``. Zones already reached by a must-open site, and zones whose set of covering sites repeats another
    zone's, are dropped from each subproblem. About log2(#distinct times) small subproblems; far faster than the
    classic MILP (West Kent, 309 zones x 59 sites, N = 4: about 1-2 s with the tie-break, against 130-150 s).
``"milp"``
    The classic formulation: minimise ``z`` with ``z >= sum_j time[i, j] * serve[i, j]`` for every zone with demand,
    ``sum_j serve[i, j] = 1``, ``serve[i, j] <= open[j]``, ``sum_j open[j] = N`` (``serve`` continuous: for a fixed
    set of open sites the nearest open site minimises each zone's time).

Many site sets usually share the optimal radius; a second stage picks, among them, the one with the least
demand-weighted travel time (a p-median restricted to zone-site pairs within the optimal radius), so the answer is
sensible for everyone, not only for the worst-placed zone.

A zone with zero demand does not count towards the radius.

``exclude_solutions`` (for the next-best distinct answers, :mod:`hubopt.locate.explain`) rules sets of N sites out
of every stage: each set-cover subproblem then asks for exactly N sites (a cover of fewer sites is padded with any
others, which could rebuild an excluded set) under the no-good cuts ``sum_{j in S} open[j] <= N - 1``, and the
classic MILP and the tie-break carry the same cuts. The answer is the best radius (then least weighted time) among
the sets not excluded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp

from hubopt.errors import InputError, ModelError
from hubopt.locate import _clock
from hubopt.locate.coverage import excluded_site_sets, hits_excluded
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions
from hubopt.locate.pairs import site_rules
from hubopt.locate.solution import LocationResult, check_cost_and_weights, name_list, nearest_open_assignment
from hubopt.locate.solve import SolveReport, check_solver_name, checked_report, solve

METHODS = ("search", "milp")


def _grow(sizes: list[int], rep: SolveReport | None) -> list[int]:
    """The largest subproblem so far: variables, integer variables, constraints."""
    if rep is None:
        return sizes
    return [max(sizes[0], rep.n_variables), max(sizes[1], rep.n_integer_variables), max(sizes[2], rep.n_constraints)]


def _radius(cost: np.ndarray, chosen: Sequence[int]) -> float:
    """Longest time from a zone (rows of ``cost``) to its nearest site in ``chosen``."""
    if len(chosen) == 0:
        return math.inf
    return float(cost[:, list(chosen)].min(axis=1).max())


def _greedy(cost: np.ndarray, w: np.ndarray, n_hubs: int, available: np.ndarray, forced: np.ndarray) -> list[int]:
    """A quick heuristic solution: add the site that most reduces the radius (then weighted time) until N are open."""
    chosen = [int(j) for j in np.flatnonzero(forced)]
    nearest = cost[:, chosen].min(axis=1) if chosen else np.full(cost.shape[0], np.inf)
    while len(chosen) < n_hubs:
        cand = [j for j in np.flatnonzero(available) if j not in chosen]
        trial = np.minimum(nearest[:, None], cost[:, cand])
        radius = trial.max(axis=0)
        weighted = np.where(np.isfinite(trial), trial, 1e12).T @ w
        best = min(range(len(cand)), key=lambda k: (radius[k], weighted[k]))
        chosen.append(int(cand[best]))
        nearest = trial[:, best]
    return sorted(chosen)


def _excluded(chosen: Sequence[int], n_sites: int, cuts: Sequence[np.ndarray]) -> bool:
    mask = np.zeros(n_sites, dtype=bool)
    mask[list(chosen)] = True
    return hits_excluded(mask, cuts)


def _cover_subproblem(
    cost: np.ndarray,
    radius: float,
    n_hubs: int,
    available: np.ndarray,
    forced: np.ndarray,
    solver: str,
    time_limit: float | None,
    cuts: Sequence[np.ndarray] = (),
) -> tuple[str, list[int] | None, SolveReport | None]:
    """Can at most ``n_hubs`` sites (forced ones included) reach every row of ``cost`` within ``radius``?

    With ``cuts`` (excluded sets of ``n_hubs`` available sites) that hold every forced site, the question is
    whether exactly ``n_hubs`` sites, none of the excluded sets, can. Returns ("feasible", sites, report),
    ("infeasible", None, report-or-None) or ("unknown", None, report).
    """
    within = (cost <= radius) & available[None, :]
    covered = within[:, forced].any(axis=1)
    rows = within[~covered]
    if (~rows.any(axis=1)).any():
        return "infeasible", None, None
    n_forced = int(forced.sum())
    live = [cut[~forced[cut]] for cut in cuts if int(forced[cut].sum()) == n_forced]
    if any(free_part.size == 0 for free_part in live):
        return "infeasible", None, None  # the must-open sites alone make N, and that set is excluded
    if rows.shape[0] == 0 and not live:
        return "feasible", np.flatnonzero(forced).tolist(), None
    rows = np.unique(rows, axis=0)
    prob = pulp.LpProblem("p_center_cover", pulp.LpMinimize)
    free = [j for j in np.flatnonzero(available).tolist() if not forced[j]]
    var = {j: prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in free}
    prob.setObjective(pulp.LpAffineExpression([(v, 1.0) for v in var.values()]))
    for k, row in enumerate(rows):
        terms = [(var[j], 1.0) for j in np.flatnonzero(row).tolist() if not forced[j]]
        prob.addConstraint(pulp.LpAffineExpression(terms) >= 1, name=f"cover_{k}")
    hubs = pulp.LpAffineExpression([(v, 1.0) for v in var.values()])
    # Exactly N when sets are excluded: padding a smaller cover afterwards could rebuild an excluded set.
    prob.addConstraint(hubs == n_hubs - n_forced if live else hubs <= n_hubs - n_forced, name="hubs")
    for k, free_part in enumerate(live):
        terms = [(var[int(j)], 1.0) for j in free_part]
        prob.addConstraint(pulp.LpAffineExpression(terms) <= int(free_part.size) - 1, name=f"exclude_{k}")
    report = solve(prob, solver=solver, time_limit=time_limit)
    if report.status == "infeasible":
        return "infeasible", None, report
    if report.has_solution:
        chosen = sorted(np.flatnonzero(forced).tolist() + [j for j, v in var.items() if v.varValue > 0.5])
        return "feasible", chosen, report
    return "unknown", None, report


def _center_milp(
    cost: np.ndarray,
    n_hubs: int,
    available: np.ndarray,
    forced: np.ndarray,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    msg: bool,
    cuts: Sequence[np.ndarray] = (),
) -> tuple[list[int] | None, SolveReport]:
    n = cost.shape[0]
    reachable = np.isfinite(cost) & available[None, :]
    prob = pulp.LpProblem("p_center", pulp.LpMinimize)
    z = prob.add_variable("radius", 0, None, pulp.LpContinuous)
    open_var = {j: prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in np.flatnonzero(available).tolist()}
    for j in np.flatnonzero(forced).tolist():
        open_var[j].lowBound = 1
    rows, cols = np.nonzero(reachable)
    serve = [prob.add_variable(f"serve_{i}_{j}", 0) for i, j in zip(rows, cols, strict=True)]
    prob.setObjective(pulp.LpAffineExpression([(z, 1.0)]))
    starts = np.searchsorted(rows, np.arange(n + 1))
    for i in range(n):
        ks = range(starts[i], starts[i + 1])
        prob.addConstraint(pulp.LpAffineExpression([(serve[k], 1.0) for k in ks]) == 1, name=f"assign_{i}")
        terms = [(serve[k], float(cost[i, cols[k]])) for k in ks] + [(z, -1.0)]
        prob.addConstraint(pulp.LpAffineExpression(terms) <= 0, name=f"radius_{i}")
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        prob.addConstraint(serve[k] - open_var[j] <= 0, name=f"link_{i}_{j}")
    prob.addConstraint(pulp.LpAffineExpression([(v, 1.0) for v in open_var.values()]) == n_hubs, name="hubs")
    _add_cuts(prob, open_var, cuts)
    report = solve(prob, solver=solver, time_limit=time_limit, mip_gap=mip_gap, msg=msg)
    if not report.has_solution:
        return None, report
    return sorted(int(j) for j, v in open_var.items() if v.varValue > 0.5), report


def _add_cuts(prob: pulp.LpProblem, open_var: dict, cuts: Sequence[np.ndarray]) -> None:
    """No-good cuts ``sum_{j in S} open[j] <= |S| - 1`` (the number of open sites is fixed at |S|)."""
    for k, cut in enumerate(cuts):
        terms = [(open_var[int(j)], 1.0) for j in cut]
        prob.addConstraint(pulp.LpAffineExpression(terms) <= int(cut.size) - 1, name=f"exclude_{k}")


def _tie_break(
    cost: np.ndarray,
    w: np.ndarray,
    radius: float,
    n_hubs: int,
    available: np.ndarray,
    forced: np.ndarray,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    msg: bool,
    cuts: Sequence[np.ndarray] = (),
) -> tuple[list[int] | None, SolveReport]:
    """Least demand-weighted time among site sets whose radius is at most ``radius``: a p-median restricted to the
    zone-site pairs within the radius (few pairs, so a small model)."""
    n = cost.shape[0]
    within = (cost <= radius) & available[None, :]
    prob = pulp.LpProblem("p_center_tie_break", pulp.LpMinimize)
    open_var = {j: prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in np.flatnonzero(available).tolist()}
    for j in np.flatnonzero(forced).tolist():
        open_var[j].lowBound = 1
    rows, cols = np.nonzero(within)
    serve = [prob.add_variable(f"serve_{i}_{j}", 0) for i, j in zip(rows, cols, strict=True)]
    prob.setObjective(pulp.LpAffineExpression(zip(serve, (w[rows] * cost[rows, cols]).tolist(), strict=True)))
    starts = np.searchsorted(rows, np.arange(n + 1))
    for i in range(n):
        terms = [(serve[k], 1.0) for k in range(starts[i], starts[i + 1])]
        prob.addConstraint(pulp.LpAffineExpression(terms) == 1, name=f"assign_{i}")
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        prob.addConstraint(pulp.LpAffineExpression([(serve[k], 1.0), (open_var[j], -1.0)]) <= 0, name=f"l_{i}_{j}")
    prob.addConstraint(pulp.LpAffineExpression([(v, 1.0) for v in open_var.values()]) == n_hubs, name="hubs")
    _add_cuts(prob, open_var, cuts)
    report = solve(prob, solver=solver, time_limit=time_limit, mip_gap=mip_gap, msg=msg)
    if not report.has_solution:
        return None, report
    return sorted(int(j) for j, v in open_var.items() if (v.varValue or 0.0) > 0.5), report


def solve_p_center(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    *,
    rules: SiteRules = NO_RULES,
    exclude_solutions: Sequence[Sequence[int]] = (),
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    method: str = "search",
    tie_break: bool = True,
    options: SolverOptions = DEFAULT_OPTIONS,
) -> LocationResult:
    """Choose ``n_hubs`` sites minimising the longest travel time from any zone with demand to its nearest hub.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes) from each zone to each site; ``inf`` where the site cannot be reached.
    weights : numpy.ndarray, shape (n_zones,)
        Demand of each zone. Zones with zero demand do not count towards the radius; demand also weighs the
        tie-break.
    n_hubs : int
        Number of hubs to open (N).
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    exclude_solutions : sequence of sequences of int
        Sets of open sites that may not be chosen again (no-good cuts in every stage; used for the next-best
        distinct solutions). Sets of another size than N, or holding an unavailable site, are ignored.
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    method : {"search", "milp"}
        Binary search with set-cover subproblems (fast) or the classic MILP; both exact.
    tie_break : bool
        Among the site sets with the optimal radius, choose the one with the least demand-weighted time.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`): ``solver``: MILP solver; ``time_limit``:
        seconds for the whole solve (all stages). A result not proven optimal is labelled ``"feasible"``; ``mip_gap``:
        relative gap for the tie-break stage (and the classic MILP); the radius search itself is exact; ``msg``: show
        the solver log (tie-break stage and classic MILP).

    Returns
    -------
    LocationResult
        ``objective`` is the radius (minutes). ``parameters`` holds ``radius``, ``radius_lower_bound`` (the best
        bound proven), ``weighted_minutes`` (demand-weighted time of the chosen set), ``subproblems`` (how many
        set-cover problems were solved), ``stages`` (each stage's solve report) and ``excluded_solutions`` (how
        many excluded sets could otherwise have been chosen).

    Raises
    ------
    ModelError
        When the site rules cannot be met, no zone has demand, a zone with demand can reach no available site,
        every allowed set is excluded (the message says "infeasible"), or the time limit passed before any allowed
        set was found.
    """
    must_open, unavailable = rules.must_open, rules.unavailable
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    if method not in METHODS:
        raise InputError(f"unknown p-center method {method!r}", parameter="method", hint="use search or milp")
    solver = check_solver_name(solver)
    if time_limit is not None and time_limit <= 0:
        raise InputError("the time limit must be a positive number of seconds", parameter="time_limit")
    start = time.perf_counter()
    clock = _Deadline(None if time_limit is None else _clock.now() + float(time_limit))
    c, w, zids, sids = check_cost_and_weights(cost, weights, zone_ids, site_ids)
    n_hubs = int(n_hubs)
    m = c.shape[1]
    available, forced = site_rules(m, n_hubs, must_open, unavailable, sids)
    pos, cp = _zones_with_demand(c, w, available, zids)
    cuts = excluded_site_sets(exclude_solutions, available, n_hubs)
    problem = _Problem(cp, w[pos], n_hubs, available, forced, solver, mip_gap, msg, cuts, clock)
    found = _radius_search(problem) if method == "search" else _classic_milp(problem)
    if tie_break:
        _tie_break_stage(problem, found)
    best = _fill_to_n(problem, found.best)
    _check_answer(problem, best)
    radius = _radius(cp, best)
    assignment, assigned_cost = nearest_open_assignment(np.where(available[None, :], c, np.inf), best)
    report = checked_report(
        solver=solver,
        status="optimal" if found.proven else "feasible",
        stopped_by=None if found.proven else found.stopped_by,
        objective=radius,
        bound=found.bound,
        size=(found.sizes[0], found.sizes[1], found.sizes[2]),
        seconds=time.perf_counter() - start,
        time_limit=time_limit,
        mip_gap=mip_gap,
    )
    return LocationResult(
        model="p-center",
        open_sites=np.asarray(best, dtype=int),
        assignment=assignment,
        assigned_cost=assigned_cost,
        objective=radius,
        report=report,
        parameters={
            "n_hubs": n_hubs,
            "radius": radius,
            "radius_lower_bound": found.bound,
            "weighted_minutes": float(np.dot(w[pos], assigned_cost[pos])),
            "method": method,
            "tie_break": tie_break,
            "subproblems": found.n_sub,
            "stages": found.stages,
            "must_open": [sids[j] for j in np.flatnonzero(forced)],
            "unavailable": [sids[j] for j in np.flatnonzero(~available)],
            "excluded_solutions": len(cuts),
            "solver": solver,
            "time_limit": time_limit,
            "mip_gap": mip_gap,
        },
    )


def _zones_with_demand(
    c: np.ndarray, w: np.ndarray, available: np.ndarray, zids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The zones with demand (mask) and their times to the available sites; refuse none, or one stranded."""
    pos = w > 0
    if not pos.any():
        raise ModelError("no zone has any demand, so there is no travel time to minimise; check the demand figures")
    cp = np.where(available[None, :], c[pos], np.inf)
    stranded = np.flatnonzero(pos)[~np.isfinite(cp).any(axis=1)]
    if stranded.size:
        raise ModelError(
            f"{stranded.size} zone(s) cannot reach any available site: {name_list([zids[i] for i in stranded])}; "
            "add a site they can reach, or check the travel-time matrix"
        )
    return pos, cp


@dataclass(frozen=True)
class _Deadline:
    """The solve's deadline on hubopt's clock (None: no time limit)."""

    at: float | None

    def remaining(self) -> float | None:
        return None if self.at is None else max(self.at - _clock.now(), 1e-3)

    def passed(self) -> bool:
        return self.at is not None and _clock.now() >= self.at


@dataclass(frozen=True)
class _Problem:
    """The p-center over the zones with demand: times to available sites, rules, solver and clock."""

    cp: np.ndarray
    w: np.ndarray
    n_hubs: int
    available: np.ndarray
    forced: np.ndarray
    solver: str
    mip_gap: float
    msg: bool
    cuts: list[np.ndarray]
    clock: _Deadline

    def excluded_note(self) -> str:
        return f"every allowed set of {self.n_hubs} sites is one of the {len(self.cuts)} excluded"


@dataclass
class _Found:
    """The best set found so far, its radius, the bound proven and how the stages went."""

    best: list[int]
    radius: float
    bound: float
    proven: bool = True
    stopped_by: str | None = None
    n_sub: int = 0
    sizes: list[int] = field(default_factory=lambda: [0, 0, 0])
    stages: list[dict] = field(default_factory=list)


def _radius_search(pb: _Problem) -> _Found:
    """Binary search over the distinct times, each step a set-cover subproblem (exact)."""
    cp, m = pb.cp, pb.cp.shape[1]
    lower = float(cp.min(axis=1).max())
    greedy = _greedy(cp, pb.w, pb.n_hubs, pb.available, pb.forced)
    # an excluded greedy answer is no start: then the search covers the whole range of times
    best: list[int] | None = None if _excluded(greedy, m, pb.cuts) else greedy
    upper = math.inf if best is None else _radius(cp, best)
    values = np.unique(cp[np.isfinite(cp)])
    values = values[(values >= lower) & (values <= upper)]
    lo, hi = 0, len(values) - 1
    proven, stopped_by, n_sub, sizes = True, None, 0, [0, 0, 0]

    def cover(t: float) -> tuple[str, list[int] | None, SolveReport | None]:
        nonlocal n_sub, sizes
        out = _cover_subproblem(cp, t, pb.n_hubs, pb.available, pb.forced, pb.solver, pb.clock.remaining(), pb.cuts)
        n_sub += 1
        sizes = _grow(sizes, out[2])
        return out

    while lo < hi:
        if pb.clock.passed():
            proven, stopped_by = False, "time limit"
            break
        mid = (lo + hi) // 2
        verdict, chosen, rep = cover(float(values[mid]))
        if verdict == "feasible":
            assert chosen is not None
            best = chosen
            hi = int(np.searchsorted(values, _radius(cp, chosen)))
        elif verdict == "infeasible":
            lo = mid + 1
        else:
            proven, stopped_by = False, rep.stopped_by if rep and rep.stopped_by else "time limit"
            break
    if best is None and proven:  # no set proven feasible yet: the largest time is the last one to try
        verdict, best, rep = cover(float(values[hi]))
        if verdict == "infeasible":
            raise ModelError(f"the p-center model is infeasible: {pb.excluded_note()}")
        if best is None:
            stopped_by = rep.stopped_by if rep and rep.stopped_by else "time limit"
    if best is None:
        raise ModelError(f"the p-center model found no allowed solution before it stopped ({stopped_by})")
    radius = _radius(cp, best)
    stage = {"stage": "radius search", "subproblems": n_sub, "lower": lower, "upper": upper}
    if not math.isfinite(upper):
        stage["upper"] = None
    bound = float(values[lo]) if len(values) else radius
    return _Found(best, radius, bound, proven, stopped_by, n_sub, sizes, [stage])


def _classic_milp(pb: _Problem) -> _Found:
    """The classic p-center MILP (exact)."""
    cp = pb.cp
    lower = float(cp.min(axis=1).max())
    chosen, rep = _center_milp(
        cp, pb.n_hubs, pb.available, pb.forced, pb.solver, pb.clock.remaining(), pb.mip_gap, pb.msg, pb.cuts
    )
    stages = [{"stage": "classic MILP", **rep.to_dict()}]
    sizes = [rep.n_variables, rep.n_integer_variables, rep.n_constraints]
    if chosen is None and rep.status == "infeasible" and pb.cuts:
        raise ModelError(f"the p-center model is infeasible: {pb.excluded_note()}")
    if chosen is None:
        raise ModelError(f"the p-center model found no solution: {rep.describe()}")
    radius = _radius(cp, chosen)
    if rep.is_optimal:
        return _Found(chosen, radius, radius, sizes=sizes, stages=stages)
    bound = max(lower, rep.bound if rep.bound is not None else lower)
    return _Found(chosen, radius, bound, False, rep.stopped_by or "the solver", sizes=sizes, stages=stages)


def _tie_break_stage(pb: _Problem, found: _Found) -> None:
    """Among the sets with the radius found, the one with the least demand-weighted time (updates ``found``)."""
    if pb.clock.passed():
        found.proven, found.stopped_by = False, found.stopped_by or "time limit (tie-break stage not run)"
        return
    chosen, rep = _tie_break(
        pb.cp, pb.w, found.radius, pb.n_hubs, pb.available, pb.forced, pb.solver, pb.clock.remaining(), pb.mip_gap,
        pb.msg, pb.cuts,
    )  # fmt: skip
    found.stages.append({"stage": "tie-break", **rep.to_dict()})
    if chosen is not None and _radius(pb.cp, chosen) <= found.radius:
        found.best = chosen
    if not rep.is_optimal:
        found.proven = False
        found.stopped_by = found.stopped_by or (
            f"{rep.stopped_by or 'the solver'} in the tie-break stage (the weighted time is not proven minimal)"
        )


def _check_answer(pb: _Problem, best: list[int]) -> None:
    """Never expected to fail: every stage keeps the rules; checked rather than trusted."""
    n_sites = pb.cp.shape[1]
    if (
        len(best) != pb.n_hubs
        or _excluded(best, n_sites, pb.cuts)
        or int(pb.forced[best].sum()) != int(pb.forced.sum())
    ):
        raise ModelError(
            f"the p-center model's answer breaks its own rules ({len(best)} sites for {pb.n_hubs} hubs, or an "
            "excluded set, or a must-open site missing)"
        )


def _fill_to_n(pb: _Problem, best: list[int]) -> list[int]:
    """A cover may need fewer sites than N: add those that cut the weighted time most."""
    if len(best) >= pb.n_hubs:
        return best
    nearest = pb.cp[:, best].min(axis=1)
    while len(best) < pb.n_hubs:
        cand = [j for j in np.flatnonzero(pb.available) if j not in best]
        trial = np.minimum(nearest[:, None], pb.cp[:, cand])
        k = int(np.argmin(trial.T @ pb.w))
        best = sorted([*best, int(cand[k])])
        nearest = trial[:, k]
    return best
