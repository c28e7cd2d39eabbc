"""Explain an answer: what each chosen site is worth, and how close the next-best answers come.

A board shown "these 8 sites" asks "why this one and not that one?" and "is there another answer nearly as good?".
Each model is explained in its own measure (a :class:`hubopt.locate.measure.Measure`, named in every table's
``measure`` column, with ``better`` saying which way is better), and ``increase`` always means "worse by", in that
measure:

============  =======================================================  ======  ===================================
model         measure                                                  better  ``increase_pct`` is a % of
============  =======================================================  ======  ===================================
p-median      demand-weighted minutes (to the nearest open hub)        lower   the chosen answer's value
capacitated   demand-weighted minutes (+ cost weight x fixed costs)    lower   the chosen answer's value
mclp          demand covered within T min                              higher  all demand (lost demand, as a share)
p-center      longest travel time (min) among zones with demand        lower   the chosen answer's longest time
lscp          swaps: demand left beyond T min (0 = a valid             lower   all demand
              alternative); next-best and re-optimised: hubs needed
============  =======================================================  ======  ===================================

:func:`swap_table`
    For each chosen site, the best alternatives to put in its place, with what the swap costs in the model's
    measure (and ``extra_minutes``, the change in the demand-weighted mean travel time to the nearest open hub,
    for every model). What is computed, stated in the ``method`` column:

    * ``"others fixed"`` (always): the other chosen sites stay open and the swap is evaluated exactly. For the
      p-median, MCLP, LSCP and p-center, every zone goes to its nearest open site (a closed-form evaluation of
      every swap at once, :func:`hubopt.locate.closed_form.evaluate_swaps`); for the capacitated model, the
      assignment is re-solved with the new set of open sites held fixed (all capacity, size and budget rules in
      force). The model's registry entry (``swaps``) says which.
    * ``"re-optimised"`` (``reoptimise=True``): the chosen site is made unavailable, the alternative must open, and
      the whole model is solved again, so the other sites may move too. Never worse than "others fixed"; it is the
      true cost of insisting on that swap (for the LSCP: how many hubs are then needed to reach everyone).

:func:`next_best_solutions`
    The best solution and the next-best distinct ones: after each solve the set just found is excluded by a no-good
    cut (``sum_{j in S} open[j] - sum_{j not in S} open[j] <= |S| - 1``, which for a fixed number of hubs is
    ``sum_{j in S} open[j] <= N - 1``) and the model is solved again. Proven-optimal solves come out in order of
    objective; each row says how much worse it is than the best. For the p-center the order is the radius, then
    the demand-weighted time (the model's tie-break). For the LSCP the cut ``sum_{j in S} open[j] <= |S| - 1``
    also excludes every set containing a found cover (that cover plus hubs nobody needs), so each answer is a
    cover from which no hub can be dropped, in order of the number of hubs. For the uncapacitated models, sites
    with identical travel times (two practices at one postcode) count as one, so the list is not padded with
    swaps between them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError, ModelError
from hubopt.locate import registry
from hubopt.locate.closed_form import evaluate_swaps, need_minutes, set_travel, set_value, swap_values
from hubopt.locate.measure import Measure, result_measure
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions, StepCallback
from hubopt.locate.registry import LocationModel, ModelRequest
from hubopt.locate.solution import LocationResult, check_cost_and_weights

#: Keyword arguments the explanation sets itself, dropped from ``model_kwargs``.
_OWN_KEYWORDS = (
    "n_hubs",
    "rules",
    "options",
    "solver",
    "time_limit",
    "mip_gap",
    "msg",
    "diagnose",
    "exclude_solutions",
)


def _names(site_ids: Sequence[str], site_names: Sequence[str] | None) -> list[str]:
    if site_names is None:
        return list(site_ids)
    names = [str(x) for x in site_names]
    if len(names) != len(site_ids):
        raise InputError(f"{len(names)} site names for {len(site_ids)} sites")
    return names


def _travel(result: LocationResult, w: np.ndarray) -> float:
    """Demand-weighted minutes of a result: as it reports them (the capacitated model's, to the assigned hubs), or
    to each zone's assigned site."""
    if "travel" in result.parameters:
        return float(result.parameters["travel"])
    cost = np.where(np.isfinite(result.assigned_cost), result.assigned_cost, 0.0)
    return float(np.dot(w, cost))


def _entry(model: str) -> LocationModel:
    entry = registry.find(model)
    if entry is None:
        raise InputError(f"no explanation for the {model!r} model")
    return entry


def _split_kwargs(model_kwargs: Mapping[str, Any] | None, rules: SiteRules) -> tuple[dict[str, Any], SiteRules]:
    """The model's own keyword arguments, and the site rules with any given among them added."""
    kwargs = dict(model_kwargs or {})
    given = kwargs.pop("rules", None) or SiteRules()
    rules = rules.also(
        (*given.must_open, *kwargs.pop("must_open", ())), (*given.unavailable, *kwargs.pop("unavailable", ()))
    )
    for key in _OWN_KEYWORDS:
        kwargs.pop(key, None)
    return kwargs, rules


@dataclass
class _SwapBase:
    """The chosen answer in the measures its swaps are compared in."""

    values: np.ndarray  # [k, a]: the value in the measure with the k-th chosen site swapped for a
    quick: np.ndarray  # [k, a]: demand-weighted minutes with that swap (every zone to its nearest open site)
    base: float  # the chosen answer's value in the measure
    base_travel: float  # its demand-weighted minutes
    zones_out: np.ndarray | None  # cover all: zones left beyond T with each swap


def _swap_base(
    c: np.ndarray, w: np.ndarray, result: LocationResult, chosen: list[int], banned: set[int]
) -> _SwapBase:
    c_avail = c.copy()
    c_avail[:, sorted(banned)] = np.inf
    quick = swap_values(c_avail, w, chosen)
    entry = registry.find(result.model)
    if entry is not None and entry.swaps == "closed form":
        t = result.parameters.get("max_minutes")
        zones_out = None
        if entry.measure == "cover all":
            zones_out = evaluate_swaps(c_avail, np.ones(c.shape[0]), chosen, result.model, t)
        return _SwapBase(
            evaluate_swaps(c_avail, w, chosen, result.model, t),
            quick,
            set_value(c, w, chosen, result.model, t),
            set_travel(c, w, chosen),
            zones_out,
        )
    return _SwapBase(quick, quick, float(result.objective), _travel(result, w), None)


def swap_table(
    cost: np.ndarray,
    weights: np.ndarray,
    result: LocationResult,
    *,
    rules: SiteRules = NO_RULES,
    site_ids: Sequence[str] | None = None,
    site_names: Sequence[str] | None = None,
    n_alternatives: int = 3,
    reoptimise: bool = False,
    model_kwargs: Mapping[str, Any] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
    on_step: StepCallback | None = None,
) -> pd.DataFrame:
    """For each chosen site, the cost of putting each of its best alternatives in its place.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        The travel-time matrix the result was solved on.
    weights : numpy.ndarray, shape (n_zones,)
        The demand it was solved with.
    result : LocationResult
        A p-median (or multi-year "sum"), capacitated, MCLP, LSCP or p-center result; its ``model`` decides the
        measure (the module notes list them) and its ``parameters`` give the standard T of the coverage models.
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    site_ids, site_names : sequence of str, optional
        Identifiers and readable names for the table.
    n_alternatives : int
        Alternatives listed per chosen site: the best ones in the model's measure, ties broken by the
        demand-weighted mean travel time (and, for the LSCP, by the number of zones left beyond T first).
    reoptimise : bool
        Also re-solve the whole model with each listed swap forced (slower; see the module notes).
    model_kwargs : mapping, optional
        For a capacitated result, the keyword arguments it was solved with (its ``settings``); for a
        p-center result, optionally ``method`` and ``tie_break`` for the re-solves (default: as the result says).
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`) for the re-solves.
    on_step : callable, optional
        Told ``(done, total)`` after each chosen site (``total``: the chosen sites, must-open ones included).

    Returns
    -------
    pandas.DataFrame
        One row per (chosen site, alternative), best alternatives first: ``chosen_site``, ``chosen_name``,
        ``rank``, ``alternative_site``, ``alternative_name``, ``method`` ("others fixed"), ``measure`` (what
        ``objective`` is, in words), ``better`` ("lower" or "higher"), ``objective`` (the value with the swap),
        ``increase`` (worse by, in the measure: for the MCLP the demand lost, for the p-center the minutes added
        to the longest journey, for the LSCP the demand left beyond T; negative would mean better),
        ``increase_pct`` (of the chosen answer's value; of all demand for the MCLP and LSCP), ``extra_minutes``
        (change in the demand-weighted mean travel time to the nearest open hub; for the capacitated model, to the
        assigned hub); for the LSCP also ``uncovered_zones`` and ``valid_alternative`` (everyone still within T).
        With ``reoptimise``: ``reoptimised_measure``, ``reoptimised_objective``, ``reoptimised_status``,
        ``reoptimised_increase``, ``reoptimised_increase_pct``, ``reoptimised_extra_minutes`` and
        ``reoptimised_sites`` (for the LSCP the re-solve's measure is the number of hubs needed; a status
        "infeasible" means no answer at all exists with that swap, e.g. a zone only the closed site reaches in
        time).
        ``attrs``: ``measure`` (a :class:`Measure`), ``reoptimised_measure``, ``base_objective`` (the chosen
        answer's value in the measure), ``not_swapped`` (chosen sites kept by the must-open rule).
    """
    c, w, _, sids = check_cost_and_weights(cost, weights, None, site_ids)
    names = _names(sids, site_names)
    chosen = [int(j) for j in sorted(result.open_sites)]
    kwargs, rules = _split_kwargs(model_kwargs, rules)
    forced, banned = set(rules.must_open) | set(rules.external), set(rules.unavailable)
    measure = result_measure(result)
    re_measure = result_measure(result, hubs=True)
    total_w = float(w.sum()) or 1.0
    sb = _swap_base(c, w, result, chosen, banned)
    entry = registry.find(result.model)
    re_base = float(len(chosen)) if entry is not None and entry.hubs == "forbidden" else sb.base
    candidates = [a for a in range(c.shape[1]) if a not in chosen and a not in banned]
    rows: list[dict[str, Any]] = []
    for k, j in enumerate(chosen):
        if on_step is not None and k:
            on_step(k, len(chosen))
        if j in forced:
            continue
        if entry is not None and entry.swaps == "re-solve":
            best = _resolved_swaps(c, w, entry, chosen, k, candidates, sb.quick, n_alternatives, kwargs, options)
        else:
            best = _closed_form_swaps(measure, sb, k, candidates, n_alternatives)
        for rank, (obj, travel, a) in enumerate(best, start=1):
            increase = measure.worse_by(obj, sb.base)
            row: dict[str, Any] = {
                "chosen_site": sids[j],
                "chosen_name": names[j],
                "rank": rank,
                "alternative_site": sids[a],
                "alternative_name": names[a],
                "method": "others fixed",
                "measure": measure.name,
                "better": measure.better,
                "objective": obj,
                "increase": increase,
                "increase_pct": measure.pct(increase, sb.base, total_w),
                "extra_minutes": _extra_minutes(travel, sb.base_travel, total_w),
            }
            if sb.zones_out is not None:
                row["uncovered_zones"] = int(sb.zones_out[k, a])
                row["valid_alternative"] = bool(sb.zones_out[k, a] == 0)
            if reoptimise:
                re = _reoptimised(c, w, result, j, a, rules, kwargs, options)
                row.update(_reoptimised_columns(re, re_measure, re_base, sb.base_travel, total_w, sids))
            rows.append(row)
    if on_step is not None:
        on_step(len(chosen), len(chosen))
    table = pd.DataFrame(rows)
    table.attrs["measure"] = measure
    table.attrs["reoptimised_measure"] = re_measure
    table.attrs["not_swapped"] = [sids[j] for j in chosen if j in forced]
    table.attrs["base_objective"] = sb.base
    return table


def _closed_form_swaps(
    measure: Measure, sb: _SwapBase, k: int, candidates: list[int], n_alternatives: int
) -> list[tuple[float, float, int]]:
    """The best alternatives to the k-th chosen site: (value, demand-weighted minutes, site), best first."""

    def key(a: int) -> tuple[float, ...]:
        worse = measure.worse_by(float(sb.values[k, a]), sb.base)
        zones = () if sb.zones_out is None else (float(sb.zones_out[k, a]),)
        return (worse, *zones, float(sb.quick[k, a]), a)

    return [(float(sb.values[k, a]), float(sb.quick[k, a]), a) for a in sorted(candidates, key=key)[:n_alternatives]]


def _resolved_swaps(
    c: np.ndarray,
    w: np.ndarray,
    entry: LocationModel,
    chosen: list[int],
    k: int,
    candidates: list[int],
    quick: np.ndarray,
    n_alternatives: int,
    kwargs: dict[str, Any],
    options: SolverOptions,
) -> list[tuple[float, float, int]]:
    """The best alternatives to the k-th chosen site, each re-solved with exactly that set open (capacitated)."""
    m = c.shape[1]
    j = chosen[k]
    ranked = sorted(candidates, key=lambda a: (quick[k, a], a))
    evaluated = []
    for a in ranked[: max(2 * n_alternatives, n_alternatives + 2)]:
        trial = sorted([x for x in chosen if x != j] + [a])
        rules = SiteRules.of(trial, [x for x in range(m) if x not in trial])
        try:
            res = entry.solve(ModelRequest(c, w, len(trial), rules, options, settings=kwargs, diagnose=False))
        except ModelError:
            continue
        evaluated.append((res.objective, _travel(res, w), a))
    evaluated.sort()
    return evaluated[:n_alternatives]


def _extra_minutes(travel: float, base_travel: float, total_w: float) -> float:
    """Change in the demand-weighted mean time (NaN when either side leaves demand with no hub to reach)."""
    if not (math.isfinite(travel) and math.isfinite(base_travel)):
        return math.nan
    return (travel - base_travel) / total_w


def _reoptimised_columns(
    re: dict[str, Any], re_measure: Measure, re_base: float, base_travel: float, total_w: float, sids: Sequence[str]
) -> dict[str, Any]:
    """The ``reoptimised_*`` columns of a swap's row, from its re-solve (:func:`_reoptimised`)."""
    re_inc = re_measure.worse_by(re["reoptimised_objective"], re_base)
    return {
        "reoptimised_measure": re_measure.name,
        "reoptimised_objective": re["reoptimised_objective"],
        "reoptimised_status": re["reoptimised_status"],
        "reoptimised_increase": re_inc,
        "reoptimised_increase_pct": re_measure.pct(re_inc, re_base, total_w),
        "reoptimised_extra_minutes": _extra_minutes(re["travel"], base_travel, total_w),
        "reoptimised_sites": ", ".join(sids[x] for x in re["sites"]),
    }


def _reoptimised(
    c: np.ndarray,
    w: np.ndarray,
    result: LocationResult,
    out: int,
    into: int,
    rules: SiteRules,
    kwargs: dict[str, Any],
    options: SolverOptions,
) -> dict[str, Any]:
    """Re-solve ``result``'s model with ``into`` forced open and ``out`` unavailable."""
    entry = registry.find(result.model) or registry.lookup("p-median")
    p = result.parameters
    # The area's own hubs (parameters count no external site): the request adds the external sites again.
    n_hubs = {"required": len(result.hubs), "optional": p.get("n_hubs"), "forbidden": None}[entry.hubs]
    if entry.swaps == "re-solve":
        settings = kwargs
    else:  # the result's own settings (e.g. the p-center's method), unless given
        settings = {key: kwargs.get(key, p[key]) for key in entry.result_settings if key in kwargs or key in p}
    request = ModelRequest(
        c, w, n_hubs, rules.also([into], [out]), options, max_minutes=p.get("max_minutes"), settings=settings,
        diagnose=False,
    )  # fmt: skip
    try:
        res = entry.solve(request)
    except ModelError as err:
        # A proof (the rules cannot be met with the swap forced: e.g. a zone only the closed site reaches) is
        # "infeasible"; anything else (a time limit) is "no solution".
        text = str(err)
        proven = "infeasible" in text or "cannot reach any available site" in text
        return {
            "reoptimised_objective": np.nan,
            "reoptimised_status": "infeasible" if proven else "no solution",
            "travel": np.nan,
            "sites": [],
        }
    sites = [int(j) for j in res.open_sites]
    travel = set_travel(c, w, sites) if entry.swaps == "closed form" else _travel(res, w)
    return {
        "reoptimised_objective": float(res.objective),
        "reoptimised_status": res.report.status,
        "travel": travel,
        "sites": sites,
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
    model: str | None = None,
    max_minutes: float | None = None,
    rules: SiteRules = NO_RULES,
    site_ids: Sequence[str] | None = None,
    site_names: Sequence[str] | None = None,
    model_kwargs: Mapping[str, Any] | None = None,
    options: SolverOptions = DEFAULT_OPTIONS,
    merge_colocated: bool = True,
    on_step: StepCallback | None = None,
) -> pd.DataFrame:
    """The best solution and the next-best distinct ones, by re-solving with no-good cuts.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes).
    weights : numpy.ndarray, shape (n_zones,)
        Demand.
    n_hubs : int or None
        Number of hubs (None: free number, for the capacitated model, and always for the LSCP, which finds the
        fewest itself).
    n_solutions : int
        How many solutions in all (the best included); fewer when no more exist.
    model : {"p-median", "capacitated", "mclp", "lscp", "p-center"}, optional
        The model (default: the capacitated model when ``model_kwargs`` is given, the p-median otherwise).
    max_minutes : float, optional
        The travel-time standard T of the MCLP and LSCP (or ``model_kwargs["max_minutes"]``).
    rules : SiteRules
        Sites that must open / may not open (column indices; :class:`hubopt.locate.options.SiteRules`).
    site_ids, site_names : sequence of str, optional
        Identifiers and readable names for the table.
    model_kwargs : mapping, optional
        Capacitated model: keyword arguments of :func:`hubopt.locate.capacitated.solve_facility_location` (its
        ``settings``: capacity, min_demand, costs, budget, ...). p-center: optionally ``method`` and ``tie_break``.
        MCLP and LSCP: optionally ``max_minutes``.
    options : SolverOptions
        Solver options (:class:`hubopt.locate.options.SolverOptions`) for each solve (``time_limit`` applies to
        each one).
    merge_colocated : bool
        Uncapacitated models: sites with identical travel times from every zone (e.g. two practices in one
        building) count as one, so the next-best list is not padded with swaps between them; the ``equivalent``
        column names the sites each chosen site stands for.
    on_step : callable, optional
        Told ``(done, n_solutions)`` after each solve (the last call says ``(n_solutions, n_solutions)`` also when
        the list ended early).

    Returns
    -------
    pandas.DataFrame
        One row per solution in the order found: ``rank`` (1 = best), ``measure`` and ``better`` (as in
        :func:`swap_table`: demand-weighted minutes, demand covered within T, longest travel time, or for the LSCP
        the hubs needed), ``objective``, ``increase`` (worse than the best by, in the measure), ``increase_pct``
        (of the best's value; of all demand for the MCLP), ``mean_minutes`` (demand-weighted mean travel time),
        ``status``, ``gap``, ``n_open``, ``sites``, ``names``, ``swapped_in`` and ``swapped_out`` (vs the best),
        ``equivalent``; for the MCLP also ``covered_share``, for the p-center ``weighted_minutes`` (its
        tie-break). ``attrs``: ``measure`` (a :class:`Measure`), ``exhausted`` (True when the solver proved that
        no further distinct solution exists), ``stopped`` (why the list ended early otherwise, e.g. a time limit,
        or None) and ``open_sites``.
    """
    if n_solutions < 1:
        raise InputError("ask for at least one solution")
    c, w, _, sids = check_cost_and_weights(cost, weights, None, site_ids)
    names = _names(sids, site_names)
    kind = model or ("capacitated" if model_kwargs is not None else "p-median")
    entry = registry.find(kind)
    if entry is None or entry.next_best is None:
        raise InputError(f"no next-best solutions for the {kind!r} model")
    diagnose = bool((model_kwargs or {}).get("diagnose", True))
    kwargs, rules = _split_kwargs(model_kwargs, rules)
    t = kwargs.pop("max_minutes", None) if max_minutes is None else max_minutes
    if entry.hubs == "forbidden" and n_hubs is not None:
        raise InputError(f"the {entry.name} model finds the number of hubs itself: pass n_hubs=None")
    if n_hubs is None and entry.hubs == "required":
        raise InputError(
            f"the {kind} model needs a number of hubs (a free number needs the capacitated model's costs)"
        )
    if entry.needs_max_minutes:
        t = need_minutes(kind, t)
    twins: dict[int, list[int]] = {}
    if merge_colocated and entry.swaps != "re-solve":
        twins, extra_ban = _colocated(c, (*rules.must_open, *rules.external), rules.unavailable)
        if n_hubs is None or c.shape[1] - len(rules.unavailable) - len(extra_ban) >= n_hubs:
            rules = rules.also(unavailable=extra_ban)
        else:
            twins = {}
    request = ModelRequest(
        c, w, n_hubs, rules, options, max_minutes=t, settings=kwargs,
        diagnose=diagnose,
    )  # fmt: skip
    found, exhausted, stopped = _solve_in_turn(entry, request, n_solutions, on_step or _no_steps)
    return _next_best_table(c, w, entry, found, sids, names, twins, exhausted, stopped)


def _no_steps(_done: int, _total: int) -> None:
    """No progress display."""


def _solve_in_turn(
    entry: LocationModel, request: ModelRequest, n_solutions: int, on_step: StepCallback
) -> tuple[list[LocationResult], bool, str | None]:
    """Solve, exclude the set found by a no-good cut, and again: the solutions, and why the list ended early."""
    assert entry.next_best is not None
    found: list[LocationResult] = []
    for done in range(n_solutions):
        if done:
            on_step(done, n_solutions)
        exclude = [list(r.open_sites) for r in found]
        try:
            res = entry.next_best(
                replace(request, exclude_solutions=exclude, diagnose=request.diagnose and not found)
            )
        except ModelError as err:
            if not found:
                raise
            # Only a proof that nothing is left ends the list as exhausted; a solve stopped short says so.
            on_step(n_solutions, n_solutions)
            if "infeasible" in str(err):
                return found, True, None
            return found, False, str(err)
        found.append(res)
    on_step(n_solutions, n_solutions)
    return found, False, None


def _next_best_table(
    c: np.ndarray,
    w: np.ndarray,
    entry: LocationModel,
    found: list[LocationResult],
    sids: Sequence[str],
    names: Sequence[str],
    twins: dict[int, list[int]],
    exhausted: bool,
    stopped: str | None,
) -> pd.DataFrame:
    best = found[0]
    measure = result_measure(best, hubs=True)
    total_w = float(w.sum()) or 1.0
    best_set = {int(j) for j in best.open_sites}
    rows = []
    for rank, res in enumerate(found, start=1):
        s = {int(j) for j in res.open_sites}
        increase = measure.worse_by(float(res.objective), float(best.objective))
        closed_form = entry.swaps == "closed form"
        travel = set_travel(c, w, sorted(s)) if closed_form else _travel(res, w)
        row: dict[str, Any] = {
            "rank": rank,
            "measure": measure.name,
            "better": measure.better,
            "objective": res.objective,
            "increase": increase,
            "increase_pct": measure.pct(increase, float(best.objective), total_w) if increase else 0.0,
            "mean_minutes": travel / total_w,
            "status": res.report.status,
            "gap": res.report.gap,
            "n_open": len(s),
            "sites": ", ".join(sids[j] for j in sorted(s)),
            "names": ", ".join(names[j] for j in sorted(s)),
            "swapped_in": ", ".join(sids[j] for j in sorted(s - best_set)),
            "swapped_out": ", ".join(sids[j] for j in sorted(best_set - s)),
            "equivalent": "; ".join(
                f"{sids[j]} = {', '.join(sids[x] for x in twins[j])}" for j in sorted(s) if twins.get(j)
            ),
        }
        for column in entry.next_best_columns:
            row[column] = float(res.parameters[column])
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["measure"] = measure
    table.attrs["exhausted"] = exhausted
    table.attrs["stopped"] = stopped
    table.attrs["open_sites"] = [[int(j) for j in r.open_sites] for r in found]
    return table
