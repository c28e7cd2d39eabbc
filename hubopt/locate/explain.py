"""Explain an answer: what each chosen site is worth, and how close the next-best answers come.

A board shown "these 8 sites" asks "why this one and not that one?" and "is there another answer nearly as good?".
Each model is explained in its own measure (a :class:`Measure`, named in every table's ``measure`` column, with
``better`` saying which way is better), and ``increase`` always means "worse by", in that measure:

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
      every swap at once, :func:`evaluate_swaps`); for the capacitated model, the assignment is re-solved with the
      new set of open sites held fixed (all capacity, size and budget rules in force).
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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError, ModelError
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.center import solve_p_center
from hubopt.locate.coverage import solve_lscp, solve_mclp
from hubopt.locate.median import solve_p_median
from hubopt.locate.solution import LocationResult, check_cost_and_weights

#: Models whose swaps are evaluated in closed form with :func:`evaluate_swaps`, besides the p-median.
CLOSED_FORM = ("mclp", "lscp", "p-center")


@dataclass(frozen=True)
class Measure:
    """What an explanation table's ``objective`` is measured in, and which way is worse.

    Attributes
    ----------
    key : str
        ``"travel"``, ``"objective"`` (capacitated with costs), ``"covered"`` (MCLP), ``"uncovered"`` (LSCP swaps),
        ``"hubs"`` (LSCP next-best and re-solves) or ``"radius"`` (p-center).
    name : str
        The measure in words, e.g. "demand covered within 10 min".
    better : {"lower", "higher"}
        Which way is better; ``increase`` is always "worse by", so it is the fall in a "higher" measure.
    pct_of : str
        What ``increase_pct`` is a percentage of.
    max_minutes : float or None
        The coverage standard T, for the coverage measures.
    """

    key: str
    name: str
    better: str
    pct_of: str
    max_minutes: float | None = None

    def worse_by(self, value: float, reference: float) -> float:
        """How much worse ``value`` is than ``reference`` in this measure (negative: better)."""
        return value - reference if self.better == "lower" else reference - value

    def pct(self, increase: float, reference: float, total_demand: float) -> float:
        """``increase`` as a percentage of what :attr:`pct_of` names (NaN when that is zero)."""
        base = total_demand if self.key in ("covered", "uncovered") else reference
        return 100.0 * increase / base if base > 0 else math.nan

    def phrase(self, increase: float, increase_pct: float) -> str:
        """A short phrase for a summary line: how much worse, in this measure's words."""
        t = f"{self.max_minutes:g} min" if self.max_minutes is not None else ""
        if self.key == "travel":
            return f"+{increase_pct:.2f}% travel"
        if self.key == "objective":
            return f"+{increase_pct:.2f}% on the objective (travel plus weighted fixed costs)"
        if self.key == "covered":
            return f"{increase:,.0f} less demand within {t} ({increase_pct:.2f}% of all demand)"
        if self.key == "uncovered":
            if increase <= 0:
                return f"still everyone within {t}"
            return f"{increase:,.0f} demand left beyond {t} ({increase_pct:.2f}% of all demand)"
        if self.key == "hubs":
            n = round(increase)
            return "the same number of hubs" if n == 0 else f"{n:+d} hub{'s' if abs(n) != 1 else ''}"
        return f"+{increase:.1f} min on the longest journey"

    def compare_line(
        self, increases: Sequence[float], pcts: Sequence[float], mean_extra: Sequence[float] | None = None
    ) -> str:
        """How much worse several answers are than the best, as the predicate of a summary sentence.

        ``mean_extra`` (the change in the demand-weighted mean travel time of each) is added for the p-center,
        whose ties on the longest journey are broken by the mean.
        """
        t = f"{self.max_minutes:g} min" if self.max_minutes is not None else ""
        if self.key in ("travel", "objective"):
            what = (
                "more travel" if self.key == "travel" else "more on the objective (travel plus weighted fixed costs)"
            )
            return f"cost {', '.join(f'+{p:.2f}%' for p in pcts)} {what}"
        if self.key in ("covered", "uncovered"):
            amounts = ", ".join(f"{x:,.0f}" for x in increases)
            shares = ", ".join(f"{p:.2f}%" for p in pcts)
            verb = "cover" if self.key == "covered" else "leave"
            where = "less demand within" if self.key == "covered" else "more demand beyond"
            return f"{verb} {amounts} {where} {t} ({shares} of all demand)"
        if self.key == "hubs":
            extra = [round(x) for x in increases]
            if not any(extra):
                return f"need the same number of hubs to bring everyone within {t}"
            return f"need {', '.join(f'{n:+d}' for n in extra)} hubs vs the best to bring everyone within {t}"
        text = f"lengthen the longest journey by {', '.join(f'{x:.1f}' for x in increases)} min"
        if mean_extra is not None:
            text += f" (and the mean journey by {', '.join(f'{x:+.2f}' for x in mean_extra)} min)"
        return text


