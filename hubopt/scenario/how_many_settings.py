"""Validation of the scenario's "how many hubs" sections: ``costs`` (running costs and the threshold of the
cost-access frontier), ``workforce`` (the staff a hub team needs and the staff there are) and ``services``
(appointments per head and hub capacity)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubopt.analysis.workforce import workforce_limits
from hubopt.demand.zones import check_band_weights
from hubopt.errors import InputError, quote
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands
from hubopt.scenario.schema import _fail
from hubopt.scenario.settings import CostSettings, ServiceSettings, WorkforceSettings


def _cost_settings(costs: dict[str, Any], path: Path | None) -> CostSettings:
    """``costs.*`` checked: the per-hub default and the threshold, each with its source. They are used with
    ``model.sweep`` (the run notes when they are given without one)."""
    per_hub = costs["annual_cost_per_hub"]
    if per_hub is not None and per_hub < 0:
        _fail("costs.annual_cost_per_hub", "the running cost of a hub must be zero or more (£ a year)", path)
    if costs["source"] is not None and per_hub is None:
        _fail(
            "costs.source",
            "costs.source names where costs.annual_cost_per_hub comes from, but no cost per hub is given",
            path,
            "give costs.annual_cost_per_hub (£ a year), or remove costs.source",
        )
    threshold = costs["min_minutes_saved_per_100k"]
    if threshold is not None and threshold <= 0:
        _fail(
            "costs.min_minutes_saved_per_100k",
            "the threshold must be a positive number of mean minutes saved per £100,000 a year",
            path,
        )
    if costs["threshold_source"] is not None and threshold is None:
        _fail(
            "costs.threshold_source",
            "costs.threshold_source names where costs.min_minutes_saved_per_100k comes from, but none is given",
            path,
            "give costs.min_minutes_saved_per_100k, or remove costs.threshold_source",
        )
    if not 1 <= costs["max_options"] <= 50:
        _fail("costs.max_options", "list between 1 and 50 efficient options", path)
    return CostSettings(
        annual_cost_per_hub=None if per_hub is None else float(per_hub),
        source=costs["source"],
        min_minutes_saved_per_100k=None if threshold is None else float(threshold),
        threshold_source=costs["threshold_source"],
        efficient_options=costs["efficient_options"],
        max_options=costs["max_options"],
    )


def _staff(values: Any, key: str, path: Path | None) -> dict[str, float] | None:
    """A mapping of role to a number of staff (>= 0)."""
    if values is None:
        return None
    out: dict[str, float] = {}
    for role, n in values.items():
        if isinstance(n, bool) or not isinstance(n, int | float) or n < 0:
            _fail(key, f"the number for {quote(role)} must be zero or more (staff, whole-time equivalents)", path)
        out[str(role)] = float(n)
    return out


def _workforce_settings(values: dict[str, Any], path: Path | None) -> WorkforceSettings:
    """``workforce.*`` checked: positive team sizes, the same roles in both staff lists, at least one team."""
    per_team = values["population_per_team"]
    if per_team is not None and per_team <= 0:
        _fail("workforce.population_per_team", "a team serves more than zero people", path)
    teams = values["max_teams_per_hub"]
    if teams is not None:
        if teams < 1:
            _fail("workforce.max_teams_per_hub", "a hub holds at least one team", path)
        if per_team is None:
            _fail(
                "workforce.max_teams_per_hub",
                "the most teams per hub sets the largest hub only with the people per team",
                path,
                "give workforce.population_per_team too (e.g. 50000, the West Kent plan's upper basis)",
            )
    need = _staff(values["staff_per_team"], "workforce.staff_per_team", path)
    have = _staff(values["staff_available"], "workforce.staff_available", path)
    try:
        workforce_limits(1.0, staff_per_team=need, staff_available=have)
    except InputError as exc:
        setting = "workforce.staff_per_team" if exc.parameter == "staff_per_team" else "workforce.staff_available"
        raise InputError(exc.problem, path=path, setting=setting, hint=exc.hint) from None
    return WorkforceSettings(
        population_per_team=None if per_team is None else float(per_team),
        max_teams_per_hub=teams,
        staff_per_team=need,
        staff_available=have,
        source=values["source"],
    )


_CAPACITY_KEYS = ("sessions_per_week", "appointments_per_session", "weeks_per_year")


def _service_settings(values: dict[str, Any], path: Path | None, bands: AgeBands = STANDARD_BANDS) -> ServiceSettings:
    """``services.*`` checked: every service's rates by age band, and the capacity figures (all positive; rooms may
    come from the register's ``rooms`` column instead)."""
    given = values["appointments_per_head"]
    others = [k for k in ("rooms_per_hub", *_CAPACITY_KEYS, "source", "capacity_source") if values[k] is not None]
    if given is None:
        if others:
            _fail(
                f"services.{others[0]}",
                "services settings are given but no appointments per head",
                path,
                f"give services.appointments_per_head: for each service, appointments per head per year for each "
                f"age band ({bands.describe()})",
            )
        return ServiceSettings()
    if not given:
        _fail("services.appointments_per_head", "list at least one service with its appointments per head", path)
    rates: dict[str, dict[str, float]] = {}
    for service, per_band in given.items():
        key = f"services.appointments_per_head.{service}"
        if not isinstance(per_band, dict):
            _fail(key, "give the service's appointments per head per year by age band", path,
                  f"a number for each band ({bands.describe()})")  # fmt: skip
        try:
            rates[str(service)] = check_band_weights(per_band, where=key, bands=bands)
        except InputError as exc:
            raise InputError(exc.problem, path=path, setting=key, hint=exc.hint) from None
    for key in _CAPACITY_KEYS:
        if values[key] is None:
            _fail(
                f"services.{key}",
                "hub capacity is rooms x sessions per week x appointments per session x weeks per year: "
                f"services.{key} is missing",
                path,
                "give it (e.g. sessions_per_week: 9, appointments_per_session: 10, weeks_per_year: 48)",
            )
    for key in ("rooms_per_hub", *_CAPACITY_KEYS):
        if values[key] is not None and values[key] <= 0:
            _fail(f"services.{key}", f"services.{key} must be more than zero", path)
    if values["weeks_per_year"] > 53:
        _fail("services.weeks_per_year", "a year has at most 53 weeks", path)
    return ServiceSettings(
        appointments_per_head=rates,
        source=values["source"],
        rooms_per_hub=None if values["rooms_per_hub"] is None else float(values["rooms_per_hub"]),
        sessions_per_week=float(values["sessions_per_week"]),
        appointments_per_session=float(values["appointments_per_session"]),
        weeks_per_year=float(values["weeks_per_year"]),
        capacity_source=values["capacity_source"],
    )
