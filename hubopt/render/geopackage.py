"""A run's GeoPackage (``results.gpkg``): its zones, sites, catchments and isochrones as layers for QGIS or ArcGIS.

Every layer is in British National Grid (EPSG:27700), the CRS of the study. The ``zones`` and ``sites`` layers hold
the same columns as zones.csv and sites.csv, with the geometry beside them; ``catchments`` holds one polygon per
chosen hub (the zones it serves, dissolved); ``isochrones``, ``districts`` and ``clusters`` (one polygon per Primary
Care Network: the zones placed in it, with its practices, people and hubs) are written when the run has them.

Text is written as it is: a GeoPackage is a database, not a spreadsheet, so nothing in it is run as a formula and the
names are kept exactly (unlike the CSV files, see :mod:`hubopt.files.cell_text`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["BNG", "GEOPACKAGE_NAME", "catchment_polygons", "write_geopackage"]

#: The file name of a run's GeoPackage.
GEOPACKAGE_NAME = "results.gpkg"

#: British National Grid, the CRS of every layer.
BNG = "EPSG:27700"


def catchment_polygons(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One polygon per chosen hub: the zones it serves, dissolved.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        The run's zone table (``hub_id``, ``hub_name``, ``population``, ``minutes`` and a geometry); zones with no hub
        (an empty ``hub_id``) belong to no catchment.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``hub_id``, ``hub_name``, ``zones_served``, ``people_served`` and ``mean_minutes`` (the
        population-weighted mean travel time of the catchment, the plain mean when nobody lives in it), one row per
        hub in order of ``hub_id``.
    """
    served = zones[zones["hub_id"].astype(str) != ""]
    rows = []
    for hub_id, group in served.groupby("hub_id", sort=True):
        people = float(group["population"].sum())
        minutes = group["minutes"].to_numpy(dtype=float)
        weights = group["population"].to_numpy(dtype=float)
        rows.append(
            {
                "hub_id": str(hub_id),
                "hub_name": str(group["hub_name"].iloc[0]),
                "zones_served": len(group),
                "people_served": people,
                "mean_minutes": float(np.average(minutes, weights=weights)) if people > 0 else float(minutes.mean()),
                "geometry": group.geometry.union_all(),
            }
        )
    columns = ["hub_id", "hub_name", "zones_served", "people_served", "mean_minutes", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=zones.crs)


def write_geopackage(
    path: Path,
    *,
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    isochrones: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
) -> Path:
    """Write the layers ``zones``, ``sites``, ``catchments`` (and ``isochrones``, ``districts``, ``clusters`` if
    given) to ``path``.

    Parameters
    ----------
    path : pathlib.Path
        The GeoPackage to write (a new file: it is written in a run's staging folder).
    zones, sites : geopandas.GeoDataFrame
        The zone and site tables as the run writes them (the columns of zones.csv and sites.csv) with their geometry.
    isochrones, districts : geopandas.GeoDataFrame, optional
        Drive-time bands around the hubs and district outlines, when the run has them.
    clusters : geopandas.GeoDataFrame, optional
        The outlines of the Primary Care Networks (:func:`hubopt.pipeline.clusters.cluster_outlines`), when the
        study's practices have them.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    layers: dict[str, gpd.GeoDataFrame] = {"zones": zones, "sites": sites, "catchments": catchment_polygons(zones)}
    if isochrones is not None:
        layers["isochrones"] = isochrones
    if districts is not None:
        layers["districts"] = districts
    if clusters is not None:
        layers["clusters"] = clusters
    for name, layer in layers.items():
        _layer_for_file(layer).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


def _layer_for_file(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``layer`` in British National Grid (a layer with no CRS is taken to be in it already)."""
    return layer.to_crs(BNG) if layer.crs is not None else layer.set_crs(BNG)
