"""New housing: read a housing trajectory, turn dwellings into people by age band, and place them in zones.

Three steps, each a plain function:

1. :func:`read_housing_trajectory` reads a CSV file of housing sites (or phases) and the dwellings completed at
   each per year, and returns a :class:`HousingTrajectory` (a long table: one row per site and year).
2. :func:`housing_people` counts the dwellings completed after the population's base year up to a year, and turns
   them into people by age band (persons per dwelling times an age profile).
3. :func:`allocate_housing` adds those people to the zone that holds each site, either *within* the district
   projections (the projection already counts the planned housing; the file only says where it goes) or
   *additional* to them (growth above plan).

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

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, require_columns, text_column
from hubopt.io._coords import coordinate_pair, lonlat_to_bng
from hubopt.io._csv import check_rows_match_header, read_csv_table
from hubopt.io._numbers import numeric_column
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.io.postcodes import PostcodeLookup

if TYPE_CHECKING:
    from hubopt.study import Study

__all__ = [
    "DEFAULT_PERSONS_PER_DWELLING",
    "HOUSING_MODES",
    "HousingAllocation",
    "HousingTrajectory",
    "allocate_housing",
    "check_age_profile",
    "housing_people",
    "locate_in_zones",
    "read_housing_trajectory",
]

#: People per new dwelling. Source: ONS, Census 2021 ("Household and resident characteristics, England and Wales:
#: Census 2021", 2 November 2022): the average household size in England and Wales in 2021 was 2.4 people per
#: household, the same as in 2011. Caveats: it is an average over all occupied households (not new-build
#: dwellings, and vacant dwellings are ignored); local new-build occupancy may differ. Override it with a local
#: figure (e.g. from the council's housing or infrastructure evidence) when there is one.
DEFAULT_PERSONS_PER_DWELLING = 2.4

#: How new housing relates to the district projections.
HOUSING_MODES = ("within", "additional")

#: Two locations given for one site must agree to within this many metres (as in the site register).
AGREE_M = 50.0

#: Most dwellings one site (or phase) may complete in one year. England's largest schemes complete a few hundred to
#: about 1,500 homes a year (all of England completes about 200,000); 10,000 is far above any real site and catches
#: a unit or typing error (a total entered as a yearly figure, extra zeros, a population instead of dwellings).
MAX_DWELLINGS_PER_SITE_YEAR = 10_000.0
#: Most people per new dwelling accepted (the England and Wales average is 2.4; large family homes hold about 5).
MAX_PERSONS_PER_DWELLING = 10.0

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
_BAND_COLUMNS = [band_column(b) for b in AGE_BANDS]


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

    def dwellings_by_year(self) -> pd.DataFrame:
        """Dwellings as a site × year table (the wide layout)."""
        wide = self.table.pivot_table(index="name", columns="year", values="dwellings", aggfunc="sum", sort=False)
        return wide.reindex(pd.unique(self.table["name"])).fillna(0.0)


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


# ----------------------------------------------------------------------------------------------------------------
# zones of points
# ----------------------------------------------------------------------------------------------------------------
def locate_in_zones(
    study: Study,
    easting: Sequence[float] | np.ndarray,
    northing: Sequence[float] | np.ndarray,
    *,
    names: Sequence[str] | None = None,
    rows: Sequence[int | None] | None = None,
    path: str | Path | None = None,
    max_distance_m: float | None = None,
) -> pd.DataFrame:
    """The zone that holds each point; a point outside every zone goes to the nearest zone within a distance.

    Parameters
    ----------
    study : Study
        Its ``zones`` polygons (EPSG:27700).
    easting, northing : array-like of float
        The points, British National Grid metres.
    names : sequence of str, optional
        Names of the points, for messages.
    rows : sequence of int, optional
        File rows of the points, for messages.
    path : str or Path, optional
        The file the points come from, for messages.
    max_distance_m : float, optional
        Largest distance (metres) from a point outside every zone to the nearest zone that is still accepted. None
        (the default) accepts no point outside the zones: hubopt has no sourced tolerance to offer, so snapping a
        point into a zone is the analyst's explicit choice.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``zone_pos`` (position in ``study.zones``), ``zone_id``, ``district_code``,
        ``inside`` (bool: inside a zone polygon), ``distance_m`` (0 inside, else distance to the zone chosen).

    Raises
    ------
    InputError
        Naming the point (and its row) that lies farther than ``max_distance_m`` from every zone.
    """
    from shapely import points

    xs = np.asarray(easting, dtype=float)
    ys = np.asarray(northing, dtype=float)
    if max_distance_m is not None and (not math.isfinite(float(max_distance_m)) or max_distance_m < 0):
        raise InputError(
            "max_distance_m must be a distance in metres, zero or more", setting="demand.housing.max_distance_m"
        )
    zones = study.zones
    geoms = zones.geometry.to_numpy()
    pts = points(xs, ys)
    zone_pos = np.full(len(xs), -1, dtype=int)
    if len(xs):
        pt_idx, zone_idx = zones.sindex.query(pts, predicate="intersects")
        order = np.lexsort((zone_idx, pt_idx))
        pt_idx, zone_idx = pt_idx[order], zone_idx[order]
        first = np.unique(pt_idx, return_index=True)[1]
        zone_pos[pt_idx[first]] = zone_idx[first]
    inside = zone_pos >= 0
    distance = np.zeros(len(xs))
    for i in np.flatnonzero(~inside).tolist():
        d = np.array([g.distance(pts[i]) for g in geoms])
        j = int(np.argmin(d))
        label = repr(names[i]) if names is not None else f"point {i + 1}"
        if max_distance_m is None or d[j] > max_distance_m:
            limit = (
                "no point outside the zones is accepted (max_distance_m is not set)"
                if max_distance_m is None
                else f"farther than max_distance_m = {max_distance_m:,.0f} m"
            )
            swapped = min(g.distance(points(ys[i], xs[i])) for g in geoms)
            check = (
                f"its easting and northing look swapped: ({ys[i]:.0f}, {xs[i]:.0f}) is "
                + ("inside the study area" if swapped == 0 else f"{swapped:,.0f} m from it")
                if swapped < min(d[j], 1_000.0)
                else "check the site's coordinates or postcode (is it in the study area?)"
            )
            raise InputError(
                f"the site {label} at ({xs[i]:.0f}, {ys[i]:.0f}) lies outside every zone of the study, "
                f"{d[j]:,.0f} m from the nearest ({zones['zone_id'].iloc[j]}); {limit}",
                path=path,
                row=None if rows is None else rows[i],
                hint=f"{check}; to assign sites just outside the zone boundaries to the nearest zone, set "
                "demand.housing.max_distance_m",
            )
        zone_pos[i] = j
        distance[i] = float(d[j])
    return pd.DataFrame(
        {
            "zone_pos": zone_pos,
            "zone_id": zones["zone_id"].to_numpy()[zone_pos] if len(xs) else [],
            "district_code": zones["district_code"].to_numpy()[zone_pos] if len(xs) else [],
            "inside": inside,
            "distance_m": distance,
        }
    )


# ----------------------------------------------------------------------------------------------------------------
# people
# ----------------------------------------------------------------------------------------------------------------
def check_age_profile(profile: Mapping[str, float], *, setting: str = "housing.age_profile") -> dict[str, float]:
    """Validate an age profile: a share (0-1) for every age band, summing to 1 (within 1e-6).

    Parameters
    ----------
    profile : mapping of str to float
        Band label (``"0-64"``, ``"65-74"``, ``"75-84"``, ``"85+"``) to the share of new residents in that band.
    setting : str
        The scenario setting, for messages.

    Returns
    -------
    dict of str to float, in band order
    """
    if not isinstance(profile, Mapping):
        raise InputError("the age profile must be a mapping of age band to share", setting=setting)
    keys = {str(k).strip(): v for k, v in profile.items()}
    missing = [b for b in AGE_BANDS if b not in keys]
    extra = sorted(set(keys) - set(AGE_BANDS))
    if missing or extra:
        raise InputError(
            "the age profile must give a share for exactly the bands "
            + ", ".join(AGE_BANDS)
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else ""),
            setting=setting,
        )
    out: dict[str, float] = {}
    for band in AGE_BANDS:
        try:
            share = float(keys[band])
        except (TypeError, ValueError):
            raise InputError(f"the share for band {band} is not a number: {keys[band]!r}", setting=setting) from None
        if not math.isfinite(share) or share < 0 or share > 1:
            raise InputError(
                f"the share for band {band} must be between 0 and 1, not {keys[band]!r}", setting=setting
            )
        out[band] = share
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError(
            f"the age-profile shares add up to {total:.6g}, not 1",
            setting=setting,
            hint="give the share of new residents in each band so that the shares sum to 1",
        )
    return out


def housing_people(
    trajectory: HousingTrajectory,
    year: int,
    *,
    base_year: int,
    persons_per_dwelling: float = DEFAULT_PERSONS_PER_DWELLING,
    age_profile: Mapping[str, float] | None = None,
    study: Study | None = None,
    max_distance_m: float | None = None,
    beyond: str = "refuse",
) -> pd.DataFrame:
    """People added by new housing by ``year``, per site and age band.

    ``people = dwellings × persons_per_dwelling``, where ``dwellings`` are those completed in the years after
    ``base_year`` up to and including ``year`` (dwellings completed up to the base year are already in the base
    population). People are split by age band with an age profile: given (``age_profile``), or, by default, the
    age profile of the district the site lies in, in ``year``, from the study's projected population
    (:func:`hubopt.demand.zone_population`): no shares are assumed. Newly built homes often house younger people
    than the district as a whole; give a local profile when there is evidence for one.

    Parameters
    ----------
    trajectory : HousingTrajectory
        From :func:`read_housing_trajectory`.
    year : int
        The year wanted.
    base_year : int
        The year of the population estimates the housing is added to (the study's base year).
    persons_per_dwelling : float
        People per new dwelling; default :data:`DEFAULT_PERSONS_PER_DWELLING` (2.4, ONS Census 2021 average
        household size, England and Wales).
    age_profile : mapping of str to float, optional
        Share of new residents in each band (``"0-64"``, ``"65-74"``, ``"75-84"``, ``"85+"``), summing to 1.
    study : Study, optional
        Required when ``age_profile`` is not given (the district profiles); when given, each site's zone and
        district are added to the result.
    max_distance_m : float, optional
        See :func:`locate_in_zones` (used with ``study``).

    beyond : {"refuse", "hold"}
        For the default age profile: what to do for a year the study's projections do not cover (see
        :func:`hubopt.demand.zone_population`).

    Returns
    -------
    pandas.DataFrame
        One row per site, in file order: ``name``, ``easting``, ``northing``, ``row``, ``dwellings`` (counted),
        ``persons_per_dwelling``, ``people``, one column per band (``pop_0_64`` ...), ``profile`` (where the
        band split came from) and, with ``study``, ``zone_id``, ``district_code``, ``inside``, ``distance_m``.
        ``attrs`` holds ``source``, ``year`` and ``base_year``.
    """
    year, base_year = int(year), int(base_year)
    if year < base_year:
        raise InputError(
            f"year {year} is before the base year {base_year}", setting="year", hint="choose a later year"
        )
    try:
        ppd = float(persons_per_dwelling)
    except (TypeError, ValueError):
        raise InputError(
            f"persons per dwelling must be a number, not {persons_per_dwelling!r}",
            setting="demand.housing.persons_per_dwelling",
        ) from None
    if not math.isfinite(ppd) or ppd <= 0 or ppd > MAX_PERSONS_PER_DWELLING:
        raise InputError(
            f"persons per dwelling must be above zero and at most {MAX_PERSONS_PER_DWELLING:g}, not "
            f"{persons_per_dwelling!r}",
            setting="demand.housing.persons_per_dwelling",
        )
    given = check_age_profile(age_profile) if age_profile is not None else None
    if given is None and study is None:
        raise InputError(
            "no age profile for the new residents: give the study (each site then takes its district's projected "
            "age profile) or an age profile",
            setting="demand.housing.age_profile",
            hint="e.g. age_profile: {'0-64': ..., '65-74': ..., '75-84': ..., '85+': ...} with shares summing to 1",
        )
    table = trajectory.table
    counted = table[(table["year"] > base_year) & (table["year"] <= year)]
    sites = trajectory.sites
    dwellings = counted.groupby("name", sort=False)["dwellings"].sum().reindex(sites["name"]).fillna(0.0)
    out = sites[["name", "easting", "northing", "row"]].copy()
    out["dwellings"] = dwellings.to_numpy()
    out["persons_per_dwelling"] = ppd
    out["people"] = out["dwellings"] * ppd
    if study is not None:
        where = locate_in_zones(
            study,
            out["easting"].to_numpy(),
            out["northing"].to_numpy(),
            names=out["name"].tolist(),
            rows=out["row"].tolist(),
            path=trajectory.path,
            max_distance_m=max_distance_m,
        )
    if given is not None:
        shares = np.tile([given[b] for b in AGE_BANDS], (len(out), 1))
        out_profile = ["given age profile"] * len(out)
    else:
        from hubopt.demand import zone_population  # here, not at the top: demand may import this module

        assert study is not None  # checked above: without an age profile the study is required
        population, _ = zone_population(study, year, beyond=beyond)
        totals = population.groupby("district_code")[_BAND_COLUMNS].sum()
        profile = totals.div(totals.sum(axis=1).where(totals.sum(axis=1) > 0), axis=0)
        codes = where["district_code"].to_numpy()
        empty = [c for c in set(codes) if c not in profile.index or profile.loc[c].isna().any()]
        if empty:
            raise InputError(f"district(s) {', '.join(sorted(empty))} have no projected population in {year}")
        shares = profile.loc[codes, _BAND_COLUMNS].to_numpy(dtype=float)
        out_profile = [f"district {c} projected population, {year}" for c in codes]
    for k, col in enumerate(_BAND_COLUMNS):
        out[col] = out["people"].to_numpy() * shares[:, k]
    out["profile"] = out_profile
    if study is not None:
        for col in ("zone_id", "district_code", "inside", "distance_m"):
            out[col] = where[col].to_numpy()
    out = out.reset_index(drop=True)
    out.attrs.update({"source": str(trajectory.path), "year": year, "base_year": base_year})
    return out


# ----------------------------------------------------------------------------------------------------------------
# allocation to zones
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HousingAllocation:
    """What :func:`allocate_housing` did.

    Attributes
    ----------
    mode : str
        ``"within"`` or ``"additional"``.
    sites : pandas.DataFrame
        One row per site: ``name``, ``row``, ``zone_id``, ``district_code``, ``inside`` (in a zone polygon),
        ``distance_m`` (to the zone, 0 inside), ``people`` and the band columns.
    snapped : pandas.DataFrame
        The sites outside every zone polygon that were given to the nearest zone: ``name``, ``row``, ``zone_id``,
        ``distance_m``.
    by_district : pandas.DataFrame
        Per district: the housing people per band (``pop_0_64`` ...), ``people``, and, in mode "within", the
        factor by which the rest of the district's population was scaled in each band (``scale_0_64`` ...).
    method : str
        Plain-English statement of the rule applied.
    """

    mode: str
    sites: pd.DataFrame
    snapped: pd.DataFrame
    by_district: pd.DataFrame
    method: str
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """A few lines for a summary."""
        verb = "redistributed within the projections" if self.mode == "within" else "added to the projections"
        lines = [f"New housing ({self.mode}): {self.sites['people'].sum():,.0f} people {verb}"]
        for code, row in self.by_district.iterrows():
            lines.append(f"  {code}: {row['people']:,.0f} people")
        for _, s in self.snapped.iterrows():
            lines.append(
                f"  site {s['name']!r} lies outside every zone: given to the nearest zone {s['zone_id']} "
                f"({s['distance_m']:,.0f} m away)"
            )
        lines.extend(f"  {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for manifests."""
        return {
            "mode": self.mode,
            "method": self.method,
            "people": float(self.sites["people"].sum()),
            "people_by_district": {str(k): float(v) for k, v in self.by_district["people"].items()},
            "snapped": [
                {"name": str(r["name"]), "zone_id": str(r["zone_id"]), "distance_m": float(r["distance_m"])}
                for _, r in self.snapped.iterrows()
            ],
            "notes": list(self.notes),
        }


