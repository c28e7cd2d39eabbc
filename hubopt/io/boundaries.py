"""Area boundaries: LSOA and local authority district polygons from ONS GeoJSON files.

Both loaders return polygons in British National Grid (EPSG:27700). Invalid polygons (e.g. a self-touching ring
in a generalised boundary) are repaired with :func:`shapely.make_valid` and counted in ``gdf.attrs["repaired"]``
(``{"invalid geometry": n}``, with the codes in ``gdf.attrs["repaired_codes"]``); nothing is dropped, so
``gdf.attrs["excluded"]`` is always empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hubopt.errors import InputError
from hubopt.io._coords import CRS_BNG, GB_BNG_BOUNDS
from hubopt.io._files import list_source_files
from hubopt.io._geojson import read_geojson

__all__ = ["read_lad_boundaries", "read_lsoa_boundaries"]

_LSOA_WHAT = "LSOA boundary file"
_LAD_WHAT = "local authority district boundary file"


def read_lsoa_boundaries(
    source: str | Path | Iterable[str | Path], codes: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Read LSOA (lower layer super output area) polygons from ONS GeoJSON files.

    Parameters
    ----------
    source : str, Path or iterable of them
        A GeoJSON file, a list of files, or a folder of ``*.json``/``*.geojson`` files (e.g. one file per local
        authority). Each feature needs a code and a name property: ``LSOA11CD``/``LSOA11NM`` (2011 LSOAs) or
        ``LSOA21CD``/``LSOA21NM`` (2021 LSOAs), in any case.
    codes : iterable of str, optional
        Read only the LSOAs with these codes (e.g. a study's LSOAs from the national file); the others are not
        read at all. Codes not in the files are simply absent from the result.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``lsoa_code``, ``lsoa_name``, ``geometry`` (EPSG:27700), one row per feature in file order.
        ``attrs["lsoa_vintage"]`` is ``"2011"`` or ``"2021"``; ``attrs["sources"]`` lists the files read;
        ``attrs["repaired"]``/``attrs["repaired_codes"]`` count and name the polygons that were made valid.

    Raises
    ------
    InputError
        When a file is not readable GeoJSON, has no LSOA code or name property, has blank or repeated codes,
        features without a polygon, or when the files are of different vintages (2011 and 2021 LSOAs are
        different geographies and cannot be mixed).
    """
    files = list_source_files(source, what=_LSOA_WHAT, suffixes=(".json", ".geojson"))
    frames = []
    vintages: dict[str, list[Path]] = {}
    seen: dict[str, Path] = {}
    only = None if codes is None else [codes] if isinstance(codes, str) else list(codes)
    where = None
    for f in files:
        if only is not None:
            where = _code_filter(f, only, prefix="lsoa")
        gdf = read_geojson(f, what=_LSOA_WHAT, where=where)
        code_col, name_col, year = _code_name_columns(gdf, f, prefix="lsoa", what=_LSOA_WHAT, example="LSOA11CD")
        vintages.setdefault(year, []).append(f)
        codes = _codes(gdf, code_col, f, what="LSOA code")
        for code in codes:
            if code in seen:
                raise InputError(
                    f"LSOA {code} is in two files: {seen[code]} and {f}",
                    path=f,
                    column=code_col,
                    hint="give each LSOA once (the files overlap, or the same file was given twice under two names)",
                )
            seen[code] = f
        frames.append(
            gpd.GeoDataFrame(
                {
                    "lsoa_code": codes,
                    "lsoa_name": gdf[name_col].astype("str").str.strip().to_numpy(),
                    "geometry": gdf.geometry.to_numpy(),
                },
                crs=gdf.crs,
            ).to_crs(CRS_BNG)
        )
    if len(vintages) > 1:
        described = "; ".join(f"{year}: {', '.join(p.name for p in paths[:3])}" for year, paths in vintages.items())
        raise InputError(
            f"the LSOA boundary files are of different vintages ({described}); LSOAs of different census years "
            "are different areas and cannot be mixed",
            path=next(iter(vintages.values()))[0].parent,
            hint="use boundary files of one vintage only (the one that matches your population data)",
        )
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS_BNG)
    out = _finish_polygons(out, code_col="lsoa_code", files=files, what=_LSOA_WHAT)
    out.attrs["lsoa_vintage"] = next(iter(vintages))
    return out


