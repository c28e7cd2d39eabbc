"""Postcodes: tidy spelling and look up grid references.

A :class:`PostcodeLookup` holds postcode → easting/northing (British National Grid, EPSG:27700) from one of:

- the ONS National Statistics Postcode Lookup as ``Postcode,lat,long`` CSV files (e.g. one file per postcode area,
  as republished by ODI Leeds), :meth:`PostcodeLookup.from_nspl_latlon`, or as ONS publishes it, a zip file
  read a block at a time for the postcodes needed, :meth:`PostcodeLookup.from_nspl_zip`;
- OS Code-Point Open (CSV without a header, columns ``PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC``),
  :meth:`PostcodeLookup.from_codepoint`;
- any table with a postcode column and coordinates, :meth:`PostcodeLookup.from_frame`.

Postcodes listed without a grid reference (NSPL: blank latitude; Code-Point: positional quality 90 or 0/0
coordinates) are not located: :meth:`PostcodeLookup.locate` reports them as unknown, and they are counted in
``lookup.excluded``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import find_column
from hubopt.io._coords import GB_BNG_BOUNDS, GB_LONLAT_BOUNDS, lonlat_to_bng
from hubopt.io._csv import check_field_count, read_csv_table, refuse_other_delimiter
from hubopt.io._files import list_source_files, require_file

__all__ = ["CODEPOINT_COLUMNS", "PostcodeLookup", "normalise_postcode", "postcode_key"]

#: Column names of OS Code-Point Open CSV files (they have no header line).
CODEPOINT_COLUMNS = ("PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC")

#: A UK postcode without spaces: outward code (area letters, district) and inward code (sector digit, unit).
_POSTCODE_KEY = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$")

_UNKNOWN_HINT = (
    "check the spelling of the postcode; if it is new (or recently retired), use a newer postcode lookup "
    "(the latest ONS NSPL or OS Code-Point Open); or give the site's coordinates (lon/lat or easting/northing) "
    "instead of a postcode"
)
_SHOW = 10
#: Accepted names of the columns of an NSPL latitude/longitude file, in order of preference (any case).
_LATLON = {
    "postcode": ["Postcode", "pcds", "pcd", "pcd7", "pcd8"],
    "longitude": ["long", "lon", "longitude"],
    "latitude": ["lat", "latitude"],
}
#: Rows read at a time from a zipped NSPL file.
_BLOCK_ROWS = 250_000


def postcode_key(text: str) -> str:
    """The postcode as a lookup key: upper case, no spaces (``"tn1 1aa"`` → ``"TN11AA"``).

    Never fails; text that is not a postcode simply matches nothing.

    Parameters
    ----------
    text : str
        A postcode as written.

    Returns
    -------
    str
    """
    return re.sub(r"\s+", "", str(text)).upper()


def normalise_postcode(text: str) -> str:
    """The postcode in its standard spelling: upper case, one space before the 3-character inward code.

    ``"tn11aa"`` → ``"TN1 1AA"``; ``"TN1  1AA"`` → ``"TN1 1AA"``; ``"me16 9qq"`` → ``"ME16 9QQ"``.

    Parameters
    ----------
    text : str
        A postcode as written.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the text is not shaped like a UK postcode (e.g. ``"TN1"``, ``"12345"``).
    """
    key = postcode_key(text)
    if not _POSTCODE_KEY.match(key):
        raise ValueError(f"{text!r} is not a UK postcode (expected something like 'TN1 1AA')")
    return f"{key[:-3]} {key[-3:]}"


def _keys(values: Iterable[object]) -> pd.Series:
    """Vectorised :func:`postcode_key`: upper case, no spaces; missing values become empty strings."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    text = series.astype("str").fillna("").str.strip()
    for space in (" ", "\t", "\u00a0"):
        text = text.str.replace(space, "", regex=False)
    return text.str.upper().reset_index(drop=True)


