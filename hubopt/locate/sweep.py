"""How many hubs? Solve a model for a range of hub numbers and tabulate the trade-off a board needs.

One row per number of hubs N: the model's objective and solve status, population-weighted access (mean and 95th
percentile minutes, share within each threshold), fixed costs, the marginal gain of each extra hub, and the chosen
sites. An N the rules make impossible (say, more hubs than the minimum viable size allows) gives a row that says so
instead of stopping the sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError, ModelError
from hubopt.locate import registry
from hubopt.locate.options import (
    DEFAULT_OPTIONS,
    NO_CAPACITY_LIMITS,
    NO_RULES,
    SiteRules,
    SolverOptions,
    StepCallback,
)
from hubopt.locate.solution import LocationResult, access_measures, check_cost_and_weights, nearest_open_assignment

ModelFn = Callable[..., LocationResult]


def _model(name: str) -> tuple[ModelFn, bool]:
    """The registered model's sweep solver, and whether it takes the sites' fixed costs."""
    entry = registry.find(name)
    if entry is None or not entry.sweepable:
        usable = ", ".join(m.name for m in registry.MODELS.values() if m.sweepable)
        raise InputError(
            f"unknown model {name!r} for a sweep over the number of hubs", parameter="model", hint=f"use {usable}"
        )
    return entry.sweep_solver(), entry.sweep_fixed_cost


def _with_fixed_cost(model_kwargs: dict[str, Any], fixed: np.ndarray | None) -> np.ndarray | None:
    """The capacitated model's fixed costs: ``fixed`` put into its ``settings`` (in ``model_kwargs``), or, when
    None, those its settings already hold."""
    settings = model_kwargs.get("settings", NO_CAPACITY_LIMITS)
    if fixed is not None:
        model_kwargs["settings"] = replace(settings, fixed_cost=fixed)
        return fixed
    return None if settings.fixed_cost is None else np.asarray(settings.fixed_cost, dtype=float)


def sweep_hubs(
    model: str | ModelFn,
    cost: np.ndarray,
    weights: np.ndarray,
    n_values: Iterable[int],
    *,
    thresholds: Sequence[float] = (15, 30),
    population: np.ndarray | None = None,
    site_ids: Sequence[str] | None = None,
    fixed_cost: Sequence[float] | np.ndarray | None = None,
    rules: SiteRules = NO_RULES,
    options: SolverOptions = DEFAULT_OPTIONS,
    on_step: StepCallback | None = None,
    **model_kwargs: Any,
) -> pd.DataFrame:
    """Solve ``model`` for each number of hubs in ``n_values`` and tabulate the results.

    Parameters
    ----------
    model : str or callable
        A registered model's name or alias (:mod:`hubopt.locate.registry`: ``"p-median"``, ``"p-center"``,
        ``"mclp"`` (needs ``max_minutes=``), ``"capacitated"``, ...); or any function
        ``f(cost, weights, n_hubs, rules=..., options=..., **model_kwargs) -> LocationResult``.
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel time (minutes); ``inf`` where unreachable.
    weights : numpy.ndarray, shape (n_zones,)
        Demand the model optimises.
    n_values : iterable of int
        Numbers of hubs to try (sorted, duplicates dropped).
    thresholds : sequence of float
        Minutes for the "share of people within T" columns.
    population : numpy.ndarray, optional
        People per zone for the access measures (default: ``weights``). Demand is usually age-weighted; access is
        reported per person.
    site_ids : sequence of str, optional
        Site names for the ``sites`` column (and passed on to the model).
    fixed_cost : array of float, optional
        Fixed cost per site: the ``fixed_cost`` column totals it over the open sites. Passed on to the capacitated
        model (which uses it in its objective with ``cost_weight``) in its ``settings``; when not given, the
        capacitated model's ``settings.fixed_cost`` (if any) is the one totalled.
    rules : SiteRules
        Must-open and unavailable sites, for every N (:class:`hubopt.locate.options.SiteRules`).
    options : SolverOptions
        Solver options for each solve (:class:`hubopt.locate.options.SolverOptions`).
    on_step : callable, optional
        Told ``(done, total)`` after each number of hubs (solved or not), for a progress display.
    **model_kwargs
        Passed to the model (e.g. ``max_minutes``, or the capacitated model's ``settings``, a
        :class:`hubopt.locate.options.CapacitySettings`).

    Returns
    -------
    pandas.DataFrame
        One row per N: ``n_hubs``, ``objective``, ``status``, ``gap``, ``seconds``, ``mean_minutes``,
        ``p95_minutes``, ``max_minutes``, ``within_<T>_share`` per threshold, ``unreachable_population``,
        ``fixed_cost`` (when given), ``mean_minutes_drop_per_hub`` and ``within_<T>_gain_per_hub`` (change from the
        previous row that solved, divided by the number of hubs added), ``sites`` (IDs, comma separated) and
        ``note`` (why an N could not be solved, or that it is not proven optimal).

    Notes
    -----
    Access is measured to the hub that serves each zone: the nearest open site for the uncapacitated models, the
    assigned hub (share-weighted time for a split zone) for the capacitated model.
    """
    fn, takes_fixed_cost = _model(model) if isinstance(model, str) else (model, False)
    c, w, _, sids = check_cost_and_weights(cost, weights, None, site_ids)
    people = w if population is None else np.asarray(population, dtype=float)
    if people.shape != w.shape:
        raise InputError(f"population has {people.size} values for {w.size} zones")
    fixed = None if fixed_cost is None else np.asarray(fixed_cost, dtype=float)
    if takes_fixed_cost:
        fixed = _with_fixed_cost(model_kwargs, fixed)
    if site_ids is not None:
        model_kwargs["site_ids"] = sids
    available = np.ones(c.shape[1], dtype=bool)
    available[np.asarray(rules.unavailable, dtype=int)] = False
    ns = sorted({int(k) for k in n_values})
    if not ns:
        raise InputError("the sweep needs at least one number of hubs")
    rows: list[dict[str, Any]] = []
    for k in ns:
        rows.append(_sweep_row(fn, c, w, k, rules, options, model_kwargs, available, people, thresholds, fixed, sids))
        if on_step is not None:
            on_step(len(rows), len(ns))
    return _tabulate(rows, thresholds, with_fixed_cost=fixed is not None)


def _sweep_row(
    fn: ModelFn,
    c: np.ndarray,
    w: np.ndarray,
    k: int,
    rules: SiteRules,
    options: SolverOptions,
    model_kwargs: dict[str, Any],
    available: np.ndarray,
    people: np.ndarray,
    thresholds: Sequence[float],
    fixed: np.ndarray | None,
    sids: Sequence[str],
) -> dict[str, Any]:
    """The sweep's row for ``k`` hubs (status "infeasible" and the reason when the model has no answer)."""
    row: dict[str, Any] = {"n_hubs": k}
    try:
        res = fn(c, w, k, rules=rules, options=options, **model_kwargs)
    except ModelError as exc:
        row.update(status="infeasible", note=str(exc))
        return row
    if res.model == "capacitated":
        minutes = res.assigned_cost
    else:
        _, minutes = nearest_open_assignment(np.where(available[None, :], c, np.inf), res.open_sites)
    access = access_measures(minutes, people, thresholds)
    row.update(
        objective=res.objective,
        status=res.report.status,
        gap=res.report.gap,
        seconds=res.report.seconds,
        mean_minutes=access["mean_minutes"],
        p95_minutes=access["p95_minutes"],
        max_minutes=access["max_minutes"],
        **{f"within_{t:g}_share": access[f"within_{t:g}_share"] for t in thresholds},
        unreachable_population=access["unreachable_population"],
    )
    if fixed is not None:
        row["fixed_cost"] = float(np.nansum(fixed[res.hubs]))
    row["sites"] = ", ".join(sids[j] for j in res.hubs)  # the N hubs (external sites, open in every row, apart)
    row["note"] = "" if res.report.is_optimal else res.report.describe()
    return row


