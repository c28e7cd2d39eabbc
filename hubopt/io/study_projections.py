"""A study's ``projections.csv``: projected population by district, age group and year, checked.

The age groups (column ``band``) may be any band labels (:func:`hubopt.io.age_bands.parse_band`: ``"0-64"``,
``"65"``, ``"90+"``) as long as each district's groups cover every age from 0 upwards once and every district has
the same groups; ``hubopt study build`` writes the finest groups the projections file gives, older studies hubopt's
standard bands (0-64, 65-74, 75-84, 85+).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.files.cell_text import restore_frame
from hubopt.io._columns import check_unique_key, require_columns
from hubopt.io._csv import read_csv_table
from hubopt.io._numbers import numeric_column
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands, AgeRange, parse_band
from hubopt.io.forecasts import check_consecutive_years

__all__ = ["PROJECTION_COLUMNS", "read_study_projections"]

#: Columns of projections.csv, in order.
PROJECTION_COLUMNS = ["district_code", "district_name", "band", "year", "population"]

_WHAT = "population projections table (projections.csv)"
_BANDS_HINT = (
    "give every district age groups that cover every age from 0 upwards once, the oldest open-ended (e.g. 0-64, "
    "65-74, 75-84, 85+; or 0-64, 65, 66, ..., 89, 90+), the same groups for every district; or rebuild the study "
    "(hubopt study build)"
)


def read_study_projections(path: str | Path) -> tuple[pd.DataFrame, AgeBands]:
    """Read and check a study's projections.csv.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    pandas.DataFrame
        :data:`PROJECTION_COLUMNS` (``year`` int, ``population`` float), in file order.
    AgeBands
        The age groups of every district (:data:`~hubopt.io.age_bands.STANDARD_BANDS` for a file without rows).

    Raises
    ------
    InputError
        On a missing column, a value that is not a number of zero or more, a band that is not a band label, a
        repeated district, band and year, a district whose bands overlap or leave ages out, districts with
        different bands, or a district and band without every year of the file's range (each naming the row and
        column).
    """
    p = Path(path)
    raw = restore_frame(read_csv_table(p, what=_WHAT))
    require_columns(raw, PROJECTION_COLUMNS, path=p, what=_WHAT)
    out = raw[PROJECTION_COLUMNS].copy()
    for col in ("district_code", "band"):
        out[col] = out[col].astype(str).str.strip()
    out["year"] = numeric_column(raw, "year", path=p, integer=True).astype(int)
    out["population"] = numeric_column(raw, "population", path=p, minimum=0)
    if out.empty:
        return out, STANDARD_BANDS
    ranges = _band_ranges(out["band"], p)
    check_unique_key(out, ["district_code", "band", "year"], path=p, what="district, band and year")
    bands = _district_bands(out, ranges, p)
    all_years = sorted(set(out["year"]))
    check_consecutive_years(all_years, path=p, what=_WHAT)
    for (district, band), years in out.groupby(["district_code", "band"], sort=False)["year"]:
        lacking = sorted(set(all_years) - set(years))
        if lacking:
            raise InputError(
                f"district {district}, band {band} has no projection for {', '.join(map(str, lacking[:10]))} "
                f"(the file covers {all_years[0]} to {all_years[-1]})",
                path=p,
                column="year",
                hint="rebuild the study from the complete projections file (hubopt study build)",
            )
    return out, bands


def _band_ranges(labels: pd.Series, path: Path) -> dict[str, AgeRange]:
    """The ages of each distinct band label; a label that is not one is named with its first row."""
    ranges: dict[str, AgeRange] = {}
    for pos, label in enumerate(labels):
        if label in ranges:
            continue
        try:
            ranges[label] = parse_band(label)
        except InputError as err:
            raise InputError(err.problem, path=path, row=pos + 2, column="band", hint=err.hint) from None
    return ranges


def _first_row(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0]) + 2


def _misfit(ranges: dict[str, AgeRange]) -> str:
    """The band where a set of bands stops fitting together (overlap, gap or open end), youngest first."""
    ordered = sorted(ranges.items(), key=lambda item: item[1][0])
    expected = 0
    for i, (label, (lo, hi)) in enumerate(ordered):
        if lo != expected or (hi is None and i != len(ordered) - 1):
            return label
        expected = lo if hi is None else hi + 1
    return ordered[-1][0]


def _district_bands(out: pd.DataFrame, ranges: dict[str, AgeRange], path: Path) -> AgeBands:
    """The bands every district has, checked to cover every age once and to be the same for every district."""
    first: tuple[str, AgeBands] | None = None
    for district, labels in out.groupby("district_code", sort=False)["band"]:
        mine = {label: ranges[label] for label in dict.fromkeys(labels)}
        try:
            bands = AgeBands.of(mine)
        except InputError as err:
            label = _misfit(mine)
            raise InputError(
                f"the age bands of district {district} ({', '.join(mine)}) do not fit together: {err.problem}",
                path=path,
                row=_first_row((out["district_code"] == district) & (out["band"] == label)),
                column="band",
                hint=_BANDS_HINT,
            ) from None
        if first is None:
            first = (str(district), bands)
            continue
        if bands.ranges != first[1].ranges:
            only_here = [b for b in bands.labels if b not in first[1].ranges]
            only_there = [b for b in first[1].labels if b not in bands.ranges]
            parts = []
            if only_here:
                parts.append(f"it has {', '.join(only_here)}, which {first[0]} has not")
            if only_there:
                parts.append(f"it lacks {', '.join(only_there)}, which {first[0]} has")
            at = out["district_code"] == district
            raise InputError(
                f"district {quote(str(district))} has other age bands than district {first[0]}: {'; '.join(parts)}",
                path=path,
                row=_first_row(at & out["band"].isin(only_here) if only_here else at),
                column="band",
                hint=_BANDS_HINT,
            )
    assert first is not None
    return first[1]
