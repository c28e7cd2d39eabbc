"""Reading a housing trajectory: a CSV file of housing sites (or phases) and the dwellings completed at each per
year, checked and returned as a :class:`HousingTrajectory` (a long table: one row per site and year).

The housing trajectory file
---------------------------
One row per site or phase. Column names are matched ignoring case and surrounding spaces; spaces and hyphens count
as underscores.

============== ========== ======================================================================================
column         required   meaning
============== ========== ======================================================================================
name           yes        site or phase name (``site``, ``site_name`` accepted)
lon, lat       location   WGS84 longitude and latitude (``long``, ``lng``, ``longitude``, ``latitude`` accepted)
easting,       location   British National Grid (EPSG:27700) metres (``eastings``, ``northings`` accepted)
northing
postcode       location   the site's postcode, used (with a postcode lookup) when the row gives no coordinates
notes, source  no         free text (kept out of the calculation)
============== ========== ======================================================================================

Dwellings completed per year come in one of two layouts, detected from the header:

- **long**: the file has a ``year`` column and a ``dwellings`` column; one row per site and year. A site's
  location may be given on one or more of its rows (rows that give one must agree to within 50 m).
- **wide**: every other column is a calendar year (``2025``, ``2026``, ...) holding the dwellings completed at that
  site in that year; a blank cell means none. Every row needs a location.

Any other column is refused (e.g. a financial-year label ``2025/26``: rename the column to the calendar year in
which the completions should count). Dwellings must be numbers of zero or more (fractions are allowed, e.g. an
annual average over a phase). Each (name, year) may appear once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, require_columns, text_column
from hubopt.io._coords import coordinate_pair, lonlat_to_bng
from hubopt.io._csv import check_rows_match_header, read_csv_table
from hubopt.io._numbers import numeric_column
from hubopt.io.postcodes import PostcodeLookup

__all__ = ["HousingTrajectory", "check_housing_years", "read_housing_trajectory"]

#: Two locations given for one site must agree to within this many metres (as in the site register).
AGREE_M = 50.0

#: Most dwellings one site (or phase) may complete in one year. England's largest schemes complete a few hundred to
#: about 1,500 homes a year (all of England completes about 200,000); 10,000 is far above any real site and catches
#: a unit or typing error (a total entered as a yearly figure, extra zeros, a population instead of dwellings).
MAX_DWELLINGS_PER_SITE_YEAR = 10_000.0

#: Earliest and latest calendar year accepted as a year of completions.
YEAR_RANGE = (1900, 2100)

_WHAT = "housing trajectory"
_LOCATION_COLUMNS = ("lon", "lat", "easting", "northing", "postcode")
_TEXT_COLUMNS = ("notes", "source")
_ALIASES = {
    "site": "name",
    "site_name": "name",
    "long": "lon",
    "lng": "lon",
    "longitude": "lon",
    "latitude": "lat",
    "eastings": "easting",
    "northings": "northing",
}
_YEAR = re.compile(r"^\d{4}$")


# ----------------------------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HousingTrajectory:
    """Dwellings completed per site and year.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per site and year: ``name``, ``year`` (int), ``dwellings`` (float, >= 0), ``easting``,
        ``northing`` (EPSG:27700 metres), ``row`` (file line of the value), ``located_by`` (``"coordinates"``
        or ``"postcode"``).
    path : Path
        The file read.
    layout : str
        ``"wide"`` (one column per year) or ``"long"`` (``year`` and ``dwellings`` columns).
    """

    table: pd.DataFrame
    path: Path
    layout: str

    @property
    def sites(self) -> pd.DataFrame:
        """One row per site, in file order: ``name``, ``easting``, ``northing``, ``row`` (first file row)."""
        first = self.table.sort_values("row", kind="stable").drop_duplicates("name")
        order = pd.unique(self.table["name"])
        out = first.set_index("name").loc[order, ["easting", "northing", "row", "located_by"]].reset_index()
        return out

    @property
    def years(self) -> list[int]:
        """The years of the trajectory, in order."""
        return sorted(int(y) for y in self.table["year"].unique())


def read_housing_trajectory(path: str | Path, *, postcodes: PostcodeLookup | None = None) -> HousingTrajectory:
    """Read and check a housing trajectory CSV file (wide or long layout, see the module notes).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    postcodes : PostcodeLookup, optional
        Locates rows that give a postcode but no coordinates.

    Returns
    -------
    HousingTrajectory

    Raises
    ------
    InputError
        Naming the file, row and column for: no ``name`` column; a blank name; a column that is neither a known
        column nor a year; ``year`` without ``dwellings`` (or the reverse); a year outside 1900-2100; dwellings
        that are not numbers or are negative; a repeated (name, year); a site without a location; half a
        coordinate pair; coordinates outside Great Britain; two locations more than 50 m apart; postcode-only
        rows without a postcode lookup; postcodes not in the lookup (all listed with their rows).
    """
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xls", ".ods"):
        raise InputError(
            f"the {_WHAT} is a spreadsheet; hubopt reads it as CSV",
            path=p,
            hint="save the sheet as CSV (File > Save as > CSV UTF-8) and give that file",
        )
    raw = read_csv_table(p, what=_WHAT)
    check_rows_match_header(raw, path=p, what=_WHAT)
    df, spelled = _canonical_columns(raw, p)
    try:
        return _read(df, p, postcodes)
    except InputError as exc:
        if exc.column is None:
            raise
        column = "/".join(spelled.get(part, part) for part in exc.column.split("/"))
        if column == exc.column:
            raise
        raise InputError(exc.problem, path=exc.path, row=exc.row, column=column, hint=exc.hint) from None


def _canonical_columns(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename known columns to their standard names; return the table and, per renamed column, its file name."""
    renames: dict[str, str] = {}
    taken: dict[str, str] = {}
    for col in df.columns:
        key = re.sub(r"[\s\-]+", "_", str(col).strip().lower())
        key = _ALIASES.get(key, key)
        if key in taken:
            raise InputError(
                f"the columns {taken[key]!r} and {col!r} both mean {key!r}",
                path=path,
                column=str(col),
                hint="keep one of them",
            )
        taken[key] = str(col)
        renames[str(col)] = key
    spelled = {new: old for old, new in renames.items() if new != old}
    return df.rename(columns=renames).reset_index(drop=True), spelled


