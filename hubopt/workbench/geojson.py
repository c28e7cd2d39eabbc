"""The study's zones as GeoJSON for the browser: WGS84, simplified, coordinates rounded, in the study's zone order."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import mapping

__all__ = ["COORDINATE_DECIMALS", "SIMPLIFY_METRES", "zones_feature_collection"]

#: Tolerance of the simplification, in metres (British National Grid), each zone's topology preserved (shapely's
#: ``preserve_topology``). The studies' boundaries are already generalised (ONS "BGC"), so below about 25 m it removes
#: little; 30 m takes West Kent's 309 zones from about 450 kB to 340 kB of compact JSON and Mid and South Essex's 705
#: from 870 kB to 660 kB (before HTTP compression), while staying below what shows on a catchment map.
SIMPLIFY_METRES = 30.0

#: Decimals kept of longitude and latitude: 5 decimals are about 1 metre.
COORDINATE_DECIMALS = 5


def _rounded(coords: Any) -> Any:
    """Nested coordinate tuples with every number rounded to :data:`COORDINATE_DECIMALS`."""
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), COORDINATE_DECIMALS) for c in coords]
    return [_rounded(c) for c in coords]


def _plain(value: Any) -> Any:
    """A numpy scalar as a plain Python value; NaN and infinity as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def zones_feature_collection(zones: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``zones`` in EPSG:4326, one feature per row, in row order.

    Each boundary is simplified by :data:`SIMPLIFY_METRES` in its own projected CRS (topology preserved, so
    neighbouring zones still meet) before it is turned into longitude and latitude rounded to
    :data:`COORDINATE_DECIMALS` decimals.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        The zones, in a projected CRS in metres (the studies' EPSG:27700).
    columns : list of str
        The columns written as each feature's properties.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``; each feature's ``id`` is its position.
    """
    geometry = zones.geometry.simplify(SIMPLIFY_METRES, preserve_topology=True).to_crs(4326)
    features = []
    for i, (shape, row) in enumerate(zip(geometry, zones[columns].itertuples(index=False), strict=True)):
        geo = mapping(shape)
        features.append(
            {
                "type": "Feature",
                "id": i,
                "geometry": {"type": geo["type"], "coordinates": _rounded(geo["coordinates"])},
                "properties": {c: _plain(v) for c, v in zip(columns, row, strict=True)},
            }
        )
    return {"type": "FeatureCollection", "features": features}
