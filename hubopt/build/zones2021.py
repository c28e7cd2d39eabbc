"""A study's zones on LSOA 2021: Census 2021 totals, age profiles and deprivation carried from LSOA 2011.

``hubopt study build --zones 2021`` first builds the LSOA 2011 zones as usual (IMD 2019, the mid-year single-year
estimates, the 2011 polygons), then turns them into LSOA 2021 zones with the ONS "LSOA (2011) to LSOA (2021)"
lookup (:func:`zones_to_lsoa2021`):

- **points**: the ONS LSOA (December 2021) population-weighted centroids;
- **population**: the Census 2021 usual residents of each LSOA 2021;
- **age bands**: the Census 2021 total shared among the bands in the age profile of the 2011 parent(s): U
  (unchanged) and S (split: one 2011 LSOA became several 2021 LSOAs) take their parent's profile; M (merged:
  several 2011 LSOAs became one) takes the profile of its parents' populations summed;
- **single years of age**: each band shared among its single years in the same parents' profile
  (:func:`hubopt.build.study_ages.apportion_ages`), so that they add up exactly to the bands;
- **deprivation** (IMD 2019 is published on LSOA 2011): U and S take the parent's rank and decile; M takes the
  mean of its parents' ranks weighted by their population, and the decile of that rank in the national ranking;
- **polygons** (no LSOA 2021 boundaries are in the sources): U is its 2011 polygon; M the union of its parents'
  polygons (exact: ONS merges whole 2011 LSOAs); S is an approximation: the parent's polygon cut among its
  children by the Voronoi cells of their 2021 centroids. Only maps and locating points in zones use polygons.

X (irregular) changes are refused: they are neither a split nor a merge, so no rule above applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hubopt.build.study_ages import apportion_ages
from hubopt.errors import InputError
from hubopt.io._coords import CRS_BNG
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.io.population import read_census2021_lsoa

__all__ = ["IMD_LSOAS", "Zones2021", "read_lsoa2021_centroids", "zones_to_lsoa2021"]

#: LSOAs in the national IMD 2019 ranking (England): a rank's decile is ``ceil(rank * 10 / IMD_LSOAS)``.
IMD_LSOAS = 32_844
_BANDS = [band_column(b) for b in AGE_BANDS]
_CENTROIDS_WHAT = "ONS LSOA (December 2021) population-weighted centroids"

AGE_RULE = (
    "Each LSOA 2021 zone's population is its Census 2021 usual residents; it is shared among the age bands in the "
    "age profile of its LSOA 2011 parent(s) in the mid-{year} estimates: an unchanged (U) or split (S) LSOA takes "
    "its parent's profile, a merged (M) LSOA the profile of its parents' populations summed; each band is shared "
    "among its single years of age (zone_ages.csv) in the same profile, to a thousandth of a person, so that they "
    "add up exactly to the band."
)
IMD_RULE = (
    "IMD 2019 (published on LSOA 2011) is carried to LSOA 2021 through the ONS lookup: an unchanged (U) or split (S) "
    "LSOA takes its parent's rank and decile; a merged (M) LSOA takes the mean of its parents' ranks weighted by "
    "their mid-{year} population (rounded), and that rank's decile in the national ranking of 32,844 LSOAs."
)
POLYGON_RULE = (
    "No LSOA 2021 boundaries were available: zone_boundaries.geojson holds each unchanged (U) LSOA's 2011 polygon, "
    "each merged (M) LSOA's parents' polygons joined (exact), and for each split (S) LSOA an approximation: its "
    "parent's polygon cut among the 2021 LSOAs by the Voronoi cells of their population-weighted centroids. "
    "Travel times and demand use the centroids; maps draw these polygons."
)


@dataclass(frozen=True)
class Zones2021:
    """The LSOA 2021 zones and what the conversion did."""

    zones: gpd.GeoDataFrame
    changes: dict[str, int]
    record: dict[str, object]
    #: ``zone_id`` and the single years of age, rows as ``zones`` (None when no single years were given).
    ages: pd.DataFrame | None = None


def read_lsoa2021_centroids(path: str | Path) -> gpd.GeoDataFrame:
    """Read the ONS LSOA (December 2021) population-weighted centroids shapefile (``LSOA21CD``, BNG points).

    Returns ``lsoa_code`` and point ``geometry`` in EPSG:27700.

    Raises
    ------
    InputError
        When the file cannot be read, has no ``LSOA21CD`` column, repeats a code or holds non-point geometry.
    """
    p = Path(path)
    try:
        raw = gpd.read_file(p)
    except Exception as exc:  # any reader failure is a bad input file
        raise InputError(f"the {_CENTROIDS_WHAT} file cannot be read ({exc})", path=p) from exc
    cols = {str(c).upper(): c for c in raw.columns}
    if "LSOA21CD" not in cols:
        raise InputError(
            f"the {_CENTROIDS_WHAT} file has no LSOA21CD column (columns: {', '.join(map(str, raw.columns))})",
            path=p,
            column="LSOA21CD",
        )
    codes = raw[cols["LSOA21CD"]].astype(str).str.strip().str.upper()
    if codes.duplicated().any():
        raise InputError(f"LSOA 2021 code {codes[codes.duplicated()].iloc[0]} is repeated", path=p, column="LSOA21CD")
    if raw.crs is None:
        raise InputError(f"the {_CENTROIDS_WHAT} file has no coordinate system (.prj)", path=p)
    if not (raw.geom_type == "Point").all():
        raise InputError(f"the {_CENTROIDS_WHAT} file holds geometry other than points", path=p)
    return gpd.GeoDataFrame({"lsoa_code": codes.to_numpy()}, geometry=raw.geometry.to_crs(CRS_BNG).to_numpy())


def _imd_decile(rank: float) -> int:
    return min(10, max(1, math.ceil(rank * 10 / IMD_LSOAS)))


def _split_polygons(parent: shapely.Geometry, points: list[shapely.Point], code: str) -> list[shapely.Geometry]:
    """The parent's polygon cut by the Voronoi cells of ``points``, in the order of ``points``."""
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=parent))
    out = []
    for pt in points:
        cell = next(c for c in cells if c.covers(pt))
        piece = shapely.intersection(cell, parent)
        if piece.is_empty:
            raise InputError(
                f"the LSOA 2021 centroids split from LSOA 2011 {code} do not fall in its polygon",
                hint="check that the centroids and the LSOA 2011 boundaries are the ONS files for the same area",
            )
        out.append(piece)
    return out


