"""The :class:`Scenario` and how one is made: a scenario file (:meth:`Scenario.from_yaml`, :func:`load_scenario`) or
the same settings as a Python dict (:meth:`Scenario.from_dict`), both checked by one validator: the values checked
against the schema, each section validated, paths resolved."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubopt import builtin
from hubopt.analysis.appraise import CriterionSpec, OptionSpec
from hubopt.demand.housing import HOUSING_MODES, MAX_PERSONS_PER_DWELLING, check_age_profile
from hubopt.demand.projection import BEYOND_CHOICES
from hubopt.demand.zones import check_band_weights
from hubopt.errors import InputError, quote
from hubopt.io._yaml import read_yaml
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands
from hubopt.io.sites import SITE_TYPES
from hubopt.locate import registry
from hubopt.locate.solve import check_solver_name
from hubopt.scenario.how_many_settings import _cost_settings, _service_settings, _workforce_settings
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
    _travel_combine,
    _travel_modes,
    registration_share_file,
)
from hubopt.scenario.settings import (
    BedSettings,
    CostSettings,
    ModelSettings,
    ServiceSettings,
    TravelMode,
    WorkforceSettings,
)
from hubopt.scenario.site_facts import SiteFacts, site_fact_settings
from hubopt.travel.combine import CombineSpec

__all__ = ["Scenario", "load_scenario"]

#: Resolves a path setting (relative to the scenario's folder, or ``builtin:NAME``); None stays None.
Resolve = Callable[[str | None], Path | None]


@dataclass
class Scenario:
    """A validated scenario with its paths resolved.

    Make one with :meth:`from_yaml` (a scenario file) or :meth:`from_dict` (the same settings in Python); one
    validator checks both. Attributes mirror the YAML sections; ``path`` is the scenario file (``None`` for a dict)
    and ``raw`` the values as read (with defaults filled in), for the manifest.
    """

    path: Path | None
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
    costs: CostSettings = field(default_factory=lambda: CostSettings())
    workforce: WorkforceSettings = field(default_factory=lambda: WorkforceSettings())
    services: ServiceSettings = field(default_factory=lambda: ServiceSettings())
    options: list[OptionSpec] = field(default_factory=list)
    criteria: list[CriterionSpec] | None = None
    write_static_maps: bool = True
    write_report: bool = True
    write_report_pdf: bool = False
    write_workbook: bool = True
    write_geopackage: bool = True
    site_postcodes: Path | None = None
    registration_share_file: Path | None = None
    site_facts: SiteFacts = field(default_factory=SiteFacts)
    #: ``travel.combine``: the model's time weighs each zone's car and public-transport times by its share of
    #: households without a car (see :mod:`hubopt.travel.combine`); None when not set.
    travel_combine: CombineSpec | None = None
    #: ``demand.age_bands``: the bands every by-age setting (weights, bed rates, appointment rates, housing age
    #: profile) uses; hubopt's standard bands when not set.
    age_bands: AgeBands = STANDARD_BANDS
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file.

        Parameters
        ----------
        path : str or Path
            The YAML file, or a built-in scenario such as ``builtin:west_kent_hubs``; relative paths in it are read
            from its folder.

        Returns
        -------
        Scenario

        Raises
        ------
        InputError
            When the file is missing or unreadable, or a setting is unknown, of the wrong type or impossible: the
            message names the file and the setting (e.g. ``model.hubs``).
        """
        p = builtin.scenario_path(path)
        if not p.is_file():
            raise InputError(
                "the scenario file does not exist",
                path=p,
                hint="give the path of a .yaml scenario, or a built-in one such as builtin:west_kent_hubs",
            )
        data = read_yaml(p, what="scenario file")
        return _validated(data, path=p, base=p.resolve().parent)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, base_dir: str | Path | None = None) -> Scenario:
        """Validate a scenario given as a dict with the keys of a scenario file.

        The checks are those of :meth:`from_yaml` (one validator); errors name the setting. The dict is not changed.

        Parameters
        ----------
        values : dict
            The settings, as a scenario file would hold them (``name``, ``study`` and ``year`` are required).
        base_dir : str or Path, optional
            The folder that relative paths (``study``, ``outputs.folder``, ...) are read from; default the working
            directory. Unless set, outputs go to ``base_dir/maps/<name>`` and network travel-time caches to
            ``base_dir/.hubopt-cache``.

        Returns
        -------
        Scenario

        Raises
        ------
        InputError
            When a setting is missing, unknown, of the wrong type or impossible.

        Examples
        --------
        >>> from hubopt import Scenario
        >>> settings = {"name": "Five hubs", "study": "builtin:west_kent", "year": 2030}
        >>> settings["model"] = {"type": "p-median", "hubs": 5}
        >>> Scenario.from_dict(settings).hubs
        5
        """
        base = Path.cwd() if base_dir is None else Path(base_dir).expanduser()
        return _validated(copy.deepcopy(values), path=None, base=base.resolve())

    @property
    def source(self) -> str:
        """The scenario file's name, or ``"(a Python dict)"`` for a scenario made with :meth:`from_dict`."""
        return "(a Python dict)" if self.path is None else self.path.name


