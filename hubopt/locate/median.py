"""The p-median model: choose N hub sites that minimise demand-weighted travel time.

Formulation (Revelle and Swain 1970, strong linking form): binary ``open[j]``; continuous ``serve[i, j] >= 0``
only for candidate pairs (a finite travel time, within the optional cutoff ``max_minutes``, to an available site;
the optimum assigns every zone to its nearest open site, so assignments need not be integer);
``sum_j serve[i, j] = 1`` for each zone, ``serve[i, j] <= open[j]``, ``sum_j open[j] = N``, ``open[j] = 1`` for
must-open sites; minimise ``sum demand[i] * time[i, j] * serve[i, j]``.

How it is solved fast, yet proven optimal
-----------------------------------------
1. The candidate pairs are gathered into sparse arrays, zone by zone and nearest first (memory grows with the pairs
   kept, not with zones x sites).
2. A greedy heuristic (lazy evaluation) gives a first solution.
3. The LP relaxation is solved by HiGHS on a small subset of pairs (each zone's nearest sites) and grown by pricing:
   a missing pair has reduced cost ``demand[i] * time[i, j] - u[i]`` (``u`` the dual of zone i's assignment row);
   when none is negative the LP bound ``LB`` holds for the full model.
4. The LP solution is rounded and improved by vertex substitution (Teitz-Bart interchange in the fast form of
   Resende and Werneck 2007) to an incumbent of cost ``UB``.
5. Reduced-cost fixing: a solution that uses a pair (or opens a site) of reduced cost ``rc`` costs at least
   ``LB + rc``; pairs and sites with ``rc >= UB - LB`` cannot be part of any solution better than the incumbent
   and are left out.
6. What is left (usually a few percent of the pairs) is settled by the Lagrangian tree search of
   :mod:`hubopt.locate.lagrangian_tree`: a branch-and-bound over the sites whose nodes cost a few subgradient
   steps instead of an LP. When it finishes, the best solution is the optimum of the full model. With
   ``tree=False`` the remaining MIP is solved by the chosen solver instead, started from the incumbent, with a
   zero gap; its optimum (or the incumbent) is then the optimum of the full model, and its bound a bound for it.

Before a large first LP (more than :data:`SCREEN_PAIRS` pairs) sites are *screened*
(:func:`hubopt.locate.lagrangian.screen_sites`): the incumbent is improved by interchange, the Lagrangian bound is
raised by subgradient steps from the incumbent's times, and sites whose penalty lifts the bound to the incumbent's
cost are left out of the LP. When the bound itself reaches the incumbent's cost, the incumbent is proven optimal
without an LP.

``reduce=False`` skips steps 2-6 and hands the full model to the solver (the classic formulation).
The LP relaxation of steps 3 and 5 is always solved by HiGHS; the MIP by the chosen solver: HiGHS directly through
highspy, or CBC through a PuLP model.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hubopt.errors import InputError, ModelError
from hubopt.locate import _clock, lagrangian, lagrangian_tree, median_lp
from hubopt.locate._highs import HighsOutcome
from hubopt.locate.median_heuristics import evaluate, greedy, interchange
from hubopt.locate.median_lp import FIRST_PAIRS, LpBound, round_lp
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions
from hubopt.locate.pairs import (
    Pairs,
    candidate_pairs,
    nearest_open,
    site_rules,
    stranded_zones_error,
    subset_pairs,
)
from hubopt.locate.solution import LocationResult, check_cost_and_weights, nearest_open_assignment
from hubopt.locate.solve import check_solver_name, checked_report

#: Above this many pairs in the first LP, sites are screened first by a Lagrangian bound (see solve_p_median).
SCREEN_PAIRS = 40_000


def solve_p_median(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    *,
    rules: SiteRules = NO_RULES,
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
    max_minutes: float | None = None,
    reduce: bool = True,
    tree: bool = True,
) -> LocationResult:
    """Choose ``n_hubs`` sites minimising the demand-weighted travel time to the nearest open site.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes) from each zone to each site; ``inf`` where the site cannot be reached.
    weights : numpy.ndarray, shape (n_zones,)
        Demand of each zone (e.g. age-weighted population).
    n_hubs : int
        Number of hubs to open (N).
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`): ``solver``: MILP solver: HiGHS (directly,
        through highspy) or CBC (through a PuLP model); ``time_limit``: seconds for the whole solve; a time-limited
        result is labelled as such, never as optimal; ``mip_gap``: relative optimality gap at which to stop (0: prove
        optimality); ``msg``: show the MIP solver's log.
    max_minutes : float, optional
        Travel-time cutoff: pairs beyond it get no variable, so every zone must be served by an open site within
        ``max_minutes`` (a hard access standard). Memory then grows with the pairs kept, not zones x sites.
    reduce : bool
        Use the LP bound, a heuristic incumbent and reduced-cost fixing to shrink the MIP (default); False hands the
        full formulation to the solver.
    tree : bool
        When a gap remains after the LP bound, close it by the Lagrangian tree search
        (:mod:`hubopt.locate.lagrangian_tree`; default); False solves the remaining MIP with ``solver`` instead.

    Returns
    -------
    LocationResult
        ``report`` is the :class:`SolveReport` of the whole solve; ``parameters`` also records the LP bound and the
        number of pairs (candidate, and left in the MIP).

    Raises
    ------
    ModelError
        When the rules cannot be met, a zone has no available site it can reach (within ``max_minutes``), or no
        choice of N sites serves every zone within ``max_minutes``; naming the zones.
    """
    must_open, unavailable = rules.must_open, rules.unavailable
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    t0 = time.perf_counter()
    started = _clock.now()  # the time limit counts from here, input checks included
    name = check_solver_name(solver)
    if time_limit is not None and time_limit <= 0:
        raise InputError("the time limit must be a positive number of seconds", parameter="time_limit")
    if mip_gap < 0:
        raise InputError("the MIP gap must be zero or positive", parameter="mip_gap")
    if max_minutes is not None and not max_minutes >= 0:
        raise InputError("the travel-time limit must be zero or positive minutes", parameter="max_minutes")
    c, w, zids, sids = check_cost_and_weights(cost, weights, zone_ids, site_ids)
    n_hubs = int(n_hubs)
    available, forced = site_rules(c.shape[1], n_hubs, must_open, unavailable, sids)
    pairs = candidate_pairs(c, available, max_minutes)
    within = "" if max_minutes is None else f" within {max_minutes:g} minutes"
    stranded = np.flatnonzero(pairs.degree() == 0)
    if stranded.size:
        raise stranded_zones_error(stranded, zids, within)
    run = _Solve(
        c, w, pairs, n_hubs, forced, available, sids, max_minutes, name, time_limit, mip_gap, msg, t0,
        deadline=None if time_limit is None else started + time_limit, within=within,
    )  # fmt: skip
    if reduce:
        done = _reduce(run)
        if done is not None:
            return done
    if run.lp is not None and run.incumbent is not None and math.isfinite(run.ub) and tree:
        return _tree_search(run)
    return _mip_stages(run)


@dataclass
class _Solve:
    """One p-median solve: its checked inputs and rules, its clock, and the best solution and bounds so far."""

    c: np.ndarray
    w: np.ndarray
    pairs: Pairs
    n_hubs: int
    forced: np.ndarray
    available: np.ndarray
    sids: Sequence[str]
    max_minutes: float | None
    solver: str
    time_limit: float | None
    mip_gap: float
    msg: bool
    t0: float
    deadline: float | None
    within: str
    info: dict[str, object] = field(default_factory=dict)
    incumbent: np.ndarray | None = None
    ub: float = math.inf  # the incumbent's cost
    proven: float = -math.inf  # the best lower bound any stage proved for the full model
    lp: LpBound | None = None
    work: Pairs | None = None  # the pairs the LP and the tree work on (all, or those of the screened sites)
    work_sites: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.info["candidate_pairs"] = self.pairs.size
        self.work, self.work_sites = self.pairs, self.available

    def evaluate(self, is_open: np.ndarray) -> float:
        """The full model's cost of a set of open sites."""
        return evaluate(self.pairs, self.w, is_open)

    def improve(self, start: np.ndarray) -> None:
        """Improve ``start`` by interchange; keep it when it beats the incumbent."""
        value = self.evaluate(start)
        if math.isfinite(value):
            start = interchange(self.pairs, self.w, start, self.forced, self.available, deadline=self.deadline)
            value = self.evaluate(start)
        if value < self.ub:
            self.incumbent, self.ub = start, value

    def select(self, slack: float) -> tuple[Pairs, np.ndarray]:
        """Pairs and sites of reduced cost below ``slack``, plus the incumbent's sites and pairs."""
        assert self.lp is not None and self.incumbent is not None
        assert self.work is not None and self.work_sites is not None
        ((_t, s_inc),) = nearest_open(self.work, self.incumbent)
        keep_site = ((self.lp.site_rc < slack) | self.incumbent) & self.work_sites
        keep = ((self.lp.pair_rc < slack) | (self.work.cols == s_inc[self.work.rows])) & keep_site[self.work.cols]
        return subset_pairs(self.work, keep), np.flatnonzero(keep_site)

    def result(
        self, status: str, stopped_by: str | None, bound: float | None, size: tuple[int, int, int] = (0, 0, 0)
    ) -> LocationResult:
        """The incumbent as the solve's result, with the solve's status and bound."""
        assert self.incumbent is not None
        return _result(
            self.c, self.w, self.incumbent, self.max_minutes, self.t0, self.solver, status, stopped_by, self.ub,
            bound, size, self.time_limit, self.mip_gap, self.n_hubs, self.forced, self.available, self.sids,
            self.info,
        )  # fmt: skip


def _tolerance(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


def _reduce(run: _Solve) -> LocationResult | None:
    """Steps 2-5: greedy start, screening, the LP bound by pricing, rounding and interchange.

    Returns the result when these alone prove it (or time runs out); otherwise None, with ``run.lp`` set (or left
    None when the restricted LP was infeasible, so the full model is solved instead).
    """
    pairs, w = run.pairs, run.w
    run.incumbent = greedy(pairs, w, run.n_hubs, run.forced, run.available)
    run.ub = run.evaluate(run.incumbent)
    first = max(3, math.ceil(FIRST_PAIRS * int(run.available.sum()) / run.n_hubs))
    if math.isfinite(run.ub) and pairs.n_zones * first > SCREEN_PAIRS:
        done = _screen(run)  # a large first LP: screen sites first with the Lagrangian penalty test
        if done is not None:
            return done
    assert run.work is not None and run.work_sites is not None
    out = median_lp.lp_bound(run.work, w, run.n_hubs, run.forced, run.work_sites, run.incumbent, run.deadline)
    if isinstance(out, HighsOutcome):
        if out.status == "infeasible":
            # The first LP holds only each zone's nearest pairs, and with unreachable pairs it can be infeasible
            # when the full model is not: decide on the full model instead (its infeasibility is then real).
            run.info["reduction"] = "skipped: the restricted LP was infeasible, so the full model was solved"
            if not math.isfinite(run.ub):
                run.incumbent, run.ub = None, math.inf
            return None
        if math.isfinite(run.ub):
            return run.result("feasible", out.stopped_by, _bound_below(run.proven, run.ub))
        raise ModelError(f"the p-median model has no solution: stopped by {out.stopped_by or out.model_status}")
    lp = run.lp = out
    # Over screened sites the LP bounds only the solutions without excluded sites; the others cost at least ub.
    lp.lower = min(lp.lower, run.ub)
    run.proven = max(run.proven, lp.lower)
    run.info.update(lp_bound=lp.lower, lp_rounds=lp.rounds, lp_pairs=lp.lp_pairs)
    # Incumbent: the better of greedy and the rounded LP, each improved by interchange.
    for start in (run.incumbent, round_lp(lp.lp_open, run.n_hubs, run.forced, run.available)):
        run.improve(start)
    run.info["heuristic_objective"] = run.ub
    if run.ub <= lp.lower + max(run.mip_gap * abs(run.ub), 1e-9 * max(1.0, abs(run.ub))):
        return run.result("optimal", None, lp.lower)  # the incumbent meets the LP bound: proven without branching
    return None


def _screen(run: _Solve) -> LocationResult | None:
    """Leave out the sites the Lagrangian penalty test excludes; return the result when the bound proves it."""
    assert run.incumbent is not None
    pairs, w = run.pairs, run.w
    run.incumbent = interchange(pairs, w, run.incumbent, run.forced, run.available, deadline=run.deadline)
    run.ub = run.evaluate(run.incumbent)
    ((t_inc, _s),) = nearest_open(pairs, run.incumbent)
    root_bound, screened = lagrangian.screen_sites(
        pairs, w, w * t_inc, run.n_hubs, run.forced, run.available, run.ub, deadline=run.deadline
    )
    screened |= run.incumbent
    run.proven = max(run.proven, root_bound)
    run.info.update(lagrangian_bound=root_bound, screened_sites=[int(run.available.sum()), int(screened.sum())])
    if root_bound >= lagrangian.proves(run.ub, run.mip_gap):
        run.info["heuristic_objective"] = run.ub
        return run.result("optimal", None, min(root_bound, run.ub))
    # Sites the test excluded cannot be part of a solution better than the incumbent.
    run.work, run.work_sites = subset_pairs(pairs, screened[pairs.cols]), screened
    return None


def _tree_search(run: _Solve) -> LocationResult:
    """Step 6: the Lagrangian tree search closes the gap.

    Every solution better than the incumbent uses only the pairs and sites of reduced cost below ub - LB, and the
    search (:mod:`hubopt.locate.lagrangian_tree`) settles them all.
    """
    lp = run.lp
    assert lp is not None
    tree_pairs, tree_sites = run.select(run.ub - lp.lower + _tolerance(run.ub))
    allowed_tree = np.zeros(run.c.shape[1], dtype=bool)
    allowed_tree[tree_sites] = True
    found = lagrangian_tree.search(
        tree_pairs, run.w, lp.u, run.n_hubs, run.forced, allowed_tree, run.ub, run.evaluate,
        mip_gap=run.mip_gap, deadline=run.deadline,
    )  # fmt: skip
    run.info["tree"] = {
        "sites": int(tree_sites.size),
        "pairs": tree_pairs.size,
        "nodes": found.nodes,
        "finished": found.finished,
        "seconds": round(found.seconds, 3),
    }
    if found.is_open is not None and found.value < run.ub:
        run.incumbent, run.ub = found.is_open, found.value
    status, stopped_by = ("optimal", None) if found.finished else ("feasible", "time limit")
    return run.result(status, stopped_by, _bound_below(max(run.proven, found.bound), run.ub))


def _mip_stages(run: _Solve) -> LocationResult:
    """Step 6 with ``tree=False`` (or without the reduction): close the gap by MIPs over the pairs left.

    First a MIP over the pairs within a quarter of the slack (cheap, and usually finds the optimum), then, unless
    that already proves it, over all pairs within the (new, smaller) slack; without an LP bound, the full model.
    """
    lp = run.lp
    stages: list[float | None] = [None] if lp is None or not math.isfinite(run.ub) else [0.25, 1.0]
    size = (0, 0, 0)
    for fraction in stages:
        if fraction is None:
            stage_pairs, stage_sites, threshold = run.pairs, np.flatnonzero(run.available), math.inf
        else:
            assert lp is not None
            threshold = fraction * (run.ub - lp.lower) + _tolerance(run.ub)
            stage_pairs, stage_sites = run.select(threshold)
            if fraction < 1:
                full_pairs, _ = run.select(run.ub - lp.lower + _tolerance(run.ub))
                if stage_pairs.size > 0.5 * full_pairs.size:
                    continue  # a first stage would not be much smaller
        run.info.setdefault("mip_pairs", []).append(stage_pairs.size)  # type: ignore[attr-defined]
        run.info.setdefault("mip_sites", []).append(int(stage_sites.size))  # type: ignore[attr-defined]
        remaining = None if run.deadline is None else run.deadline - _clock.now()
        if remaining is not None and remaining <= 0:
            if run.incumbent is not None and math.isfinite(run.ub):
                return run.result("feasible", "time limit", _bound_below(run.proven, run.ub), size)
            raise ModelError("the p-median model has no solution: stopped by the time limit")
        ub_selected = run.ub
        mip = median_lp.solve_mip(
            stage_pairs, run.w, stage_sites, run.n_hubs, run.forced, run.incumbent, run.solver, remaining,
            run.mip_gap, run.msg,
        )  # fmt: skip
        size = (mip.n_variables, mip.n_integer, mip.n_constraints)
        if mip.status == "infeasible" and run.incumbent is None:
            _raise_infeasible(run.n_hubs, run.within)
        if mip.is_open is not None:
            value = run.evaluate(mip.is_open)
            if value <= run.ub:
                run.incumbent, run.ub = mip.is_open, value
        if run.incumbent is None or not math.isfinite(run.ub):
            raise ModelError(f"the p-median model has no solution: {mip.status}, stopped by {mip.stopped_by}")
        lower = _bound_below(run.proven, run.ub)
        if mip.status in ("optimal", "infeasible"):
            stage_bound = mip.bound if mip.status == "optimal" else math.inf
            # Every solution cheaper than ``ub`` uses only pairs and sites of reduced cost below ub - LB: when those
            # all lie in this stage, the stage's bound holds for the full model.
            covers = fraction is None or (lp is not None and run.ub - lp.lower + _tolerance(run.ub) <= threshold)
            if covers:
                bound = min(run.ub, stage_bound) if stage_bound is not None else None
                if lower is not None:
                    bound = lower if bound is None else max(bound, lower)
                return run.result("optimal", None, bound, size)
            continue
        # Stopped early (time limit...): the incumbent stands; a stage bound counts only when the stage covered
        # every solution cheaper than the incumbent it was selected with.
        bound = _bound_below(run.proven, run.ub)
        if mip.bound is not None and (fraction is None or fraction >= 1):
            stage = min(ub_selected, mip.bound) if fraction is not None else mip.bound
            bound = stage if bound is None else max(bound, stage)
        no_answer = "time limit" if run.time_limit is not None else "the solver found no solution"
        stopped_by = mip.stopped_by or no_answer
        return run.result("feasible", stopped_by, bound, size)
    raise AssertionError("the last stage always returns")  # pragma: no cover


def _bound_below(bound: float, ub: float) -> float | None:
    """A proven lower bound for the report (at most the incumbent's cost ``ub``), None when nothing was proven."""
    return min(bound, ub) if math.isfinite(bound) else None


def _raise_infeasible(n_hubs: int, within: str) -> None:
    raise ModelError(
        f"no choice of {n_hubs} hubs serves every zone{within}: the p-median model is infeasible; "
        "raise the number of hubs or the travel-time limit"
    )


def _result(
    c: np.ndarray,
    w: np.ndarray,
    is_open: np.ndarray,
    max_minutes: float | None,
    t0: float,
    solver: str,
    status: str,
    stopped_by: str | None,
    objective: float,
    bound: float | None,
    size: tuple[int, int, int],
    time_limit: float | None,
    mip_gap: float,
    n_hubs: int,
    forced: np.ndarray,
    available: np.ndarray,
    sids: Sequence[str],
    info: dict[str, object],
) -> LocationResult:
    chosen = np.flatnonzero(is_open)
    sub = c[:, chosen]
    if max_minutes is not None:
        sub = np.where(sub <= max_minutes, sub, np.inf)
    local, assigned_cost = nearest_open_assignment(sub, range(chosen.size))
    assignment = np.where(local >= 0, chosen[np.maximum(local, 0)], -1)
    value = float(np.dot(w, np.where(np.isfinite(assigned_cost), assigned_cost, 0.0)))
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
        model="p-median",
        open_sites=chosen.astype(int),
        assignment=assignment.astype(int),
        assigned_cost=assigned_cost,
        objective=value,
        report=report,
        parameters={
            "n_hubs": int(n_hubs),
            "must_open": [sids[j] for j in np.flatnonzero(forced).tolist()],
            "unavailable": [sids[j] for j in np.flatnonzero(~available).tolist()],
            "solver": solver,
            "time_limit": time_limit,
            "mip_gap": mip_gap,
            "max_minutes": max_minutes,
            **info,
        },
    )
