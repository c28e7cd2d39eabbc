"""Explain an answer: what each chosen site is worth, and how close the next-best answers come.

A board shown "these 8 sites" asks "why this one and not that one?" and "is there another answer nearly as good?".

:func:`swap_table`
    For each chosen site, the best alternatives to put in its place, with the objective increase in % and in
    minutes per unit of demand. What is computed, stated in the ``method`` column:

    * ``"others fixed"`` (always): the other chosen sites stay open and the swap is evaluated exactly. For the
      p-median, every zone goes to its nearest open site (a closed-form evaluation of every swap); for the
      capacitated model, the assignment is re-solved with the new set of open sites held fixed (all capacity, size
      and budget rules in force).
    * ``"re-optimised"`` (``reoptimise=True``): the chosen site is made unavailable, the alternative must open, and
      the whole model is solved again, so the other sites may move too. Never worse than "others fixed"; it is the
      true cost of insisting on that swap.

:func:`next_best_solutions`
    The best solution and the next-best distinct ones: after each solve the set just found is excluded by a no-good
    cut (``sum_{j in S} open[j] - sum_{j not in S} open[j] <= |S| - 1``, which for a fixed number of hubs is
    ``sum_{j in S} open[j] <= N - 1``) and the model is solved again. Proven-optimal solves come out in order of
    objective; each row says how much worse it is than the best. For the p-median, sites with identical travel
    times (two practices at one postcode) count as one, so the list is not padded with swaps between them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError, ModelError
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.median import solve_p_median
from hubopt.locate.solution import LocationResult, check_cost_and_weights


def _names(site_ids: Sequence[str], site_names: Sequence[str] | None) -> list[str]:
    if site_names is None:
        return list(site_ids)
    names = [str(x) for x in site_names]
    if len(names) != len(site_ids):
        raise InputError(f"{len(names)} site names for {len(site_ids)} sites")
    return names


def _travel(result: LocationResult, w: np.ndarray) -> float:
    if result.model == "capacitated":
        return float(result.parameters["travel"])
    cost = np.where(np.isfinite(result.assigned_cost), result.assigned_cost, 0.0)
    return float(np.dot(w, cost))


def swap_values(cost: np.ndarray, weights: np.ndarray, open_sites: Sequence[int]) -> np.ndarray:
    """p-median objective of every single swap with the other open sites fixed.

    Returns an array of shape (len(open_sites), n_sites): entry [k, a] is the demand-weighted time when the k-th
    open site closes and site ``a`` opens instead (zones to their nearest open site). Entries for ``a`` already
    open are the objective with site k closed and nothing added.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    s = np.asarray(sorted(int(j) for j in open_sites), dtype=int)
    sub = c[:, s]
    order = np.argsort(sub, axis=1)
    first = sub[np.arange(c.shape[0]), order[:, 0]]
    second = sub[np.arange(c.shape[0]), order[:, 1]] if len(s) > 1 else np.full(c.shape[0], np.inf)
    out = np.empty((len(s), c.shape[1]))
    for k in range(len(s)):
        base = np.where(order[:, 0] == k, second, first)
        trial = np.minimum(base[:, None], c)
        with np.errstate(invalid="ignore"):
            out[k] = np.where(np.isfinite(trial), trial * w[:, None], np.where(w[:, None] > 0, np.inf, 0.0)).sum(0)
    return out