def as_scenario(scenario: Scenario | str | Path, *, parameter: str = "scenario") -> Scenario:
    """A validated scenario from a :class:`Scenario` (returned as it is) or the path of a scenario file (read with
    :meth:`Scenario.from_yaml`; ``builtin:NAME`` names a built-in one).

    Raises
    ------
    InputError
        For anything else (naming the parameter and what to pass), or a file :meth:`Scenario.from_yaml` refuses.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | Path):
        return Scenario.from_yaml(scenario)
    raise InputError(
        f"expected a scenario, not {quote(scenario)}",
        parameter=parameter,
        hint="pass a scenario file's path (e.g. 'builtin:west_kent_hubs'), hubopt.Scenario.from_yaml(path) or "
        "hubopt.Scenario.from_dict(settings)",
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (the same as :meth:`Scenario.from_yaml`).

    Parameters
    ----------
    path : str or Path
        The YAML file, or a built-in scenario such as ``builtin:west_kent_hubs``.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        When the file is missing or unreadable, or a setting is unknown, of the wrong type or impossible.
    """
    return Scenario.from_yaml(path)


def _validated(data: Any, *, path: Path | None, base: Path) -> Scenario:
    """Check every setting of ``data`` (a scenario file's contents, or a dict) and resolve its paths from ``base``.

    ``path`` is the scenario file the errors name (``None`` for a dict). Default folders when none is named: for a
    file, ``maps/<file name>`` and ``.hubopt-cache`` in the working folder; for a dict, ``maps/<name>`` and
    ``.hubopt-cache`` in ``base``.
    """
    p = path
    values = _check_section(data, _SCHEMA, "", p)
    resolve = _resolver(base, p)
    year = values["year"]
    if not 1990 <= year <= 2100:
        _fail("year", f"the year {year} is not plausible", p, "give a four-digit year such as 2030")
    bands = _age_bands(values["demand"]["age_bands"], p)
    weights, beyond = _demand_settings(values["demand"], bands, p)
    types = _site_settings(values["sites"], p)
    modes, use = _travel_modes(values["travel"], p, resolve)
    combine = _travel_combine(values["travel"]["combine"], modes, p, resolve)
    model = values["model"]
    settings, solver = _model_and_solver(model, year, p)
    housing = values["demand"]["housing"]
    _check_housing(housing, bands, p)
    thresholds = values["outputs"]["thresholds"]
    if not thresholds or not all(
        isinstance(t, int | float) and not isinstance(t, bool) and t > 0 for t in thresholds
    ):
        _fail("outputs.thresholds", "thresholds must be a list of positive minutes, e.g. [15, 30]", p)
    study = resolve(values["study"])
    assert study is not None
    if p is None:
        folder = resolve(values["outputs"]["folder"]) or base / "maps" / _folder_name(values["name"])
        cache = resolve(values["travel"]["cache_folder"]) or base / builtin.CACHE_FOLDER_NAME
    else:
        folder = resolve(values["outputs"]["folder"]) or builtin.default_output_folder(p)
        cache = resolve(values["travel"]["cache_folder"]) or builtin.default_cache_folder()
    return Scenario(
        path=p,
        name=values["name"],
        description=values["description"],
        study=study,
        year=year,
        demand_weights=weights,
        age_bands=bands,
        beyond_projection=beyond,
        site_types=types,
        must_open=[str(s) for s in values["sites"]["must_open"]],
        unavailable=[str(s) for s in values["sites"]["unavailable"]],
        extra_register=resolve(values["sites"]["extra_register"]),
        site_postcodes=resolve(values["sites"]["postcode_lookup"]),
        site_facts=site_fact_settings(values["sites"], None, p),
        travel_mode=modes[use].mode,
        travel_method=modes[use].method,
        travel_modes=modes,
        travel_use=use,
        travel_combine=combine,
        travel_cache=cache,
        network_buffer_m=float(values["travel"]["network_buffer_m"]),
        model_type=model["type"],
        hubs=model["hubs"],
        model=settings,
        costs=_cost_settings(values["costs"], p),
        workforce=_workforce_settings(values["workforce"], p),
        services=_service_settings(values["services"], p, bands),
        options=_options(values["appraisal"]["options"], p),
        criteria=_criteria(values["appraisal"]["criteria"], p),
        write_static_maps=values["outputs"]["static_maps"],
        write_report=values["outputs"]["report"],
        write_report_pdf=values["outputs"]["report_pdf"],
        write_workbook=values["outputs"]["workbook"],
        write_geopackage=values["outputs"]["geopackage"],
        solver=solver,
        time_limit=None if model["time_limit"] is None else float(model["time_limit"]),
        mip_gap=float(model["mip_gap"]),
        registration_share=_registration_share(values["demand"]["registration_share"], p),
        registration_share_file=resolve(registration_share_file(values["demand"]["registration_share"], p)),
        housing_file=resolve(housing["file"]),
        housing_mode=housing["mode"],
        housing_persons_per_dwelling=(
            None if housing["persons_per_dwelling"] is None else float(housing["persons_per_dwelling"])
        ),
        housing_age_profile=housing["age_profile"],
        housing_max_distance_m=housing["max_distance_m"],
        housing_postcodes=resolve(housing["postcodes"]),
        beds=_bed_settings(values["beds"], year, p, bands),
        output_folder=folder,
        write_map=values["outputs"]["map"],
        write_tables=values["outputs"]["tables"],
        thresholds=[float(t) for t in thresholds],
        raw=values,
    )


