"""The model step of a run: solve the scenario's location model, and optionally the how-many-hubs sweep and the
explanation of the answer (the cost of swapping each hub, and the next-best distinct solutions)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from hubopt.demand.zones import ZoneDemand
from hubopt.errors import InputError
from hubopt.locate import registry
from hubopt.locate.budget import deadline_after
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.options import SiteRules, SolverOptions
from hubopt.locate.registry import LocationModel, ModelRequest
from hubopt.locate.solution import LocationResult
from hubopt.locate.sweep import sweep_hubs
from hubopt.pipeline.frontier import run_frontier
from hubopt.pipeline.progress import counted
from hubopt.pipeline.scenario_errors import named_for
from hubopt.pipeline.services import check_capacity, keeps_capacity, service_plan, solve_within_capacity
from hubopt.results import ModelOutcome
from hubopt.scenario import Scenario


def external_sites(sites: pd.DataFrame) -> list[int]:
    """Positions of the sites with status ``external`` (other areas' services: always open, not counted in N)."""
    if "status" not in sites:
        return []
    return np.flatnonzero(sites["status"].astype(str).eq("external").to_numpy()).tolist()


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
    *,
    zone_clusters: Sequence[str] | None = None,
) -> ModelOutcome:
    """Solve ``model.type`` (its :mod:`hubopt.locate.registry` entry) with the scenario's settings; add the sweep
    and explanation when asked. A library error naming an argument is restated as the scenario setting (see
    :mod:`hubopt.pipeline.scenario_errors`).

    ``zone_clusters`` is each zone's cluster (its Primary Care Network's code, by
    :data:`hubopt.analysis.clusters.CLUSTER_RULE`; :func:`hubopt.pipeline.clusters.study_zone_clusters`), or None
    when the study's practices have no PCN: a model that needs clusters (the ``clusters`` model) then stops with
    an :class:`~hubopt.errors.InputError` saying what to do.
    """
    with named_for(scenario):
        return _solve_model(
            scenario, minutes, demand, sites, must_open, unavailable, zone_ids, demand_for_year, progress,
            zone_clusters,
        )  # fmt: skip


#: How the run's clusters are drawn, said after the clusters model's description in the summary and report.
CLUSTERS_PLACED = "clusters are Primary Care Networks (PCNs), residents located by their nearest practice's PCN"


def _cluster_settings(entry: LocationModel, zone_clusters: Sequence[str] | None) -> dict[str, Any]:
    """The ``clusters`` setting of a model that needs each zone's cluster (none for the others)."""
    if not entry.needs_clusters:
        return {}
    if zone_clusters is None:
        raise InputError(
            f"the {entry.name} model gives each hub whole clusters (Primary Care Networks), but no GP practice of "
            "this study has a PCN, so its zones have no cluster",
            setting="model.type",
            hint="rebuild the study with the NHS ODS ePCN source (hubopt study build, source 'epcn'), or give "
            "another model.type (e.g. capacitated, for hub size bounds without clusters)",
        )
    return {"clusters": list(zone_clusters)}


