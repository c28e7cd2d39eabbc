"""Small-area population: ONS LSOA estimates by single year of age, LSOA population-weighted centroids and Census
2021 usual residents per LSOA.

All loaders return new frames. Rows left out on purpose are counted in ``df.attrs["excluded"]`` as
``{reason: count}``; ``df.attrs["source"]`` holds the path that was read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, find_column, text_column
from hubopt.io._coords import CRS_BNG, CRS_LONLAT, check_coordinates_in_gb
from hubopt.io._csv import read_csv_table
from hubopt.io._numbers import numeric_column, numeric_column_rows
from hubopt.io.age_bands import ages_overlap, format_ages, missing_ages
from hubopt.io.packaged import is_workbook, read_workbook_table

__all__ = [
    "read_census2021_lsoa",
    "read_population_weighted_centroids",
    "read_sape_syoa",
    "sape_mid_year",
]


SAPE_WHAT = "ONS small-area population estimates file (LSOA, single year of age)"
#: Accepted names of the LSOA code column of a SAPE file, in order of preference (case, spaces and punctuation
#: are ignored). ``Area Codes`` is the mid-2017 (SAPE20DT1) layout, which also holds local-authority rows.
SAPE_CODE_COLUMNS = ("Area Codes", "LSOA Code", "LSOA 2021 Code", "LSOA 2011 Code", "LSOA11CD", "LSOA21CD")
#: Accepted names of the LSOA name column.
SAPE_NAME_COLUMNS = ("LSOA11NM", "LSOA Name", "LSOA 2021 Name", "LSOA 2011 Name", "LSOA21NM")
#: Accepted names of the all-ages total column.
SAPE_TOTAL_COLUMNS = ("All Ages", "Total")
#: Column of the mid-2017 layout that names the local authority on its summary rows.
SAPE_AREA_NAME_COLUMN = "Area Names"
LA_ROWS_REASON = "local authority summary rows"

CENTROIDS_WHAT = "ONS LSOA population-weighted centroids file"
#: Accepted names of the centroid file's code and name columns (any case).
CENTROID_CODE_COLUMNS = ("lsoa11cd", "lsoa21cd", "LSOA code", "lsoa_code")
CENTROID_NAME_COLUMNS = ("lsoa11nm", "lsoa21nm", "LSOA name", "lsoa_name")
#: Accepted (x, y) column pairs, tried in order; each pair may hold longitude/latitude or BNG metres.
CENTROID_XY_COLUMNS = (
    ("X", "Y"),
    ("LONG", "LAT"),
    ("longitude", "latitude"),
    ("lon", "lat"),
    ("easting", "northing"),
)

CENSUS_WHAT = "Census 2021 usual residents per LSOA file"
#: Accepted names of the Census file's columns (Nomis and ONS "create a custom dataset" exports).
CENSUS_CODE_COLUMNS = ("LSOA21CD", "mnemonic", "LSOA 2021 Code", "Lower layer Super Output Areas Code", "LSOA code")
CENSUS_NAME_COLUMNS = (
    "2021 super output area - lower layer",
    "LSOA21NM",
    "LSOA 2021 Name",
    "Lower layer Super Output Areas",
    "LSOA name",
)
CENSUS_POPULATION_COLUMNS = ("Population", "Total: All usual residents", "All usual residents", "Observation")

_AGE_COLUMN = re.compile(r"^(\d+)$")
_OPEN_AGE_COLUMN = re.compile(r"^(\d+)\s*(?:\+|plus|and over)$", re.IGNORECASE)


#: A mid-year as ONS writes it in sheet names, titles and file names: "Mid-2020", "mid-2017", "mid2020".
_MID_YEAR = re.compile(r"mid[-_ ]?((?:19|20)\d\d)", re.IGNORECASE)
#: An ONS small-area population table code in a file name, e.g. "SAPE20DT1", "sape23dt2".
_SAPE_TABLE = re.compile(r"sape\d+dt\d+", re.IGNORECASE)


# --- single year of age estimates ---------------------------------------------------------------------------------


def _age_columns(df: pd.DataFrame, path: str | Path) -> list[tuple[str, int, bool]]:
    """The single-year-of-age columns of a SAPE table as ``(column, age, open_ended)``, youngest first."""
    ages: list[tuple[str, int, bool]] = []
    for col in df.columns:
        name = str(col).strip()
        if m := _AGE_COLUMN.match(name):
            ages.append((str(col), int(m.group(1)), False))
        elif m := _OPEN_AGE_COLUMN.match(name):
            ages.append((str(col), int(m.group(1)), True))
    hint = (
        "hubopt needs the persons table with one column per single year of age (0, 1, ..., 89, 90+); "
        "tables by sex (F0, M0, ...) must be added up first"
    )
    if not ages:
        raise InputError(f"the {SAPE_WHAT} has no single-year-of-age columns (0, 1, ..., 90+)", path=path, hint=hint)
    ages.sort(key=lambda a: a[1])
    open_ended = [a for a in ages if a[2]]
    if len(open_ended) != 1 or open_ended[0] is not ages[-1]:
        raise InputError(
            f"the {SAPE_WHAT} should have exactly one 'and over' age column (such as '90+') after the single ages",
            path=path,
            hint=hint,
        )
    parts = [(age, age if not is_open else None) for _, age, is_open in ages]
    if ages_overlap(parts):
        dup = [c for c, a, _ in ages if sum(1 for _, b, _ in ages if b == a) > 1]
        raise InputError(f"the {SAPE_WHAT} has more than one column for the same age ({dup})", path=path, hint=hint)
    missing = missing_ages(0, None, parts)
    if missing:
        raise InputError(
            f"the {SAPE_WHAT} has no column for ages {format_ages(missing)}",
            path=path,
            hint=hint,
        )
    return ages


def _is_sape_header(cells: list[str]) -> bool:
    """Whether a workbook row is the header of a SAPE table: an LSOA code column and an all-ages total."""
    names = {_normalise(c) for c in cells}
    return any(_normalise(c) in names for c in SAPE_CODE_COLUMNS) and any(
        _normalise(c) in names for c in SAPE_TOTAL_COLUMNS
    )


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def sape_mid_year(texts: Sequence[str]) -> int | None:
    """The mid-year of a population estimates table, from the first of ``texts`` that names one.

    ONS names the year as ``Mid-2020`` in sheet names and titles, and as ``mid-2017``, ``mid2020`` in file names
    (``mid-2017-lsoa-pop-estimates.csv``, ``sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx``).

    Parameters
    ----------
    texts : sequence of str
        Sheet name, titles, file name, in order of trust.

    Returns
    -------
    int or None
        The year, or None when no text names one.
    """
    for text in texts:
        if m := _MID_YEAR.search(str(text)):
            return int(m.group(1))
    return None


def read_sape_syoa(path: str | Path) -> pd.DataFrame:
    """Read ONS small-area (LSOA) population estimates by single year of age, persons.

    The file is a CSV file or the publisher's Excel workbook (``.xlsx``, e.g.
    ``sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx``), which is told from the file's first bytes: its persons
    sheet (a sheet named with "Persons", e.g. ``Mid-2020 Persons``, or else the first sheet holding the table
    that is not a Males or Females sheet) is read from the header row, found below the title rows.

    The mid-2017 table SAPE20DT1 (``Area Codes, Area Names, LSOA11NM, All Ages, 0, 1, ..., 89, 90+``) mixes local
    authority summary rows (``Area Names`` filled, ``LSOA11NM`` empty) with LSOA rows (the reverse); the summary
    rows are left out and counted. Newer layouts with one row per LSOA are accepted too: the code column may be
    named as in :data:`SAPE_CODE_COLUMNS` (e.g. ``LSOA Code``, ``LSOA 2021 Code``), the name column as in
    :data:`SAPE_NAME_COLUMNS` (e.g. ``LSOA Name``) and the total as in :data:`SAPE_TOTAL_COLUMNS` (``All Ages``
    or ``Total``); names are matched ignoring case, spaces and punctuation. Age columns must be single years
    (``0``, ``1``, ...) with one open-ended oldest column (``90+``, ``90 plus`` or ``90 and over``).

    Parameters
    ----------
    path : str or Path
        The CSV file or ``.xlsx`` workbook.

    Returns
    -------
    pandas.DataFrame
        One row per LSOA: ``lsoa_code``, ``lsoa_name``, ``all_ages``, ``age_0`` ... ``age_89``, ``age_90_plus``
        (integers; the oldest column is named after the file's open-ended age group).
        ``attrs["excluded"]`` counts the local authority summary rows; ``attrs["mid_year"]`` is the mid-year of
        the estimates (from the sheet name, the titles above the table or the file name; None when none names
        it); ``attrs["table"]`` is the ONS table code named in the file name (e.g. ``SAPE20DT1``) or None;
        ``attrs["where"]`` names the file (and sheet) read.

    Raises
    ------
    InputError
        When a column is missing, a count is not a whole number of zero or more, a row's ``All Ages`` is not
        the sum of its ages, or an LSOA code appears twice (the message names the row and column); for a
        workbook, when no sheet holds the table.
    """
    p = Path(path)
    df, where, first_row, mid_year = _read_sape_table(p)
    code_col = find_column(df, SAPE_CODE_COLUMNS, path=where, what=SAPE_WHAT, role="LSOA code")
    name_col = find_column(df, SAPE_NAME_COLUMNS, path=where, what=SAPE_WHAT, role="LSOA name")
    total_col = find_column(df, SAPE_TOTAL_COLUMNS, path=where, what=SAPE_WHAT, role="all-ages total")
    ages = _age_columns(df, where)
    rows = np.arange(first_row, first_row + len(df))

    keep, excluded = _lsoa_rows(df, name_col, where=where, rows=rows)

    lsoa = df.loc[keep]
    lrows = rows[keep]
    if lsoa.empty:
        raise InputError(f"the {SAPE_WHAT} has no LSOA rows", path=where, hint="check that this is the LSOA table")
    codes = text_column(lsoa, code_col, path=where, rows=lrows)
    lsoa_names = text_column(lsoa, name_col, path=where, rows=lrows)
    check_unique_key(lsoa, [code_col], path=where, rows=lrows, what="LSOA code")

    total = numeric_column_rows(lsoa, total_col, path=where, rows=lrows, minimum=0, integer=True)
    counts = {
        col: numeric_column_rows(lsoa, col, path=where, rows=lrows, minimum=0, integer=True) for col, _, _ in ages
    }
    age_sum = sum(counts.values())
    mismatch = (age_sum != total).to_numpy()
    if mismatch.any():
        pos = int(np.flatnonzero(mismatch)[0])
        raise InputError(
            f"the total {total.iloc[pos]:.0f} is not the sum of the ages ({age_sum.iloc[pos]:.0f})"
            + (f"; {int(mismatch.sum())} rows in all have this problem" if mismatch.sum() > 1 else ""),
            path=where,
            row=int(lrows[pos]),
            column=total_col,
            hint="check the row against the published table: the counts by age must add up to the total",
        )

    out_cols: dict[str, object] = {
        "lsoa_code": codes.to_numpy(),
        "lsoa_name": lsoa_names.to_numpy(),
        "all_ages": total.to_numpy().astype("int64"),
    }
    for col, age, is_open in ages:
        out_cols[f"age_{age}_plus" if is_open else f"age_{age}"] = counts[col].to_numpy().astype("int64")
    out = pd.DataFrame(out_cols)
    table_code = _SAPE_TABLE.search(p.name)
    out.attrs = {
        "excluded": excluded,
        "source": str(path),
        "where": where,
        "mid_year": mid_year,
        "table": table_code.group(0).upper() if table_code else None,
    }
    return out


def _read_sape_table(p: Path) -> tuple[pd.DataFrame, str, int, int | None]:
    """The table of a SAPE CSV file or workbook, what to call it in messages, its first row's number and the
    mid-year it names (see :func:`read_sape_syoa`)."""
    if is_workbook(p):
        table = read_workbook_table(
            p,
            what=SAPE_WHAT,
            is_header=_is_sape_header,
            header_needs=f"an LSOA code column ({SAPE_CODE_COLUMNS[1]!r}) and {SAPE_TOTAL_COLUMNS[0]!r}",
            sheet_words=("persons",),
            avoid_words=("male",),
            hint="use the publisher's persons table by single year of age (a sheet such as 'Mid-2020 Persons')",
        )
        return table.frame, table.where, table.header_row + 1, sape_mid_year([table.sheet, *table.titles, p.name])
    return read_csv_table(p, what=SAPE_WHAT), str(p), 2, sape_mid_year([p.name])


def _lsoa_rows(df: pd.DataFrame, name_col: str, *, where: str, rows: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Which rows of a SAPE table are LSOA rows, and the local authority summary rows left out (mid-2017 layout:
    ``Area Names`` filled, the LSOA name empty), counted by reason."""
    names = df[name_col].astype(str).str.strip()
    excluded: dict[str, int] = {}
    area_names_col = find_column(
        df, [SAPE_AREA_NAME_COLUMN], path=where, what=SAPE_WHAT, role="area name", required=False
    )
    if area_names_col is None:
        return np.ones(len(df), dtype=bool), excluded
    area_names = df[area_names_col].astype(str).str.strip()
    neither = (names == "") & (area_names == "")
    if neither.any():
        pos = int(np.flatnonzero(neither.to_numpy())[0])
        raise InputError(
            f"the row has neither an area name ('{area_names_col}') nor an LSOA name ('{name_col}'), "
            "so it is neither a local authority summary row nor an LSOA row",
            path=where,
            row=int(rows[pos]),
            column=name_col,
            hint="fill in the LSOA name, or remove the row",
        )
    keep = (names != "").to_numpy()
    if (~keep).any():
        excluded[LA_ROWS_REASON] = int((~keep).sum())
    return keep, excluded


# --- centroids ----------------------------------------------------------------------------------------------------


def read_population_weighted_centroids(path: str | Path) -> gpd.GeoDataFrame:
    """Read ONS LSOA population-weighted centroids as points in British National Grid.

    ONS publishes these with ``X``/``Y`` in either longitude/latitude (WGS84) or BNG metres; which one is
    decided from the values (every point must be of the same kind). Accepted column names, ignoring case:
    code :data:`CENTROID_CODE_COLUMNS` (``lsoa11cd``, ``LSOA21CD``, ...), name :data:`CENTROID_NAME_COLUMNS`
    (optional; blank names are allowed), coordinates the first pair of :data:`CENTROID_XY_COLUMNS` present
    (``X``/``Y``, ``LONG``/``LAT``, ``longitude``/``latitude``, ``lon``/``lat``, ``easting``/``northing``).

    Parameters
    ----------
    path : str or Path
        The CSV file (a UTF-8 byte-order mark is fine).

    Returns
    -------
    geopandas.GeoDataFrame
        ``lsoa_code``, ``lsoa_name``, ``geometry`` (points, EPSG:27700). ``attrs["coordinates"]`` says whether
        the file held ``"lonlat"`` or ``"bng"`` coordinates.

    Raises
    ------
    InputError
        On a missing column, a coordinate that is not a number or lies outside Great Britain, coordinates that
        mix degrees and metres, or a repeated LSOA code.
    """
    df = read_csv_table(path, what=CENTROIDS_WHAT)
    p = Path(path)
    code_col = find_column(df, CENTROID_CODE_COLUMNS, path=p, what=CENTROIDS_WHAT, role="LSOA code")
    name_col = find_column(df, CENTROID_NAME_COLUMNS, path=p, what=CENTROIDS_WHAT, role="LSOA name", required=False)
    xy: tuple[str, str] | None = None
    for x_name, y_name in CENTROID_XY_COLUMNS:
        x_col = find_column(df, [x_name], path=p, what=CENTROIDS_WHAT, role="x", required=False)
        y_col = find_column(df, [y_name], path=p, what=CENTROIDS_WHAT, role="y", required=False)
        if x_col is not None and y_col is not None:
            xy = (x_col, y_col)
            break
    if xy is None:
        pairs = ", ".join(f"{a}/{b}" for a, b in CENTROID_XY_COLUMNS)
        raise InputError(
            f"the {CENTROIDS_WHAT} has no coordinate columns (accepted pairs: {pairs}); "
            f"columns found: {', '.join(repr(c) for c in df.columns)}",
            path=p,
            column="X",
            hint="rename the coordinate columns to X and Y",
        )
    if df.empty:
        raise InputError(f"the {CENTROIDS_WHAT} has no rows", path=p)
    codes = text_column(df, code_col, path=p)
    names = (
        text_column(df, name_col, path=p, allow_blank=True) if name_col is not None else pd.Series("", index=df.index)
    )
    check_unique_key(df, [code_col], path=p, what="LSOA code")
    x = numeric_column(df, xy[0], path=p).to_numpy()
    y = numeric_column(df, xy[1], path=p).to_numpy()

    degrees = (np.abs(x) <= 180) & (np.abs(y) <= 90)
    if degrees.all():
        kind, crs = "lonlat", CRS_LONLAT
    elif not degrees.any():
        kind, crs = "bng", CRS_BNG
    else:
        odd = degrees if degrees.sum() < (~degrees).sum() else ~degrees
        pos = int(np.flatnonzero(odd)[0])
        looks = "longitude/latitude" if degrees[pos] else "metres (British National Grid)"
        raise InputError(
            f"the coordinates mix longitude/latitude and British National Grid metres: this row looks like {looks} "
            "unlike most rows",
            path=p,
            row=2 + pos,
            column=f"{xy[0]}/{xy[1]}",
            hint="give every point in the same coordinate system",
        )
    check_coordinates_in_gb(x, y, crs=kind, path=p, columns=xy)
    gdf = gpd.GeoDataFrame(
        {"lsoa_code": codes.to_numpy(), "lsoa_name": names.to_numpy()},
        geometry=gpd.points_from_xy(x, y),
        crs=crs,
    )
    if crs != CRS_BNG:
        gdf = gdf.to_crs(CRS_BNG)
    gdf.attrs = {"excluded": {}, "source": str(path), "coordinates": kind}
    return gdf


# --- Census 2021 --------------------------------------------------------------------------------------------------


def read_census2021_lsoa(path: str | Path) -> pd.DataFrame:
    """Read Census 2021 usual residents per LSOA 2021.

    The Nomis export has ``2021 super output area - lower layer, LSOA21CD, Population``; also accepted (ignoring
    case): code :data:`CENSUS_CODE_COLUMNS`, name :data:`CENSUS_NAME_COLUMNS`, count
    :data:`CENSUS_POPULATION_COLUMNS`.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        ``lsoa21_code``, ``lsoa21_name``, ``population`` (integer).

    Raises
    ------
    InputError
        On a missing column, a blank code, a population that is not a whole number of zero or more, or a
        repeated LSOA code.
    """
    df = read_csv_table(path, what=CENSUS_WHAT)
    p = Path(path)
    code_col = find_column(df, CENSUS_CODE_COLUMNS, path=p, what=CENSUS_WHAT, role="LSOA 2021 code")
    name_col = find_column(df, CENSUS_NAME_COLUMNS, path=p, what=CENSUS_WHAT, role="LSOA 2021 name")
    pop_col = find_column(df, CENSUS_POPULATION_COLUMNS, path=p, what=CENSUS_WHAT, role="population")
    codes = text_column(df, code_col, path=p)
    names = text_column(df, name_col, path=p, allow_blank=True)
    check_unique_key(df, [code_col], path=p, what="LSOA 2021 code")
    pop = numeric_column(df, pop_col, path=p, minimum=0, integer=True)
    out = pd.DataFrame(
        {
            "lsoa21_code": codes.to_numpy(),
            "lsoa21_name": names.to_numpy(),
            "population": pop.to_numpy().astype("int64"),
        }
    )
    out.attrs = {"excluded": {}, "source": str(path)}
    return out
