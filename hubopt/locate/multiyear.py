"""One set of hubs for several forecast years at once.

Estates decisions last for decades while demand moves (West Kent: +18 % residents 2015-2035, +144 % aged 85+).
:func:`solve_multiyear` chooses one set of N sites good across several years' demand:

``objective="sum"``
    Minimise ``sum_y year_weight[y] * F_y(S)``, where ``F_y(S)`` is year y's p-median objective (demand-weighted
    minutes to the nearest open site) for the site set S. Because every zone goes to its nearest open site whatever
    the year, this is exactly a p-median with demand ``sum_y year_weight[y] * demand[y]``, solved by
    :func:`hubopt.locate.median.solve_p_median`.
``objective="regret"``
    Minimise the worst relative regret ``max_y (F_y(S) - F_y*) / F_y*``, where ``F_y*`` is year y's own optimum
    (found first by one p-median per year). MILP: binary ``open[j]``, continuous ``serve[i, j]`` (nearest-open
    assignment is best for every year at once, so one assignment serves all years), ``sum_j serve[i, j] = 1``,
    ``serve[i, j] <= open[j]``, ``sum_j open[j] = N``, ``sum_ij demand[y, i] * minutes[i, j] * serve[i, j] <=
    (1 + R) * F_y*`` for each year, minimise ``R``. A second stage then picks, among the sets with that worst
    regret, the one with the least year-weighted total (the "sum" objective), so ties are broken sensibly.

The result reports, per year, its own optimum and sites, the chosen set's objective and the chosen set's regret.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from hubopt.errors import InputError, ModelError
from hubopt.locate import _clock
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions
from hubopt.locate.pairs import site_rules
from hubopt.locate.solution import LocationResult, check_cost_and_weights, name_list, nearest_open_assignment
from hubopt.locate.solve import check_solver_name, checked_report, solve

OBJECTIVES = ("sum", "regret")


def year_objectives(cost: np.ndarray, weights_by_year: np.ndarray, open_sites: Sequence[int]) -> np.ndarray:
    """Each year's p-median objective (demand-weighted minutes to the nearest open site) for a site set."""
    _, minutes = nearest_open_assignment(np.asarray(cost, dtype=float), open_sites)
    minutes = np.where(np.isfinite(minutes), minutes, 0.0)
    return np.asarray(weights_by_year, dtype=float) @ minutes


def relative_regret(values: np.ndarray, optima: np.ndarray) -> np.ndarray:
    """``(value - optimum) / optimum`` per year (0 where both are 0, inf where only the optimum is 0)."""
    v, o = np.asarray(values, dtype=float), np.asarray(optima, dtype=float)
    diff = np.maximum(v - o, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o > 0, diff / np.where(o > 0, o, 1.0), np.where(diff > 1e-12, np.inf, 0.0))


def _regret_model(
    c: np.ndarray,
    wy: np.ndarray,
    optima: np.ndarray,
    n_hubs: int,
    available: np.ndarray,
    forced: np.ndarray,
    year_weights: np.ndarray,
    max_regret: float | None,
) -> tuple[pulp.LpProblem, dict]:
    """Min-max regret MILP; with ``max_regret`` given, the second stage (least weighted total within it)."""
    n = c.shape[0]
    reachable = np.isfinite(c) & available[None, :]
    prob = pulp.LpProblem("multiyear_regret", pulp.LpMinimize)
    open_var = {j: prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in np.flatnonzero(available).tolist()}
    for j in np.flatnonzero(forced).tolist():
        open_var[j].lowBound = 1
    regret = prob.add_variable("regret", 0, None, pulp.LpContinuous)
    rows_a, cols_a = np.nonzero(reachable)
    rows, cols = rows_a.tolist(), cols_a.tolist()
    serve = [prob.add_variable(f"serve_{i}_{j}", 0) for i, j in zip(rows, cols, strict=True)]
    starts = np.searchsorted(rows_a, np.arange(n + 1)).tolist()
    for i in range(n):
        terms = [(serve[k], 1.0) for k in range(starts[i], starts[i + 1])]
        prob.addConstraint(pulp.LpAffineExpression(terms) == 1, name=f"assign_{i}")
    for k, (i, j) in enumerate(zip(rows, cols, strict=True)):
        prob.addConstraint(pulp.LpAffineExpression([(serve[k], 1.0), (open_var[j], -1.0)]) <= 0, name=f"l_{i}_{j}")
    prob.addConstraint(pulp.LpAffineExpression([(v, 1.0) for v in open_var.values()]) == n_hubs, name="hubs")
    minutes = c[rows, cols]
    for y in range(wy.shape[0]):
        coef = wy[y, rows] * minutes
        expr = pulp.LpAffineExpression(zip(serve, coef.tolist(), strict=True))
        prob.addConstraint(expr - float(optima[y]) * regret <= float(optima[y]), name=f"year_{y}")
    if max_regret is None:
        prob.setObjective(pulp.LpAffineExpression([(regret, 1.0)]))
    else:
        regret.upBound = max_regret
        total = (year_weights @ wy)[rows] * minutes
        prob.setObjective(pulp.LpAffineExpression(zip(serve, total.tolist(), strict=True)))
    return prob, open_var


