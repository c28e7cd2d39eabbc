"""A study's ``zone_ages.csv``: each zone's residents by single year of age, checked against its age bands.

The file has ``zone_id`` and one column per single year of age as :func:`hubopt.io.population.read_sape_syoa`
names them (``age_0``, ``age_1``, ..., ``age_89``, ``age_90_plus``), one row per zone of ``zones.csv``. Counts may
be fractional (zones converted between LSOA geographies share people by proportions). It is optional: a study
built by an older hubopt, or by hand, has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.files.cell_text import restore_frame
from hubopt.io._columns import check_unique, require_columns, text_column
from hubopt.io._csv import read_csv_table
from hubopt.io._numbers import numeric_column
from hubopt.io.age_bands import AGE_BANDS, AgeRange, band_column, format_ages, missing_ages

__all__ = ["ZONE_AGES_FILE", "ZONE_AGES_TOLERANCE", "age_column_ranges", "read_zone_ages", "single_age_columns"]

#: The file's name in a study folder.
ZONE_AGES_FILE = "zone_ages.csv"
#: Allowed difference (people) between a zone's single years and its age band in zones.csv, plus 1e-9 relative:
#: each figure is written to 3 decimals.
ZONE_AGES_TOLERANCE = 0.01

_WHAT = "zones' single years of age (zone_ages.csv)"
_AGE_COLUMN = re.compile(r"^age_(\d+)(_plus)?$")
_REBUILD = "rebuild the study (hubopt study build), or remove zone_ages.csv to use the zones' age bands only"


def single_age_columns(oldest: int = 90) -> list[str]:
    """The age columns of a table of single years up to an open-ended ``oldest``: ``age_0`` ... ``age_90_plus``."""
    return [*(f"age_{age}" for age in range(oldest)), f"age_{oldest}_plus"]


def age_column_ranges(columns: Sequence[str], *, path: str | Path | None = None) -> list[tuple[str, int, int | None]]:
    """``(column, youngest, oldest or None)`` of a table's age columns, youngest first, checked to cover every age
    from 0 upwards once (single years ``age_N`` and one open-ended oldest ``age_N_plus``).

    Parameters
    ----------
    columns : sequence of str
        The age columns (every column but ``zone_id``).
    path : str or Path, optional
        The file, for messages.

    Raises
    ------
    InputError
        For a column that is not an age column, two columns of one age, ages in no column, or an open-ended column
        that is not the oldest (naming the column).
    """
    hint = "give one column per single year of age, age_0, age_1, ..., and one open-ended oldest, e.g. age_90_plus"
    out: list[tuple[str, int, int | None]] = []
    for col in columns:
        m = _AGE_COLUMN.match(str(col))
        if m is None:
            raise InputError(
                f"{quote(str(col))} is not an age column (age_0, age_1, ..., age_90_plus)",
                path=path,
                column=col,
                hint=hint,
            )
        age = int(m.group(1))
        out.append((str(col), age, None if m.group(2) else age))
    if not out:
        raise InputError("the table has no age columns (age_0, age_1, ..., age_90_plus)", path=path, hint=hint)
    out.sort(key=lambda c: (c[1], c[2] is None))
    expected: int | None = 0
    for col, lo, hi in out:
        if expected is None or lo < expected:
            raise InputError(f"column {col} counts ages another column counts too", path=path, column=col, hint=hint)
        if lo > expected:
            raise InputError(
                f"no column counts age(s) {format_ages([(expected, lo - 1)])}", path=path, column=col, hint=hint
            )
        expected = None if hi is None else hi + 1
    if expected is not None:
        raise InputError(
            f"no column counts ages {format_ages([(expected, None)])} (the oldest column must be open-ended, e.g. "
            f"age_{expected}_plus)",
            path=path,
            column=out[-1][0],
            hint=hint,
        )
    return out


def _band_members(ages: list[tuple[str, int, int | None]], path: Path) -> dict[str, list[str]]:
    """The age columns of each of hubopt's standard bands (the bands of zones.csv)."""
    members: dict[str, list[str]] = {}
    for label, (lo, hi) in AGE_BANDS.items():
        cols = [c for c, a_lo, a_hi in ages if a_lo >= lo and (hi is None or (a_hi is not None and a_hi <= hi))]
        inside: list[AgeRange] = [(a_lo, a_hi) for c, a_lo, a_hi in ages if c in cols]
        if missing_ages(lo, hi, inside):
            straddle = next(c for c, _, a_hi in ages if a_hi is None)  # only the open-ended column spans ages
            raise InputError(
                f"the age columns cannot make the band {label} of zones.csv: column {straddle} holds ages beyond "
                "the band as well",
                path=path,
                column=straddle,
                hint="give single years up to the oldest band's youngest age at least (e.g. up to age_90_plus)",
            )
        members[label] = cols
    return members


