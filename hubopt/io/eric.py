"""NHS estates returns (ERIC, "Estates Returns Information Collection"), site level.

HSCIC / NHS Digital publish the ``Site Data`` sheet of "Hospital Estates and Facilities Statistics" each year: one
row per site of each NHS trust, under **two header rows** (a section row such as ``Areas`` or ``Quality of
Buildings``, written once above its first column, then a column row such as ``Occupied floor area (m²)``). Saved
as CSV with both header rows kept, :func:`read_eric_sites` reads one year, :func:`read_eric_folder` every year in a
folder, and :func:`latest_per_site` keeps each site's newest return.

Columns are found by their section and column names (ignoring case, spaces and punctuation), because the columns
differ by year. What each output is made of:

=================== ==================================================================================================
output              ERIC columns
=================== ==================================================================================================
``gifa_m2``         Areas: "Gross internal site floor area (m²)" (2013-14, 2014-15), "Gross internal floor area (m²)"
``occupied_m2``     Areas: "Occupied floor area (m²)"
``backlog_*``       Quality of Buildings: "Cost to eradicate high / significant / moderate / low risk backlog (£)";
                    ``backlog_total`` is their sum
``running_cost``    the sum of the estates and facilities cost lines of the year (:data:`RUNNING_COST_COLUMNS`):
                    2014-15 and 2015-16: Hard FM (Estates), Soft FM (Hotel services), estates and facilities
                    finance, maintenance service, energy, water and sewage, waste, cleaning, in-patient food,
                    laundry and linen, portering; 2016-17 (Hard FM split into its lines): finance, estates and
                    property maintenance, grounds and gardens, EBME maintenance, other Hard FM, other Soft FM,
                    energy, water, sewage, the four waste lines, cleaning, in-patient food, laundry and linen,
                    portering. 2013-14 has no facilities-management costs: its ``running_cost`` is missing.
=================== ==================================================================================================

ERIC reports these lines separately (at several sites the maintenance line is larger than the Hard FM line, and
the cleaning line larger than the Soft FM line, so neither total contains them); they are summed, not nested. A
line reported as "Not Applicable" (or blank) adds nothing; a site with none of its cost lines reported has no
running cost. No condition (estate code) column is in these site returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.io._csv import read_csv_records

__all__ = [
    "ERIC_COLUMNS",
    "FIGURE_GROUPS",
    "RUNNING_COST_COLUMNS",
    "eric_source_label",
    "latest_figures",
    "latest_per_site",
    "read_eric_folder",
    "read_eric_sites",
]

_WHAT = "ERIC site data file"
#: Cell text that means "no figure" (the site does not have the service).
_NOT_GIVEN = {"", "not applicable", "n/a", "na"}
#: The site code ERIC gives a trust's total of the sites it did not return one by one.
_AGGREGATE_CODE = "AGGRE"
_AGGREGATE_ROWS = "trust aggregate rows (site code AGGRE)"
_SUBTOTAL_ROWS = "trust subtotal rows ('<trust> Result', no site code)"

#: Columns of the table :func:`read_eric_sites` returns.
ERIC_COLUMNS = (
    "year",
    "trust_code",
    "trust_name",
    "site_code",
    "site_name",
    "site_type",
    "running_cost",
    "gifa_m2",
    "occupied_m2",
    "backlog_high",
    "backlog_significant",
    "backlog_moderate",
    "backlog_low",
    "backlog_total",
)


@dataclass(frozen=True)
class _Field:
    """One output column: the section it is under (None: the identifying columns before the first section) and
    the column names it may have, in any year."""

    section: str | None
    names: tuple[str, ...]


_IDENTITY = {
    "trust_code": _Field(None, ("Organisation Code",)),
    "trust_name": _Field(None, ("Organisation Name",)),
    "site_code": _Field(None, ("Site Code",)),
    "site_name": _Field(None, ("Site Name",)),
    "site_type": _Field(None, ("Site Type",)),
}
_AREAS = {
    "gifa_m2": _Field("Areas", ("Gross internal site floor area (m²)", "Gross internal floor area (m²)")),
    "occupied_m2": _Field("Areas", ("Occupied floor area (m²)",)),
}
_BACKLOG = {
    f"backlog_{risk}": _Field("Quality of Buildings", (f"Cost to eradicate {risk} risk backlog (£)",))
    for risk in ("high", "significant", "moderate", "low")
}
_FM = "Facilities Management (FM) Services"

#: The cost lines summed into ``running_cost``, by layout: ``"fm_totals"`` (2014-15, 2015-16: Hard and Soft FM
#: totals) and ``"fm_lines"`` (2016-17 on: Hard FM split into its lines). Each entry is a section and the names the
#: line may have in it.
RUNNING_COST_COLUMNS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "fm_totals": (
        (_FM, ("Hard FM (Estates) costs (£)",)),
        (_FM, ("Soft FM (Hotel Services) costs (£)",)),
        (_FM, ("Estates and facilities finance costs (£)",)),
        (_FM, ("Maintenance service costs (£)",)),
        ("Energy", ("Energy cost (all energy supplies) (£)", "Energy costs (all energy supplies) (£)")),
        ("Water Services", ("Water and sewage cost (£)", "Water cost (£)")),
        ("Water Services", ("Sewage cost (£)",)),
        ("Waste", ("Waste cost (£)", "Clinical waste cost (£)")),
        ("Waste", ("Special waste cost (£)",)),
        ("Waste", ("Domestic waste cost (£)",)),
        ("Waste", ("Waste recycling, recovery cost (£)",)),
        ("Cleanliness", ("Cleaning service cost (£)",)),
        (
            "Food Services",
            ("In-patient food services cost (£)", "Inpatient food service cost (£)"),
        ),
        ("Laundry & Linen", ("Laundry and linen service cost (£)",)),
        (
            "Portering Services",
            ("Portering (internal patient transport) service cost (£)", "Portering service cost (£)"),
        ),
    ),
    "fm_lines": (
        (_FM, ("Estates and facilities finance costs (£)",)),
        (_FM, ("Estates and property maintenance (£)",)),
        (_FM, ("Grounds and gardens maintenance (£)",)),
        (_FM, ("Electro Bio Medical Equipment maintenance cost (£)",)),
        (_FM, ("Other Hard FM (Estates) costs (£)",)),
        (_FM, ("Other Soft FM (Hotel Services) costs (£)",)),
        ("Energy", ("Energy costs (all energy supplies) (£)",)),
        ("Water Services", ("Water cost (£)",)),
        ("Water Services", ("Sewage cost (£)",)),
        ("Waste", ("Landfill disposal cost (£)",)),
        ("Waste", ("Incineration disposal cost (£)",)),
        ("Waste", ("Waste reycling cost (£)", "Waste recycling cost (£)")),
        ("Waste", ("Other recovery cost (£)",)),
        ("Cleanliness", ("Cleaning service cost (£)",)),
        ("Food Services", ("Inpatient food service cost (£)",)),
        ("Laundry & Linen", ("Laundry and linen service cost (£)",)),
        ("Portering Services", ("Portering service cost (£)",)),
    ),
}
#: Lines of a "fm_totals" year that only some years report (2014-15 has one water and one waste line).
_OPTIONAL_LINES = {
    "Sewage cost (£)",
    "Special waste cost (£)",
    "Domestic waste cost (£)",
    "Waste recycling, recovery cost (£)",
}

_YEAR_IN_NAME = re.compile(r"(20\d\d)[-_](\d\d)")


def _key(text: str) -> str:
    """Text reduced to lower-case letters and digits, for matching names across years."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _section_key(text: str) -> str:
    """A section's key: "Inpatient Food Services", "In-patient Food Services" and "Food Services" all match."""
    key = _key(text).replace("inpatient", "")
    return {"portering": "porteringservices", "porteringinternalpatienttransportservices": "porteringservices"}.get(
        key, key
    )


