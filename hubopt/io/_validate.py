"""Shared checks for the loaders, each failing with an :class:`~hubopt.errors.InputError` that names the file,
the row and the column and says what to do.

Row numbers are file line numbers: with a header, the first data row is row 2.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, overload

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote

#: Longitude/latitude box that holds Great Britain and its islands (WGS84 degrees).
GB_LONLAT_BOUNDS = (-8.75, 49.8, 1.85, 60.95)
#: Easting/northing box of the British National Grid (EPSG:27700, metres).
GB_BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)

#: The one projected CRS in which hubopt works: British National Grid.
CRS_BNG = "EPSG:27700"
#: Longitude/latitude (WGS84).
CRS_LONLAT = "EPSG:4326"


def require_file(path: str | Path, what: str) -> Path:
    """Return ``path`` as a :class:`Path`, or fail if it is not an existing file.

    Parameters
    ----------
    path : str or Path
        The file to check.
    what : str
        What the file should hold, for the message (e.g. "ODS epraccur file").
    """
    p = Path(path)
    if not p.exists():
        raise InputError(
            f"the {what} does not exist",
            path=p,
            hint="check the path (relative paths are read from the scenario file's folder or the current folder)",
        )
    if not p.is_file():
        raise InputError(f"the {what} is a folder, not a file", path=p, hint="name the file itself")
    return p


#: Delimiters that hubopt recognises in order to refuse them by name (it reads comma-separated files only).
OTHER_DELIMITERS = {";": "';' (semicolon)", "\t": "a tab", "|": "'|' (vertical bar)"}


def refuse_other_delimiter(head: bytes, *, path: str | Path, what: str) -> None:
    """Fail when the first line of a CSV file is split by a semicolon, tab or vertical bar rather than commas.

    Such a file (a spreadsheet saved with a European list separator, or a tab-separated export) would otherwise be
    read as one column, and refused with a message about columns or headers that does not say why.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (a few kilobytes).
    path : str or Path
        The file, for messages.
    what : str
        What the file should hold, for messages.
    """
    text = head.decode("utf-8-sig", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first or "¬" in first:
        return

    def fields(delimiter: str) -> int:
        return len(next(csv.reader([first], delimiter=delimiter), []))

    commas = fields(",")
    counts = {d: fields(d) for d in OTHER_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] >= 2 and counts[best] >= 2 * commas:
        raise InputError(
            f"the {what} uses {OTHER_DELIMITERS[best]} as its delimiter ({counts[best]} fields on its first line, "
            f"{commas} when split at commas); hubopt reads comma-separated files, as the publishers ship them",
            path=path,
            row=1,
            hint="save it as CSV with commas (in Excel: Save As, 'CSV (Comma delimited)'), or use the file as "
            "published",
        )


def read_csv_table(
    path: str | Path,
    *,
    what: str,
    header: bool = True,
    names: Sequence[str] | None = None,
    expected_fields: int | None = None,
) -> pd.DataFrame:
    """Read a CSV file with every value as text, failing clearly on anything that is not a readable CSV.

    Values are kept as strings (codes keep their leading zeros; blanks are empty strings) so that each loader
    decides how to parse numbers and reports the exact row when it cannot.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    what : str
        What the file should hold, for messages.
    header : bool
        Whether the first line is a header.
    names : sequence of str, optional
        Column names for a file without a header.
    expected_fields : int, optional
        For a file without a header: the number of fields every line must have.

    Returns
    -------
    pandas.DataFrame
        All columns as strings, with column names stripped of spaces and of a byte-order mark.
    """
    p = require_file(path, what)
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", path=p) from None
    if not head.strip():
        raise InputError(f"the {what} is empty", path=p, hint="check that the download or export finished")
    if b"\x00" in head or head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"the {what} is not a CSV text file (it looks like a spreadsheet, zip or other binary file)",
            path=p,
            hint="export or unzip it to CSV first",
        )
    refuse_other_delimiter(head, path=p, what=what)
    try:
        df = pd.read_csv(
            p,
            header=0 if header else None,
            names=list(names) if names is not None else None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skipinitialspace=False,
        )
    except UnicodeDecodeError:
        try:
            df = pd.read_csv(
                p,
                header=0 if header else None,
                names=list(names) if names is not None else None,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding="cp1252",
            )
        except Exception as exc:
            raise InputError(f"the {what} could not be read as CSV: {exc}", path=p) from None
    except pd.errors.ParserError as exc:
        raise InputError(
            f"the {what} is not a well-formed CSV file: {exc}",
            path=p,
            hint="check the quoting and that every line has the same number of fields",
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"the {what} is empty", path=p) from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if expected_fields is not None and not header:
        _check_field_count(p, what, expected_fields)
    return df


def _check_field_count(path: Path, what: str, expected: int) -> None:
    with path.open("rb") as fh:
        refuse_other_delimiter(fh.read(4096), path=path, what=what)
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        for line_no, fields in enumerate(csv.reader(fh), start=1):
            if fields and len(fields) != expected:
                raise InputError(
                    f"the {what} should have {expected} fields on every line but this line has {len(fields)}",
                    path=path,
                    row=line_no,
                    hint=f"check that this is the right kind of file (a {what})",
                )


def require_columns(
    df: pd.DataFrame,
    required: Iterable[str],
    *,
    path: str | Path,
    what: str,
    hint: str | None = None,
) -> None:
    """Fail if any of ``required`` is not a column of ``df``, naming the missing ones and the columns present."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        present = ", ".join(repr(c) for c in df.columns[:30])
        close = _close_matches(missing, df.columns)
        raise InputError(
            f"the {what} has no column {', '.join(repr(m) for m in missing)}{close}; columns found: {present}",
            path=path,
            column=missing[0],
            hint=hint or "rename the column or check that this is the right file",
        )


