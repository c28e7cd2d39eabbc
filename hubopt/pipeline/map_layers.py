"""Extra data for a run's map: population growth per zone, new housing sites, and isochrones around the hubs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.demand.zones import ZoneDemand
from hubopt.errors import HuboptError
from hubopt.files.atomic import atomic_path
from hubopt.io._coords import CRS_BNG
from hubopt.io._files import file_sha256
from hubopt.scenario import Scenario
from hubopt.study import Study
from hubopt.travel.cache import cache_key
from hubopt.travel.isochrones import isochrones
from hubopt.travel.network import load_network

#: Time bands (minutes) of the isochrones drawn around chosen hubs when a road or footpath network is used.
ISOCHRONE_BANDS = (10, 20, 30)


def growth_pct(demand: ZoneDemand, base: ZoneDemand) -> np.ndarray:
    """Per cent change in each zone's population from the base year to the run's year (NaN where base is 0)."""
    now = demand.population["population"].to_numpy(dtype=float)
    then = base.population["population"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(then > 0, 100.0 * (now - then) / then, np.nan)


def housing_sites(demand: ZoneDemand, study: Study) -> gpd.GeoDataFrame | None:
    """New housing sites with the dwellings completed after the base year up to the run's year (None without)."""
    if demand.housing is None:
        return None
    trajectory = getattr(demand, "housing_trajectory", None)
    sites = demand.housing.sites
    if trajectory is not None:
        t = trajectory.table
        t = t[(t["year"] > study.base_year) & (t["year"] <= demand.year)]
        dwellings = t.groupby("name")["dwellings"].sum()
        xy = trajectory.table.groupby("name")[["easting", "northing"]].first()
    else:  # pragma: no cover - the trajectory is always kept by zone_demand
        return None
    frame = pd.DataFrame({"name": xy.index, "dwellings": dwellings.reindex(xy.index).fillna(0).to_numpy()})
    people = sites.groupby("name")["people"].sum() if "people" in sites else None
    frame["people"] = frame["name"].map(people).fillna(0).round(0) if people is not None else np.nan
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xy["easting"], xy["northing"]), crs=CRS_BNG)


def hub_isochrones(
    scenario: Scenario, sites: gpd.GeoDataFrame, chosen: np.ndarray, progress: Callable[[str], None]
) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """Isochrones around the chosen hubs on the model's network (None when the model's mode has no network).

    They are cached beside the travel-time matrices (keyed by the network file's hash, the hubs, the bands and the
    speeds), so a rerun with the same hubs does not load the network again.
    """
    mode = scenario.travel_modes[scenario.travel_use]
    if mode.method != "network" or mode.network is None:
        return None, None
    label = "Walking-time bands" if mode.mode == "walk" else "Drive-time bands"
    hubs = sites.iloc[chosen]
    xy = np.column_stack([hubs.geometry.x.to_numpy(), hubs.geometry.y.to_numpy()])
    ids = hubs["site_id"].astype(str).tolist()
    key = cache_key(
        {
            "kind": "isochrones",
            "network_sha256": file_sha256(mode.network),
            "mode": mode.mode,
            "ids": ids,
            "xy": np.round(xy, 1).tolist(),
            "bands": list(ISOCHRONE_BANDS),
            "speeds_kph": mode.speeds_kph,
            "access_speed_kph": mode.access_speed_kph,
        }
    )
    cached = Path(scenario.travel_cache) / f"isochrones_{key}.geojson"
    if cached.exists():
        try:
            polys = gpd.read_file(cached).to_crs(CRS_BNG)
            if {"site_id", "band_minutes"} <= set(polys.columns):
                return polys, label
        except Exception:  # a damaged cache file is recomputed, never trusted
            pass
    progress(f"Isochrones around the hubs on {mode.network.name}")
    try:
        graph = load_network(mode.network, mode=mode.mode, speeds_kph=mode.speeds_kph or None)
        polys = isochrones(
            graph, xy, ids, bands_minutes=ISOCHRONE_BANDS, mode=mode.mode, access_speed_kph=mode.access_speed_kph
        )
    except HuboptError as exc:  # isochrones are an illustration: a failure is reported, the run goes on
        progress(f"Isochrones left off the map: {exc}")
        return None, None
    with atomic_path(cached) as tmp:  # unique per process: two runs never write the same temporary file
        polys.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
    return polys, label
