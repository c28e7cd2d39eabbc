"""GP practices: the NHS ODS ``epraccur`` file and NHS Digital's "Patients Registered at a GP Practice" list sizes.

All loaders return new frames. Rows left out on purpose are counted in ``df.attrs["excluded"]`` as
``{reason: count}``; ``df.attrs["source"]`` holds the path that was read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique_key, find_column, text_column
from hubopt.io._csv import check_field_count, read_csv_table
from hubopt.io._numbers import numeric_column, numeric_column_rows

__all__ = ["EPRACCUR_FIELDS", "PRESCRIBING_SETTINGS", "read_epraccur", "read_list_sizes"]

EPRACCUR_WHAT = "ODS epraccur file"
#: The 27 fields of an ODS epraccur line, in order (the file has no header).
EPRACCUR_FIELDS = (
    "Organisation Code",
    "Name",
    "National Grouping",
    "High Level Health Geography",
    "Address Line 1",
    "Address Line 2",
    "Address Line 3",
    "Address Line 4",
    "Address Line 5",
    "Postcode",
    "Open Date",
    "Close Date",
    "Status Code",
    "Organisation Sub-Type Code",
    "Commissioner",
    "Join Provider/Purchaser Date",
    "Left Provider/Purchaser Date",
    "Contact Telephone Number",
    "Null",
    "Null",
    "Null",
    "Amended Record Indicator",
    "Null",
    "Provider/Purchaser",
    "Null",
    "Prescribing Setting",
    "Null",
)
#: Column labels used in messages: "field 26 (Prescribing Setting)".
_LABELS = tuple(f"field {i} ({name})" for i, name in enumerate(EPRACCUR_FIELDS, start=1))
_CODE, _NAME = _LABELS[0], _LABELS[1]
_ADDRESS = _LABELS[4:9]
_POSTCODE, _OPEN, _CLOSE, _STATUS = _LABELS[9], _LABELS[10], _LABELS[11], _LABELS[12]
_COMMISSIONER, _SETTING = _LABELS[14], _LABELS[25]

#: ODS status codes.
STATUSES = {"A": "active", "C": "closed", "D": "dormant", "P": "proposed"}
#: ODS prescribing settings (epraccur field 26); 4 is a GP practice.
PRESCRIBING_SETTINGS = {
    0: "other",
    1: "walk-in centre",
    2: "out of hours",
    3: "walk-in centre and out of hours",
    4: "GP practice",
    8: "public health service",
    9: "community health service",
    10: "hospital service",
    11: "optometry service",
    12: "urgent and emergency care",
    13: "hospice",
    14: "care home or nursing home",
    15: "border force",
    16: "young offender institution",
    17: "secure training centre",
    18: "secure children's home",
    19: "immigration removal centre",
    20: "court",
    21: "police custody",
    22: "sexual assault referral centre",
    24: "other justice estate",
    25: "prison",
    26: "primary care network",
}
GP_PRACTICE_SETTING = 4

LIST_SIZES_WHAT = "GP practice list size file (NHS Digital 'Patients Registered at a GP Practice')"
OTHER_SEX_AGE_REASON = "rows for one sex or age group (only the SEX=ALL, AGE=ALL totals are used)"

_ODS_DATE = re.compile(r"^\d{8}$")


def _parse_ods_dates(text: pd.Series, *, column: str, path: Path, allow_blank: bool) -> pd.Series:
    """Parse ODS ``YYYYMMDD`` dates (blank -> NaT when allowed), failing on the first bad one."""
    parsed = pd.to_datetime(text.where(text != "", None), format="%Y%m%d", errors="coerce")
    bad = (parsed.isna() & (text != "")).to_numpy()
    if not allow_blank:
        bad |= (text == "").to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        value = text.iloc[pos]
        raise InputError(
            f"{value!r} is not a date in the ODS form YYYYMMDD" if value else "the date is missing",
            path=path,
            row=1 + pos,
            column=column,
            hint="epraccur dates are written as 8 digits, year month day (e.g. 20231204)",
        )
    return parsed


def read_epraccur(path: str | Path, *, active_gp_only: bool = True) -> pd.DataFrame:
    """Read the NHS ODS GP practice file ``epraccur.csv``.

    The file has no header and exactly 27 quoted fields per line (see :data:`EPRACCUR_FIELDS`). Messages name
    columns as ``field N (name)``; rows are file lines (the first record is row 1).

    Parameters
    ----------
    path : str or Path
        The epraccur CSV file.
    active_gp_only : bool
        Keep only active (status ``A``) GP practices (prescribing setting 4). The other records are counted in
        ``attrs["excluded"]``, by status for records that are not active, then by prescribing setting.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``postcode``, ``status`` (``A``/``C``/``D``/``P``), ``prescribing_setting`` (int),
        ``open_date``, ``close_date`` (datetimes, ``NaT`` when blank), ``commissioner`` and ``address`` (address
        lines 1-5 joined with ", ").

    Raises
    ------
    InputError
        When the file is not an epraccur file (a header line, a different number of fields, a binary file), a
        code is blank or repeated, a status is unknown, a date is not ``YYYYMMDD`` or a prescribing setting is not
        a whole number.
    """
    p = Path(path)
    hint = (
        "epraccur comes from the NHS ODS downloads (GP practices, epraccur.zip) and has no header line; "
        "if your file has a header or extra columns, it is a different (edited) file: use the original epraccur.csv"
    )
    check_field_count(p, what=EPRACCUR_WHAT, expected=len(EPRACCUR_FIELDS), hint=hint)
    df = read_csv_table(p, what=EPRACCUR_WHAT, header=False, names=_LABELS)
    if df.empty:
        raise InputError(f"the {EPRACCUR_WHAT} has no records", path=p)
    text = df.apply(lambda s: s.astype(str).str.strip())

    first_code, first_open = text[_CODE].iloc[0], text[_OPEN].iloc[0]
    if not _ODS_DATE.match(first_open) and (" " in first_code or first_code != first_code.upper()):
        raise InputError(
            f"this file is not a valid {EPRACCUR_WHAT}: its first line looks like a header ({first_code!r}, ...) "
            "but epraccur files have no header line",
            path=p,
            row=1,
            hint="remove the header line, or use the original epraccur.csv from the NHS ODS downloads",
        )

    codes = text_column(text, _CODE, path=p, first_row=1)
    check_unique_key(text, [_CODE], path=p, first_row=1, what="organisation code")
    status = text[_STATUS].str.upper()
    unknown = ~status.isin(list(STATUSES))
    if unknown.any():
        pos = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"{text[_STATUS].iloc[pos]!r} is not an ODS status code",
            path=p,
            row=1 + pos,
            column=_STATUS,
            hint="the status must be A (active), C (closed), D (dormant) or P (proposed)",
        )
    setting = numeric_column(text, _SETTING, path=p, first_row=1, minimum=0, integer=True).astype("int64")
    open_date = _parse_ods_dates(text[_OPEN], column=_OPEN, path=p, allow_blank=True)
    close_date = _parse_ods_dates(text[_CLOSE], column=_CLOSE, path=p, allow_blank=True)
    address = text[list(_ADDRESS)].apply(lambda r: ", ".join(v for v in r if v), axis=1)

    out = pd.DataFrame(
        {
            "code": codes.to_numpy(),
            "name": text[_NAME].to_numpy(),
            "postcode": text[_POSTCODE].to_numpy(),
            "status": status.to_numpy(),
            "prescribing_setting": setting.to_numpy(),
            "open_date": open_date.to_numpy(),
            "close_date": close_date.to_numpy(),
            "commissioner": text[_COMMISSIONER].to_numpy(),
            "address": address.to_numpy(),
        }
    )
    excluded: dict[str, int] = {}
    if active_gp_only:
        not_active = out["status"] != "A"
        for code, n in out.loc[not_active, "status"].value_counts().sort_index().items():
            excluded[f"not active (status {code}: {STATUSES[str(code)]})"] = int(n)
        not_gp = ~not_active & (out["prescribing_setting"] != GP_PRACTICE_SETTING)
        for value, n in out.loc[not_gp, "prescribing_setting"].value_counts().sort_index().items():
            label = PRESCRIBING_SETTINGS.get(int(value), "unknown setting")
            excluded[f"not a GP practice (prescribing setting {int(value)}: {label})"] = int(n)
        out = out.loc[~not_active & ~not_gp].reset_index(drop=True)
    out.attrs = {"excluded": excluded, "source": str(path)}
    return out


def _parse_extract_dates(text: pd.Series, *, column: str, path: Path, rows: Sequence[int]) -> pd.Series:
    """Parse NHS Digital extract dates (``01JAN2021``; ISO ``2021-01-01`` and ``01/01/2021`` also accepted)."""
    values = text.where(text != "", None)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in ("%d%b%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y"):
        todo = parsed.isna() & values.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(values[todo], format=fmt, errors="coerce")
    bad = (parsed.isna() & values.notna()).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{text.iloc[pos]!r} is not a date",
            path=path,
            row=int(rows[pos]),
            column=column,
            hint="write the date as in the NHS Digital files (e.g. 01JAN2021) or as 2021-01-01",
        )
    return parsed


def read_list_sizes(path: str | Path) -> pd.DataFrame:
    """Read NHS Digital "Patients Registered at a GP Practice" (practice totals).

    The published file has ``PUBLICATION, EXTRACT_DATE, TYPE, CCG_CODE, ONS_CCG_CODE, CODE, POSTCODE, SEX, AGE,
    NUMBER_OF_PATIENTS`` (later releases name the CCG columns after sub-ICB locations). Only ``CODE`` and
    ``NUMBER_OF_PATIENTS`` are required (names matched ignoring case); ``POSTCODE`` and ``EXTRACT_DATE`` are read
    when present. When the file has ``SEX`` and ``AGE`` columns, only the rows with ``SEX=ALL`` and ``AGE=ALL``
    are kept and the others are counted in ``attrs["excluded"]``.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``postcode`` (empty when absent), ``patients`` (int), ``extract_date`` (datetime; NaT when
        absent).

    Raises
    ------
    InputError
        On a missing column, a blank or repeated practice code, or a patient count that is not a whole number of
        zero or more (the message names the row and column).
    """
    df = read_csv_table(path, what=LIST_SIZES_WHAT)
    p = Path(path)
    code_col = find_column(
        df, ["CODE", "PRACTICE_CODE", "ORG_CODE"], path=p, what=LIST_SIZES_WHAT, role="practice code"
    )
    n_col = find_column(df, ["NUMBER_OF_PATIENTS"], path=p, what=LIST_SIZES_WHAT, role="number of patients")
    pc_col = find_column(df, ["POSTCODE"], path=p, what=LIST_SIZES_WHAT, role="postcode", required=False)
    date_col = find_column(df, ["EXTRACT_DATE"], path=p, what=LIST_SIZES_WHAT, role="extract date", required=False)
    rows = np.arange(2, 2 + len(df))

    keep = np.ones(len(df), dtype=bool)
    excluded: dict[str, int] = {}
    for role in ("SEX", "AGE"):
        col = find_column(df, [role], path=p, what=LIST_SIZES_WHAT, role=role.lower(), required=False)
        if col is not None:
            keep &= (df[col].astype(str).str.strip().str.upper() == "ALL").to_numpy()
    if not keep.all():
        excluded[OTHER_SEX_AGE_REASON] = int((~keep).sum())
    if not keep.any():
        raise InputError(
            f"the {LIST_SIZES_WHAT} has no rows with SEX=ALL and AGE=ALL (practice totals)",
            path=p,
            hint="use the 'all persons' practice-level file (gp-reg-pat-prac-all.csv)",
        )
    kept = df.loc[keep]
    krows = rows[keep].tolist()  # file line numbers of the kept rows
    codes = text_column(kept, code_col, path=p, rows=krows)
    check_unique_key(kept, [code_col], path=p, rows=krows, what="practice code")
    patients = numeric_column_rows(kept, n_col, path=p, rows=krows, minimum=0, integer=True)
    postcode = (
        text_column(kept, pc_col, path=p, rows=krows, allow_blank=True)
        if pc_col is not None
        else pd.Series("", index=kept.index)
    )
    if date_col is not None:
        dates = _parse_extract_dates(kept[date_col].astype(str).str.strip(), column=date_col, path=p, rows=krows)
    else:
        dates = pd.Series(pd.NaT, index=kept.index, dtype="datetime64[us]")
    out = pd.DataFrame(
        {
            "code": codes.to_numpy(),
            "postcode": postcode.to_numpy(),
            "patients": patients.to_numpy().astype("int64"),
            "extract_date": dates.to_numpy(),
        }
    )
    out.attrs = {"excluded": excluded, "source": str(path)}
    return out
