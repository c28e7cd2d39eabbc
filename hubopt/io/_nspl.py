"""Reading the ONS National Statistics Postcode Lookup (NSPL): ``Postcode,lat,long`` CSV files, or the zip file as
ONS publishes it, read a block at a time for the postcodes needed.

Postcodes listed without a grid reference (blank latitude, or 99.999999) are flagged for
:class:`~hubopt.io.postcodes.PostcodeLookup` to count as excluded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import find_column
from hubopt.io._csv import read_csv_table, refuse_other_delimiter
from hubopt.io._files import list_source_files, require_file
from hubopt.io._postcode_common import (
    coordinate_numbers,
    describe_sources,
    postcode_keys,
)
from hubopt.io.packaged import zip_file_names

__all__ = ["latlon_frame", "read_nspl_latlon", "read_nspl_zip"]


#: Accepted names of the columns of an NSPL latitude/longitude file, in order of preference (any case).
_LATLON = {
    "postcode": ["Postcode", "pcds", "pcd", "pcd7", "pcd8"],
    "longitude": ["long", "lon", "longitude"],
    "latitude": ["lat", "latitude"],
}
#: Rows read at a time from a zipped NSPL file.
_BLOCK_ROWS = 250_000


def read_nspl_latlon(
    source: str | Path | Iterable[str | Path],
) -> tuple[list[pd.DataFrame], list[str], str, str]:
    """Read ``Postcode,lat,long`` CSV files (ONS NSPL latitude/longitude), for
    :meth:`PostcodeLookup.from_nspl_latlon <hubopt.io.postcodes.PostcodeLookup.from_nspl_latlon>`.

    Parameters
    ----------
    source : str, Path or iterable of them
        A CSV file, a folder of CSV files (e.g. one per postcode area) or a list of them. Accepted column
        names: postcode ``Postcode``/``pcds``/``pcd``; latitude ``lat``/``latitude``; longitude
        ``long``/``lon``/``longitude`` (any case).

    Returns
    -------
    parts : list of pandas.DataFrame
        Longitude/latitude rows of each file (see :func:`latlon_frame`).
    files : list of str
        The files read.
    source : str
        A description of the source, for messages.
    what : str
        What the source should hold, for messages.
    """
    what = "postcode lookup (NSPL latitude/longitude CSV)"
    files = list_source_files(source, what=what, suffixes=(".csv",))
    parts = []
    for i, f in enumerate(files):
        pc, lon, lat = _read_latlon(f, what=what)
        parts.append(latlon_frame(pc, lon, lat, file=i, rows=np.arange(2, len(pc) + 2)))
    return parts, [str(f) for f in files], describe_sources(files, "NSPL"), what


def read_nspl_zip(
    path: str | Path, postcodes: Iterable[str] | None = None
) -> tuple[list[pd.DataFrame], list[str], str, str]:
    """Read the ONS National Statistics Postcode Lookup from its zip file, keeping only the postcodes asked for, for
    :meth:`PostcodeLookup.from_nspl_zip <hubopt.io.postcodes.PostcodeLookup.from_nspl_zip>`.

    The zip file is read as ONS publishes it: its whole-country CSV (``Data/NSPL_MAY_2025_UK.csv``), or, when
    it has none, the per-area CSV files (``Data/multi_csv/...``). Only the postcode (``pcds``, ``pcd``, ...),
    ``lat`` and ``long`` columns are read, in blocks, straight from the zip file, and only the rows of
    ``postcodes`` are kept: the national file (about 2.7 million rows) is never unpacked or held whole.

    Parameters
    ----------
    path : str or Path
        The NSPL zip file.
    postcodes : iterable of str, optional
        The postcodes needed (any spelling); all of them when None.

    Returns
    -------
    parts : list of pandas.DataFrame
        Longitude/latitude rows of the postcodes asked for (see :func:`latlon_frame`); those without a grid
        reference (latitude 99.999999) are flagged ``no_grid``.
    files : list of str
        The zip members read, as ``ZIP [member]``.
    source : str
        A description of the source, for messages.
    what : str
        What the source should hold, for messages.

    Raises
    ------
    InputError
        When the zip file holds no NSPL CSV file, a file lacks the postcode, ``lat`` or ``long`` column, a
        coordinate is not a number (naming the member, row and column), or none of the postcodes asked for is
        in the file.
    """
    what = "National Statistics Postcode Lookup (NSPL) zip file"
    p = Path(path)
    wanted = None if postcodes is None else set(postcode_keys(list(postcodes)))
    members = _nspl_members(p, what=what)
    parts: list[pd.DataFrame] = []
    labels = [f"{p} [{m}]" for m in members]
    with zipfile.ZipFile(p) as zf:
        for i, member in enumerate(members):
            label = labels[i]
            with zf.open(member) as raw:
                refuse_other_delimiter(raw.read(4096), path=label, what=what)
            with zf.open(member) as raw:
                header = pd.read_csv(raw, nrows=0, encoding="utf-8-sig")
            header.columns = [str(c).strip() for c in header.columns]
            pc, lon, lat = (find_column(header, c, path=label, what=what, role=r) for r, c in _LATLON.items())
            columns = [c for c in header.columns if c in (pc, lon, lat)]
            positions = [list(header.columns).index(c) for c in columns]
            with zf.open(member) as raw:
                blocks = pd.read_csv(
                    raw,
                    usecols=positions,
                    dtype=str,
                    keep_default_na=False,
                    encoding="utf-8-sig",
                    chunksize=_BLOCK_ROWS,
                )
                start = 2
                for block in blocks:
                    block.columns = [str(c).strip() for c in block.columns]
                    rows = np.arange(start, start + len(block))
                    start += len(block)
                    keys = postcode_keys(block[pc])
                    keep = keys.isin(wanted).to_numpy() if wanted is not None else np.ones(len(block), bool)
                    if not keep.any():
                        continue
                    kept = block.loc[keep]
                    x = coordinate_numbers(kept[lon].reset_index(drop=True), path=label, column=lon, rows=rows[keep])
                    y = coordinate_numbers(kept[lat].reset_index(drop=True), path=label, column=lat, rows=rows[keep])
                    parts.append(latlon_frame(kept[pc], x, y, file=i, rows=rows[keep]))
    if not parts:
        raise InputError(
            f"none of the {len(wanted or ())} postcodes asked for is in the {what}",
            path=p,
            hint="check that this is the postcode lookup for the whole country (or for the study's area)",
        )
    return parts, labels, describe_sources([p], "NSPL"), what


def _read_latlon(path: Path, *, what: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Postcode, longitude and latitude columns of one NSPL-style CSV file.

    A well-formed file is read directly with numeric columns (fast); anything else is read again as text so that
    the problem is reported with its row and column.
    """
    candidates = _LATLON
    require_file(path, what)
    with path.open("rb") as fh:
        refuse_other_delimiter(fh.read(4096), path=path, what=what)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
        header.columns = [str(c).strip() for c in header.columns]
    except Exception:
        header = None
    if header is not None:
        pc, lon, lat = (find_column(header, c, path=path, what=what, role=r) for r, c in candidates.items())
        try:
            df = pd.read_csv(
                path,
                usecols=lambda c: str(c).strip() in (pc, lon, lat),
                dtype={pc: str, lon: "float64", lat: "float64"},
                encoding="utf-8-sig",
                keep_default_na=False,
                na_values=[""],
            )
            df.columns = [str(c).strip() for c in df.columns]
            return df[pc], df[lon], df[lat]
        except Exception:  # the careful reading below says what is wrong
            pass
    df = read_csv_table(path, what=what)
    pc, lon, lat = (find_column(df, c, path=path, what=what, role=r) for r, c in candidates.items())
    return (
        df[pc],
        coordinate_numbers(df[lon], path=path, column=lon),
        coordinate_numbers(df[lat], path=path, column=lat),
    )


