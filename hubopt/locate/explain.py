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
    swaps between them. The p-median ranks its solutions at once instead (:mod:`hubopt.locate.median_ranked`:
    the same list, each proven in its place, in a second or two where re-solving took minutes).

Both take a ``deadline`` (a :func:`hubopt.locate._clock.now` value, e.g. an explanation's time budget): they stop
cleanly when it passes, keep only what was finished (a hub's swaps, a solution: never half of one), and the table
says so: ``attrs["cut_short"]`` is True and ``attrs["cut_short_note"]`` says what was left out, e.g.
"next-best solutions: 2 of 4 found before the time budget ran out".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import ModelError
from hubopt.locate import registry
from hubopt.locate.budget import cut_short_note, out_of_time, within_budget
from hubopt.locate.closed_form import evaluate_swaps, set_travel, set_value, swap_values
from hubopt.locate.explain_inputs import names_of, result_travel, split_kwargs
from hubopt.locate.measure import Measure, result_measure
from hubopt.locate.next_best import next_best_solutions
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions, StepCallback
from hubopt.locate.registry import LocationModel, ModelRequest
from hubopt.locate.solution import LocationResult, check_cost_and_weights


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
    return _SwapBase(quick, quick, float(result.objective), result_travel(result, w), None)


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
    deadline: float | None = None,
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
    deadline : float, optional
        A :func:`hubopt.locate._clock.now` value: no hub whose swaps need solves (re-solved or re-optimised) is
        started after it, and one it cut off is left out (the closed-form values, one pass over the matrix, are
        always given). The table then says so (``attrs["cut_short"]``, ``attrs["cut_short_note"]``).

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
        answer's value in the measure), ``not_swapped`` (chosen sites kept by the must-open rule), ``cut_short``
        and ``cut_short_note`` (the deadline passed: how many hubs were explained; None otherwise).
    """
    c, w, _, sids = check_cost_and_weights(cost, weights, None, site_ids)
    names = names_of(sids, site_names)
    chosen = [int(j) for j in sorted(result.open_sites)]
    kwargs, rules = split_kwargs(model_kwargs, rules)
    forced, banned = set(rules.must_open) | set(rules.external), set(rules.unavailable)
    measure = result_measure(result)
    re_measure = result_measure(result, hubs=True)
    total_w = float(w.sum()) or 1.0
    sb = _swap_base(c, w, result, chosen, banned)
    entry = registry.find(result.model)
    re_base = float(len(chosen)) if entry is not None and entry.hubs == "forbidden" else sb.base
    candidates = [a for a in range(c.shape[1]) if a not in chosen and a not in banned]
    rows: list[dict[str, Any]] = []
    solves = reoptimise or (entry is not None and entry.swaps == "re-solve")
    cut_short, explained = False, 0
    for k, j in enumerate(chosen):
        if on_step is not None and k:
            on_step(k, len(chosen))
        if j in forced:
            continue
        if solves and out_of_time(deadline):
            cut_short = True
            break
        budget = within_budget(options, deadline)
        if entry is not None and entry.swaps == "re-solve":
            best = _resolved_swaps(c, w, entry, chosen, k, candidates, sb.quick, n_alternatives, kwargs, budget)
        else:
            best = _closed_form_swaps(measure, sb, k, candidates, n_alternatives)
        hub_rows = []
        for rank, (obj, travel, a) in enumerate(best, start=1):
            row = _swap_row(measure, sb, k, a, obj, travel, total_w)
            row.update(chosen_site=sids[j], chosen_name=names[j], rank=rank)
            row.update(alternative_site=sids[a], alternative_name=names[a])
            if reoptimise:
                re = _reoptimised(c, w, result, j, a, rules, kwargs, budget)
                row.update(_reoptimised_columns(re, re_measure, re_base, sb.base_travel, total_w, sids))
            hub_rows.append(row)
        if solves and out_of_time(deadline):  # its solves may have been cut off by the deadline: left out
            cut_short = True
            break
        rows.extend(hub_rows)
        explained += 1
    if on_step is not None:
        on_step(len(chosen), len(chosen))
    table = pd.DataFrame(rows)
    not_swapped = [sids[j] for j in chosen if j in forced]
    note = cut_short_note("swaps", explained, len(chosen) - len(not_swapped), "hubs explained") if cut_short else None
    table.attrs.update(measure=measure, reoptimised_measure=re_measure, not_swapped=not_swapped)
    table.attrs.update(base_objective=sb.base, cut_short=cut_short, cut_short_note=note)
    return table


def _swap_row(
    measure: Measure, sb: _SwapBase, k: int, a: int, obj: float, travel: float, total_w: float
) -> dict[str, Any]:
    """The columns of one swap's row (in the table's order) but the sites' names."""
    increase = measure.worse_by(obj, sb.base)
    row: dict[str, Any] = dict.fromkeys(
        ("chosen_site", "chosen_name", "rank", "alternative_site", "alternative_name")
    )
    row.update(
        method="others fixed",
        measure=measure.name,
        better=measure.better,
        objective=obj,
        increase=increase,
        increase_pct=measure.pct(increase, sb.base, total_w),
        extra_minutes=_extra_minutes(travel, sb.base_travel, total_w),
    )
    if sb.zones_out is not None:
        row["uncovered_zones"] = int(sb.zones_out[k, a])
        row["valid_alternative"] = bool(sb.zones_out[k, a] == 0)
    return row


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
        evaluated.append((res.objective, result_travel(res, w), a))
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
    travel = set_travel(c, w, sites) if entry.swaps == "closed form" else result_travel(res, w)
    return {
        "reoptimised_objective": float(res.objective),
        "reoptimised_status": res.report.status,
        "travel": travel,
        "sites": sites,
    }


__all__ = ["next_best_solutions", "swap_table"]
