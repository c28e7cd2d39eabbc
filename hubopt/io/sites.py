"""hubopt's site register: the existing estate and the candidate sites a study may use.

A site register is a CSV file (or a GeoJSON file of points with the same properties) with one row per site.
Users add their own candidate sites by adding rows.

============== ========== ======================================================================================
column         required   meaning
============== ========== ======================================================================================
site_id        yes        unique identifier (text: ``"S01"``, an ODS code ...)
name           yes        site name, as shown on maps and in tables
type           yes        one of ``gp_practice``, ``community_hospital``, ``acute_hospital``, ``community_site``,
                          ``new_build``, ``other``
status         yes        one of ``existing``, ``committed``, ``candidate``, ``must-keep``, ``unavailable``,
                          ``external`` (a service outside the area, e.g. a neighbouring area's hub near the border:
                          always open, serves the zones nearest to it, not one of the area's N hubs, costs
                          nothing; it may lie outside the study area, up to ``EXTERNAL_SITE_DISTANCE_M``)
lon, lat       location   WGS84 longitude and latitude (degrees)
easting,       location   British National Grid (EPSG:27700) easting and northing (metres)
northing
postcode       location   the site's postcode; locates the site (with a postcode lookup) when the row has no
                          coordinates
district       no         local authority district (name or code), for tables
list_size      no         registered patients (whole number >= 0)
beds           no         beds at the site now (whole number >= 0)
piloted_beds   no         beds piloted at the site on top of ``beds`` (whole number >= 0), e.g. a therapy-led pilot;
                          reported beside today's beds, not counted in them
max_beds       no         most beds the site could hold (whole number >= 0, not below ``beds``)
capacity       no         population a hub at this site can serve (>= 0)
fixed_cost     no         yearly cost of running a hub here (>= 0)
capital_cost   no         one-off cost of opening a hub here (>= 0)
notes          no         free text
source         no         where the row came from (free text)
annual_cost    no         the site's estates and facilities running cost today (£ a year, >= 0), e.g. from the
                          NHS estates returns (ERIC); ``annual_cost_source`` says where from and which year
floor_area_m2  no         gross internal floor area (m², >= 0); ``floor_area_source`` says where from
occupied_m2    no         occupied floor area (m², >= 0), from the same source as ``floor_area_m2``
backlog_cost   no         cost to clear the site's backlog maintenance, all risks (£, >= 0);
                          ``backlog_cost_source`` says where from
pcn_code,      no         the Primary Care Network (a "cluster" of practices) a GP practice belongs to: its ODS
pcn_name                  code (e.g. ``U05510``) and name (written by ``hubopt study build`` from the ePCN release)
available_from no         first year the site can be used (whole year, 1900-2100), e.g. when a committed build opens
available_     no         last year the site can be used (whole year, not before ``available_from``), e.g. the year
until                     its lease ends; before the study's base year is an error. Blank years: always available.
                          ``availability_source`` says where the years (or the plan's words) come from
tenure         no         how the site is held (``owned``, ``leased``, ``PFI``, ``LIFT`` ...); ``tenure_source``
condition      no         physical condition, ERIC-style ``A`` (as new) to ``D`` (unacceptable), or text;
                          ``condition_source``
site_          no         share of the (wider) site in use, per cent (0-100); ``utilisation_source``
utilisation_
pct
============== ========== ======================================================================================

Every row needs a location: ``lon`` + ``lat``, or ``easting`` + ``northing``, or a ``postcode`` (geocoded with a
:class:`~hubopt.io.postcodes.PostcodeLookup`). When a row has more than one, they must agree to within 50 m; the
easting/northing pair is then used (in a GeoJSON file, the point geometry comes first). Text values of ``type``
and ``status`` may use any case and spaces, hyphens or underscores (``"Must keep"`` → ``must-keep``). Column names
are matched ignoring case and spaces (``Site ID`` → ``site_id``; ``longitude``/``long`` → ``lon``,
``latitude`` → ``lat``). Any other column is kept as text. Blank optional values are missing (NA). A
``located_by`` column (written by hubopt) is worked out again, not read.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.files.cell_text import restore_frame, to_csv
from hubopt.io._columns import check_unique, require_columns, text_column
from hubopt.io._coords import CRS_BNG, bng_to_lonlat, check_coordinates_in_gb, coordinate_pair, lonlat_to_bng
from hubopt.io._csv import check_rows_match_header, read_csv_table, renumber_rows
from hubopt.io._geojson import read_geojson
from hubopt.io._numbers import numeric_column
from hubopt.io.postcodes import PostcodeLookup, normalise_postcode
from hubopt.io.site_facts import AVAILABILITY_COLUMNS, availability_facts

__all__ = [
    "AVAILABILITY_COLUMNS",
    "ESTATE_COLUMNS",
    "SITE_COLUMNS",
    "SITE_STATUSES",
    "SITE_TYPES",
    "read_site_register",
    "write_site_register",
]

#: Allowed values of ``type``.
SITE_TYPES = ("gp_practice", "community_hospital", "acute_hospital", "community_site", "new_build", "other")
#: Allowed values of ``status``.
SITE_STATUSES = ("existing", "committed", "candidate", "must-keep", "unavailable", "external")
#: Columns every register must have.
REQUIRED_COLUMNS = ("site_id", "name", "type", "status")
#: Columns of a register as returned by :func:`read_site_register` (then any extra columns, ``located_by`` and
#: ``geometry``).
SITE_COLUMNS = (
    *REQUIRED_COLUMNS,
    "postcode",
    "district",
    "list_size",
    "beds",
    "piloted_beds",
    "max_beds",
    "capacity",
    "fixed_cost",
    "capital_cost",
    "notes",
    "source",
    "pcn_code",
    "pcn_name",
)
#: Optional facts of the estate, each number with the column that names its source (written after
#: :data:`SITE_COLUMNS`).
ESTATE_COLUMNS = (
    "annual_cost",
    "annual_cost_source",
    "floor_area_m2",
    "occupied_m2",
    "floor_area_source",
    "backlog_cost",
    "backlog_cost_source",
)
_INTEGER_COLUMNS = ("list_size", "beds", "piloted_beds", "max_beds")
_NUMBER_COLUMNS = (
    "capacity",
    "fixed_cost",
    "capital_cost",
    "annual_cost",
    "floor_area_m2",
    "occupied_m2",
    "backlog_cost",
)
_TEXT_COLUMNS = (
    "postcode",
    "district",
    "notes",
    "source",
    "annual_cost_source",
    "floor_area_source",
    "backlog_cost_source",
    "pcn_code",
    "pcn_name",
)
_COORDINATE_COLUMNS = ("lon", "lat", "easting", "northing")
_ALIASES = {"long": "lon", "lng": "lon", "longitude": "lon", "latitude": "lat", "siteid": "site_id"}
_RESERVED = ("geometry",)
#: Output columns worked out by the reader: a column of this name in the file is replaced.
_DERIVED = ("located_by",)
#: Largest allowed distance between two locations given for one site (metres).
AGREE_M = 50.0

_WHAT = "site register"


def read_site_register(path: str | Path, *, postcodes: PostcodeLookup | None = None) -> gpd.GeoDataFrame:
    """Read a site register (CSV, or GeoJSON points) and check every row.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file, or a ``.geojson``/``.json`` file of points with the register's columns as properties.
    postcodes : PostcodeLookup, optional
        Locates the rows that give a postcode but no coordinates.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :data:`SITE_COLUMNS`, :data:`ESTATE_COLUMNS` and :data:`AVAILABILITY_COLUMNS` (absent
        optional columns filled with NA; ``type`` and ``status`` in their standard spelling; ``postcode`` in
        standard spelling where valid), then
        any extra columns of the file (as text), ``located_by`` (``"coordinates"`` or ``"postcode"``) and
        ``geometry`` (points, EPSG:27700). Whole-number columns are ``Int64``, other numbers ``float64``.

    Raises
    ------
    InputError
        Naming the file, the row (GeoJSON: the feature) and the column, for: a missing required column; a blank
        ``site_id``, ``name``, ``type`` or ``status``; an unknown type or status; a repeated ``site_id``; a row
        with no location; a postcode row when no lookup was given; a postcode not in the lookup; coordinates
        outside Great Britain; only one coordinate of a pair; two locations more than 50 m apart; a value that
        is not a number, or is negative, or not whole where it must be; a PCN name without its code, or one PCN
        code with two names; an availability year outside 1900-2100 or ``available_from`` after
        ``available_until`` (:func:`hubopt.io.site_facts.availability_facts`).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        gdf = read_geojson(p, what=_WHAT)
        df = _properties_as_text(gdf)
        with renumber_rows(features=True):
            geometry_xy = _geometry_points(gdf, p)
            return _build(df, p, postcodes=postcodes, geometry_xy=geometry_xy)
    if suffix in (".xlsx", ".xls", ".ods"):
        raise InputError(
            "the site register is a spreadsheet; hubopt reads it as CSV",
            path=p,
            hint="save the sheet as CSV (File > Save as > CSV UTF-8) and give that file",
        )
    df = restore_frame(read_csv_table(p, what=_WHAT))  # text quoted against formulas (hubopt.files.cell_text)
    check_rows_match_header(df, path=p, what=_WHAT)
    return _build(df, p, postcodes=postcodes, geometry_xy=None)