def _study_rows(zones11: gpd.GeoDataFrame, lookup: pd.DataFrame, lookup_path: Path) -> pd.DataFrame:
    """The lookup's rows for the study's LSOA 2011 zones, checked: every zone listed, no irregular (X) change, no
    LSOA 2021 that also covers a 2011 LSOA outside the study."""
    rows = lookup[lookup["lsoa11cd"].isin(set(zones11["zone_id"]))]
    missing11 = sorted(set(zones11["zone_id"]) - set(rows["lsoa11cd"]))
    if missing11:
        raise InputError(
            f"{len(missing11)} of the study's LSOA 2011 zones are not in the lookup: {', '.join(missing11[:5])}",
            path=lookup_path,
            column="LSOA11CD",
        )
    irregular = sorted(set(rows.loc[rows["chgind"] == "X", "lsoa21cd"]))
    if irregular:
        raise InputError(
            f"{len(irregular)} LSOA 2021 zone(s) were redrawn irregularly (CHGIND X): {', '.join(irregular[:5])}; "
            "they are neither a split nor a merge, so no age profile or deprivation can be carried to them",
            path=lookup_path,
            column="CHGIND",
            hint="build this area on LSOA 2011 zones (--zones 2011)",
        )
    outside = lookup[lookup["lsoa21cd"].isin(set(rows["lsoa21cd"])) & ~lookup["lsoa11cd"].isin(set(rows["lsoa11cd"]))]
    if len(outside):
        raise InputError(
            f"LSOA 2021 {outside['lsoa21cd'].iloc[0]} also covers LSOA 2011 {outside['lsoa11cd'].iloc[0]}, outside "
            "the study",
            path=lookup_path,
        )
    return rows