def _close_matches(missing: Sequence[str], columns: Iterable[str]) -> str:
    import difflib

    found = []
    cols = [str(c) for c in columns]
    for m in missing:
        match = difflib.get_close_matches(m, cols, n=1, cutoff=0.6)
        if not match:
            lowered = {c.lower().replace(" ", "_"): c for c in cols}
            key = m.lower().replace(" ", "_")
            if key in lowered:
                match = [lowered[key]]
        if match:
            found.append(f"{quote(m)} (did you mean {quote(match[0])}?)")
    return f" [{'; '.join(found)}]" if found else ""


def numeric_column(
    df: pd.DataFrame,
    column: str,
    *,
    path: str | Path,
    first_row: int = 2,
    allow_blank: bool = False,
    minimum: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """Parse a text column as numbers, failing on the first value that is not one.

    Parameters
    ----------
    df : pandas.DataFrame
        Table read by :func:`read_csv_table` (positional index 0..n-1 is assumed to map to file rows).
    column : str
        The column to parse.
    path : str or Path
        The file, for messages.
    first_row : int
        File line number of ``df``'s first row (2 with a header, 1 without).
    allow_blank : bool
        Whether blanks are allowed (they become NaN).
    minimum : float, optional
        Smallest allowed value.
    integer : bool
        Whether the values must be whole numbers.

    Returns
    -------
    pandas.Series of float
    """
    raw = df[column]
    text = raw.astype(str).str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    blank = text == ""
    bad = values.isna() & ~blank
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{quote(raw.iloc[pos])} is not a number",
            path=path,
            row=first_row + pos,
            column=column,
            hint="correct the value (numbers only, no text or units)"
            + (f"; {int(bad.sum())} rows in all have this problem" if bad.sum() > 1 else ""),
        )
    if blank.any() and not allow_blank:
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        raise InputError(
            "the value is missing",
            path=path,
            row=first_row + pos,
            column=column,
            hint="fill in the value" + (f"; {int(blank.sum())} rows in all are blank" if blank.sum() > 1 else ""),
        )
    vals = values.astype(float)
    if not np.isfinite(vals.fillna(0.0)).all():
        pos = int(np.flatnonzero(~np.isfinite(vals.fillna(0.0).to_numpy()))[0])
        raise InputError("the value is not a finite number", path=path, row=first_row + pos, column=column)
    if minimum is not None:
        low = vals < minimum
        if low.any():
            pos = int(np.flatnonzero(low.to_numpy())[0])
            raise InputError(
                f"{quote(raw.iloc[pos])} is below the smallest allowed value {minimum:g}",
                path=path,
                row=first_row + pos,
                column=column,
                hint="correct the value",
            )
    if integer:
        frac = vals.notna() & (vals != np.round(vals))
        if frac.any():
            pos = int(np.flatnonzero(frac.to_numpy())[0])
            raise InputError(
                f"{quote(raw.iloc[pos])} is not a whole number", path=path, row=first_row + pos, column=column
            )
    return vals