def _solve_model(
    scenario: Scenario,
    minutes: np.ndarray,
    demand: ZoneDemand,
    sites: pd.DataFrame,
    must_open: list[int],
    unavailable: list[int],
    zone_ids: list[str],
    demand_for_year: Callable[[int], ZoneDemand],
    progress: Callable[[str], None],
    zone_clusters: Sequence[str] | None,
) -> ModelOutcome:
    ms = scenario.model
    kind = scenario.model_type
    site_ids = sites["site_id"].astype(str).tolist()
    names = sites["name"].astype(str).tolist()
    population = demand.population["population"].to_numpy(dtype=float)
    entry = registry.lookup(kind)
    keep = keeps_capacity(entry.name, ms)
    # The N hubs must hold the appointments on their own: a border service's capacity is another area's.
    plan = service_plan(
        scenario, demand.population, sites, must_open, [*unavailable, *external_sites(sites)], keep=keep
    )
    request = ModelRequest(
        minutes,
        demand.demand,
        scenario.hubs,
        SiteRules.of(must_open, unavailable, external_sites(sites)),
        SolverOptions(scenario.solver, scenario.time_limit, scenario.mip_gap),
        max_minutes=ms.max_minutes if entry.needs_max_minutes else None,
        zone_ids=zone_ids,
        site_ids=site_ids,
        model=kind,
    )
    if ms.years and entry.multi_year is not None:
        by_year = np.vstack([demand_for_year(y).demand for y in ms.years])
        result = entry.multi_year(request, by_year, ms.years, ms.multi_year_objective)
        weights, notes, model_kwargs = demand.demand, list[str](), dict[str, Any]()
    else:
        weights, notes = entry.weights(ms, demand.demand, population)
        model_kwargs = {**entry.scenario_settings(ms, sites), **_cluster_settings(entry, zone_clusters)}
        request = replace(request, weights=weights, settings=model_kwargs)
        if plan is not None and keep:
            entry, request, result = solve_within_capacity(entry, request, plan, ms.single_assignment)
            weights, notes = plan.appointments, []  # how capacity was kept: plan.enforcement, in its own line
            model_kwargs = dict(request.settings) if registry.lookup(kind).name == "capacitated" else model_kwargs
        else:
            result = entry.solve(request)
    if entry.needs_max_minutes:
        model_kwargs = {"max_minutes": ms.max_minutes, **model_kwargs}
    description = entry.describe(ms, scenario.hubs) if entry.describe is not None else f"{kind}: {entry.summary}"
    if entry.needs_clusters:
        description += f"; {CLUSTERS_PLACED}"
    if plan is not None and keep:
        description += "; weights: appointments a year, each hub within its capacity (services)"
    elif plan is not None:
        check_capacity(plan, result, entry.name, site_ids)
    outcome = ModelOutcome(result=result, description=description, weights=weights, notes=notes, services=plan)

    if ms.sweep is not None:
        progress(f"How many hubs: {kind} for {ms.sweep[0]} to {ms.sweep[-1]} hubs")
        outcome.sweep = sweep_hubs(
            kind,
            minutes,
            weights,
            ms.sweep,
            thresholds=scenario.thresholds,
            population=population,
            site_ids=site_ids,
            rules=request.rules,
            options=request.options,
            on_step=counted(progress, f"How many hubs: {{done}} of {{total}} solved ({kind})"),
            **model_kwargs,
        )
        outcome.frontier = run_frontier(
            scenario, sites, outcome.sweep, minutes, weights, population, request.rules, request.options,
            [int(j) for j in result.open_sites], progress,
        )  # fmt: skip
    if ms.explain and not (ms.years and entry.multi_year):  # not a set judged over several years
        _explain(scenario, minutes, weights, result, request, entry, outcome, site_ids, names, progress)
    return outcome


def _explain(
    scenario: Scenario,
    minutes: np.ndarray,
    weights: np.ndarray,
    result: LocationResult,
    request: ModelRequest,
    entry: LocationModel,
    outcome: ModelOutcome,
    site_ids: list[str],
    names: list[str],
    progress: Callable[[str], None],
) -> None:
    """The swaps and next-best solutions of the answer, within ``model.explain_time_limit`` when one is set (what
    was cut short is noted)."""
    limit = scenario.model.explain_time_limit
    deadline = deadline_after(limit)
    progress("Explaining the answer: swaps and next-best solutions")
    kw: dict[str, Any] = {"rules": request.rules, "site_ids": site_ids, "site_names": names, "deadline": deadline}
    own: dict[str, Any] = {"model_kwargs": request.settings} if entry.swaps == "re-solve" else {}
    resolve = SolverOptions(scenario.solver, scenario.time_limit)  # swaps' re-solves: proven optimal
    # Swaps in closed form take a blink; only re-solved ones (the capacitated model) are worth counting.
    swaps_counted = counted(progress, "Explaining: swaps for {done} of {total} hubs") if own else None
    outcome.swaps = swap_table(
        minutes, weights, result, n_alternatives=3, options=resolve,
        on_step=swaps_counted, **kw, **own,
    )  # fmt: skip
    fixed_number = scenario.hubs is not None and entry.hubs != "forbidden"
    outcome.next_best = next_best_solutions(
        minutes,
        weights,
        len(result.hubs) if fixed_number else None,
        n_solutions=4,
        model=entry.name,
        max_minutes=request.max_minutes,
        options=request.options,
        on_step=counted(progress, "Explaining: next-best solutions, {done} of {total} solves"),
        incumbent=[int(j) for j in result.open_sites],
        **kw,
        **own,
    )
    cut = [t.attrs["cut_short_note"] for t in (outcome.swaps, outcome.next_best) if t.attrs.get("cut_short")]
    if cut:
        outcome.notes.append(f"explanation cut short by model.explain_time_limit ({limit:g} s): {'; '.join(cut)}")
