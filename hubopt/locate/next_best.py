"""The best answer and the next-best distinct ones (see :mod:`hubopt.locate.explain` for what is computed and how
each model is measured).

Each model re-solves with a no-good cut per answer found (its registry entry's ``next_best``), except where the
entry ranks its answers at once (``ranked``: the p-median, :mod:`hubopt.locate.median_ranked`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError, ModelError
from hubopt.locate import registry
from hubopt.locate.budget import cut_short_note, out_of_time, within_budget
from hubopt.locate.closed_form import need_minutes, set_travel
from hubopt.locate.explain_inputs import names_of, result_travel, split_kwargs
from hubopt.locate.measure import model_measure, result_measure
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions, StepCallback
from hubopt.locate.registry import LocationModel, ModelRequest
from hubopt.locate.solution import LocationResult, check_cost_and_weights

#: The next-best table's columns (before the model's own, ``next_best_columns``).
_NEXT_BEST_COLUMNS = (
    "rank", "measure", "better", "objective", "increase", "increase_pct", "mean_minutes", "status", "gap", "n_open",
    "sites", "names", "swapped_in", "swapped_out", "equivalent",
)  # fmt: skip


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
    incumbent: Sequence[int] | None = None,
    deadline: float | None = None,
) -> pd.DataFrame:
    """The best solution and the next-best distinct ones, by re-solving with no-good cuts (or, for the p-median,
    ranking them at once).

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
    incumbent : sequence of int, optional
        The open sites of the answer being explained: where the p-median's ranking starts (it is proven again).
    deadline : float, optional
        A :func:`hubopt.locate._clock.now` value after which no further solution is sought; one it cut off is left
        out, and the table says so (``attrs["cut_short"]``, ``attrs["cut_short_note"]``).

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
        or None), ``cut_short`` and ``cut_short_note`` (the deadline passed: how many solutions were found; None
        otherwise) and ``open_sites``. Cut short before the best was found, the table has no rows.
    """
    if n_solutions < 1:
        raise InputError("ask for at least one solution")
    c, w, _, sids = check_cost_and_weights(cost, weights, None, site_ids)
    names = names_of(sids, site_names)
    kind = model or ("capacitated" if model_kwargs is not None else "p-median")
    entry = registry.find(kind)
    if entry is None or entry.next_best is None:
        raise InputError(f"no next-best solutions for the {kind!r} model")
    diagnose = bool((model_kwargs or {}).get("diagnose", True))
    kwargs, rules = split_kwargs(model_kwargs, rules)
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
        if n_hubs is None or c.shape[1] - len(rules.unavailable) - len(extra_ban) >= n_hubs + len(rules.external):
            rules = rules.also(unavailable=extra_ban)
        else:
            twins = {}
    request = ModelRequest(
        c, w, n_hubs, rules, options, max_minutes=t, settings=kwargs,
        diagnose=diagnose,
    )  # fmt: skip
    steps = on_step or _no_steps
    if entry.ranked is not None and n_hubs is not None:
        start = None if incumbent is None else _kept_twins(incumbent, twins)
        ranked = entry.ranked(request, n_solutions, start, deadline, steps)
        found, exhausted, cut = ranked.results, ranked.exhausted, ranked.stopped == "deadline"
        stopped = None if cut else ranked.stopped
        if len(found) < n_solutions:
            steps(n_solutions, n_solutions)
    else:
        found, exhausted, stopped, cut = _solve_in_turn(entry, request, n_solutions, steps, deadline)
    table = _next_best_table(c, w, entry, found, sids, names, twins, exhausted, stopped, t)
    table.attrs["cut_short"] = cut
    table.attrs["cut_short_note"] = (
        cut_short_note("next-best solutions", len(found), n_solutions, "found") if cut else None
    )
    return table


def _kept_twins(sites: Sequence[int], twins: dict[int, list[int]]) -> list[int]:
    """``sites`` with each twin left out of the ranking replaced by the site kept for it (same travel times)."""
    kept_for = {x: keep for keep, rest in twins.items() for x in rest}
    return sorted({kept_for.get(int(j), int(j)) for j in sites})


def _no_steps(_done: int, _total: int) -> None:
    """No progress display."""


def _solve_in_turn(
    entry: LocationModel, request: ModelRequest, n_solutions: int, on_step: StepCallback, deadline: float | None
) -> tuple[list[LocationResult], bool, str | None, bool]:
    """Solve, exclude the set found by a no-good cut, and again: the solutions, whether no more exist, why the list
    ended early, and whether the deadline cut it short (a solve it cut off is left out)."""
    assert entry.next_best is not None
    found: list[LocationResult] = []
    for done in range(n_solutions):
        if done:
            on_step(done, n_solutions)
        if out_of_time(deadline):
            on_step(n_solutions, n_solutions)
            return found, False, None, True
        exclude = [list(r.open_sites) for r in found]
        this = replace(
            request,
            exclude_solutions=exclude,
            diagnose=request.diagnose and not found,
            options=within_budget(request.options, deadline),
        )
        try:
            res = entry.next_best(this)
        except ModelError as err:
            on_step(n_solutions, n_solutions)
            if out_of_time(deadline):
                return found, False, None, True
            if not found:
                raise
            # Only a proof that nothing is left ends the list as exhausted; a solve stopped short says so.
            if "infeasible" in str(err):
                return found, True, None, False
            return found, False, str(err), False
        if out_of_time(deadline) and not res.report.is_optimal:  # stopped by the deadline, not proven: left out
            on_step(n_solutions, n_solutions)
            return found, False, None, True
        found.append(res)
    on_step(n_solutions, n_solutions)
    return found, False, None, False


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
    max_minutes: float | None,
) -> pd.DataFrame:
    if not found:  # cut short before the best was found
        table = pd.DataFrame(columns=[*_NEXT_BEST_COLUMNS, *entry.next_best_columns])
        table.attrs.update(
            measure=model_measure(entry.name, max_minutes=max_minutes, hubs=True),
            exhausted=False,
            stopped=stopped,
            open_sites=[],
        )
        return table
    best = found[0]
    measure = result_measure(best, hubs=True)
    total_w = float(w.sum()) or 1.0
    best_set = {int(j) for j in best.open_sites}
    rows = []
    for rank, res in enumerate(found, start=1):
        s = {int(j) for j in res.open_sites}
        increase = measure.worse_by(float(res.objective), float(best.objective))
        closed_form = entry.swaps == "closed form"
        travel = set_travel(c, w, sorted(s)) if closed_form else result_travel(res, w)
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
