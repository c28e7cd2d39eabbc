"""Hospitals: the NHS website (NHS.uk) hospital list and the list of acute stroke units.

Both loaders return points in British National Grid (EPSG:27700).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, find_column, require_columns, text_column
from hubopt.io._coords import CRS_BNG, check_coordinates_in_gb, lonlat_to_bng
from hubopt.io._csv import check_rows_match_header, read_csv_records, read_csv_table
from hubopt.io._numbers import numeric_column, numeric_column_rows
from hubopt.io.postcodes import normalise_postcode, postcode_key

__all__ = ["HOSPITAL_COLUMNS", "read_nhs_hospitals", "read_stroke_units"]

#: Output column → column of the NHS website's Hospital.csv.
HOSPITAL_COLUMNS = {
    "code": "OrganisationCode",
    "name": "OrganisationName",
    "sub_type": "SubType",
    "sector": "Sector",
    "postcode": "Postcode",
    "parent_code": "ParentODSCode",
    "parent_name": "ParentName",
}
_HOSPITALS_WHAT = "NHS website hospital list (Hospital.csv)"
_STROKE_WHAT = "stroke unit list"


def read_nhs_hospitals(path: str | Path) -> gpd.GeoDataFrame:
    """Read the NHS website's "Hospital.csv" organisation list.

    Two layouts are read: the published one (every row has as many fields as the header; comma- or
    ``¬``-separated), and a re-saved one in which every data row starts with an extra, unnamed row-number field
    (so data rows have one field more than the header). Which field is the extra one is decided from where the
    ``Latitude``/``Longitude`` values are numbers.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (ODS ``OrganisationCode``), ``name``, ``sub_type``, ``sector``, ``postcode`` (standard
        spelling where it is a valid postcode), ``parent_code``, ``parent_name`` and ``geometry`` (points,
        EPSG:27700), in file order. Hospitals without coordinates (blank, or 0/0) are left out: they are counted
        in ``attrs["excluded"]`` (``{"no coordinates": n}``) and their codes listed in ``attrs["no_coordinates"]``.

    Raises
    ------
    InputError
        For a row with the wrong number of fields, a missing column, a blank or repeated organisation code, a
        coordinate that is not a number, only one of latitude/longitude, or a point outside Great Britain.
    """
    p = Path(path)
    header, records, lines = read_csv_records(p, what=_HOSPITALS_WHAT)
    df, lines = _align_records(header, records, lines, path=p)
    cols = {
        out: find_column(df, [src], path=p, what=_HOSPITALS_WHAT, role=src) for out, src in HOSPITAL_COLUMNS.items()
    }
    lat_col = find_column(df, ["Latitude"], path=p, what=_HOSPITALS_WHAT, role="latitude")
    lon_col = find_column(df, ["Longitude"], path=p, what=_HOSPITALS_WHAT, role="longitude")
    code_col = str(cols["code"])
    codes = text_column(df, code_col, path=p, rows=lines).str.upper()
    check_unique_key(pd.DataFrame({code_col: codes}), [code_col], path=p, rows=lines, what="organisation code")
    lat = numeric_column_rows(df, lat_col, path=p, rows=lines, allow_blank=True).to_numpy()
    lon = numeric_column_rows(df, lon_col, path=p, rows=lines, allow_blank=True).to_numpy()
    half = np.isnan(lat) != np.isnan(lon)
    if half.any():
        i = int(np.flatnonzero(half)[0])
        given, blank = (lat_col, lon_col) if np.isnan(lon[i]) else (lon_col, lat_col)
        raise InputError(
            f"{given} is filled in but {blank} is blank",
            path=p,
            row=lines[i],
            column=blank,
            hint="fill in both coordinates or leave both blank",
        )
    no_coords = np.isnan(lat) | ((lat == 0) & (lon == 0))
    keep = ~no_coords
    kept_lines = [line for line, k in zip(lines, keep, strict=True) if k]
    check_coordinates_in_gb(lon[keep], lat[keep], crs="lonlat", path=p, rows=kept_lines, columns=(lon_col, lat_col))
    x, y = lonlat_to_bng(lon[keep], lat[keep])

    def text(out: str) -> np.ndarray:
        values = df[str(cols[out])].astype(str).str.strip()
        return values.where(values != "").to_numpy()[keep]

    postcodes = [_tidy_postcode(v) for v in text("postcode")]
    out = gpd.GeoDataFrame(
        {
            "code": codes.to_numpy()[keep],
            "name": text("name"),
            "sub_type": text("sub_type"),
            "sector": text("sector"),
            "postcode": pd.array(postcodes, dtype="str"),
            "parent_code": text("parent_code"),
            "parent_name": text("parent_name"),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=CRS_BNG,
    )
    n_out = int(no_coords.sum())
    out.attrs["excluded"] = {"no coordinates": n_out} if n_out else {}
    out.attrs["no_coordinates"] = codes.to_numpy()[no_coords].tolist()
    out.attrs["source"] = str(p)
    return out


def read_stroke_units(path: str | Path) -> gpd.GeoDataFrame:
    """Read the list of acute stroke units (``hospital`` postcode, ``lat``, ``long``, ``Stroke Team``).

    Parameters
    ----------
    path : str or Path
        CSV file such as ``hosp_107_stroke_units_england.csv`` (SAMueL stroke project): ``hospital`` holds the
        unit's postcode without a space.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``postcode_key`` (postcode, upper case, no spaces: the key used by other stroke data, e.g. the
        ``IVT unit`` column of the LSOA travel-time file), ``name`` and ``geometry`` (points, EPSG:27700).

    Raises
    ------
    InputError
        For a missing column, a blank, malformed or repeated postcode, a blank name, a coordinate that is not a
        number, or a point outside Great Britain.
    """
    p = Path(path)
    df = read_csv_table(p, what=_STROKE_WHAT)
    check_rows_match_header(df, path=p, what=_STROKE_WHAT)
    require_columns(df, ["hospital", "lat", "long", "Stroke Team"], path=p, what=_STROKE_WHAT)
    raw = text_column(df, "hospital", path=p)
    keys = raw.map(postcode_key)
    for i, (given, key) in enumerate(zip(raw, keys, strict=True)):
        try:
            normalise_postcode(key)
        except ValueError:
            raise InputError(
                f"{given!r} is not a postcode",
                path=p,
                row=i + 2,
                column="hospital",
                hint="the 'hospital' column must hold the unit's postcode (e.g. ME169QQ)",
            ) from None
    check_unique_key(pd.DataFrame({"hospital": keys}), ["hospital"], path=p, what="stroke unit postcode")
    names = text_column(df, "Stroke Team", path=p)
    lat = numeric_column(df, "lat", path=p)
    lon = numeric_column(df, "long", path=p)
    check_coordinates_in_gb(lon, lat, crs="lonlat", path=p, columns=("long", "lat"))
    x, y = lonlat_to_bng(lon, lat)
    out = gpd.GeoDataFrame(
        {"postcode_key": keys.to_numpy(), "name": names.to_numpy()},
        geometry=gpd.points_from_xy(x, y),
        crs=CRS_BNG,
    )
    out.attrs["excluded"] = {}
    out.attrs["source"] = str(p)
    return out


def _tidy_postcode(text: object) -> object:
    """Standard spelling of a postcode; text that is not a postcode is kept as it was; blanks stay missing."""
    if not isinstance(text, str):
        return text
    try:
        return normalise_postcode(text)
    except ValueError:
        return text


def _align_records(
    header: list[str], records: list[list[str]], lines: list[int], *, path: Path
) -> tuple[pd.DataFrame, list[int]]:
    """Put each row's fields under the header, dropping an extra leading (row-number) or trailing field."""
    n = len(header)
    counts = np.array([len(r) for r in records], dtype=int)
    wrong = np.flatnonzero((counts != n) & (counts != n + 1))
    if len(wrong):
        i = int(wrong[0])
        raise InputError(
            f"this row has {counts[i]} fields but the header has {n}"
            + (f" ({len(wrong)} rows in all)" if len(wrong) > 1 else ""),
            path=path,
            row=lines[i],
            hint="check the quoting: a comma inside a name or address must be inside double quotes",
        )
    extra = counts == n + 1
    drop_leading = True
    if extra.any():
        lat_i = _position(header, "latitude")
        lon_i = _position(header, "longitude")
        if lat_i is not None and lon_i is not None:
            wide = [r for r, e in zip(records, extra, strict=True) if e]
            lead = sum(_is_number(r[lat_i + 1]) and _is_number(r[lon_i + 1]) for r in wide)
            trail = sum(_is_number(r[lat_i]) and _is_number(r[lon_i]) for r in wide)
            drop_leading = lead >= trail
    rows = [(r[1:] if drop_leading else r[:-1]) if e else r for r, e in zip(records, extra, strict=True)]
    df = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    return df, list(lines)


def _position(header: list[str], name: str) -> int | None:
    for i, h in enumerate(header):
        if h.strip().lower() == name:
            return i
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