def zones_to_lsoa2021(
    zones11: gpd.GeoDataFrame,
    lookup: pd.DataFrame,
    centroids21: gpd.GeoDataFrame,
    census_path: Path,
    *,
    lookup_path: Path,
    centroids_path: Path,
    ages11: pd.DataFrame | None = None,
) -> Zones2021:
    """Turn the study's LSOA 2011 zones into LSOA 2021 zones (see the module's notes for each rule).

    Parameters
    ----------
    zones11 : geopandas.GeoDataFrame
        The study's zones (``hubopt.study.ZONE_COLUMNS`` and polygons), on LSOA 2011: their age bands are the
        profiles carried to 2021.
    lookup : pandas.DataFrame
        From :func:`hubopt.io.lsoa_lookup.read_lsoa_lookup`.
    centroids21 : geopandas.GeoDataFrame
        From :func:`read_lsoa2021_centroids`.
    census_path : Path
        The Census 2021 usual residents per LSOA 2021 file.
    lookup_path, centroids_path : Path
        The files, for messages.
    ages11 : pandas.DataFrame, optional
        The LSOA 2011 zones' single years of age (``zone_id``, ``age_0`` ... ``age_90_plus``): each 2021 zone's
        bands are shared among their single years in its parents' profile (``Zones2021.ages``).

    Raises
    ------
    InputError
        On an irregular (X) change, a 2021 LSOA with parents outside the study or in two districts, or a 2021 LSOA
        without a centroid or a Census 2021 count (all named).
    """
    rows = _study_rows(zones11, lookup, lookup_path)
    z11 = zones11.set_index("zone_id")
    prof = z11[_BANDS]
    census = read_census2021_lsoa(census_path).set_index("lsoa21_code")
    cent = centroids21.set_index("lsoa_code").geometry
    codes21 = sorted(set(rows["lsoa21cd"]))
    for label, have, path in (
        ("Census 2021 count", census.index, census_path),
        ("centroid", cent.index, centroids_path),
    ):
        lacking = sorted(set(codes21) - set(have))
        if lacking:
            raise InputError(
                f"{len(lacking)} LSOA 2021 zone(s) of the study have no {label}: {', '.join(lacking[:5])}",
                path=path,
                hint="use files that cover the whole study area",
            )
    out_rows: list[dict[str, object]] = []
    geoms: dict[str, shapely.Geometry] = {}
    for code11, group in rows[rows["chgind"] == "S"].groupby("lsoa11cd", sort=True):
        children = sorted(group["lsoa21cd"])
        pieces = _split_polygons(z11.geometry.loc[code11], [cent.loc[c] for c in children], code11)
        geoms.update(zip(children, pieces, strict=True))
    changes = {k: 0 for k in ("U", "S", "M")}
    for code21, group in rows.groupby("lsoa21cd", sort=True):
        parents = sorted(group["lsoa11cd"])
        kind = str(group["chgind"].iloc[0])
        changes[kind] += 1
        districts = set(z11.loc[parents, "district_code"])
        if len(districts) > 1:
            raise InputError(f"the parents of LSOA 2021 {code21} lie in two districts", path=lookup_path)
        bands = prof.loc[parents].sum(axis=0).to_numpy(dtype=float)
        total = float(census.loc[code21, "population"])
        shares = bands / bands.sum() if bands.sum() > 0 else np.full(len(bands), 1 / len(bands))
        banded = np.round(total * shares, 3)
        if kind == "M":
            weight = z11.loc[parents, "population"].to_numpy(dtype=float)
            rank = round(float(np.average(z11.loc[parents, "imd_rank"].to_numpy(dtype=float), weights=weight)))
            decile = _imd_decile(rank)
            geoms[code21] = shapely.union_all(z11.geometry.loc[parents].to_numpy())
        else:
            rank, decile = z11.loc[parents[0], "imd_rank"], z11.loc[parents[0], "imd_decile"]
            if kind == "U":
                geoms[code21] = z11.geometry.loc[parents[0]]
        first = z11.loc[parents[0]]
        point = cent.loc[code21]
        name = str(group["lsoa21nm"].iloc[0]) or str(census.loc[code21, "lsoa21_name"])
        out_rows.append(
            {
                "zone_id": code21,
                "zone_name": name,
                "district_code": first["district_code"],
                "district_name": first["district_name"],
                "centroid_easting": round(point.x, 1),
                "centroid_northing": round(point.y, 1),
                **dict(zip(_BANDS, banded, strict=True)),
                "population": round(float(banded.sum()), 3),
                "imd_rank": int(rank),
                "imd_decile": int(decile),
            }
        )
    table = pd.DataFrame(out_rows, columns=list(zones11.columns.drop("geometry")))
    table["imd_rank"] = table["imd_rank"].astype("Int64")
    table["imd_decile"] = table["imd_decile"].astype("Int64")
    zones = gpd.GeoDataFrame(table, geometry=[geoms[c] for c in table["zone_id"]], crs=CRS_BNG)
    ages = None if ages11 is None else _ages_2021(rows, ages11, table)
    record: dict[str, object] = {
        "zone_geography": "LSOA 2021",
        "lookup": str(lookup_path),
        "centroids": str(centroids_path),
        "population": str(census_path),
        "lsoa2011_zones": len(zones11),
        "lsoa2021_zones": len(zones),
        "unchanged": changes["U"],
        "split": changes["S"],
        "merged": changes["M"],
        "census2021_total": int(census.loc[codes21, "population"].sum()),
    }
    return Zones2021(zones=zones, changes=changes, record=record, ages=ages)


def _ages_2021(rows: pd.DataFrame, ages11: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The single years of age of the LSOA 2021 zones of ``table``: its bands shared in the parents' profile."""
    profiles = ages11.set_index("zone_id")
    parents = rows.groupby("lsoa21cd")["lsoa11cd"].agg(sorted)
    weights = pd.DataFrame(
        [profiles.loc[parents.loc[code]].sum(axis=0).to_numpy(dtype=float) for code in table["zone_id"]],
        columns=profiles.columns,
        index=table.index,
    )
    ages = apportion_ages(table[_BANDS], weights)
    return pd.concat([table[["zone_id"]], ages], axis=1)
