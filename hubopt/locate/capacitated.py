"""Capacitated hubs with costs and a budget: how many hubs can be supported, staffed and paid for, and where.

Every open hub must serve demand between a minimum (a hub must be "bigger than cluster level": the scenario sets
the population it needs to be viable) and a maximum (what its staff and space can take: a per-site ``capacity`` and
a global ``max_demand``). Fixed running costs (reusing existing estate is usually cheaper than a new build) trade off
against travel with a stated weight; capital costs must fit a capital budget; at most K new builds may open.

Formulation (mixed-integer; zones with zero demand are left out and sent to their nearest open hub afterwards):

* binary ``open[j]`` for each site that may open (``open[j] = 1`` for must-open sites);
* ``serve[i, j]``, the share of zone i's demand served by site j, only for pairs with a finite travel time (and,
  under single assignment, only where the site's capacity can take the whole zone): binary when
  ``single_assignment`` (a zone goes to exactly one hub), otherwise continuous in [0, 1] (demand may be split);
* ``sum_j serve[i, j] = 1`` for every zone; ``serve[i, j] <= open[j]``;
* ``min_demand * open[j] <= sum_i demand[i] * serve[i, j] <= min(capacity[j], max_demand) * open[j]``;
* ``sum_j open[j] = N`` when ``n_hubs`` is given (otherwise the number is free and chosen by the objective);
* ``sum_j capital_cost[j] * open[j] <= budget``; ``sum_{j new build} open[j] <= max_new_build``;
* minimise ``sum_ij demand[i] * minutes[i, j] * serve[i, j] + cost_weight * sum_j fixed_cost[j] * open[j]``.

With a capacity, zones do not always go to their nearest open hub: the assignment is part of the answer.

How it is solved: by a Lagrangian tree search over the sites (:mod:`hubopt.locate.capacitated_tree`: a knapsack
bound per site, the transportation LP of each set of sites, and a small MIP per set for single assignment), which
proves the same optimum as the MIP below. With a free number of hubs it runs once per number the hub sizes allow
(when at most eight), each run looking only for answers better than the best so far. Otherwise (more numbers, CBC,
or ``method="mip"``) the MIP is handed whole to the solver.

The site set may include sites outside the study area (neighbouring areas' hubs can be closer for people on the
border): give them columns in the travel-time matrix like any other site, with their own capacity and costs.

Before solving, the rules are checked one by one and any that cannot be met is reported in estates terms (demand
beyond the total capacity, a zone too big for any hub it can reach, must-open sites beyond the budget, ...). When
the solver still proves the rules infeasible together, the message lists the rules in force and, by re-solving with
each rule relaxed in turn, which single relaxation would make a solution possible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pulp

from hubopt.errors import InputError, ModelError
from hubopt.locate.capacitated_checks import CapacitySpec as _Spec
from hubopt.locate.capacitated_checks import check_rule_values, site_array
from hubopt.locate.capacitated_checks import fmt_amount as _fmt
from hubopt.locate.capacitated_tree import solve_by_tree, solve_over_counts, tree_figures
from hubopt.locate.options import (
    DEFAULT_OPTIONS,
    NO_CAPACITY_LIMITS,
    NO_RULES,
    CapacitySettings,
    SiteRules,
    SolverOptions,
)
from hubopt.locate.pairs import site_masks
from hubopt.locate.solution import (
    LocationResult,
    check_cost_and_weights,
    name_list,
    nearest_open_assignment,
)
from hubopt.locate.solve import SolveReport, check_solver_name, solve

#: How the model may be solved (see ``solve_facility_location``'s ``method``).
METHODS = ("tree", "mip")

#: Rule groups that the infeasibility diagnosis relaxes one at a time.
RULES = {
    "n_hubs": "the number of hubs",
    "min_demand": "the minimum demand per hub",
    "capacity": "the hub capacities (maximum demand per hub)",
    "budget": "the capital budget",
    "max_new_build": "the new-build limit",
    "must_open": "the must-open sites",
    "single_assignment": "single assignment (each zone to one hub)",
}


def _zone(name: str) -> str:
    return name if name.startswith("zone ") else f"zone {name}"


def _prechecks(s: _Spec, available: np.ndarray) -> list[str]:
    """Problems that make the model infeasible, found without a solver, in estates terms."""
    problems: list[str] = []
    w, c, total = s.w, s.cost, float(s.w.sum())
    pos = w > 0
    n = s.n_hubs
    if n is not None:
        if n < 1:
            problems.append(f"the number of hubs must be at least 1 (it is {n})")
        if n > int(available.sum()):
            problems.append(
                f"{n} hubs were asked for but only {int(available.sum())} sites are available "
                f"({len(s.sids) - int(available.sum())} unavailable); lower the number of hubs or add candidate sites"
            )
        if int(s.forced.sum()) > n:
            problems.append(
                f"{int(s.forced.sum())} sites must stay open but only {n} hubs were asked for; "
                "raise the number of hubs or relax the must-open rule"
            )
    too_small = available & (s.upper < s.lower)
    if n is not None and int(available.sum()) >= n > int(s.openable.sum()):
        problems.append(
            f"only {int(s.openable.sum())} available sites can take the minimum of {_fmt(s.lower)} per hub "
            f"(the others' capacity is smaller), fewer than the {n} hubs asked for"
        )
    for j in np.flatnonzero(too_small & s.forced):
        problems.append(
            f"must-open site {s.sids[j]} can serve at most {_fmt(s.upper[j])} but every hub must serve at least "
            f"{_fmt(s.lower)}; raise its capacity, lower the minimum, or drop the must-open rule"
        )
    reach = np.isfinite(c) & s.openable[None, :]
    stranded = np.flatnonzero(pos & ~reach.any(axis=1))
    if stranded.size:
        problems.append(
            f"{stranded.size} zone(s) with demand cannot reach any site that may open: "
            f"{name_list([s.zids[i] for i in stranded])}; add a site they can reach, or check the travel-time matrix"
        )
    cap = np.where(s.openable, s.upper, 0.0)
    if np.isfinite(cap).all():
        if total > cap.sum() + 1e-9:
            problems.append(
                f"demand ({_fmt(total)}) exceeds the total capacity of all sites that may open "
                f"({_fmt(cap.sum())}) by {_fmt(total - cap.sum())}; add capacity or sites"
            )
        elif n is not None and n <= int(s.openable.sum()):
            others = np.sort(cap[s.openable & ~s.forced])[::-1]
            best = cap[s.forced].sum() + others[: max(n - int(s.forced.sum()), 0)].sum()
            if total > best + 1e-9:
                problems.append(
                    f"demand ({_fmt(total)}) exceeds the largest capacity {n} hubs can offer ({_fmt(best)}) by "
                    f"{_fmt(total - best)}; open more hubs or add capacity"
                )
    for i in np.flatnonzero(pos & reach.any(axis=1)):
        reachable_cap = cap[reach[i]]
        limit = reachable_cap.max() if s.single else reachable_cap.sum()
        if w[i] > limit + 1e-9:
            what = "every site it can reach (largest" if s.single else "all the sites it can reach together (total"
            problems.append(
                f"{_zone(s.zids[i])}'s demand ({_fmt(w[i])}) exceeds the capacity of {what}: {_fmt(limit)})"
                + ("; allow split assignment, or add capacity" if s.single else "; add capacity it can reach")
            )
    if s.lower > 0:
        if s.lower > total + 1e-9:
            problems.append(
                f"every hub must serve at least {_fmt(s.lower)} but the total demand is only {_fmt(total)}: "
                "not even one hub can be supported; lower the minimum"
            )
        elif n is not None and s.lower * n > total + 1e-9:
            problems.append(
                f"{n} hubs each serving at least {_fmt(s.lower)} need {_fmt(s.lower * n)} but the total demand is "
                f"{_fmt(total)} (short by {_fmt(s.lower * n - total)}); open fewer hubs or lower the minimum"
            )
        elif s.lower * int(s.forced.sum()) > total + 1e-9:
            problems.append(
                f"the {int(s.forced.sum())} must-open sites each need at least {_fmt(s.lower)} "
                f"({_fmt(s.lower * int(s.forced.sum()))} in all) but the total demand is {_fmt(total)}"
            )
        for j in np.flatnonzero(s.forced):
            reachable_demand = float(w[np.isfinite(c[:, j])].sum())
            if reachable_demand < s.lower - 1e-9:
                problems.append(
                    f"must-open site {s.sids[j]} can be reached by only {_fmt(reachable_demand)} of demand, "
                    f"below the minimum of {_fmt(s.lower)} per hub"
                )
    if s.capital is not None and s.budget is not None:
        must_cost = float(s.capital[s.forced].sum())
        if must_cost > s.budget + 1e-9:
            problems.append(
                f"the must-open sites' capital cost ({_fmt(must_cost)}) exceeds the capital budget "
                f"({_fmt(s.budget)}) by {_fmt(must_cost - s.budget)}; raise the budget or relax the must-open rule"
            )
        elif n is not None and n <= int(s.openable.sum()):
            cheapest = must_cost + np.sort(s.capital[s.openable & ~s.forced])[: max(n - int(s.forced.sum()), 0)].sum()
            if cheapest > s.budget + 1e-9:
                problems.append(
                    f"the cheapest {n} hubs (must-open sites included) cost {_fmt(cheapest)} in capital, over the "
                    f"budget of {_fmt(s.budget)} by {_fmt(cheapest - s.budget)}; raise the budget or open fewer hubs"
                )
    if s.max_new_build is not None:
        forced_new = int((s.forced & s.new_build).sum())
        if forced_new > s.max_new_build:
            problems.append(
                f"{forced_new} must-open sites are new builds but at most {s.max_new_build} new builds may open"
            )
        if n is not None:
            most = int((s.openable & ~s.new_build).sum()) + min(
                s.max_new_build, int((s.openable & s.new_build).sum())
            )
            if most < n:
                problems.append(
                    f"with at most {s.max_new_build} new builds only {most} sites can open, fewer than the {n} hubs "
                    "asked for; allow more new builds or open fewer hubs"
                )
    return problems


def _rules_in_force(s: _Spec) -> dict[str, str]:
    rules: dict[str, str] = {}
    if s.n_hubs is not None:
        rules["n_hubs"] = f"exactly {s.n_hubs} hubs"
    if s.lower > 0:
        rules["min_demand"] = f"each open hub serves at least {_fmt(s.lower)}"
    limited = np.isfinite(s.upper) & s.openable
    if limited.any():
        rules["capacity"] = f"{int(limited.sum())} sites have a maximum demand"
    if s.budget is not None and s.capital is not None:
        rules["budget"] = f"capital budget {_fmt(s.budget)}"
    if s.max_new_build is not None:
        rules["max_new_build"] = f"at most {s.max_new_build} new builds"
    if s.forced.any():
        rules["must_open"] = f"must open: {name_list([s.sids[j] for j in np.flatnonzero(s.forced)])}"
    if s.single and (s.lower > 0 or limited.any()):
        rules["single_assignment"] = "each zone is served by one hub"
    return rules


def _build(s: _Spec, drop: frozenset[str] = frozenset()) -> tuple[pulp.LpProblem, dict, list, np.ndarray, np.ndarray]:
    w, c = s.w, s.cost
    pos = np.flatnonzero(w > 0)
    single = s.single and "single_assignment" not in drop
    upper = s.upper if "capacity" not in drop else np.full_like(s.upper, np.inf)
    lower = 0.0 if "min_demand" in drop else s.lower
    forced = s.forced if "must_open" not in drop else np.zeros_like(s.forced)
    openable = s.openable
    prob = pulp.LpProblem("capacitated_hubs", pulp.LpMinimize)
    open_var = {j: prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in np.flatnonzero(openable).tolist()}
    for j in np.flatnonzero(forced).tolist():
        open_var[j].lowBound = 1
    ok = np.isfinite(c[pos]) & openable[None, :]
    if single:
        ok &= w[pos][:, None] <= upper[None, :] + 1e-9
    r, cols = np.nonzero(ok)
    rows = pos[r]
    cat = pulp.LpBinary if single else pulp.LpContinuous
    serve = [prob.add_variable(f"serve_{i}_{j}", 0, 1, cat) for i, j in zip(rows, cols, strict=True)]
    travel = pulp.LpAffineExpression(zip(serve, (w[rows] * c[rows, cols]).tolist(), strict=True))
    fixed = pulp.LpAffineExpression(
        [(open_var[j], s.cost_weight * float(s.fixed[j])) for j in open_var if s.cost_weight * s.fixed[j] != 0]
    )
    prob.setObjective(travel + fixed)
    starts = np.searchsorted(r, np.arange(len(pos) + 1))
    for k, i in enumerate(pos):
        terms = [(serve[t], 1.0) for t in range(starts[k], starts[k + 1])]
        prob.addConstraint(pulp.LpAffineExpression(terms) == 1, name=f"assign_{i}")
    by_site: dict[int, list[int]] = {}
    for t, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        link = pulp.LpAffineExpression([(serve[t], 1.0), (open_var[j], -1.0)])
        prob.addConstraint(link <= 0, name=f"link_{i}_{j}")
        by_site.setdefault(j, []).append(t)
    for j, ts in by_site.items():
        load = pulp.LpAffineExpression([(serve[t], float(w[rows[t]])) for t in ts])
        if np.isfinite(upper[j]):
            prob.addConstraint(load - float(upper[j]) * open_var[j] <= 0, name=f"max_{j}")
        if lower > 0:
            prob.addConstraint(load - lower * open_var[j] >= 0, name=f"min_{j}")
    if lower > 0:  # a site that no zone can reach cannot meet the minimum
        for j in open_var:
            if j not in by_site:
                open_var[j].upBound = 0
    count = pulp.LpAffineExpression([(v, 1.0) for v in open_var.values()])
    if s.n_hubs is not None and "n_hubs" not in drop:
        prob.addConstraint(count == s.n_hubs, name="hubs")
    else:  # valid counting cuts that tighten the relaxation when the number of hubs is free
        total = float(w.sum())
        if lower > 0:
            prob.addConstraint(count <= int(np.floor(total / lower + 1e-9)), name="most_hubs")
        biggest = float(np.max(np.where(openable, upper, 0.0)))
        if np.isfinite(biggest) and biggest > 0:
            prob.addConstraint(count >= int(np.ceil(total / biggest - 1e-9)), name="fewest_hubs")
    if s.budget is not None and s.capital is not None and "budget" not in drop:
        terms = [(open_var[j], float(s.capital[j])) for j in open_var if s.capital[j] != 0]
        prob.addConstraint(pulp.LpAffineExpression(terms) <= s.budget, name="budget")
    if s.max_new_build is not None and "max_new_build" not in drop:
        terms = [(open_var[j], 1.0) for j in open_var if s.new_build[j]]
        prob.addConstraint(pulp.LpAffineExpression(terms) <= s.max_new_build, name="new_build")
    for k, sol in enumerate(s.exclude):
        inside = set(sol)
        if not inside <= set(open_var):
            continue  # a set that cannot open anyway needs no cut
        terms = [(v, 1.0 if j in inside else -1.0) for j, v in open_var.items()]
        prob.addConstraint(pulp.LpAffineExpression(terms) <= len(inside) - 1, name=f"exclude_{k}")
    return prob, open_var, serve, rows, cols


def _diagnose(s: _Spec, solver: str, time_limit: float | None) -> str:
    rules = _rules_in_force(s)
    text = "rules in force: " + "; ".join(rules.values()) if rules else "no rules beyond serving every zone"
    if s.exclude:
        text += f"; {len(s.exclude)} earlier solution(s) excluded"
    fixes = []
    for key in rules:
        prob, *_ = _build(s, frozenset({key}))
        rep = solve(prob, solver=solver, time_limit=min(time_limit or 10.0, 10.0))
        if rep.has_solution:
            fixes.append(RULES[key])
    if fixes:
        text += ". Relaxing any one of these alone makes a solution possible: " + ", ".join(fixes)
    elif rules:
        text += ". No single rule relaxed on its own makes a solution possible: relax two or more"
    return text


def _read_solution(
    spec: _Spec, open_var: dict, serve: list, rows: np.ndarray, cols: np.ndarray, available: np.ndarray
) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """The open sites, each zone's shares, its main hub and its share-weighted travel time, from the solved model."""
    n, m = spec.cost.shape
    chosen = sorted(int(j) for j, v in open_var.items() if (v.varValue or 0.0) > 0.5)
    share = np.zeros((n, m))
    values = np.array([v.varValue or 0.0 for v in serve])
    share[rows, cols] = np.clip(values, 0.0, 1.0)
    return (chosen, *_served_by(spec, chosen, share, available))


