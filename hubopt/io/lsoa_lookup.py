"""LSOA 2011 and LSOA 2021: tell them apart and convert between them.

LSOA 2011 and LSOA 2021 are different geographies that share most codes (``E01...``): a code alone does not say
which one a table uses, so the vintage is decided from column names (:func:`lsoa_vintage`). Tables of different
vintages must not be joined (:func:`require_same_vintage`); a table keyed by LSOA 2021 is converted to LSOA 2011
with the ONS "LSOA (2011) to LSOA (2021)" lookup (:func:`read_lsoa_lookup`, :func:`to_lsoa2011`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, find_column, text_column
from hubopt.io._csv import read_csv_table
from hubopt.io._files import require_file

__all__ = ["CHANGE_INDICATORS", "lsoa_vintage", "read_lsoa_lookup", "require_same_vintage", "to_lsoa2011"]

LOOKUP_WHAT = "LSOA (2011) to LSOA (2021) lookup"
#: ONS change indicators (column CHGIND).
CHANGE_INDICATORS = {
    "U": "unchanged",
    "S": "split (one 2011 LSOA became several 2021 LSOAs)",
    "M": "merged (several 2011 LSOAs became one 2021 LSOA)",
    "X": "irregular (redrawn: not a simple split or merge)",
}
_COLUMNS = {
    "lsoa11cd": ("LSOA11CD", "LSOA code (2011)"),
    "lsoa11nm": ("LSOA11NM", "LSOA name (2011)"),
    "lsoa21cd": ("LSOA21CD", "LSOA code (2021)"),
    "lsoa21nm": ("LSOA21NM", "LSOA name (2021)"),
    "chgind": ("CHGIND",),
}
_ROLES = {
    "lsoa11cd": "LSOA 2011 code",
    "lsoa11nm": "LSOA 2011 name",
    "lsoa21cd": "LSOA 2021 code",
    "lsoa21nm": "LSOA 2021 name",
    "chgind": "change indicator",
}
_SEE = "give a lookup file (see hubopt.io.lsoa_lookup) to convert"

Vintage = Literal["2011", "2021", "unknown"]


def _shown(codes: Sequence[str], limit: int = 20) -> str:
    text = ", ".join(codes[:limit])
    return text + (f" and {len(codes) - limit} more" if len(codes) > limit else "")


def lsoa_vintage(columns: Iterable[object]) -> Vintage:
    """Which LSOA geography a table uses, from its column names.

    An ``E01`` code does not say whether it is an LSOA 2011 or LSOA 2021 code (most codes are in both), so the
    answer comes from names such as ``LSOA11CD``, ``lsoa11nm``, ``LSOA code (2011)`` (2011) or ``LSOA21CD``,
    ``LSOA 2021 Code`` (2021).

    Parameters
    ----------
    columns : iterable
        The table's column names.

    Returns
    -------
    {"2011", "2021", "unknown"}
        ``"unknown"`` when no column names a vintage, or when columns name both (e.g. a lookup).
    """
    found: set[str] = set()
    for col in columns:
        name = re.sub(r"[^a-z0-9]", "", str(col).lower())
        if not name.startswith("lsoa"):
            continue
        if "2011" in name or name.startswith("lsoa11"):
            found.add("2011")
        elif "2021" in name or name.startswith("lsoa21"):
            found.add("2021")
    if len(found) == 1:
        return "2011" if "2011" in found else "2021"
    return "unknown"


def require_same_vintage(label_a: str, vintage_a: str, label_b: str, vintage_b: str) -> None:
    """Fail when two tables use different LSOA geographies.

    Parameters
    ----------
    label_a, label_b : str
        What the tables are, for the message (e.g. "population (Census 2021)").
    vintage_a, vintage_b : str
        Their vintages, from :func:`lsoa_vintage`. ``"unknown"`` matches anything.

    Raises
    ------
    InputError
        When both vintages are known and differ.
    """
    if "unknown" in (vintage_a, vintage_b) or vintage_a == vintage_b:
        return
    raise InputError(
        f"LSOA 2011 and LSOA 2021 are different geographies: {label_a} uses LSOA {vintage_a} and {label_b} "
        f"uses LSOA {vintage_b}; {_SEE}",
        hint="convert the LSOA 2021 table with hubopt.io.lsoa_lookup.to_lsoa2011 and the ONS 'LSOA (2011) to "
        "LSOA (2021)' lookup",
    )


def read_lsoa_lookup(path: str | Path) -> pd.DataFrame:
    """Read the ONS "LSOA (2011) to LSOA (2021) to Local Authority District" lookup CSV.

    Column names are matched ignoring case, spaces and punctuation; other columns (e.g. ``LAD22CD``) are ignored.

    Parameters
    ----------
    path : str or Path
        The lookup CSV (columns ``LSOA11CD``, ``LSOA21CD``, ``CHGIND``, and optionally ``LSOA11NM``,
        ``LSOA21NM``).

    Returns
    -------
    pandas.DataFrame
        ``lsoa11cd``, ``lsoa11nm``, ``lsoa21cd``, ``lsoa21nm`` (empty when absent), ``chgind`` (``U``, ``S``,
        ``M`` or ``X``), one row per (2011, 2021) pair, in file order.

    Raises
    ------
    InputError
        On a missing column, a blank code, a change indicator other than U/S/M/X or a repeated pair of codes
        (naming the file, row and column).
    """
    p = require_file(path, LOOKUP_WHAT)
    df = read_csv_table(p, what=LOOKUP_WHAT)
    cols = {
        key: find_column(df, names, path=p, what=LOOKUP_WHAT, role=_ROLES[key], required=not key.endswith("nm"))
        for key, names in _COLUMNS.items()
    }
    if df.empty:
        raise InputError(f"the {LOOKUP_WHAT} has no rows", path=p)
    c11, c21, cchg = cols["lsoa11cd"], cols["lsoa21cd"], cols["chgind"]
    assert c11 is not None and c21 is not None and cchg is not None
    code11 = text_column(df, c11, path=p).str.upper()
    code21 = text_column(df, c21, path=p).str.upper()
    chg = text_column(df, cchg, path=p).str.upper()
    bad = (~chg.isin(list(CHANGE_INDICATORS))).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{df[cchg].iloc[pos]!r} is not a change indicator",
            path=p,
            row=2 + pos,
            column=cchg,
            hint="CHGIND is one of " + ", ".join(f"{k} ({v})" for k, v in CHANGE_INDICATORS.items()),
        )
    check_unique_key(
        pd.DataFrame({c11: code11, c21: code21}), [c11, c21], path=p, what="pair of LSOA 2011 and 2021 codes"
    )

    def names(key: str) -> np.ndarray:
        col = cols[key]
        if col is None:
            return np.full(len(df), "", dtype=object)
        return text_column(df, col, path=p, allow_blank=True).to_numpy()

    out = pd.DataFrame(
        {
            "lsoa11cd": code11.to_numpy(),
            "lsoa11nm": names("lsoa11nm"),
            "lsoa21cd": code21.to_numpy(),
            "lsoa21nm": names("lsoa21nm"),
            "chgind": chg.to_numpy(),
        }
    )
    out.attrs = {"excluded": {}, "source": str(path)}
    return out


def to_lsoa2011(
    table: pd.DataFrame,
    code_column: str,
    value_columns: Sequence[str],
    lookup: pd.DataFrame,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
    allow_irregular: bool = False,
) -> pd.DataFrame:
    """Convert counts keyed by LSOA 2021 code to LSOA 2011 codes, keeping the totals.

    Each 2021 value is shared among the lookup rows of its 2021 code: U (unchanged) passes through; M (several
    2011 LSOAs merged into one 2021 LSOA) is split among the 2011 parts, equally or in proportion to
    ``weights``; S (one 2011 LSOA split into several 2021 LSOAs) is summed back into the 2011 LSOA. X (irregular)
    rows are refused unless ``allow_irregular``, in which case they are shared like M rows.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per LSOA 2021 code.
    code_column : str
        Column of ``table`` holding LSOA 2021 codes.
    value_columns : sequence of str
        Count columns to convert (e.g. population). Other columns are dropped.
    lookup : pandas.DataFrame
        From :func:`read_lsoa_lookup`.
    weights : mapping or pandas.Series, optional
        Weight of each LSOA 2011 code (e.g. its 2011 population), used to share a 2021 value among several 2011
        LSOAs. Every 2011 code that shares a value needs a weight >= 0, and each shared group a positive total.
    allow_irregular : bool
        Convert X (irregular) rows too, sharing their values as for M rows.

    Returns
    -------
    pandas.DataFrame
        ``code_column`` (now LSOA 2011 codes, sorted) and ``value_columns`` (floats).

    Raises
    ------
    InputError
        On a missing or repeated code, a value that is not a number, codes not in the lookup (all listed: none
        are dropped), irregular (X) codes when not allowed, or missing weights.
    """
    what = "table to convert to LSOA 2011"
    for col in [code_column, *value_columns]:
        if col not in table.columns:
            raise InputError(
                f"the {what} has no column {col!r} (columns: {', '.join(map(str, table.columns))})", column=col
            )
    codes = table[code_column].astype(str).str.strip().str.upper()
    dup = codes.duplicated()
    if dup.any():
        raise InputError(
            f"the {what} repeats LSOA 2021 codes: {_shown(sorted(set(codes[dup])))}",
            column=code_column,
            hint="give one row per LSOA 2021 code",
        )
    values = {}
    for col in value_columns:
        v = pd.to_numeric(table[col], errors="coerce")
        bad = v.isna() & table[col].notna()
        if bad.any():
            raise InputError(
                f"the {what} has values that are not numbers (e.g. {table[col][bad].iloc[0]!r} for "
                f"{codes[bad].iloc[0]})",
                column=col,
            )
        values[col] = v.to_numpy(dtype=float)
    known = set(lookup["lsoa21cd"])
    unknown = sorted(set(codes) - known)
    if unknown:
        raise InputError(
            f"{len(unknown)} LSOA 2021 code(s) of the {what} are not in the lookup: {_shown(unknown)}",
            column=code_column,
            hint="check that the table uses LSOA 2021 codes and that the lookup covers its area (codes are never "
            "dropped silently)",
        )
    rows = lookup[lookup["lsoa21cd"].isin(set(codes))].copy()
    irregular = sorted(set(rows.loc[rows["chgind"] == "X", "lsoa21cd"]))
    if irregular and not allow_irregular:
        pairs = rows[rows["lsoa21cd"].isin(irregular)]
        detail = "; ".join(
            f"{c21} <- {', '.join(sorted(g['lsoa11cd']))}" for c21, g in pairs.groupby("lsoa21cd", sort=True)
        )
        raise InputError(
            f"{len(irregular)} LSOA 2021 code(s) were redrawn irregularly (CHGIND X) and have no exact LSOA 2011 "
            f"equivalent: {_shown([detail])}",
            column=code_column,
            hint="pass allow_irregular=True to share their values among the overlapping 2011 LSOAs (equally, or "
            "by weights), or use a source published on LSOA 2011",
        )
    if weights is None:
        w = np.ones(len(rows))
    else:
        wmap = pd.Series(weights, dtype=float)
        w = rows["lsoa11cd"].map(wmap).to_numpy(dtype=float)
    rows["_w"] = w
    shared = rows["lsoa21cd"].duplicated(keep=False).to_numpy()
    missing = sorted(set(rows.loc[shared & ~np.isfinite(w), "lsoa11cd"]))
    if missing or (shared & (w < 0)).any():
        bad_codes = missing or sorted(set(rows.loc[shared & (w < 0), "lsoa11cd"]))
        raise InputError(
            f"weights are missing or negative for LSOA 2011 code(s) {_shown(bad_codes)}",
            hint="give a weight >= 0 for every LSOA 2011 code that shares a 2021 LSOA, or no weights at all",
        )
    rows.loc[~shared, "_w"] = 1.0
    totals = rows.groupby("lsoa21cd")["_w"].transform("sum").to_numpy()
    if (totals <= 0).any():
        zero = sorted(set(rows.loc[totals <= 0, "lsoa21cd"]))
        raise InputError(f"the weights of the 2011 parts of LSOA 2021 {_shown(zero)} add up to zero")
    share = rows["_w"].to_numpy() / totals
    position = pd.Series(np.arange(len(codes)), index=codes.to_numpy())
    src = position.loc[rows["lsoa21cd"].to_numpy()].to_numpy()
    parts = pd.DataFrame({code_column: rows["lsoa11cd"].to_numpy()})
    for col in value_columns:
        parts[col] = values[col][src] * share
    out = parts.groupby(code_column, sort=True, as_index=False)[list(value_columns)].sum(min_count=1)
    out.attrs = {"excluded": {}, "source": table.attrs.get("source"), "lsoa_vintage": "2011"}
    return out