def model_measure(
    model: str, *, max_minutes: float | None = None, with_costs: bool = False, hubs: bool = False
) -> Measure:
    """The measure a model's explanation tables are in.

    Parameters
    ----------
    model : str
        ``"p-median"`` (or a multi-year p-median), ``"capacitated"``, ``"mclp"``, ``"lscp"`` or ``"p-center"``.
    max_minutes : float, optional
        The coverage standard T (MCLP and LSCP).
    with_costs : bool
        Capacitated model whose objective adds weighted fixed costs to the travel.
    hubs : bool
        LSCP: the number of hubs (next-best and re-solves) rather than the demand a swap leaves uncovered.
    """
    best = "the chosen answer's value"
    if model in ("mclp", "lscp"):
        if max_minutes is None:
            raise InputError(f"the {model} explanation needs the travel-time standard (max_minutes)")
        t = float(max_minutes)
        if model == "mclp":
            return Measure("covered", f"demand covered within {t:g} min", "higher", "all demand", t)
        if hubs:
            return Measure(
                "hubs", f"hubs needed for everyone within {t:g} min", "lower", "the chosen number of hubs", t
            )
        return Measure("uncovered", f"demand left beyond {t:g} min", "lower", "all demand", t)
    if model == "p-center":
        return Measure("radius", "longest travel time (min)", "lower", "the chosen answer's longest time")
    if model == "capacitated" and with_costs:
        return Measure("objective", "demand-weighted minutes plus cost weight x fixed costs", "lower", best)
    return Measure("travel", "demand-weighted minutes", "lower", best)


def result_measure(result: LocationResult, *, hubs: bool = False) -> Measure:
    """The measure of a solved model's explanation tables (``hubs``: the LSCP's next-best and re-solve measure)."""
    p = result.parameters
    costs = bool(p.get("cost_weight")) and bool(p.get("fixed_cost_total"))
    return model_measure(result.model, max_minutes=p.get("max_minutes"), with_costs=costs, hubs=hubs)


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


def _set_travel(c: np.ndarray, w: np.ndarray, sites: Sequence[int]) -> float:
    """Demand-weighted time to the nearest of ``sites`` (inf when a zone with demand reaches none)."""
    near = c[:, list(sites)].min(axis=1)
    if (~np.isfinite(near) & (w > 0)).any():
        return math.inf
    return float(np.dot(w, np.where(np.isfinite(near), near, 0.0)))


def set_value(
    cost: np.ndarray, weights: np.ndarray, sites: Sequence[int], model: str, max_minutes: float | None = None
) -> float:
    """The value of one set of open sites in the measure :func:`evaluate_swaps` uses for ``model``.

    p-median: demand-weighted minutes to the nearest site; MCLP: demand within ``max_minutes`` of one; LSCP: demand
    beyond ``max_minutes`` of every one; p-center: the longest time to the nearest site among zones with demand.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    near = c[:, list(sites)].min(axis=1)
    if model in ("mclp", "lscp"):
        hit = near <= float(_need_minutes(model, max_minutes))
        return float(w[hit].sum()) if model == "mclp" else float(w[~hit].sum())
    if model == "p-center":
        return float(near[w > 0].max())
    return _set_travel(c, w, sites)


def _need_minutes(model: str, max_minutes: float | None) -> float:
    if max_minutes is None:
        raise InputError(f"the {model} model needs the travel-time standard (max_minutes)")
    return float(max_minutes)


def swap_values(cost: np.ndarray, weights: np.ndarray, open_sites: Sequence[int]) -> np.ndarray:
    """p-median objective of every single swap with the other open sites fixed.

    Returns an array of shape (len(open_sites), n_sites): entry [k, a] is the demand-weighted time when the k-th
    open site closes and site ``a`` opens instead (zones to their nearest open site). Entries for ``a`` already
    open are the objective with site k closed and nothing added.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    out = np.empty((len(open_sites), c.shape[1]))
    for k, base in _nearest_without(c, open_sites):
        trial = np.minimum(base[:, None], c)
        with np.errstate(invalid="ignore"):
            out[k] = np.where(np.isfinite(trial), trial * w[:, None], np.where(w[:, None] > 0, np.inf, 0.0)).sum(0)
    return out


