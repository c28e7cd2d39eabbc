"""Coverage models: how much demand N hubs can bring within T minutes (MCLP), and how few hubs bring all of it (LSCP).

Maximal covering location problem (Church and ReVelle 1974): binary ``open[j]``, ``covered[i]`` in [0, 1] (integral
at the optimum: it equals ``min(1, sum of open sites within T)``); ``covered[i] <= sum_{j: time[i, j] <= T}
open[j]``, ``sum_j open[j] = N``; maximise ``sum demand[i] * covered[i]``.

Location set covering problem (Toregas et al. 1971): binary ``open[j]``; ``sum_{j: time[i, j] <= T} open[j] >= 1``
for every zone; minimise ``sum_j open[j]``.

Only pairs within T get a matrix entry, so memory grows with the pairs kept, not zones x sites. Both models are
handed to HiGHS directly (highspy) or built in PuLP for CBC, started from a greedy solution, and reported with the
same honesty rules as :func:`hubopt.locate.solve.solve`: a time-limited run is "feasible", never "optimal".

``exclude_solutions`` adds no-good cuts ``sum_{j in S} open[j] <= |S| - 1`` so that the next-best distinct answers
can be listed (:mod:`hubopt.locate.explain`); a greedy start that is an excluded set is not used, and a solver's
answer is checked against the cuts and the site rules before it is accepted.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence

import numpy as np
import pulp
from scipy import sparse

from hubopt.errors import InputError, ModelError
from hubopt.locate._highs import HighsOptionValue, run_highs
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions
from hubopt.locate.pairs import (
    Pairs,
    candidate_pairs,
    site_masks,
    site_rules,
    stranded_zones_error,
)
from hubopt.locate.solution import LocationResult, check_cost_and_weights, nearest_open_assignment
from hubopt.locate.solve import check_solver_name, checked_report, solve

#: HiGHS options for the coverage MIPs.
MIP_OPTIONS: dict[str, HighsOptionValue] = {}


def _check_settings(time_limit: float | None, mip_gap: float, max_minutes: float) -> None:
    if time_limit is not None and time_limit <= 0:
        raise InputError("the time limit must be a positive number of seconds", parameter="time_limit")
    if mip_gap < 0:
        raise InputError("the MIP gap must be zero or positive", parameter="mip_gap")
    if max_minutes is None or not math.isfinite(float(max_minutes)) or float(max_minutes) < 0:
        raise InputError("the travel-time standard must be a finite number of minutes, zero or more")


def _why(time_limit: float | None) -> str:
    return "time limit" if time_limit is not None else "the solver found no solution"


def _greedy_cover(
    pairs: Pairs, w: np.ndarray, n_open: int | None, forced: np.ndarray, available: np.ndarray
) -> np.ndarray:
    """Open sites by largest newly covered weight (lazy evaluation) until ``n_open`` are open or, when
    ``n_open`` is None, until every zone with a pair is covered; return the open mask."""
    order = np.argsort(pairs.cols, kind="stable")
    ptr = np.zeros(pairs.n_sites + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs.cols, minlength=pairs.n_sites), out=ptr[1:])
    covered = np.zeros(pairs.n_zones, dtype=bool)
    coverable = pairs.degree() > 0
    is_open = np.zeros(pairs.n_sites, dtype=bool)

    def zones_of(j: int) -> np.ndarray:
        return pairs.rows[order[ptr[j] : ptr[j + 1]]]

    def gain(j: int) -> float:
        z = zones_of(j)
        return float(w[z[~covered[z]]].sum()) if n_open is not None else float((~covered[z]).sum())

    for j in np.flatnonzero(forced).tolist():
        covered[zones_of(j)] = True
        is_open[j] = True
    heap: list[tuple[float, int]] = [(-gain(j), j) for j in np.flatnonzero(available & ~forced).tolist()]
    heapq.heapify(heap)
    while heap:
        if n_open is not None and int(is_open.sum()) >= n_open:
            break
        if n_open is None and covered[coverable].all():
            break
        _, j = heapq.heappop(heap)
        g = gain(j)
        if not heap or g >= -heap[0][0]:
            covered[zones_of(j)] = True
            is_open[j] = True
        else:
            heapq.heappush(heap, (-g, j))
    return is_open


def excluded_site_sets(
    exclude_solutions: Sequence[Sequence[int]], available: np.ndarray, size: int | None = None
) -> list[np.ndarray]:
    """The site sets to exclude (no-good cuts) that could be chosen at all, as sorted index arrays.

    Parameters
    ----------
    exclude_solutions : sequence of sequences of int
        Sets of site column indices.
    available : numpy.ndarray of bool
        Sites that may open; a set holding an unavailable site can never be chosen, so it needs no cut.
    size : int, optional
        The fixed number of open sites: a set of another size can never be chosen either.

    Raises
    ------
    InputError
        When an index is outside the matrix or a set is empty.
    """
    m = available.size
    out: list[np.ndarray] = []
    for sol in exclude_solutions:
        s = np.unique(np.asarray(list(sol), dtype=int))
        if s.size == 0:
            raise InputError("an excluded solution must name at least one site")
        if s.min() < 0 or s.max() >= m:
            raise InputError(f"an excluded solution names a site index outside 0..{m - 1}")
        if available[s].all() and (size is None or s.size == size):
            out.append(s)
    return out


def hits_excluded(is_open: np.ndarray, cuts: Sequence[np.ndarray]) -> bool:
    """Whether the open sites include every site of one of ``cuts`` (for a fixed number of open sites equal to the
    sets' size: whether they are one of them)."""
    return any(bool(is_open[s].all()) for s in cuts)


def _allowed(
    is_open: np.ndarray, n_open: int | None, available: np.ndarray, forced: np.ndarray, cuts: Sequence[np.ndarray]
) -> bool:
    """Whether a solver's answer keeps the site rules (N open when fixed, only available sites, every must-open
    site) and is not excluded: an answer is checked, not trusted."""
    if n_open is not None and int(is_open.sum()) != n_open:
        return False
    return not (is_open & ~available).any() and not (forced & ~is_open).any() and not hits_excluded(is_open, cuts)


def _no_solution(status: str, stopped_by: str | None, cuts: Sequence[np.ndarray]) -> str:
    """Why a coverage model has no answer, in words ("infeasible" only when the solver proved it)."""
    if status == "infeasible":
        return "infeasible" + (f" (every allowed solution is one of the {len(cuts)} excluded)" if cuts else "")
    if status == "no solution":
        return f"none found before the solver stopped ({stopped_by or 'no reason given'})"
    return status


def _covered(pairs: Pairs, is_open: np.ndarray) -> np.ndarray:
    hit = np.zeros(pairs.n_zones, dtype=bool)
    hit[pairs.rows[is_open[pairs.cols]]] = True
    return hit


def _solve(
    model: str,
    pairs: Pairs,
    w: np.ndarray,
    sites: np.ndarray,
    forced: np.ndarray,
    n_hubs: int | None,
    start_open: np.ndarray | None,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    msg: bool,
    cuts: Sequence[np.ndarray] = (),
) -> tuple[str, str | None, np.ndarray | None, float | None, float | None, tuple[int, int, int]]:
    """Solve the MCLP (``n_hubs`` given) or the LSCP (``n_hubs`` None) over ``pairs``.

    Columns [open (one per site in ``sites``), covered (one per zone with a pair; MCLP only)]. Each of ``cuts`` (a
    set S of available sites) adds the no-good row ``sum_{j in S} open[j] <= |S| - 1``. ``start_open`` (a
    feasible solution to start from) may be None.
    """
    zones = np.flatnonzero(pairs.degree() > 0)
    ms, nz = sites.size, zones.size
    site_col = np.full(pairs.n_sites, -1, dtype=np.int64)
    site_col[sites] = np.arange(ms)
    zone_row = np.full(pairs.n_zones, -1, dtype=np.int64)
    zone_row[zones] = np.arange(nz)
    mclp = n_hubs is not None
    if solver == "highs":
        # Rows: one per coverable zone (covered - sum open <= 0 / sum open >= 1), then (MCLP) sum open = N.
        k = pairs.size
        data = [-np.ones(k) if mclp else np.ones(k)]
        r_ix = [zone_row[pairs.rows]]
        c_ix = [site_col[pairs.cols]]
        if mclp:
            data += [np.ones(nz), np.ones(ms)]
            r_ix += [np.arange(nz), np.full(ms, nz)]
            c_ix += [ms + np.arange(nz), np.arange(ms)]
        n_rows, n_cols = nz + int(mclp) + len(cuts), ms + nz * int(mclp)
        for q, s in enumerate(cuts):
            data.append(np.ones(s.size))
            r_ix.append(np.full(s.size, nz + int(mclp) + q))
            c_ix.append(site_col[s])
        a = sparse.csc_matrix(
            (np.concatenate(data), (np.concatenate(r_ix), np.concatenate(c_ix))), shape=(n_rows, n_cols)
        )
        col_lo = np.concatenate([forced[sites].astype(float), np.zeros(n_cols - ms)])
        col_hi = np.ones(n_cols)
        cut_lo = np.full(len(cuts), -np.inf)
        cut_hi = np.array([s.size - 1.0 for s in cuts])
        start = None
        if n_hubs is not None:
            cost = np.concatenate([np.zeros(ms), w[zones]])
            row_lo = np.concatenate([np.full(nz, -np.inf), [float(n_hubs)], cut_lo])
            row_hi = np.concatenate([np.zeros(nz), [float(n_hubs)], cut_hi])
            if start_open is not None:
                start = np.concatenate([start_open[sites], _covered(pairs, start_open)[zones]]).astype(float)
        else:
            cost = np.ones(ms)
            row_lo, row_hi = np.concatenate([np.ones(nz), cut_lo]), np.concatenate([np.full(nz, np.inf), cut_hi])
            if start_open is not None:
                start = start_open[sites].astype(float)
        integer = np.arange(n_cols) < ms
        out = run_highs(
            cost, a, col_lo, col_hi, row_lo, row_hi, integer=integer, maximize=mclp, time_limit=time_limit,
            mip_gap=mip_gap, start=start, msg=msg, options=MIP_OPTIONS,
        )  # fmt: skip
        is_open = None
        if out.x is not None:
            is_open = np.zeros(pairs.n_sites, dtype=bool)
            is_open[sites[out.x[:ms] > 0.5]] = True
        return out.status, out.stopped_by, is_open, out.objective, out.bound, (n_cols, ms, n_rows)

    prob = pulp.LpProblem(model, pulp.LpMaximize if mclp else pulp.LpMinimize)
    open_var = [prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in sites.tolist()]
    for q in np.flatnonzero(forced[sites]).tolist():
        open_var[q].lowBound = 1
    if start_open is not None:
        for q, j in enumerate(sites.tolist()):
            open_var[q].setInitialValue(1.0 if start_open[j] else 0.0)
    cols_of_pair = site_col[pairs.cols].tolist()
    ptr = pairs.indptr.tolist()
    if n_hubs is not None:
        cover_var = [prob.add_variable(f"covered_{i}", 0, 1) for i in zones.tolist()]
        prob.setObjective(pulp.LpAffineExpression(zip(cover_var, w[zones].tolist(), strict=True)))
        hit = None if start_open is None else _covered(pairs, start_open)
        for q, i in enumerate(zones.tolist()):
            if hit is not None:
                cover_var[q].setInitialValue(1.0 if hit[i] else 0.0)
            terms = [(cover_var[q], 1.0)] + [(open_var[cols_of_pair[t]], -1.0) for t in range(ptr[i], ptr[i + 1])]
            prob.addConstraint(pulp.LpAffineExpression(terms) <= 0, name=f"cover_{i}")
        prob.addConstraint(pulp.LpAffineExpression([(v, 1.0) for v in open_var]) == int(n_hubs), name="hubs")
    else:
        prob.setObjective(pulp.LpAffineExpression([(v, 1.0) for v in open_var]))
        for i in zones.tolist():
            terms = [(open_var[cols_of_pair[t]], 1.0) for t in range(ptr[i], ptr[i + 1])]
            prob.addConstraint(pulp.LpAffineExpression(terms) >= 1, name=f"cover_{i}")
    for q, cut in enumerate(cuts):
        terms = [(open_var[int(site_col[j])], 1.0) for j in cut.tolist()]
        prob.addConstraint(pulp.LpAffineExpression(terms) <= int(cut.size) - 1, name=f"exclude_{q}")
    report = solve(
        prob, solver="cbc", time_limit=time_limit, mip_gap=mip_gap, msg=msg, warm_start=start_open is not None
    )
    is_open = None
    if report.has_solution:
        is_open = np.zeros(pairs.n_sites, dtype=bool)
        is_open[[j for q, j in enumerate(sites.tolist()) if (open_var[q].varValue or 0.0) > 0.5]] = True
    size = (report.n_variables, report.n_integer_variables, report.n_constraints)
    return report.status, report.stopped_by, is_open, report.objective, report.bound, size


def _result(
    model: str,
    c: np.ndarray,
    w: np.ndarray,
    is_open: np.ndarray,
    max_minutes: float,
    objective: float,
    status: str,
    stopped_by: str | None,
    bound: float | None,
    size: tuple[int, int, int],
    solver: str,
    t0: float,
    time_limit: float | None,
    mip_gap: float,
    parameters: dict[str, object],
) -> LocationResult:
    chosen = np.flatnonzero(is_open)
    assignment, assigned_cost = nearest_open_assignment(c, chosen)
    report = checked_report(
        solver=solver,
        status=status,
        stopped_by=stopped_by,
        objective=objective,
        bound=bound,
        size=size,
        seconds=time.perf_counter() - t0,
        time_limit=time_limit,
        mip_gap=mip_gap,
    )
    return LocationResult(
        model=model,
        open_sites=chosen.astype(int),
        assignment=assignment.astype(int),
        assigned_cost=assigned_cost,
        objective=float(objective),
        report=report,
        parameters={
            "max_minutes": float(max_minutes),
            "solver": solver,
            "time_limit": time_limit,
            "mip_gap": mip_gap,
            **parameters,
        },
    )


def solve_mclp(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    max_minutes: float,
    *,
    rules: SiteRules = NO_RULES,
    exclude_solutions: Sequence[Sequence[int]] = (),
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
) -> LocationResult:
    """Choose ``n_hubs`` sites that bring the most demand within ``max_minutes`` of an open site (MCLP).

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where the site cannot be reached.
    weights : numpy.ndarray, shape (n_zones,)
        Demand of each zone.
    n_hubs : int
        Number of hubs to open (N).
    max_minutes : float
        The access standard T: a zone is covered when an open site is at most T minutes away.
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    exclude_solutions : sequence of sequences of int
        Sets of open sites that may not be chosen again (no-good cuts ``sum_{j in S} open[j] <= N - 1``; used for
        the next-best distinct solutions). Sets of another size than N, or holding an unavailable site, can never
        be chosen and are ignored.
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`): ``solver``: MILP solver: HiGHS (directly,
        through highspy) or CBC (through a PuLP model); ``time_limit``: seconds; a time-limited result is labelled as
        such, never as optimal; ``mip_gap``: relative optimality gap at which to stop (0: prove optimality); ``msg``:
        show the solver's log.

    Returns
    -------
    LocationResult
        ``objective`` is the covered demand; ``assignment`` the nearest open site of every zone (covered or not);
        ``parameters`` holds ``covered_demand``, ``covered_share``, ``total_demand``, ``uncoverable_zones`` (no
        available site within T), ``uncoverable_demand`` and ``excluded_solutions`` (how many of the excluded sets
        could otherwise have been chosen).

    Raises
    ------
    ModelError
        When the site rules cannot be met (e.g. more must-open sites than N), every allowed set is excluded (the
        message says "infeasible"), or the time limit passed before any allowed solution was found.
    """
    must_open, unavailable = rules.must_open, rules.unavailable
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    t0 = time.perf_counter()
    name = check_solver_name(solver)
    _check_settings(time_limit, mip_gap, max_minutes)
    c, w, zids, sids = check_cost_and_weights(cost, weights, zone_ids, site_ids)
    n_hubs = int(n_hubs)
    available, forced = site_rules(c.shape[1], n_hubs, must_open, unavailable, sids)
    pairs = candidate_pairs(c, available, max_minutes)
    sites = np.flatnonzero(available)
    cuts = excluded_site_sets(exclude_solutions, available, n_hubs)
    greedy = _greedy_cover(pairs, w, n_hubs, forced, available)
    if int(greedy.sum()) < n_hubs:  # sites that cover nothing: fill up to N
        spare = np.flatnonzero(available & ~greedy)[: n_hubs - int(greedy.sum())]
        greedy[spare] = True
    start = None if hits_excluded(greedy, cuts) else greedy  # an excluded greedy answer is no start
    status, stopped_by, is_open, _obj, bound, size = _solve(
        "mclp", pairs, w, sites, forced, n_hubs, start, name, time_limit, mip_gap, msg, cuts
    )
    best = start
    value = -math.inf if start is None else float(w[_covered(pairs, start)].sum())
    if is_open is not None and _allowed(is_open, n_hubs, available, forced, cuts):
        v = float(w[_covered(pairs, is_open)].sum())
        if v >= value:
            best, value = is_open, v
    if status == "no solution" and best is not None:  # stopped before the solver found one: the start stands
        status, stopped_by, bound = "feasible", stopped_by or _why(time_limit), None
    if best is None and status in ("optimal", "feasible"):  # the solver's answer broke a rule: not trusted
        status = "no solution"
    if best is None or status not in ("optimal", "feasible"):
        raise ModelError(f"the maximal covering model has no solution: {_no_solution(status, stopped_by, cuts)}")
    uncoverable = np.flatnonzero(pairs.degree() == 0)
    total = float(w.sum())
    params: dict[str, object] = {
        "n_hubs": n_hubs,
        "must_open": [sids[j] for j in np.flatnonzero(forced)],
        "unavailable": [sids[j] for j in np.flatnonzero(~available)],
        "covered_demand": value,
        "covered_share": value / total if total > 0 else float("nan"),
        "total_demand": total,
        "uncoverable_zones": [zids[i] for i in uncoverable],
        "uncoverable_demand": float(w[uncoverable].sum()),
        "candidate_pairs": pairs.size,
        "excluded_solutions": len(cuts),
    }
    if bound is not None:
        bound = max(bound, value) if status == "optimal" else bound
    return _result(
        "mclp", c, w, best, max_minutes, value, status, stopped_by, bound, size, name, t0, time_limit, mip_gap, params
    )


def solve_lscp(
    cost: np.ndarray,
    max_minutes: float,
    *,
    rules: SiteRules = NO_RULES,
    exclude_solutions: Sequence[Sequence[int]] = (),
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
) -> LocationResult:
    """Open the fewest sites so that every zone has an open site within ``max_minutes`` (LSCP).

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where the site cannot be reached.
    max_minutes : float
        The access standard T.
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    exclude_solutions : sequence of sequences of int
        Sets of open sites that may not be chosen again, nor any set containing one of them (no-good cuts
        ``sum_{j in S} open[j] <= |S| - 1``; used for the next-best distinct solutions). A set containing an
        excluded cover is that cover plus hubs nobody needs, so excluding it too keeps every answer a cover from
        which no hub can be dropped. Sets holding an unavailable site are ignored.
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`): ``solver``: MILP solver: HiGHS (directly,
        through highspy) or CBC (through a PuLP model); ``time_limit``: seconds; a time-limited result is labelled as
        such, never as optimal; ``mip_gap``: relative optimality gap at which to stop (0: prove optimality); ``msg``:
        show the solver's log.

    Returns
    -------
    LocationResult
        ``objective`` is the number of open sites; ``parameters["n_hubs"]`` the same; ``parameters``
        also holds ``excluded_solutions`` (how many excluded sets could otherwise have been chosen).

    Raises
    ------
    ModelError
        When a zone has no available site within ``max_minutes`` (naming the zones), the site rules clash, every
        cover is excluded (the message says "infeasible"), or the time limit passed before any allowed cover was
        found.
    """
    must_open, unavailable = rules.must_open, rules.unavailable
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    t0 = time.perf_counter()
    name = check_solver_name(solver)
    _check_settings(time_limit, mip_gap, max_minutes)
    c, w, zids, sids = check_cost_and_weights(cost, None, zone_ids, site_ids)
    available, forced = site_masks(c.shape[1], must_open, unavailable, sids)
    if not available.any():
        raise ModelError("every site is unavailable; add candidate sites")
    pairs = candidate_pairs(c, available, max_minutes)
    stranded = np.flatnonzero(pairs.degree() == 0)
    if stranded.size:
        raise stranded_zones_error(stranded, zids, f" within {max_minutes:g} minutes")
    sites = np.flatnonzero(available)
    cuts = excluded_site_sets(exclude_solutions, available)
    greedy = _greedy_cover(pairs, w, None, forced, available)
    start = None if hits_excluded(greedy, cuts) else greedy  # an excluded greedy cover is no start
    status, stopped_by, is_open, _obj, bound, size = _solve(
        "lscp", pairs, w, sites, forced, None, start, name, time_limit, mip_gap, msg, cuts
    )
    best = start
    if (
        is_open is not None
        and _allowed(is_open, None, available, forced, cuts)
        and _covered(pairs, is_open).all()
        and (best is None or is_open.sum() <= best.sum())
    ):
        best = is_open
    if status == "no solution" and best is not None:
        status, stopped_by, bound = "feasible", stopped_by or _why(time_limit), None
    if best is None and status in ("optimal", "feasible"):  # the solver's answer broke a rule: not trusted
        status = "no solution"
    if best is None or status not in ("optimal", "feasible"):
        raise ModelError(f"the set covering model has no solution: {_no_solution(status, stopped_by, cuts)}")
    value = float(best.sum())
    if bound is not None:
        bound = math.ceil(bound - 1e-6)  # the count of hubs is an integer
        bound = float(min(bound, value))
    params: dict[str, object] = {
        "n_hubs": int(value),
        "must_open": [sids[j] for j in np.flatnonzero(forced)],
        "unavailable": [sids[j] for j in np.flatnonzero(~available)],
        "candidate_pairs": pairs.size,
        "excluded_solutions": len(cuts),
    }
    return _result(
        "lscp", c, w, best, max_minutes, value, status, stopped_by, bound, size, name, t0, time_limit, mip_gap, params
    )
