"""Reading OS Code-Point Open postcode files (CSV without a header, eastings and northings in British National Grid).

Postcodes listed without a grid reference (positional quality 90, or 0/0 coordinates) are flagged for
:class:`~hubopt.io.postcodes.PostcodeLookup` to count as excluded.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.io._coords import GB_BNG_BOUNDS
from hubopt.io._csv import check_field_count, read_csv_table
from hubopt.io._files import list_source_files
from hubopt.io._postcode_common import (
    coordinate_numbers,
    describe_sources,
    outside_bounds,
    postcode_keys,
)

__all__ = ["CODEPOINT_COLUMNS", "read_codepoint"]


#: Column names of OS Code-Point Open CSV files (they have no header line).
CODEPOINT_COLUMNS = ("PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC")


def read_codepoint(
    path: str | Path | Iterable[str | Path],
) -> tuple[pd.DataFrame, pd.Series, list[str], str, str]:
    """Read OS Code-Point Open CSV files (eastings and northings already in British National Grid), for
    :meth:`PostcodeLookup.from_codepoint <hubopt.io.postcodes.PostcodeLookup.from_codepoint>`.

    Parameters
    ----------
    path : str, Path or iterable of them
        A Code-Point Open CSV file, the folder of them (``Data/CSV``) or a list. The files have no header and
        the columns ``PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC``; a header line starting ``PC`` or ``Postcode`` is
        accepted too. The column-names file (``Code-Point_Open_Column_Headers.csv``) is skipped.

    Returns
    -------
    table : pandas.DataFrame
        Columns key, easting, northing, no_grid, file (position in ``files``) and row.
    outside : pandas.Series of bool
        Rows with a grid reference outside Great Britain.
    files : list of str
        The files read.
    source : str
        A description of the source, for messages.
    what : str
        What the files should hold, for messages.
    """
    what = "OS Code-Point Open postcode file"
    files = list_source_files(path, what=what, suffixes=(".csv",))
    # Code-Point Open ships its column names as a separate small CSV: not a data file.
    files = [f for f in files if not f.name.lower().endswith("column_headers.csv")] or files
    parts = []
    for i, f in enumerate(files):
        with f.open("rb") as fh:
            first = fh.readline().decode("utf-8-sig", errors="replace").strip().strip('"').lower()
        has_header = first.startswith(("pc,", 'pc",', "postcode"))
        check_field_count(
            f,
            what=what,
            expected=len(CODEPOINT_COLUMNS),
            hint="give the CSV files of Code-Point Open's Data/CSV folder (columns PC,PQ,EA,NO,...)",
        )
        df = read_csv_table(f, what=what, header=has_header, names=None if has_header else CODEPOINT_COLUMNS)
        df.columns = list(CODEPOINT_COLUMNS)
        first_row = 2 if has_header else 1
        e = coordinate_numbers(df["EA"], path=f, column="EA", first_row=first_row)
        n = coordinate_numbers(df["NO"], path=f, column="NO", first_row=first_row)
        pq = df["PQ"].str.strip()
        no_grid = (pq == "90") | e.isna() | n.isna() | ((e == 0) & (n == 0))
        parts.append(
            pd.DataFrame(
                {
                    "key": postcode_keys(df["PC"]),
                    "easting": e.to_numpy(),
                    "northing": n.to_numpy(),
                    "no_grid": no_grid.to_numpy(),
                    "file": i,
                    "row": np.arange(first_row, len(df) + first_row),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    outside = outside_bounds(table["easting"], table["northing"], GB_BNG_BOUNDS) & ~table["no_grid"]
    return table, outside, [str(f) for f in files], describe_sources(files, "Code-Point Open"), what