def write_site_register(sites: gpd.GeoDataFrame, path: str | Path) -> None:
    """Write a site register as CSV in the register's schema, so that :func:`read_site_register` reads it back.

    Locations are written both as ``lon``, ``lat`` (WGS84, 6 decimals, about 0.1 m) and ``easting``,
    ``northing`` (British National Grid, 1 decimal), taken from the geometry. ``located_by`` is not written:
    a register read back is located by its coordinates. The columns of :data:`AVAILABILITY_COLUMNS` are written
    (all of them, after the estate's) when any site has a value in one of them.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        Sites with at least ``site_id``, ``name``, ``type``, ``status`` and point geometries in a known CRS
        (e.g. as returned by :func:`read_site_register`). Not changed.
    path : str or Path
        The CSV file to write (UTF-8 with a byte-order mark, so that Excel shows accented text correctly).
    """
    if not isinstance(sites, gpd.GeoDataFrame):
        raise TypeError("sites must be a GeoDataFrame (e.g. from read_site_register)")
    if sites.crs is None:
        raise ValueError("the sites have no CRS; set one (e.g. sites.set_crs('EPSG:27700')) before writing")
    missing = [c for c in REQUIRED_COLUMNS if c not in sites.columns]
    if missing:
        raise ValueError(f"the sites have no column {', '.join(map(repr, missing))}; the register needs them")
    geoms = sites.geometry.to_crs(CRS_BNG)
    bad = geoms.isna() | geoms.is_empty | (geoms.geom_type != "Point")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"site {sites['site_id'].iloc[i]!r} has no point geometry; every site needs a point")
    x, y = geoms.x.to_numpy(), geoms.y.to_numpy()
    lon, lat = bng_to_lonlat(x, y)
    table = pd.DataFrame(sites.drop(columns=sites.geometry.name)).reset_index(drop=True)
    out = pd.DataFrame(index=range(len(sites)))
    for col in REQUIRED_COLUMNS:
        out[col] = table[col]
    out["lon"] = [f"{v:.6f}" for v in lon]
    out["lat"] = [f"{v:.6f}" for v in lat]
    out["easting"] = [f"{v:.1f}" for v in x]
    out["northing"] = [f"{v:.1f}" for v in y]
    for col in (*SITE_COLUMNS[len(REQUIRED_COLUMNS) :], *ESTATE_COLUMNS):
        out[col] = table[col] if col in table.columns else pd.NA
    if any(col in table.columns and table[col].notna().any() for col in AVAILABILITY_COLUMNS):
        for col in AVAILABILITY_COLUMNS:  # written when any site has one of them
            out[col] = table[col] if col in table.columns else pd.NA
    skip = {*out.columns, *_RESERVED, *_DERIVED, *AVAILABILITY_COLUMNS}
    for col in table.columns:
        if col not in skip:
            out[col] = table[col]
    to_csv(out, Path(path), encoding="utf-8-sig", lineterminator="\n")