def _spelled(keys: np.ndarray) -> np.ndarray:
    """Standard spelling of (valid) keys: a space before the last three characters."""
    k = pd.Series(keys, dtype=str)
    return (k.str[:-3] + " " + k.str[-3:]).to_numpy()


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
        what = "postcode lookup (NSPL latitude/longitude CSV)"
        files = list_source_files(source, what=what, suffixes=(".csv",))
        parts = []
        for i, f in enumerate(files):
            pc, lon, lat = _read_latlon(f, what=what)
            parts.append(_latlon_frame(pc, lon, lat, file=i, rows=np.arange(2, len(pc) + 2)))
        return cls._from_latlon(parts, files=[str(f) for f in files], source=_describe(files, "NSPL"), what=what)

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
        import zipfile

        what = "National Statistics Postcode Lookup (NSPL) zip file"
        p = Path(path)
        wanted = None if postcodes is None else set(_keys(list(postcodes)))
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
                        keys = _keys(block[pc])
                        keep = keys.isin(wanted).to_numpy() if wanted is not None else np.ones(len(block), bool)
                        if not keep.any():
                            continue
                        kept = block.loc[keep]
                        x = _numbers(kept[lon].reset_index(drop=True), path=label, column=lon, rows=rows[keep])
                        y = _numbers(kept[lat].reset_index(drop=True), path=label, column=lat, rows=rows[keep])
                        parts.append(_latlon_frame(kept[pc], x, y, file=i, rows=rows[keep]))
        if not parts:
            raise InputError(
                f"none of the {len(wanted or ())} postcodes asked for is in the {what}",
                path=p,
                hint="check that this is the postcode lookup for the whole country (or for the study's area)",
            )
        return cls._from_latlon(parts, files=labels, source=_describe([p], "NSPL"), what=what)

    @classmethod
    def _from_latlon(
        cls, parts: Sequence[pd.DataFrame], *, files: Sequence[str], source: str, what: str
    ) -> PostcodeLookup:
        """Build a lookup from frames of :func:`_latlon_frame` (longitude/latitude): project them to BNG."""
        table = pd.concat(parts, ignore_index=True)
        outside = _outside(table["lon"], table["lat"], GB_LONLAT_BOUNDS) & ~table["no_grid"]
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
        what = "OS Code-Point Open postcode file"
        files = list_source_files(path, what=what, suffixes=(".csv",))
        # Code-Point Open ships its column names as a separate small CSV: not a data file.
        files = [f for f in files if not f.name.lower().endswith("column_headers.csv")] or files
        parts = []
        for i, f in enumerate(files):
            with f.open("rb") as fh:
                first = fh.readline().decode("utf-8-sig", errors="replace").strip().strip('"').lower()
            has_header = first.startswith(("pc,", 'pc",', "postcode"))
            check_field_count(
                f,
                what=what,
                expected=len(CODEPOINT_COLUMNS),
                hint="give the CSV files of Code-Point Open's Data/CSV folder (columns PC,PQ,EA,NO,...)",
            )
            df = read_csv_table(f, what=what, header=has_header, names=None if has_header else CODEPOINT_COLUMNS)
            df.columns = list(CODEPOINT_COLUMNS)
            first_row = 2 if has_header else 1
            e = _numbers(df["EA"], path=f, column="EA", first_row=first_row)
            n = _numbers(df["NO"], path=f, column="NO", first_row=first_row)
            pq = df["PQ"].str.strip()
            no_grid = (pq == "90") | e.isna() | n.isna() | ((e == 0) & (n == 0))
            parts.append(
                pd.DataFrame(
                    {
                        "key": _keys(df["PC"]),
                        "easting": e.to_numpy(),
                        "northing": n.to_numpy(),
                        "no_grid": no_grid.to_numpy(),
                        "file": i,
                        "row": np.arange(first_row, len(df) + first_row),
                    }
                )
            )
        table = pd.concat(parts, ignore_index=True)
        outside = _outside(table["easting"], table["northing"], GB_BNG_BOUNDS) & ~table["no_grid"]
        return cls._build(
            table, outside, files=[str(f) for f in files], source=_describe(files, "Code-Point Open"), what=what
        )

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
        table = pd.DataFrame({"key": _keys(data[postcode]), "file": 0, "row": np.arange(1, len(data) + 1)})
        if ea is not None and no is not None:
            table["easting"] = _numbers(data[ea], path=None, column=ea, first_row=0).to_numpy()
            table["northing"] = _numbers(data[no], path=None, column=no, first_row=0).to_numpy()
            table["no_grid"] = table["easting"].isna() | table["northing"].isna()
            outside = _outside(table["easting"], table["northing"], GB_BNG_BOUNDS) & ~table["no_grid"]
        else:
            lon = _pick(data, ["lon", "long", "longitude"])
            lat = _pick(data, ["lat", "latitude"])
            if lon is None or lat is None:
                raise InputError(
                    f"the {what} has neither easting/northing nor lon/lat columns; columns found: "
                    + ", ".join(map(repr, data.columns[:30])),
                    hint="give easting and northing (British National Grid) or lon and lat (WGS84) columns",
                )
            x = _numbers(data[lon], path=None, column=lon, first_row=0)
            y = _numbers(data[lat], path=None, column=lat, first_row=0)
            table["no_grid"] = (x.isna() | y.isna()).to_numpy()
            outside = _outside(x, y, GB_LONLAT_BOUNDS) & ~table["no_grid"]
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
                    f"postcode {_spelled(np.array([key]))[0]!r} appears twice with different coordinates: "
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
        keys = _keys(postcodes).to_numpy(dtype=object)
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
            elif not _POSTCODE_KEY.match(key):
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
            {"postcode": _spelled(self._index.to_numpy()), "easting": self._xy[:, 0], "northing": self._xy[:, 1]}
        )


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
    return df[pc], _numbers(df[lon], path=path, column=lon), _numbers(df[lat], path=path, column=lat)