def swap_table(
    cost: np.ndarray,
    weights: np.ndarray,
    result: LocationResult,
    *,
    must_open: Sequence[int] = (),
    unavailable: Sequence[int] = (),
    site_ids: Sequence[str] | None = None,
    site_names: Sequence[str] | None = None,
    n_alternatives: int = 3,
    reoptimise: bool = False,
    model_kwargs: Mapping[str, Any] | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
) -> pd.DataFrame:
    """For each chosen site, the cost of putting each of its best alternatives in its place.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        The travel-time matrix the result was solved on.
    weights : numpy.ndarray, shape (n_zones,)
        The demand it was solved with.
    result : LocationResult
        A p-median (or multi-year "sum") or capacitated result.
    must_open, unavailable : sequence of int
        The site rules of the solve: must-open chosen sites are not swapped out, unavailable sites never come in.
    site_ids, site_names : sequence of str, optional
        Identifiers and readable names for the table.
    n_alternatives : int
        Alternatives listed per chosen site (the best ones).
    reoptimise : bool
        Also re-solve the whole model with each listed swap forced (slower; see the module notes).
    model_kwargs : mapping, optional
        For a capacitated result, the keyword arguments it was solved with (capacity, min_demand, costs, ...).
    solver, time_limit
        For the re-solves.

    Returns
    -------
    pandas.DataFrame
        One row per (chosen site, alternative): ``chosen_site``, ``chosen_name``, ``rank``, ``alternative_site``,
        ``alternative_name``, ``method`` ("others fixed"), ``objective``, ``increase``, ``increase_pct``,
        ``extra_minutes`` (change in the demand-weighted mean travel time), and with ``reoptimise``:
        ``reoptimised_objective``, ``reoptimised_increase_pct``, ``reoptimised_extra_minutes``,
        ``reoptimised_sites``. ``attrs["not_swapped"]`` lists chosen sites kept by the must-open rule.
    """
    c, w, _, sids = check_cost_and_weights(cost, weights, None, site_ids)
    names = _names(sids, site_names)
    m = c.shape[1]
    chosen = [int(j) for j in result.open_sites]
    kwargs = dict(model_kwargs or {})
    forced = {int(j) for j in must_open} | {int(j) for j in kwargs.pop("must_open", ())}
    banned = {int(j) for j in unavailable} | {int(j) for j in kwargs.pop("unavailable", ())}
    for key in ("n_hubs", "solver", "time_limit", "diagnose", "exclude_solutions"):
        kwargs.pop(key, None)
    capacitated = result.model == "capacitated"
    base = float(result.objective)
    total_w = float(w.sum()) or 1.0
    base_travel = _travel(result, w)
    c_avail = c.copy()
    c_avail[:, sorted(banned)] = np.inf
    quick = swap_values(c_avail, w, chosen)
    candidates = [a for a in range(m) if a not in chosen and a not in banned]
    rows: list[dict[str, Any]] = []
    for k, j in enumerate(chosen):
        if j in forced:
            continue
        ranked = sorted(candidates, key=lambda a, k=k: quick[k, a])
        if capacitated:
            evaluated = []
            for a in ranked[: max(2 * n_alternatives, n_alternatives + 2)]:
                trial = sorted([x for x in chosen if x != j] + [a])
                try:
                    res = solve_facility_location(
                        c,
                        w,
                        **kwargs,
                        n_hubs=len(trial),
                        must_open=trial,
                        unavailable=[x for x in range(m) if x not in trial],
                        diagnose=False,
                        solver=solver,
                        time_limit=time_limit,
                    )
                except ModelError:
                    continue
                evaluated.append((res.objective, float(res.parameters["travel"]), a))
            evaluated.sort()
            best = evaluated[:n_alternatives]
        else:
            best = [(float(quick[k, a]), float(quick[k, a]), a) for a in ranked[:n_alternatives]]
        for rank, (obj, travel, a) in enumerate(best, start=1):
            row: dict[str, Any] = {
                "chosen_site": sids[j],
                "chosen_name": names[j],
                "rank": rank,
                "alternative_site": sids[a],
                "alternative_name": names[a],
                "method": "others fixed",
                "objective": obj,
                "increase": obj - base,
                "increase_pct": 100.0 * (obj - base) / base if base > 0 else np.nan,
                "extra_minutes": (travel - base_travel) / total_w,
            }
            if reoptimise:
                row.update(_reoptimised(c, w, result, j, a, forced, banned, kwargs, solver, time_limit))
                row["reoptimised_increase_pct"] = (
                    100.0 * (row["reoptimised_objective"] - base) / base if base > 0 else np.nan
                )
                row["reoptimised_extra_minutes"] = (row.pop("_travel") - base_travel) / total_w
                row["reoptimised_sites"] = ", ".join(sids[x] for x in row.pop("_sites"))
            rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["not_swapped"] = [sids[j] for j in chosen if j in forced]
    table.attrs["base_objective"] = base
    return table


def _reoptimised(
    c: np.ndarray,
    w: np.ndarray,
    result: LocationResult,
    out: int,
    into: int,
    forced: set[int],
    banned: set[int],
    kwargs: dict[str, Any],
    solver: str,
    time_limit: float | None,
) -> dict[str, Any]:
    must = sorted(forced | {into})
    ban = sorted(banned | {out})
    try:
        if result.model == "capacitated":
            n_hubs = result.parameters.get("n_hubs")
            res = solve_facility_location(
                c,
                w,
                **kwargs,
                n_hubs=n_hubs,
                must_open=must,
                unavailable=ban,
                diagnose=False,
                solver=solver,
                time_limit=time_limit,
            )
        else:
            res = solve_p_median(
                c, w, len(result.open_sites), must_open=must, unavailable=ban, solver=solver, time_limit=time_limit
            )
    except ModelError:
        return {"reoptimised_objective": np.nan, "_travel": np.nan, "_sites": []}
    return {
        "reoptimised_objective": float(res.objective),
        "reoptimised_status": res.report.status,
        "_travel": _travel(res, w),
        "_sites": [int(j) for j in res.open_sites],
    }


def _colocated(c: np.ndarray, must: Sequence[int], ban: Sequence[int]) -> tuple[dict[int, list[int]], list[int]]:
    """Groups of available sites with identical travel-time columns: {kept site: its twins}, and the twins to drop
    (a must-open site is always kept)."""
    groups: dict[bytes, list[int]] = {}
    for j in range(c.shape[1]):
        if j not in ban:
            groups.setdefault(np.ascontiguousarray(c[:, j]).tobytes(), []).append(j)
    twins: dict[int, list[int]] = {}
    drop: list[int] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        forced = [j for j in members if j in must]
        keep = forced or members[:1]
        rest = [j for j in members if j not in keep]
        twins[keep[0]] = rest
        drop.extend(rest)
    return twins, drop


