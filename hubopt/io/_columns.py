"""Columns of a table read from a file: finding them by name, text values, unique identifiers.

Each check fails with an :class:`~hubopt.errors.InputError` that names the file, the row and the column and says
what to do. Row numbers are file line numbers: with a header, the first data row is row 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, overload

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote


def require_columns(
    df: pd.DataFrame,
    required: Iterable[str],
    *,
    path: str | Path,
    what: str,
    hint: str | None = None,
) -> None:
    """Fail if any of ``required`` is not a column of ``df``, naming the missing ones and the columns present."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        present = ", ".join(repr(c) for c in df.columns[:30])
        close = _close_matches(missing, df.columns)
        raise InputError(
            f"the {what} has no column {', '.join(repr(m) for m in missing)}{close}; columns found: {present}",
            path=path,
            column=missing[0],
            hint=hint or "rename the column or check that this is the right file",
        )


def _close_matches(missing: Sequence[str], columns: Iterable[str]) -> str:
    found = []
    cols = [str(c) for c in columns]
    for m in missing:
        match = difflib.get_close_matches(m, cols, n=1, cutoff=0.6)
        if not match:
            lowered = {c.lower().replace(" ", "_"): c for c in cols}
            key = m.lower().replace(" ", "_")
            if key in lowered:
                match = [lowered[key]]
        if match:
            found.append(f"{quote(m)} (did you mean {quote(match[0])}?)")
    return f" [{'; '.join(found)}]" if found else ""


def _normalise_name(name: object) -> str:
    """Column name reduced to lower-case letters and digits, for tolerant matching."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


@overload
def find_column(
    df: pd.DataFrame,
    candidates: Sequence[str],
    *,
    path: str | Path,
    what: str,
    role: str,
    required: Literal[True] = ...,
) -> str: ...


@overload
def find_column(
    df: pd.DataFrame, candidates: Sequence[str], *, path: str | Path, what: str, role: str, required: bool
) -> str | None: ...


def find_column(
    df: pd.DataFrame,
    candidates: Sequence[str],
    *,
    path: str | Path,
    what: str,
    role: str,
    required: bool = True,
) -> str | None:
    """Return the column of ``df`` that matches one of ``candidates``, ignoring case, spaces and punctuation.

    Candidates are tried in order, so list the preferred name first.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    candidates : sequence of str
        Accepted names for the column (e.g. ``["LSOA11CD", "LSOA21CD", "LSOA code"]``).
    path : str or Path
        The file, for messages.
    what : str
        What the file should hold, for messages.
    role : str
        What the column holds, for messages (e.g. "LSOA code").
    required : bool
        Whether to fail when no candidate is present (otherwise return None).

    Returns
    -------
    str or None
        The column's name as it appears in ``df``.
    """
    by_key: dict[str, str] = {}
    for col in df.columns:
        by_key.setdefault(_normalise_name(col), str(col))
    for cand in candidates:
        found = by_key.get(_normalise_name(cand))
        if found is not None:
            return found
    if not required:
        return None
    accepted = ", ".join(repr(c) for c in candidates)
    present = ", ".join(repr(str(c)) for c in df.columns[:30])
    raise InputError(
        f"the {what} has no {role} column (accepted names: {accepted}); columns found: {present}",
        path=path,
        column=candidates[0],
        hint="rename the column to one of the accepted names, or check that this is the right file",
    )


def text_column(
    df: pd.DataFrame,
    column: str,
    *,
    path: str | Path,
    rows: Sequence[int] | None = None,
    first_row: int = 2,
    allow_blank: bool = False,
) -> pd.Series:
    """Return a text column with surrounding spaces removed, failing on the first blank value.

    Parameters
    ----------
    df : pandas.DataFrame
        Table read by :func:`read_csv_table`.
    column : str
        The column.
    path : str or Path
        The file, for messages.
    rows : sequence of int, optional
        File line number of each row of ``df`` (overrides ``first_row``; use it after rows were filtered out).
    first_row : int
        File line number of ``df``'s first row.
    allow_blank : bool
        Whether blank values are allowed (they stay empty strings).

    Returns
    -------
    pandas.Series of str
    """
    text = df[column].astype(str).str.strip()
    if not allow_blank:
        blank = (text == "").to_numpy()
        if blank.any():
            pos = int(np.flatnonzero(blank)[0])
            raise InputError(
                "the value is missing",
                path=path,
                row=rows[pos] if rows is not None else first_row + pos,
                column=column,
                hint="fill in the value" + (f"; {int(blank.sum())} rows in all are blank" if blank.sum() > 1 else ""),
            )
    return text


def check_unique(
    df: pd.DataFrame, column: str, *, path: str | Path, first_row: int = 2, what: str = "identifier"
) -> None:
    """Fail on the first duplicated value in ``column``, naming both rows."""
    values = df[column].astype(str).str.strip()
    dup = values.duplicated(keep="first")
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        value = values.iloc[pos]
        first = int(np.flatnonzero((values == value).to_numpy())[0])
        raise InputError(
            f"duplicate {what} {quote(value)} (also on row {first_row + first})",
            path=path,
            row=first_row + pos,
            column=column,
            hint=f"give every row its own {what}, or remove the repeated row",
        )


def check_unique_key(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    path: str | Path,
    rows: Sequence[int] | None = None,
    first_row: int = 2,
    what: str = "identifier",
) -> None:
    """Fail on the first row whose values in ``columns`` repeat an earlier row's, naming both rows.

    Like :func:`check_unique`, but for keys of one or more columns and for filtered tables (``rows``).

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    columns : sequence of str
        The columns that together identify a row.
    path : str or Path
        The file, for messages.
    rows : sequence of int, optional
        File line number of each row of ``df`` (overrides ``first_row``).
    first_row : int
        File line number of ``df``'s first row.
    what : str
        What the key identifies, for messages.
    """
    cols = list(columns)
    keys = df[cols].astype(str).apply(lambda s: s.str.strip())
    dup = keys.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    pos = int(np.flatnonzero(dup)[0])
    value = tuple(keys.iloc[pos])
    first = int(np.flatnonzero((keys == keys.iloc[pos]).all(axis=1).to_numpy())[0])

    def line(p: int) -> int:
        return rows[p] if rows is not None else first_row + p

    shown = repr(value[0]) if len(value) == 1 else "(" + ", ".join(repr(v) for v in value) + ")"
    raise InputError(
        f"duplicate {what} {shown} (also on row {line(first)})",
        path=path,
        row=line(pos),
        column=cols[0] if len(cols) == 1 else "/".join(cols),
        hint=f"give every row its own {what}, or remove the repeated row",
    )
