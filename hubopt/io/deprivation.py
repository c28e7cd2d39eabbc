"""Deprivation: the English Indices of Deprivation 2019, File 1 (IMD rank and decile per LSOA 2011).

All loaders return new frames; ``df.attrs["excluded"]`` counts rows left out on purpose (none here) and
``df.attrs["source"]`` holds the path that was read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, find_column, text_column
from hubopt.io._csv import read_csv_table
from hubopt.io._files import require_file
from hubopt.io._numbers import numeric_column

__all__ = ["IMD2019_LSOAS", "IMD2019_SHEET", "read_imd2019"]

IMD_WHAT = "English Indices of Deprivation 2019 File 1 (IMD)"
#: Sheet of the published workbook that holds the data.
IMD2019_SHEET = "IMD2019"
#: Number of LSOAs (2011) in England, ranked by IMD 2019.
IMD2019_LSOAS = 32_844

#: Accepted column names (matched ignoring case, spaces and punctuation): File 1 names first, then File 7 names.
IMD_COLUMNS = {
    "lsoa_code": ("LSOA code (2011)", "LSOA11CD"),
    "lsoa_name": ("LSOA name (2011)", "LSOA11NM"),
    "lad_code": ("Local Authority District code (2019)", "LAD19CD"),
    "lad_name": ("Local Authority District name (2019)", "LAD19NM"),
    "imd_rank": (
        "Index of Multiple Deprivation (IMD) Rank",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    ),
    "imd_decile": (
        "Index of Multiple Deprivation (IMD) Decile",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    ),
}
_ROLES = {
    "lsoa_code": "LSOA code",
    "lsoa_name": "LSOA name",
    "lad_code": "local authority district code",
    "lad_name": "local authority district name",
    "imd_rank": "IMD rank",
    "imd_decile": "IMD decile",
}


def _read_workbook(p: Path) -> tuple[pd.DataFrame, str]:
    """Read sheet ``IMD2019`` of the published workbook as text; returns the table and a label for messages."""
    try:
        sheets = pd.ExcelFile(p, engine="openpyxl")
    except Exception as exc:  # any failure to open the workbook becomes a user message
        raise InputError(
            f"the {IMD_WHAT} could not be opened as an Excel workbook: {exc}",
            path=p,
            hint="check that the download finished, or export the IMD2019 sheet to CSV",
        ) from None
    with sheets:
        if IMD2019_SHEET not in sheets.sheet_names:
            raise InputError(
                f"the workbook has no sheet {IMD2019_SHEET!r} (sheets found: "
                f"{', '.join(repr(s) for s in sheets.sheet_names)})",
                path=p,
                hint="use File 1 of the English Indices of Deprivation 2019 (File_1_-_IMD2019_Index_of_Multiple_"
                "Deprivation.xlsx)",
            )
        df = pd.read_excel(sheets, sheet_name=IMD2019_SHEET, dtype=str, keep_default_na=False, na_filter=False)
    df.columns = [str(c).strip() for c in df.columns]
    return df, f"{p} [sheet {IMD2019_SHEET}]"


def read_imd2019(path: str | Path) -> pd.DataFrame:
    """Read the English Indices of Deprivation 2019, File 1: IMD rank and decile per LSOA (2011).

    Either the published workbook (``.xlsx``, sheet ``IMD2019``, all 32,844 LSOAs in England) or a CSV export of
    that sheet (any subset of rows) is accepted; which one is decided from the file's first bytes, not its name.
    Column names are those of File 1 (File 7's longer rank/decile names are accepted too), matched ignoring case.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` workbook or the CSV file.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``lsoa_name``, ``lad_code``, ``lad_name``, ``imd_rank`` (int, 1 = most deprived of
        32,844), ``imd_decile`` (int, 1 = most deprived tenth, to 10). ``attrs["columns"]`` holds the file's
        own column names (they say its LSOA geography).

    Raises
    ------
    InputError
        On a missing column, a blank code, a rank outside 1..32,844 or a decile outside 1..10 (or one that does
        not match the rank), or a repeated LSOA code (the message names the row and column).

    Notes
    -----
    IMD ranks are not all distinct: 26 pairs of LSOAs share a rank in the published file (tied scores).
    """
    p = require_file(path, IMD_WHAT)
    with p.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        df, where = _read_workbook(p)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"the {IMD_WHAT} is an old-style .xls workbook, which hubopt does not read",
            path=p,
            hint="open it in a spreadsheet program and save it as .xlsx, or export the IMD2019 sheet to CSV",
        )
    else:
        df, where = read_csv_table(p, what=IMD_WHAT), str(p)

    cols = {
        key: find_column(df, names, path=where, what=IMD_WHAT, role=_ROLES[key]) for key, names in IMD_COLUMNS.items()
    }
    if df.empty:
        raise InputError(f"the {IMD_WHAT} has no rows", path=where)
    codes = text_column(df, cols["lsoa_code"], path=where)
    check_unique_key(df, [cols["lsoa_code"]], path=where, what="LSOA code")
    rank = numeric_column(df, cols["imd_rank"], path=where, minimum=1, integer=True)
    decile = numeric_column(df, cols["imd_decile"], path=where, minimum=1, integer=True)
    for values, key, top in ((rank, "imd_rank", IMD2019_LSOAS), (decile, "imd_decile", 10)):
        high = (values > top).to_numpy()
        if high.any():
            pos = int(np.flatnonzero(high)[0])
            raise InputError(
                f"{df[cols[key]].iloc[pos]!r} is above {top:,}, the largest possible {_ROLES[key]}",
                path=where,
                row=2 + pos,
                column=cols[key],
                hint=f"IMD 2019 ranks run from 1 (most deprived) to {IMD2019_LSOAS:,} and deciles from 1 to 10; "
                "check that this is the IMD 2019 file and that the columns are not swapped",
            )
    rank_i = rank.to_numpy().astype("int64")
    decile_i = decile.to_numpy().astype("int64")
    # Deciles are the rank's tenth of England: decile = ceil(10 * rank / 32,844).
    expected = (rank_i * 10 + IMD2019_LSOAS - 1) // IMD2019_LSOAS
    wrong = decile_i != expected
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        raise InputError(
            f"decile {decile_i[pos]} does not match rank {rank_i[pos]} (that rank is in decile {expected[pos]})",
            path=where,
            row=2 + pos,
            column=cols["imd_decile"],
            hint="check that the rank and decile columns come from the same index and are not swapped",
        )
    out = pd.DataFrame(
        {
            "lsoa_code": codes.to_numpy(),
            "lsoa_name": text_column(df, cols["lsoa_name"], path=where, allow_blank=True).to_numpy(),
            "lad_code": text_column(df, cols["lad_code"], path=where).to_numpy(),
            "lad_name": text_column(df, cols["lad_name"], path=where, allow_blank=True).to_numpy(),
            "imd_rank": rank_i,
            "imd_decile": decile_i,
        }
    )
    out.attrs = {"excluded": {}, "source": str(path), "columns": [str(c) for c in df.columns]}
    return out
