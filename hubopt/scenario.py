"""The scenario file: what an analyst edits to ask hubopt a question.

A scenario is a YAML file. Every key is checked: a misspelt key, a wrong type or an impossible value stops with a
message naming the key (e.g. ``model.hubs``) and what to write instead. Relative paths are read from the scenario
file's folder; ``builtin:NAME`` names a built-in study (see :mod:`hubopt.builtin`). See
``hubopt/scenarios/west_kent_hubs.yaml`` for a commented example, and the README for every key.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hubopt import builtin
from hubopt.appraise import CriterionSpec, OptionSpec
from hubopt.demand import BEYOND_CHOICES, check_band_weights
from hubopt.errors import InputError, quote
from hubopt.housing import HOUSING_MODES, MAX_PERSONS_PER_DWELLING
from hubopt.io._yaml import read_yaml
from hubopt.io.sites import SITE_TYPES
from hubopt.locate import registry
from hubopt.locate.solve import check_solver_name

BED_SITE_CHOICES = ("hubs_and_hospitals", "hospitals", "hubs", "any")
BED_NEED_METHODS = ("baseline", "rates")
TRAVEL_METHODS = ("straight_line", "network", "matrix")
TRAVEL_MODES = ("drive", "walk", "public_transport", "other")
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
}

# key -> (expected python type(s), default); nested dicts are sections.
_SCHEMA: dict[str, Any] = {
    "name": (str, None),
    "description": (str, ""),
    "study": (str, None),
    "year": (int, None),
    "demand": {
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
    },
    "travel": {
        "mode": (str, "drive"),
        "method": (str, "straight_line"),
        "network": (str, None),
        "modes": (dict, None),
        "use": (str, None),
        "cache_folder": (str, None),
        "network_buffer_m": ((int, float), 2000),
    },
    "model": {
        "type": (str, "p-median"),
        "hubs": (int, None),
        "max_minutes": ((int, float), None),
        "min_population": ((int, float), None),
        "max_population": ((int, float), None),
        "capacity_measure": (str, "population"),
        "single_assignment": (bool, True),
        "cost_weight": ((int, float), 0.0),
        "budget": ((int, float), None),
        "max_new_build": (int, None),
        "years": (list, None),
        "multi_year_objective": (str, "sum"),
        "sweep": (list, None),
        "explain": (bool, True),
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
        "thresholds": (list, [15, 30]),
    },
}
_REQUIRED = {"name", "study", "year"}


@dataclass
class ModelSettings:
    """The model-specific settings of ``model:`` (see the README for each)."""

    max_minutes: float | None = None
    min_population: float | None = None
    max_population: float | None = None
    capacity_measure: str = "population"
    single_assignment: bool = True
    cost_weight: float = 0.0
    budget: float | None = None
    max_new_build: int | None = None
    years: list[int] | None = None
    multi_year_objective: str = "sum"
    sweep: list[int] | None = None
    explain: bool = True


@dataclass
class TravelMode:
    """One way of travelling, and how its times are obtained.

    ``method`` is ``straight_line`` (calibrated estimate, offline), ``network`` (shortest paths on an OSM road or
    footpath network file) or ``matrix`` (a supplied zone × site matrix, e.g. public transport from r5py).
    """

    name: str
    method: str
    mode: str
    network: Path | None = None
    file: Path | None = None
    speeds_kph: dict[str, float] | None = None
    walk_speed_kph: float | None = None
    access_speed_kph: float | None = None
    cutoff_minutes: float | None = None
    max_snap_m: float | None = None
    missing: Literal["error", "unreachable"] = "error"
    description: str | None = None


@dataclass
class BedSettings:
    """The ``beds:`` section, validated (see the README for each setting)."""

    years: list[int]
    need_method: str
    baseline_beds: int | None
    weights: dict[str, float] | None
    admission_rates_per_1000: dict[str, float] | None
    mean_length_of_stay_days: float | dict[str, float] | None
    target_occupancy: float | None
    baseline_occupancy: float | None
    sites: str
    max_beds_per_site: float | None
    min_unit: int | None
    must_keep: list[str]
    allow_new_sites: bool
    allow_moves: bool
    cost_per_bed: float
    cost_per_unit: float
    priority: str = "fewest_beds"
    baseline_source: str | None = None
    piloted_beds: int | None = None


@dataclass
class Scenario:
    """A validated scenario with its paths resolved.

    Attributes mirror the YAML sections; ``path`` is the scenario file and ``raw`` the values as read (with
    defaults filled in), for the manifest.
    """

    path: Path
    name: str
    description: str
    study: Path
    year: int
    demand_weights: dict[str, float]
    beyond_projection: str
    site_types: list[str] | None
    must_open: list[str]
    unavailable: list[str]
    extra_register: Path | None
    travel_mode: str
    travel_method: str
    travel_modes: dict[str, TravelMode]
    travel_use: str
    travel_cache: Path
    network_buffer_m: float
    model_type: str
    hubs: int | None
    solver: str
    time_limit: float | None
    mip_gap: float
    registration_share: dict[str, float] | str | None
    housing_file: Path | None
    housing_mode: str
    housing_persons_per_dwelling: float | None
    housing_age_profile: dict[str, float] | None
    housing_max_distance_m: float | None
    housing_postcodes: Path | None
    beds: BedSettings | None
    output_folder: Path
    write_map: bool
    write_tables: bool
    thresholds: list[float]
    model: ModelSettings = field(default_factory=lambda: ModelSettings())
    options: list[OptionSpec] = field(default_factory=list)
    criteria: list[CriterionSpec] | None = None
    write_static_maps: bool = True
    write_report: bool = True
    write_report_pdf: bool = False
    write_workbook: bool = True
    site_postcodes: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def _fail(key: str, problem: str, path: Path, hint: str | None = None) -> None:
    raise InputError(problem, path=path, setting=key, hint=hint)


#: The largest number a scenario setting may hold: hubopt multiplies populations, weights, capacities and costs into
#: objectives, and beyond this they lose precision or overflow (1e15 is a thousand trillion pounds or people).
MAX_SETTING = 1e15


def _check_magnitude(key: str, value: float, path: Path) -> None:
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


def _check_numbers(key: str, value: Any, path: Path) -> None:
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


def _check_section(values: Any, schema: dict[str, Any], prefix: str, path: Path) -> dict[str, Any]:
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
            }
            _fail(full, f"'{full}' must be {names.get(want, want)}, not {quote(value)}", path)
        _check_numbers(full, value, path)
        out[key] = value
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    Scenario
    """
    p = builtin.scenario_path(path)
    if not p.is_file():
        raise InputError(
            "the scenario file does not exist",
            path=p,
            hint="give the path of a .yaml scenario, or a built-in one such as builtin:west_kent_hubs",
        )
    data = read_yaml(p, what="scenario file")
    values = _check_section(data, _SCHEMA, "", p)
    base = p.resolve().parent

    def resolve(value: str | None) -> Path | None:
        if value is None:
            return None
        if builtin.is_reference(value):
            try:
                return builtin.study_path(value)
            except InputError as exc:
                raise InputError(exc.problem, path=p, hint=exc.hint) from None
        q = Path(value).expanduser()
        return q.resolve() if q.is_absolute() else (base / q).resolve()

    year = values["year"]
    if not 1990 <= year <= 2100:
        _fail("year", f"the year {year} is not plausible", p, "give a four-digit year such as 2030")
    try:
        weights = check_band_weights(values["demand"]["weights"], where="demand.weights")
    except InputError as exc:
        raise InputError(exc.problem, path=p, setting="demand.weights", hint=exc.hint) from None
    beyond = values["demand"]["beyond_projection"]
    if beyond not in BEYOND_CHOICES:
        _fail(
            "demand.beyond_projection",
            f"unknown choice {quote(beyond)}",
            p,
            f"use one of: {', '.join(BEYOND_CHOICES)}",
        )
    types = values["sites"]["types"]
    if types is not None:
        bad = [t for t in types if t not in SITE_TYPES]
        if bad or not types:
            _fail(
                "sites.types",
                f"unknown site type(s): {', '.join(map(str, bad)) or '(empty list)'}",
                p,
                f"use any of: {', '.join(SITE_TYPES)}",
            )
    if values["sites"]["postcode_lookup"] is not None and values["sites"]["extra_register"] is None:
        _fail(
            "sites.postcode_lookup",
            "a postcode lookup is given but no extra register to locate by it",
            p,
            "name your register with sites.extra_register, or remove sites.postcode_lookup",
        )
    for key in ("must_open", "unavailable"):
        if not all(isinstance(s, str | int) for s in values["sites"][key]):
            _fail(f"sites.{key}", "list site IDs as text, one per item", p)
    modes, use = _travel_modes(values["travel"], p, resolve)
    mode, method = modes[use].mode, modes[use].method
    model = values["model"]
    if model["type"] not in registry.MODELS:  # the models and what each needs: hubopt.locate.registry
        _fail("model.type", f"unknown model {quote(model['type'])}", p, f"use one of: {', '.join(registry.MODELS)}")
    settings = _model_settings(model, year, p)
    try:
        solver = check_solver_name(model["solver"])
    except InputError as exc:
        raise InputError(exc.problem, path=p, setting="model.solver", hint=exc.hint) from None
    if model["time_limit"] is not None and model["time_limit"] <= 0:
        _fail("model.time_limit", "the time limit must be a positive number of seconds", p)
    if not 0 <= model["mip_gap"] < 1:
        _fail("model.mip_gap", "the MIP gap is a fraction from 0 (prove optimality) to below 1", p)
    registration = _registration_share(values["demand"]["registration_share"], p)
    housing = values["demand"]["housing"]
    if housing["mode"] not in HOUSING_MODES:
        _fail(
            "demand.housing.mode",
            f"unknown housing mode {quote(housing['mode'])}",
            p,
            f"use one of: {', '.join(HOUSING_MODES)}",
        )
    if (
        housing["persons_per_dwelling"] is not None
        and not 0 < housing["persons_per_dwelling"] <= MAX_PERSONS_PER_DWELLING
    ):
        _fail(
            "demand.housing.persons_per_dwelling",
            f"persons per dwelling must be above 0 and at most {MAX_PERSONS_PER_DWELLING:g}",
            p,
        )
    if housing["file"] is None and any(housing[k] is not None for k in ("age_profile", "postcodes")):
        _fail(
            "demand.housing.file",
            "housing settings are given but no housing file",
            p,
            "name the trajectory with demand.housing.file",
        )
    beds = _bed_settings(values["beds"], year, p)
    thresholds = values["outputs"]["thresholds"]
    if not thresholds or not all(
        isinstance(t, int | float) and not isinstance(t, bool) and t > 0 for t in thresholds
    ):
        _fail("outputs.thresholds", "thresholds must be a list of positive minutes, e.g. [15, 30]", p)
    study = resolve(values["study"])
    assert study is not None
    folder = resolve(values["outputs"]["folder"]) or builtin.default_output_folder(p)
    return Scenario(
        path=p,
        name=values["name"],
        description=values["description"],
        study=study,
        year=year,
        demand_weights=weights,
        beyond_projection=beyond,
        site_types=types,
        must_open=[str(s) for s in values["sites"]["must_open"]],
        unavailable=[str(s) for s in values["sites"]["unavailable"]],
        extra_register=resolve(values["sites"]["extra_register"]),
        site_postcodes=resolve(values["sites"]["postcode_lookup"]),
        travel_mode=mode,
        travel_method=method,
        travel_modes=modes,
        travel_use=use,
        travel_cache=resolve(values["travel"]["cache_folder"]) or builtin.default_cache_folder(),
        network_buffer_m=float(values["travel"]["network_buffer_m"]),
        model_type=model["type"],
        hubs=model["hubs"],
        model=settings,
        options=_options(values["appraisal"]["options"], p),
        criteria=_criteria(values["appraisal"]["criteria"], p),
        write_static_maps=values["outputs"]["static_maps"],
        write_report=values["outputs"]["report"],
        write_report_pdf=values["outputs"]["report_pdf"],
        write_workbook=values["outputs"]["workbook"],
        solver=solver,
        time_limit=None if model["time_limit"] is None else float(model["time_limit"]),
        mip_gap=float(model["mip_gap"]),
        registration_share=registration,
        housing_file=resolve(housing["file"]),
        housing_mode=housing["mode"],
        housing_persons_per_dwelling=(
            None if housing["persons_per_dwelling"] is None else float(housing["persons_per_dwelling"])
        ),
        housing_age_profile=housing["age_profile"],
        housing_max_distance_m=housing["max_distance_m"],
        housing_postcodes=resolve(housing["postcodes"]),
        beds=beds,
        output_folder=folder,
        write_map=values["outputs"]["map"],
        write_tables=values["outputs"]["tables"],
        thresholds=[float(t) for t in thresholds],
        raw=values,
    )


