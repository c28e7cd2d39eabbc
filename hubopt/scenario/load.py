"""Reading a scenario file: the YAML read, checked against the schema, each section validated, paths resolved."""

from __future__ import annotations

from pathlib import Path

from hubopt import builtin
from hubopt.demand.housing import HOUSING_MODES, MAX_PERSONS_PER_DWELLING
from hubopt.demand.projection import BEYOND_CHOICES
from hubopt.demand.zones import check_band_weights
from hubopt.errors import InputError, quote
from hubopt.io._yaml import read_yaml
from hubopt.io.sites import SITE_TYPES
from hubopt.locate import registry
from hubopt.locate.solve import check_solver_name
from hubopt.scenario.schema import (
    _SCHEMA,
    _check_section,
    _fail,
)
from hubopt.scenario.sections import (
    _bed_settings,
    _criteria,
    _model_settings,
    _options,
    _registration_share,
    _travel_modes,
)
from hubopt.scenario.settings import (
    Scenario,
)


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
