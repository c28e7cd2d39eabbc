"""Postcodes: tidy spelling and look up grid references.

A :class:`PostcodeLookup` holds postcode → easting/northing (British National Grid, EPSG:27700) from one of:

- the ONS National Statistics Postcode Lookup as ``Postcode,lat,long`` CSV files (e.g. one file per postcode area,
  as republished by ODI Leeds), :meth:`PostcodeLookup.from_nspl_latlon`, or as ONS publishes it, a zip file
  read a block at a time for the postcodes needed, :meth:`PostcodeLookup.from_nspl_zip` (both read by
  :mod:`hubopt.io._nspl`);
- OS Code-Point Open (CSV without a header, columns ``PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC``),
  :meth:`PostcodeLookup.from_codepoint` (read by :mod:`hubopt.io._codepoint`);
- any table with a postcode column and coordinates, :meth:`PostcodeLookup.from_frame`.

Postcodes listed without a grid reference (NSPL: blank latitude; Code-Point: positional quality 90 or 0/0
coordinates) are not located: :meth:`PostcodeLookup.locate` reports them as unknown, and they are counted in
``lookup.excluded``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._codepoint import CODEPOINT_COLUMNS, read_codepoint
from hubopt.io._coords import GB_BNG_BOUNDS, GB_LONLAT_BOUNDS, lonlat_to_bng
from hubopt.io._nspl import read_nspl_latlon, read_nspl_zip
from hubopt.io._postcode_common import (
    POSTCODE_KEY,
    coordinate_numbers,
    normalise_postcode,
    outside_bounds,
    postcode_key,
    postcode_keys,
    spelled_postcodes,
)

__all__ = ["CODEPOINT_COLUMNS", "PostcodeLookup", "normalise_postcode", "postcode_key"]


_UNKNOWN_HINT = (
    "check the spelling of the postcode; if it is new (or recently retired), use a newer postcode lookup "
    "(the latest ONS NSPL or OS Code-Point Open); or give the site's coordinates (lon/lat or easting/northing) "
    "instead of a postcode"
)
_SHOW = 10


class PostcodeLookup:
    """Postcode → easting/northing (EPSG:27700) table.

    Build one with :meth:`from_nspl_latlon`, :meth:`from_codepoint` or :meth:`from_frame`.

    Attributes
    ----------
    source : str
        Where the table came from, for messages.
    files : list of str
        The files (or zip members, as ``ZIP [member]``) it was read from.
    excluded : dict of str to int
        Postcodes in the source that cannot be located, counted by reason.
    """

    def __init__(
        self, keys: Sequence[str] | pd.Series, easting: np.ndarray, northing: np.ndarray, *, source: str
    ) -> None:
        index = pd.Index(keys, dtype="str")
        if not index.is_unique:  # pragma: no cover - constructors resolve duplicates first
            raise ValueError("postcode keys must be unique")
        self._index = index
        self._xy = np.column_stack([np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)])
        self.source = source
        self.files: list[str] = [source]
        self.excluded: dict[str, int] = {}
        self._no_grid: frozenset[str] = frozenset()

    # ----------------------------------------------------------------------------------------------------------
    # constructors
    # ----------------------------------------------------------------------------------------------------------
    @classmethod
    def from_nspl_latlon(cls, source: str | Path | Iterable[str | Path]) -> PostcodeLookup:
        """Load ``Postcode,lat,long`` CSV files (ONS NSPL latitude/longitude).

        Parameters
        ----------
        source : str, Path or iterable of them
            A CSV file, a folder of CSV files (e.g. one per postcode area) or a list of them. Accepted column
            names: postcode ``Postcode``/``pcds``/``pcd``; latitude ``lat``/``latitude``; longitude
            ``long``/``lon``/``longitude`` (any case).

        Returns
        -------
        PostcodeLookup
        """
        parts, files, source_text, what = read_nspl_latlon(source)
        return cls._from_latlon(parts, files=files, source=source_text, what=what)

    @classmethod
    def from_nspl_zip(cls, path: str | Path, postcodes: Iterable[str] | None = None) -> PostcodeLookup:
        """Load the ONS National Statistics Postcode Lookup from its zip file, keeping only the postcodes asked for.

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
        PostcodeLookup
            Postcodes without a grid reference (latitude 99.999999) are left out and counted in ``excluded``.

        Raises
        ------
        InputError
            When the zip file holds no NSPL CSV file, a file lacks the postcode, ``lat`` or ``long`` column, a
            coordinate is not a number (naming the member, row and column), or none of the postcodes asked for is
            in the file.
        """
        parts, files, source, what = read_nspl_zip(path, postcodes)
        return cls._from_latlon(parts, files=files, source=source, what=what)

    @classmethod
    def _from_latlon(
        cls, parts: Sequence[pd.DataFrame], *, files: Sequence[str], source: str, what: str
    ) -> PostcodeLookup:
        """Build a lookup from frames of :func:`latlon_frame` (longitude/latitude): project them to BNG."""
        table = pd.concat(parts, ignore_index=True)
        outside = outside_bounds(table["lon"], table["lat"], GB_LONLAT_BOUNDS) & ~table["no_grid"]
        e, n = lonlat_to_bng(table["lon"].where(~table["no_grid"]), table["lat"].where(~table["no_grid"]))
        table["easting"], table["northing"] = e, n
        return cls._build(table, outside, files=files, source=source, what=what)

    @classmethod
    def from_codepoint(cls, path: str | Path | Iterable[str | Path]) -> PostcodeLookup:
        """Load OS Code-Point Open CSV files (eastings and northings already in British National Grid).

        Parameters
        ----------
        path : str, Path or iterable of them
            A Code-Point Open CSV file, the folder of them (``Data/CSV``) or a list. The files have no header and
            the columns ``PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC``; a header line starting ``PC`` or ``Postcode`` is
            accepted too. The column-names file (``Code-Point_Open_Column_Headers.csv``) is skipped.

        Returns
        -------
        PostcodeLookup
        """
        table, outside, files, source, what = read_codepoint(path)
        return cls._build(table, outside, files=files, source=source, what=what)

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        postcode: str = "postcode",
        source: str = "postcode table",
    ) -> PostcodeLookup:
        """Build a lookup from a table with a postcode column and coordinates.

        Parameters
        ----------
        df : pandas.DataFrame
            The table (not changed). Coordinates are taken from ``easting``/``northing`` (British National Grid)
            when present, else from ``lon``/``lat`` (WGS84; ``long``/``longitude``/``latitude`` accepted).
            Rows with a blank coordinate count as postcodes without a grid reference.
        postcode : str
            The postcode column.
        source : str
            A description of the table, for messages.

        Returns
        -------
        PostcodeLookup
        """
        what = source
        if postcode not in df.columns:
            raise InputError(
                f"the {what} has no column {postcode!r}; columns found: {', '.join(map(repr, df.columns[:30]))}",
                column=postcode,
                hint="name the postcode column",
            )
        data = df.reset_index(drop=True)
        ea = _pick(data, ["easting", "eastings", "x"])
        no = _pick(data, ["northing", "northings", "y"])
        table = pd.DataFrame({"key": postcode_keys(data[postcode]), "file": 0, "row": np.arange(1, len(data) + 1)})
        if ea is not None and no is not None:
            table["easting"] = coordinate_numbers(data[ea], path=None, column=ea, first_row=0).to_numpy()
            table["northing"] = coordinate_numbers(data[no], path=None, column=no, first_row=0).to_numpy()
            table["no_grid"] = table["easting"].isna() | table["northing"].isna()
            outside = outside_bounds(table["easting"], table["northing"], GB_BNG_BOUNDS) & ~table["no_grid"]
        else:
            lon = _pick(data, ["lon", "long", "longitude"])
            lat = _pick(data, ["lat", "latitude"])
            if lon is None or lat is None:
                raise InputError(
                    f"the {what} has neither easting/northing nor lon/lat columns; columns found: "
                    + ", ".join(map(repr, data.columns[:30])),
                    hint="give easting and northing (British National Grid) or lon and lat (WGS84) columns",
                )
            x = coordinate_numbers(data[lon], path=None, column=lon, first_row=0)
            y = coordinate_numbers(data[lat], path=None, column=lat, first_row=0)
            table["no_grid"] = (x.isna() | y.isna()).to_numpy()
            outside = outside_bounds(x, y, GB_LONLAT_BOUNDS) & ~table["no_grid"]
            table["easting"], table["northing"] = lonlat_to_bng(x.to_numpy(), y.to_numpy())
        return cls._build(table, outside, files=[source], source=source, what=what)

    @classmethod
    def _build(
        cls, table: pd.DataFrame, outside: pd.Series, *, files: Sequence[str], source: str, what: str
    ) -> PostcodeLookup:
        """Count unusable rows, resolve repeated postcodes and build the lookup.

        ``table`` has columns key, easting, northing, no_grid, file (position in ``files``) and row.
        """
        no_grid = table["no_grid"].to_numpy(dtype=bool)
        bad_key = (table["key"] == "").to_numpy()
        out = np.asarray(outside, dtype=bool)
        excluded: dict[str, int] = {}
        for reason, mask in (
            ("no grid reference", no_grid & ~bad_key),
            ("outside Great Britain", out & ~bad_key),
            ("blank postcode", bad_key),
        ):
            if mask.any():
                excluded[reason] = int(mask.sum())
        good = table[~no_grid & ~out & ~bad_key]
        if not pd.Index(good["key"]).is_unique:
            dup = good["key"].duplicated(keep=False)
            d = good[dup]
            # The same postcode twice is harmless when both give the same place (to 1 m); otherwise refuse.
            spread = d.groupby("key")[["easting", "northing"]].agg(lambda v: v.max() - v.min()).max(axis=1)
            clash = spread[spread > 1.0]
            if len(clash):
                key = str(clash.index[0])
                a, b = d[d["key"] == key].iloc[0], d[d["key"] == key].iloc[1]
                raise InputError(
                    f"postcode {spelled_postcodes(np.array([key]))[0]!r} appears twice with different coordinates: "
                    f"{files[a['file']]} row {a['row']} and {files[b['file']]} row {b['row']}"
                    + (f"; {len(clash)} postcodes in all" if len(clash) > 1 else ""),
                    hint="use one postcode lookup (one release) and remove the repeated rows",
                )
            excluded["repeated postcode"] = int(good["key"].duplicated().sum())
            good = good.drop_duplicates("key")
        if good.empty:
            raise InputError(
                f"the {what} holds no postcode with usable coordinates"
                + (f" ({', '.join(f'{k}: {v}' for k, v in excluded.items())})" if excluded else ""),
                path=files[0] if len(files) == 1 else None,
                hint="check that this is the right file and that latitude and longitude are not swapped",
            )
        lookup = cls(good["key"], good["easting"].to_numpy(), good["northing"].to_numpy(), source=source)
        lookup.files = list(files)
        lookup.excluded = excluded
        if no_grid.any():
            listed = table.loc[no_grid & ~bad_key, "key"]
            lookup._no_grid = frozenset(listed[lookup._index.get_indexer(listed) < 0])
        return lookup

    # ----------------------------------------------------------------------------------------------------------
    # use
    # ----------------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, postcode: object) -> bool:
        if not isinstance(postcode, str):
            return False
        return postcode_key(postcode) in self._index

    def __repr__(self) -> str:
        return f"PostcodeLookup({len(self):,} postcodes from {self.source})"

    def locate(
        self,
        postcodes: Sequence[str],
        *,
        path: str | Path | None = None,
        column: str = "postcode",
        rows: Sequence[int] | None = None,
        row_label: str = "row",
    ) -> np.ndarray:
        """Easting/northing (EPSG:27700) of each postcode, failing if any is not in the lookup.

        Parameters
        ----------
        postcodes : sequence of str
            Postcodes in any spelling (case and spaces do not matter).
        path : str or Path, optional
            The file the postcodes come from, for the message.
        column : str
            The column they come from, for the message.
        rows : sequence of int, optional
            The file row (line number) of each postcode, for the message; without it, positions 1, 2, ... are
            given.
        row_label : str
            What a row is called in the message (e.g. ``"feature"`` for GeoJSON).

        Returns
        -------
        numpy.ndarray of shape (n, 2)
            Easting and northing in metres.

        Raises
        ------
        InputError
            Listing the unknown postcodes (the first ten, and how many in all) with their rows.
        """
        keys = postcode_keys(postcodes).to_numpy(dtype=object)
        pos = self._index.get_indexer(keys)
        unknown = np.flatnonzero(pos < 0)
        if len(unknown):
            raise self._unknown_error(postcodes, keys, unknown, path=path, column=column, rows=rows, label=row_label)
        return self._xy[pos].copy()

    def _unknown_error(
        self,
        postcodes: Sequence[str],
        keys: np.ndarray,
        unknown: np.ndarray,
        *,
        path: str | Path | None,
        column: str,
        rows: Sequence[int] | None,
        label: str,
    ) -> InputError:
        if rows is None:
            label = "item"  # positions in the list given

        def where(i: int) -> int:
            return int(rows[i]) if rows is not None else i + 1

        given = list(postcodes)
        items = []
        for i in unknown[:_SHOW]:
            raw = given[i]
            key = keys[i]
            text = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw).strip()
            if not key:
                note = "blank"
            elif not POSTCODE_KEY.match(key):
                note = "not shaped like a postcode"
            elif key in self._no_grid:
                note = "listed without a grid reference"
            else:
                note = None
            shown = repr(text) if text else "(blank)"
            items.append(f"{shown} ({label} {where(i)}{', ' + note if note and text else ''})")
        more = f", and {len(unknown) - _SHOW} more" if len(unknown) > _SHOW else ""
        n = len(unknown)
        problem = (
            f"{n} postcode{'s' if n > 1 else ''} not found in the postcode lookup ({self.source}): "
            + "; ".join(items)
            + more
        )
        return InputError(
            problem,
            path=path,
            row=where(int(unknown[0])) if label == "row" else None,
            column=column,
            hint=_UNKNOWN_HINT,
        )

    def to_frame(self) -> pd.DataFrame:
        """The lookup as a table: ``postcode`` (standard spelling), ``easting``, ``northing``."""
        return pd.DataFrame(
            {
                "postcode": spelled_postcodes(self._index.to_numpy()),
                "easting": self._xy[:, 0],
                "northing": self._xy[:, 1],
            }
        )


def _pick(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    """The first column of ``df`` named like one of ``names`` (ignoring case and spaces), or None."""
    by_key = {str(c).strip().lower(): str(c) for c in df.columns}
    for name in names:
        if name in by_key:
            return by_key[name]
    return None
