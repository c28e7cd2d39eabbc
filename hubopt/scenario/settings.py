"""The validated scenario: :class:`Scenario` and its sections' settings, and the choices each setting allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubopt.analysis.appraise import CriterionSpec, OptionSpec
from hubopt.travel.mode_spec import TRAVEL_METHODS, TRAVEL_MODES, TravelMode

__all__ = [
    "BED_NEED_METHODS",
    "BED_SITE_CHOICES",
    "TRAVEL_METHODS",
    "TRAVEL_MODES",
    "BedSettings",
    "ModelSettings",
    "Scenario",
    "TravelMode",
]

BED_SITE_CHOICES = ("hubs_and_hospitals", "hospitals", "hubs", "any")
BED_NEED_METHODS = ("baseline", "rates")


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