def allocate_housing(
    study: Study,
    population_by_zone: pd.DataFrame,
    people_by_site: pd.DataFrame,
    *,
    mode: str = "within",
    max_distance_m: float | None = None,
) -> tuple[pd.DataFrame, HousingAllocation]:
    """Add the people of new housing to the zones that hold the sites.

    Each site goes to the zone whose polygon contains it (on a shared boundary: the first such zone in the
    study's order). A site outside every zone goes to the nearest zone if it is within ``max_distance_m``, and is
    reported; farther away it is an error.

    Mode ``"within"`` (default): the district projection already counts the planned housing (the WK plan's
    forecasts follow each council's housing requirement), and the file says where it goes. For every district
    ``d`` and band ``b``, with ``P[z,b]`` the projected population of zone ``z``, ``P[d,b] = Σ_{z in d} P[z,b]``
    and ``H[d,b]`` the housing people of band ``b`` at sites in ``d``::

        new P[z,b] = P[z,b] × (P[d,b] − H[d,b]) / P[d,b] + H[z,b]

    i.e. every zone's projected population is scaled down by the same factor (the housing growth the projection
    spread pro rata over the district is taken back everywhere, host zones included) and the housing people are
    added where the sites are, so each district's band totals equal the projection exactly. ``H[d,b] > P[d,b]``
    is an error. Note that ONS subnational projections are trend-based: whether they include a council's housing
    plan is a judgement for the analyst; use ``"additional"`` when the housing is growth above the projection.

    Mode ``"additional"``: ``new P[z,b] = P[z,b] + H[z,b]`` (district totals rise by the housing people).

    Parameters
    ----------
    study : Study
        Zones and their polygons.
    population_by_zone : pandas.DataFrame
        ``zone_id``, ``district_code`` and the band columns (e.g. from :func:`hubopt.demand.zone_population`).
        Not changed.
    people_by_site : pandas.DataFrame
        From :func:`housing_people`: ``name``, ``easting``, ``northing``, the band columns and optionally ``row``.
    mode : {"within", "additional"}
        See above.
    max_distance_m : float, optional
        See :func:`locate_in_zones`.

    Returns
    -------
    population : pandas.DataFrame
        A copy of ``population_by_zone`` with the band columns (and ``population``, when present) updated.
    report : HousingAllocation
    """
    if mode not in HOUSING_MODES:
        raise InputError(
            f"unknown housing mode {mode!r}", setting="demand.housing.mode", hint="use 'within' or 'additional'"
        )
    for frame, what, cols in (
        (population_by_zone, "zone population table", ["zone_id", "district_code", *_BAND_COLUMNS]),
        (people_by_site, "housing people table", ["name", "easting", "northing", *_BAND_COLUMNS]),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputError(f"the {what} has no column {', '.join(map(repr, missing))}")
    path = people_by_site.attrs.get("source")
    rows = people_by_site["row"].tolist() if "row" in people_by_site.columns else None
    where = locate_in_zones(
        study,
        people_by_site["easting"].to_numpy(dtype=float),
        people_by_site["northing"].to_numpy(dtype=float),
        names=people_by_site["name"].astype(str).tolist(),
        rows=rows,
        path=path,
        max_distance_m=max_distance_m,
    )
    out = population_by_zone.copy()
    zone_ids = out["zone_id"].astype(str)
    position = pd.Series(np.arange(len(out)), index=zone_ids.to_numpy())
    if not position.index.is_unique:
        raise InputError("the zone population table repeats a zone_id")
    absent = sorted(set(where["zone_id"]) - set(position.index))
    if absent:
        raise InputError(
            f"housing sites lie in zone(s) {', '.join(absent)}, which are not in the zone population table"
        )
    zone_of_site = position.loc[where["zone_id"].to_numpy()].to_numpy()
    district_of_site = out["district_code"].to_numpy()[zone_of_site]
    people = people_by_site[_BAND_COLUMNS].to_numpy(dtype=float)
    if not np.isfinite(people).all() or (people < 0).any():
        raise InputError("housing people must be finite and zero or positive")

    values = out[_BAND_COLUMNS].to_numpy(dtype=float).copy()
    districts = pd.unique(district_of_site)
    housing = pd.DataFrame(people, columns=_BAND_COLUMNS).groupby(district_of_site, sort=False).sum()
    housing = housing.reindex(districts)
    by_district = housing.copy()
    by_district["people"] = by_district[_BAND_COLUMNS].sum(axis=1)
    notes: list[str] = []
    if mode == "within":
        codes = out["district_code"].to_numpy()
        for d in districts:
            members = codes == d
            for k, col in enumerate(_BAND_COLUMNS):
                projected = float(values[members, k].sum())
                added = float(housing.loc[d, col])
                if added > projected * (1 + 1e-12):
                    raise InputError(
                        f"new housing adds {added:,.1f} people aged {AGE_BANDS_LABEL[col]} in district {d}, more "
                        f"than the district's projected total of {projected:,.1f} for that band, so it cannot be "
                        "redistributed within the projection",
                        setting="demand.housing.mode",
                        hint="check the dwellings and persons per dwelling, or use mode 'additional' if the "
                        "housing is growth above the projection",
                    )
                factor = (projected - added) / projected if projected > 0 else 1.0
                values[members, k] *= max(factor, 0.0)
                by_district.loc[d, "scale_" + col.removeprefix("pop_")] = factor
        method = (
            "new housing redistributed within the district projections: in each district and age band, every "
            "zone's projected population was scaled by (projected − housing) / projected and the housing people "
            "were added to the zones holding the sites, so district totals equal the projection"
        )
    else:
        method = "new housing added on top of the district projections (growth above plan)"
    np.add.at(values, zone_of_site, people)
    out[_BAND_COLUMNS] = values
    if "population" in out.columns:
        out["population"] = values.sum(axis=1)

    sites = pd.DataFrame(
        {
            "name": people_by_site["name"].to_numpy(),
            "row": rows if rows is not None else [None] * len(people_by_site),
            "zone_id": where["zone_id"].to_numpy(),
            "district_code": district_of_site,
            "inside": where["inside"].to_numpy(),
            "distance_m": where["distance_m"].to_numpy(),
            "people": people.sum(axis=1),
        }
    )
    for k, col in enumerate(_BAND_COLUMNS):
        sites[col] = people[:, k]
    snapped = sites.loc[~sites["inside"], ["name", "row", "zone_id", "distance_m"]].reset_index(drop=True)
    if len(snapped):
        notes.append(
            f"{len(snapped)} site(s) outside every zone polygon were given to the nearest zone "
            f"(within max_distance_m = {max_distance_m:,.0f} m)"
        )
    by_district.index.name = "district_code"
    return out, HousingAllocation(
        mode=mode, sites=sites, snapped=snapped, by_district=by_district, method=method, notes=notes
    )


#: Band label of each band column, for messages.
AGE_BANDS_LABEL = {band_column(b): b for b in AGE_BANDS}


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
