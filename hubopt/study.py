"""The Study: zones (demand points and polygons), sites (existing and candidate estate) and projections.

A study is a folder of compact tables in hubopt's own schema (see ``data/README.md``)::

    study.yaml              name, base year, LSOA vintage, districts, provenance
    zones.csv               one row per small area: code, name, district, centroid, population by age band, IMD
    zone_boundaries.geojson one polygon per zone (WGS84)
    sites.csv               the site register (see :mod:`hubopt.io.sites`)
    projections.csv         population by district, age group and year (any complete set of groups)
    zone_ages.csv           population of each zone by single year of age (optional)
    districts.geojson       district outlines (optional, for maps)
    land_mask.bin           which cells are land (optional, for the land_distance travel method)
    ATTRIBUTION.md          the sources' licence statements

:func:`load_study` reads and validates the folder and returns a :class:`Study` whose geometries are in EPSG:27700.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hubopt import builtin
from hubopt.errors import InputError, quote
from hubopt.files.cell_text import restore_frame
from hubopt.io._columns import check_unique, require_columns
from hubopt.io._coords import CRS_BNG, check_coordinates_in_gb
from hubopt.io._csv import read_csv_table
from hubopt.io._files import require_file
from hubopt.io._geojson import read_geojson
from hubopt.io._numbers import numeric_column
from hubopt.io._yaml import read_yaml
from hubopt.io.age_bands import AGE_BANDS, STANDARD_BANDS, AgeBands, band_column
from hubopt.io.site_facts import check_lease_ends
from hubopt.io.sites import read_site_register
from hubopt.io.study_projections import PROJECTION_COLUMNS, read_study_projections
from hubopt.io.zone_ages import ZONE_AGES_FILE, read_zone_ages

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

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
#: A site farther than this (metres) from the study area (the outline of its zones) is named in a run's notes:
#: hubs usually stand inside the area or just over its border (a hospital in the next town), not 20 km beyond it.
SITE_NOTE_DISTANCE_M = 20_000.0
#: A site farther than this (metres) from the study area is refused: no one would choose it as a local hub for the
#: area, and the usual cause is a wrong coordinate (easting and northing swapped, a typo, the wrong postcode).
SITE_REFUSE_DISTANCE_M = 100_000.0
#: A site of status ``external`` (another area's service, serving the zones nearest to it) lies outside the area by
#: design, so it gets no note up to this distance (metres) from the area; beyond it, it is refused: a service this
#: far away is not a border service for the area (or its location is wrong).
EXTERNAL_SITE_DISTANCE_M = 30_000.0

__all__ = [
    "EXTERNAL_SITE_DISTANCE_M",
    "PROJECTION_COLUMNS",
    "SITE_NOTE_DISTANCE_M",
    "SITE_REFUSE_DISTANCE_M",
    "ZONE_COLUMNS",
    "Study",
    "load_study",
]


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
        ``PROJECTION_COLUMNS``: projected population by district, age group (column ``band``, in the groups of
        ``projection_bands``) and year.
    districts : geopandas.GeoDataFrame or None
        District outlines (``lad_code, lad_name, geometry``).
    metadata : dict
        The contents of study.yaml.
    files : dict of str to Path
        Files read, for manifests.
    zone_ages : pandas.DataFrame or None
        Each zone's population by single year of age (zone_ages.csv): ``zone_id`` and the age columns (float)
        ``age_0``, ``age_1``, ..., ``age_90_plus``, one row per zone in the order of ``zones``; their sums are the
        zones' age bands. None when the study has no zone_ages.csv (built by an older hubopt, or by hand).
    projection_bands : AgeBands
        The age groups of ``projections`` (the same for every district and year): hubopt's standard bands in
        older studies, the finest groups the projections file gives in a study built now (e.g. 0-64, 65, 66, ...,
        89, 90+).
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
    zone_ages: pd.DataFrame | None = None
    projection_bands: AgeBands = STANDARD_BANDS

    def zone_points(self) -> np.ndarray:
        """Zone demand points (population-weighted centroids), shape (n, 2), BNG metres."""
        return self.zones[["centroid_easting", "centroid_northing"]].to_numpy(dtype=float)

    def site_points(self) -> np.ndarray:
        """Site points, shape (m, 2), BNG metres."""
        return np.column_stack([self.sites.geometry.x.to_numpy(), self.sites.geometry.y.to_numpy()])

    @cached_property
    def area(self) -> BaseGeometry:
        """The study area: the union of its zone polygons (EPSG:27700)."""
        return self.zones.geometry.union_all()

    def distance_from_area(self, easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
        """Distance (metres) from each point to the study area; 0 inside it, NaN for a missing point."""
        xs = np.asarray(easting, dtype=float)
        ys = np.asarray(northing, dtype=float)
        return shapely.distance(self.area, shapely.points(xs, ys))

    def check_sites_near(self, sites: gpd.GeoDataFrame, *, path: str | Path | None) -> list[str]:
        """Refuse sites clearly outside the study area; return a note for each site merely far from it.

        Parameters
        ----------
        sites : geopandas.GeoDataFrame
            A site register (``site_id``, ``name``, point geometry in EPSG:27700).
        path : str or Path, optional
            The register's file, for messages.

        Returns
        -------
        list of str
            One note per site more than :data:`SITE_NOTE_DISTANCE_M` from the area (none for a site of status
            ``external``, another area's service, allowed up to :data:`EXTERNAL_SITE_DISTANCE_M` outside it).

        Raises
        ------
        InputError
            For an external site more than :data:`EXTERNAL_SITE_DISTANCE_M` from the area, and for the first site
            more than :data:`SITE_REFUSE_DISTANCE_M` from the area, naming it, its distance
            and, when swapping its easting and northing would put it in the area, that likely mistake.
        """
        if sites.empty:
            return []
        xs = sites.geometry.x.to_numpy()
        ys = sites.geometry.y.to_numpy()
        distance = self.distance_from_area(xs, ys)
        external = (
            sites["status"].astype(str).eq("external").to_numpy() if "status" in sites else np.zeros(len(xs), bool)
        )
        too_far = np.flatnonzero(external & (distance > EXTERNAL_SITE_DISTANCE_M))
        if too_far.size:
            i = int(too_far[0])
            raise InputError(
                f"site {quote(str(sites['site_id'].iloc[i]))} ({quote(str(sites['name'].iloc[i]))}) has status "
                f"external (another area's service at the border) but lies {distance[i] / 1000:,.1f} km from the "
                f"{self.name} study area, more than the {EXTERNAL_SITE_DISTANCE_M / 1000:,.0f} km a border service "
                "may lie outside it",
                path=path,
                column="status",
                hint="check its coordinates or postcode, or remove the row: only services near the border serve the "
                "area's zones",
            )
        far = np.flatnonzero(distance > SITE_REFUSE_DISTANCE_M)
        if far.size:
            i = int(far[0])
            swapped = float(self.distance_from_area(ys[i : i + 1], xs[i : i + 1])[0])
            cause = (
                f"its easting and northing look swapped: ({ys[i]:.0f}, {xs[i]:.0f}) lies "
                + ("inside" if swapped == 0 else f"{swapped / 1000:,.1f} km from")
                + " the area"
                if swapped <= SITE_NOTE_DISTANCE_M
                else "check its coordinates (longitude and latitude, or easting and northing, swapped?) or postcode"
            )
            raise InputError(
                f"site {quote(str(sites['site_id'].iloc[i]))} ({quote(str(sites['name'].iloc[i]))}) at easting "
                f"{xs[i]:.0f}, northing {ys[i]:.0f} is {distance[i] / 1000:,.0f} km from the {self.name} study "
                f"area, clearly outside it (more than {SITE_REFUSE_DISTANCE_M / 1000:,.0f} km)"
                + (f"; {far.size} sites in all are" if far.size > 1 else ""),
                path=path,
                column="site_id",
                hint=f"{cause}; or remove the site if it does not belong to this study",
            )
        return [
            f"site {sites['site_id'].iloc[i]} ({sites['name'].iloc[i]}) is {distance[i] / 1000:,.1f} km outside the "
            f"{self.name} study area (more than {SITE_NOTE_DISTANCE_M / 1000:,.0f} km): check its location"
            for i in np.flatnonzero((distance > SITE_NOTE_DISTANCE_M) & ~external)
        ]


def load_study(folder: str | Path) -> Study:
    """Read and validate a study folder.

    Parameters
    ----------
    folder : str or Path
        A folder written by ``hubopt study build`` or laid out as described in ``data/README.md``, or a built-in
        study such as ``builtin:west_kent``.

    Returns
    -------
    Study
        Its zones, sites and districts as GeoDataFrames in EPSG:27700, and its population projections.

    Raises
    ------
    InputError
        When the folder or one of its files is missing or unusable: the message names the file, row and column.
    """
    root = builtin.study_path(str(folder)) if builtin.is_reference(folder) else Path(folder)
    if not root.is_dir():
        raise InputError(
            "the study folder does not exist", path=root, hint="give the folder that holds study.yaml and zones.csv"
        )
    meta_path = require_file(root / "study.yaml", "study description (study.yaml)")
    metadata = read_yaml(meta_path, what="study description (study.yaml)") or {}
    if not isinstance(metadata, dict) or "name" not in metadata or "base_year" not in metadata:
        raise InputError("study.yaml must give at least 'name' and 'base_year'", path=meta_path)
    base_year = metadata["base_year"]
    if isinstance(base_year, bool) or not isinstance(base_year, int) or not 1990 <= base_year <= 2100:
        raise InputError(
            f"base_year must be a four-digit year, not {quote(base_year)}",
            path=meta_path,
            setting="base_year",
            hint="give the year of the zones' population estimates, e.g. 2017",
        )
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
    check_lease_ends(sites, base_year, path=sites_path)
    files["sites.csv"] = sites_path

    projections, projection_bands = read_study_projections(root / "projections.csv")
    files["projections.csv"] = root / "projections.csv"
    unknown = sorted(set(projections["district_code"]) - set(zones["district_code"]))
    if unknown:
        raise InputError(
            f"projections.csv names districts that have no zones: {', '.join(unknown)}",
            path=root / "projections.csv",
            column="district_code",
        )

    _check_description_matches_zones(metadata, meta_path, zones, root / "zones.csv")

    districts = None
    districts_path = root / "districts.geojson"
    if districts_path.exists():
        what = "district outlines (districts.geojson)"
        districts = read_geojson(districts_path, what=what).to_crs(CRS_BNG)
        require_columns(districts, ["lad_code", "lad_name"], path=districts_path, what=what)
        files["districts.geojson"] = districts_path
    land_mask_path = root / "land_mask.bin"
    if land_mask_path.is_file():
        files["land_mask.bin"] = land_mask_path
    zone_ages = None
    if (root / ZONE_AGES_FILE).exists():
        zone_ages = read_zone_ages(root / ZONE_AGES_FILE, zones, zones_path=root / "zones.csv")
        files[ZONE_AGES_FILE] = root / ZONE_AGES_FILE

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
        zone_ages=zone_ages,
        projection_bands=projection_bands,
    )


def _check_description_matches_zones(
    metadata: dict[str, Any], meta_path: Path, zones: pd.DataFrame, path: Path
) -> None:
    """Refuse a study.yaml that describes other zones than zones.csv holds (files of two studies mixed).

    Checked when study.yaml records them (``hubopt study build`` does): its districts against the zones' district
    codes, the number of zones under ``counts``, and the year of the population count against ``base_year``.
    """
    hint = "the two files come from different studies or builds: rebuild the study (hubopt study build), or copy "
    hint += "both files from the same study folder"
    listed = metadata.get("districts")
    if isinstance(listed, dict) and listed:
        described = {str(k) for k in listed}
        present = set(zones["district_code"])
        if described != present:
            parts = []
            if present - described:
                parts.append(
                    f"zones.csv has districts study.yaml does not list: {', '.join(sorted(present - described))}"
                )
            if described - present:
                parts.append(f"study.yaml lists districts with no zone: {', '.join(sorted(described - present))}")
            raise InputError(
                f"study.yaml and {path.name} do not describe the same area ({'; '.join(parts)})",
                path=meta_path,
                setting="districts",
                hint=hint,
            )
    counts = metadata.get("counts")
    if not isinstance(counts, dict):
        return
    for key, value in counts.items():
        label = str(key)
        if label.startswith("zones") and isinstance(value, int) and value != len(zones):
            raise InputError(
                f"study.yaml records {value:,} zones but {path.name} has {len(zones):,}",
                path=meta_path,
                setting=f"counts.{label}",
                hint=hint,
            )
        year = re.fullmatch(r"population \(mid-(\d{4})\)", label)
        if year and int(year.group(1)) != int(metadata["base_year"]):
            raise InputError(
                f"study.yaml gives base_year {metadata['base_year']} but counts the population of "
                f"mid-{year.group(1)}",
                path=meta_path,
                setting="base_year",
                hint="make base_year the year of the zones' population estimates",
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
    polys = read_geojson(path, what="zone boundaries (zone_boundaries.geojson)")
    require_columns(polys, ["zone_id"], path=path, what="zone boundaries")
    polys["zone_id"] = polys["zone_id"].astype(str)
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
