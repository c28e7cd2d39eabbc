"""A grid of zones each served by its own hub: the many-hubs case shared by the interactive and print map tests.

Imported by the tests as ``map_grid`` (pytest puts ``tests/`` on the import path).
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, box

#: South-west corner of the grid (British National Grid metres, in Kent).
X0, Y0 = 560_000, 150_000


def many_hubs(n: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """n zones of 1 km in a 5-wide grid, each served by its own hub at its centre (zones, sites)."""
    cells = [(i % 5, i // 5) for i in range(n)]
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(n)],
            "zone_name": [f"Zone {i}" for i in range(n)],
            "district": "D",
            "population": 100.0,
            "hub_id": [f"H{i}" for i in range(n)],
            "hub_name": [f"Hub {i}" for i in range(n)],
            "minutes": 5.0,
        },
        geometry=[box(X0 + x * 1000, Y0 + y * 1000, X0 + (x + 1) * 1000, Y0 + (y + 1) * 1000) for x, y in cells],
        crs="EPSG:27700",
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"H{i}" for i in range(n)],
            "name": [f"Hub {i}" for i in range(n)],
            "type": "gp_practice",
            "status": "candidate",
            "chosen": True,
        },
        geometry=[Point(X0 + x * 1000 + 500, Y0 + y * 1000 + 500) for x, y in cells],
        crs="EPSG:27700",
    )
    return zones, sites