@dataclass(frozen=True)
class _Years:
    """The checked inputs of a multi-year solve, its rules, solver and deadline."""

    c: np.ndarray
    wy: np.ndarray
    a: np.ndarray
    labels: list
    n_hubs: int
    available: np.ndarray
    forced: np.ndarray
    solver: str
    mip_gap: float
    msg: bool
    deadline: float | None
    zids: list[str]
    sids: list[str]

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(self.deadline - _clock.now(), 1e-3)

    def p_median(self, weights: np.ndarray, time_limit: float | None) -> LocationResult:
        """One year's (or the weighted sum's) p-median under the same rules."""
        return solve_p_median(
            self.c, weights, self.n_hubs,
            rules=SiteRules.of(np.flatnonzero(self.forced), np.flatnonzero(~self.available)),
            zone_ids=self.zids, site_ids=self.sids,
            options=SolverOptions(self.solver, time_limit, self.mip_gap, self.msg),
        )  # fmt: skip


@dataclass
class _Found:
    chosen: list[int]
    optima: np.ndarray
    own: list[LocationResult]
    bound: float | None
    proven: bool
    stopped_by: str | None
    stages: list[dict]


def _weighted_sum(y: _Years, time_limit: float | None) -> _Found:
    """The weighted sum of the years' p-median objectives is one p-median, with the year-weighted demand."""
    res = y.p_median(y.a @ y.wy, time_limit)
    proven, stopped_by = (True, None) if res.report.is_optimal else (False, res.report.stopped_by)
    return _Found(
        [int(j) for j in res.open_sites], np.full(y.wy.shape[0], np.nan), [], res.report.bound, proven, stopped_by,
        [{"stage": "weighted sum", **res.report.to_dict()}],
    )  # fmt: skip


def _least_worst_regret(y: _Years) -> _Found:
    """Each year's own optimum, then the least worst regret, then the least weighted total within that regret."""
    c, wy, a, labels, n_hubs = y.c, y.wy, y.a, y.labels, y.n_hubs
    c_avail = np.where(y.available[None, :], c, np.inf)
    own: list[LocationResult] = []
    stages: list[dict] = []
    proven, stopped_by = True, None
    for t in range(wy.shape[0]):
        res = y.p_median(wy[t], y.remaining())
        own.append(res)
        stages.append({"stage": f"year {labels[t]} own optimum", **res.report.to_dict()})
        if not res.report.is_optimal:
            proven, stopped_by = False, f"year {labels[t]}'s own optimum not proven ({res.report.stopped_by})"
    optima = np.array([r.objective for r in own])
    prob, open_var = _regret_model(c, wy, optima, n_hubs, y.available, y.forced, a, None)
    rep1 = solve(prob, solver=y.solver, time_limit=y.remaining(), mip_gap=y.mip_gap, msg=y.msg)
    stages.append({"stage": "least worst regret", **rep1.to_dict()})
    if not rep1.has_solution:
        raise ModelError(f"the multi-year regret model found no solution: {rep1.describe()}")
    chosen = sorted(int(j) for j, v in open_var.items() if (v.varValue or 0.0) > 0.5)
    worst = float(relative_regret(year_objectives(c_avail, wy, chosen), optima).max())
    if not rep1.is_optimal:
        proven, stopped_by = False, stopped_by or f"{rep1.stopped_by} (regret stage)"
    prob2, open2 = _regret_model(c, wy, optima, n_hubs, y.available, y.forced, a, worst * (1 + 1e-9) + 1e-12)
    rep2 = solve(prob2, solver=y.solver, time_limit=y.remaining(), mip_gap=y.mip_gap, msg=y.msg)
    stages.append({"stage": "tie-break (least weighted total within that regret)", **rep2.to_dict()})
    if rep2.has_solution:
        alt = sorted(int(j) for j, v in open2.items() if (v.varValue or 0.0) > 0.5)
        if float(relative_regret(year_objectives(c_avail, wy, alt), optima).max()) <= worst + 1e-9:
            chosen = alt
        if not rep2.is_optimal:
            proven, stopped_by = False, stopped_by or f"{rep2.stopped_by} (tie-break stage)"
    else:
        proven, stopped_by = False, stopped_by or "time limit (tie-break stage)"
    return _Found(chosen, optima, own, rep1.bound, proven, stopped_by, stages)