def _resolver(base: Path, path: Path | None) -> Resolve:
    """Resolve path settings from ``base``; a ``builtin:`` study reference to the study inside the package."""

    def resolve(value: str | None) -> Path | None:
        if value is None:
            return None
        if builtin.is_reference(value):
            try:
                return builtin.study_path(value)
            except InputError as exc:
                raise InputError(exc.problem, path=path, hint=exc.hint) from None
        q = Path(value).expanduser()
        return q.resolve() if q.is_absolute() else (base / q).resolve()

    return resolve


def _age_bands(labels: list[Any] | None, p: Path | None) -> AgeBands:
    """``demand.age_bands`` checked: hubopt's standard bands when not given."""
    if labels is None:
        return STANDARD_BANDS
    if not all(isinstance(b, str | int) and not isinstance(b, bool) for b in labels):
        _fail("demand.age_bands", "list the age bands as text, e.g. ['0-4', '5-64', '65-74', '75-84', '85+']", p)
    try:
        return AgeBands.of([str(b) for b in labels], setting="demand.age_bands")
    except InputError as exc:
        raise InputError(exc.problem, path=p, setting="demand.age_bands", hint=exc.hint) from None


def _demand_settings(demand: dict[str, Any], bands: AgeBands, p: Path | None) -> tuple[dict[str, float], str]:
    """``demand.weights`` checked against the bands, and ``demand.beyond_projection``."""
    try:
        weights = check_band_weights(demand["weights"], where="demand.weights", bands=bands)
    except InputError as exc:
        raise InputError(exc.problem, path=p, setting="demand.weights", hint=exc.hint) from None
    beyond = demand["beyond_projection"]
    if beyond not in BEYOND_CHOICES:
        _fail(
            "demand.beyond_projection",
            f"unknown choice {quote(beyond)}",
            p,
            f"use one of: {', '.join(BEYOND_CHOICES)}",
        )
    return weights, beyond


def _site_settings(sites: dict[str, Any], p: Path | None) -> list[str] | None:
    """``sites.*`` checked; returns ``sites.types``."""
    types = sites["types"]
    if types is not None:
        bad = [t for t in types if t not in SITE_TYPES]
        if bad or not types:
            _fail(
                "sites.types",
                f"unknown site type(s): {', '.join(map(str, bad)) or '(empty list)'}",
                p,
                f"use any of: {', '.join(SITE_TYPES)}",
            )
    if sites["postcode_lookup"] is not None and sites["extra_register"] is None:
        _fail(
            "sites.postcode_lookup",
            "a postcode lookup is given but no extra register to locate by it",
            p,
            "name your register with sites.extra_register, or remove sites.postcode_lookup",
        )
    for key in ("must_open", "unavailable"):
        if not all(isinstance(s, str | int) for s in sites[key]):
            _fail(f"sites.{key}", "list site IDs as text, one per item", p)
    return types


def _model_and_solver(model: dict[str, Any], year: int, p: Path | None) -> tuple[ModelSettings, str]:
    """``model.*`` checked: the model's own settings, and the solver's canonical name."""
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
    return settings, solver


def _check_housing(housing: dict[str, Any], bands: AgeBands, p: Path | None) -> None:
    """``demand.housing.*`` checked (its age profile against the scenario's bands)."""
    if housing["age_profile"] is not None:
        try:
            check_age_profile(housing["age_profile"], setting="demand.housing.age_profile", bands=bands)
        except InputError as exc:
            raise InputError(exc.problem, path=p, setting="demand.housing.age_profile", hint=exc.hint) from None
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


def _folder_name(name: str) -> str:
    """A folder name made from a scenario's name ("West Kent hubs" → ``west_kent_hubs``)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:80] or "scenario"
