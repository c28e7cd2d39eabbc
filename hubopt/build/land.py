"""The study's land mask (``land_mask.bin``), for travel times measured along land (round estuaries).

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


def build_land_mask(sources: BuildSources, zones: gpd.GeoDataFrame) -> LandMask:
    """The land mask around the study's zones (with a margin), from the sources' clipped boundaries.

    The grid covers the zones' polygons and :data:`~hubopt.travel.land_source.LAND_MARGIN_M` around them, not the
    sites, so that the mask does not change when the site register does; a site beyond it keeps straight-line
    distances (the run says so).

    Parameters
    ----------
    sources : BuildSources
        The build's sources (``lsoa_boundaries`` and, in a source folder, ``lad_boundaries``).
    zones : geopandas.GeoDataFrame
        The study's zones (polygons), in EPSG:27700.

    Raises
    ------
    InputError
        When a boundary file cannot be read.
    """
    x0, y0, x1, y1 = zones.total_bounds
    points = np.array([[x0, y0], [x1, y1]], dtype=np.float64)
    lad_file = None if sources.cache else sources.path("lad_boundaries")
    return land_mask_from_boundaries(sources.path("lsoa_boundaries"), lad_file, points)