def _checked_inputs(
    cost: np.ndarray,
    weights_by_year: np.ndarray,
    years: Sequence[int | str] | None,
    year_weights: Sequence[float] | None,
    zone_ids: Sequence[str] | None,
    site_ids: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray, list, np.ndarray, list[str], list[str]]:
    """The matrix, demand by year, year labels and weights, and identifiers, each checked."""
    wy = np.asarray(weights_by_year, dtype=float)
    if wy.ndim != 2:
        raise InputError("demand by year must be a (years x zones) table")
    n_years = wy.shape[0]
    for y in range(n_years):
        c, _, zids, sids = check_cost_and_weights(cost, wy[y], zone_ids, site_ids)
    labels = list(years) if years is not None else list(range(n_years))
    if len(labels) != n_years:
        raise InputError(f"{len(labels)} year labels for {n_years} years of demand")
    a = np.ones(n_years) if year_weights is None else np.asarray(year_weights, dtype=float)
    if a.shape != (n_years,) or not np.isfinite(a).all() or (a < 0).any() or a.sum() <= 0:
        raise InputError("year weights must be one finite, zero-or-positive number per year, not all zero")
    return c, wy, labels, a, zids, sids


def _refuse_stranded(c: np.ndarray, wy: np.ndarray, available: np.ndarray, zids: Sequence[str]) -> None:
    need = wy.sum(axis=0) > 0
    stranded = np.flatnonzero(need & ~(np.isfinite(c) & available[None, :]).any(axis=1))
    if stranded.size:
        names = name_list([zids[i] for i in stranded.tolist()])
        raise ModelError(
            f"{stranded.size} zone(s) cannot reach any available site: {names}; "
            "add a site they can reach, or check the travel-time matrix"
        )


def _per_year(
    labels: list,
    values: np.ndarray,
    optima: np.ndarray,
    own: list[LocationResult],
    regrets: np.ndarray,
    sids: Sequence[str],
    regret: bool,
) -> list[dict]:
    """Per year: the chosen set's objective and, for the regret model, that year's own optimum and the regret."""
    per_year = []
    for y, label in enumerate(labels):
        row = {"year": label, "chosen": float(values[y])}
        if regret:
            row.update(
                own_optimum=float(optima[y]),
                own_sites=[sids[j] for j in own[y].open_sites],
                own_status=own[y].report.status,
                regret=float(regrets[y]),
            )
        per_year.append(row)
    return per_year


def _largest_stage(stages: list[dict]) -> tuple[int, int, int]:
    """Variables, integer variables and constraints of the largest stage."""
    return (
        max((s.get("n_variables") or 0) for s in stages),
        max((s.get("n_integer_variables") or 0) for s in stages),
        max((s.get("n_constraints") or 0) for s in stages),
    )