def _served_by(
    spec: _Spec, chosen: list[int], share: np.ndarray, available: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each zone's shares (normalised, open sites only), its main hub and its share-weighted travel time; zones
    without demand go to their nearest open site."""
    c = spec.cost
    m = c.shape[1]
    if spec.single:
        share = (share > 0.5).astype(float)
    share[:, [j for j in range(m) if j not in chosen]] = 0.0
    has = share.sum(axis=1) > 0
    share[has] /= share[has].sum(axis=1, keepdims=True)
    assignment, assigned_cost = nearest_open_assignment(np.where(available[None, :], c, np.inf), chosen)
    assignment[has] = np.argmax(share[has], axis=1)
    assigned_cost[has] = (share[has] * np.where(share[has] > 0, c[has], 0.0)).sum(axis=1)
    return share, assignment, assigned_cost


def _result(
    spec: _Spec,
    report: SolveReport,
    chosen: list[int],
    share: np.ndarray,
    assignment: np.ndarray,
    assigned_cost: np.ndarray,
    rules: dict[str, Any],
    solved: dict[str, Any],
) -> LocationResult:
    """The solved model as a result: travel, costs, loads, split zones and the rules in force."""
    w, sids, zids = spec.w, spec.sids, spec.zids
    has = share.sum(axis=1) > 0
    load = w @ share
    travel = float(np.dot(w[has], assigned_cost[has]))
    fixed_total = float(spec.fixed[chosen].sum())
    objective = travel + spec.cost_weight * fixed_total
    split = [
        {"zone": zids[i], "site": sids[j], "share": float(share[i, j])}
        for i in np.flatnonzero((share > 1e-9).sum(axis=1) > 1)
        for j in np.flatnonzero(share[i] > 1e-9)
    ]
    return LocationResult(
        model="capacitated",
        open_sites=np.asarray(chosen, dtype=int),
        assignment=assignment,
        assigned_cost=assigned_cost,
        objective=objective,
        report=report,
        parameters={
            "n_hubs": spec.n_hubs,
            "n_open": len(chosen),
            "min_demand": rules["min_demand"],
            "max_demand": rules["max_demand"],
            "single_assignment": spec.single,
            "cost_weight": spec.cost_weight,
            "budget": spec.budget,
            "max_new_build": spec.max_new_build,
            "travel": travel,
            "fixed_cost_total": fixed_total,
            "capital_cost_total": None if spec.capital is None else float(spec.capital[chosen].sum()),
            "new_builds_open": int(spec.new_build[chosen].sum()),
            "load": {sids[j]: float(load[j]) for j in chosen},
            "split": split,
            "rules": list(_rules_in_force(spec).values()),
            "must_open": [sids[j] for j in np.flatnonzero(spec.forced)],
            "unavailable": [sids[j] for j in np.flatnonzero(~rules["available"])],
            "excluded_solutions": len(spec.exclude),
            **solved,
        },
    )


def _make_spec(
    c: np.ndarray,
    w: np.ndarray,
    zids: list[str],
    sids: list[str],
    n_hubs: int | None,
    settings: CapacitySettings,
    rules: SiteRules,
    exclude_solutions: Sequence[Sequence[int]],
) -> tuple[_Spec, np.ndarray]:
    """The model's checked inputs (``settings``' per-site arrays checked and NaN-free, the demand bounds per site),
    and which sites are available."""
    s = settings
    m = c.shape[1]
    cap = site_array(s.capacity, m, "capacity", nan_ok=True)
    fixed = site_array(s.fixed_cost, m, "fixed_cost", nan_ok=s.cost_weight == 0)
    capital = site_array(s.capital_cost, m, "capital_cost", nan_ok=s.budget is None)
    check_rule_values(
        fixed, capital, s.cost_weight, s.min_demand, s.max_demand, s.budget, s.max_new_build, s.is_new_build
    )
    new_build = np.zeros(m, dtype=bool) if s.is_new_build is None else np.asarray(s.is_new_build, dtype=bool)
    if new_build.shape != (m,):
        raise InputError(f"is_new_build must have one value per site ({m})", parameter="is_new_build")
    available, forced = site_masks(m, rules.must_open, rules.unavailable, sids)
    upper = np.full(m, np.inf) if cap is None else np.where(np.isnan(cap), np.inf, cap)
    if s.max_demand is not None:
        upper = np.minimum(upper, float(s.max_demand))
    lower = float(s.min_demand or 0.0)
    spec = _Spec(
        cost=c,
        w=w,
        zids=zids,
        sids=sids,
        n_hubs=None if n_hubs is None else int(n_hubs),
        lower=lower,
        upper=upper,
        single=bool(s.single_assignment),
        fixed=np.zeros(m) if fixed is None else np.nan_to_num(fixed),
        capital=None if capital is None else np.nan_to_num(capital),
        budget=None if s.budget is None else float(s.budget),
        new_build=new_build,
        max_new_build=None if s.max_new_build is None else int(s.max_new_build),
        cost_weight=float(s.cost_weight),
        openable=available & (upper >= lower),
        forced=forced,
        exclude=[sorted(int(j) for j in sol) for sol in exclude_solutions],
    )
    return spec, available


def solve_facility_location(
    cost: np.ndarray,
    weights: np.ndarray,
    *,
    n_hubs: int | None = None,
    settings: CapacitySettings = NO_CAPACITY_LIMITS,
    rules: SiteRules = NO_RULES,
    exclude_solutions: Sequence[Sequence[int]] = (),
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
    diagnose: bool = True,
    method: str = "tree",
) -> LocationResult:
    """Choose hub sites and assign zones to them under capacity, minimum size, cost, budget and site rules.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where the site cannot be reached. The sites may include sites outside the
        study area that are allowed to serve it.
    weights : numpy.ndarray, shape (n_zones,)
        Demand of each zone (the unit of ``min_demand``, ``max_demand`` and ``capacity``).
    n_hubs : int, optional
        Exactly this many hubs; None lets the objective choose the number (then fixed costs, the minimum demand per
        hub or the budget are what stop every site from opening).
    settings : CapacitySettings
        The limits and costs (:class:`hubopt.locate.options.CapacitySettings`): ``min_demand`` and ``max_demand``
        per hub, per-site ``capacity``, ``single_assignment``, ``fixed_cost`` with its ``cost_weight`` (the objective
        is ``travel + cost_weight * fixed costs``), ``capital_cost`` with its ``budget``, and ``is_new_build`` with
        ``max_new_build``. Demand figures are in the unit of ``weights``.
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    exclude_solutions : sequence of sequences of int
        Sets of open sites that may not be chosen again (no-good cuts; used for next-best solutions).
    zone_ids, site_ids : sequence of str, optional
        Names for messages and parameters.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`): ``solver``: MILP solver; ``time_limit``:
        seconds; a time-limited result is labelled ``"feasible"``, never optimal; ``mip_gap``: relative optimality gap
        at which to stop; ``msg``: show the solver log.
    diagnose : bool
        When the solver proves infeasibility, re-solve with each rule relaxed in turn to say which one is binding.
    method : {"tree", "mip"}
        "tree" (default): with HiGHS, the Lagrangian tree search over the sites
        (:mod:`hubopt.locate.capacitated_tree`), which proves the same optimum as the MIP far faster (a free number of
        hubs: once per number the hub sizes allow, when at most eight); otherwise, and with "mip", the whole MIP is
        handed to ``solver``.

    Returns
    -------
    LocationResult
        ``model`` is ``"capacitated"``. ``assignment`` is each zone's main hub (largest share); ``assigned_cost``
        is the zone's share-weighted travel time, so ``weights @ assigned_cost`` is the travel term. ``parameters``
        holds ``travel``, ``fixed_cost_total``, ``capital_cost_total``, ``load`` (demand served per open site),
        ``split`` (zones served by more than one hub, with shares) and the rules in force.

    Raises
    ------
    InputError
        On badly shaped or invalid inputs (e.g. a missing fixed cost while ``cost_weight`` is positive).
    ModelError
        When the rules cannot be met, saying which and by how much; or when no solution was found in time.

    Notes
    -----
    With HiGHS the model is solved by the tree search of :mod:`hubopt.locate.capacitated_tree`: West Kent with 5 hubs
    of 82,500-130,000 people is proven optimal in a few seconds, where the whole MIP was not proven in two minutes
    (``bench/capacitated.py``). A free number of hubs that the hub sizes leave open between more than eight numbers
    (or CBC, or ``method="mip"``) hands the whole MIP to the solver; a minimum demand per hub close to
    ``total demand / N`` under single assignment, or a free number of hubs with a minimum, can then take minutes.
    Set ``time_limit``: a result stopped by it is labelled with its gap, never as optimal.
    """
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", parameter="method", hint=f"use one of: {', '.join(METHODS)}")
    c, w, zids, sids = check_cost_and_weights(cost, weights, zone_ids, site_ids)
    spec, available = _make_spec(c, w, zids, sids, n_hubs, settings, rules, exclude_solutions)
    problems = _prechecks(spec, available)
    if problems:
        raise ModelError("the capacitated hub model cannot be solved as asked: " + "; ".join(problems))
    if w.sum() <= 0:
        raise ModelError("no zone has any demand; check the demand figures")

    limits = {"min_demand": settings.min_demand, "max_demand": settings.max_demand, "available": available}
    solved: dict[str, Any] = {"solver": solver, "time_limit": time_limit, "mip_gap": mip_gap, "method": "mip"}
    if method == "tree" and check_solver_name(solver) == "highs":
        by_tree = solve_by_tree(spec, options) if spec.n_hubs is not None else solve_over_counts(spec, options)
        if by_tree is not None:
            searched, opened, shares, tree = by_tree
            if not searched.has_solution:
                raise ModelError(
                    f"the capacitated hub model found no solution: {searched.describe()}; allow more time, or relax "
                    "the rules"
                )
            served = _served_by(spec, opened, shares, available)
            solved = {**solved, "solver": "highs", "method": "tree", "tree": tree_figures(tree)}
            return _result(spec, searched, opened, *served, limits, solved)
    prob, open_var, serve, rows, cols = _build(spec)
    report: SolveReport = solve(prob, solver=solver, time_limit=time_limit, mip_gap=mip_gap, msg=msg)
    if report.status == "infeasible":
        why = _diagnose(spec, solver, time_limit) if diagnose else "; ".join(_rules_in_force(spec).values())
        raise ModelError(f"the capacitated hub model is infeasible: the rules cannot all be met together ({why})")
    if not report.has_solution:
        raise ModelError(
            f"the capacitated hub model found no solution: {report.describe()}; allow more time, or relax the rules"
        )
    chosen, share, assignment, assigned_cost = _read_solution(spec, open_var, serve, rows, cols, available)
    return _result(spec, report, chosen, share, assignment, assigned_cost, limits, solved)