def _nspl_members(path: Path, *, what: str) -> list[str]:
    """The CSV members of an NSPL zip file to read: its whole-country file, else its per-area files."""
    from hubopt.io.packaged import zip_file_names

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


def _latlon_frame(
    postcodes: pd.Series, lon: pd.Series, lat: pd.Series, *, file: int, rows: np.ndarray
) -> pd.DataFrame:
    """Postcode key, longitude, latitude, no-grid flag, file and row of NSPL rows."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    # NSPL marks postcodes without a grid reference by a blank latitude (or 99.999999) and longitude 0.
    no_grid = np.isnan(x) | np.isnan(y) | (y >= 99) | ((x == 0) & (y == 0))
    return pd.DataFrame(
        {"key": _keys(postcodes), "lon": x, "lat": y, "no_grid": no_grid, "file": file, "row": np.asarray(rows)}
    )


def _numbers(
    values: pd.Series,
    *,
    path: str | Path | None,
    column: str,
    first_row: int = 2,
    rows: Sequence[int] | None = None,
) -> pd.Series:
    """Parse numbers, blanks becoming NaN; fail naming the first value that is not a number (its row is
    ``rows[position]`` when given, else ``first_row + position``)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("string").fillna("").str.strip()
    out = pd.to_numeric(text.where(text != ""), errors="coerce").astype(float)
    bad = (out.isna() & (text != "")).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{text.iloc[pos]!r} is not a number" + (f"; {int(bad.sum())} values in all" if bad.sum() > 1 else ""),
            path=path,
            row=(int(rows[pos]) if rows is not None else first_row + pos) if path is not None else None,
            column=column,
            hint="check that this is the right kind of file and that the column holds coordinates",
        )
    return out


def _pick(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    """The first column of ``df`` named like one of ``names`` (ignoring case and spaces), or None."""
    by_key = {str(c).strip().lower(): str(c) for c in df.columns}
    for name in names:
        if name in by_key:
            return by_key[name]
    return None


def _outside(x: pd.Series, y: pd.Series, bounds: tuple[float, float, float, float]) -> pd.Series:
    x0, y0, x1, y1 = bounds
    xs = pd.Series(np.asarray(x, dtype=float))
    ys = pd.Series(np.asarray(y, dtype=float))
    inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    return ~inside & xs.notna() & ys.notna()


def _describe(files: Sequence[Path], kind: str) -> str:
    if len(files) == 1:
        return f"{kind}, {files[0]}"
    folders = {str(f.parent) for f in files}
    where = next(iter(folders)) if len(folders) == 1 else f"{len(folders)} folders"
    return f"{kind}, {len(files)} files in {where}"