def _read(df: pd.DataFrame, path: Path, postcodes: PostcodeLookup | None) -> HousingTrajectory:
    if df.empty:
        raise InputError(f"the {_WHAT} has no rows", path=path, hint="add one row per housing site (or phase)")
    require_columns(
        df, ["name"], path=path, what=_WHAT, hint="the first column should be 'name': the housing site's name"
    )
    known = {"name", *_LOCATION_COLUMNS, *_TEXT_COLUMNS}
    has_year, has_dwellings = "year" in df.columns, "dwellings" in df.columns
    if has_year != has_dwellings:
        have, lack = ("year", "dwellings") if has_year else ("dwellings", "year")
        raise InputError(
            f"the {_WHAT} has a {have!r} column but no {lack!r} column",
            path=path,
            column=lack,
            hint="the long layout needs both 'year' and 'dwellings' (one row per site and year); the wide layout "
            "has one column per year (2025, 2026, ...) and neither",
        )
    layout = "long" if has_year else "wide"
    others = [c for c in df.columns if c not in known and c not in ("year", "dwellings")]
    year_columns: list[tuple[str, int]] = []
    for col in others:
        if layout == "long":
            what = "a year column of the wide layout" if _YEAR.match(col) else "not a column hubopt knows"
            raise InputError(
                f"the column {col!r} is {what}, but the file uses the long layout ('year' and 'dwellings' columns)",
                path=path,
                column=col,
                hint="use one layout: either 'year' and 'dwellings' columns, or one column per year; other "
                f"columns allowed: {', '.join(sorted(known))}",
            )
        year_columns.append((col, _year_of_column(col, path)))
    if layout == "wide" and not year_columns:
        raise InputError(
            f"the {_WHAT} has no dwellings: no year columns (2025, 2026, ...) and no 'year'/'dwellings' columns",
            path=path,
            hint="add one column per year holding the dwellings completed that year, or use the long layout",
        )
    n = len(df)
    rows = np.arange(2, n + 2)
    names = text_column(df, "name", path=path)
    if layout == "wide":
        check_unique_key(df.assign(name=names), ["name"], path=path, what="site name")
    xy, located_by = _row_locations(df, path, postcodes)

    if layout == "wide":
        parts = []
        for col, year in year_columns:
            values = _dwellings(df, col, path, allow_blank=True).fillna(0.0).to_numpy()
            parts.append(
                pd.DataFrame(
                    {"name": names.to_numpy(), "year": year, "dwellings": values, "row": rows, "pos": np.arange(n)}
                )
            )
        missing = np.isnan(xy[:, 0])
        if missing.any():
            _no_location(path, rows[missing])
        long = pd.concat(parts, ignore_index=True).sort_values(["pos", "year"], kind="stable")
        long["easting"] = xy[long["pos"].to_numpy(), 0]
        long["northing"] = xy[long["pos"].to_numpy(), 1]
        long["located_by"] = np.asarray(located_by, dtype=object)[long["pos"].to_numpy()]
    else:
        years = numeric_column(df, "year", path=path, integer=True)
        lo, hi = YEAR_RANGE
        bad = ((years < lo) | (years > hi)).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{df['year'].iloc[i]!r} is not a calendar year between {lo} and {hi}",
                path=path,
                row=int(rows[i]),
                column="year",
                hint="give the calendar year of the completions, e.g. 2027",
            )
        dwellings = _dwellings(df, "dwellings", path, allow_blank=False).to_numpy()
        long = pd.DataFrame(
            {"name": names.to_numpy(), "year": years.astype(int).to_numpy(), "dwellings": dwellings, "row": rows}
        )
        check_unique_key(long, ["name", "year"], path=path, rows=rows.tolist(), what="site name and year")
        long["pos"] = np.arange(n)
        where = _site_locations(long, xy, located_by, path)
        for col in ("easting", "northing", "located_by"):
            long[col] = long["name"].map(where[col])
    long = long.drop(columns="pos").reset_index(drop=True)
    long["year"] = long["year"].astype(int)
    long["row"] = long["row"].astype(int)
    table = long[["name", "year", "dwellings", "easting", "northing", "row", "located_by"]]
    table.attrs["source"] = str(path)
    return HousingTrajectory(table=table, path=path, layout=layout)