def _year_of(path: Path) -> str:
    match = _YEAR_IN_NAME.search(path.name)
    if match is None:
        raise InputError(
            "the ERIC file's name does not say which year it returns",
            path=path,
            hint="name the file with its year, e.g. ERIC_2016-17_site_data.csv, or pass year='2016-17'",
        )
    return f"{match.group(1)}-{match.group(2)}"


class _Header:
    """The two header rows: each column's section (carried right from where it is written) and name."""

    def __init__(self, sections: list[str], names: list[str], path: Path) -> None:
        self.path = path
        self.names = names
        current = ""
        self.sections: list[str] = []
        for i in range(len(names)):
            text = sections[i].strip() if i < len(sections) else ""
            if text:
                current = text
            self.sections.append(current)

    def search(self, field: _Field) -> int | None:
        """The index of the column of ``field`` (the first in its section when a name repeats), or None."""
        wanted = {_key(n) for n in field.names}
        section = None if field.section is None else _section_key(field.section)
        for i, name in enumerate(self.names):
            if _key(name) in wanted and (section is None or _section_key(self.sections[i]) == section):
                return i
        return None

    def find(self, field: _Field, output: str) -> int:
        """The index of the column of ``field``; InputError naming the column when the file has none."""
        index = self.search(field)
        if index is not None:
            return index
        where = f" under the section {quote(field.section)}" if field.section else ""
        raise InputError(
            f"the {_WHAT} has no column {quote(field.names[0])}{where} (needed for {output})",
            path=self.path,
            row=2,
            column=field.names[0],
            hint="give the Site Data sheet of an ERIC return saved as CSV with both header rows (section row, "
            "then column row)",
        )

    def has_section(self, section: str) -> bool:
        return any(_section_key(s) == _section_key(section) for s in self.sections)


