"""Reading each zone's share of households without a car (Census 2021 table TS045, "Car or van availability").

The file (CSV) has one row per zone: ``zone_id`` (the LSOA code), ``share`` (households with no car or van over all
households, 0 to 1) and ``source`` (where the figure comes from, e.g. "ONS Census 2021 TS045"; write
"ILLUSTRATIVE ..." for made-up figures). Rows for zones outside the study (a file for all of England) are left out
and counted; a study zone without a row is an error, never a silent zero.

:func:`no_car_share_from_ts045` makes such a table from the Census 2021 TS045 table as Nomis publishes it (the bulk
zip ``census2021-ts045.zip`` of ``hubopt fetch data --only ts045``, or its ``census2021-ts045-lsoa.csv``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zipfile import BadZipFile, ZipFile

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io._columns import check_unique, require_columns
from hubopt.io._csv import read_csv_table

#: Columns of a no-car share file.
NO_CAR_COLUMNS = ("zone_id", "share", "source")

_WHAT = "file of households without a car"

#: The columns of Nomis's TS045 CSV that give the share: LSOA code, all households, households with no car or van.
TS045_CODE = "geography code"
TS045_TOTAL = "Number of cars or vans: Total: All households"
TS045_NO_CAR = "Number of cars or vans: No cars or vans in household"
#: The member of the bulk zip holding the LSOA table.
TS045_LSOA_MEMBER = "census2021-ts045-lsoa.csv"


@dataclass(frozen=True)
class NoCarShare:
    """Each study zone's share of households without a car, in the study's zone order."""

    share: np.ndarray
    sources: list[str]
    rows_outside_study: int


def read_no_car_share(path: str | Path, zone_ids: Sequence[str]) -> NoCarShare:
    """Read a no-car share file for the study's zones.

    Parameters
    ----------
    path : str or Path
        The CSV file (columns ``zone_id``, ``share``, ``source``), or the Census 2021 TS045 table as Nomis publishes
        it (the bulk zip or its LSOA CSV; see :func:`no_car_share_from_ts045`).
    zone_ids : sequence of str
        The study's zone IDs, in the order of the travel-time matrices' rows.

    Returns
    -------
    NoCarShare
        ``share`` (one value 0..1 per zone of ``zone_ids``), the distinct sources, and the number of rows for
        zones outside the study (left out).

    Raises
    ------
    InputError
        If a column is missing, a share is not a number from 0 to 1, a source is blank, a zone is repeated, or a
        study zone has no row.
    """
    if Path(path).suffix.lower() == ".zip":  # Nomis's TS045 bulk zip, as hubopt fetch data downloads it
        df = no_car_share_from_ts045(path).astype({"share": str})
    else:
        df = read_csv_table(path, what=_WHAT)
        if TS045_CODE in df.columns and "zone_id" not in df.columns:  # the TS045 LSOA table itself
            df = no_car_share_from_ts045(path).astype({"share": str})
    require_columns(df, NO_CAR_COLUMNS, path=path, what=_WHAT)
    df["zone_id"] = df["zone_id"].astype(str).str.strip()
    check_unique(df, "zone_id", path=path, what="zone")
    share = pd.to_numeric(df["share"].str.strip(), errors="coerce")
    bad = ~(share.between(0, 1))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"the share {df['share'].iloc[pos]!r} is not a number from 0 to 1",
            path=path,
            row=pos + 2,
            column="share",
            hint="give households without a car over all households, e.g. 0.18 for 18%",
        )
    blank = df["source"].str.strip() == ""
    if blank.any():
        raise InputError(
            "the source is blank",
            path=path,
            row=int(np.flatnonzero(blank.to_numpy())[0]) + 2,
            column="source",
            hint="say where the figure comes from, e.g. 'ONS Census 2021 TS045' (or 'ILLUSTRATIVE ...')",
        )
    by_zone = dict(zip(df["zone_id"], share.to_numpy(dtype=float), strict=True))
    missing = [z for z in zone_ids if z not in by_zone]
    if missing:
        raise InputError(
            f"{len(missing)} of {len(zone_ids)} study zones have no share of households without a car "
            f"(first: {', '.join(missing[:5])})",
            path=path,
            column="zone_id",
            hint="add a row for every zone of the study (Census 2021 TS045, from hubopt fetch data --only ts045, "
            "gives every LSOA 2021: zones of a study on LSOA 2011 whose code changed need a row of their own)",
        )
    inside = set(zone_ids)
    return NoCarShare(
        share=np.array([by_zone[z] for z in zone_ids], dtype=float),
        sources=sorted(set(df.loc[df["zone_id"].isin(inside), "source"].str.strip())),
        rows_outside_study=int((~df["zone_id"].isin(inside)).sum()),
    )


def no_car_share_from_ts045(path: str | Path) -> pd.DataFrame:
    """Each LSOA's share of households without a car or van, from Census 2021 table TS045 (Nomis layout).

    Parameters
    ----------
    path : str or Path
        Nomis's bulk zip ``census2021-ts045.zip`` (its member ``census2021-ts045-lsoa.csv`` is read) or that CSV.

    Returns
    -------
    pandas.DataFrame
        ``zone_id`` (LSOA 2021 code), ``share`` (households with no car or van / all households; LSOAs with no
        households are left out) and ``source``, ready to save as a ``travel.combine.no_car_share`` file.

    Raises
    ------
    InputError
        If the zip has no LSOA table, a column is missing or a count is not a whole number of zero or more.
    """
    p = Path(path)
    what = "Census 2021 TS045 table (car or van availability)"
    if p.suffix.lower() == ".zip":
        try:
            with ZipFile(p) as zf:
                if TS045_LSOA_MEMBER not in zf.namelist():
                    raise InputError(
                        f"the zip has no {TS045_LSOA_MEMBER}", path=p, hint="use Nomis's census2021-ts045.zip"
                    )
                raw = pd.read_csv(zf.open(TS045_LSOA_MEMBER), dtype=str, keep_default_na=False)
        except (BadZipFile, OSError) as exc:
            raise InputError(f"cannot read the {what}: {exc}", path=p) from None
        raw.columns = [str(c).strip().lstrip("\ufeff") for c in raw.columns]
        where: str | Path = f"{p}!{TS045_LSOA_MEMBER}"
    else:
        raw, where = read_csv_table(p, what=what), p
    require_columns(raw, (TS045_CODE, TS045_TOTAL, TS045_NO_CAR), path=where, what=what)
    counts = {c: pd.to_numeric(raw[c].str.strip(), errors="coerce") for c in (TS045_TOTAL, TS045_NO_CAR)}
    for column, values in counts.items():
        bad = ~(values >= 0) | (values != values.round())
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{raw[column].iloc[pos]!r} is not a count of households",
                path=where,
                row=pos + 2,
                column=column,
                hint="use the table as Nomis publishes it",
            )
    total, no_car = counts[TS045_TOTAL], counts[TS045_NO_CAR]
    keep = total > 0
    return pd.DataFrame(
        {
            "zone_id": raw.loc[keep, TS045_CODE].str.strip().to_numpy(),
            "share": (no_car[keep] / total[keep]).to_numpy(dtype=float),
            "source": f"ONS Census 2021 TS045 ({p.name})",
        }
    )
