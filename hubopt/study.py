"""The Study: zones (demand points and polygons), sites (existing and candidate estate) and projections.

A study is a folder of compact tables in hubopt's own schema (see ``data/README.md``)::

    study.yaml              name, base year, LSOA vintage, districts, provenance
    zones.csv               one row per small area: code, name, district, centroid, population by age band, IMD
    zone_boundaries.geojson one polygon per zone (WGS84)
    sites.csv               the site register (see :mod:`hubopt.io.sites`)
    projections.csv         population by district, age band and year
    districts.geojson       district outlines (optional, for maps)
    ATTRIBUTION.md          the sources' licence statements

:func:`load_study` reads and validates the folder and returns a :class:`Study` whose geometries are in EPSG:27700.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from hubopt.cell_text import restore_frame
from hubopt.errors import InputError
from hubopt.io._validate import (
    CRS_BNG,
    check_coordinates_in_gb,
    check_unique,
    file_sha256,
    numeric_column,
    read_csv_table,
    require_columns,
    require_file,
)
from hubopt.io.population import AGE_BANDS, band_column
from hubopt.io.sites import read_site_register

#: Columns of zones.csv, in order.
ZONE_COLUMNS = [
    "zone_id",
    "zone_name",
    "district_code",
    "district_name",
    "centroid_easting",
    "centroid_northing",
    *[band_column(b) for b in AGE_BANDS],
    "population",
    "imd_rank",
    "imd_decile",
]
#: Columns of projections.csv, in order.
PROJECTION_COLUMNS = ["district_code", "district_name", "band", "year", "population"]


@dataclass
class Study:
    """A study area ready for modelling.

    Attributes
    ----------
    name : str
        Plain name, e.g. "West Kent".
    folder : Path
        Where it was read from.
    base_year : int
        Year of the zones' population estimates.
    zones : geopandas.GeoDataFrame
        ``ZONE_COLUMNS`` plus polygon ``geometry`` (EPSG:27700), indexed 0..n-1 in file order.
    sites : geopandas.GeoDataFrame
        The site register, point ``geometry`` (EPSG:27700).
    projections : pandas.DataFrame
        ``PROJECTION_COLUMNS``: projected population by district, age band and year.
    districts : geopandas.GeoDataFrame or None
        District outlines (``lad_code, lad_name, geometry``).
    metadata : dict
        The contents of study.yaml.
    files : dict of str to Path
        Files read, for manifests.
    """

    name: str
    folder: Path
    base_year: int
    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    projections: pd.DataFrame
    districts: gpd.GeoDataFrame | None
    metadata: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def zone_points(self) -> np.ndarray:
        """Zone demand points (population-weighted centroids), shape (n, 2), BNG metres."""
        return self.zones[["centroid_easting", "centroid_northing"]].to_numpy(dtype=float)

    def site_points(self) -> np.ndarray:
        """Site points, shape (m, 2), BNG metres."""
        return np.column_stack([self.sites.geometry.x.to_numpy(), self.sites.geometry.y.to_numpy()])

    def input_hashes(self) -> dict[str, str]:
        """SHA-256 of every file the study was read from."""
        return {key: file_sha256(path) for key, path in self.files.items()}


def load_study(folder: str | Path) -> Study:
    """Read and validate a study folder.

    Parameters
    ----------
    folder : str or Path
        A folder written by ``hubopt data build-west-kent`` or laid out as described in ``data/README.md``.

    Returns
    -------
    Study
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(
            "the study folder does not exist", path=root, hint="give the folder that holds study.yaml and zones.csv"
        )
    meta_path = require_file(root / "study.yaml", "study description (study.yaml)")
    try:
        metadata = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"study.yaml is not valid YAML: {exc}", path=meta_path) from None
    if not isinstance(metadata, dict) or "name" not in metadata or "base_year" not in metadata:
        raise InputError("study.yaml must give at least 'name' and 'base_year'", path=meta_path)
    files = {"study.yaml": meta_path}
    build_report = root / "build_report.json"
    if build_report.exists():
        try:
            metadata["build_report"] = json.loads(build_report.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"build_report.json is not valid JSON: {exc}", path=build_report) from None

    zones = _read_zones(root / "zones.csv")
    files["zones.csv"] = root / "zones.csv"
    boundaries_path = require_file(root / "zone_boundaries.geojson", "zone boundaries (zone_boundaries.geojson)")
    files["zone_boundaries.geojson"] = boundaries_path
    zones = _attach_boundaries(zones, boundaries_path)

    sites_path = root / "sites.csv"
    sites = read_site_register(sites_path)
    files["sites.csv"] = sites_path

    projections = _read_projections(root / "projections.csv")
    files["projections.csv"] = root / "projections.csv"
    unknown = sorted(set(projections["district_code"]) - set(zones["district_code"]))
    if unknown:
        raise InputError(
            f"projections.csv names districts that have no zones: {', '.join(unknown)}",
            path=root / "projections.csv",
            column="district_code",
        )

    districts = None
    districts_path = root / "districts.geojson"
    if districts_path.exists():
        districts = gpd.read_file(districts_path).to_crs(CRS_BNG)
        require_columns(districts, ["lad_code", "lad_name"], path=districts_path, what="district outlines")
        files["districts.geojson"] = districts_path

    return Study(
        name=str(metadata["name"]),
        folder=root,
        base_year=int(metadata["base_year"]),
        zones=zones,
        sites=sites,
        projections=projections,
        districts=districts,
        metadata=metadata,
        files=files,
    )


