"""Primary Care Networks: the NHS ODS ePCN release (which GP practice belongs to which PCN, and since when).

PCNs are today's form of a local care plan's "clusters" of practices. ODS publishes them as the workbook
``ePCN.xlsx``; its sheet ``PCN Core Partner Details`` holds one row per practice-to-PCN relationship, with its start
and end dates. :func:`read_pcn_memberships` reads that sheet from the workbook as published, or the same table saved
as CSV (an extract of its rows). The header cells of the published table hold line breaks (``"Partner\\nOrganisation
\\nCode"``); names are matched ignoring case, spaces, line breaks and punctuation, and the older releases' CCG
columns are accepted in place of the sub-ICB location ones. Dates are ``YYYYMMDD`` (ISO ``YYYY-MM-DD`` also read);
an empty end date means the relationship is current.

The loader returns new frames. Rows left out on purpose (relationships that ended before, or start after, the
reference date) are counted in ``df.attrs["excluded"]`` as ``{reason: count}``; ``df.attrs["source"]`` holds the
file read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.io._columns import find_column, text_column
from hubopt.io._csv import read_csv_records
from hubopt.io.packaged import is_workbook, read_workbook_table

__all__ = ["PCN_COLUMNS", "read_pcn_memberships"]

WHAT = "ePCN practice-to-PCN table ('PCN Core Partner Details')"
#: Columns of the table :func:`read_pcn_memberships` returns.
PCN_COLUMNS = (
    "practice_code",
    "practice_name",
    "pcn_code",
    "pcn_name",
    "sub_icb_code",
    "sub_icb_name",
    "start_date",
    "end_date",
)
#: Accepted names of each column, preferred first (matched ignoring case, spaces, line breaks and punctuation).
_NAMES: dict[str, tuple[str, ...]] = {
    "practice_code": ("Partner Organisation Code", "Practice Code", "Partner Code"),
    "practice_name": ("Partner Name", "Practice Name"),
    "pcn_code": ("PCN Code",),
    "pcn_name": ("PCN Name",),
    "sub_icb_code": ("PCN Parent Sub ICB Loc Code", "PCN Parent CCG Code", "Practice Parent Sub ICB Loc Code"),
    "sub_icb_name": ("PCN Parent Sub ICB Loc Name", "PCN Parent CCG Name", "Practice Parent Sub ICB Loc Name"),
    "start_date": ("Practice to PCN Relationship Start Date", "Start Date"),
    "end_date": ("Practice to PCN Relationship End Date", "End Date"),
}
_REQUIRED = ("practice_code", "pcn_code", "pcn_name", "start_date", "end_date")
_ROLES = {
    "practice_code": "practice code",
    "practice_name": "practice name",
    "pcn_code": "PCN code",
    "pcn_name": "PCN name",
    "sub_icb_code": "sub-ICB location (or CCG) code",
    "sub_icb_name": "sub-ICB location (or CCG) name",
    "start_date": "relationship start date",
    "end_date": "relationship end date",
}
_HINT = (
    "use the 'PCN Core Partner Details' sheet of the NHS ODS ePCN workbook (ePCN.xlsx), or that sheet saved as CSV "
    "with its header row"
)
_YYYYMMDD = re.compile(r"^\d{8}$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$")


def _header_key(name: object) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _is_partner_header(cells: list[str]) -> bool:
    keys = {_header_key(c) for c in cells}
    return "pcncode" in keys and any(_header_key(n) in keys for n in _NAMES["practice_code"])


def _tidy_header(name: object) -> str:
    """A header cell with its line breaks and runs of spaces made single spaces."""
    return " ".join(str(name).split())


def _read_table(path: Path) -> tuple[pd.DataFrame, list[int], str]:
    """The table as text, the file row (CSV line or sheet row) of each data row, and how messages name the file."""
    if is_workbook(path):
        table = read_workbook_table(
            path,
            what=WHAT,
            is_header=_is_partner_header,
            header_needs="'Partner Organisation Code' and 'PCN Code'",
            sheet_words=("core", "partner"),
            hint=_HINT,
        )
        frame = table.frame
        rows = list(range(table.header_row + 1, table.header_row + 1 + len(frame)))
        frame.columns = [_tidy_header(c) for c in frame.columns]
        return frame, rows, table.where
    header, records, lines = read_csv_records(path, what=WHAT)
    columns = [_tidy_header(c) for c in header]
    width = len(columns)
    for record, line in zip(records, lines, strict=True):
        if len(record) > width:
            raise InputError(
                f"this row has {len(record)} fields but the header has {width}",
                path=path,
                row=line,
                hint="check the quoting of this row (a name with a comma must be in double quotes)",
            )
    padded = [[*r, *([""] * (width - len(r)))] for r in records]
    frame = pd.DataFrame(padded, columns=columns, dtype=str) if padded else pd.DataFrame(columns=columns)
    return frame, lines, str(path)


def _parse_dates(text: pd.Series, *, column: str, where: str, rows: Sequence[int], allow_blank: bool) -> pd.Series:
    """ODS dates (``YYYYMMDD``; ``YYYY-MM-DD`` also read) as datetimes, blank -> NaT where allowed."""
    values = [str(v) for v in text]
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    compact = np.array([bool(_YYYYMMDD.match(v)) for v in values], dtype=bool)
    iso = np.array([bool(_ISO.match(v)) for v in values], dtype=bool)
    if compact.any():
        parsed[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")
    if iso.any():
        parsed[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    blank = np.array([v == "" for v in values], dtype=bool)
    bad = parsed.isna().to_numpy() & (~blank | (not allow_blank))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{quote(values[pos])} is not a date in the ODS form YYYYMMDD" if values[pos] else "the date is missing",
            path=where,
            row=int(rows[pos]),
            column=column,
            hint="write the date as 8 digits, year month day (e.g. 20191001)"
            + ("; leave the end date empty while the practice is still in the PCN" if allow_blank else ""),
        )
    return parsed


def _reference_date(on: dt.date | str | None) -> pd.Timestamp | None:
    if on is None:
        return None
    try:
        return pd.Timestamp(on).normalize()
    except (TypeError, ValueError):
        raise InputError(
            f"{quote(on)} is not a date", parameter="on", hint="give the reference date as 2024-10-01"
        ) from None


def read_pcn_memberships(path: str | Path, *, on: dt.date | str | None = None) -> pd.DataFrame:
    """Read which PCN each GP practice belongs to, from the NHS ODS ePCN release.

    Parameters
    ----------
    path : str or Path
        The ePCN workbook as published (``ePCN.xlsx``; its ``PCN Core Partner Details`` sheet is read), or that
        sheet's table saved as CSV.
    on : date or str, optional
        The reference date. A relationship is current on that date when it started on or before it and its end
        date is empty or on or after it (the end date is the relationship's last day). Without a date, the
        relationships with an empty end date are current (those of the release itself).

    Returns
    -------
    pandas.DataFrame
        One row per practice with a current PCN: :data:`PCN_COLUMNS` (``practice_code``, ``practice_name``,
        ``pcn_code``, ``pcn_name``, ``sub_icb_code`` and ``sub_icb_name`` of the PCN's parent sub-ICB location
        or CCG, empty when the file has no such column, ``start_date`` and ``end_date``, datetimes, ``NaT`` when
        blank), sorted by practice code. ``attrs["excluded"]`` counts the relationships that are not current,
        by reason; ``attrs["reference_date"]`` is the date used (ISO text, or None).

    Raises
    ------
    InputError
        Naming the file (``FILE [sheet NAME]`` for a workbook), the row and the column, when a required column is
        missing (practice code, PCN code, PCN name, start and end dates), a code or a start date is blank, a date
        cannot be read, or a practice is in two PCNs at once on the reference date.
    """
    p = Path(path)
    reference = _reference_date(on)
    frame, rows, where = _read_table(p)
    if frame.empty:
        raise InputError(f"the {WHAT} has no rows below its header", path=where, hint=_HINT)
    found = {
        key: find_column(frame, names, path=where, what=WHAT, role=_ROLES[key], required=key in _REQUIRED)
        for key, names in _NAMES.items()
    }
    col = {key: name for key, name in found.items() if name is not None}
    text = pd.DataFrame(
        {key: frame[name].astype(str).str.strip() for key, name in col.items()}, index=frame.index
    ).reset_index(drop=True)
    for key in ("practice_code", "pcn_code", "pcn_name"):
        text_column(text.rename(columns={key: col[key]}), col[key], path=where, rows=rows)
    start = _parse_dates(text["start_date"], column=col["start_date"], where=where, rows=rows, allow_blank=False)
    end = _parse_dates(text["end_date"], column=col["end_date"], where=where, rows=rows, allow_blank=True)
    ends_first = (end < start).to_numpy()
    if ends_first.any():
        pos = int(np.flatnonzero(ends_first)[0])
        raise InputError(
            f"the relationship ends ({text['end_date'].iloc[pos]}) before it starts ({text['start_date'].iloc[pos]})",
            path=where,
            row=rows[pos],
            column=col["end_date"],
            hint="check the two dates of this row",
        )
    excluded: dict[str, int] = {}
    if reference is None:
        current = end.isna().to_numpy()
        if (~current).any():
            excluded["relationships that have ended (an end date is given)"] = int((~current).sum())
    else:
        day = reference.date().isoformat()
        ended = (end < reference).fillna(False).to_numpy(dtype=bool)
        later = (start > reference).to_numpy(dtype=bool)
        current = ~ended & ~later
        if ended.any():
            excluded[f"relationships that ended before {day}"] = int(ended.sum())
        if later.any():
            excluded[f"relationships that start after {day}"] = int(later.sum())
    kept = np.flatnonzero(current)
    _check_one_pcn_each(text.iloc[kept], [rows[i] for i in kept], where=where, column=col["pcn_code"], on=reference)
    out = pd.DataFrame(
        {
            key: (text[key] if key in text.columns else pd.Series("", index=text.index)).iloc[kept].to_numpy()
            for key in PCN_COLUMNS[:6]
        }
    )
    out["start_date"] = start.iloc[kept].to_numpy()
    out["end_date"] = end.iloc[kept].to_numpy()
    out = out.sort_values("practice_code", kind="stable").reset_index(drop=True)
    out.attrs = {
        "excluded": excluded,
        "source": str(p),
        "reference_date": None if reference is None else reference.date().isoformat(),
    }
    return out


def _check_one_pcn_each(
    current: pd.DataFrame, rows: Sequence[int], *, where: str, column: str, on: pd.Timestamp | None
) -> None:
    """Fail on the first practice with two current relationships, naming both rows and both PCNs."""
    codes = current["practice_code"].to_numpy(dtype=str)
    dup = pd.Series(codes).duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    pos = int(np.flatnonzero(dup)[0])
    first = int(np.flatnonzero(codes == codes[pos])[0])
    pcns = current["pcn_code"].to_numpy(dtype=str)
    when = "on the reference date " + on.date().isoformat() if on is not None else "at once (no end date on either)"
    problem = (
        f"practice {codes[pos]} is listed twice in PCN {pcns[pos]} {when} (rows {rows[first]} and {rows[pos]})"
        if pcns[first] == pcns[pos]
        else f"practice {codes[pos]} is in two PCNs {when}: {pcns[first]} (row {rows[first]}) and {pcns[pos]} "
        f"(row {rows[pos]})"
    )
    raise InputError(
        problem,
        path=where,
        row=rows[pos],
        column=column,
        hint="a practice belongs to one PCN at a time: give the earlier relationship its end date (the day before "
        "the next one starts), or remove the repeated row",
    )