def _registration_share(value: Any, path: Path) -> dict[str, float] | str | None:
    """``none`` → None; ``study`` → the marker "study" (resolved when the study is read); a mapping → checked."""
    if isinstance(value, str):
        if value not in ("none", "study"):
            _fail(
                "demand.registration_share",
                f"unknown choice {quote(value)}",
                path,
                "use none, study (the shares in the study's study.yaml), or a list of 'district code: share'",
            )
        return None if value == "none" else "study"
    out: dict[str, float] = {}
    for code, share in value.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            _fail("demand.registration_share", f"the share for {code} must be a number above 0 and at most 1", path)
        out[str(code)] = float(share)
    return out


def _bed_settings(values: dict[str, Any], year: int, path: Path) -> BedSettings | None:
    if not values["enabled"]:
        return None
    years = values["years"] or [year]
    if not all(isinstance(y, int) and not isinstance(y, bool) and 1990 <= y <= 2100 for y in years):
        _fail("beds.years", "list the bed-plan years as four-digit years, e.g. [2025, 2030, 2035]", path)
    if sorted(set(years)) != list(years):
        _fail("beds.years", "list each year once, in increasing order", path)
    if values["need_method"] not in BED_NEED_METHODS:
        _fail(
            "beds.need_method",
            f"unknown method {quote(values['need_method'])}",
            path,
            f"use one of: {', '.join(BED_NEED_METHODS)}",
        )
    if values["sites"] not in BED_SITE_CHOICES:
        _fail(
            "beds.sites",
            f"unknown choice {quote(values['sites'])}",
            path,
            f"use one of: {', '.join(BED_SITE_CHOICES)}",
        )
    weights = None
    if values["weights"] is not None:
        try:
            weights = check_band_weights(values["weights"], where="beds.weights")
        except InputError as exc:
            raise InputError(exc.problem, path=path, setting="beds.weights", hint=exc.hint) from None
    elif values["need_method"] == "baseline":
        _fail(
            "beds.weights",
            "the baseline method needs bed-use weights by age band",
            path,
            'give beds.weights, e.g. {"0-64": 1, "65-74": 4, "75-84": 10, "85+": 25}, from local bed-day data',
        )
    for key in ("target_occupancy", "baseline_occupancy"):
        v = values[key]
        if v is not None and not 0 < v <= 1:
            _fail(f"beds.{key}", "occupancy is a fraction above 0 and at most 1, e.g. 0.85", path)
    _check_bed_baseline(values, path)
    for key in ("max_beds_per_site", "cost_per_bed", "cost_per_unit"):
        v = values[key]
        if v is not None and v < 0:
            _fail(f"beds.{key}", "must be zero or positive", path)
    if values["priority"] not in ("fewest_beds", "weighted"):
        _fail("beds.priority", f"unknown priority {quote(values['priority'])}", path, "use fewest_beds or weighted")
    if values["min_unit"] is not None and values["min_unit"] < 1:
        _fail("beds.min_unit", "the smallest ward must have at least 1 bed", path)
    return BedSettings(
        years=list(years),
        need_method=values["need_method"],
        baseline_beds=values["baseline_beds"],
        weights=weights,
        admission_rates_per_1000=values["admission_rates_per_1000"],
        mean_length_of_stay_days=values["mean_length_of_stay_days"],
        target_occupancy=values["target_occupancy"],
        baseline_occupancy=values["baseline_occupancy"],
        sites=values["sites"],
        max_beds_per_site=values["max_beds_per_site"],
        min_unit=values["min_unit"],
        must_keep=[str(x) for x in values["must_keep"]],
        allow_new_sites=values["allow_new_sites"],
        allow_moves=values["allow_moves"],
        cost_per_bed=float(values["cost_per_bed"]),
        cost_per_unit=float(values["cost_per_unit"]),
        priority=values["priority"],
        baseline_source=values["baseline_source"],
        piloted_beds=values["piloted_beds"],
    )


