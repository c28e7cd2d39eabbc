"""Numeric columns of a table read from a file, parsed value by value.

Each check fails with an :class:`~hubopt.errors.InputError` that names the file, the row and the column and says
what to do. Row numbers are file line numbers: with a header, the first data row is row 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote


def numeric_column(
    df: pd.DataFrame,
    column: str,
    *,
    path: str | Path,
    first_row: int = 2,
    allow_blank: bool = False,
    minimum: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """Parse a text column as numbers, failing on the first value that is not one.

    Parameters
    ----------
    df : pandas.DataFrame
        Table read by :func:`read_csv_table` (positional index 0..n-1 is assumed to map to file rows).
    column : str
        The column to parse.
    path : str or Path
        The file, for messages.
    first_row : int
        File line number of ``df``'s first row (2 with a header, 1 without).
    allow_blank : bool
        Whether blanks are allowed (they become NaN).
    minimum : float, optional
        Smallest allowed value.
    integer : bool
        Whether the values must be whole numbers.

    Returns
    -------
    pandas.Series of float
    """
    raw = df[column]
    text = raw.astype(str).str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    blank = text == ""
    bad = values.isna() & ~blank
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{quote(raw.iloc[pos])} is not a number",
            path=path,
            row=first_row + pos,
            column=column,
            hint="correct the value (numbers only, no text or units)"
            + (f"; {int(bad.sum())} rows in all have this problem" if bad.sum() > 1 else ""),
        )
    if blank.any() and not allow_blank:
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        raise InputError(
            "the value is missing",
            path=path,
            row=first_row + pos,
            column=column,
            hint="fill in the value" + (f"; {int(blank.sum())} rows in all are blank" if blank.sum() > 1 else ""),
        )
    vals = values.astype(float)
    if not np.isfinite(vals.fillna(0.0)).all():
        pos = int(np.flatnonzero(~np.isfinite(vals.fillna(0.0).to_numpy()))[0])
        raise InputError("the value is not a finite number", path=path, row=first_row + pos, column=column)
    if minimum is not None:
        low = vals < minimum
        if low.any():
            pos = int(np.flatnonzero(low.to_numpy())[0])
            raise InputError(
                f"{quote(raw.iloc[pos])} is below the smallest allowed value {minimum:g}",
                path=path,
                row=first_row + pos,
                column=column,
                hint="correct the value",
            )
    if integer:
        frac = vals.notna() & (vals != np.round(vals))
        if frac.any():
            pos = int(np.flatnonzero(frac.to_numpy())[0])
            raise InputError(
                f"{quote(raw.iloc[pos])} is not a whole number", path=path, row=first_row + pos, column=column
            )
    return vals


def numeric_column_rows(
    df: pd.DataFrame,
    column: str,
    *,
    path: str | Path,
    rows: Sequence[int],
    allow_blank: bool = False,
    minimum: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """:func:`numeric_column` for a table whose rows are not consecutive file lines (e.g. after filtering).

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    column : str
        The column to parse.
    path : str or Path
        The file, for messages.
    rows : sequence of int
        File line number of each row of ``df``.
    allow_blank, minimum, integer
        As for :func:`numeric_column`.

    Returns
    -------
    pandas.Series of float, with ``df``'s index
    """
    try:
        values = numeric_column(
            df.reset_index(drop=True),
            column,
            path=path,
            first_row=0,
            allow_blank=allow_blank,
            minimum=minimum,
            integer=integer,
        )
    except InputError as exc:
        row = rows[exc.row] if exc.row is not None else None
        raise InputError(exc.problem, path=exc.path, row=row, column=exc.column, hint=exc.hint) from None
    return values.set_axis(df.index)
