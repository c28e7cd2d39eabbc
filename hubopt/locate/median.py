"""The p-median model: choose N hub sites that minimise demand-weighted travel time.

Formulation (Revelle and Swain 1970, strong linking form): binary ``open[j]``; continuous ``serve[i, j] >= 0``
only for pairs with a finite travel time to an available site (the optimum assigns every zone to its nearest open
site, so assignments need not be integer); ``sum_j serve[i, j] = 1`` for each zone, ``serve[i, j] <= open[j]``,
``sum_j open[j] = N``, ``open[j] = 1`` for must-open sites; minimise ``sum demand[i] * time[i, j] * serve[i, j]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pulp

from hubopt.errors import InputError, ModelError
from hubopt.locate.solution import LocationResult, nearest_open_assignment
from hubopt.locate.solve import solve


def _check_inputs(
    cost: np.ndarray, weights: np.ndarray, zone_ids: Sequence[str] | None, site_ids: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    if c.ndim != 2:
        raise InputError(f"the travel-time matrix must have 2 dimensions (zones x sites), not {c.ndim}")
    n, m = c.shape
    if w.shape != (n,):
        raise InputError(f"there are {n} zones in the travel-time matrix but {w.size} demand values")
    if np.isnan(c).any():
        raise InputError("the travel-time matrix has missing values (NaN); use inf for 'not reachable'")
    if (c < 0).any():
        raise InputError("the travel-time matrix has negative times")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("demand must be finite and zero or positive for every zone")
    zids = [str(z) for z in zone_ids] if zone_ids is not None else [f"zone {i}" for i in range(n)]
    sids = [str(s) for s in site_ids] if site_ids is not None else [f"site {j}" for j in range(m)]
    if len(zids) != n or len(sids) != m:
        raise InputError("the zone or site identifiers do not match the travel-time matrix's shape")
    return c, w, zids, sids


def site_rules(
    n_sites: int,
    n_open: int,
    must_open: Sequence[int],
    unavailable: Sequence[int],
    site_ids: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Check the number of hubs against the site rules; return (available mask, must-open mask).

    Raises
    ------
    ModelError
        When a site is both must-open and unavailable, more sites must open than N, or N exceeds the available sites.
    """
    available = np.ones(n_sites, dtype=bool)
    available[np.asarray(list(unavailable), dtype=int)] = False
    forced = np.zeros(n_sites, dtype=bool)
    forced[np.asarray(list(must_open), dtype=int)] = True
    clash = forced & ~available
    if clash.any():
        names = ", ".join(site_ids[j] for j in np.flatnonzero(clash))
        raise ModelError(f"site(s) {names} are both must-open and unavailable; choose one rule for each")
    if n_open < 1:
        raise ModelError(f"the number of hubs must be at least 1 (it is {n_open})")
    if n_open > int(available.sum()):
        raise ModelError(
            f"{n_open} hubs were asked for but only {int(available.sum())} sites are available "
            f"({n_sites} in the register, {n_sites - int(available.sum())} unavailable); "
            "lower the number of hubs or add candidate sites"
        )
    if int(forced.sum()) > n_open:
        raise ModelError(
            f"{int(forced.sum())} sites must stay open but only {n_open} hubs were asked for; "
            "raise the number of hubs or relax the must-open rule"
        )
    return available, forced


def solve_p_median(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    *,
    must_open: Sequence[int] = (),
    unavailable: Sequence[int] = (),
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    msg: bool = False,
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
    must_open, unavailable : sequence of int
        Column indices of sites that must open / may not open.
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    solver : {"highs", "cbc"}
        MILP solver.
    time_limit : float, optional
        Seconds; a time-limited result is labelled as such, never as optimal.
    mip_gap : float
        Relative optimality gap at which to stop (0: prove optimality).
    msg : bool
        Show the solver log.

    Returns
    -------
    LocationResult

    Raises
    ------
    ModelError
        When the rules cannot be met or a zone has no available site it can reach, naming them.
    """
    c, w, zids, sids = _check_inputs(cost, weights, zone_ids, site_ids)
    n, m = c.shape
    available, forced = site_rules(m, int(n_hubs), must_open, unavailable, sids)
    reachable = np.isfinite(c) & available[None, :]
    stranded = np.flatnonzero(~reachable.any(axis=1))
    if stranded.size:
        names = ", ".join(zids[i] for i in stranded[:10])
        more = f" and {stranded.size - 10} more" if stranded.size > 10 else ""
        raise ModelError(
            f"{stranded.size} zone(s) cannot reach any available site: {names}{more}; "
            "add a site they can reach, or check the travel-time matrix"
        )

    prob = pulp.LpProblem("p_median", pulp.LpMinimize)
    open_var = {j: prob.add_variable(f"open_{j}", 0, 1, pulp.LpBinary) for j in np.flatnonzero(available)}
    for j in np.flatnonzero(forced):
        open_var[j].lowBound = 1
    rows, cols = np.nonzero(reachable)
    serve = [prob.add_variable(f"serve_{i}_{j}", 0) for i, j in zip(rows, cols, strict=True)]
    coef = w[rows] * c[rows, cols]
    prob.setObjective(pulp.LpAffineExpression(zip(serve, coef.tolist(), strict=True)))
    starts = np.searchsorted(rows, np.arange(n + 1))
    for i in range(n):
        lo, hi = starts[i], starts[i + 1]
        prob.addConstraint(pulp.LpAffineExpression([(serve[k], 1.0) for k in range(lo, hi)]) == 1, name=f"assign_{i}")
    for k, (i, j) in enumerate(zip(rows, cols, strict=True)):
        prob.addConstraint(serve[k] - open_var[j] <= 0, name=f"link_{i}_{j}")
    prob.addConstraint(pulp.LpAffineExpression([(v, 1.0) for v in open_var.values()]) == int(n_hubs), name="hubs")

    report = solve(prob, solver=solver, time_limit=time_limit, mip_gap=mip_gap, msg=msg)
    if not report.has_solution:
        raise ModelError(f"the p-median model has no solution: {report.describe()}")
    chosen = sorted(j for j, v in open_var.items() if (v.varValue or 0.0) > 0.5)
    assignment, assigned_cost = nearest_open_assignment(np.where(available[None, :], c, np.inf), chosen)
    objective = float(np.dot(w, np.where(np.isfinite(assigned_cost), assigned_cost, 0.0)))
    return LocationResult(
        model="p-median",
        open_sites=np.asarray(chosen, dtype=int),
        assignment=assignment,
        assigned_cost=assigned_cost,
        objective=objective,
        report=report,
        parameters={
            "n_hubs": int(n_hubs),
            "must_open": [sids[j] for j in np.flatnonzero(forced)],
            "unavailable": [sids[j] for j in np.flatnonzero(~available)],
            "solver": solver,
            "time_limit": time_limit,
            "mip_gap": mip_gap,
        },
    )