# ----------------------------------------------------------------------------------------------------------------
# reading, step by step
# ----------------------------------------------------------------------------------------------------------------
def _build(
    raw: pd.DataFrame, path: Path, *, postcodes: PostcodeLookup | None, geometry_xy: np.ndarray | None
) -> gpd.GeoDataFrame:
    """Check every row and build the register; errors name the columns as they are spelled in the file."""
    df, spelled = _canonical_columns(raw, path)
    try:
        return _check(df, path, postcodes=postcodes, geometry_xy=geometry_xy)
    except InputError as exc:
        if exc.column is None:
            raise
        column = "/".join(spelled.get(part, part) for part in exc.column.split("/"))
        if column == exc.column:
            raise
        raise InputError(exc.problem, path=exc.path, row=exc.row, column=column, hint=exc.hint) from None


def _check(
    df: pd.DataFrame, path: Path, *, postcodes: PostcodeLookup | None, geometry_xy: np.ndarray | None
) -> gpd.GeoDataFrame:
    if df.empty:
        raise InputError("the site register has no sites", path=path, hint="add one row per site")
    require_columns(
        df,
        REQUIRED_COLUMNS,
        path=path,
        what=_WHAT,
        hint="the register needs the columns site_id, name, type and status (see the site register schema)",
    )
    n = len(df)
    site_id = text_column(df, "site_id", path=path, allow_blank=False)
    check_unique(df.assign(site_id=site_id), "site_id", path=path, what="site_id")
    name = text_column(df, "name", path=path)
    site_type = _choice(df, "type", SITE_TYPES, path)
    status = _choice(df, "status", SITE_STATUSES, path)

    numbers: dict[str, pd.Series] = {}
    for col in _INTEGER_COLUMNS + _NUMBER_COLUMNS:
        if col in df.columns:
            values = numeric_column(df, col, path=path, allow_blank=True, minimum=0, integer=col in _INTEGER_COLUMNS)
            numbers[col] = values.astype("Int64") if col in _INTEGER_COLUMNS else values
        else:
            numbers[col] = pd.Series(np.nan, index=range(n)).astype("Int64" if col in _INTEGER_COLUMNS else "float64")
    if "beds" in df.columns and "max_beds" in df.columns:
        below = (numbers["max_beds"] < numbers["beds"]).fillna(False).to_numpy(dtype=bool)
        if below.any():
            i = int(np.flatnonzero(below)[0])
            raise InputError(
                f"max_beds ({numbers['max_beds'].iloc[i]}) is below beds ({numbers['beds'].iloc[i]})",
                path=path,
                row=i + 2,
                column="max_beds",
                hint="max_beds is the most beds the site could hold: at least its current beds",
            )

    text = {
        col: _text_or_na(df[col]) if col in df.columns else pd.Series(np.nan, index=range(n), dtype="str")
        for col in _TEXT_COLUMNS
    }
    _check_pcns(text["pcn_code"], text["pcn_name"], path)
    facts = availability_facts(df, path)
    xy, located_by = _locate(df, path, text["postcode"], postcodes, geometry_xy)
    text["postcode"] = pd.Series([_tidy_postcode(v) for v in text["postcode"]], dtype="str")

    out = pd.DataFrame(
        {
            "site_id": site_id.to_numpy(),
            "name": name.to_numpy(),
            "type": site_type,
            "status": status,
        }
    )
    for col in (*SITE_COLUMNS[len(REQUIRED_COLUMNS) :], *ESTATE_COLUMNS):
        out[col] = (text[col] if col in text else numbers[col]).reset_index(drop=True)
    for col, values in facts.items():
        out[col] = values
    for col in df.columns:
        if col not in out.columns and col not in _COORDINATE_COLUMNS:
            out[col] = _text_or_na(df[col])
    out["located_by"] = pd.Series(located_by, dtype="str")
    sites = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS_BNG)
    for col in _INTEGER_COLUMNS:
        sites[col] = sites[col].astype("Int64")
    sites.attrs["excluded"] = {}
    sites.attrs["source"] = str(path)
    return sites


