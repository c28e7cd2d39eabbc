"""The LSOA geography of a study build's small-area sources, and conversion of LSOA 2021 counts to its zones.

A study's zones are LSOA 2011: the geography of English Indices of Deprivation 2019, of the LSOA 2011 centroids
and boundaries, and of ONS population estimates up to mid-2020. ONS population estimates from mid-2021 on are keyed
by LSOA 2021. The two share most codes, so the geography of each source is read from its column names
(:func:`source_vintage`), and :func:`check_vintages` refuses to mix them unless the table in LSOA 2021 holds counts
and an ONS "LSOA (2011) to LSOA (2021)" lookup is given; :func:`population_to_zones` then converts it to the
study's zones with :func:`hubopt.io.lsoa_lookup.to_lsoa2011` (splits summed back, merges shared equally among the
2011 parts, irregular changes refused). Points and polygons cannot be converted by a lookup: an LSOA 2021 centroid
or boundary file is refused.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hubopt.build.layout import decode_start
from hubopt.errors import InputError
from hubopt.io.lsoa_lookup import Vintage, lsoa_vintage, read_lsoa_lookup, to_lsoa2011
from hubopt.io.packaged import is_workbook, workbook_header

__all__ = [
    "LsoaConversion",
    "SmallAreaSource",
    "check_vintages",
    "header_columns",
    "population_to_zones",
    "source_vintage",
]

_HEAD_BYTES = 1 << 20
_PROPERTIES = re.compile(r'"properties"\s*:\s*\{([^{}]*)\}')
_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')
_LOOKUP_HINT = (
    "give the ONS 'LSOA (2011) to LSOA (2021)' exact-fit lookup with --lsoa-lookup FILE (hubopt fetch data --only "
    "lsoa_lookup downloads it) to convert the LSOA 2021 table to the study's LSOA 2011 zones, or use a file "
    "published on LSOA 2011"
)


@dataclass(frozen=True)
class SmallAreaSource:
    """A source of a study build keyed by LSOA.

    Attributes
    ----------
    label : str
        What it is, for messages (e.g. "population estimates").
    path : Path
        The file, or the folder of boundary files.
    vintage : {"2011", "2021", "unknown"}
        Its LSOA geography, from :func:`source_vintage`.
    counts : bool
        Whether its values are counts that a lookup can convert (population), rather than points, polygons or
        ranks.
    """

    label: str
    path: Path
    vintage: Vintage
    counts: bool = False

    @classmethod
    def read(cls, label: str, path: Path, *, counts: bool = False) -> SmallAreaSource:
        """Describe ``path``, reading its vintage from its column names."""
        return cls(label, path, source_vintage(path), counts)

    def describe(self) -> str:
        """``path (label) is keyed by LSOA vintage``, for messages."""
        return f"{self.path} ({self.label}) is keyed by LSOA {self.vintage}"


def header_columns(path: str | Path) -> list[str]:
    """Column names of a source, read from its start only.

    A CSV file gives its header line (comma- or ``¬``-separated); a GeoJSON file the property names of its first
    feature; a folder those of its first ``.json``/``.geojson`` file; a workbook the header row of its table (the
    first row naming an LSOA column, looked for in its "Persons" sheet first, below any title rows), else the
    first row of its first sheet.

    Parameters
    ----------
    path : str or Path
        The file or folder.

    Returns
    -------
    list of str
        The names, in file order (empty when the file has none).
    """
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in (".json", ".geojson"))
        return header_columns(files[0]) if files else []
    with p.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if head[:4] == b"PK\x03\x04" and is_workbook(p):
        return workbook_header(p, is_header=_names_lsoa, sheet_words=("persons",))
    text = decode_start(head)
    if p.suffix.lower() in (".json", ".geojson"):
        m = _PROPERTIES.search(text, max(text.find('"features"'), 0))  # not the "crs" member's properties
        return _KEY.findall(m.group(1)) if m else []
    first = io.StringIO(text, newline="").readline()
    return [c.strip() for c in next(csv.reader([first], delimiter="¬" if "¬" in first else ","), [])]


def _names_lsoa(cells: list[str]) -> bool:
    """Whether a row of cells names an LSOA column (``LSOA Code``, ``LSOA11CD``, ...)."""
    return any(re.sub(r"[^a-z0-9]", "", c.lower()).startswith("lsoa") for c in cells)


def source_vintage(path: str | Path) -> Vintage:
    """The LSOA geography of a source, from its column names (see :func:`hubopt.io.lsoa_lookup.lsoa_vintage`)."""
    return lsoa_vintage(header_columns(path))


def check_vintages(zones: SmallAreaSource, others: Sequence[SmallAreaSource], lookup: Path | None) -> None:
    """Refuse sources whose LSOA geography differs from the study's zones, unless they can be converted.

    Parameters
    ----------
    zones : SmallAreaSource
        The source of the study's zones (IMD 2019, LSOA 2011).
    others : sequence of SmallAreaSource
        The other small-area sources.
    lookup : Path or None
        The LSOA 2011 to 2021 lookup given with ``--lsoa-lookup``.

    Raises
    ------
    InputError
        When the zones' source is on LSOA 2021; when a source on LSOA 2021 holds points or polygons; or when a
        count table on LSOA 2021 comes without a lookup. The message names both files and their geographies.
    """
    if zones.vintage == "2021":
        raise InputError(
            f"{zones.describe()}, but hubopt builds studies on LSOA 2011 zones",
            path=zones.path,
            hint="use English Indices of Deprivation 2019, File 1 (LSOA 2011)",
        )
    for src in others:
        if src.vintage != "2021":
            continue
        if not src.counts:
            raise InputError(
                f"LSOA 2011 and LSOA 2021 are different geographies: {src.describe()} and {zones.describe()}; "
                f"a lookup converts counts, not the points or polygons of the {src.label}",
                path=src.path,
                hint=f"use the LSOA 2011 {src.label} (hubopt fetch data downloads them)",
            )
        if lookup is None:
            raise InputError(
                f"LSOA 2011 and LSOA 2021 are different geographies: {src.describe()} and {zones.describe()}",
                path=src.path,
                hint=_LOOKUP_HINT,
            )


@dataclass(frozen=True)
class LsoaConversion:
    """What :func:`population_to_zones` did, for the study's build report.

    Attributes
    ----------
    source : Path
        The table converted.
    lookup : Path
        The lookup used.
    lsoa2021_rows : int
        LSOA 2021 rows of the table that were converted (those the lookup maps to the study's zones).
    unchanged, split, merged : int
        The study's LSOA 2011 zones that are unchanged in 2021, were split into several 2021 LSOAs (their parts
        summed back) or were merged with others into one 2021 LSOA (its counts shared equally among them).
    outside : int
        LSOA 2011 areas outside the study that shared a merged 2021 LSOA with one of its zones (their shares are
        left out).
    """

    source: Path
    lookup: Path
    lsoa2021_rows: int
    unchanged: int
    split: int
    merged: int
    outside: int

    def record(self) -> dict[str, object]:
        """The conversion as plain values for ``study.yaml`` and ``build_report.json``."""
        return {
            "file": str(self.source),
            "from": "LSOA 2021",
            "to": "LSOA 2011",
            "lookup": str(self.lookup),
            "lsoa2021_rows": self.lsoa2021_rows,
            "lsoa2011_unchanged": self.unchanged,
            "lsoa2011_split": self.split,
            "lsoa2011_merged": self.merged,
            "lsoa2011_outside_study": self.outside,
        }

    def note(self) -> str:
        """One sentence for the build report and ATTRIBUTION.md."""
        return (
            f"Population converted from LSOA 2021 ({self.source.name}, {self.lsoa2021_rows} rows) to the study's "
            f"LSOA 2011 zones with the ONS lookup {self.lookup.name}: {self.unchanged} zones unchanged, "
            f"{self.split} split in 2021 (parts summed back), {self.merged} merged in 2021 (shared equally among "
            "the merged 2011 zones)."
        )


def population_to_zones(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    zone_codes: Sequence[str],
    lookup_path: str | Path,
    *,
    path: str | Path,
) -> tuple[pd.DataFrame, LsoaConversion]:
    """Convert counts keyed by LSOA 2021 to the study's LSOA 2011 zones.

    Only the LSOA 2021 rows that the lookup maps to the zones are used, so a national table and a national lookup
    are fine.

    Parameters
    ----------
    table : pandas.DataFrame
        ``lsoa_code`` (LSOA 2021 codes) and the count columns.
    count_columns : sequence of str
        The counts to convert (population by age band).
    zone_codes : sequence of str
        The study's LSOA 2011 codes.
    lookup_path : str or Path
        The ONS "LSOA (2011) to LSOA (2021)" lookup (read with :func:`hubopt.io.lsoa_lookup.read_lsoa_lookup`).
    path : str or Path
        The file ``table`` was read from, for messages.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code`` (every zone code, sorted) and the count columns (floats).
    LsoaConversion
        What was converted.

    Raises
    ------
    InputError
        When zones are missing from the lookup, LSOA 2021 codes the lookup maps to the zones are missing from the
        table, or the lookup marks one of them as redrawn irregularly (CHGIND X).
    """
    lookup_p, src = Path(lookup_path), Path(path)
    lookup = read_lsoa_lookup(lookup_p)
    zones = sorted(set(zone_codes))
    mine = lookup[lookup["lsoa11cd"].isin(zones)]
    unmapped = sorted(set(zones) - set(mine["lsoa11cd"]))
    if unmapped:
        raise InputError(
            f"{len(unmapped)} of the study's LSOA 2011 zones are not in the lookup: {', '.join(unmapped[:10])}"
            + (" ..." if len(unmapped) > 10 else ""),
            path=lookup_p,
            column="LSOA11CD",
            hint="use the ONS 'LSOA (2011) to LSOA (2021)' lookup for England and Wales",
        )
    needed = set(mine["lsoa21cd"])
    codes = table["lsoa_code"].astype(str).str.strip().str.upper()
    absent = sorted(needed - set(codes))
    if absent:
        raise InputError(
            f"{len(absent)} LSOA 2021 code(s) that the lookup maps to the study's zones are not in the file: "
            f"{', '.join(absent[:10])}" + (" ..." if len(absent) > 10 else ""),
            path=src,
            column="lsoa_code",
            hint="use a file that covers the study's districts, and the lookup that goes with its LSOA 2021 codes",
        )
    subset = table.loc[codes.isin(needed).to_numpy(), ["lsoa_code", *count_columns]].copy()
    subset["lsoa_code"] = codes[codes.isin(needed)].to_numpy()
    try:
        converted = to_lsoa2011(subset, "lsoa_code", list(count_columns), lookup)
    except InputError as exc:
        raise InputError(exc.problem, path=src, column=exc.column, hint=exc.hint) from None
    inside = converted["lsoa_code"].isin(zones).to_numpy()
    change = mine.drop_duplicates("lsoa11cd").set_index("lsoa11cd")["chgind"]
    conversion = LsoaConversion(
        source=src,
        lookup=lookup_p,
        lsoa2021_rows=len(subset),
        unchanged=int((change == "U").sum()),
        split=int((change == "S").sum()),
        merged=int((change == "M").sum()),
        outside=int((~inside).sum()),
    )
    out = converted.loc[inside].reset_index(drop=True)
    return out, conversion