def check_unique(
    df: pd.DataFrame, column: str, *, path: str | Path, first_row: int = 2, what: str = "identifier"
) -> None:
    """Fail on the first duplicated value in ``column``, naming both rows."""
    values = df[column].astype(str).str.strip()
    dup = values.duplicated(keep="first")
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        value = values.iloc[pos]
        first = int(np.flatnonzero((values == value).to_numpy())[0])
        raise InputError(
            f"duplicate {what} {quote(value)} (also on row {first_row + first})",
            path=path,
            row=first_row + pos,
            column=column,
            hint=f"give every row its own {what}, or remove the repeated row",
        )


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


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, for run manifests and caches."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- helpers added for the practice, population, forecast and deprivation loaders ---------------------------------


def _normalise_name(name: object) -> str:
    """Column name reduced to lower-case letters and digits, for tolerant matching."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


@overload
def find_column(
    df: pd.DataFrame,
    candidates: Sequence[str],
    *,
    path: str | Path,
    what: str,
    role: str,
    required: Literal[True] = ...,
) -> str: ...


@overload
def find_column(
    df: pd.DataFrame, candidates: Sequence[str], *, path: str | Path, what: str, role: str, required: bool
) -> str | None: ...


def find_column(
    df: pd.DataFrame,
    candidates: Sequence[str],
    *,
    path: str | Path,
    what: str,
    role: str,
    required: bool = True,
) -> str | None:
    """Return the column of ``df`` that matches one of ``candidates``, ignoring case, spaces and punctuation.

    Candidates are tried in order, so list the preferred name first.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    candidates : sequence of str
        Accepted names for the column (e.g. ``["LSOA11CD", "LSOA21CD", "LSOA code"]``).
    path : str or Path
        The file, for messages.
    what : str
        What the file should hold, for messages.
    role : str
        What the column holds, for messages (e.g. "LSOA code").
    required : bool
        Whether to fail when no candidate is present (otherwise return None).

    Returns
    -------
    str or None
        The column's name as it appears in ``df``.
    """
    by_key: dict[str, str] = {}
    for col in df.columns:
        by_key.setdefault(_normalise_name(col), str(col))
    for cand in candidates:
        found = by_key.get(_normalise_name(cand))
        if found is not None:
            return found
    if not required:
        return None
    accepted = ", ".join(repr(c) for c in candidates)
    present = ", ".join(repr(str(c)) for c in df.columns[:30])
    raise InputError(
        f"the {what} has no {role} column (accepted names: {accepted}); columns found: {present}",
        path=path,
        column=candidates[0],
        hint="rename the column to one of the accepted names, or check that this is the right file",
    )


def text_column(
    df: pd.DataFrame,
    column: str,
    *,
    path: str | Path,
    rows: Sequence[int] | None = None,
    first_row: int = 2,
    allow_blank: bool = False,
) -> pd.Series:
    """Return a text column with surrounding spaces removed, failing on the first blank value.

    Parameters
    ----------
    df : pandas.DataFrame
        Table read by :func:`read_csv_table`.
    column : str
        The column.
    path : str or Path
        The file, for messages.
    rows : sequence of int, optional
        File line number of each row of ``df`` (overrides ``first_row``; use it after rows were filtered out).
    first_row : int
        File line number of ``df``'s first row.
    allow_blank : bool
        Whether blank values are allowed (they stay empty strings).

    Returns
    -------
    pandas.Series of str
    """
    text = df[column].astype(str).str.strip()
    if not allow_blank:
        blank = (text == "").to_numpy()
        if blank.any():
            pos = int(np.flatnonzero(blank)[0])
            raise InputError(
                "the value is missing",
                path=path,
                row=rows[pos] if rows is not None else first_row + pos,
                column=column,
                hint="fill in the value" + (f"; {int(blank.sum())} rows in all are blank" if blank.sum() > 1 else ""),
            )
    return text


def numeric_column_rows(
    df: pd.DataFrame,
    column: str,
    *,
    path: str | Path,
    rows: Sequence[int],
    allow_blank: bool = False,
    minimum: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """:func:`numeric_column` for a table whose rows are not consecutive file lines (e.g. after filtering).

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    column : str
        The column to parse.
    path : str or Path
        The file, for messages.
    rows : sequence of int
        File line number of each row of ``df``.
    allow_blank, minimum, integer
        As for :func:`numeric_column`.

    Returns
    -------
    pandas.Series of float, with ``df``'s index
    """
    try:
        values = numeric_column(
            df.reset_index(drop=True),
            column,
            path=path,
            first_row=0,
            allow_blank=allow_blank,
            minimum=minimum,
            integer=integer,
        )
    except InputError as exc:
        row = rows[exc.row] if exc.row is not None else None
        raise InputError(exc.problem, path=exc.path, row=row, column=exc.column, hint=exc.hint) from None
    return values.set_axis(df.index)


def check_unique_key(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    path: str | Path,
    rows: Sequence[int] | None = None,
    first_row: int = 2,
    what: str = "identifier",
) -> None:
    """Fail on the first row whose values in ``columns`` repeat an earlier row's, naming both rows.

    Like :func:`check_unique`, but for keys of one or more columns and for filtered tables (``rows``).

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    columns : sequence of str
        The columns that together identify a row.
    path : str or Path
        The file, for messages.
    rows : sequence of int, optional
        File line number of each row of ``df`` (overrides ``first_row``).
    first_row : int
        File line number of ``df``'s first row.
    what : str
        What the key identifies, for messages.
    """
    cols = list(columns)
    keys = df[cols].astype(str).apply(lambda s: s.str.strip())
    dup = keys.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    pos = int(np.flatnonzero(dup)[0])
    value = tuple(keys.iloc[pos])
    first = int(np.flatnonzero((keys == keys.iloc[pos]).all(axis=1).to_numpy())[0])

    def line(p: int) -> int:
        return rows[p] if rows is not None else first_row + p

    shown = repr(value[0]) if len(value) == 1 else "(" + ", ".join(repr(v) for v in value) + ")"
    raise InputError(
        f"duplicate {what} {shown} (also on row {line(first)})",
        path=path,
        row=line(pos),
        column=cols[0] if len(cols) == 1 else "/".join(cols),
        hint=f"give every row its own {what}, or remove the repeated row",
    )


def _looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a binary file (spreadsheet, zip, ...) rather than text."""
    return b"\x00" in head or head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def check_field_count(path: str | Path, *, what: str, expected: int, hint: str | None = None) -> None:
    """Fail unless every non-blank line of a CSV file has exactly ``expected`` fields.

    Use it before :func:`read_csv_table` for formats without a header, so that a file of another kind gets a
    message about the format rather than a CSV parser error.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file should hold, for messages.
    expected : int
        The number of fields every line must have.
    hint : str, optional
        What to do when a line has the wrong number of fields.
    """
    p = require_file(path, what)
    with p.open("rb") as fh:
        head = fh.read(4096)
    if _looks_binary(head):
        raise InputError(
            f"the {what} is not a CSV text file (it looks like a spreadsheet, zip or other binary file)",
            path=p,
            hint="export or unzip it to CSV first",
        )
    refuse_other_delimiter(head, path=p, what=what)
    try:
        with p.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
            for line_no, fields in enumerate(csv.reader(fh), start=1):
                if fields and len(fields) != expected:
                    raise InputError(
                        f"this file is not a valid {what}: it should have exactly {expected} fields on every line, "
                        f"but this line has {len(fields)}",
                        path=p,
                        row=line_no,
                        hint=hint or f"check that this is the right kind of file (a {what})",
                    )
    except csv.Error as exc:
        raise InputError(f"the {what} is not a well-formed CSV file: {exc}", path=p) from None