def _check_pcns(codes: pd.Series, names: pd.Series, path: Path) -> None:
    """Fail on a PCN name without its code, or on one PCN code given two names (rows are file lines)."""
    code = codes.fillna("").astype(str).str.strip().to_numpy()
    name = names.fillna("").astype(str).str.strip().to_numpy()
    orphan = np.flatnonzero((code == "") & (name != ""))
    if len(orphan):
        i = int(orphan[0])
        raise InputError(
            f"the PCN name {quote(str(name[i]))} has no PCN code",
            path=path,
            row=i + 2,
            column="pcn_code",
            hint="give the Primary Care Network's ODS code (e.g. U05510) beside its name, or leave both blank",
        )
    first: dict[str, tuple[str, int]] = {}
    for i, (c, n) in enumerate(zip(code, name, strict=True)):
        if not c or not n:
            continue
        seen = first.setdefault(str(c), (str(n), i))
        if seen[0] != n:
            raise InputError(
                f"PCN {c} is named {quote(seen[0])} on row {seen[1] + 2} but {quote(str(n))} here",
                path=path,
                row=i + 2,
                column="pcn_name",
                hint="give each PCN code one name (copy the name of the ePCN release), or check the code",
            )


def _canonical_columns(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename columns that match a schema column (ignoring case, spaces and hyphens) to the schema name.

    Returns the renamed table and, for each renamed column, its name in the file.
    """
    known = set(SITE_COLUMNS) | set(ESTATE_COLUMNS) | set(AVAILABILITY_COLUMNS) | set(_COORDINATE_COLUMNS)
    renames: dict[str, str] = {}
    taken: dict[str, str] = {}
    derived: list[str] = []
    for col in df.columns:
        key = re.sub(r"[\s\-]+", "_", str(col).strip().lower())
        key = _ALIASES.get(key.replace("_", ""), _ALIASES.get(key, key))
        if key in _DERIVED:
            derived.append(str(col))
            continue
        if key in _RESERVED:
            raise InputError(
                f"the column name {col!r} is reserved for hubopt's own use",
                path=path,
                column=str(col),
                hint="rename the column (or remove it: hubopt works out the site's point and how it was located)",
            )
        if key in known:
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
    return df.drop(columns=derived).rename(columns=renames).reset_index(drop=True), spelled


def _choice(df: pd.DataFrame, column: str, allowed: tuple[str, ...], path: Path) -> np.ndarray:
    """Map each value to one of ``allowed``, ignoring case, spaces, hyphens and underscores."""
    values = text_column(df, column, path=path)
    lookup = {_squash(a): a for a in allowed}
    squashed = values.map(_squash)
    mapped = squashed.map(lookup)
    bad = mapped.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        guess = difflib.get_close_matches(squashed.iloc[i], list(lookup), n=1, cutoff=0.6)
        raise InputError(
            f"{values.iloc[i]!r} is not a known {column}"
            + (f" (did you mean {lookup[guess[0]]!r}?)" if guess else "")
            + (f"; {int(bad.sum())} rows in all" if bad.sum() > 1 else ""),
            path=path,
            row=i + 2,
            column=column,
            hint=f"use one of: {', '.join(allowed)}",
        )
    return mapped.to_numpy(dtype=object).astype(str)


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.lower())


def _text_or_na(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.strip()
    return text.where(text != "").reset_index(drop=True)


def _tidy_postcode(text: object) -> object:
    if not isinstance(text, str):
        return text
    try:
        return normalise_postcode(text)
    except ValueError:
        return text


def _pair(df: pd.DataFrame, a: str, b: str, path: Path, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values of a coordinate pair and which rows have it; see :func:`hubopt.io._coords.coordinate_pair`."""
    xs, ys = coordinate_pair(df, a, b, path=path, kind=kind, what="site register")
    return xs, ys, ~np.isnan(xs)


def _locate(
    df: pd.DataFrame,
    path: Path,
    postcode: pd.Series,
    lookup: PostcodeLookup | None,
    geometry_xy: np.ndarray | None,
) -> tuple[np.ndarray, list[str]]:
    """Each site's easting/northing and how it was found."""
    n = len(df)
    lon, lat, has_ll = _pair(df, "lon", "lat", path, "lonlat")
    ea, no, has_en = _pair(df, "easting", "northing", path, "bng")
    ll_x, ll_y = lonlat_to_bng(lon, lat)
    sources: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
    if geometry_xy is not None:
        has_geom = ~np.isnan(geometry_xy[:, 0])
        sources.append(("the point geometry", geometry_xy[:, 0], geometry_xy[:, 1], has_geom))
    sources.append(("easting/northing", ea, no, has_en))
    sources.append(("lon/lat", ll_x, ll_y, has_ll))

    xy = np.full((n, 2), np.nan)
    found = np.zeros(n, dtype=bool)
    first_label = np.full(n, "", dtype=object)
    for label, x, y, has in sources:
        both = has & found
        if both.any():
            gap = np.hypot(x - xy[:, 0], y - xy[:, 1])
            apart = both & (gap > AGREE_M)
            if apart.any():
                i = int(np.flatnonzero(apart)[0])
                raise InputError(
                    f"{first_label[i]} and {label} are {gap[i]:,.0f} m apart (they must agree to within "
                    f"{AGREE_M:.0f} m)",
                    path=path,
                    row=i + 2,
                    column=label if "/" in label else "geometry",
                    hint="give the location once, or correct the pair that is wrong (after moving a site, update "
                    "or clear the other coordinates)",
                )
        new = has & ~found
        xy[new, 0], xy[new, 1] = x[new], y[new]
        first_label[new] = label
        found |= has

    located_by = np.where(found, "coordinates", "postcode").astype(object)
    need = ~found
    if need.any():
        has_pc = postcode.notna().to_numpy()
        nothing = need & ~has_pc
        if nothing.any():
            i = int(np.flatnonzero(nothing)[0])
            raise InputError(
                "the site has no location" + (f" ({int(nothing.sum())} rows in all)" if nothing.sum() > 1 else ""),
                path=path,
                row=i + 2,
                column="postcode",
                hint="give lon and lat (WGS84), or easting and northing (British National Grid), or a postcode",
            )
        idx = np.flatnonzero(need)
        if lookup is None:
            raise InputError(
                f"{len(idx)} site{'s' if len(idx) > 1 else ''} ({'rows' if len(idx) > 1 else 'row'} "
                + ", ".join(str(i + 2) for i in idx[:10])
                + (" ..." if len(idx) > 10 else "")
                + ") can only be located by postcode, but no postcode lookup was given",
                path=path,
                row=int(idx[0]) + 2,
                column="postcode",
                hint="in the scenario, set sites.postcode_lookup to a postcode file (NSPL postcode, lat, long CSV, "
                "or a folder of them; in Python, the postcodes= argument), or give these sites coordinates "
                "(lon/lat or easting/northing)",
            )
        xy[idx] = lookup.locate(postcode.iloc[idx].tolist(), path=path, column="postcode", rows=(idx + 2).tolist())
    return xy, located_by.tolist()


def _properties_as_text(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """GeoJSON properties as a text table (blank for null), like a CSV read by :func:`read_csv_table`."""
    props = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    out = pd.DataFrame(index=range(len(props)))
    for col in props.columns:
        values = props[col]
        out[str(col)] = [
            "" if v is None or (isinstance(v, float) and np.isnan(v)) else _number_text(v) for v in values
        ]
    return out


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _geometry_points(gdf: gpd.GeoDataFrame, path: Path) -> np.ndarray:
    """Easting/northing of each feature's point (NaN where the feature has no geometry)."""
    geoms = gdf.geometry.reset_index(drop=True)
    present = (geoms.notna() & ~geoms.is_empty).to_numpy()
    kinds = geoms.geom_type.to_numpy()
    not_point = present & (kinds != "Point")
    if not_point.any():
        i = int(np.flatnonzero(not_point)[0])
        raise InputError(
            f"the geometry is a {kinds[i]}, not a point",
            path=path,
            row=i + 2,
            column="geometry",
            hint="a site register holds points: use the site's location (e.g. a polygon's centroid)",
        )
    xy = np.full((len(geoms), 2), np.nan)
    if present.any():
        pts = geoms[present]
        x, y = pts.x.to_numpy(), pts.y.to_numpy()
        rows = (np.flatnonzero(present) + 2).tolist()
        if gdf.crs is not None and gdf.crs.is_geographic:
            check_coordinates_in_gb(x, y, crs="lonlat", path=path, rows=rows, columns=("geometry x", "geometry y"))
            x, y = lonlat_to_bng(x, y)
        else:
            bng = pts.to_crs(CRS_BNG)
            x, y = bng.x.to_numpy(), bng.y.to_numpy()
            check_coordinates_in_gb(x, y, crs="bng", path=path, rows=rows, columns=("geometry x", "geometry y"))
        xy[present, 0], xy[present, 1] = x, y
    return xy