def read_eric_sites(path: str | Path, *, year: str | None = None) -> pd.DataFrame:
    """Read one year's ERIC site data (CSV with the section row and the column row).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    year : str, optional
        The financial year returned, e.g. ``"2016-17"``; by default read from the file name
        (``ERIC_2016-17_...``).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`ERIC_COLUMNS`, one row per site in file order; costs in £, areas in m² (float,
        NaN where the return gives no figure). ``site_type`` drops ERIC's numbering ("7. Community hospital ..." ->
        "Community hospital ..."). Rows left out are counted in ``attrs["excluded"]``: trusts' aggregate rows
        (site code ``AGGRE``) and the subtotal rows (``"<trust> Result"``) of some years. ``attrs["cost_columns"]``
        lists the column names summed into ``running_cost`` (empty for a year without facilities-management
        costs); ``attrs["year"]`` is the year.

    Raises
    ------
    InputError
        Naming the file, the row and the column, for: a missing column; a blank site code; a repeated site code; a
        cell of an area, backlog or cost column that is neither a number nor "Not Applicable"/blank; a negative
        figure; a file name without its year (when ``year`` is not given).
    """
    p = Path(path)
    year = year or _year_of(p)
    sections, rows, lines = read_csv_records(p, what=_WHAT)
    if not rows:
        raise InputError(f"the {_WHAT} has no column row under its section row", path=p, row=2)
    header = _Header(sections, [f.strip() for f in rows[0]], p)
    data, data_lines = rows[1:], lines[1:]
    width = len(header.names)
    for fields, line in zip(data, data_lines, strict=True):
        if len(fields) != width:
            raise InputError(
                f"the row has {len(fields)} fields but the header has {width}",
                path=p,
                row=line,
                hint="check for a stray comma or a quote that is not closed",
            )
    cols = {out: header.find(f, out) for out, f in {**_IDENTITY, **_AREAS, **_BACKLOG}.items()}
    cost_cols = _cost_columns(header)

    def text(i: int | None) -> list[str]:
        return ["" if i is None else r[i].strip() for r in data]

    site_code = text(cols["site_code"])
    aggregate = np.array([c.upper() == _AGGREGATE_CODE for c in site_code], dtype=bool)
    subtotal = np.array(
        [not c and t.lower().endswith(" result") for c, t in zip(site_code, text(cols["trust_code"]), strict=True)],
        dtype=bool,
    )
    keep = ~aggregate & ~subtotal
    for k, (code, line) in enumerate(zip(site_code, data_lines, strict=True)):
        if keep[k] and not code:
            raise InputError("the site code is blank", path=p, row=line, column=header.names[cols["site_code"]])
    rows_kept = [r for r, k in zip(data, keep, strict=True) if k]
    lines_kept = [n for n, k in zip(data_lines, keep, strict=True) if k]
    out = pd.DataFrame(index=range(len(rows_kept)))
    for name in ("trust_code", "trust_name", "site_code", "site_name"):
        out[name] = [t for t, k in zip(text(cols[name]), keep, strict=True) if k]
    out["site_type"] = [re.sub(r"^\d+\.\s*", "", t) for t, k in zip(text(cols["site_type"]), keep, strict=True) if k]
    numbers = {name: _numbers(rows_kept, cols[name], header, lines_kept) for name in (*_AREAS, *_BACKLOG)}
    costs = (
        np.column_stack([_numbers(rows_kept, i, header, lines_kept, negative_ok=True) for i in cost_cols])
        if cost_cols
        else None
    )
    out["running_cost"] = (
        np.nan if costs is None else np.where(np.isnan(costs).all(axis=1), np.nan, np.nansum(costs, 1))
    )
    for name in (*_AREAS, *_BACKLOG):
        out[name] = numbers[name]
    backlog = np.column_stack([numbers[name] for name in _BACKLOG])
    out["backlog_total"] = np.where(np.isnan(backlog).all(axis=1), np.nan, np.nansum(backlog, axis=1))
    out["year"] = year
    out = out[list(ERIC_COLUMNS)]
    repeated = out["site_code"].duplicated(keep=False)
    if repeated.any():
        code = out.loc[repeated, "site_code"].iloc[0]
        line = lines_kept[int(np.flatnonzero(out["site_code"].to_numpy() == code)[1])]
        raise InputError(
            f"the site code {quote(code)} is on more than one row",
            path=p,
            row=line,
            column=header.names[cols["site_code"]],
            hint="each site has one row in a year's return; remove the repeated row",
        )
    out.attrs["excluded"] = {_AGGREGATE_ROWS: int(aggregate.sum()), _SUBTOTAL_ROWS: int(subtotal.sum())}
    out.attrs["cost_columns"] = [header.names[i] for i in cost_cols]
    out.attrs["year"] = year
    return out


