"""The scenario file's schema: every key, its type and default, and the generic checks of a section's values.

:func:`_check_section` refuses unknown keys (suggesting the closest known one), wrong types and numbers too large to
compute with, naming the key each time.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from pathlib import Path
from typing import Any

from hubopt.errors import InputError, quote

#: Settings of one travel mode under travel.modes.NAME.
_MODE_SCHEMA: dict[str, Any] = {
    "method": (str, None),
    "mode": (str, None),
    "network": (str, None),
    "file": (str, None),
    "speeds_kph": (dict, None),
    "walk_speed_kph": ((int, float), None),
    "access_speed_kph": ((int, float), None),
    "cutoff_minutes": ((int, float), None),
    "max_snap_m": ((int, float), None),
    "missing": (str, "error"),
    "description": (str, None),
    "gtfs": (str, None),
    "day": ((str, dt.date), "tuesday"),
    "window": (str, "08:00-10:00"),
    "percentile": ((int, float), 50),
    "max_walk_m": ((int, float), None),
    "max_transfer_m": ((int, float), None),
    "detour": ((int, float), None),
    "walk_network": (str, None),
}

# key -> (expected python type(s), default); nested dicts are sections.
_SCHEMA: dict[str, Any] = {
    "name": (str, None),
    "description": (str, ""),
    "study": (str, None),
    "year": (int, None),
    "demand": {
        "age_bands": (list, None),
        "weights": (dict, None),
        "beyond_projection": (str, "refuse"),
        "registration_share": ((str, dict), "none"),
        "housing": {
            "file": (str, None),
            "mode": (str, "within"),
            "persons_per_dwelling": ((int, float), None),
            "age_profile": (dict, None),
            "max_distance_m": ((int, float), None),
            "postcodes": (str, None),
        },
    },
    "sites": {
        "types": (list, None),
        "must_open": (list, []),
        "unavailable": (list, []),
        "extra_register": (str, None),
        "postcode_lookup": (str, None),
        "renewed": (dict, None),
        "availability": (dict, None),
        "at_risk": {
            "poor_conditions": (list, ["C", "D"]),
            "max_backlog_per_m2": ((int, float), 100.0),
            "source": (str, None),
        },
    },
    "travel": {
        "mode": (str, "drive"),
        "method": (str, "straight_line"),
        "network": (str, None),
        "modes": (dict, None),
        "use": (str, None),
        "combine": {"modes": (list, None), "no_car_share": (str, None)},
        "cache_folder": (str, None),
        "network_buffer_m": ((int, float), 2000),
    },
    "model": {
        "type": (str, "p-median"),
        "hubs": (int, None),
        "max_minutes": ((int, float), None),
        "min_population": ((int, float), None),
        "max_population": ((int, float), None),
        "min_clusters": (int, None),
        "capacity_measure": (str, "population"),
        "single_assignment": (bool, True),
        "cost_weight": ((int, float), 0.0),
        "budget": ((int, float), None),
        "max_new_build": (int, None),
        "years": (list, None),
        "multi_year_objective": (str, "sum"),
        "sweep": (list, None),
        "explain": (bool, True),
        "explain_time_limit": ((int, float), None),
        "solver": (str, "highs"),
        "time_limit": ((int, float), 120),
        "mip_gap": ((int, float), 0.0),
    },
    "beds": {
        "enabled": (bool, False),
        "years": (list, None),
        "need_method": (str, "baseline"),
        "baseline_beds": (int, None),
        "baseline_source": (str, None),
        "piloted_beds": (int, None),
        "weights": (dict, None),
        "admission_rates_per_1000": (dict, None),
        "mean_length_of_stay_days": ((int, float, dict), None),
        "target_occupancy": ((int, float), None),
        "baseline_occupancy": ((int, float), None),
        "sites": (str, "hubs_and_hospitals"),
        "max_beds_per_site": ((int, float), None),
        "min_unit": (int, None),
        "must_keep": (list, []),
        "allow_new_sites": (bool, True),
        "allow_moves": (bool, False),
        "cost_per_bed": ((int, float), 0.0),
        "cost_per_unit": ((int, float), 0.0),
        "priority": (str, "fewest_beds"),
    },
    "costs": {
        "annual_cost_per_hub": ((int, float), None),
        "source": (str, None),
        "min_minutes_saved_per_100k": ((int, float), None),
        "threshold_source": (str, None),
        "efficient_options": (bool, True),
        "max_options": (int, 12),
    },
    "workforce": {
        "population_per_team": ((int, float), None),
        "max_teams_per_hub": (int, None),
        "staff_per_team": (dict, None),
        "staff_available": (dict, None),
        "source": (str, None),
    },
    "services": {
        "appointments_per_head": (dict, None),
        "source": (str, None),
        "rooms_per_hub": ((int, float), None),
        "sessions_per_week": ((int, float), None),
        "appointments_per_session": ((int, float), None),
        "weeks_per_year": ((int, float), None),
        "capacity_source": (str, None),
    },
    "appraisal": {
        "options": (list, None),
        "criteria": (list, None),
    },
    "outputs": {
        "folder": (str, None),
        "map": (bool, True),
        "tables": (bool, True),
        "static_maps": (bool, True),
        "report": (bool, True),
        "report_pdf": (bool, False),
        "workbook": (bool, True),
        "geopackage": (bool, True),
        "thresholds": (list, [15, 30]),
    },
}
_REQUIRED = {"name", "study", "year"}


def _fail(key: str, problem: str, path: Path | None, hint: str | None = None) -> None:
    raise InputError(problem, path=path, setting=key, hint=hint)


#: The largest number a scenario setting may hold: hubopt multiplies populations, weights, capacities and costs into
#: objectives, and beyond this they lose precision or overflow (1e15 is a thousand trillion pounds or people).
MAX_SETTING = 1e15


def _check_magnitude(key: str, value: float, path: Path | None) -> None:
    """Refuse a number that is not finite (``.inf``, ``.nan``, 1e400) or too large to compute with."""
    try:
        number = float(value)
    except OverflowError:  # a whole number too large for a float
        number = math.inf
    if not math.isfinite(number):
        _fail(key, f"'{key}' must be a finite number, not {value!r}", path)
    if abs(number) > MAX_SETTING:
        _fail(
            key,
            f"'{key}' is {value!r}, too large to compute with (the limit is {MAX_SETTING:.0e})",
            path,
            "check the value: products of numbers this large lose precision or overflow",
        )


def _check_numbers(key: str, value: Any, path: Path | None) -> None:
    """Check every number in a setting, including those inside its lists and sections (e.g. per-band rates)."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        _check_magnitude(key, value, path)
    elif isinstance(value, dict):
        for sub, item in value.items():
            _check_numbers(f"{key}.{sub}", item, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_numbers(f"{key}[{i}]", item, path)


def _check_section(values: Any, schema: dict[str, Any], prefix: str, path: Path | None) -> dict[str, Any]:
    if values is None:
        values = {}
    if not isinstance(values, dict):
        _fail(prefix.rstrip(".") or "(top level)", "this must be a section of 'key: value' lines", path)
    out: dict[str, Any] = {}
    for key in values:
        if key not in schema:
            full = f"{prefix}{key}"
            close = difflib.get_close_matches(str(key), list(schema), n=1)
            hint = f"did you mean '{prefix}{close[0]}'?" if close else f"allowed here: {', '.join(schema)}"
            _fail(full, f"unknown setting '{full}'", path, hint)
    for key, spec in schema.items():
        full = f"{prefix}{key}"
        if isinstance(spec, dict):
            out[key] = _check_section(values.get(key), spec, f"{full}.", path)
            continue
        types, default = spec
        if key not in values or values[key] is None:
            if full in _REQUIRED:
                _fail(full, f"the setting '{full}' is required", path, "add it to the scenario file")
            out[key] = default
            continue
        value = values[key]
        ok = isinstance(value, types) and not (isinstance(value, bool) and types in (int, (int, float)))
        if not ok:
            want = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
            names = {
                "str": "text",
                "int": "a whole number",
                "float": "a number",
                "list": "a list",
                "dict": "a section",
                "bool": "true or false",
                "date": "a date",
            }
            _fail(full, f"'{full}' must be {names.get(want, want)}, not {quote(value)}", path)
        _check_numbers(full, value, path)
        out[key] = value
    return out