def _nearest_without(c: np.ndarray, open_sites: Sequence[int]) -> Iterator[tuple[int, np.ndarray]]:
    """For the k-th open site (ascending), each zone's time to the nearest of the other open sites."""
    s = np.asarray(sorted(int(j) for j in open_sites), dtype=int)
    sub = c[:, s]
    order = np.argsort(sub, axis=1)
    rows = np.arange(c.shape[0])
    first = sub[rows, order[:, 0]]
    second = sub[rows, order[:, 1]] if len(s) > 1 else np.full(c.shape[0], np.inf)
    for k in range(len(s)):
        yield k, np.where(order[:, 0] == k, second, first)


def evaluate_swaps(
    cost: np.ndarray,
    weights: np.ndarray,
    open_sites: Sequence[int],
    model: str = "p-median",
    max_minutes: float | None = None,
) -> np.ndarray:
    """Every single swap's value with the other open sites fixed, in ``model``'s measure (see :func:`set_value`).

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where a site cannot be reached (or may not be used).
    weights : numpy.ndarray, shape (n_zones,)
        Demand.
    open_sites : sequence of int
        The chosen sites.
    model : {"p-median", "mclp", "lscp", "p-center"}
        p-median: demand-weighted minutes (as :func:`swap_values`); MCLP: demand within ``max_minutes``; LSCP:
        demand beyond ``max_minutes`` (pass ones as ``weights`` to count zones); p-center: the longest time to the
        nearest open site among zones with demand.
    max_minutes : float, optional
        The coverage standard T (MCLP and LSCP).

    Returns
    -------
    numpy.ndarray, shape (len(open_sites), n_sites)
        Entry [k, a]: the value when the k-th open site (ascending) closes and site ``a`` opens instead; for ``a``
        already open, the value with site k closed and nothing added.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    if model == "p-median":
        return swap_values(c, w, open_sites)
    s = sorted(int(j) for j in open_sites)
    out = np.empty((len(s), c.shape[1]))
    if model in ("mclp", "lscp"):
        within = c <= _need_minutes(model, max_minutes)  # inf is never within
        count = within[:, s].sum(axis=1)
        for k, j in enumerate(s):
            hit = ((count - within[:, j]) > 0)[:, None] | within
            out[k] = w @ hit if model == "mclp" else w @ ~hit
        return out
    if model == "p-center":
        pos = w > 0
        if not pos.any():
            raise InputError("no zone has any demand, so the p-center measure is undefined")
        for k, base in _nearest_without(c[pos], s):
            out[k] = np.minimum(base[:, None], c[pos]).max(axis=0)
        return out
    raise InputError(f"no closed-form swap values for the {model!r} model")


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
        A p-median (or multi-year "sum"), capacitated, MCLP, LSCP or p-center result; its ``model`` decides the
        measure (the module notes list them) and its ``parameters`` give the standard T of the coverage models.
    must_open, unavailable : sequence of int
        The site rules of the solve: must-open chosen sites are not swapped out, unavailable sites never come in.
    site_ids, site_names : sequence of str, optional
        Identifiers and readable names for the table.
    n_alternatives : int
        Alternatives listed per chosen site: the best ones in the model's measure, ties broken by the
        demand-weighted mean travel time (and, for the LSCP, by the number of zones left beyond T first).
    reoptimise : bool
        Also re-solve the whole model with each listed swap forced (slower; see the module notes).
    model_kwargs : mapping, optional
        For a capacitated result, the keyword arguments it was solved with (capacity, min_demand, costs, ...); for a
        p-center result, optionally ``method`` and ``tie_break`` for the re-solves (default: as the result says).
    solver, time_limit
        For the re-solves.

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
    m = c.shape[1]
    chosen = [int(j) for j in sorted(result.open_sites)]
    kwargs = dict(model_kwargs or {})
    forced = {int(j) for j in must_open} | {int(j) for j in kwargs.pop("must_open", ())}
    banned = {int(j) for j in unavailable} | {int(j) for j in kwargs.pop("unavailable", ())}
    for key in ("n_hubs", "solver", "time_limit", "diagnose", "exclude_solutions"):
        kwargs.pop(key, None)
    kind = result.model
    capacitated = kind == "capacitated"
    measure = result_measure(result)
    re_measure = result_measure(result, hubs=True)
    total_w = float(w.sum()) or 1.0
    c_avail = c.copy()
    c_avail[:, sorted(banned)] = np.inf
    quick = swap_values(c_avail, w, chosen)
    if kind in CLOSED_FORM:
        t = result.parameters.get("max_minutes")
        values = evaluate_swaps(c_avail, w, chosen, kind, t)
        base = set_value(c, w, chosen, kind, t)
        base_travel = _set_travel(c, w, chosen)
        zones_out = evaluate_swaps(c_avail, np.ones(c.shape[0]), chosen, kind, t) if kind == "lscp" else None
    else:
        values, base, base_travel, zones_out = quick, float(result.objective), _travel(result, w), None
    re_base = float(len(chosen)) if kind == "lscp" else base
    candidates = [a for a in range(m) if a not in chosen and a not in banned]
    rows: list[dict[str, Any]] = []
    for k, j in enumerate(chosen):
        if j in forced:
            continue
        if capacitated:

            def quick_order(a: int, k: int = k) -> tuple[float, int]:
                return (float(quick[k, a]), a)

            ranked = sorted(candidates, key=quick_order)
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

            def alternative_order(a: int, k: int = k) -> tuple[float, ...]:
                worse = measure.worse_by(float(values[k, a]), base)
                zones = () if zones_out is None else (float(zones_out[k, a]),)
                return (worse, *zones, float(quick[k, a]), a)

            best = [
                (float(values[k, a]), float(quick[k, a]), a)
                for a in sorted(candidates, key=alternative_order)[:n_alternatives]
            ]
        for rank, (obj, travel, a) in enumerate(best, start=1):
            increase = measure.worse_by(obj, base)
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
                "increase_pct": measure.pct(increase, base, total_w),
                "extra_minutes": _extra_minutes(travel, base_travel, total_w),
            }
            if zones_out is not None:
                row["uncovered_zones"] = int(zones_out[k, a])
                row["valid_alternative"] = bool(zones_out[k, a] == 0)
            if reoptimise:
                re = _reoptimised(c, w, result, j, a, forced, banned, kwargs, solver, time_limit)
                re_inc = re_measure.worse_by(re["reoptimised_objective"], re_base)
                row.update(
                    reoptimised_measure=re_measure.name,
                    reoptimised_objective=re["reoptimised_objective"],
                    reoptimised_status=re["reoptimised_status"],
                    reoptimised_increase=re_inc,
                    reoptimised_increase_pct=re_measure.pct(re_inc, re_base, total_w),
                    reoptimised_extra_minutes=_extra_minutes(re["travel"], base_travel, total_w),
                    reoptimised_sites=", ".join(sids[x] for x in re["sites"]),
                )
            rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["measure"] = measure
    table.attrs["reoptimised_measure"] = re_measure
    table.attrs["not_swapped"] = [sids[j] for j in chosen if j in forced]
    table.attrs["base_objective"] = base
    return table


def _extra_minutes(travel: float, base_travel: float, total_w: float) -> float:
    """Change in the demand-weighted mean time (NaN when either side leaves demand with no hub to reach)."""
    if not (math.isfinite(travel) and math.isfinite(base_travel)):
        return math.nan
    return (travel - base_travel) / total_w


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
    """Re-solve ``result``'s model with ``into`` forced open and ``out`` unavailable."""
    must = sorted(forced | {into})
    ban = sorted(banned | {out})
    n_open = len(result.open_sites)
    p = result.parameters
    rules: dict[str, Any] = {"must_open": must, "unavailable": ban, "solver": solver, "time_limit": time_limit}
    try:
        if result.model == "capacitated":
            res = solve_facility_location(c, w, **kwargs, n_hubs=p.get("n_hubs"), diagnose=False, **rules)
        elif result.model == "mclp":
            res = solve_mclp(c, w, n_open, float(p["max_minutes"]), **rules)
        elif result.model == "lscp":
            res = solve_lscp(c, float(p["max_minutes"]), **rules)
        elif result.model == "p-center":
            method = kwargs.get("method", p.get("method", "search"))
            tie_break = kwargs.get("tie_break", p.get("tie_break", True))
            res = solve_p_center(c, w, n_open, method=method, tie_break=tie_break, **rules)
        else:
            res = solve_p_median(c, w, n_open, **rules)
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
    travel = _set_travel(c, w, sites) if result.model in CLOSED_FORM else _travel(res, w)
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
        Number of hubs (None: free number, for the capacitated model, and always for the LSCP, which finds the
        fewest itself).
    n_solutions : int
        How many solutions in all (the best included); fewer when no more exist.
    model : {"p-median", "capacitated", "mclp", "lscp", "p-center"}, optional
        The model (default: the capacitated model when ``model_kwargs`` is given, the p-median otherwise).
    max_minutes : float, optional
        The travel-time standard T of the MCLP and LSCP (or ``model_kwargs["max_minutes"]``).
    must_open, unavailable : sequence of int
        Site rules.
    site_ids, site_names : sequence of str, optional
        Identifiers and readable names for the table.
    model_kwargs : mapping, optional
        Capacitated model: keyword arguments of :func:`hubopt.locate.capacitated.solve_facility_location`
        (capacity, min_demand, costs, budget, ...). p-center: optionally ``method`` and ``tie_break``. MCLP and
        LSCP: optionally ``max_minutes``.
    solver, time_limit, mip_gap
        For each solve (``time_limit`` applies to each one).
    merge_colocated : bool
        Uncapacitated models: sites with identical travel times from every zone (e.g. two practices in one
        building) count as one, so the next-best list is not padded with swaps between them; the ``equivalent``
        column names the sites each chosen site stands for.

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
    if kind not in ("p-median", "capacitated", *CLOSED_FORM):
        raise InputError(f"no next-best solutions for the {kind!r} model")
    capacitated = kind == "capacitated"
    kwargs: dict[str, Any] = dict(model_kwargs or {})
    t = kwargs.pop("max_minutes", None) if max_minutes is None else max_minutes
    if kind == "lscp" and n_hubs is not None:
        raise InputError("the set-covering model (lscp) finds the number of hubs itself: pass n_hubs=None")
    if n_hubs is None and kind in ("p-median", "mclp", "p-center"):
        raise InputError(
            f"the {kind} model needs a number of hubs (a free number needs the capacitated model's costs)"
        )
    if kind in ("mclp", "lscp"):
        t = _need_minutes(kind, t)
    if kind == "p-median":  # no capacities and split assignment: the capacitated model is then exactly the p-median
        kwargs = {"single_assignment": False}
    must = sorted({int(j) for j in must_open} | {int(j) for j in kwargs.pop("must_open", ())})
    ban = sorted({int(j) for j in unavailable} | {int(j) for j in kwargs.pop("unavailable", ())})
    diagnose = bool(kwargs.pop("diagnose", True))
    for key in ("n_hubs", "solver", "time_limit", "mip_gap", "exclude_solutions"):
        kwargs.pop(key, None)
    twins: dict[int, list[int]] = {}
    if merge_colocated and not capacitated:
        twins, extra_ban = _colocated(c, must, ban)
        if n_hubs is None or c.shape[1] - len(ban) - len(extra_ban) >= n_hubs:
            ban = sorted(set(ban) | set(extra_ban))
        else:
            twins = {}
    found: list[LocationResult] = []
    exhausted = False
    stopped: str | None = None
    rules: dict[str, Any] = {"must_open": must, "unavailable": ban, "solver": solver, "time_limit": time_limit}
    for _ in range(n_solutions):
        exclude = [list(r.open_sites) for r in found]
        try:
            if kind == "mclp":
                res = solve_mclp(
                    c, w, int(n_hubs or 0), float(t), **rules, mip_gap=mip_gap, exclude_solutions=exclude
                )
            elif kind == "lscp":
                res = solve_lscp(c, float(t), **rules, mip_gap=mip_gap, exclude_solutions=exclude)
            elif kind == "p-center":
                res = solve_p_center(
                    c, w, int(n_hubs or 0), **kwargs, **rules, mip_gap=mip_gap, exclude_solutions=exclude
                )
            else:
                res = solve_facility_location(
                    c,
                    w,
                    **kwargs,
                    diagnose=diagnose and not found,
                    n_hubs=n_hubs,
                    **rules,
                    exclude_solutions=exclude,
                    mip_gap=mip_gap,
                )
        except ModelError as err:
            if not found:
                raise
            # Only a proof that nothing is left ends the list as exhausted; a solve stopped short says so.
            if "infeasible" in str(err):
                exhausted = True
            else:
                stopped = str(err)
            break
        found.append(res)
    best = found[0]
    measure = result_measure(best, hubs=True)
    total_w = float(w.sum()) or 1.0
    best_set = {int(j) for j in best.open_sites}
    rows = []
    for rank, res in enumerate(found, start=1):
        s = {int(j) for j in res.open_sites}
        increase = measure.worse_by(float(res.objective), float(best.objective))
        travel = (
            float(res.parameters["travel"]) if kind in ("p-median", "capacitated") else _set_travel(c, w, sorted(s))
        )
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
        if kind == "mclp":
            row["covered_share"] = float(res.parameters["covered_share"])
        if kind == "p-center":
            row["weighted_minutes"] = float(res.parameters["weighted_minutes"])
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["measure"] = measure
    table.attrs["exhausted"] = exhausted
    table.attrs["stopped"] = stopped
    table.attrs["open_sites"] = [[int(j) for j in r.open_sites] for r in found]
    return table