def _year_of_column(col: str, path: Path) -> int:
    """The calendar year a wide-layout column names, or fail naming the column."""
    lo, hi = YEAR_RANGE
    if _YEAR.match(col) and lo <= int(col) <= hi:
        return int(col)
    if re.match(r"^\d{4}\s*[/\-_]\s*\d{2,4}$", col):
        hint = (
            "financial-year labels are not read as years: rename the column to the calendar year in which these "
            "completions should count (e.g. 2025 for 2025/26)"
        )
    else:
        hint = (
            "in the wide layout every column other than name, lon, lat, easting, northing, postcode, notes and "
            f"source must be a calendar year ({lo}-{hi}) holding the dwellings completed that year; rename or "
            "remove this column"
        )
    raise InputError(f"the column {col!r} is not a year", path=path, column=col, hint=hint)


def _dwellings(df: pd.DataFrame, column: str, path: Path, *, allow_blank: bool) -> pd.Series:
    """Dwellings in ``column`` as numbers >= 0 (blank as NaN when allowed), failing on the first bad value."""
    values = numeric_column(df, column, path=path, allow_blank=allow_blank)
    negative = (values < 0).to_numpy()
    if negative.any():
        i = int(np.flatnonzero(negative)[0])
        raise InputError(
            f"dwellings cannot be negative ({df[column].iloc[i].strip()!r})"
            + (f"; {int(negative.sum())} values in this column are" if negative.sum() > 1 else ""),
            path=path,
            row=i + 2,
            column=column,
            hint="give the number of new dwellings completed (zero or more)",
        )
    huge = (values > MAX_DWELLINGS_PER_SITE_YEAR).to_numpy()
    if huge.any():
        i = int(np.flatnonzero(huge)[0])
        raise InputError(
            f"{values.iloc[i]:,.0f} dwellings completed in one year at one site is not plausible (more than "
            f"{MAX_DWELLINGS_PER_SITE_YEAR:,.0f}; England's largest schemes complete about 1,500 a year)"
            + (f"; {int(huge.sum())} values in this column are" if huge.sum() > 1 else ""),
            path=path,
            row=i + 2,
            column=column,
            hint="give the dwellings completed in that year (not a total, a population or a figure with extra "
            "zeros); split a very large scheme into phases, one row each",
        )
    return values


def _no_location(path: Path, rows: Sequence[int]) -> None:
    shown = ", ".join(str(r) for r in list(rows)[:10]) + (" ..." if len(rows) > 10 else "")
    raise InputError(
        "the housing site has no location" + (f" (rows {shown})" if len(rows) > 1 else ""),
        path=path,
        row=int(rows[0]),
        column="postcode",
        hint="give lon and lat (WGS84), or easting and northing (British National Grid), or a postcode",
    )