def _check_bed_baseline(values: dict[str, Any], path: Path) -> None:
    """Check ``beds.baseline_beds`` (today's beds, instead of the study's): its source; ``piloted_beds`` with it."""
    beds, source, piloted = values["baseline_beds"], values["baseline_source"], values["piloted_beds"]
    if beds is None:
        for key, value in (("baseline_source", source), ("piloted_beds", piloted)):
            if value is not None:
                _fail(
                    f"beds.{key}",
                    f"beds.{key} is given without beds.baseline_beds",
                    path,
                    "give today's beds with beds.baseline_beds (and its source), or remove this setting to use the "
                    "beds and piloted_beds of the study's site register",
                )
        return
    if beds < 1:
        _fail(
            "beds.baseline_beds",
            f"today's beds must be a whole number above zero, not {beds!r}",
            path,
            "growing zero beds gives zero; without beds today, use need_method: rates",
        )
    if source is None or not source.strip():
        _fail(
            "beds.baseline_source",
            "beds.baseline_beds is given without its source",
            path,
            "say where the figure comes from, e.g. baseline_source: 'Community Services Plan 2024, table 3' "
            "(for an assumption, write 'ILLUSTRATIVE assumption: ...')",
        )
    if piloted is not None and piloted < 0:
        _fail("beds.piloted_beds", "piloted beds must be a whole number of zero or more", path)