def read_zone_ages(path: str | Path, zones: pd.DataFrame, *, zones_path: str | Path = "zones.csv") -> pd.DataFrame:
    """Read a study's zone_ages.csv and check it against the study's zones.

    Parameters
    ----------
    path : str or Path
        The file.
    zones : pandas.DataFrame
        The study's zones (``zone_id`` and the standard band columns ``pop_0_64`` ... ``pop_85_plus``).
    zones_path : str or Path
        zones.csv, named in messages.

    Returns
    -------
    pandas.DataFrame
        ``zone_id`` and the age columns (float), youngest first, one row per zone in the order of ``zones``.

    Raises
    ------
    InputError
        On a missing ``zone_id`` column, a blank or repeated zone, a zone that zones.csv lacks or a zone of
        zones.csv without a row, age columns that do not cover every age once, a count that is not a finite number
        of zero or more, or a zone whose single years do not add up to one of its bands in zones.csv (within
        :data:`ZONE_AGES_TOLERANCE`); each naming the file, row and column.
    """
    p = Path(path)
    raw = restore_frame(read_csv_table(p, what=_WHAT))
    require_columns(raw, ["zone_id"], path=p, what=_WHAT, hint=_REBUILD)
    ages = age_column_ranges([c for c in raw.columns if c != "zone_id"], path=p)
    ids = text_column(raw, "zone_id", path=p)
    check_unique(raw.assign(zone_id=ids), "zone_id", path=p, what="zone")
    known = set(zones["zone_id"].astype(str))
    extra = ~ids.isin(known)
    if extra.any():
        pos = int(np.flatnonzero(extra.to_numpy())[0])
        raise InputError(
            f"zone {quote(ids.iloc[pos])} is not a zone of {Path(zones_path).name}"
            + (f" ({int(extra.sum())} rows in all name such zones)" if extra.sum() > 1 else ""),
            path=p,
            row=pos + 2,
            column="zone_id",
            hint=_REBUILD,
        )
    known = set(ids)
    lacking = [z for z in zones["zone_id"].astype(str) if z not in known]
    if lacking:
        raise InputError(
            f"{len(lacking)} zone(s) of {Path(zones_path).name} have no row: {', '.join(lacking[:5])}"
            + (" ..." if len(lacking) > 5 else ""),
            path=p,
            column="zone_id",
            hint=_REBUILD,
        )
    out = pd.DataFrame({"zone_id": ids.to_numpy()})
    for col, _, _ in ages:
        out[col] = numeric_column(raw, col, path=p, minimum=0).to_numpy(dtype=float)
    out = out.set_index("zone_id").loc[zones["zone_id"].astype(str).to_numpy()].reset_index()
    _check_bands(out, zones, _band_members(ages, p), rows=ids, path=p, zones_path=Path(zones_path))
    return out


def _check_bands(
    ages: pd.DataFrame,
    zones: pd.DataFrame,
    members: dict[str, list[str]],
    *,
    rows: pd.Series,
    path: Path,
    zones_path: Path,
) -> None:
    """Refuse a zone whose single years do not add up to one of its bands in zones.csv."""
    line = {zone: pos + 2 for pos, zone in enumerate(rows)}
    for label, cols in members.items():
        total = ages[cols].sum(axis=1).to_numpy()
        band = zones[band_column(label)].to_numpy(dtype=float)
        off = np.abs(total - band) > ZONE_AGES_TOLERANCE + 1e-9 * np.abs(band)
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            zone = str(ages["zone_id"].iloc[pos])
            raise InputError(
                f"zone {zone}: the single years of age {label} ({cols[0]} to {cols[-1]}) add up to {total[pos]:,.3f} "
                f"but {zones_path.name} gives {band[pos]:,.3f} for band {label} (column {band_column(label)})"
                + (f"; {int(off.sum())} zones in all differ in this band" if off.sum() > 1 else ""),
                path=path,
                row=line[zone],
                column=cols[0] if len(cols) == 1 else f"{cols[0]}..{cols[-1]}",
                hint="make each zone's single years add up to its age bands in zones.csv; " + _REBUILD,
            )
