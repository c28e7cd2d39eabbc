"""The inputs of the static maps: :class:`MapFrames`, reading them from a run, and checking and preparing them for
drawing (with the interactive map's rules, :mod:`hubopt.render.map_frames`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from hubopt.errors import InputError
from hubopt.render import map_frames, map_style

__all__ = ["MapFrames"]


@dataclass(frozen=True)
class MapFrames:
    """The frames a static map needs, when there is no :class:`~hubopt.pipeline.RunResult` to hand.

    Attributes
    ----------
    zones : geopandas.GeoDataFrame
        As for :func:`hubopt.render.folium_map.write_hub_map`.
    sites : geopandas.GeoDataFrame
        As for :func:`hubopt.render.folium_map.write_hub_map`.
    districts : geopandas.GeoDataFrame, optional
        District polygons with ``lad_code``, ``lad_name``.
    """

    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame | None = None


# --------------------------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame | None
    catchments: gpd.GeoDataFrame
    hubs: pd.DataFrame
    bands: list[float]
    has_imd: bool


def _frames(obj: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    if isinstance(obj, MapFrames):
        return obj.zones, obj.sites, obj.districts
    if isinstance(obj, Mapping):
        if "zones" not in obj or "sites" not in obj:
            raise InputError("the frames must include 'zones' and 'sites'")
        return obj["zones"], obj["sites"], obj.get("districts")
    if isinstance(obj, tuple | list):
        if len(obj) not in (2, 3):
            raise InputError("give the frames as (zones, sites) or (zones, sites, districts)")
        return obj[0], obj[1], obj[2] if len(obj) == 3 else None
    if hasattr(obj, "zones") and hasattr(obj, "sites"):
        study = getattr(obj, "study", None)
        districts = getattr(study, "districts", None) if study is not None else getattr(obj, "districts", None)
        return obj.zones, obj.sites, districts
    raise InputError(f"cannot draw a map of a {type(obj).__name__}: give a RunResult or the zones and sites frames")


def _prepare(
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame | None,
    time_bands: Sequence[float],
) -> _Prepared:
    # The interactive map's own preparation, so that classes, hub numbers and colours are the same on both.
    bands = map_style._check_time_bands(time_bands)
    zone_frame = map_frames._prepare_zones(zones)
    site_frame = map_frames._prepare_sites(sites)
    hubs = map_frames._hub_table(zone_frame, site_frame)
    zone_frame = map_frames._classify_zones(zone_frame, bands, hubs)
    district_frame = (
        map_frames._prepare_districts(districts)
        if districts is not None
        else map_frames._districts_from_zones(zone_frame)
    )
    return _Prepared(
        zones=zone_frame,
        sites=site_frame,
        districts=district_frame,
        catchments=map_frames._catchment_outlines(zone_frame),
        hubs=hubs,
        bands=bands,
        has_imd="imd_decile" in zone_frame.columns,
    )
