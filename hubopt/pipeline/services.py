"""Services and appointments in a run: the zones' appointments a year (``services.appointments_per_head``), each
candidate site's capacity (rooms x sessions per week x appointments per session x weeks per year; rooms from the
register's ``rooms`` column, else ``services.rooms_per_hub``), and the model kept within it.

How capacity is kept, always said in the summary (``ServicePlan.enforcement``): the p-median is solved first,
travel weighed by each zone's appointments; when every hub of its answer holds its zones' appointments, that answer
is also the best answer with capacity (adding a limit cannot do better), so it stands. When a hub is over capacity,
the run solves the capacitated model (:mod:`hubopt.locate.registry`, ``capacitated``) with each site's appointment
capacity instead. A scenario whose model is capacitated (without population bounds) solves it with those capacities
directly. The other models (coverage, p-center, several years, a capacitated model bounded in people) cannot keep a
capacity in appointments: they are solved as the scenario says and each hub is checked against its capacity after,
the hubs over it named (``ServicePlan.kept`` False).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from hubopt.analysis.appointments import ServicePlan, capacity_shortfall, hub_appointments, zone_appointments
from hubopt.errors import InputError
from hubopt.io.age_bands import band_column
from hubopt.locate import registry
from hubopt.locate.options import CapacitySettings
from hubopt.locate.registry import LocationModel, ModelRequest
from hubopt.locate.solution import LocationResult
from hubopt.scenario import Scenario

__all__ = [
    "ILLUSTRATIVE",
    "add_appointments",
    "check_capacity",
    "keeps_capacity",
    "service_plan",
    "site_capacity",
    "solve_within_capacity",
]

ILLUSTRATIVE = "ILLUSTRATIVE"


def site_capacity(sites: pd.DataFrame, scenario: Scenario) -> tuple[np.ndarray, str]:
    """Each candidate site's capacity in appointments a year, and where the figures come from.

    Raises
    ------
    InputError
        A ``rooms`` value that is not a number of zero or more (naming the site), or a site without rooms when
        ``services.rooms_per_hub`` is not set.
    """
    sv = scenario.services
    per_room = sv.appointments_per_room()
    n = len(sites)
    rooms = np.full(n, np.nan)
    if "rooms" in sites:
        given = sites["rooms"].astype("string").str.strip().replace("", pd.NA)
        rooms = pd.to_numeric(given, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(given.notna().to_numpy() & ~(rooms >= 0))
        if len(bad):
            j = int(bad[0])
            raise InputError(
                f"site {sites['site_id'].iloc[j]} has rooms {given.iloc[j]!r}: give a number of zero or more",
                path=sites.attrs.get("source"),
                column="rooms",
                hint="the clinic rooms a hub at the site would have; leave blank to use services.rooms_per_hub",
            )
    from_register = int(np.isfinite(rooms).sum())
    missing = ~np.isfinite(rooms)
    if missing.any() and sv.rooms_per_hub is None:
        ids = sites["site_id"].astype(str).to_numpy()[missing]
        raise InputError(
            f"{int(missing.sum())} candidate sites have no rooms in the register (e.g. {', '.join(ids[:3])})",
            setting="services.rooms_per_hub",
            hint="give services.rooms_per_hub (the clinic rooms of a hub), or a rooms column for every site",
        )
    rooms = np.where(missing, sv.rooms_per_hub if sv.rooms_per_hub is not None else 0.0, rooms)
    parts = [f"{from_register} sites' rooms from the register"] if from_register else []
    if missing.any():
        where = f"the other {int(missing.sum())} sites" if from_register else "every site"
        parts.append(f"{sv.rooms_per_hub:g} rooms per hub at {where}")
    source = f"source: {sv.capacity_source}" if sv.capacity_source else f"no source given: {ILLUSTRATIVE}"
    basis = (
        f"{'; '.join(parts)}; x {sv.sessions_per_week:g} sessions a week x {sv.appointments_per_session:g} "
        f"appointments a session x {sv.weeks_per_year:g} weeks = {per_room:,.0f} appointments a year per room "
        f"({source})"
    )
    return rooms * per_room, basis


def keeps_capacity(model: str, settings: Any) -> bool:
    """Whether the scenario's model can keep each hub within an appointment capacity: the p-median of one year,
    or the capacitated model without population bounds (its capacity is then in appointments)."""
    if model == "p-median":
        return not getattr(settings, "years", None)
    return model == "capacitated" and settings.min_population is None and settings.max_population is None


def service_plan(
    scenario: Scenario,
    band_population: pd.DataFrame,
    sites: pd.DataFrame,
    must_open: list[int],
    unavailable: list[int],
    *,
    keep: bool = True,
) -> ServicePlan | None:
    """The zones' appointments and the sites' capacity (None without a ``services:`` section).

    Parameters
    ----------
    keep : bool
        Whether the model will keep each hub within capacity (see :func:`keeps_capacity`); when not, capacity is
        only checked after, and nothing is refused.

    Raises
    ------
    InputError
        When capacity is kept and the scenario's number of hubs (or every site that may open, for a model that
        chooses its number) cannot hold every appointment: the smallest change that makes it feasible is named.
    """
    sv = getattr(scenario, "services", None)  # a scenario built by hand may have no services section
    if sv is None or not sv.given:
        return None
    rates = sv.rate_by_band()
    appointments = zone_appointments(band_population, rates, {b: band_column(b) for b in rates})
    capacity, capacity_basis = site_capacity(sites, scenario)
    services = ", ".join(sv.appointments_per_head)
    rate_basis = (
        f"{services}: "
        + ", ".join(f"{b} {r:g}" for b, r in rates.items())
        + " a head a year ("
        + (f"source: {sv.source})" if sv.source else f"no source given: {ILLUSTRATIVE})")
    )
    plan = ServicePlan(
        appointments=appointments,
        capacity=capacity,
        rates=rates,
        rate_basis=rate_basis,
        capacity_basis=capacity_basis,
        illustrative=sv.source is None or sv.capacity_source is None,
        kept=keep,
    )
    if not keep:
        return plan
    n = scenario.hubs if scenario.hubs is not None else len(sites)
    short = capacity_shortfall(capacity, plan.total, n, must_open, unavailable, float(sv.sessions_per_week or 0))
    if short is not None:
        raise InputError(
            f"the hubs cannot hold the appointments: {short.describe()}",
            setting="services",
            hint="raise model.hubs, services.sessions_per_week, services.rooms_per_hub or "
            "services.appointments_per_session, or lower services.appointments_per_head",
        )
    return plan


def solve_within_capacity(
    entry: LocationModel, request: ModelRequest, plan: ServicePlan, single_assignment: bool
) -> tuple[LocationModel, ModelRequest, LocationResult]:
    """Solve the scenario's model with each hub kept within its appointment capacity; say how in
    ``plan.enforcement``.

    Travel is weighed by each zone's appointments (the unit of capacity). The p-median's answer stands when it fits
    (it is then the capacitated answer too); otherwise, and for the capacitated model, the capacitated model is
    solved with the sites' appointment capacities.

    Returns
    -------
    (LocationModel, ModelRequest, LocationResult)
        The model that gave the answer, the request it was given (for the explanation), and the answer.
    """
    request = replace(request, weights=plan.appointments)
    capacitated = registry.lookup("capacitated")
    limits = CapacitySettings(capacity=plan.capacity, single_assignment=single_assignment)
    if entry.name == "capacitated":
        given = request.settings.get("settings")
        limits = limits if given is None else replace(given, capacity=plan.capacity, min_demand=None, max_demand=None)
        request = replace(request, settings={"settings": limits})
        plan.enforcement = "the capacitated model kept each hub within its appointment capacity"
        return capacitated, request, capacitated.solve(request)
    result = entry.solve(request)
    load = hub_appointments(plan.appointments, result.assignment, len(plan.capacity))
    over = [int(j) for j in result.hubs if load[j] > plan.capacity[j] * (1 + 1e-9)]  # not a border service
    if not over:
        plan.enforcement = (
            f"the {entry.name} answer holds every hub within its appointment capacity, so it is also the best "
            "answer with capacity"
        )
        return entry, request, result
    ids = request.site_ids
    named = ", ".join(str(ids[j]) if ids is not None else str(j) for j in over)
    request = replace(request, settings={"settings": limits}, model="capacitated")
    plan.enforcement = (
        f"the {entry.name} answer put more appointments at {named} than its capacity, so the run solved the "
        "capacitated model with each site's appointment capacity"
    )
    return capacitated, request, capacitated.solve(request)


def add_appointments(zones: pd.DataFrame, sites: pd.DataFrame, plan: ServicePlan, result: LocationResult) -> None:
    """Each zone's appointments (``zones.appointments``), and each site's capacity and, for hubs, the appointments
    they hold and the share of capacity used (``sites.appointments``, ``appointment_capacity``,
    ``capacity_used_pct``). A zone split between hubs counts at each by its share (the capacitated model's loads)."""
    zones["appointments"] = plan.appointments
    load = hub_appointments(plan.appointments, result.assignment, len(sites))
    split_loads = result.parameters.get("load") if result.parameters.get("single_assignment") is False else None
    if split_loads:
        ids = sites["site_id"].astype(str).tolist()
        load = np.array([float(split_loads.get(s, 0.0)) for s in ids])
    chosen = sites["chosen"].to_numpy(dtype=bool)
    # A border service (status external) holds the appointments of the zones it serves; its capacity is another
    # area's, not planned here, so none is given or checked.
    external = np.zeros(len(sites), dtype=bool)
    external[np.asarray(result.external, dtype=int)] = True
    sites["appointments"] = np.where(chosen | external, np.round(load, 0), np.nan)
    sites["appointment_capacity"] = np.where(external, np.nan, np.round(plan.capacity, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        used = np.where(chosen, 100.0 * load / plan.capacity, np.nan)
    sites["capacity_used_pct"] = np.round(used, 1)


def check_capacity(plan: ServicePlan, result: LocationResult, model: str, site_ids: list[str]) -> None:
    """Say in ``plan.enforcement`` that ``model`` cannot keep capacity, and which of its hubs are over it."""
    load = hub_appointments(plan.appointments, result.assignment, len(plan.capacity))
    over = [site_ids[j] for j in result.hubs if load[j] > plan.capacity[j] * (1 + 1e-9)]
    plan.enforcement = (
        f"NOT kept: the {model} model cannot keep hubs within an appointment capacity (use p-median, or capacitated "
        "without population bounds), so each hub is only checked: "
        + (f"{len(over)} over capacity ({', '.join(over)})" if over else "every hub is within it")
    )