def _nspl_members(path: Path, *, what: str) -> list[str]:
    """The CSV members of an NSPL zip file to read: its whole-country file, else its per-area files."""

    p, names = zip_file_names(
        path,
        what,
        hint="the download may be incomplete: delete the file and download it again "
        "(hubopt fetch data --only nspl --refresh)",
    )
    csvs = [n for n in names if n.lower().endswith(".csv") and PurePosixPath(n).name.upper().startswith("NSPL")]
    whole = [n for n in csvs if "multi_csv" not in n.lower()]
    if len(whole) == 1:
        return whole
    if not whole and csvs:
        return sorted(csvs)
    shown = ", ".join(repr(n) for n in names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    raise InputError(
        "the zip file holds no NSPL CSV file (such as Data/NSPL_MAY_2025_UK.csv)"
        if not whole
        else f"the zip file holds {len(whole)} whole-country NSPL CSV files, not one",
        path=p,
        hint=f"use the National Statistics Postcode Lookup zip file as ONS publishes it (members: {shown or 'none'})",
    )


def latlon_frame(
    postcodes: pd.Series, lon: pd.Series, lat: pd.Series, *, file: int, rows: np.ndarray
) -> pd.DataFrame:
    """Postcode key, longitude, latitude, no-grid flag, file and row of NSPL rows."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    # NSPL marks postcodes without a grid reference by a blank latitude (or 99.999999) and longitude 0.
    no_grid = np.isnan(x) | np.isnan(y) | (y >= 99) | ((x == 0) & (y == 0))
    return pd.DataFrame(
        {
            "key": postcode_keys(postcodes),
            "lon": x,
            "lat": y,
            "no_grid": no_grid,
            "file": file,
            "row": np.asarray(rows),
        }
    )