def read_lad_boundaries(path: str | Path, codes: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Read local authority district polygons from an ONS GeoJSON file.

    Parameters
    ----------
    path : str or Path
        GeoJSON file with code and name properties ``LADnnCD``/``LADnnNM`` for any year ``nn`` (e.g. ``lad17cd``,
        ``LAD23NM``; any case).
    codes : iterable of str, optional
        The districts to keep (GSS codes such as ``"E07000110"``), returned in this order. Every code must be in
        the file.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``lad_code``, ``lad_name``, ``geometry`` (EPSG:27700). ``attrs["lad_vintage"]`` is the year of
        the boundaries (e.g. ``"2017"``).

    Raises
    ------
    InputError
        When the file is not readable GeoJSON, lacks the code or name property, repeats a code, or does not hold
        one of ``codes``.
    """
    p = Path(path)
    gdf = read_geojson(p, what=_LAD_WHAT)
    code_col, name_col, year = _code_name_columns(gdf, p, prefix="lad", what=_LAD_WHAT, example="LAD23CD")
    all_codes = _codes(gdf, code_col, p, what="district code")
    out = gpd.GeoDataFrame(
        {
            "lad_code": all_codes,
            "lad_name": gdf[name_col].astype("str").str.strip().to_numpy(),
            "geometry": gdf.geometry.to_numpy(),
        },
        crs=gdf.crs,
    )
    if codes is not None:
        wanted = list(dict.fromkeys(str(c).strip().upper() for c in ([codes] if isinstance(codes, str) else codes)))
        position = {c: i for i, c in enumerate(all_codes)}
        missing = [c for c in wanted if c not in position]
        if missing:
            raise InputError(
                f"{len(missing)} district code{'s' if len(missing) > 1 else ''} not found in the boundary file: "
                + ", ".join(missing[:10])
                + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
                + f" (the file holds {len(all_codes)} districts, {year} boundaries)",
                path=p,
                column=code_col,
                hint="check the codes (GSS codes like E07000110); districts merged or re-coded since "
                f"{year} need boundaries of a matching year",
            )
        out = out.iloc[[position[c] for c in wanted]].reset_index(drop=True)
    out = _finish_polygons(out.to_crs(CRS_BNG), code_col="lad_code", files=[p], what=_LAD_WHAT)
    out.attrs["lad_vintage"] = year
    return out


def _code_filter(path: Path, codes: Iterable[str], *, prefix: str) -> str | None:
    """OGR SQL filter keeping the features of ``path`` whose ``<prefix>nnCD`` property is one of ``codes``; None
    when the file has no such property (the reader then says so)."""
    import pyogrio

    try:
        fields = [str(f) for f in pyogrio.read_info(path)["fields"]]
    except Exception:  # an unreadable file is reported by read_geojson
        return None
    pattern = re.compile(rf"^{prefix}\d\dcd$", re.IGNORECASE)
    found = [f for f in fields if pattern.match(f.strip())]
    if len(found) != 1:
        return None
    wanted = sorted({str(c).strip().upper() for c in codes})
    bad = [c for c in wanted if not re.fullmatch(r"[A-Z0-9]+", c)]
    if bad:
        raise InputError(
            f"{bad[0]!r} is not an area code",
            hint="area codes are letters and digits, such as E01024320",
        )
    listed = ", ".join(f"'{c}'" for c in wanted) or "''"
    return f'"{found[0]}" IN ({listed})'


def _code_name_columns(
    gdf: gpd.GeoDataFrame, path: Path, *, prefix: str, what: str, example: str
) -> tuple[str, str, str]:
    """Find the ``<prefix>nnCD`` and ``<prefix>nnNM`` properties; return their names and the year ``20nn``."""
    pattern = re.compile(rf"^{prefix}(\d\d)(cd|nm)$", re.IGNORECASE)
    found: dict[str, dict[str, str]] = {}
    for col in gdf.columns:
        m = pattern.match(str(col).strip())
        if m:
            found.setdefault(m.group(1), {})[m.group(2).lower()] = str(col)
    with_code = {yy: cols for yy, cols in found.items() if "cd" in cols}
    present = ", ".join(repr(str(c)) for c in gdf.columns if c != "geometry")
    if not with_code:
        raise InputError(
            f"the {what} has no {prefix.upper()} code property (such as {example}); properties found: "
            + (present or "none"),
            path=path,
            column=example,
            hint=f"check that this is the right file: each feature needs a code and a name, e.g. {example} and "
            f"{example[:-2]}NM",
        )
    if len(with_code) > 1:
        years = ", ".join(cols["cd"] for cols in with_code.values())
        raise InputError(
            f"the {what} has codes of more than one year ({years}); hubopt cannot tell which to use",
            path=path,
            hint="keep the code and name properties of one year only",
        )
    yy, cols = next(iter(with_code.items()))
    if "nm" not in cols:
        raise InputError(
            f"the {what} has the code property {cols['cd']!r} but no name property "
            f"({prefix.upper()}{yy}NM); properties found: {present}",
            path=path,
            column=f"{prefix.upper()}{yy}NM",
            hint="use the ONS file that holds both codes and names",
        )
    return cols["cd"], cols["nm"], f"20{yy}"


def _codes(gdf: gpd.GeoDataFrame, column: str, path: Path, *, what: str) -> list[str]:
    """Codes stripped and upper-cased; fail on a blank or repeated code, naming the features."""
    codes = gdf[column].astype("string").fillna("").str.strip().str.upper()
    blank = np.flatnonzero((codes == "").to_numpy())
    if len(blank):
        raise InputError(
            f"feature {blank[0] + 1} has no {what}" + (f" ({len(blank)} features in all)" if len(blank) > 1 else ""),
            path=path,
            column=column,
            hint=f"fill in the {what}, or remove the feature",
        )
    dup = codes.duplicated(keep=False).to_numpy()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        code = codes.iloc[first]
        where = np.flatnonzero((codes == code).to_numpy()) + 1
        raise InputError(
            f"the {what} {code} appears more than once (features {', '.join(map(str, where[:5]))})",
            path=path,
            column=column,
            hint="give each area once: remove the repeated feature (or dissolve the parts into one multipolygon)",
        )
    return codes.astype(str).tolist()


def _finish_polygons(gdf: gpd.GeoDataFrame, *, code_col: str, files: list[Path], what: str) -> gpd.GeoDataFrame:
    """Check that every feature is a polygon inside Great Britain; repair invalid polygons and count them."""
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"{gdf[code_col].iloc[i]} has no polygon in the {what}"
            + (f" ({int(missing.sum())} areas in all)" if missing.sum() > 1 else ""),
            path=files[0] if len(files) == 1 else None,
            column="geometry",
            hint="use a boundary file in which every area has its polygon",
        )
    kinds = shapely.get_type_id(geoms)
    not_polygon = ~np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    if not_polygon.any():
        i = int(np.flatnonzero(not_polygon)[0])
        raise InputError(
            f"{gdf[code_col].iloc[i]} in the {what} is a {geoms[i].geom_type}, not a polygon",
            path=files[0] if len(files) == 1 else None,
            column="geometry",
            hint="use a boundary (polygon) file, not points or lines",
        )
    x0, y0, x1, y1 = GB_BNG_BOUNDS
    bounds = shapely.bounds(geoms)
    outside = (bounds[:, 0] < x0) | (bounds[:, 1] < y0) | (bounds[:, 2] > x1) | (bounds[:, 3] > y1)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise InputError(
            f"{gdf[code_col].iloc[i]} lies outside Great Britain"
            + (f" ({int(outside.sum())} areas in all)" if outside.sum() > 1 else ""),
            path=files[0] if len(files) == 1 else None,
            column="geometry",
            hint="check the file's coordinate system (GeoJSON must be WGS84 longitude/latitude unless it names "
            "another)",
        )
    invalid = ~shapely.is_valid(geoms)
    out = gdf.copy()
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        bad = shapely.is_empty(fixed) | ~np.isin(shapely.get_type_id(fixed), (3, 6))
        if bad.any():  # pragma: no cover - "structure" repair of a polygon gives a polygon
            code = out[code_col].to_numpy()[invalid][bad][0]
            raise InputError(f"the polygon of {code} is invalid and cannot be repaired", column="geometry")
        geoms = geoms.copy()
        geoms[invalid] = fixed
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    out.attrs["excluded"] = {}
    out.attrs["repaired"] = {"invalid geometry": int(invalid.sum())} if invalid.any() else {}
    out.attrs["repaired_codes"] = out[code_col].to_numpy()[invalid].tolist()
    out.attrs["sources"] = [str(f) for f in files]
    return out