def _travel_modes(travel: dict[str, Any], path: Path, resolve: Any) -> tuple[dict[str, TravelMode], str]:
    """The travel modes of a scenario: ``travel.modes`` when given, else the single ``travel.mode``/``method``."""
    raw = travel["modes"]
    if raw is None:
        raw = {travel["mode"]: {"method": travel["method"], "mode": travel["mode"], "network": travel["network"]}}
        use = travel["use"] or travel["mode"]
    else:
        if not raw:
            _fail("travel.modes", "list at least one travel mode", path)
        use = travel["use"] or next(iter(raw))
    modes: dict[str, TravelMode] = {}
    for name, spec in raw.items():
        key = f"travel.modes.{name}" if travel["modes"] is not None else "travel"
        values = _check_section(spec, _MODE_SCHEMA, f"{key}.", path)
        method = values["method"]
        if method not in TRAVEL_METHODS:
            _fail(
                f"{key}.method",
                f"unknown travel-time method {quote(method)}",
                path,
                f"use one of: {', '.join(TRAVEL_METHODS)}",
            )
        mode = values["mode"] or (str(name) if str(name) in TRAVEL_MODES else "drive")
        if mode not in TRAVEL_MODES:
            _fail(f"{key}.mode", f"unknown travel mode {quote(mode)}", path, f"use one of: {', '.join(TRAVEL_MODES)}")
        if method == "network":
            if values["network"] is None:
                _fail(
                    f"{key}.network",
                    "a network travel mode needs a network file (.osm.pbf, .osm or .graphml)",
                    path,
                    "name it, or fetch one with: hubopt fetch network SCENARIO",
                )
            if mode not in ("drive", "walk"):
                _fail(f"{key}.mode", f"road and footpath networks serve drive or walk, not {quote(mode)}", path)
        if method == "matrix" and values["file"] is None:
            _fail(
                f"{key}.file",
                "a matrix travel mode needs the matrix file (CSV or Parquet: origin, destination, minutes)",
                path,
            )
        if values["missing"] not in ("error", "unreachable"):
            _fail(f"{key}.missing", f"unknown choice {quote(values['missing'])}", path, "use error or unreachable")
        for k in ("walk_speed_kph", "access_speed_kph", "cutoff_minutes", "max_snap_m"):
            if values[k] is not None and values[k] <= 0:
                _fail(f"{key}.{k}", "must be a positive number", path)
        modes[str(name)] = TravelMode(
            name=str(name),
            method=method,
            mode=mode,
            network=resolve(values["network"]),
            file=resolve(values["file"]),
            speeds_kph=values["speeds_kph"],
            walk_speed_kph=values["walk_speed_kph"],
            access_speed_kph=values["access_speed_kph"],
            cutoff_minutes=values["cutoff_minutes"],
            max_snap_m=values["max_snap_m"],
            missing=values["missing"],
            description=values["description"],
        )
    if use not in modes:
        _fail(
            "travel.use",
            f"the model's travel mode {quote(use)} is not one of travel.modes",
            path,
            f"use one of: {', '.join(modes)}",
        )
    return modes, use


