"""The plan's cluster rule: every hub serves whole clusters, and more than one, with a minimum (and maximum) size.

West Kent's Local Care Plan builds care up from practices to clusters (Primary Care Networks today) to hubs "bigger
than cluster level". Here each cluster's demand goes to a single hub: the zones of a cluster are never split
between hubs, each open hub serves at least ``min_clusters`` clusters (two: "more than one") and between
``min_demand`` and ``max_demand``. The cluster of each zone is an input (one label per zone: e.g. the PCN of the
practices its residents register with), so the model does not decide how clusters are drawn.

Formulation: the capacitated model (:mod:`hubopt.locate.capacitated`) with single assignment over clusters instead
of zones: a cluster's cost at a site is its zones' demand-weighted minutes to that site (``inf`` when one of its
zones with demand cannot reach it), its demand their total; plus ``clusters served >= min_clusters`` per open hub.
It is solved by the same Lagrangian tree search over the sites (:mod:`hubopt.locate.capacitated_tree`), the count
kept in each set's assignment, so the answer is proven optimal (or labelled with its bound when stopped by
``time_limit``). Zones without demand go to the hub of their cluster when it has one, else to their nearest hub.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError, ModelError
from hubopt.locate import _clock
from hubopt.locate.capacitated_bound import Knapsacks
from hubopt.locate.capacitated_checks import fmt_amount
from hubopt.locate.capacitated_tree import search, tree_figures
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions
from hubopt.locate.pairs import site_masks
from hubopt.locate.solution import LocationResult, check_cost_and_weights, name_list, nearest_open_assignment
from hubopt.locate.solve import SolveReport, checked_report


def cluster_labels(clusters: Sequence[object] | np.ndarray | pd.Series, zone_ids: Sequence[str]) -> np.ndarray:
    """Each zone's cluster as text, refusing zones without one (naming them).

    Raises
    ------
    InputError
        When the number of labels is not one per zone, or some zones have no cluster (empty or missing).
    """
    labels = pd.Series(list(clusters), dtype=object)
    if len(labels) != len(zone_ids):
        raise InputError(
            f"clusters must give one cluster per zone ({len(zone_ids)} zones), not {len(labels)}",
            parameter="clusters",
        )
    text = labels.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip())
    missing = np.flatnonzero(text.eq("").to_numpy())
    if missing.size:
        raise InputError(
            f"{missing.size} zone(s) have no cluster: {name_list([zone_ids[int(i)] for i in missing])}",
            parameter="clusters",
            hint="give every zone the cluster (e.g. Primary Care Network) its residents belong to",
        )
    return text.to_numpy(dtype=object)


def _prechecks(
    names: np.ndarray, demand: np.ndarray, reach: np.ndarray, n_hubs: int, lower: float, upper: float, least: int
) -> list[str]:
    """What makes the rule impossible, found without a search, with what to change."""
    problems = []
    total = float(demand.sum())
    served = demand > 0
    if n_hubs * least > int(served.sum()):
        problems.append(
            f"{n_hubs} hubs each serving at least {least} clusters need {n_hubs * least} clusters with demand, but "
            f"there are {int(served.sum())}; open at most {int(served.sum()) // least} hubs or lower min_clusters"
        )
    big = np.flatnonzero(demand > upper + 1e-9)
    if big.size:
        problems.append(
            f"cluster(s) {name_list([str(names[k]) for k in big])} alone exceed the maximum of {fmt_amount(upper)} "
            f"per hub (largest {fmt_amount(float(demand[big].max()))}); raise the maximum to at least that"
        )
    stranded = np.flatnonzero(served & ~reach.any(axis=1))
    if stranded.size:
        problems.append(
            f"cluster(s) {name_list([str(names[k]) for k in stranded])} cannot reach any available site from all "
            "their zones; add a site they can reach, or check the travel-time matrix"
        )
    if lower * n_hubs > total + 1e-9:
        problems.append(
            f"{n_hubs} hubs of at least {fmt_amount(lower)} need {fmt_amount(lower * n_hubs)} but the total demand "
            f"is {fmt_amount(total)}; open at most {int(total // lower) if lower > 0 else n_hubs} hubs or lower the "
            f"minimum to {fmt_amount(total / n_hubs)}"
        )
    if upper * n_hubs < total - 1e-9:
        problems.append(
            f"{n_hubs} hubs of at most {fmt_amount(upper)} serve at most {fmt_amount(upper * n_hubs)} but the total "
            f"demand is {fmt_amount(total)}; open at least {math.ceil(total / upper)} hubs or raise the maximum to "
            f"{fmt_amount(total / n_hubs)}"
        )
    return problems


def solve_cluster_hubs(
    cost: np.ndarray,
    weights: np.ndarray,
    clusters: Sequence[object] | np.ndarray | pd.Series,
    n_hubs: int,
    *,
    min_demand: float | None = None,
    max_demand: float | None = None,
    min_clusters: int = 2,
    rules: SiteRules = NO_RULES,
    exclude_solutions: Sequence[Sequence[int]] = (),
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
) -> LocationResult:
    """Choose ``n_hubs`` sites, each serving whole clusters (at least ``min_clusters``) within the size bounds.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where unreachable.
    weights : numpy.ndarray, shape (n_zones,)
        Demand of each zone (the unit of ``min_demand`` and ``max_demand``).
    clusters : sequence, shape (n_zones,)
        Each zone's cluster label (e.g. its Primary Care Network's code).
    n_hubs : int
        Number of hubs.
    min_demand, max_demand : float, optional
        Least and most demand a hub serves.
    min_clusters : int
        Least number of clusters (with demand) each hub serves: 2 is the plan's "more than one".
    rules : SiteRules
        Must-open and unavailable sites.
    exclude_solutions : sequence of sequences of int
        Sets of open sites not to choose again (next-best answers).
    zone_ids, site_ids : sequence of str, optional
        Names for messages.
    options : SolverOptions
        ``time_limit`` (a time-limited answer is labelled with its gap), ``mip_gap``. HiGHS solves the LPs and
        small MIPs of the search whatever ``solver`` says.

    Returns
    -------
    LocationResult
        ``model`` is ``"clusters"``; ``assignment`` sends every zone to its cluster's hub; ``parameters`` holds
        ``load`` (demand per hub), ``clusters`` (the clusters each hub serves) and the search's figures.
    """
    t0 = time.perf_counter()
    c, w, zids, sids = check_cost_and_weights(cost, weights, zone_ids, site_ids)
    labels = cluster_labels(clusters, zids)
    if not isinstance(min_clusters, int | np.integer) or min_clusters < 1:
        raise InputError("min_clusters must be a whole number of at least 1", parameter="min_clusters")
    if int(n_hubs) < 1:
        raise ModelError(f"the number of hubs must be at least 1 (it is {n_hubs})")
    for name, value in (("min_demand", min_demand), ("max_demand", max_demand)):
        if value is not None and (not np.isfinite(value) or value < 0):
            raise InputError(f"{name} must be a finite number, zero or more", parameter=name)
    lower = float(min_demand or 0.0)
    upper = math.inf if max_demand is None else float(max_demand)
    if lower > upper:
        raise ModelError(f"the minimum per hub ({fmt_amount(lower)}) is above the maximum ({fmt_amount(upper)})")
    available, forced = site_masks(c.shape[1], rules.must_open, rules.unavailable, sids)
    names, index = np.unique(labels, return_inverse=True)
    demand = np.bincount(index, weights=w, minlength=names.size)
    member = np.zeros((names.size, w.size))
    member[index, np.arange(w.size)] = w
    unreachable = (member > 0).astype(float) @ (~np.isfinite(c)).astype(float) > 0
    reach = ~unreachable & available[None, :]
    problems = _prechecks(names, demand, reach, int(n_hubs), lower, upper, int(min_clusters))
    if int(forced.sum()) > int(n_hubs):
        problems.append(f"{int(forced.sum())} sites must open but only {n_hubs} hubs were asked for")
    if problems:
        raise ModelError("the cluster rule cannot be met as asked: " + "; ".join(problems))
    served = np.flatnonzero(demand > 0)
    pair_cost = np.where(reach[served], (member @ np.where(np.isfinite(c), c, 0.0))[served], np.inf)
    k = Knapsacks(
        pair_cost, demand[served], lower, np.full(c.shape[1], upper), np.zeros(c.shape[1]), int(n_hubs),
        min_items=int(min_clusters),
    )  # fmt: skip
    excluded = {tuple(sorted(int(j) for j in sol)) for sol in exclude_solutions}
    deadline = None if options.time_limit is None else _clock.now() + options.time_limit
    out = search(
        k, forced, available, single=True, allowed=lambda s: tuple(int(j) for j in s) not in excluded,
        mip_gap=options.mip_gap, deadline=deadline,
    )  # fmt: skip
    if out.status == "infeasible":
        raise ModelError(
            f"no {n_hubs} hubs can each serve at least {min_clusters} whole clusters within "
            f"{fmt_amount(lower)}-{'no maximum' if math.isinf(upper) else fmt_amount(upper)} of demand"
            + (f" ({len(excluded)} earlier answer(s) excluded)" if excluded else "")
            + "; widen the bounds, change the number of hubs, or lower min_clusters"
        )
    found = out.status in ("optimal", "feasible")
    report = checked_report(
        solver="highs", status=out.status, stopped_by=None if out.status == "optimal" else "time limit",
        objective=out.value if found else None, bound=out.bound if found else None,
        size=(pair_cost.size + c.shape[1], pair_cost.size + c.shape[1], served.size + 3 * c.shape[1] + 1),
        seconds=time.perf_counter() - t0, time_limit=options.time_limit, mip_gap=options.mip_gap,
    )  # fmt: skip
    if not found:
        raise ModelError(f"the cluster model found no solution: {report.describe()}; allow more time")
    hub_of_cluster = np.full(names.size, -1)
    hub_of_cluster[served] = out.open_sites[np.argmax(out.share, axis=1)]
    settings: dict[str, Any] = {"n_hubs": int(n_hubs), "min_demand": min_demand, "max_demand": max_demand}
    settings |= {"min_clusters": min_clusters, "excluded_solutions": len(excluded), "tree": tree_figures(out)}
    return _result(c, w, sids, available, names, index, hub_of_cluster, out.open_sites, report, settings, options)


def _result(
    c: np.ndarray,
    w: np.ndarray,
    sids: list[str],
    available: np.ndarray,
    names: np.ndarray,
    index: np.ndarray,
    hub_of_cluster: np.ndarray,
    open_sites: np.ndarray,
    report: SolveReport,
    settings: dict[str, Any],
    options: SolverOptions,
) -> LocationResult:
    """Every zone sent to its cluster's hub (zones of clusters without demand: to the nearest hub)."""
    chosen = sorted(int(j) for j in open_sites)
    demand = np.bincount(index, weights=w, minlength=names.size)
    assignment, assigned_cost = nearest_open_assignment(np.where(available[None, :], c, np.inf), chosen)
    has_hub = hub_of_cluster[index] >= 0
    assignment[has_hub] = hub_of_cluster[index][has_hub]
    assigned_cost[has_hub] = c[np.flatnonzero(has_hub), assignment[has_hub]]
    return LocationResult(
        model="clusters",
        open_sites=np.asarray(chosen, dtype=int),
        assignment=assignment,
        assigned_cost=assigned_cost,
        objective=float(np.dot(w[has_hub], assigned_cost[has_hub])),
        report=report,
        parameters={
            **settings,
            "load": {sids[j]: float(demand[hub_of_cluster == j].sum()) for j in chosen},
            "clusters": {sids[j]: sorted(str(x) for x in names[hub_of_cluster == j]) for j in chosen},
            "n_clusters": int(names.size), "solver": "highs", "time_limit": options.time_limit,
            "mip_gap": options.mip_gap, "method": "tree",
        },
    )  # fmt: skip