def _cost_columns(header: _Header) -> list[int]:
    """The columns summed into the running cost: none when the year has no facilities-management section."""
    if not header.has_section(_FM):
        return []
    lines_layout = header.search(_Field(_FM, ("Other Hard FM (Estates) costs (£)",))) is not None
    layout = RUNNING_COST_COLUMNS["fm_lines" if lines_layout else "fm_totals"]
    found = []
    for section, names in layout:
        field = _Field(section, names)
        index = header.search(field) if set(names) <= _OPTIONAL_LINES else header.find(field, "the running cost")
        if index is not None and index not in found:
            found.append(index)
    return found


def _numbers(
    data: list[list[str]], index: int | None, header: _Header, lines: list[int], *, negative_ok: bool = False
) -> np.ndarray:
    """A column as float: NaN for "Not Applicable" or blank; InputError naming row and column otherwise.

    A cost line may be negative (a waste line net of a recycling credit); areas and backlog may not.
    """
    out = np.full(len(data), np.nan)
    if index is None:
        return out
    for k, fields in enumerate(data):
        raw = fields[index].strip()
        if raw.lower() in _NOT_GIVEN:
            continue
        try:
            value = float(raw.replace(",", "").replace("£", ""))
        except ValueError:
            value = float("nan")
        if not np.isfinite(value):
            raise InputError(
                f"{quote(raw)} is not a number",
                path=header.path,
                row=lines[k],
                column=header.names[index],
                hint="give the figure as a number, or leave it blank (or 'Not Applicable') when there is none",
            )
        if value < 0 and not negative_ok:
            raise InputError(
                f"{quote(raw)} is negative",
                path=header.path,
                row=lines[k],
                column=header.names[index],
                hint="floor areas and backlog costs are zero or more",
            )
        out[k] = value
    return out