def _pair(df: pd.DataFrame, a: str, b: str, path: Path, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """A coordinate pair (NaN where blank); see :func:`hubopt.io._coords.coordinate_pair`."""
    return coordinate_pair(df, a, b, path=path, kind=kind, what=_WHAT)


def _row_locations(
    df: pd.DataFrame, path: Path, postcodes: PostcodeLookup | None
) -> tuple[np.ndarray, list[str | None]]:
    """Easting/northing given on each row (NaN where the row gives none) and how it was found."""
    n = len(df)
    ea, no = _pair(df, "easting", "northing", path, "bng")
    lon, lat = _pair(df, "lon", "lat", path, "lonlat")
    lx, ly = lonlat_to_bng(lon, lat)
    both = ~np.isnan(ea) & ~np.isnan(lx)
    gap = np.hypot(ea - lx, no - ly)
    apart = both & (gap > AGREE_M)
    if apart.any():
        i = int(np.flatnonzero(apart)[0])
        raise InputError(
            f"easting/northing and lon/lat are {gap[i]:,.0f} m apart (they must agree to within {AGREE_M:.0f} m)",
            path=path,
            row=i + 2,
            column="lon/lat",
            hint="give the location once, or correct the pair that is wrong",
        )
    xy = np.column_stack([np.where(np.isnan(ea), lx, ea), np.where(np.isnan(no), ly, no)])
    located: list[str | None] = ["coordinates" if not np.isnan(x) else None for x in xy[:, 0]]
    if "postcode" in df.columns:
        pc = df["postcode"].astype(str).str.strip()
        need = np.flatnonzero(np.isnan(xy[:, 0]) & (pc != "").to_numpy())
        if need.size:
            rows = (need + 2).tolist()
            if postcodes is None:
                raise InputError(
                    f"{need.size} row{'s' if need.size > 1 else ''} (row "
                    + ", ".join(str(r) for r in rows[:10])
                    + (" ..." if need.size > 10 else "")
                    + ") can only be located by postcode, but no postcode lookup was given",
                    path=path,
                    row=rows[0],
                    column="postcode",
                    hint="give a postcode lookup (the postcodes= argument), or give these sites coordinates "
                    "(lon/lat or easting/northing)",
                )
            xy[need] = postcodes.locate(pc.iloc[need].tolist(), path=path, column="postcode", rows=rows)
            for i in need.tolist():
                located[i] = "postcode"
    assert len(located) == n
    return xy, located


def _site_locations(long: pd.DataFrame, xy: np.ndarray, located_by: list[str | None], path: Path) -> pd.DataFrame:
    """Long layout: one location per site name from the rows that give one (they must agree to within 50 m)."""
    out = {}
    for name, group in long.groupby("name", sort=False):
        pos = group["pos"].to_numpy()
        have = pos[~np.isnan(xy[pos, 0])]
        if have.size == 0:
            _no_location(path, group["row"].tolist())
        first = have[0]
        gap = np.hypot(xy[have, 0] - xy[first, 0], xy[have, 1] - xy[first, 1])
        if (gap > AGREE_M).any():
            k = int(np.flatnonzero(gap > AGREE_M)[0])
            raise InputError(
                f"the site {name!r} is given two locations {gap[k]:,.0f} m apart (row {first + 2} and this row; "
                f"they must agree to within {AGREE_M:.0f} m)",
                path=path,
                row=int(have[k]) + 2,
                column="easting/northing",
                hint="give the site's location once, or the same location on each of its rows",
            )
        out[name] = {"easting": xy[first, 0], "northing": xy[first, 1], "located_by": located_by[first]}
    return pd.DataFrame.from_dict(out, orient="index")


def check_housing_years(trajectory: HousingTrajectory, *, base_year: int, last_year: int | None) -> None:
    """Refuse dwellings the run could never count, naming the file, row and year.

    Dwellings completed in or before the study's base year are already in its base population (counting them
    again would double-count them); dwellings after the projections' last year have no population to belong to.

    Parameters
    ----------
    trajectory : HousingTrajectory
        The trajectory read by :func:`read_housing_trajectory`.
    base_year : int
        The study's base year.
    last_year : int or None
        The projections' last year (None when the study has none).
    """
    t = trajectory.table[trajectory.table["dwellings"] > 0]
    early = t[t["year"] <= base_year]
    if len(early):
        r = early.iloc[0]
        raise InputError(
            f"{int(r['dwellings'])} dwellings at {r['name']!r} are dated {int(r['year'])}, in or before the study's "
            f"base year {base_year}" + (f" ({len(early)} rows in all)" if len(early) > 1 else ""),
            path=trajectory.path,
            row=int(r["row"]) if pd.notna(r["row"]) else None,
            column=str(int(r["year"])),
            hint=f"homes completed by {base_year} are already in the base population: remove them, or date them "
            f"after {base_year}",
        )
    if last_year is not None:
        late = t[t["year"] > last_year]
        if len(late):
            r = late.iloc[0]
            raise InputError(
                f"{int(r['dwellings'])} dwellings at {r['name']!r} are dated {int(r['year'])}, after the "
                f"projections end in {last_year}" + (f" ({len(late)} rows in all)" if len(late) > 1 else ""),
                path=trajectory.path,
                row=int(r["row"]) if pd.notna(r["row"]) else None,
                column=str(int(r["year"])),
                hint=f"keep the trajectory within {base_year + 1}-{last_year}, the years the projections cover",
            )