# --------------------------------------------------------------------------------------------------------------------
# Helpers for the geographic loaders (boundaries, hospitals, postcodes, site register).
# Heavy libraries (geopandas, pyproj) are imported inside the functions that need them.
# --------------------------------------------------------------------------------------------------------------------

from typing import TYPE_CHECKING  # noqa: E402 - appended section; keeps its imports next to the helpers using them

if TYPE_CHECKING:
    import geopandas as gpd
    import pyproj

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


def list_source_files(source: str | Path | Iterable[str | Path], *, what: str, suffixes: Sequence[str]) -> list[Path]:
    """The files named by ``source``: one file, a folder (its files ending in one of ``suffixes``) or a list of both.

    Parameters
    ----------
    source : str, Path or iterable of them
        A file, a folder or a list of files and folders.
    what : str
        What the files should hold, for messages (e.g. "LSOA boundary file").
    suffixes : sequence of str
        File endings taken from a folder, lower case with the dot (e.g. ``(".json", ".geojson")``).

    Returns
    -------
    list of Path
        Existing files, folder contents sorted by name, each file once.
    """
    items = [source] if isinstance(source, str | Path) else list(source)
    if not items:
        raise InputError(f"no {what} was given", hint=f"name a {what} or a folder of them")
    ends = tuple(s.lower() for s in suffixes)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(ends))
            if not found:
                raise InputError(
                    f"the folder holds no {what} (no file ending in {', '.join(ends)})",
                    path=p,
                    hint="check the folder, or name the files themselves",
                )
            files.extend(found)
        else:
            files.append(require_file(p, what))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def read_geojson(path: str | Path, *, what: str, where: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON file, failing with an :class:`InputError` naming the file when it is not readable GeoJSON.

    GeoJSON is WGS84 longitude/latitude unless the file names another CRS (a legacy ``"crs"`` member). When the
    coordinates are plainly not degrees and the file names no projected CRS, the file is refused rather than
    guessed at.

    Parameters
    ----------
    path : str or Path
        The GeoJSON file.
    what : str
        What the file should hold, for messages.
    where : str, optional
        An attribute filter (OGR SQL ``WHERE`` clause, e.g. ``"LSOA11CD" IN ('E01024320')``): only the features
        that pass it are read, so that a few areas of a national file are read without building every polygon.

    Returns
    -------
    geopandas.GeoDataFrame
        Properties as columns, ``geometry`` in the file's CRS (never None).
    """
    p = require_file(path, what)
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", path=p) from None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        raise InputError(f"the {what} is empty", path=p, hint="check that the download or export finished")
    if not start.startswith(b"{"):
        kind = "a spreadsheet, zip or other binary file" if _looks_binary(head) else "text that is not JSON (a CSV?)"
        raise InputError(
            f"the {what} is not a GeoJSON file: it holds {kind}",
            path=p,
            hint="give a GeoJSON file (.geojson or .json), e.g. exported from QGIS as GeoJSON",
        )
    import geopandas

    try:
        gdf = geopandas.read_file(p, engine="pyogrio", where=where)
    except Exception as exc:
        detail = str(exc).split(";")[0].strip()
        raise InputError(
            f"the {what} could not be read as GeoJSON ({detail})",
            path=p,
            hint="check that the file is complete, valid GeoJSON (open it in QGIS or geojson.io to see)",
        ) from None
    geoms = gdf.geometry
    present = geoms.notna() & ~geoms.is_empty
    degrees = True
    if present.any():
        x0, y0, x1, y1 = geoms[present].total_bounds
        degrees = bool(x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90)
    if gdf.crs is None or gdf.crs.is_geographic:
        if not degrees:
            raise InputError(
                f"the coordinates (up to {x1:.0f}, {y1:.0f}) are not longitude/latitude degrees, but the {what} "
                "does not say which coordinate system they are in (GeoJSON means WGS84 longitude/latitude "
                "unless it names another)",
                path=p,
                hint="re-export the file as GeoJSON in WGS84 (EPSG:4326); if the coordinates are British National "
                'Grid, the file must name it: "crs": {"type": "name", "properties": {"name": '
                '"urn:ogc:def:crs:EPSG::27700"}}',
            )
        if gdf.crs is None:
            gdf = gdf.set_crs(CRS_LONLAT)
    return gdf


def read_csv_records(path: str | Path, *, what: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Read a CSV file row by row, for files whose rows may not all have as many fields as the header.

    The delimiter is a comma, or ``¬`` when the header line holds one (the NHS website's data files). Blank lines
    are skipped.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    what : str
        What the file should hold, for messages.

    Returns
    -------
    header : list of str
        Header fields, stripped of spaces and of a byte-order mark.
    rows : list of list of str
        The data rows, as text.
    lines : list of int
        File line number on which each data row starts.
    """
    p = require_file(path, what)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", path=p) from None
    if not raw.strip():
        raise InputError(f"the {what} is empty", path=p, hint="check that the download or export finished")
    if _looks_binary(raw[:4096]):
        raise InputError(
            f"the {what} is not a CSV text file (it looks like a spreadsheet, zip or other binary file)",
            path=p,
            hint="export or unzip it to CSV first",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = "¬" if "¬" in first_line else ","
    refuse_other_delimiter(raw[:4096], path=p, what=what)
    import io

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    try:
        for fields in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if header is None:
                header = [f.strip().lstrip("\ufeff") for f in fields]
                continue
            rows.append(fields)
            lines.append(start)
    except csv.Error as exc:
        raise InputError(
            f"the {what} is not a well-formed CSV file: {exc}",
            path=p,
            row=reader.line_num,
            hint="check the quoting on this line",
        ) from None
    if header is None:  # pragma: no cover - a non-blank file always has a first row
        raise InputError(f"the {what} is empty", path=p)
    return header, rows, lines


class renumber_rows:  # noqa: N801 - used like a function: ``with renumber_rows(...):``
    """Context manager that re-numbers the rows of the :class:`InputError` raised inside it.

    The shared checks number rows ``first_row + position``. Inside this block such numbers are translated to
    ``lines[position]`` (real file lines, when rows span several lines or some were skipped), or, with
    ``features=True``, to GeoJSON feature numbers (1 = first feature), both in the error's ``row`` and in any
    "row N" mentioned in its text.

    Parameters
    ----------
    lines : sequence of int, optional
        File line number of each position.
    features : bool
        Report GeoJSON feature numbers instead of rows.
    first_row : int
        The ``first_row`` the checks inside were given.
    """

    def __init__(self, lines: Sequence[int] | None = None, *, features: bool = False, first_row: int = 2) -> None:
        self.lines = lines
        self.features = features
        self.first_row = first_row

    def __enter__(self) -> renumber_rows:
        return self

    def _label(self, row: int) -> str:
        pos = row - self.first_row
        if self.features:
            return f"feature {pos + 1}"
        if self.lines is not None and 0 <= pos < len(self.lines):
            return f"row {self.lines[pos]}"
        return f"row {row}"

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, InputError) or (self.lines is None and not self.features):
            return
        import re

        def sub(text: str | None) -> str | None:
            if text is None:
                return None
            return re.sub(r"\brow (\d+)\b", lambda m: self._label(int(m.group(1))), text)

        problem = sub(exc.problem) or exc.problem
        row = exc.row
        if row is not None:
            label = self._label(row)
            if self.features:
                problem = f"{label}: {problem}" if label not in problem else problem
                row = None
            else:
                row = int(label.split()[1])
        raise InputError(problem, path=exc.path, row=row, column=exc.column, hint=sub(exc.hint)) from None


def check_rows_match_header(df: pd.DataFrame, *, path: str | Path, what: str) -> None:
    """Fail if the data rows of a CSV file have one field more than its header.

    :func:`pandas.read_csv` then silently takes each row's first field as the index and shifts every value one
    column to the left. Call this on a table from :func:`read_csv_table` that should have a plain header.

    Parameters
    ----------
    df : pandas.DataFrame
        Table read by :func:`read_csv_table`.
    path : str or Path
        The file, for messages.
    what : str
        What the file should hold, for messages.
    """
    if not isinstance(df.index, pd.RangeIndex):
        raise InputError(
            f"the rows of the {what} have one field more than its header line, so the values would not line up "
            "with the column names",
            path=path,
            row=2,
            hint="remove the extra comma at the end of each row, or give the first column a name in the header",
        )


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