def solve_multiyear(
    cost: np.ndarray,
    weights_by_year: np.ndarray,
    n_hubs: int,
    *,
    objective: str = "sum",
    year_weights: Sequence[float] | None = None,
    years: Sequence[int | str] | None = None,
    rules: SiteRules = NO_RULES,
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
) -> LocationResult:
    """Choose one set of ``n_hubs`` sites for several forecast years of demand.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where the site cannot be reached.
    weights_by_year : numpy.ndarray, shape (n_years, n_zones)
        Demand of each zone in each year.
    n_hubs : int
        Number of hubs (N).
    objective : {"sum", "regret"}
        Weighted sum of the years' p-median objectives, or the worst relative regret against each year's optimum.
    year_weights : sequence of float, optional
        Weight of each year in the sum (and in the regret model's tie-break); default 1 for every year.
    years : sequence, optional
        Labels of the years (default 0, 1, ...).
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`): ``solver``: MILP solver; ``time_limit``:
        seconds for the whole solve (every stage); a result not proven optimal is labelled ``"feasible"``;
        ``mip_gap``: relative gap at which each stage stops; ``msg``: show the solver logs.

    Returns
    -------
    LocationResult
        ``model`` is ``"multi-year sum"`` or ``"multi-year regret"``; ``objective`` the weighted sum (minutes x
        demand) or the worst regret (a fraction: 0.02 = 2 % worse than that year's own optimum). ``assignment`` and
        ``assigned_cost`` are the nearest open site per zone. ``parameters["per_year"]`` lists, per year, its own
        optimum (``own_optimum``, ``own_sites``, ``own_status``), the chosen set's objective (``chosen``) and
        its ``regret``; ``parameters["max_regret"]`` is the worst.

    Raises
    ------
    ModelError
        When the site rules cannot be met or a zone can reach no available site.
    """
    must_open, unavailable = rules.must_open, rules.unavailable
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    if objective not in OBJECTIVES:
        raise InputError(f"unknown multi-year objective {objective!r}", parameter="objective", hint="sum, regret")
    solver = check_solver_name(solver)
    start = time.perf_counter()
    start_clock = _clock.now()
    c, wy, labels, a, zids, sids = _checked_inputs(cost, weights_by_year, years, year_weights, zone_ids, site_ids)
    n_years = wy.shape[0]
    n_hubs = int(n_hubs)
    available, forced = site_rules(c.shape[1], n_hubs, must_open, unavailable, sids)
    _refuse_stranded(c, wy, available, zids)
    years_in = _Years(
        c, wy, a, labels, n_hubs, available, forced, solver, mip_gap, msg,
        None if time_limit is None else start_clock + float(time_limit), zids, sids,
    )  # fmt: skip
    found = _least_worst_regret(years_in) if objective == "regret" else _weighted_sum(years_in, time_limit)
    chosen, optima, stages = found.chosen, found.optima, found.stages
    c_avail = np.where(available[None, :], c, np.inf)
    values = year_objectives(c_avail, wy, chosen)
    regrets = relative_regret(values, optima) if objective == "regret" else np.full(n_years, np.nan)
    total = float(a @ values)
    value = float(regrets.max()) if objective == "regret" else total
    assignment, assigned_cost = nearest_open_assignment(c_avail, chosen)
    per_year = _per_year(labels, values, optima, found.own, regrets, sids, objective == "regret")
    report = checked_report(
        solver=solver,
        status="optimal" if found.proven else "feasible",
        stopped_by=None if found.proven else found.stopped_by,
        objective=value,
        bound=found.bound,
        size=_largest_stage(stages),
        seconds=time.perf_counter() - start,
        time_limit=time_limit,
        mip_gap=mip_gap,
    )
    return LocationResult(
        model=f"multi-year {objective}",
        open_sites=np.asarray(chosen, dtype=int),
        assignment=assignment,
        assigned_cost=assigned_cost,
        objective=value,
        report=report,
        parameters={
            "n_hubs": n_hubs,
            "objective": objective,
            "years": labels,
            "year_weights": a.tolist(),
            "weighted_total": total,
            "max_regret": float(regrets.max()) if objective == "regret" else None,
            "per_year": per_year,
            "stages": stages,
            "must_open": [sids[j] for j in np.flatnonzero(forced).tolist()],
            "unavailable": [sids[j] for j in np.flatnonzero(~available).tolist()],
            "solver": solver,
            "time_limit": time_limit,
            "mip_gap": mip_gap,
        },
    )
