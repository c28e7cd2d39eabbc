"""The site register's facts of availability, tenure, condition and utilisation, read and checked.

These optional columns say when a site can be used and how sound it is (see the table in
:mod:`hubopt.io.sites`):

======================= =====================================================================================
column                  meaning
======================= =====================================================================================
available_from          first year the site can be used (a whole year, e.g. ``2027`` for a committed build)
available_until         last year the site can be used (a whole year: the year its lease ends)
availability_source     where the years (or the plan's words on availability) come from
tenure                  how the NHS holds the site: ``owned``, ``leased``, ``PFI``, ``LIFT`` or other text
tenure_source           where the tenure comes from
condition               the site's physical condition: ERIC-style ``A`` (as new) to ``D`` (unacceptable) or text
condition_source        where the condition comes from
site_utilisation_pct    share of the (wider) site in use today, per cent (0-100)
utilisation_source      where the utilisation comes from
======================= =====================================================================================

Years must be whole numbers from :data:`MIN_YEAR` to :data:`MAX_YEAR`, with ``available_from`` at most
``available_until``; :func:`check_lease_ends` refuses a lease end before the study's base year. Blank values are
missing: a site with no years is available in every year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._numbers import numeric_column

__all__ = [
    "AVAILABILITY_COLUMNS",
    "MAX_YEAR",
    "MIN_YEAR",
    "POOR_CONDITIONS",
    "availability_facts",
    "check_lease_ends",
]

#: The register's availability, tenure, condition and utilisation columns, in the order they are written.
AVAILABILITY_COLUMNS = (
    "available_from",
    "available_until",
    "availability_source",
    "tenure",
    "tenure_source",
    "condition",
    "condition_source",
    "site_utilisation_pct",
    "utilisation_source",
)
#: Year columns (whole years, ``Int64``).
YEAR_COLUMNS = ("available_from", "available_until")
#: Earliest and latest year a register may give.
MIN_YEAR, MAX_YEAR = 1900, 2100
#: ERIC-style condition categories counted as poor by default (C: needs investment; D: unacceptable).
POOR_CONDITIONS = ("C", "D")
_TEXT = tuple(c for c in AVAILABILITY_COLUMNS if c not in (*YEAR_COLUMNS, "site_utilisation_pct"))


def availability_facts(df: pd.DataFrame, path: Path) -> dict[str, pd.Series]:
    """The availability columns of a register table, checked (absent columns as NA).

    Parameters
    ----------
    df : pandas.DataFrame
        The register as text, columns already in their schema spelling, rows numbered from file line 2.
    path : Path
        The file, for messages.

    Returns
    -------
    dict of str to pandas.Series
        ``available_from``/``available_until`` as ``Int64``, ``site_utilisation_pct`` as float, the rest text.

    Raises
    ------
    InputError
        Naming the file, row and column: a year that is not a whole number from 1900 to 2100; ``available_from``
        after ``available_until``; a utilisation outside 0-100 %.
    """
    n = len(df)
    out: dict[str, pd.Series] = {}
    for col in YEAR_COLUMNS:
        if col not in df.columns:
            out[col] = pd.Series(pd.NA, index=range(n), dtype="Int64")
            continue
        values = numeric_column(df, col, path=path, allow_blank=True, integer=True)
        bad = (values.notna() & ((values < MIN_YEAR) | (values > MAX_YEAR))).to_numpy(dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{values.iloc[i]:g} is not a plausible year",
                path=path,
                row=i + 2,
                column=col,
                hint=f"give a four-digit year from {MIN_YEAR} to {MAX_YEAR} (e.g. 2031), or leave it blank",
            )
        out[col] = values.reset_index(drop=True).astype("Int64")
    order = (out["available_from"] > out["available_until"]).fillna(False).to_numpy(dtype=bool)
    if order.any():
        i = int(np.flatnonzero(order)[0])
        raise InputError(
            f"available_from ({out['available_from'].iloc[i]}) is after available_until "
            f"({out['available_until'].iloc[i]})",
            path=path,
            row=i + 2,
            column="available_until",
            hint="available_from is the first year the site can be used and available_until the last: swap them "
            "or correct one",
        )
    if "site_utilisation_pct" in df.columns:
        pct = numeric_column(df, "site_utilisation_pct", path=path, allow_blank=True, minimum=0)
        over = (pct > 100).fillna(False).to_numpy(dtype=bool)
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise InputError(
                f"a utilisation of {pct.iloc[i]:g} % is above 100 %",
                path=path,
                row=i + 2,
                column="site_utilisation_pct",
                hint="give the share of the site in use as a per cent from 0 to 100 (34 for 34 %)",
            )
        out["site_utilisation_pct"] = pct.reset_index(drop=True).astype("float64")
    else:
        out["site_utilisation_pct"] = pd.Series(np.nan, index=range(n), dtype="float64")
    for col in _TEXT:
        if col in df.columns:
            text = df[col].astype("str").str.strip()
            out[col] = text.where(text != "").reset_index(drop=True)
        else:
            out[col] = pd.Series(np.nan, index=range(n), dtype="str")
    return {col: out[col] for col in AVAILABILITY_COLUMNS}


def check_lease_ends(sites: pd.DataFrame, base_year: int, *, path: str | Path | None) -> None:
    """Refuse a site whose ``available_until`` is before the study's base year (rows are file lines).

    Parameters
    ----------
    sites : pandas.DataFrame
        A register as read by :func:`hubopt.io.sites.read_site_register` (rows in file order).
    base_year : int
        The study's base year.
    path : str or Path, optional
        The register file, for the message.

    Raises
    ------
    InputError
        Naming the file, the row, the site and the column ``available_until``.
    """
    if "available_until" not in sites.columns:
        return
    until = pd.to_numeric(sites["available_until"], errors="coerce").to_numpy(dtype=float)
    before = np.flatnonzero(until < base_year)
    if before.size:
        i = int(before[0])
        raise InputError(
            f"site {sites['site_id'].iloc[i]} ({sites['name'].iloc[i]}) can be used only until "
            f"{int(until[i])}, before the study's base year {base_year}"
            + (f" ({before.size} sites in all)" if before.size > 1 else ""),
            path=path,
            row=i + 2,
            column="available_until",
            hint="a site whose lease ended before the base year is not part of the estate: give it status "
            "unavailable (or remove it), or correct the year",
        )
