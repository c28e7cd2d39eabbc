"""Population forecasts: ONS subnational population projections (SNPP) and their hubopt age bands.

All loaders return new frames. Rows left out on purpose are counted in ``df.attrs["excluded"]`` as
``{reason: count}`` (counted in file rows); ``df.attrs["source"]`` holds the path that was read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, find_column, text_column
from hubopt.io._csv import read_csv_table
from hubopt.io._numbers import numeric_column_rows
from hubopt.io.age_bands import AGE_BANDS, ages_overlap, band_intervals, format_ages, missing_ages

__all__ = [
    "ALL_AGES",
    "check_consecutive_years",
    "parse_age_group",
    "read_snpp",
    "read_snpp_files",
    "snpp_age_bands",
]

SNPP_WHAT = "ONS subnational population projections file (SNPP)"
#: Label of the all-ages total in hubopt's ``age_group`` column.
ALL_AGES = "All ages"
#: ``SEX`` values that mean persons (matched ignoring case).
PERSONS = ("persons", "all persons", "all")
#: Tolerance (people) when checking that bands add up to the all-ages total; ONS rounds each row to 3 decimals.
TOTAL_TOLERANCE = 1.0

_SINGLE = re.compile(r"^(\d+)$")
_RANGE = re.compile(r"^(\d+)\s*(?:-|to)\s*(\d+)$", re.IGNORECASE)
_OPEN = re.compile(r"^(\d+)\s*(?:\+|plus|and over|or over|and older)$", re.IGNORECASE)
_TOTAL = {"allages", "all", "total"}
_YEAR = re.compile(r"^\d{4}$")


def parse_age_group(text: str) -> tuple[str, int, int | None] | None:
    """Parse an SNPP ``AGE_GROUP`` value.

    Parameters
    ----------
    text : str
        ``"65"``, ``"65-69"``, ``"90 and over"`` (or ``"90+"``), or ``"All ages"``.

    Returns
    -------
    tuple of (str, int, int or None) or None
        ``(label, youngest, oldest or None)`` with hubopt's label (``"65"``, ``"65-69"``, ``"90+"``,
        ``"All ages"`` as ``(ALL_AGES, 0, None)``); None when the text is not an age group.
    """
    value = str(text).strip()
    if "".join(ch for ch in value.lower() if ch.isalnum()) in _TOTAL:
        return ALL_AGES, 0, None
    if m := _SINGLE.match(value):
        age = int(m.group(1))
        return str(age), age, age
    if m := _RANGE.match(value):
        lo, hi = int(m.group(1)), int(m.group(2))
        return (f"{lo}-{hi}", lo, hi) if hi >= lo else None
    if m := _OPEN.match(value):
        lo = int(m.group(1))
        return f"{lo}+", lo, None
    return None


def check_consecutive_years(years: list[int], *, path: str | Path, what: str, where: str = "") -> None:
    """Fail unless ``years`` run from the first to the last with none missing.

    A projection with a year left out (e.g. a column deleted by mistake) would otherwise give a study without that
    year, and a run for it would fail later naming no file.

    Parameters
    ----------
    years : list of int
        The projection's years.
    path : str or Path
        The file, for messages.
    what : str
        What the file holds, for messages.
    where : str
        Which part of the file (e.g. "for E07000110, band 65-74"), for messages.
    """
    present = sorted(set(years))
    if not present:
        return
    missing = sorted(set(range(present[0], present[-1] + 1)) - set(present))
    if missing:
        shown = ", ".join(str(y) for y in missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise InputError(
            f"the {what} has years {present[0]} to {present[-1]}{' ' + where if where else ''} but not "
            f"{shown}: a projection must give every year in its range",
            path=path,
            column=str(missing[0]),
            hint="use the complete file as published (one column per year, none deleted), or restore the missing "
            "year(s)",
        )


def read_snpp(path: str | Path) -> pd.DataFrame:
    """Read ONS subnational population projections (CSV) into long format.

    The ONS layout is ``AREA_CODE, AREA_NAME, COMPONENT, SEX, AGE_GROUP, 2022, ..., 2047`` (column names matched
    ignoring case). Only ``COMPONENT == "Population"`` rows for persons (``SEX`` one of :data:`PERSONS`) are kept;
    the others are counted in ``attrs["excluded"]``. A file without ``COMPONENT`` or ``SEX`` columns is taken to
    hold population for persons only. ``AGE_GROUP`` values may be single ages, ranges (``65-69``), an open-ended
    oldest group (``90 and over``) and ``All ages``.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``area_name``, ``age_group`` (``"65"``, ``"90+"``, ``"All ages"``, ...), ``year`` (int),
        ``population`` (float); one row per area, age group and year, in file order.

    Raises
    ------
    InputError
        On a missing column, no year columns, no persons rows, an age group that cannot be read, a projection that
        is not a number of zero or more, or an (area, age group) that appears twice.
    """
    df = read_csv_table(path, what=SNPP_WHAT)
    p = Path(path)
    code_col = find_column(df, ["AREA_CODE"], path=p, what=SNPP_WHAT, role="area code")
    name_col = find_column(df, ["AREA_NAME"], path=p, what=SNPP_WHAT, role="area name")
    age_col = find_column(df, ["AGE_GROUP"], path=p, what=SNPP_WHAT, role="age group")
    comp_col = find_column(df, ["COMPONENT"], path=p, what=SNPP_WHAT, role="component", required=False)
    sex_col = find_column(df, ["SEX"], path=p, what=SNPP_WHAT, role="sex", required=False)
    years = [c for c in df.columns if _YEAR.match(str(c).strip())]
    if not years:
        raise InputError(
            f"the {SNPP_WHAT} has no year columns (such as 2022, 2023, ...); "
            f"columns found: {', '.join(repr(c) for c in df.columns[:30])}",
            path=p,
            hint="check that this is the ONS projections CSV with one column per year",
        )
    check_consecutive_years([int(str(y).strip()) for y in years], path=p, what=SNPP_WHAT)
    rows = np.arange(2, 2 + len(df))
    keep = np.ones(len(df), dtype=bool)
    excluded: dict[str, int] = {}

    if comp_col is not None:
        comp = df[comp_col].astype(str).str.strip()
        is_pop = (comp.str.lower() == "population").to_numpy()
        if not is_pop.any():
            found = ", ".join(repr(c) for c in sorted(comp.unique())[:10])
            raise InputError(
                f"the {SNPP_WHAT} has no rows with {comp_col} = 'Population' (components found: {found})",
                path=p,
                column=comp_col,
                hint="use the SNPP population file, not the components of change file",
            )
        for value, n in comp[~is_pop].value_counts().sort_index().items():
            excluded[f"component {value!r} (only 'Population' is used)"] = int(n)
        keep &= is_pop
    if sex_col is not None:
        sex = df[sex_col].astype(str).str.strip()
        is_persons = sex.str.lower().isin(PERSONS).to_numpy()
        if not (keep & is_persons).any():
            found = ", ".join(repr(s) for s in sorted(sex[keep].unique())[:10])
            raise InputError(
                f"the {SNPP_WHAT} has no population rows for persons ({sex_col} = 'persons'); it has {found}",
                path=p,
                column=sex_col,
                hint="use the persons file (e.g. '2022 SNPP Population persons.csv'); hubopt does not add up "
                "males and females",
            )
        for value, n in sex[keep & ~is_persons].value_counts().sort_index().items():
            excluded[f"sex {value!r} (only persons are used)"] = int(n)
        keep &= is_persons

    kept = df.loc[keep]
    krows = rows[keep].tolist()  # file line numbers of the kept rows
    codes = text_column(kept, code_col, path=p, rows=krows)
    names = text_column(kept, name_col, path=p, rows=krows, allow_blank=True)
    ages_text = text_column(kept, age_col, path=p, rows=krows)
    labels = []
    for pos, value in enumerate(ages_text):
        parsed = parse_age_group(value)
        if parsed is None:
            raise InputError(
                f"{value!r} is not an age group",
                path=p,
                row=int(krows[pos]),
                column=age_col,
                hint="age groups must be single ages (65), ranges (65-69), an oldest group (90 and over) or All ages",
            )
        labels.append(parsed[0])
    key = pd.DataFrame({code_col: codes.to_numpy(), age_col: labels})
    check_unique_key(key, [code_col, age_col], path=p, rows=krows, what="area and age group")

    values = np.column_stack([numeric_column_rows(kept, y, path=p, rows=krows, minimum=0).to_numpy() for y in years])
    n_years = len(years)
    out = pd.DataFrame(
        {
            "area_code": np.repeat(codes.to_numpy(), n_years),
            "area_name": np.repeat(names.to_numpy(), n_years),
            "age_group": np.repeat(np.asarray(labels, dtype=object), n_years),
            "year": np.tile(np.array([int(str(y).strip()) for y in years], dtype="int64"), len(kept)),
            "population": values.reshape(-1).astype("float64"),
        }
    )
    out["age_group"] = out["age_group"].astype("str")
    out.attrs = {"excluded": excluded, "source": str(path)}
    return out


def read_snpp_files(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read several extracts of the ONS projections (each as :func:`read_snpp` reads one) into one table.

    A folder of projections may hold the published file cut into extracts, one per area (``../shared/data``
    holds West Kent's and Mid and South Essex's districts in two files). An area is taken from one file only:
    the same area code in two files is refused, since which one holds the right figures cannot be told.

    Parameters
    ----------
    paths : sequence of str or Path
        The CSV files, read in the order given.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_snpp`, the files' rows one after another; ``attrs["excluded"]`` adds up the files' counts,
        ``attrs["source"]`` names the files (``; ``-separated) and ``attrs["sources"]`` the file of each area
        (so that :func:`snpp_age_bands` names the right file in its messages).

    Raises
    ------
    InputError
        When no file is given, on any problem :func:`read_snpp` finds in a file, when the files do not have the
        same years, or when an area is in two files.
    """
    if not paths:
        raise InputError(f"no {SNPP_WHAT} was given", hint="give the ONS projections CSV file(s)")
    tables: list[pd.DataFrame] = []
    where: dict[str, Path] = {}
    excluded: dict[str, int] = {}
    for path in map(Path, paths):
        table = read_snpp(path)
        years = sorted(table["year"].unique().tolist())
        if tables and years != sorted(tables[0]["year"].unique().tolist()):
            first = Path(str(tables[0].attrs["source"]))
            raise InputError(
                f"the {SNPP_WHAT} extracts cover different years: {first.name} has "
                f"{tables[0]['year'].min()} to {tables[0]['year'].max()}, this file {years[0]} to {years[-1]}",
                path=path,
                hint="use extracts of one edition of the projections (the same file as published)",
            )
        for code in dict.fromkeys(table["area_code"]):
            if code in where:
                raise InputError(
                    f"area {code} is in two {SNPP_WHAT} extracts: {where[code].name} and {path.name}",
                    path=path,
                    column="AREA_CODE",
                    hint="keep each area's rows in one file only (remove the copy, or the older extract)",
                )
            where[code] = path
        for reason, n in table.attrs.get("excluded", {}).items():
            excluded[reason] = excluded.get(reason, 0) + int(n)
        tables.append(table)
    out = pd.concat(tables, ignore_index=True)
    out.attrs = {
        "excluded": excluded,
        "source": "; ".join(str(t.attrs["source"]) for t in tables),
        "sources": {code: str(path) for code, path in where.items()},
    }
    return out


