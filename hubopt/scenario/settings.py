"""The validated settings of a scenario's sections (:class:`ModelSettings`, :class:`BedSettings`) and the choices each
setting allows. The :class:`~hubopt.scenario.load.Scenario` that holds them is made in :mod:`hubopt.scenario.load`."""

from __future__ import annotations

from dataclasses import dataclass, field

from hubopt.travel.mode_spec import TRAVEL_METHODS, TRAVEL_MODES, TravelMode

__all__ = [
    "BED_NEED_METHODS",
    "BED_SITE_CHOICES",
    "TRAVEL_METHODS",
    "TRAVEL_MODES",
    "BedSettings",
    "CostSettings",
    "ModelSettings",
    "ServiceSettings",
    "TravelMode",
    "WorkforceSettings",
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


@dataclass
class CostSettings:
    """The ``costs:`` section, validated: running costs for the cost-access frontier (see the README)."""

    #: Annual running cost of a hub at a site whose register gives none (£ a year), or None.
    annual_cost_per_hub: float | None = None
    #: Where ``annual_cost_per_hub`` comes from (None: an assumption, labelled ILLUSTRATIVE).
    source: str | None = None
    #: The least an extra hub must save (mean minutes per person per £100,000 a year) to be worth funding.
    min_minutes_saved_per_100k: float | None = None
    #: Where the threshold comes from (None: an assumption, labelled ILLUSTRATIVE).
    threshold_source: str | None = None
    #: Whether to list the efficient cost-vs-access sets at the scenario's number of hubs.
    efficient_options: bool = True
    #: Most efficient sets to list.
    max_options: int = 12


@dataclass
class WorkforceSettings:
    """The ``workforce:`` section, validated: the limits staffing puts on the number and size of hubs."""

    #: People one hub team serves (e.g. the West Kent plan's 30,000-50,000 basis), or None.
    population_per_team: float | None = None
    #: Most teams one hub holds (with ``population_per_team``: the largest hub), or None.
    max_teams_per_hub: int | None = None
    #: Staff one team needs, by role (whole-time equivalents), or None.
    staff_per_team: dict[str, float] | None = None
    #: Staff available, by the same roles, or None.
    staff_available: dict[str, float] | None = None
    #: Where the figures come from (None: assumptions, labelled ILLUSTRATIVE).
    source: str | None = None

    @property
    def given(self) -> bool:
        """Whether any workforce figure is set."""
        return any(
            v is not None
            for v in (self.population_per_team, self.max_teams_per_hub, self.staff_per_team, self.staff_available)
        )


@dataclass
class ServiceSettings:
    """The ``services:`` section, validated: the appointments a hub's services need and the appointments a hub can
    hold (rooms x sessions per week x appointments per session x weeks per year)."""

    #: Appointments per head per year by age band, for each service a hub hosts (service -> band -> rate); empty
    #: when the section is not given.
    appointments_per_head: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Where the rates come from (None: assumptions, labelled ILLUSTRATIVE).
    source: str | None = None
    #: Clinic rooms of a hub at a site whose register gives no ``rooms``.
    rooms_per_hub: float | None = None
    #: Sessions a room runs a week.
    sessions_per_week: float | None = None
    #: Appointments a session holds.
    appointments_per_session: float | None = None
    #: Weeks a year the hub runs clinics.
    weeks_per_year: float | None = None
    #: Where the capacity figures come from (None: assumptions, labelled ILLUSTRATIVE).
    capacity_source: str | None = None

    @property
    def given(self) -> bool:
        """Whether the section sets appointment rates."""
        return bool(self.appointments_per_head)

    def rate_by_band(self) -> dict[str, float]:
        """Appointments per head per year by age band, all services together."""
        bands: dict[str, float] = {}
        for rates in self.appointments_per_head.values():
            for band, rate in rates.items():
                bands[band] = bands.get(band, 0.0) + rate
        return bands

    def appointments_per_room(self) -> float:
        """Appointments one room holds a year (sessions x appointments per session x weeks)."""
        assert self.sessions_per_week is not None and self.appointments_per_session is not None
        assert self.weeks_per_year is not None
        return self.sessions_per_week * self.appointments_per_session * self.weeks_per_year