def _read_zones(path: Path) -> pd.DataFrame:
    what = "study zones table (zones.csv)"
    raw = restore_frame(read_csv_table(path, what=what))
    require_columns(raw, ZONE_COLUMNS, path=path, what=what)
    check_unique(raw, "zone_id", path=path, what="zone ID")
    zones = raw[ZONE_COLUMNS].copy()
    for col in ["centroid_easting", "centroid_northing"]:
        zones[col] = numeric_column(raw, col, path=path)
    check_coordinates_in_gb(
        zones["centroid_easting"],
        zones["centroid_northing"],
        crs="bng",
        path=path,
        columns=("centroid_easting", "centroid_northing"),
    )
    for col in [*[band_column(b) for b in AGE_BANDS], "population"]:
        zones[col] = numeric_column(raw, col, path=path, minimum=0)
    bands = zones[[band_column(b) for b in AGE_BANDS]].sum(axis=1)
    off = (bands - zones["population"]).abs() > 0.5
    if off.any():
        pos = int(np.flatnonzero(off.to_numpy())[0])
        raise InputError(
            f"the age bands add up to {bands.iloc[pos]:g} but population is {zones['population'].iloc[pos]:g}",
            path=path,
            row=pos + 2,
            column="population",
            hint="make population the sum of the age-band columns",
        )
    zones["imd_rank"] = numeric_column(raw, "imd_rank", path=path, allow_blank=True, minimum=1)
    zones["imd_decile"] = numeric_column(raw, "imd_decile", path=path, allow_blank=True, minimum=1)
    if (zones["imd_decile"] > 10).any():
        pos = int(np.flatnonzero((zones["imd_decile"] > 10).to_numpy())[0])
        raise InputError("IMD decile must be 1 to 10", path=path, row=pos + 2, column="imd_decile")
    zones["imd_decile"] = zones["imd_decile"].astype("Int64")
    zones["imd_rank"] = zones["imd_rank"].astype("Int64")
    for col in ["zone_id", "zone_name", "district_code", "district_name"]:
        zones[col] = zones[col].astype(str).str.strip()
    return zones.reset_index(drop=True)


def _attach_boundaries(zones: pd.DataFrame, path: Path) -> gpd.GeoDataFrame:
    try:
        polys = gpd.read_file(path)
    except Exception as exc:
        raise InputError(f"the zone boundaries could not be read as GeoJSON: {exc}", path=path) from None
    require_columns(polys, ["zone_id"], path=path, what="zone boundaries")
    polys["zone_id"] = polys["zone_id"].astype(str)
    if polys.crs is None:
        polys = polys.set_crs("EPSG:4326")
    polys = polys.to_crs(CRS_BNG)
    dup = polys["zone_id"].duplicated()
    if dup.any():
        raise InputError(
            f"zone {polys['zone_id'][dup].iloc[0]!r} has more than one polygon", path=path, column="zone_id"
        )
    missing = sorted(set(zones["zone_id"]) - set(polys["zone_id"]))
    extra = sorted(set(polys["zone_id"]) - set(zones["zone_id"]))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} zone(s) of zones.csv have no polygon (e.g. {', '.join(missing[:5])})")
        if extra:
            parts.append(f"{len(extra)} polygon(s) have no row in zones.csv (e.g. {', '.join(extra[:5])})")
        raise InputError("; ".join(parts), path=path, column="zone_id", hint="rebuild the study so both files agree")
    geometry = polys.set_index("zone_id").geometry.reindex(zones["zone_id"]).to_numpy()
    return gpd.GeoDataFrame(zones, geometry=geometry, crs=CRS_BNG)


def _read_projections(path: Path) -> pd.DataFrame:
    what = "population projections table (projections.csv)"
    raw = restore_frame(read_csv_table(path, what=what))
    require_columns(raw, PROJECTION_COLUMNS, path=path, what=what)
    out = raw[PROJECTION_COLUMNS].copy()
    out["year"] = numeric_column(raw, "year", path=path, integer=True).astype(int)
    out["population"] = numeric_column(raw, "population", path=path, minimum=0)
    bad = ~out["band"].isin(list(AGE_BANDS))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"unknown age band {out['band'].iloc[pos]!r}",
            path=path,
            row=pos + 2,
            column="band",
            hint=f"use one of: {', '.join(AGE_BANDS)}",
        )
    key = out["district_code"] + "|" + out["band"] + "|" + out["year"].astype(str)
    if key.duplicated().any():
        pos = int(np.flatnonzero(key.duplicated().to_numpy())[0])
        raise InputError("repeated district, band and year", path=path, row=pos + 2)
    return out
