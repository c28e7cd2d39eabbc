"""The validated settings of a scenario's sections (:class:`ModelSettings`, :class:`BedSettings`) and the choices each
setting allows. The :class:`~hubopt.scenario.load.Scenario` that holds them is made in :mod:`hubopt.scenario.load`."""

from __future__ import annotations

from dataclasses import dataclass

from hubopt.travel.mode_spec import TRAVEL_METHODS, TRAVEL_MODES, TravelMode

__all__ = [
    "BED_NEED_METHODS",
    "BED_SITE_CHOICES",
    "TRAVEL_METHODS",
    "TRAVEL_MODES",
    "BedSettings",
    "ModelSettings",
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
    explain_time_limit: float | None = None  # seconds for the explanation (None: until it is complete)


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
