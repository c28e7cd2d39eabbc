"""Travel times supplied as a file: public transport (e.g. from r5py or TravelTime) and any other mode.

hubopt does not route public transport itself. A matrix made elsewhere is read as a *long* table, one row per
zone-site pair, from CSV or Parquet, and checked against the study's zone ids and site ids:

- columns are recognised by their usual names: ``from_id, to_id, travel_time`` (r5py's
  ``TravelTimeMatrix``), ``origin, destination, minutes``, ``origin_id, destination_id, minutes`` and a few more
  (see :data:`ORIGIN_COLUMNS`, :data:`DESTINATION_COLUMNS`, :data:`MINUTES_COLUMNS`), or named explicitly;
- an id that is not a zone or site of the study is an error listing them;
- a blank, non-numeric or negative time is an error naming its row;
- a pair given twice is an error naming both rows;
- pairs that are not in the file are reported (how many and some examples) and are an error, unless the caller
  allows them with ``missing="unreachable"``: they then become ``inf`` (no journey) and are listed in
  :attr:`~hubopt.travel.matrix.TravelMatrix.unreachable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.io._csv import read_csv_table
from hubopt.io._files import file_sha256, require_file
from hubopt.travel.matrix import TravelMatrix

__all__ = ["DESTINATION_COLUMNS", "MINUTES_COLUMNS", "ORIGIN_COLUMNS", "load_supplied_matrix"]

#: Column names recognised as the origin (zone) id, in order of preference (compared case-insensitively).
ORIGIN_COLUMNS = ("origin_id", "from_id", "origin", "from", "zone_id", "zone", "o")
#: Column names recognised as the destination (site) id.
DESTINATION_COLUMNS = ("destination_id", "to_id", "destination", "to", "site_id", "site", "d")
#: Column names recognised as the time in minutes.
MINUTES_COLUMNS = ("minutes", "travel_time", "travel_time_minutes", "time_minutes", "duration_minutes", "time")

_MAX_LISTED = 10

#: Longest plausible time for one zone-site journey (minutes): a day. A longer time is a unit or export error
#: (seconds, a "no route" code such as 1e12 or 2147483647) rather than a journey to a local hub.
MAX_PLAUSIBLE_MINUTES = 1_440.0
#: A matrix whose median time exceeds this many minutes while being more than :data:`SECONDS_RATIO` times the
#: straight-line drive estimate for the same pairs is taken to be in seconds: even walking is only about 10 times
#: slower than the drive estimate, and public transport 2-4 times, whereas seconds are 60 times minutes.
SECONDS_MEDIAN_MINUTES = 180.0
SECONDS_RATIO = 25.0


def _pick(columns: Sequence[str], given: str | None, candidates: Sequence[str], what: str, path: Path) -> str:
    if given is not None:
        if given not in columns:
            raise InputError(
                f"the travel-time matrix has no column {given!r}; columns found: {', '.join(map(repr, columns))}",
                path=path,
                column=given,
                hint="name the right column in the scenario, or rename it in the file",
            )
        return given
    lower = {c.lower().strip(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    raise InputError(
        f"the travel-time matrix has no {what} column (looked for {', '.join(candidates)}); "
        f"columns found: {', '.join(map(repr, columns))}",
        path=path,
        hint="give the file columns for the zone id, the site id and the minutes (e.g. from_id, to_id, "
        "travel_time as r5py writes them, or origin, destination, minutes), or name them in the scenario",
    )


def _some(items: Sequence[str], n: int = _MAX_LISTED) -> str:
    shown = ", ".join(repr(i) for i in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def _id_text(series: pd.Series) -> pd.Series:
    """Ids as text: whole floats lose their ``.0`` (Parquet/pandas often turn integer ids into floats)."""

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return series.astype(object).map(one)


def _read_table(p: Path) -> tuple[pd.DataFrame, bool]:
    """The table and whether it came from CSV (rows are file lines) or Parquet (rows are records)."""
    with p.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1" or p.suffix.lower() in (".parquet", ".pq"):
        try:
            return pd.read_parquet(p), False
        except Exception as exc:
            raise InputError(
                f"the travel-time matrix could not be read as Parquet ({type(exc).__name__}: {str(exc)[:200]})",
                path=p,
                hint="check that the file is complete, or export it as CSV",
            ) from None
    return read_csv_table(p, what="travel-time matrix"), True


def _refuse_seconds(minutes: np.ndarray, expected: np.ndarray, path: Path, column: str) -> None:
    """Refuse a matrix whose times look like seconds next to the straight-line estimate of the same pairs."""
    given = np.isfinite(minutes) & np.isfinite(expected)
    if not given.any():
        return
    median = float(np.median(minutes[given]))
    estimate = float(np.median(expected[given]))
    if median > SECONDS_MEDIAN_MINUTES and median > SECONDS_RATIO * max(estimate, 1e-9):
        raise InputError(
            f"the travel times look like seconds, not minutes: their median is {median:,.0f} "
            f"(about {median / 60:,.0f} if they are seconds), while the straight-line drive estimate for the same "
            f"zone-site pairs has a median of {estimate:,.0f} minutes",
            path=path,
            column=column,
            hint="divide every time by 60 (or export the matrix in minutes); r5py's travel_time is already in "
            "minutes",
        )


def _where(pos: int, is_csv: bool) -> dict[str, Any]:
    """The ``row`` of an error about record ``pos``: CSV: the file line (header on line 1). Parquet has no lines, so
    the record number goes in the text (:func:`_label`)."""
    return {"row": pos + 2} if is_csv else {}


def _label(pos: int, is_csv: bool) -> str:
    """Record ``pos`` as a message calls it: its CSV row, or its Parquet record number."""
    return f"row {pos + 2}" if is_csv else f"record {pos + 1}"


def _ids(df: pd.DataFrame, col: str, p: Path, is_csv: bool) -> pd.Series:
    """The zone or site ids of column ``col`` as text, failing on a blank one."""

    ids = _id_text(df[col])
    blank = (ids == "").to_numpy()
    if blank.any():
        pos = int(np.flatnonzero(blank)[0])
        raise InputError(
            f"{'' if is_csv else _label(pos, is_csv) + ': '}the id is missing"
            + (f" ({int(blank.sum())} rows)" if blank.sum() > 1 else ""),
            path=p,
            column=col,
            hint="fill in the zone and site id of every row",
            **_where(pos, is_csv),
        )
    return ids


def _minutes(raw: pd.Series, mc: str, p: Path, is_csv: bool) -> np.ndarray:
    """The times of the minutes column as numbers, failing on text, blanks, negative or non-finite values."""

    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.astype(float).to_numpy()
        nonnumeric = np.zeros(len(values), dtype=bool)
        blank = np.isnan(values)
    else:
        text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
        blank = (text == "").to_numpy() | text.str.lower().isin(["nan", "na", "n/a", "null", "none"]).to_numpy()
        values = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float)
        nonnumeric = np.isnan(values) & ~blank
    if nonnumeric.any():
        pos = int(np.flatnonzero(nonnumeric)[0])
        raise InputError(
            f"{'' if is_csv else _label(pos, is_csv) + ': '}{raw.iloc[pos]!r} is not a number of minutes",
            path=p,
            column=mc,
            hint="times must be numbers of minutes, without units"
            + (f"; {int(nonnumeric.sum())} rows in all have this problem" if nonnumeric.sum() > 1 else ""),
            **_where(pos, is_csv),
        )
    if blank.any():
        pos = int(np.flatnonzero(blank)[0])
        raise InputError(
            f"{'' if is_csv else _label(pos, is_csv) + ': '}the travel time is missing"
            + (f" ({int(blank.sum())} rows in all)" if blank.sum() > 1 else ""),
            path=p,
            column=mc,
            hint="give every row a time; if a blank means 'no journey' (as r5py writes pairs with no route within "
            "its max_time), delete those rows and allow missing pairs (missing='unreachable')",
            **_where(pos, is_csv),
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{'' if is_csv else _label(pos, is_csv) + ': '}the travel time {raw.iloc[pos]!r} is "
            + ("negative" if values[pos] < 0 else "not a finite number"),
            path=p,
            column=mc,
            hint="times must be 0 or more minutes"
            + (f"; {int(bad.sum())} rows in all have this problem" if bad.sum() > 1 else ""),
            **_where(pos, is_csv),
        )
    return values


def _pair_positions(
    orig: pd.Series,
    dest: pd.Series,
    zones: list[str],
    sites: list[str],
    *,
    columns: tuple[str, str],
    path: Path,
    is_csv: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Row (zone) and column (site) of each record, failing on an id that is not the study's or a repeated pair."""
    oc, dc = columns
    p = path
    for what, ids, col, known in (("zone", orig, oc, zones), ("site", dest, dc, sites)):
        unknown = sorted(set(ids) - set(known))
        if unknown:
            pos = int(np.flatnonzero(~ids.isin(known).to_numpy())[0])
            raise InputError(
                f"{len(unknown)} {what} id{'s' if len(unknown) > 1 else ''} in the travel-time matrix "
                f"{'are' if len(unknown) > 1 else 'is'} not {what}s of the study: {_some(unknown)} "
                f"(first on {_label(pos, is_csv)})",
                path=p,
                column=col,
                hint=f"check that the matrix was made for this study's {what}s (same codes, e.g. LSOA 2021 codes), "
                "or remove those rows",
            )

    zone_pos = pd.Index(zones)
    site_pos = pd.Index(sites)
    if zone_pos.has_duplicates or site_pos.has_duplicates:
        raise ValueError("origin_ids and destination_ids must be unique")
    r = zone_pos.get_indexer(orig)
    c = site_pos.get_indexer(dest)
    flat = r.astype(np.int64) * len(sites) + c
    dup = pd.Series(flat).duplicated(keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero(flat == flat[pos])[0])
        raise InputError(
            f"the pair zone {orig.iloc[pos]!r} - site {dest.iloc[pos]!r} is given twice ({_label(first, is_csv)} and "
            f"{_label(pos, is_csv)})" + (f"; {int(dup.sum())} repeated pairs in all" if dup.sum() > 1 else ""),
            path=p,
            hint="keep one time per zone-site pair",
            **_where(pos, is_csv),
        )
    return r, c


