"""Where community beds go: whole beds at sites, in wards of a minimum size, serving zones' bed demand.

Community beds are planned area-wide (WK plan v1.5): the question is how many beds at which sites, so that the
total need is met, every site that has beds has a viable ward, and bed demand travels as little as possible.

Formulation (mixed-integer; one period for :func:`place_beds`, periods ``t = 1..T`` for :func:`place_beds_phased`)::

    variables  open[t,j] ∈ {0,1}, beds[t,j] ∈ Z≥0 for each site j that can host beds,
               serve[t,i,j] ≥ 0 (the share of zone i's bed demand served at j) for reachable pairs
    min_unit × open[t,j] ≤ beds[t,j] ≤ max_beds[j] × open[t,j]         (no beds, or a ward of min_unit..max)
    Σ_j serve[t,i,j] = 1                     for each zone with bed demand
    Σ_i demand[t,i] × serve[t,i,j] ≤ beds[t,j]                         (beds serve the demand assigned)
    serve[t,i,j] ≤ open[t,j]                                          (linking; makes the relaxation tighter)
    Σ_j beds[t,j] ≥ need[t]
    must-keep j: open[t,j] = 1, beds[t,j] ≥ max(existing[j], min_unit)
    phased: open[t,j] ≥ open[t-1,j] (a site that opens stays open); beds[t,j] ≥ beds[t-1,j] unless allow_moves
    unavailable (t, j) (outside the site's availability years): open[t,j] = beds[t,j] = 0, and the two rules
    above and the must-keep floor do not apply to it that year
    minimise Σ_t travel_weight × Σ demand × minutes × serve + cost_per_bed × Σ beds + cost_per_unit × Σ open

Costs in the phased model are summed over the years (not discounted). When several bed vectors reach the same
optimum (e.g. with ``cost_per_bed = 0``, any surplus above the demand served is free), the plan returned has the
surplus above the need removed (year by year, never below a site's served demand, ward minimum, must-keep floor or,
without ``allow_moves``, its beds the year before); this never raises the objective.

Rules that cannot all be met are reported before solving where they can be checked directly: total site maxima
below the need (by how many beds), a must-keep site that cannot host beds, a zone with bed demand that can reach
no site able to host beds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pulp

from hubopt.errors import InputError, ModelError
from hubopt.locate.bed_rules import BedRules, check_bed_rules
from hubopt.locate.options import DEFAULT_OPTIONS, SolverOptions
from hubopt.locate.solve import SolveReport, solve

__all__ = ["BedPlan", "place_beds", "place_beds_phased"]


@dataclass(frozen=True)
class BedPlan:
    """Beds per site and how zones' bed demand is served.

    Attributes
    ----------
    beds : numpy.ndarray of int
        Beds per site, shape (n_sites,); for a phased plan (n_years, n_sites).
    assignment : numpy.ndarray of float
        Share of each zone's bed demand served at each site, shape (n_zones, n_sites); phased
        (n_years, n_zones, n_sites). Rows of zones without bed demand are zero.
    mean_travel_minutes : float or numpy.ndarray
        Demand-weighted mean travel time to the beds (per year for a phased plan); NaN without demand.
    need : float or numpy.ndarray
        Beds needed (per year for a phased plan).
    site_ids, zone_ids : list of str
        Names of the sites and zones.
    years : tuple of int or None
        The years of a phased plan; None for a single plan.
    objective : float
        Objective value of the plan returned.
    report : SolveReport
        What the solver achieved.
    parameters : dict
        The rules used (min_unit and where it came from, costs, must-keep sites ...).
    notes : list of str
        Plain-English remarks (sites that cannot host beds and why, surplus removed ...).
    """

    beds: np.ndarray
    assignment: np.ndarray
    mean_travel_minutes: float | np.ndarray
    need: float | np.ndarray
    site_ids: list[str]
    zone_ids: list[str]
    years: tuple[int, ...] | None
    objective: float
    report: SolveReport
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def open_sites(self) -> np.ndarray:
        """Indices of the sites with beds (in the last year of a phased plan)."""
        last = self.beds[-1] if self.beds.ndim == 2 else self.beds
        return np.flatnonzero(last > 0)

    def table(self) -> pd.DataFrame:
        """Beds per site: ``site_id`` and ``beds`` (single plan) or one column per year (phased plan)."""
        if self.beds.ndim == 1:
            return pd.DataFrame({"site_id": self.site_ids, "beds": self.beds})
        out = pd.DataFrame({"site_id": self.site_ids})
        for t, year in enumerate(self.years or range(self.beds.shape[0])):
            out[str(year)] = self.beds[t]
        return out


# ----------------------------------------------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------------------------------------------
def _solve(
    rules: BedRules,
    *,
    allow_moves: bool,
    costs: tuple[float, float, float],
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    msg: bool,
    max_total: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, SolveReport]:
    c, d = rules.cost, rules.demand
    n_years, n = d.shape
    m = c.shape[1]
    travel_weight, cost_per_bed, cost_per_unit = costs
    sites = np.flatnonzero(rules.hostable).tolist()
    prob = pulp.LpProblem("community_beds", pulp.LpMinimize)
    open_var: dict[tuple[int, int], pulp.LpVariable] = {}
    beds_var: dict[tuple[int, int], pulp.LpVariable] = {}
    usable = rules.available
    for t in range(n_years):
        for j in sites:
            if not usable[t, j]:  # outside the site's availability: no beds that year
                open_var[t, j] = prob.add_variable(f"open_{t}_{j}", 0, 0, pulp.LpBinary)
                beds_var[t, j] = prob.add_variable(f"beds_{t}_{j}", 0, 0, pulp.LpInteger)
                continue
            open_var[t, j] = prob.add_variable(f"open_{t}_{j}", 1 if rules.keep[j] else 0, 1, pulp.LpBinary)
            beds_var[t, j] = prob.add_variable(
                f"beds_{t}_{j}", int(rules.lower[j]), int(rules.cap[j]), pulp.LpInteger
            )
    objective: list[tuple[pulp.LpVariable, float]] = []
    serve: dict[tuple[int, int, int], pulp.LpVariable] = {}
    reach = np.isfinite(c) & rules.hostable[None, :]
    # Without a travel term, and when every zone with demand can reach every site that may host beds, the zones'
    # shares can always be split to fit any beds that add up to the demand: the capacity rows collapse to one
    # aggregate row per year. This is exact, and much faster (no assignment variables).
    aggregate = travel_weight == 0 and all(
        reach[d[t] > 0][:, np.flatnonzero(rules.hostable & usable[t])].all() for t in range(n_years)
    )
    for t in range(n_years):
        for j in sites:
            prob.addConstraint(beds_var[t, j] - rules.min_unit * open_var[t, j] >= 0, name=f"unit_{t}_{j}")
            prob.addConstraint(beds_var[t, j] - int(rules.cap[j]) * open_var[t, j] <= 0, name=f"max_{t}_{j}")
            if cost_per_bed:
                objective.append((beds_var[t, j], cost_per_bed))
            if cost_per_unit:
                objective.append((open_var[t, j], cost_per_unit))
            if t > 0 and usable[t, j]:  # a site whose availability ends may close (its beds go elsewhere)
                prob.addConstraint(open_var[t, j] - open_var[t - 1, j] >= 0, name=f"stay_open_{t}_{j}")
                if not allow_moves:
                    prob.addConstraint(beds_var[t, j] - beds_var[t - 1, j] >= 0, name=f"no_decrease_{t}_{j}")
        load: dict[int, list[tuple[pulp.LpVariable, float]]] = {j: [] for j in sites}
        if aggregate:
            prob.addConstraint(
                pulp.LpAffineExpression([(beds_var[t, j], 1.0) for j in sites]) >= float(d[t].sum()),
                name=f"demand_{t}",
            )
        for i in np.flatnonzero(d[t] > 0).tolist() if not aggregate else []:
            terms = []
            for j in np.flatnonzero(reach[i] & usable[t]).tolist():
                v = prob.add_variable(f"serve_{t}_{i}_{j}", 0, 1, pulp.LpContinuous)
                serve[t, i, j] = v
                terms.append((v, 1.0))
                load[j].append((v, float(d[t, i])))
                if travel_weight * c[i, j] * d[t, i]:
                    objective.append((v, travel_weight * float(c[i, j]) * float(d[t, i])))
                prob.addConstraint(v - open_var[t, j] <= 0, name=f"link_{t}_{i}_{j}")
            prob.addConstraint(pulp.LpAffineExpression(terms) == 1, name=f"assign_{t}_{i}")
        for j in sites:
            if load[j]:
                prob.addConstraint(pulp.LpAffineExpression(load[j]) - beds_var[t, j] <= 0, name=f"capacity_{t}_{j}")
        prob.addConstraint(
            pulp.LpAffineExpression([(beds_var[t, j], 1.0) for j in sites]) >= float(rules.need[t]),
            name=f"need_{t}",
        )
        if max_total is not None:
            prob.addConstraint(
                pulp.LpAffineExpression([(beds_var[t, j], 1.0) for j in sites]) <= float(max_total[t]),
                name=f"fewest_{t}",
            )
    prob.setObjective(pulp.LpAffineExpression(objective))
    report = solve(prob, solver=solver, time_limit=time_limit, mip_gap=mip_gap, msg=msg)
    if not report.has_solution:
        if report.status == "infeasible":
            raise ModelError(
                "no bed plan meets every rule: the bed demand of zones that can reach only some sites exceeds "
                "those sites' maxima, or the ward minimum, must-keep floors and site maxima cannot be combined "
                f"(ward minimum {rules.min_unit} beds); {report.describe()}"
            )
        raise ModelError(f"the bed model has no solution: {report.describe()}")
    beds = np.zeros((n_years, m), dtype=int)
    assignment = np.zeros((n_years, n, m))
    for (t, j), v in beds_var.items():
        beds[t, j] = round(v.varValue or 0.0)
    for (t, i, j), v in serve.items():
        assignment[t, i, j] = max(0.0, v.varValue or 0.0)
    return beds, assignment, report


def _remove_surplus(rules: BedRules, beds: np.ndarray, assignment: np.ndarray, allow_moves: bool) -> int:
    """Lower beds above the need where nothing requires them (in place); return the beds removed."""
    removed = 0
    for t in range(beds.shape[0]):
        load = (rules.demand[t][:, None] * assignment[t]).sum(axis=0)
        opened = beds[t] > 0
        floor = np.where(opened, np.maximum(rules.min_unit, np.ceil(load - 1e-6)), 0)
        floor = np.maximum(floor, rules.lower)
        if t > 0 and not allow_moves:
            floor = np.maximum(floor, beds[t - 1])
        floor = np.where(rules.available[t], floor, 0)
        surplus = math.floor(beds[t].sum() - rules.need[t] + 1e-9)
        for j in range(beds.shape[1]):
            if surplus <= 0:
                break
            cut = int(min(beds[t, j] - floor[j], surplus))
            if cut > 0:
                beds[t, j] -= cut
                surplus -= cut
                removed += cut
    return removed


def _plan(
    rules: BedRules,
    *,
    allow_moves: bool,
    costs: tuple[float, float, float],
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    msg: bool,
    years: tuple[int, ...] | None,
    priority: str = "weighted",
) -> BedPlan:
    max_total = None
    notes_first: list[str] = []
    if priority == "fewest_beds":
        # Stage 1: the fewest beds (per year, summed) that meet the need under the ward, site and must-keep rules.
        fewest, _, first = _solve(
            rules,
            allow_moves=allow_moves,
            costs=(0.0, 1.0, 0.0),
            solver=solver,
            time_limit=time_limit,
            mip_gap=0.0,
            msg=msg,
        )
        if not first.is_optimal:
            notes_first.append(f"the fewest-beds stage was not proven optimal ({first.describe()})")
        max_total = fewest.sum(axis=1).astype(float)
        notes_first.append(
            "beds were first kept to the fewest that meet the need under the ward and site rules ("
            + ", ".join(f"{int(b)}" for b in max_total)
            + "), then placed to minimise travel and cost"
        )
    elif priority != "weighted":
        raise InputError(f"unknown priority {priority!r}", parameter="priority", hint="use fewest_beds or weighted")
    beds, assignment, report = _solve(
        rules,
        allow_moves=allow_moves,
        costs=costs,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        msg=msg,
        max_total=max_total,
    )
    removed = _remove_surplus(rules, beds, assignment, allow_moves)
    notes = list(rules.notes) + notes_first
    if removed:
        notes.append(f"{removed} bed(s) above the need that no rule or demand required were removed from the plan")
    c = np.where(np.isfinite(rules.cost), rules.cost, 0.0)
    travel = np.einsum("ti,tij,ij->t", rules.demand, assignment, c)
    totals = rules.demand.sum(axis=1)
    mean = np.where(totals > 0, travel / np.where(totals > 0, totals, 1.0), np.nan)
    travel_weight, cost_per_bed, cost_per_unit = costs
    objective = float(travel_weight * travel.sum() + cost_per_bed * beds.sum() + cost_per_unit * (beds > 0).sum())
    parameters = dict(rules.parameters)
    parameters.update(
        {
            "allow_moves": allow_moves,
            "solver": solver,
            "time_limit": time_limit,
            "mip_gap": mip_gap,
            "priority": priority,
        }
    )
    single = years is None
    return BedPlan(
        beds=beds[0] if single else beds,
        assignment=assignment[0] if single else assignment,
        mean_travel_minutes=float(mean[0]) if single else mean,
        need=float(rules.need[0]) if single else rules.need.copy(),
        site_ids=rules.site_ids,
        zone_ids=rules.zone_ids,
        years=years,
        objective=objective,
        report=report,
        parameters=parameters,
        notes=notes,
    )


# ----------------------------------------------------------------------------------------------------------------
# public functions
# ----------------------------------------------------------------------------------------------------------------
def place_beds(
    cost: np.ndarray,
    bed_demand: np.ndarray,
    total_beds_needed: float,
    *,
    min_unit: int | None = None,
    max_beds: Sequence[float] | np.ndarray | None = None,
    existing_beds: Sequence[int] | np.ndarray | None = None,
    must_keep: Sequence[int] = (),
    allow_new_sites: bool = True,
    is_new_site: Sequence[bool] | np.ndarray | None = None,
    cost_per_bed: float = 0.0,
    cost_per_unit: float = 0.0,
    travel_weight: float = 1.0,
    options: SolverOptions = DEFAULT_OPTIONS,
    site_ids: Sequence[str] | None = None,
    zone_ids: Sequence[str] | None = None,
    priority: str = "weighted",
) -> BedPlan:
    """Place whole beds at sites to meet the need with the least travel (and cost); see the module formulation.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes) from each zone to each site; ``inf`` where the site cannot be reached.
    bed_demand : numpy.ndarray, shape (n_zones,)
        Each zone's bed demand, in beds (e.g. the need shared out by the zones' weighted population).
    total_beds_needed : float
        Beds needed in all (e.g. :attr:`hubopt.demand.bed_need.BedNeed.beds_rounded_up`).
    min_unit : int, optional
        Smallest number of beds a site may run (a ward): each site has 0 or ``min_unit``..``max_beds`` beds.
        Default: the smallest positive ``existing_beds`` (the smallest ward operating today; 14 in West Kent,
        Tonbridge Cottage and Edenbridge, WK plan v1.5). Required when no site has beds today.
    max_beds : array-like, shape (n_sites,)
        Most beds each site could hold; NaN or 0: the site cannot host beds. Required.
    existing_beds : array-like of int, shape (n_sites,), optional
        Beds at each site today (default none).
    must_keep : sequence of int
        Sites that must keep beds: at least ``max(existing_beds, min_unit)``.
    allow_new_sites : bool
        Whether sites marked by ``is_new_site`` may host beds.
    is_new_site : array-like of bool, optional
        Which sites are new bed sites; default: sites without beds today.
    cost_per_bed, cost_per_unit : float
        Cost of each bed and of each site with beds, in the units of the objective (weigh them against
        ``travel_weight`` × demand-minutes).
    travel_weight : float
        Weight of the demand-weighted travel minutes.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`), passed to :func:`hubopt.locate.solve.solve`.
    site_ids, zone_ids : sequence of str, optional
        Names for messages and tables.
    priority : {"weighted", "fewest_beds"}
        ``weighted``: minimise the weighted sum of travel and costs. ``fewest_beds``: first find the fewest beds that
        meet the need under the ward, site and must-keep rules, then place exactly those to minimise travel and
        cost (without it and with no cost per bed or unit, every extra ward that shortens a journey is worth
        opening).

    Returns
    -------
    BedPlan

    Raises
    ------
    ModelError
        When the rules cannot be met: the sites' maxima fall short of the need (by how many beds), a must-keep site
        cannot keep beds, a zone with demand reaches no site that can host beds, or the solver finds no plan.
    """
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    demand = np.asarray(bed_demand, dtype=float)
    if demand.ndim != 1:
        raise InputError("bed demand must be one value per zone (use place_beds_phased for several years)")
    costs = (float(travel_weight), float(cost_per_bed), float(cost_per_unit))
    rules = check_bed_rules(
        cost,
        demand[None, :],
        np.array([total_beds_needed], dtype=float),
        years=None,
        min_unit=min_unit,
        max_beds=max_beds,
        existing_beds=existing_beds,
        must_keep=must_keep,
        allow_new_sites=allow_new_sites,
        is_new_site=is_new_site,
        costs=costs,
        site_ids=site_ids,
        zone_ids=zone_ids,
    )
    return _plan(
        rules,
        allow_moves=True,
        costs=costs,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        msg=msg,
        years=None,
        priority=priority,
    )


def place_beds_phased(
    cost: np.ndarray,
    bed_demand_by_year: np.ndarray,
    need_by_year: Sequence[float] | np.ndarray,
    *,
    years: Sequence[int] | None = None,
    allow_moves: bool = False,
    available: np.ndarray | None = None,
    min_unit: int | None = None,
    max_beds: Sequence[float] | np.ndarray | None = None,
    existing_beds: Sequence[int] | np.ndarray | None = None,
    must_keep: Sequence[int] = (),
    allow_new_sites: bool = True,
    is_new_site: Sequence[bool] | np.ndarray | None = None,
    cost_per_bed: float = 0.0,
    cost_per_unit: float = 0.0,
    travel_weight: float = 1.0,
    options: SolverOptions = DEFAULT_OPTIONS,
    site_ids: Sequence[str] | None = None,
    zone_ids: Sequence[str] | None = None,
    priority: str = "weighted",
) -> BedPlan:
    """A bed plan over several years, solved as one model (see the module formulation).

    Each year meets its own need and bed demand; a site that opens stays open; without ``allow_moves`` a site's
    beds never go down from one year to the next, except that a site has no beds in a year outside its
    availability (``available``: e.g. after its lease ends), so its beds go elsewhere then. Costs are summed over
    the years.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time in minutes (``inf``: unreachable); the same every year.
    bed_demand_by_year : numpy.ndarray, shape (n_years, n_zones)
        Each zone's bed demand in each year, in beds.
    need_by_year : array-like, shape (n_years,)
        Beds needed in each year.
    available : numpy.ndarray of bool, shape (n_years, n_sites), optional
        Whether each site can host beds in each year (default: every year). A must-keep floor applies only in the
        years a site is available.
    years : sequence of int, optional
        The years (labels for tables and messages); default 0, 1, ...
    allow_moves : bool
        Let a site's beds go down from one year to the next (it still keeps at least ``min_unit`` once open).
    min_unit, max_beds, existing_beds, must_keep, allow_new_sites, is_new_site, cost_per_bed, cost_per_unit, \
        travel_weight, options, site_ids, zone_ids
        As in :func:`place_beds` (the must-keep floor applies every year).

    Returns
    -------
    BedPlan
        ``beds`` of shape (n_years, n_sites), ``assignment`` (n_years, n_zones, n_sites).
    """
    solver, time_limit, mip_gap, msg = options.solver, options.time_limit, options.mip_gap, options.msg
    demand = np.asarray(bed_demand_by_year, dtype=float)
    if demand.ndim != 2:
        raise InputError("bed demand by year must be a table of years x zones")
    labels = tuple(int(y) for y in years) if years is not None else tuple(range(demand.shape[0]))
    if len(labels) != demand.shape[0]:
        raise InputError(f"{len(labels)} years were named but the bed demand has {demand.shape[0]} rows")
    if list(labels) != sorted(set(labels)):
        raise InputError("the years must be in increasing order, each once")
    costs = (float(travel_weight), float(cost_per_bed), float(cost_per_unit))
    rules = check_bed_rules(
        cost,
        demand,
        np.asarray(need_by_year, dtype=float),
        years=labels,
        available=available,
        min_unit=min_unit,
        max_beds=max_beds,
        existing_beds=existing_beds,
        must_keep=must_keep,
        allow_new_sites=allow_new_sites,
        is_new_site=is_new_site,
        costs=costs,
        site_ids=site_ids,
        zone_ids=zone_ids,
    )
    return _plan(
        rules,
        allow_moves=allow_moves,
        costs=costs,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        msg=msg,
        years=labels,
        priority=priority,
    )