def next_best_solutions(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int | None,
    *,
    n_solutions: int = 4,
    must_open: Sequence[int] = (),
    unavailable: Sequence[int] = (),
    site_ids: Sequence[str] | None = None,
    site_names: Sequence[str] | None = None,
    model_kwargs: Mapping[str, Any] | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    merge_colocated: bool = True,
) -> pd.DataFrame:
    """The best solution and the next-best distinct ones, by re-solving with no-good cuts.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes).
    weights : numpy.ndarray, shape (n_zones,)
        Demand.
    n_hubs : int or None
        Number of hubs (None: free number, capacitated model only).
    n_solutions : int
        How many solutions in all (the best included); fewer when no more exist.
    must_open, unavailable : sequence of int
        Site rules.
    site_ids, site_names : sequence of str, optional
        Identifiers and readable names for the table.
    model_kwargs : mapping, optional
        None (default): the p-median (demand-weighted minutes to the nearest open site). Otherwise keyword arguments
        of :func:`hubopt.locate.capacitated.solve_facility_location` (capacity, min_demand, costs, budget, ...).
    solver, time_limit, mip_gap
        For each solve (``time_limit`` applies to each one).
    merge_colocated : bool
        p-median only: sites with identical travel times from every zone (e.g. two practices in one building)
        count as one, so the next-best list is not padded with swaps between them; the ``equivalent`` column
        names the sites each chosen site stands for.

    Returns
    -------
    pandas.DataFrame
        One row per solution in the order found: ``rank`` (1 = best), ``objective``, ``increase``,
        ``increase_pct`` (vs the best), ``mean_minutes`` (demand-weighted mean travel time), ``status``, ``gap``,
        ``n_open``, ``sites``, ``names``, ``swapped_in`` and ``swapped_out`` (vs the best), ``equivalent``.
        ``attrs["exhausted"]`` is True when no further distinct solution exists.
    """
    if n_solutions < 1:
        raise InputError("ask for at least one solution")
    c, w, _, sids = check_cost_and_weights(cost, weights, None, site_ids)
    names = _names(sids, site_names)
    capacitated = model_kwargs is not None
    if n_hubs is None and not capacitated:
        raise InputError("the p-median needs a number of hubs (a free number needs the capacitated model's costs)")
    # No capacities and split assignment: the capacitated model is then exactly the p-median.
    kwargs: dict[str, Any] = dict(model_kwargs) if capacitated else {"single_assignment": False}
    must = sorted({int(j) for j in must_open} | {int(j) for j in kwargs.pop("must_open", ())})
    ban = sorted({int(j) for j in unavailable} | {int(j) for j in kwargs.pop("unavailable", ())})
    diagnose = bool(kwargs.pop("diagnose", True))
    for key in ("n_hubs", "solver", "time_limit", "mip_gap", "exclude_solutions"):
        kwargs.pop(key, None)
    twins: dict[int, list[int]] = {}
    if merge_colocated and not capacitated:
        twins, extra_ban = _colocated(c, must, ban)
        if n_hubs is not None and c.shape[1] - len(ban) - len(extra_ban) >= n_hubs:
            ban = sorted(set(ban) | set(extra_ban))
        else:
            twins = {}
    found: list[LocationResult] = []
    exhausted = False
    for _ in range(n_solutions):
        try:
            res = solve_facility_location(
                c,
                w,
                **kwargs,
                diagnose=diagnose and not found,
                n_hubs=n_hubs,
                must_open=must,
                unavailable=ban,
                exclude_solutions=[list(r.open_sites) for r in found],
                solver=solver,
                time_limit=time_limit,
                mip_gap=mip_gap,
            )
        except ModelError:
            if not found:
                raise
            exhausted = True
            break
        found.append(res)
    best = found[0]
    total_w = float(w.sum()) or 1.0
    best_set = {int(j) for j in best.open_sites}
    rows = []
    for rank, res in enumerate(found, start=1):
        s = {int(j) for j in res.open_sites}
        rows.append(
            {
                "rank": rank,
                "objective": res.objective,
                "increase": res.objective - best.objective,
                "increase_pct": 100.0 * (res.objective - best.objective) / best.objective if best.objective else 0.0,
                "mean_minutes": float(res.parameters["travel"]) / total_w,
                "status": res.report.status,
                "gap": res.report.gap,
                "n_open": len(s),
                "sites": ", ".join(sids[j] for j in sorted(s)),
                "names": ", ".join(names[j] for j in sorted(s)),
                "swapped_in": ", ".join(sids[j] for j in sorted(s - best_set)),
                "swapped_out": ", ".join(sids[j] for j in sorted(best_set - s)),
                "equivalent": "; ".join(
                    f"{sids[j]} = {', '.join(sids[t] for t in twins[j])}" for j in sorted(s) if twins.get(j)
                ),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["exhausted"] = exhausted
    table.attrs["open_sites"] = [[int(j) for j in r.open_sites] for r in found]
    return table
