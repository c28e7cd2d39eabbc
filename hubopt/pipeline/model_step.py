"""The model step of a run: solve the scenario's location model, and optionally the how-many-hubs sweep and the
explanation of the answer (the cost of swapping each hub, and the next-best distinct solutions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from hubopt.demand.zones import ZoneDemand
from hubopt.errors import InputError
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.center import solve_p_center
from hubopt.locate.coverage import solve_lscp, solve_mclp
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.median import solve_p_median
from hubopt.locate.multiyear import solve_multiyear
from hubopt.locate.sweep import sweep_hubs
from hubopt.results import ModelOutcome
from hubopt.scenario import Scenario


def _register_numbers(sites: pd.DataFrame, column: str) -> np.ndarray | None:
    if column not in sites:
        return None
    values = pd.to_numeric(sites[column], errors="coerce").to_numpy(dtype=float)
    return None if np.isnan(values).all() else values


_T = TypeVar("_T")


def _needed(value: _T | None, setting: str, kind: str) -> _T:
    """A setting the ``kind`` model needs (scenario validation guarantees it; a hand-built Scenario may lack it)."""
    if value is None:
        raise InputError(f"the {kind} model needs {setting}", setting=setting)
    return value


def solve_scenario_model(
    scenario: Scenario,
    minutes: np.ndarray,
    demand: ZoneDemand,
    sites: pd.DataFrame,
    must_open: list[int],
    unavailable: list[int],
    zone_ids: list[str],
    demand_for_year: Callable[[int], ZoneDemand],
    progress: Callable[[str], None] = lambda _m: None,
) -> ModelOutcome:
    """Solve ``model.type`` with the scenario's settings; add the sweep and explanation when asked."""
    ms = scenario.model
    kind = scenario.model_type
    site_ids = sites["site_id"].astype(str).tolist()
    names = sites["name"].astype(str).tolist()
    population = demand.population["population"].to_numpy(dtype=float)
    common: dict[str, Any] = {
        "must_open": must_open,
        "unavailable": unavailable,
        "zone_ids": zone_ids,
        "site_ids": site_ids,
        "solver": scenario.solver,
        "time_limit": scenario.time_limit,
        "mip_gap": scenario.mip_gap,
    }
    weights = demand.demand
    notes: list[str] = []
    model_kwargs: dict[str, Any] = {}
    if kind == "p-median" and ms.years:
        by_year = np.vstack([demand_for_year(y).demand for y in ms.years])
        result = solve_multiyear(
            minutes,
            by_year,
            _needed(scenario.hubs, "model.hubs", kind),
            objective=ms.multi_year_objective,
            years=ms.years,
            **common,
        )
        what = "best total over" if ms.multi_year_objective == "sum" else "least worst regret across"
        description = f"p-median over several years: one set of {scenario.hubs} hubs, {what} {ms.years}"
    elif kind == "p-median":
        result = solve_p_median(minutes, weights, _needed(scenario.hubs, "model.hubs", kind), **common)
        description = f"p-median: {scenario.hubs} hubs minimising age-weighted travel time"
    elif kind == "mclp":
        model_kwargs = {"max_minutes": ms.max_minutes}
        hubs, max_minutes = (
            _needed(scenario.hubs, "model.hubs", kind),
            _needed(ms.max_minutes, "model.max_minutes", kind),
        )
        result = solve_mclp(minutes, weights, hubs, max_minutes, **common)
        description = f"maximal coverage: {hubs} hubs bringing the most demand within {max_minutes:g} min"
    elif kind == "lscp":
        max_minutes = _needed(ms.max_minutes, "model.max_minutes", kind)
        result = solve_lscp(minutes, max_minutes, **common)
        description = f"set covering: the fewest hubs with everyone within {max_minutes:g} min"
    elif kind == "p-center":
        result = solve_p_center(minutes, weights, _needed(scenario.hubs, "model.hubs", kind), **common)
        description = f"p-center: {scenario.hubs} hubs minimising the longest journey"
    else:
        if ms.capacity_measure == "population":
            weights = population
            notes.append("capacity bounds are in people, so the capacitated model weighs travel by population")
        is_new = (sites["type"].eq("new_build") | sites["status"].eq("candidate")).to_numpy()
        model_kwargs = {
            "min_demand": ms.min_population,
            "max_demand": ms.max_population,
            "capacity": _register_numbers(sites, "capacity"),
            "single_assignment": ms.single_assignment,
            "fixed_cost": _register_numbers(sites, "fixed_cost"),
            "capital_cost": _register_numbers(sites, "capital_cost"),
            "budget": ms.budget,
            "cost_weight": ms.cost_weight,
            "is_new_build": is_new,
            "max_new_build": ms.max_new_build,
        }
        result = solve_facility_location(minutes, weights, n_hubs=scenario.hubs, **model_kwargs, **common)
        bounds = []
        if ms.min_population is not None:
            bounds.append(f"at least {ms.min_population:,.0f}")
        if ms.max_population is not None:
            bounds.append(f"at most {ms.max_population:,.0f}")
        unit = "people" if ms.capacity_measure == "population" else "demand"
        description = f"capacitated: {scenario.hubs or 'the best number of'} hubs" + (
            f", each serving {' and '.join(bounds)} {unit}" if bounds else ""
        )
    outcome = ModelOutcome(result=result, description=description, weights=weights, notes=notes)

    if ms.sweep is not None:
        progress(f"How many hubs: {kind} for {ms.sweep[0]} to {ms.sweep[-1]} hubs")
        extra = {k: v for k, v in common.items() if k not in ("zone_ids", "site_ids")}
        outcome.sweep = sweep_hubs(
            kind,
            minutes,
            weights,
            ms.sweep,
            thresholds=scenario.thresholds,
            population=population,
            site_ids=site_ids,
            **model_kwargs,
            **extra,
        )
    if ms.explain and not ms.years:  # every model but the multi-year p-median (one set judged over several years)
        progress("Explaining the answer: swaps and next-best solutions")
        kw: dict[str, Any] = {
            "must_open": must_open,
            "unavailable": unavailable,
            "site_ids": site_ids,
            "site_names": names,
            "solver": scenario.solver,
            "time_limit": scenario.time_limit,
            "model_kwargs": model_kwargs if kind == "capacitated" else None,
        }
        outcome.swaps = swap_table(minutes, weights, result, n_alternatives=3, **kw)
        fixed_number = scenario.hubs is not None and kind != "lscp"
        outcome.next_best = next_best_solutions(
            minutes,
            weights,
            len(result.open_sites) if fixed_number else None,
            n_solutions=4,
            model=kind,
            max_minutes=ms.max_minutes if kind in ("mclp", "lscp") else None,
            mip_gap=scenario.mip_gap,
            **kw,
        )
    return outcome
