"""Validation of the scenario's sections that need more than a type check: registration shares, beds, travel
modes, the model, and the appraisal's options and criteria."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubopt.analysis.appraise import CriterionSpec, OptionSpec
from hubopt.demand.zones import check_band_weights
from hubopt.errors import InputError, quote
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands
from hubopt.locate import registry
from hubopt.scenario.schema import _MODE_SCHEMA, _check_section, _fail
from hubopt.scenario.settings import (
    BED_NEED_METHODS,
    BED_SITE_CHOICES,
    TRAVEL_METHODS,
    TRAVEL_MODES,
    BedSettings,
    ModelSettings,
    TravelMode,
)
from hubopt.scenario.transit_settings import _check_public_transport
from hubopt.travel.combine import CombineSpec


def _registration_share(value: Any, path: Path | None) -> dict[str, float] | str | None:
    """``none`` → None; ``study`` → the marker "study" (resolved when the study is read); a mapping → checked.

    The form ``{file: shares.csv, districts: ...}`` (shares by zone) gives the district shares of ``districts``
    (default ``study``) here; its file is read by :func:`registration_share_file`.
    """
    if isinstance(value, dict) and "file" in value:
        unknown = sorted(set(value) - {"file", "districts"})
        if unknown:
            _fail(
                "demand.registration_share",
                f"unknown key(s) {', '.join(map(quote, unknown))} beside file",
                path,
                "use file: (the shares by zone) and optionally districts: (study, none, or 'district code: share' "
                "lines) for the zones the file does not list",
            )
        districts = value.get("districts", "study")
        if not isinstance(districts, str | dict):
            _fail("demand.registration_share.districts", "use study, none, or 'district code: share' lines", path)
        return _registration_share(districts, path)
    if isinstance(value, str):
        if value not in ("none", "study"):
            _fail(
                "demand.registration_share",
                f"unknown choice {quote(value)}",
                path,
                "use none, study (the shares in the study's study.yaml), a list of 'district code: share', or "
                "{file: shares.csv} (shares by zone)",
            )
        return None if value == "none" else "study"
    out: dict[str, float] = {}
    for code, share in value.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            _fail("demand.registration_share", f"the share for {code} must be a number above 0 and at most 1", path)
        out[str(code)] = float(share)
    return out


def registration_share_file(value: Any, path: Path | None) -> str | None:
    """The file of ``demand.registration_share: {file: ...}`` (shares by zone), or None."""
    if not (isinstance(value, dict) and "file" in value):
        return None
    file = value["file"]
    if not isinstance(file, str) or not file.strip():
        _fail("demand.registration_share.file", "give the path of the shares file (a CSV), e.g. shares.csv", path)
    return str(file)


def _bed_settings(
    values: dict[str, Any], year: int, path: Path | None, bands: AgeBands = STANDARD_BANDS
) -> BedSettings | None:
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
            weights = check_band_weights(values["weights"], where="beds.weights", bands=bands)
        except InputError as exc:
            raise InputError(exc.problem, path=path, setting="beds.weights", hint=exc.hint) from None
    elif values["need_method"] == "baseline":
        _fail(
            "beds.weights",
            "the baseline method needs bed-use weights by age band",
            path,
            f"give beds.weights, a number for each age band ({bands.describe()}), from local bed-day data",
        )
    for key in ("admission_rates_per_1000", "mean_length_of_stay_days"):
        if isinstance(values[key], dict):  # by age band: checked against the scenario's bands before any solve
            try:
                check_band_weights(values[key], where=f"beds.{key}", bands=bands)
            except InputError as exc:
                raise InputError(exc.problem, path=path, setting=f"beds.{key}", hint=exc.hint) from None
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


def _check_bed_baseline(values: dict[str, Any], path: Path | None) -> None:
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


def _travel_modes(travel: dict[str, Any], path: Path | None, resolve: Any) -> tuple[dict[str, TravelMode], str]:
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
        default_mode = "public_transport" if method == "public_transport" else "drive"
        mode = values["mode"] or (str(name) if str(name) in TRAVEL_MODES else default_mode)
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
        if method == "public_transport":
            mode = values["mode"] or "public_transport"
            _check_public_transport(values, key, mode, path)
        elif values["walk_network"] is not None:
            _fail(
                f"{key}.walk_network",
                f"a walking network times the walks of a public_transport mode, not of a {quote(method)} one",
                path,
                "remove it, or for walking times use {method: network, mode: walk, network: FILE}",
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
            gtfs=resolve(values["gtfs"]),
            day=str(values["day"]),
            window=values["window"],
            percentile=float(values["percentile"]),
            max_walk_m=values["max_walk_m"],
            max_transfer_m=values["max_transfer_m"],
            detour=values["detour"],
            walk_network=resolve(values["walk_network"]),
        )
    if use not in modes:
        _fail(
            "travel.use",
            f"the model's travel mode {quote(use)} is not one of travel.modes",
            path,
            f"use one of: {', '.join(modes)}",
        )
    return modes, use


def _travel_combine(
    combine: dict[str, Any], modes: dict[str, TravelMode], path: Path | None, resolve: Any
) -> CombineSpec | None:
    """``travel.combine``: a drive mode and a public-transport mode of ``travel.modes`` and the no-car share file."""
    if combine["modes"] is None and combine["no_car_share"] is None:
        return None
    names = combine["modes"]
    example = "e.g. travel.combine: {modes: [car, bus], no_car_share: no_car_share.csv}"
    if names is None or len(names) != 2 or not all(isinstance(n, str) for n in names):
        _fail("travel.combine.modes", "name two travel modes: one by car, one by public transport", path, example)
    unknown = [n for n in names if n not in modes]
    if unknown:
        _fail(
            "travel.combine.modes",
            f"{quote(unknown[0])} is not one of travel.modes",
            path,
            f"use two of: {', '.join(modes)}",
        )
    transit = [n for n in names if modes[n].mode == "public_transport"]
    if len(transit) != 1 or names[0] == names[1]:
        _fail(
            "travel.combine.modes",
            "name one public-transport mode and one other (car) mode",
            path,
            f"{example}, where bus is a mode with method: public_transport (or mode: public_transport)",
        )
    if combine["no_car_share"] is None:
        _fail(
            "travel.combine.no_car_share",
            "combining needs each zone's share of households without a car",
            path,
            "name a CSV with columns zone_id, share (0 to 1), source, e.g. from Census 2021 TS045 "
            "(hubopt fetch data)",
        )
    drive = next(n for n in names if n not in transit)
    return CombineSpec(drive=drive, public_transport=transit[0], no_car_share=resolve(combine["no_car_share"]))


def _check_min_clusters(model: dict[str, Any], entry: registry.LocationModel, path: Path | None) -> None:
    """``model.min_clusters``: the clusters model's least clusters per hub, a whole number of at least 1."""
    least = model["min_clusters"]
    if least is None:
        return
    if not entry.needs_clusters:
        clustered = " or ".join(m.name for m in registry.MODELS.values() if m.needs_clusters)
        _fail(
            "model.min_clusters",
            f"'min_clusters' applies to the {clustered} model, not {entry.name}",
            path,
            f"set model.type: {clustered}, or remove it",
        )
    if least < 1:
        _fail(
            "model.min_clusters",
            f"must be a whole number of clusters of at least 1 (it is {least})",
            path,
            "give 2 for the plan's rule (a hub serves more than one cluster), or 1 for whole clusters only",
        )


def _model_settings(model: dict[str, Any], year: int, path: Path | None) -> ModelSettings:
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
    if model["explain_time_limit"] is not None and not model["explain_time_limit"] > 0:
        hint = "give e.g. 3 (seconds), or remove it for no limit"
        _fail("model.explain_time_limit", "must be a positive number of seconds", path, hint)
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
    _check_min_clusters(model, entry, path)
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
        min_clusters=2 if model["min_clusters"] is None else model["min_clusters"],
        capacity_measure=model["capacity_measure"],
        single_assignment=model["single_assignment"],
        cost_weight=float(model["cost_weight"]),
        budget=model["budget"],
        max_new_build=model["max_new_build"],
        years=None if years is None else [int(y) for y in years],
        multi_year_objective=model["multi_year_objective"],
        sweep=None if sweep is None else list(range(sweep[0], sweep[1] + 1)),
        explain=model["explain"],
        explain_time_limit=None if model["explain_time_limit"] is None else float(model["explain_time_limit"]),
    )


def _options(values: list[Any] | None, path: Path | None) -> list[OptionSpec]:
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


def _criteria(values: list[Any] | None, path: Path | None) -> list[CriterionSpec] | None:
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
