"""Registration shares by zone (or group of zones), read from a CSV file.

The district-wide share (:mod:`hubopt.demand.registration`) spreads a district's registered share evenly over its
zones. Where the residents registered elsewhere live in one part of the district (Sevenoaks: around Swanley, who
register with Dartford practices), a file gives shares by zone or by group of zones:

=================== ========== ===================================================================================
column              required   meaning
=================== ========== ===================================================================================
zone_id             one of     a zone of the study (LSOA code)
zone_name_prefix    these two  a group of zones: every zone whose name starts with it (``Sevenoaks 001`` is the
                               MSOA of LSOAs ``Sevenoaks 001A`` ...; ``Sevenoaks`` is the whole district)
share               yes        share of the zone's residents registered with the area's practices, 0 to 1
source              yes        where the share comes from (free text, never blank)
reason              no         why a share is above 1 (e.g. a practice list drawing patients from outside the
                               area); a share above 1 without a reason is refused
=================== ========== ===================================================================================

Each row fills ``zone_id`` or ``zone_name_prefix``, not both. A zone named by two rows is refused (both rows
named), so no rule of precedence is needed. Zones not listed keep their district's share (from the scenario or the
study), or 1.0 where their district has none. See ``docs/registration_shares.md`` for deriving the shares from NHS
Digital's "Patients registered at a GP practice by LSOA".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.io._csv import read_csv_table

__all__ = ["ZoneShares", "read_zone_shares"]

_WHAT = "registration shares file"
_KEYS = ("zone_id", "zone_name_prefix")


@dataclass(frozen=True)
class ZoneShares:
    """Registration shares of the zones a file lists.

    Attributes
    ----------
    path : Path
        The file.
    share : pandas.Series
        Zone ID to share, for every zone the file covers (directly or through a group).
    sources : list of str
        The distinct sources the file cites, in file order.
    n_rows : int
        Rows of the file.
    """

    path: Path
    share: pd.Series
    sources: list[str]
    n_rows: int

    def describe(self) -> str:
        """One line: how many zones the file sets, from how many rows, and its sources."""
        return (
            f"registration shares of {len(self.share)} zones from {self.path.name} ({self.n_rows} rows; source: "
            f"{'; '.join(self.sources)})"
        )


def read_zone_shares(path: str | Path, zones: pd.DataFrame) -> ZoneShares:
    """Read and check a registration shares file against the study's zones.

    Parameters
    ----------
    path : str or Path
        The CSV file (columns in the module notes; names matched ignoring case and spaces).
    zones : pandas.DataFrame
        The study's zones: ``zone_id`` and ``zone_name``.

    Returns
    -------
    ZoneShares

    Raises
    ------
    InputError
        Naming the file, row and column: no key column or no ``share``/``source`` column; a row with both or neither
        key; a zone ID not in the study; a prefix matching no zone; a share that is not a number, below 0, or above
        1 without a ``reason``; a blank source; a zone named by two rows; an empty file.
    """
    p = Path(path)
    df = read_csv_table(p, what=_WHAT)
    df.columns = [str(c).strip().lower().replace(" ", "_") for c in df.columns]
    keys = [k for k in _KEYS if k in df.columns]
    if not keys:
        raise InputError(
            f"the {_WHAT} has no zone_id or zone_name_prefix column; columns found: {', '.join(df.columns)}",
            path=p,
            column="zone_id",
            hint="give each row's zone in a zone_id column (LSOA code) or a group in zone_name_prefix",
        )
    for needed in ("share", "source"):
        if needed not in df.columns:
            raise InputError(
                f"the {_WHAT} has no {needed} column; columns found: {', '.join(df.columns)}",
                path=p,
                column=needed,
                hint="columns: zone_id (or zone_name_prefix), share, source, and reason for a share above 1",
            )
    if df.empty:
        raise InputError(f"the {_WHAT} has no rows", path=p, hint="list at least one zone, or use the district share")
    ids = zones["zone_id"].astype(str).to_numpy()
    names = zones["zone_name"].astype(str).to_numpy()
    known = set(ids)
    owner: dict[str, int] = {}
    share: dict[str, float] = {}
    sources: list[str] = []
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2  # file line: the header is line 1
        given = {k: str(rec.get(k, "")).strip() for k in keys}
        filled = [k for k, v in given.items() if v]
        if len(filled) != 1:
            raise InputError(
                f"row {row} gives {'both zone_id and zone_name_prefix' if filled else 'no zone'}",
                path=p,
                row=row,
                column=keys[0],
                hint="fill exactly one of zone_id (one zone) or zone_name_prefix (a group of zones) on each row",
            )
        key = filled[0]
        value = given[key]
        if key == "zone_id":
            if value not in known:
                raise InputError(
                    f"zone {quote(value)} is not a zone of the study",
                    path=p,
                    row=row,
                    column="zone_id",
                    hint="use the study's zone IDs (the zone_id column of its zones.csv, LSOA codes)",
                )
            matched = [value]
        else:
            matched = ids[np.char.startswith(names.astype(str), value)].tolist()
            if not matched:
                raise InputError(
                    f"no zone's name starts with {quote(value)}",
                    path=p,
                    row=row,
                    column="zone_name_prefix",
                    hint="use the start of the study's zone names, e.g. 'Sevenoaks 001' for the LSOAs of that MSOA",
                )
        number = _share(rec, row, p)
        source = str(rec.get("source", "")).strip()
        if not source:
            raise InputError(
                "the source is blank", path=p, row=row, column="source", hint="say where the share comes from"
            )
        if source not in sources:
            sources.append(source)
        for zone in matched:
            if zone in owner:
                raise InputError(
                    f"zone {zone} is given a share on row {owner[zone]} and again on row {row}",
                    path=p,
                    row=row,
                    column=key,
                    hint="give each zone one share: make the groups (prefixes) not overlap",
                )
            owner[zone] = row
            share[zone] = number
    return ZoneShares(path=p, share=pd.Series(share, dtype=float), sources=sources, n_rows=len(df))


def _share(rec: dict[str, object], row: int, path: Path) -> float:
    """The row's share: a number of at least 0, and at most 1 unless the row's ``reason`` says why."""
    text = str(rec.get("share", "")).strip()
    try:
        number = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    except ValueError:
        raise InputError(
            f"the share {quote(text)} is not a number", path=path, row=row, column="share",
            hint="give the share as a fraction (59.4 % is 0.594)",
        ) from None  # fmt: skip
    if not math.isfinite(number) or number < 0:
        raise InputError(
            f"the share {quote(text)} must be 0 or more", path=path, row=row, column="share",
            hint="give the share of the zone's residents registered with the area's practices, from 0 to 1",
        )  # fmt: skip
    if number > 1 and not str(rec.get("reason", "")).strip():
        raise InputError(
            f"the share {quote(text)} is above 1 with no reason given",
            path=path,
            row=row,
            column="reason" if "reason" in rec else "share",
            hint="a share above 1 (more registered patients than residents) needs a reason column saying why; "
            "otherwise give a fraction from 0 to 1 (59.4 % is 0.594)",
        )
    return number