def _tabulate(rows: list[dict[str, Any]], thresholds: Sequence[float], *, with_fixed_cost: bool) -> pd.DataFrame:
    """The sweep's rows as a table, with each extra hub's marginal gain (from the previous row that solved)."""
    table = pd.DataFrame(rows)
    base = ["objective", "status", "gap", "seconds", "mean_minutes", "p95_minutes", "max_minutes", "sites", "note"]
    for col in [*base, *[f"within_{t:g}_share" for t in thresholds], "unreachable_population"]:
        if col not in table:
            table[col] = np.nan
    solved = table["mean_minutes"].notna()
    prev = table.loc[solved].shift(1)
    step = table.loc[solved, "n_hubs"] - prev["n_hubs"]
    table["mean_minutes_drop_per_hub"] = (prev["mean_minutes"] - table.loc[solved, "mean_minutes"]) / step
    for t in thresholds:
        col = f"within_{t:g}_share"
        table[f"within_{t:g}_gain_per_hub"] = (table.loc[solved, col] - prev[col]) / step
    order = [
        "n_hubs",
        "objective",
        "status",
        "gap",
        "seconds",
        "mean_minutes",
        "p95_minutes",
        "max_minutes",
        *[f"within_{t:g}_share" for t in thresholds],
        "unreachable_population",
        *(["fixed_cost"] if with_fixed_cost else []),
        "mean_minutes_drop_per_hub",
        *[f"within_{t:g}_gain_per_hub" for t in thresholds],
        "sites",
        "note",
    ]
    if with_fixed_cost and "fixed_cost" not in table:
        table["fixed_cost"] = np.nan
    return table[order].reset_index(drop=True)