def snpp_age_bands(snpp: pd.DataFrame, bands: Mapping[str, tuple[int, int | None]] = AGE_BANDS) -> pd.DataFrame:
    """Add up projected populations into age bands, per area and year.

    Each band is the sum of the age groups that lie inside it. When the ages of one band are absent (the shared
    West Kent file has only ages 65-89, 90 and over, and all ages), that band is derived as "All ages" minus the
    other bands; only one band can be derived.

    Parameters
    ----------
    snpp : pandas.DataFrame
        Long table from :func:`read_snpp` (``area_code``, ``area_name``, ``age_group``, ``year``, ``population``).
    bands : mapping of str to (int, int or None)
        Age bands (see :func:`hubopt.io.population.band_intervals`); :data:`AGE_BANDS` by default.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``area_name``, ``band`` (band label), ``year``, ``population``; areas in input order, bands
        youngest first, years ascending.

    Raises
    ------
    InputError
        When a band cannot be worked out for an area (the message names the area and the missing ages), or when
        the bands do not add up to the all-ages total.
    """
    needed = ["area_code", "area_name", "age_group", "year", "population"]
    missing_cols = [c for c in needed if c not in snpp.columns]
    if missing_cols:
        raise InputError(
            f"the table given to snpp_age_bands has no column {', '.join(repr(c) for c in missing_cols)}",
            hint="pass the table returned by read_snpp",
        )
    intervals = band_intervals(bands)
    source = snpp.attrs.get("source")
    source_of = snpp.attrs.get("sources") or {}  # the file of each area, for tables of several files
    pieces = []
    for code, area in snpp.groupby("area_code", sort=False):
        pieces.append(_area_age_bands(code, area, intervals, source_of.get(code, source)))
    if not pieces:
        raise InputError("the projections table has no rows", path=source)
    out = pd.concat(pieces, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    out["population"] = out["population"].astype("float64")
    out["band"] = out["band"].astype("str")
    out.attrs = {k: (dict(v) if isinstance(v, dict) else v) for k, v in snpp.attrs.items()}
    return out


def _area_age_bands(
    code: object, area: pd.DataFrame, intervals: Sequence[tuple[str, int, int | None]], source: str | None
) -> pd.DataFrame:
    """The age bands of one area of :func:`read_snpp`'s table, long (area, band, year, population); see
    :func:`snpp_age_bands`."""
    name = str(area["area_name"].iloc[0])
    where = f"area {code} ({name})" if name else f"area {code}"
    repeated = area.duplicated(["age_group", "year"]).to_numpy()
    if repeated.any():
        first = area.iloc[int(np.flatnonzero(repeated)[0])]
        raise InputError(
            f"{where} has more than one projection for age group {first['age_group']} in {first['year']}",
            path=source,
            hint="pass the table returned by read_snpp",
        )
    table = area.pivot_table(index="year", columns="age_group", values="population", aggfunc="sum", sort=True)
    table = table.reindex(columns=list(dict.fromkeys(area["age_group"])))
    if table.isna().any().any():
        year, group = next((y, g) for g in table.columns for y in table.index if pd.isna(table.at[y, g]))
        raise InputError(f"{where} has no projection for age group {group} in {year}", path=source)
    groups: dict[str, tuple[int, int | None]] = {}
    for label in table.columns:
        parsed = parse_age_group(str(label))
        if parsed is None:
            raise InputError(f"{label!r} is not an age group ({where})", path=source)
        groups[str(label)] = (parsed[1], parsed[2])
    has_total = ALL_AGES in groups
    parts = {g: r for g, r in groups.items() if g != ALL_AGES}

    members: dict[str, list[str]] = {}
    gaps: dict[str, str] = {}
    for label, lo, hi in intervals:
        inside = [
            g for g, (g_lo, g_hi) in parts.items() if g_lo >= lo and (hi is None or (g_hi is not None and g_hi <= hi))
        ]
        ranges = [parts[g] for g in inside]
        uncovered = missing_ages(lo, hi, ranges)
        if uncovered:
            gaps[label] = f"band {label!r} is missing ages {format_ages(uncovered)}"
        elif ages_overlap(ranges):
            gaps[label] = f"band {label!r} has overlapping age groups ({', '.join(sorted(inside))})"
        else:
            members[label] = inside

    result = pd.DataFrame(index=table.index)
    for label, cols in members.items():
        result[label] = table[cols].sum(axis=1)
    if len(gaps) == 1 and has_total:
        (label,) = gaps
        derived = table[ALL_AGES] - result.sum(axis=1)
        if (derived < -TOTAL_TOLERANCE).any():
            year = int(derived.index[np.flatnonzero((derived < -TOTAL_TOLERANCE).to_numpy())[0]])
            raise InputError(
                f"for {where} in {year}, the other bands add up to more than 'All ages', so band {label!r} "
                "cannot be derived",
                path=source,
                hint="check the projections file",
            )
        result[label] = derived.clip(lower=0.0)
    elif gaps:
        detail = "; ".join(gaps.values())
        why = (
            "and there is no 'All ages' row to derive one band from"
            if not has_total
            else "and only one band can be derived as 'All ages' minus the others"
        )
        raise InputError(
            f"cannot work out the age bands for {where}: {detail}, {why}",
            path=source,
            hint="use a projections file with every single year of age for this area, or choose bands that "
            "the file's ages can make",
        )
    elif has_total:
        diff = (result.sum(axis=1) - table[ALL_AGES]).abs()
        limit = TOTAL_TOLERANCE + 1e-6 * table[ALL_AGES].abs()
        if (diff > limit).any():
            year = int(diff.index[np.flatnonzero((diff > limit).to_numpy())[0]])
            raise InputError(
                f"for {where} in {year}, the age groups add up to {result.loc[year].sum():.1f} but 'All ages' "
                f"is {table.at[year, ALL_AGES]:.1f}",
                path=source,
                hint="check the projections file for repeated or missing age groups",
            )
    result = result[[b[0] for b in intervals]]
    long = (
        result.rename_axis(index="year").reset_index().melt(id_vars="year", var_name="band", value_name="population")
    )
    long.insert(0, "area_code", code)
    long.insert(1, "area_name", name)
    return long[["area_code", "area_name", "band", "year", "population"]]