def load_supplied_matrix(
    path: str | Path,
    *,
    origin_ids: Sequence[Any],
    destination_ids: Sequence[Any],
    mode: str = "public transport",
    missing: Literal["error", "unreachable"] = "error",
    origin_column: str | None = None,
    destination_column: str | None = None,
    minutes_column: str | None = None,
    description: str | None = None,
    expected_minutes: np.ndarray | None = None,
) -> TravelMatrix:
    """Read a supplied zone × site travel-time matrix (long CSV or Parquet) and check it against the study.

    Parameters
    ----------
    path : str or Path
        The file: one row per zone-site pair.
    origin_ids, destination_ids : sequence
        The study's zone ids and site ids (compared as text); they give the rows and columns of the result.
    mode : str
        What the times are (e.g. ``"public transport"``), for outputs.
    missing : {"error", "unreachable"}
        What to do with pairs that are not in the file: fail, or treat them as unreachable (``inf``).
    origin_column, destination_column, minutes_column : str, optional
        Column names, when they are not among the recognised ones.
    description : str, optional
        How the times were made (e.g. "r5py, weekday 08:00-09:00, GTFS of March 2024"), for outputs.
    expected_minutes : numpy.ndarray, optional
        A rough estimate of the same zone × site times (e.g. the straight-line drive estimate), to recognise a
        matrix in seconds (see :data:`SECONDS_MEDIAN_MINUTES`).

    Returns
    -------
    TravelMatrix
    """
    if missing not in ("error", "unreachable"):
        raise ValueError(f"missing must be 'error' or 'unreachable', not {missing!r}")
    p = require_file(path, "travel-time matrix")
    df, is_csv = _read_table(p)
    cols = [str(c) for c in df.columns]
    df.columns = cols
    oc = _pick(cols, origin_column, ORIGIN_COLUMNS, "origin (zone id)", p)
    dc = _pick(cols, destination_column, DESTINATION_COLUMNS, "destination (site id)", p)
    mc = _pick(cols, minutes_column, MINUTES_COLUMNS, "minutes", p)
    if len(df) == 0:
        raise InputError("the travel-time matrix has no rows", path=p, hint="check that the export finished")

    orig = _ids(df, oc, p, is_csv)
    dest = _ids(df, dc, p, is_csv)
    raw = df[mc]
    values = _minutes(raw, mc, p, is_csv)
    zones = [str(i).strip() for i in origin_ids]
    sites = [str(i).strip() for i in destination_ids]
    r, c = _pair_positions(orig, dest, zones, sites, columns=(oc, dc), path=p, is_csv=is_csv)

    minutes = np.full((len(zones), len(sites)), np.nan)
    minutes[r, c] = values
    if expected_minutes is not None:
        _refuse_seconds(minutes, np.asarray(expected_minutes, dtype=float), p, mc)
    too_long = values > MAX_PLAUSIBLE_MINUTES
    if too_long.any():
        pos = int(np.flatnonzero(too_long)[0])
        raise InputError(
            f"{'' if is_csv else _label(pos, is_csv) + ': '}the travel time {quote(raw.iloc[pos])} minutes (zone "
            f"{quote(orig.iloc[pos])} to site {quote(dest.iloc[pos])}) is more than a day "
            f"({MAX_PLAUSIBLE_MINUTES:,.0f} minutes)"
            + (f"; {int(too_long.sum()):,} rows in all are" if too_long.sum() > 1 else ""),
            path=p,
            column=mc,
            hint="times must be minutes; if this value marks 'no route', delete those rows and allow missing pairs "
            "(missing: unreachable); if the file is in seconds, divide every time by 60",
            **_where(pos, is_csv),
        )

    absent = np.isnan(minutes)
    unreachable: tuple[tuple[str, str], ...] = ()
    if absent.any():
        rows, cols_ = np.nonzero(absent)
        examples = [f"{zones[i]} → {sites[j]}" for i, j in zip(rows[:5], cols_[:5], strict=True)]
        if missing == "error":
            raise InputError(
                f"{int(absent.sum()):,} of {absent.size:,} zone-site pairs have no time in the travel-time matrix "
                f"(e.g. {'; '.join(examples)})",
                path=p,
                hint="give a time for every zone-site pair, or, if a missing pair means there is no journey, "
                "allow missing pairs (they are then treated as unreachable)",
            )
        minutes[absent] = np.inf
        unreachable = tuple(zip([zones[i] for i in rows], [sites[j] for j in cols_], strict=True))

    method = (
        f"{mode.capitalize()} times supplied in {p.name} (sha256 {file_sha256(p)[:12]})"
        + (f": {description}" if description else "")
        + (f"; {len(unreachable):,} pairs not in the file are treated as unreachable" if unreachable else "")
        + "."
    )
    return TravelMatrix(
        minutes=minutes,
        origin_ids=np.array(zones, dtype=object),
        destination_ids=np.array(sites, dtype=object),
        mode=mode,
        method=method,
        unreachable=unreachable,
    )
