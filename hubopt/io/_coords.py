"""Coordinates: the two coordinate systems hubopt uses, transforms between them, and checks that points lie in
Great Britain.

pyproj is imported when a transform is first needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.io._numbers import numeric_column

if TYPE_CHECKING:
    import pyproj

#: Longitude/latitude box that holds Great Britain and its islands (WGS84 degrees).
GB_LONLAT_BOUNDS = (-8.75, 49.8, 1.85, 60.95)
#: Easting/northing box of the British National Grid (EPSG:27700, metres).
GB_BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)

#: The one projected CRS in which hubopt works: British National Grid.
CRS_BNG = "EPSG:27700"
#: Longitude/latitude (WGS84).
CRS_LONLAT = "EPSG:4326"


def check_coordinates_in_gb(
    x: pd.Series | np.ndarray,
    y: pd.Series | np.ndarray,
    *,
    crs: str,
    path: str | Path | None,
    first_row: int = 2,
    columns: tuple[str, str] = ("x", "y"),
    rows: Sequence[int] | None = None,
) -> None:
    """Fail if a coordinate lies outside Great Britain.

    Parameters
    ----------
    x, y : array-like
        Longitude/latitude (``crs="lonlat"``) or easting/northing (``crs="bng"``).
    crs : {"lonlat", "bng"}
        Which kind of coordinates.
    path : str or Path, optional
        The file, for messages.
    first_row : int
        File line number of the first value.
    columns : tuple of str
        Names of the x and y columns, for messages.
    rows : sequence of int, optional
        File line numbers of each value (overrides ``first_row``).
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if crs == "lonlat":
        x0, y0, x1, y1 = GB_LONLAT_BOUNDS
        hint = (
            "coordinates must be WGS84 longitude (about -8 to 2) and latitude (about 50 to 61); "
            "check that longitude and latitude are not swapped"
        )
    elif crs == "bng":
        x0, y0, x1, y1 = GB_BNG_BOUNDS
        hint = "coordinates must be British National Grid eastings (0-700000) and northings (0-1300000) in metres"
    else:  # pragma: no cover - programming error
        raise ValueError(f"unknown crs {quote(crs)}")
    outside = ~((xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1))
    if outside.any():
        pos = int(np.flatnonzero(outside)[0])
        row = rows[pos] if rows is not None else first_row + pos
        raise InputError(
            f"the point ({xs[pos]:g}, {ys[pos]:g}) lies outside Great Britain"
            + (f"; {int(outside.sum())} points in all do" if outside.sum() > 1 else ""),
            path=path,
            row=row,
            column=f"{columns[0]}/{columns[1]}",
            hint=hint,
        )


_TRANSFORMERS: dict[tuple[str, str], pyproj.Transformer] = {}


def _transformer(src: str, dst: str) -> pyproj.Transformer:
    key = (src, dst)
    if key not in _TRANSFORMERS:
        import pyproj

        _TRANSFORMERS[key] = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return _TRANSFORMERS[key]


def _transform(src: str, dst: str, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    out_x = np.full(xs.shape, np.nan)
    out_y = np.full(ys.shape, np.nan)
    if ok.any():
        tx, ty = _transformer(src, dst).transform(xs[ok], ys[ok])
        out_x[ok] = tx
        out_y[ok] = ty
    return out_x, out_y


def lonlat_to_bng(lon: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    """Transform WGS84 longitude/latitude (degrees) to British National Grid easting/northing (metres).

    Parameters
    ----------
    lon, lat : array-like of float
        Longitudes and latitudes; NaN stays NaN.

    Returns
    -------
    easting, northing : numpy.ndarray of float
    """
    return _transform(CRS_LONLAT, CRS_BNG, lon, lat)


def bng_to_lonlat(easting: object, northing: object) -> tuple[np.ndarray, np.ndarray]:
    """Transform British National Grid easting/northing (metres) to WGS84 longitude/latitude (degrees).

    Parameters
    ----------
    easting, northing : array-like of float
        Eastings and northings; NaN stays NaN.

    Returns
    -------
    lon, lat : numpy.ndarray of float
    """
    return _transform(CRS_BNG, CRS_LONLAT, easting, northing)


def coordinate_pair(
    df: pd.DataFrame, a: str, b: str, *, path: str | Path, kind: str, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Parse an optional coordinate pair of columns (NaN where blank).

    Fails on half a pair (one column without its partner, or one value of a row without the other) and on a point
    outside Great Britain.

    Parameters
    ----------
    df : pandas.DataFrame
        Table read by :func:`read_csv_table` (row ``k`` is file row ``k + 2``).
    a, b : str
        The x and y column names (``lon``/``lat`` or ``easting``/``northing``).
    path : str or Path
        The file, for messages.
    kind : {"lonlat", "bng"}
        Which kind of coordinates.
    what : str
        What the file holds, for messages (e.g. "site register").
    """
    n = len(df)
    if a not in df.columns and b not in df.columns:
        return np.full(n, np.nan), np.full(n, np.nan)
    if a not in df.columns or b not in df.columns:
        have, lack = (a, b) if a in df.columns else (b, a)
        raise InputError(
            f"the {what} has a {quote(have)} column but no {quote(lack)} column",
            path=path,
            column=lack,
            hint=f"give both {a} and {b}, or neither",
        )
    xs = numeric_column(df, a, path=path, allow_blank=True).to_numpy()
    ys = numeric_column(df, b, path=path, allow_blank=True).to_numpy()
    half = np.isnan(xs) != np.isnan(ys)
    if half.any():
        i = int(np.flatnonzero(half)[0])
        given, blank = (a, b) if np.isnan(ys[i]) else (b, a)
        raise InputError(
            f"{given} is filled in but {blank} is blank",
            path=path,
            row=i + 2,
            column=blank,
            hint=f"fill in both {a} and {b}, or leave both blank",
        )
    has = ~np.isnan(xs)
    rows = (np.flatnonzero(has) + 2).tolist()
    check_coordinates_in_gb(xs[has], ys[has], crs=kind, path=path, rows=rows, columns=(a, b))
    return xs, ys
