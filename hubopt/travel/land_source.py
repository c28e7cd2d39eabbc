"""A land mask made from ONS clipped boundaries: LSOA polygons where there are some, district polygons elsewhere.

The LSOA 2011 generalised clipped boundaries (BGC, 20 m) are used for the districts whose LSOAs are given; the
district super-generalised clipped boundaries (SGC, 200 m), when given, fill in the neighbouring districts so that
paths can leave the area (a district is taken from the SGC file only when no LSOA of it is given, matched on the
district name that starts every LSOA name, e.g. "Maldon 008C"). Both are clipped to the coastline, so estuaries are
water as far up as the boundaries cut them out (the Crouch up to about North Fambridge; above it the boundaries
cover the river). The few fixed links over water wider than the bridged channels that matter in the areas hubopt
ships (:data:`FIXED_CROSSINGS`: the Dartford Crossing over the Thames) are added as strips of land. Used by
``hubopt study build`` (the study's ``land_mask.bin``) and by the fitting of the land-distance travel model, so both
see the same land.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

from hubopt.io._coords import CRS_BNG, CRS_LONLAT
from hubopt.io.boundaries import read_lad_boundaries, read_lsoa_boundaries
from hubopt.travel.land_mask import DEFAULT_BRIDGE_CELLS, DEFAULT_CELL_M, LandMask, rasterise_land

__all__ = ["FIXED_CROSSINGS", "LAND_ATTRIBUTION", "LAND_MARGIN_M", "FixedCrossing", "land_mask_from_boundaries"]

#: How far the land grid reaches beyond the points it must hold (paths may leave the area).
LAND_MARGIN_M = 5_000.0


@dataclass(frozen=True)
class FixedCrossing:
    """A road bridge or tunnel over water wider than the bridged channels: a line from land to land.

    Attributes
    ----------
    name : str
        Its name.
    lonlat : tuple of (lon, lat) pairs
        The line's ends (WGS84 degrees), each on land well back from the water, along the road.
    """

    name: str
    lonlat: tuple[tuple[float, float], tuple[float, float]]

    def line(self) -> shapely.LineString:
        """The line in British National Grid metres."""
        to_bng = Transformer.from_crs(CRS_LONLAT, CRS_BNG, always_xy=True)
        return shapely.LineString([to_bng.transform(lon, lat) for lon, lat in self.lonlat])


#: Fixed links added to the land. The Dartford Crossing (A282: the Queen Elizabeth II Bridge and the Dartford
#: Tunnels) joins Thurrock to Dartford; the modelled road times to Darent Valley Hospital (16-20 min from West
#: Thurrock and Grays) cross it. Its line runs along the A282 from M25 junction 31 (West Thurrock) to junction 1a
#: (Dartford), placed by hand from the road's published position (Ordnance Survey grid square TQ 57 76).
FIXED_CROSSINGS = (FixedCrossing("Dartford Crossing (A282)", ((0.2806, 51.4786), (0.2472, 51.4563))),)

LAND_ATTRIBUTION = (
    "Land = union of ONS clipped boundaries (coastline-clipped, so estuaries are water): LSOA 2011 generalised "
    "clipped (BGC) boundaries{lad}. Source: Office for National Statistics licensed under the Open Government "
    "Licence v3.0; contains OS data © Crown copyright and database right."
)


def land_mask_from_boundaries(
    lsoa_source: str | Path | Iterable[str | Path],
    lad_file: str | Path | None,
    points_xy: np.ndarray,
    *,
    cell_m: float = DEFAULT_CELL_M,
    bridge_cells: int = DEFAULT_BRIDGE_CELLS,
    margin_m: float = LAND_MARGIN_M,
    crossings: Iterable[FixedCrossing] = FIXED_CROSSINGS,
) -> LandMask:
    """The land mask around ``points_xy`` from LSOA (and optionally district) clipped boundary files.

    Parameters
    ----------
    lsoa_source : path, folder or iterable of paths
        LSOA boundary GeoJSON file(s) (see :func:`hubopt.io.boundaries.read_lsoa_boundaries`).
    lad_file : path, optional
        A district boundary GeoJSON file (clipped), for the districts with no LSOA given.
    points_xy : numpy.ndarray
        Shape (k, 2), eastings and northings: the grid covers them, plus ``margin_m`` on each side.
    cell_m, bridge_cells : float, int
        Grid resolution and the width of channels closed (see :func:`hubopt.travel.land_mask.rasterise_land`).
    margin_m : float
        Margin around the points, in metres.
    crossings : iterable of FixedCrossing
        Bridges and tunnels added as strips of land two cells wide (those within the grid).

    Raises
    ------
    InputError
        When a boundary file cannot be read (see the readers).
    """
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    bounds = (
        float(pts[:, 0].min() - margin_m),
        float(pts[:, 1].min() - margin_m),
        float(pts[:, 0].max() + margin_m),
        float(pts[:, 1].max() + margin_m),
    )
    box = shapely.box(*bounds)
    lsoas = read_lsoa_boundaries(lsoa_source)
    polygons = list(lsoas.geometry[lsoas.geometry.intersects(box)])
    lad_note = ""
    if lad_file is not None:
        lads = read_lad_boundaries(lad_file)
        covered = {str(name).rsplit(" ", 1)[0] for name in lsoas["lsoa_name"]}
        others = lads[~lads["lad_name"].isin(covered) & lads.geometry.intersects(box)]
        polygons += list(others.geometry)
        lad_note = (
            f", and, for the {len(others)} neighbouring districts with no LSOA given, local authority district "
            f"{lads.attrs.get('lad_vintage', '')} super-generalised clipped (SGC) boundaries"
        )
    links = [c for c in crossings if c.line().intersects(box)]
    polygons += [c.line().buffer(cell_m) for c in links]
    source = LAND_ATTRIBUTION.format(lad=lad_note)
    if links:
        source += " Fixed links added as land: " + ", ".join(c.name for c in links) + "."
    return rasterise_land(
        [shapely.intersection(p, box) for p in polygons],
        bounds,
        cell_m=cell_m,
        bridge_cells=bridge_cells,
        source=source,
    )
