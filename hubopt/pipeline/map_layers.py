"""Extra data for a run's map: population growth per zone, new housing sites, isochrones around the hubs, and the
public-transport time bands of the zones."""

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
from hubopt.travel.modes import ModeTimes
from hubopt.travel.network import load_network

#: Time bands (minutes) of the isochrones drawn around chosen hubs when a road or footpath network is used.
ISOCHRONE_BANDS = (10, 20, 30)

#: Time bands (minutes) of the public-transport bands drawn around chosen hubs when the scenario has such a mode.
TRANSIT_BANDS = (15, 30, 45, 60)


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


def transit_bands(
    modes: dict[str, ModeTimes],
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    chosen: np.ndarray,
    *,
    use: str,
    bands: tuple[float, ...] = TRANSIT_BANDS,
) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """Public-transport time bands around the chosen hubs: the zones whose point reaches a chosen hub in time.

    No polygon is traced on a street network: a public-transport journey is timed from each zone's point (the
    router's origin), so the honest area is the zone itself. For each band, the zones whose point reaches a chosen
    hub within that many minutes (the mode's reported percentile over the departure window) are dissolved by the
    hub they reach soonest; the bands nest like isochrones (the 30-minute band holds the 15-minute one).

    Parameters
    ----------
    modes : dict of str to ModeTimes
        The run's travel-time matrices (zones x candidate sites) by mode name.
    zones : geopandas.GeoDataFrame
        The study's zones, in the matrices' row order, with polygon geometry.
    sites : geopandas.GeoDataFrame
        The candidate sites, in the matrices' column order, with ``site_id``.
    chosen : numpy.ndarray
        Column indices of the chosen hubs.
    use : str
        The model's mode: drawn when it is a public-transport mode, otherwise the first public-transport mode.
    bands : tuple of float
        The band edges in minutes, shortest first.

    Returns
    -------
    (geopandas.GeoDataFrame or None, str or None)
        ``site_id``, ``band_minutes``, ``mode`` and polygon geometry, and the layer's name; ``(None, None)`` when the
        scenario has no public-transport mode or no hub is chosen.
    """
    transit = [name for name, mt in modes.items() if mt.method == "public_transport"]
    if not transit or len(chosen) == 0:
        return None, None
    name = use if use in transit else transit[0]
    minutes = modes[name].minutes[:, np.asarray(chosen, dtype=int)]
    best = np.min(minutes, axis=1)
    hub = np.asarray(sites["site_id"].astype(str).to_numpy())[np.asarray(chosen, dtype=int)][
        np.argmin(minutes, axis=1)
    ]
    rows = []
    for band in bands:
        inside = np.isfinite(best) & (best <= band)
        for site_id in dict.fromkeys(hub[inside]):
            shape = zones.geometry[inside & (hub == site_id)].union_all()
            rows.append({"site_id": site_id, "band_minutes": float(band), "mode": name, "geometry": shape})
    table = pd.DataFrame(rows, columns=["site_id", "band_minutes", "mode", "geometry"])
    frame = gpd.GeoDataFrame(table, geometry="geometry", crs=zones.crs)
    return frame, f"By {name} (public transport): zones within reach"