def _model_settings(model: dict[str, Any], year: int, path: Path) -> ModelSettings:
    kind = model["type"]
    entry = registry.MODELS[kind]
    if entry.hubs == "required" and model["hubs"] is None:
        _fail("model.hubs", f"the {kind} model needs the number of hubs", path, "add 'hubs: N' under model")
    if model["hubs"] is not None and model["hubs"] < 1:
        _fail("model.hubs", "the number of hubs must be 1 or more", path)
    if entry.hubs == "forbidden" and model["hubs"] is not None:
        _fail("model.hubs", f"the {kind} model finds the fewest hubs itself; remove model.hubs", path)
    if entry.needs_max_minutes and model["max_minutes"] is None:
        _fail(
            "model.max_minutes",
            f"the {kind} model needs the travel-time standard in minutes",
            path,
            "add e.g. 'max_minutes: 20' under model",
        )
    if model["max_minutes"] is not None and model["max_minutes"] <= 0:
        _fail("model.max_minutes", "must be a positive number of minutes", path)
    if not entry.capacity_settings:
        for key in ("min_population", "max_population", "budget", "max_new_build"):
            if model[key] is not None:
                _fail(
                    f"model.{key}",
                    f"'{key}' applies to the capacitated model, not {kind}",
                    path,
                    f"set model.type: {' or '.join(m.name for m in registry.MODELS.values() if m.capacity_settings)}"
                    ", or remove it",
                )
    for key in ("min_population", "max_population", "budget"):
        if model[key] is not None and model[key] < 0:
            _fail(f"model.{key}", "must be zero or positive", path)
    if (
        model["min_population"] is not None
        and model["max_population"] is not None
        and model["min_population"] > model["max_population"]
    ):
        _fail("model.min_population", "the minimum is above the maximum", path)
    if model["capacity_measure"] not in ("population", "demand"):
        _fail(
            "model.capacity_measure",
            f"unknown choice {quote(model['capacity_measure'])}",
            path,
            "use population (bounds in people) or demand (bounds in age-weighted demand)",
        )
    if model["cost_weight"] < 0:
        _fail("model.cost_weight", "must be zero or positive", path)
    years = model["years"]
    if years is not None:
        if entry.multi_year is None:
            multi = ", ".join(m.name for m in registry.MODELS.values() if m.multi_year is not None)
            _fail("model.years", f"choosing one set of hubs for several years is available for the {multi}", path)
        if not years or not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
            _fail("model.years", "list the forecast years, e.g. [2025, 2030, 2035]", path)
    if model["multi_year_objective"] not in ("sum", "regret"):
        _fail(
            "model.multi_year_objective",
            f"unknown choice {quote(model['multi_year_objective'])}",
            path,
            "use sum (best total over the years) or regret (least worst regret against each year's optimum)",
        )
    sweep = model["sweep"]
    if sweep is not None:
        if not entry.sweepable:
            _fail("model.sweep", f"the {kind} model chooses its own number of hubs; no sweep", path)
        if not (
            len(sweep) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in sweep)
            and sweep[0] <= sweep[1]
        ):
            _fail("model.sweep", "give the range of hub numbers to compare as [first, last], e.g. [1, 10]", path)
    return ModelSettings(
        max_minutes=None if model["max_minutes"] is None else float(model["max_minutes"]),
        min_population=model["min_population"],
        max_population=model["max_population"],
        capacity_measure=model["capacity_measure"],
        single_assignment=model["single_assignment"],
        cost_weight=float(model["cost_weight"]),
        budget=model["budget"],
        max_new_build=model["max_new_build"],
        years=None if years is None else [int(y) for y in years],
        multi_year_objective=model["multi_year_objective"],
        sweep=None if sweep is None else list(range(sweep[0], sweep[1] + 1)),
        explain=model["explain"],
    )


