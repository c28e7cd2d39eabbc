"""A run's results: the types a run produces, below the pipeline that makes them and the renderers that draw them.

:class:`RunResult` holds everything a run produced (the scenario, study, demand, candidate sites, travel times,
the solved model, beds, appraisal and map layers); :class:`CandidateSites`, :class:`ModelOutcome` and
:class:`BedResult` are its parts. :func:`map_caption` is the plain-English caption the map, the static maps and the
report all print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.analysis.appointments import ServicePlan
from hubopt.analysis.frontier import Frontier
from hubopt.analysis.workforce import WorkforceLimits
from hubopt.demand.bed_need import BedNeed
from hubopt.demand.zones import ZoneDemand
from hubopt.locate.beds import BedPlan
from hubopt.locate.solution import LocationResult
from hubopt.scenario import Scenario
from hubopt.study import Study
from hubopt.travel.modes import ModeTimes

__all__ = ["BedResult", "CandidateSites", "ModelOutcome", "RunResult", "map_caption"]


@dataclass
class ModelOutcome:
    """The solved model, in words and tables."""

    result: LocationResult
    description: str
    weights: np.ndarray
    sweep: pd.DataFrame | None = None
    swaps: pd.DataFrame | None = None
    next_best: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    #: The cost-access frontier (with a sweep): :mod:`hubopt.analysis.frontier`.
    frontier: Frontier | None = None
    #: What the workforce allows (with a ``workforce:`` section): :mod:`hubopt.analysis.workforce`.
    workforce: WorkforceLimits | None = None
    #: Appointments against the hubs' capacity (with a ``services:`` section): :mod:`hubopt.analysis.appointments`.
    services: ServicePlan | None = None
    #: The answer to "how many hubs?" (with a sweep): one row per N, :mod:`hubopt.analysis.how_many`.
    how_many: pd.DataFrame | None = None


@dataclass
class BedResult:
    """Bed need per year and the bed plan."""

    needs: list[BedNeed]
    plan: BedPlan
    sites: gpd.GeoDataFrame
    years: list[int]
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per bed site: beds today and planned beds per year."""
        beds = np.atleast_2d(self.plan.beds)
        if beds.shape[0] != len(self.years):
            beds = beds.T
        out = pd.DataFrame(
            {
                "site_id": self.sites["site_id"].to_numpy(),
                "name": self.sites["name"].to_numpy(),
                "type": self.sites["type"].to_numpy(),
                "beds_today": self.sites["beds"].fillna(0).astype(int).to_numpy(),
                "max_beds": self.sites["max_beds_used"].to_numpy(),
            }
        )
        for k, year in enumerate(self.years):
            out[f"beds_{year}"] = np.rint(beds[k]).astype(int)
        return out

    def need_table(self) -> pd.DataFrame:
        """One row per year: whole beds needed (the figure the plan meets), today's beds, and the method.

        ``beds_needed`` is :attr:`hubopt.demand.bed_need.BedNeed.beds_rounded_up`, the figure of every output;
        ``beds_needed_before_rounding`` is the arithmetic (one decimal). Today's columns are blank (NA) when there
        is no figure for today.
        """
        rows = []
        for need, year in zip(self.needs, self.years, strict=True):
            today = need.today_beds
            rows.append(
                {
                    "year": year,
                    "beds_needed": need.beds_rounded_up,
                    "beds_needed_before_rounding": round(need.beds, 1),
                    "beds_today": today,
                    "change_from_today": need.change_from_today,
                    "beds_piloted": need.piloted_beds,
                    "beds_today_with_pilot": None if today is None else today + need.piloted_beds,
                    "beds_today_source": need.today_source,
                    "method": need.method,
                }
            )
        table = pd.DataFrame(rows)
        for col in ("beds_needed", "beds_today", "change_from_today", "beds_piloted", "beds_today_with_pilot"):
            table[col] = table[col].astype("Int64")
        return table


@dataclass
class CandidateSites:
    """The sites a model may choose from, with the rules that apply to them.

    ``external`` holds the positions of other areas' services (status ``external``): always open, serving their
    nearest zones, never counted among the area's hubs.
    """

    sites: gpd.GeoDataFrame
    must_open: list[int]
    unavailable: list[int]
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    external: list[int] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything a run produced."""

    scenario: Scenario
    study: Study
    demand: ZoneDemand
    candidates: CandidateSites
    minutes: np.ndarray
    travel_method: str
    result: LocationResult
    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    access: dict[str, float]
    beds: BedResult | None = None
    outcome: ModelOutcome | None = None
    appraisal: pd.DataFrame | None = None
    #: Each PCN's people by hub (``clusters.csv``; see :mod:`hubopt.analysis.clusters`); None when the study's
    #: practices have no PCN.
    clusters: pd.DataFrame | None = None
    housing_sites: gpd.GeoDataFrame | None = None
    isochrones: gpd.GeoDataFrame | None = None
    isochrone_label: str | None = None
    #: Zones within 15/30/45/60 minutes of a chosen hub by public transport (see
    #: :func:`hubopt.pipeline.map_layers.transit_bands`); None without a public-transport mode.
    transit_bands: gpd.GeoDataFrame | None = None
    transit_label: str | None = None
    modes: dict[str, ModeTimes] = field(default_factory=dict)
    mode_access: dict[str, dict[str, float]] = field(default_factory=dict)
    folder: Path | None = None
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def hub_count(run: RunResult) -> int:
    """The number of the area's hubs in a run: its open sites less other areas' services at the border."""
    result = run.result
    return len(result.open_sites) - len(getattr(result, "external", ()))


def external_count(run: RunResult) -> int:
    """The number of other areas' services (status ``external``) among a run's candidate sites."""
    return len(getattr(run.candidates, "external", ()))


def map_caption(run: RunResult) -> str:
    """Plain-English caption: scenario, year, travel mode and method, optimality."""
    sc = run.scenario
    return (
        f"{hub_count(run)} hubs chosen from {len(run.candidates.sites) - external_count(run)} sites "
        f"({run.outcome.description if run.outcome else run.result.model}) for {run.demand.year} "
        f"({run.demand.summary}). Travel times: "
        f"{run.travel_method}. Solver: {run.result.report.describe()}. Scenario: {sc.source}."
    )