def read_eric_folder(folder: str | Path) -> pd.DataFrame:
    """Every ``ERIC_<year>_*.csv`` file of a folder, as one table (:func:`read_eric_sites` of each, oldest first).

    ``attrs["cost_columns"]`` maps each year to the columns summed into its running cost, and
    ``attrs["excluded"]`` counts rows left out over all files.

    Raises
    ------
    InputError
        When the folder holds no ERIC file, or two files return the same year, or any file is bad.
    """
    root = Path(folder)
    files = sorted(
        f for f in root.glob("*.csv") if f.name.upper().startswith("ERIC") and _YEAR_IN_NAME.search(f.name)
    )
    if not files:
        raise InputError(
            "the folder holds no ERIC site data file (ERIC_<year>_*.csv)",
            path=root,
            hint="put the yearly ERIC Site Data CSV files there, named with their year (ERIC_2016-17_...)",
        )
    tables, columns = [], {}
    excluded = {_AGGREGATE_ROWS: 0, _SUBTOTAL_ROWS: 0}
    for f in sorted(files, key=_year_of):
        table = read_eric_sites(f)
        year = table.attrs["year"]
        if year in columns:
            raise InputError(f"two files return the year {year}", path=f, hint="keep one file per year")
        columns[year] = table.attrs["cost_columns"]
        for reason, n in table.attrs["excluded"].items():
            excluded[reason] += n
        tables.append(table)
    out = pd.concat(tables, ignore_index=True)
    out.attrs["cost_columns"] = columns
    out.attrs["excluded"] = excluded
    return out


def latest_per_site(eric: pd.DataFrame) -> pd.DataFrame:
    """Each site's newest return (the latest ``year`` that has the site), indexed by ``site_code``."""
    ordered = eric.sort_values("year", kind="stable")
    return ordered.drop_duplicates("site_code", keep="last").set_index("site_code")


#: The figures :func:`latest_figures` gives, each group with the ERIC columns it comes from (taken together, from
#: one year).
FIGURE_GROUPS: dict[str, dict[str, str]] = {
    "annual_cost": {"annual_cost": "running_cost"},
    "floor_area": {"floor_area_m2": "gifa_m2", "occupied_m2": "occupied_m2"},
    "backlog_cost": {"backlog_cost": "backlog_total", "backlog_high_risk": "backlog_high"},
}


def latest_figures(eric: pd.DataFrame) -> pd.DataFrame:
    """Each site's newest figures: for each group of :data:`FIGURE_GROUPS`, the latest year whose return gives it.

    A year may return a site without one of its figures ("Not Applicable"): e.g. Sevenoaks Hospital's 2016-17
    return has no backlog, so its backlog is the 2015-16 one. Each group says its year in ``<group>_year``.

    Parameters
    ----------
    eric : pandas.DataFrame
        Returns of one or more years (:func:`read_eric_folder`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``site_code``: ``annual_cost`` (running cost, £/year), ``floor_area_m2`` (GIFA),
        ``occupied_m2``, ``backlog_cost`` (all four risks, £), ``backlog_high_risk`` (£), and ``annual_cost_year``,
        ``floor_area_year``, ``backlog_cost_year`` (None where no year gives the figure).
    """
    ordered = eric.sort_values("year", kind="stable")
    codes = list(dict.fromkeys(ordered["site_code"]))
    out = pd.DataFrame(index=pd.Index(codes, name="site_code"))
    for group, columns in FIGURE_GROUPS.items():
        first, lead = next(iter(columns.items()))
        given = ordered[ordered[lead].notna()].drop_duplicates("site_code", keep="last").set_index("site_code")
        for name, column in columns.items():
            out[name] = given[column].reindex(out.index)
        out[f"{group}_year"] = given["year"].reindex(out.index).astype(object).where(out[first].notna())
    return out


def eric_source_label(year: str, site_code: str) -> str:
    """How a figure taken from ERIC names its source, e.g. ``NHS Digital ERIC 2016-17, site RYYD9, OGL v3``."""
    return f"NHS Digital ERIC {year}, site {site_code}, OGL v3"