def _options(values: list[Any] | None, path: Path) -> list[OptionSpec]:
    """``appraisal.options``: named sets of sites, each ``{name, sites, description}``."""
    out: list[OptionSpec] = []
    for k, item in enumerate(values or []):
        key = f"appraisal.options[{k + 1}]"
        checked = _check_section(
            item, {"name": (str, None), "sites": (list, None), "description": (str, "")}, f"{key}.", path
        )
        if not checked["name"] or not checked["sites"]:
            _fail(
                key,
                "each option needs a name and a list of site IDs",
                path,
                "e.g. - {name: 'Option A', sites: [RYYD9, RWF03]}",
            )
        out.append(
            OptionSpec(
                name=checked["name"], site_ids=[str(s) for s in checked["sites"]], description=checked["description"]
            )
        )
    return out


def _criteria(values: list[Any] | None, path: Path) -> list[CriterionSpec] | None:
    """``appraisal.criteria``: weighted measures (None: the default criteria)."""
    if values is None:
        return None
    out: list[CriterionSpec] = []
    schema = {"name": (str, None), "measure": (str, None), "direction": (str, None), "weight": ((int, float), None)}
    for k, item in enumerate(values):
        key = f"appraisal.criteria[{k + 1}]"
        c = _check_section(item, schema, f"{key}.", path)
        missing = [f for f in ("name", "measure", "direction", "weight") if c[f] is None]
        if missing:
            _fail(
                key,
                f"each criterion needs {', '.join(missing)}",
                path,
                "e.g. - {name: Access, measure: mean_minutes, direction: lower, weight: 0.4}",
            )
        out.append(
            CriterionSpec(name=c["name"], weight=float(c["weight"]), direction=c["direction"], measure=c["measure"])
        )
    return out
