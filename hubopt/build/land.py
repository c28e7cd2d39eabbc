"""The study's land mask (``land_mask.npz``), for travel times measured along land (round estuaries).

Made from the same clipped boundary files as the study's zones and district outlines (see
:mod:`hubopt.travel.land_source`): the source folder's LSOA files of every district it holds (the study's and its
neighbours') and its district file for the others; a download cache's national LSOA file.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from hubopt.build.sources import BuildSources
from hubopt.travel.land_mask import LandMask
from hubopt.travel.land_source import land_mask_from_boundaries

__all__ = ["build_land_mask"]


def build_land_mask(sources: BuildSources, zones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> LandMask:
    """The land mask around the study's zones and sites (with a margin), from the sources' clipped boundaries.

    Parameters
    ----------
    sources : BuildSources
        The build's sources (``lsoa_boundaries`` and, in a source folder, ``lad_boundaries``).
    zones, sites : geopandas.GeoDataFrame
        The study's zones (polygons) and sites (points), in EPSG:27700.

    Raises
    ------
    InputError
        When a boundary file cannot be read.
    """
    x0, y0, x1, y1 = zones.total_bounds
    points = np.vstack(
        [
            np.array([[x0, y0], [x1, y1]], dtype=np.float64),
            np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()]),
        ]
    )
    lad_file = None if sources.cache else sources.path("lad_boundaries")
    return land_mask_from_boundaries(sources.path("lsoa_boundaries"), lad_file, points)
