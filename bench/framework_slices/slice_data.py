"""The data and the one computation both framework slices share (bench only, not part of hubopt).

Each slice shows the West Kent zones coloured by minutes to their hub, the hubs, and one toggle: "make <site>
unavailable". Toggling re-solves the p-median with :func:`hubopt.solve_p_median` and the scenario's
:class:`hubopt.SiteRules` plus the toggled site, and the page redraws. Everything here is hubopt's public API:
``hubopt.Scenario.from_yaml``, ``hubopt.run`` (once, for the study's zones, demand, candidate sites and travel times)
and ``hubopt.solve_p_median``; no model logic of its own.

The toggled site is the first hub of the scenario's answer that the scenario does not force open, so every toggle
changes the answer.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

import hubopt

#: The scenario both slices show.
SCENARIO = "builtin:west_kent_hubs"

#: Minute bands and their colours (the same in both slices), last band open-ended.
BANDS: tuple[tuple[float, str], ...] = (
    (10.0, "#1a9850"),
    (15.0, "#91cf60"),
    (20.0, "#fee08b"),
    (30.0, "#fc8d59"),
    (float("inf"), "#d73027"),
)


def band_colour(minutes: float) -> str:
    """The colour of a zone whose hub is ``minutes`` away."""
    return next(colour for upper, colour in BANDS if minutes < upper)


@dataclass(frozen=True)
class SliceData:
    """What a slice draws and solves with.

    Attributes
    ----------
    zones_geojson : dict
        WGS84 FeatureCollection of the zones (simplified), properties ``zone_id``, ``zone_name``; study order.
    sites : list of dict
        Every candidate site: ``site_id``, ``name``, ``lat``, ``lon``.
    minutes : numpy.ndarray
        Travel minutes, zones x sites.
    demand : numpy.ndarray
        Weighted demand per zone.
    hubs : int
        The number of hubs.
    rules : hubopt.SiteRules
        The scenario's must-open and unavailable sites.
    toggled : int
        The site the toggle makes unavailable (column of ``minutes``).
    bounds : list
        ``[[south, west], [north, east]]`` of the zones.
    """

    zones_geojson: dict[str, Any]
    sites: list[dict[str, Any]]
    minutes: np.ndarray
    demand: np.ndarray
    hubs: int
    rules: hubopt.SiteRules
    toggled: int
    bounds: list[list[float]]

    @property
    def toggle_label(self) -> str:
        """The toggle's label, the same text in both slices (the measurement clicks it)."""
        return f"Make {self.sites[self.toggled]['name']} unavailable"

    def solve(self, toggled_off: bool) -> dict[str, Any]:
        """Re-solve the p-median with the toggled site unavailable (or free) and return what the page draws.

        Returns
        -------
        dict
            ``hubs`` (site IDs, sorted), ``hub_sites`` (their indices), ``colours`` (per zone), ``mean_minutes``,
            ``seconds`` (of the solve).
        """
        rules = self.rules.also(unavailable=[self.toggled]) if toggled_off else self.rules
        start = time.perf_counter()
        result = hubopt.solve_p_median(self.minutes, self.demand, self.hubs, rules=rules)
        seconds = time.perf_counter() - start
        zone_minutes = np.asarray(result.assigned_cost, dtype=float)
        open_sites = sorted(int(s) for s in result.open_sites)
        return {
            "hubs": sorted(self.sites[s]["site_id"] for s in open_sites),
            "hub_sites": open_sites,
            "colours": [band_colour(m) for m in zone_minutes],
            "mean_minutes": round(float(np.average(zone_minutes, weights=self.demand)), 2),
            "seconds": round(seconds, 4),
        }


@functools.cache
def load(scenario: str = SCENARIO) -> SliceData:
    """Run the scenario once (no sweep, explanation, beds or options) and keep what the slices need."""
    full = hubopt.Scenario.from_yaml(scenario)
    light = dataclasses.replace(
        full, beds=None, options=[], model=dataclasses.replace(full.model, sweep=None, explain=False)
    )
    run = hubopt.run(light)
    zones = run.zones[["zone_id", "zone_name", "geometry"]].copy()
    zones["geometry"] = zones.geometry.simplify(50.0, preserve_topology=True)
    zones = zones.to_crs(4326)
    geojson = zones.__geo_interface__
    _round_coordinates(geojson)
    sites_wgs = run.candidates.sites.to_crs(4326)
    sites = [
        {
            "site_id": str(row.site_id),
            "name": str(row.name),
            "lat": round(row.geometry.y, 5),
            "lon": round(row.geometry.x, 5),
        }
        for row in sites_wgs.itertuples()
    ]
    rules = hubopt.SiteRules.of(run.candidates.must_open, run.candidates.unavailable)
    toggled = next(int(s) for s in run.result.open_sites if int(s) not in rules.must_open)
    west, south, east, north = (float(v) for v in zones.total_bounds)
    return SliceData(
        zones_geojson=geojson,
        sites=sites,
        minutes=run.minutes,
        demand=np.asarray(run.demand.demand, dtype=float),
        hubs=len(run.result.open_sites),
        rules=rules,
        toggled=toggled,
        bounds=[[south, west], [north, east]],
    )


def _round_coordinates(geojson: dict[str, Any], digits: int = 5) -> None:
    """Round every coordinate in place (about 1 m), so the browser gets less text."""

    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, digits)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    for feature in geojson["features"]:
        geometry = feature["geometry"]
        geometry["coordinates"] = walk(geometry["coordinates"])
        feature.pop("bbox", None)
        feature.pop("id", None)
    geojson.pop("bbox", None)
