"""An Excel workbook of a run, for analysts and estates teams who work in spreadsheets.

Sheets: ``summary``, ``sites``, ``zones``, ``equity``, ``clusters`` (the PCNs each hub serves, when the study's
practices have PCNs), ``beds`` (when beds were planned), ``sweep`` (when a
how-many-hubs table is given), ``appraisal`` (when given) and ``assumptions``. Every sheet has readable column
headers, a frozen header row, an auto-filter and number formats (minutes to one decimal, shares as percentages,
people with thousands separators). Missing and infinite values are left blank, and the assumptions sheet says so.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hubopt.analysis.appointments import ServicePlan
from hubopt.analysis.equity import equity_table
from hubopt.analysis.frontier import Frontier
from hubopt.files.cell_text import neutralise
from hubopt.render.report import illustrative_assumptions, solver_statement
from hubopt.render.report_html import _flatten, _setting_text
from hubopt.render.report_services import yes_no
from hubopt.results import RunResult, hub_count

__all__ = ["write_workbook"]

_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_HEADER_FONT = Font(bold=True)
_MINUTES = "0.0"
_SHARE = "0.0%"
_PEOPLE = "#,##0"
_MONEY = '"£"#,##0'
_DECIMAL = "#,##0.00"

_LABELS = {
    "zone_id": "Zone code",
    "zone_name": "Zone name",
    "district": "District",
    "population": "People",
    "demand": "Age-weighted demand",
    "hub_id": "Hub site ID",
    "hub_name": "Hub",
    "minutes": "Minutes to hub",
    "imd_decile": "IMD decile (1 = most deprived)",
    "site_id": "Site ID",
    "name": "Name",
    "type": "Type",
    "status": "Status",
    "chosen": "Chosen as hub",
    "easting": "Easting (BNG, m)",
    "northing": "Northing (BNG, m)",
    "served_population": "People served",
    "served_demand": "Demand served",
    "zones_served": "Zones served",
    "mean_minutes": "Mean minutes",
    "p95_minutes": "95th percentile minutes",
    "max_minutes": "Longest minutes",
    "beds": "Beds today (register)",
    "planned_beds": "Planned community beds (in the year of the planned beds)",
    "planned_beds_year": "Year of the planned beds",
    "must_open": "Must open (required by the scenario)",
    "list_size": "Registered patients",
    "fixed_cost": "Fixed cost (£)",
    "capital_cost": "Capital cost (£)",
    "group": "Group",
    "group_key": "Group key",
    "zones": "Zones",
    "population_share": "Share of people",
    "unreachable_population": "People with no hub",
    "beds_today": "Beds today",
    "max_beds": "Most beds allowed",
    "year": "Year",
    "beds_needed": "Beds needed (whole beds)",
    "beds_needed_before_rounding": "Computed need before rounding up",
    "change_from_today": "Change from today",
    "beds_piloted": "Beds piloted",
    "beds_today_with_pilot": "Beds today with pilot beds",
    "beds_today_source": "Source of today's beds",
    "method": "Method",
    "n_hubs": "Hubs",
    "objective": "Objective",
    "gap": "Gap to bound",
    "seconds": "Seconds",
    "note": "Note",
    "sites": "Sites",
    "site_names": "Sites (named)",
    "rank": "Rank",
    "option": "Option",
    "description": "Description",
    "score": "Weighted score (0-1)",
    "gap_to_optimum_pct": "Travel vs optimised hubs (%)",
    "demand_mean_minutes": "Demand-weighted mean minutes",
    "deprived_mean_minutes": "Most deprived fifth: mean minutes",
    "rest_mean_minutes": "Rest: mean minutes",
    "equity_gap_minutes": "Deprived minus rest (minutes)",
    "max_hub_population": "Largest hub (people)",
    "min_hub_population": "Smallest hub (people)",
    "hubs_in_size_range_share": "Share of hubs in size range",
    "total_cost": "Total cost (£)",
    "existing_estate_share": "Share on existing estate",
    "pcn_code": "PCN code",
    "pcn_name": "Primary Care Network (PCN)",
    "practices": "Practices in the PCN",
    "people": "People of the PCN",
    "hubs": "Hubs serving the PCN",
    "hub_people": "People of the PCN served by this hub",
    "hub_share": "Share of the PCN's people served by this hub",
}


def write_workbook(
    run: RunResult,
    path: str | Path,
    *,
    sweep: pd.DataFrame | None = None,
    appraisal: pd.DataFrame | None = None,
) -> Path:
    """Write the Excel workbook of a run.

    Parameters
    ----------
    run : hubopt.results.RunResult
        A finished run.
    path : str or Path
        The ``.xlsx`` file to write (folder created when missing).
    sweep : pandas.DataFrame, optional
        A how-many-hubs table: written to the ``sweep`` sheet.
    appraisal : pandas.DataFrame, optional
        An options appraisal (:func:`hubopt.analysis.appraise.appraise`): written to the ``appraisal`` sheet with
        its notes.

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    summary = book.active
    summary.title = "summary"
    _summary(summary, run, solver_statement(run.result.report)[1])

    sites = pd.DataFrame(run.sites.drop(columns="geometry"))
    sites.insert(min(4, len(sites.columns)), "easting", run.sites.geometry.x.round(1).to_numpy())
    sites.insert(min(5, len(sites.columns)), "northing", run.sites.geometry.y.round(1).to_numpy())
    sites = sites.sort_values(["chosen", "served_population"], ascending=[False, False], kind="stable")
    _frame_sheet(book.create_sheet("sites"), sites)
    _frame_sheet(book.create_sheet("zones"), pd.DataFrame(run.zones.drop(columns="geometry")))
    _frame_sheet(book.create_sheet("equity"), equity_table(run.zones, run.scenario.thresholds))
    if run.clusters is not None:
        _frame_sheet(book.create_sheet("clusters"), pd.DataFrame(run.clusters))
    if run.beds is not None:
        sheet = book.create_sheet("beds")
        row = _frame_sheet(sheet, run.beds.need_table(), title="Community beds needed")
        _frame_sheet(sheet, run.beds.table(), title="Beds by site, today and planned", start_row=row + 2)
    if sweep is not None:
        _frame_sheet(book.create_sheet("sweep"), pd.DataFrame(sweep))
    outcome = run.outcome
    if outcome is not None and outcome.how_many is not None and outcome.frontier is not None:
        sheet = book.create_sheet("how_many", 1)
        _put(sheet, 1, 1, f"How many hubs: {outcome.frontier.how_many or 'no limit set'}").font = Font(bold=True)
        title = "Access, cost, staffing and capacity by number of hubs"
        _frame_sheet(sheet, _verdicts(outcome.how_many), title=title, start_row=3)
    if outcome is not None and outcome.frontier is not None:
        _frontier_sheet(book.create_sheet("frontier"), outcome.frontier)
    if outcome is not None and outcome.services is not None:
        _services_sheet(book.create_sheet("appointments"), outcome.services, run.sites)
    if appraisal is not None:
        sheet = book.create_sheet("appraisal")
        row = _frame_sheet(sheet, pd.DataFrame(appraisal))
        notes = list(appraisal.attrs.get("notes", []))
        criteria = appraisal.attrs.get("criteria", [])
        lines = [
            f"Criterion: {c['name']}, weight {float(c['weight']):.0%}, {c['direction']} {c['measure']} is better"
            for c in criteria
        ] + [f"Note: {n}" for n in notes]
        for k, line in enumerate(lines):
            _put(sheet, row + 2 + k, 1, line)
    _assumptions(book.create_sheet("assumptions"), run, illustrative_assumptions(run))
    book.save(out)
    return out


# --------------------------------------------------------------------------------------------------------------------


def _verdicts(table: pd.DataFrame) -> pd.DataFrame:
    """The how-many table with each limit's verdict as yes/no (blank: the limit is not set)."""
    out = pd.DataFrame(table)
    for col in ("worth_funding", "within_staff", "within_hub_size", "capacity_feasible", "allowed"):
        out[col] = [yes_no(v) for v in out[col]]
    return out


def _services_sheet(sheet: Worksheet, plan: ServicePlan, sites: pd.DataFrame) -> None:
    """Each hub's appointments against its capacity, with where the figures come from."""
    label = " (ILLUSTRATIVE)" if plan.illustrative else ""
    _put(sheet, 1, 1, f"Appointments a year: {plan.total:,.0f}{label}").font = Font(bold=True)
    _put(sheet, 2, 1, f"Appointments per head: {plan.rate_basis}")
    _put(sheet, 3, 1, f"Hub capacity: {plan.capacity_basis}")
    _put(sheet, 4, 1, f"Capacity kept: {plan.enforcement}")
    hubs = sites[sites["chosen"]].sort_values("capacity_used_pct", ascending=False)
    columns = ["site_id", "name", "served_population", "appointments", "appointment_capacity", "capacity_used_pct"]
    _frame_sheet(sheet, pd.DataFrame(hubs[columns]), title="Each hub's appointments against its capacity",
                 start_row=6)  # fmt: skip


def _frontier_sheet(sheet: Worksheet, frontier: Frontier) -> None:
    """The cost-access frontier: the answer and cost basis, the table over N, then the efficient options."""
    label = " (ILLUSTRATIVE)" if frontier.illustrative else ""
    _put(sheet, 1, 1, f"How many hubs economically{label}: {frontier.answer}").font = Font(bold=True)
    _put(sheet, 2, 1, f"Running costs: {frontier.cost_basis}")
    _put(sheet, 3, 1, f"Threshold: {frontier.threshold_basis or 'none set'}")
    _put(sheet, 4, 1, f"How many hubs in all: {frontier.how_many}" if frontier.how_many else "")
    row = _frame_sheet(sheet, frontier.table, title="Cost against access by number of hubs", start_row=6)
    if frontier.options is not None:
        row = _frame_sheet(
            sheet, frontier.options, title=f"Efficient options with {frontier.options_n} hubs", start_row=row + 2
        )
    for k, note in enumerate(frontier.notes):
        _put(sheet, row + 2 + k, 1, f"Note: {note}")


def _summary(sheet: Worksheet, run: RunResult, statement: str) -> None:
    a = run.access
    sc = run.scenario
    rows: list[tuple[str, Any, str | None]] = [
        ("Scenario", sc.name, None),
        ("Study", run.study.name, None),
        ("Year", run.demand.year, "0"),
        ("Hubs chosen", hub_count(run), "0"),
        ("Sites considered", len(run.candidates.sites), "0"),
        ("People", a["population"], _PEOPLE),
        ("Mean minutes to hub", a["mean_minutes"], _MINUTES),
        ("95th percentile minutes", a["p95_minutes"], _MINUTES),
        ("Longest minutes", a["max_minutes"], _MINUTES),
    ]
    rows += [(f"Share of people within {t:g} minutes", a[f"within_{t:g}_share"], _SHARE) for t in sc.thresholds]
    rows += [
        ("People with no reachable hub", a.get("unreachable_population", 0.0), _PEOPLE),
        ("Solver status", statement, None),
        ("Solver details", run.result.report.describe(), None),
        ("Made by hubopt on", dt.date.today().isoformat(), None),
    ]
    _header(sheet, ["Item", "Value"], 1)
    for i, (label, value, fmt) in enumerate(rows, start=2):
        _put(sheet, i, 1, label)
        cell = _put(sheet, i, 2, value)
        if fmt:
            cell.number_format = fmt
        cell.alignment = Alignment(horizontal="left", wrap_text=isinstance(value, str) and len(value) > 60)
    hubs = run.sites[run.sites["chosen"].astype(bool)].sort_values("served_population", ascending=False)
    start = len(rows) + 4
    _frame_sheet(
        sheet,
        pd.DataFrame(hubs[["site_id", "name", "type", "status", "served_population", "mean_minutes"]]),
        title="The hubs",
        start_row=start,
        freeze=False,
    )
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 70


def _assumptions(sheet: Worksheet, run: RunResult, flags: Sequence[str]) -> None:
    sc = run.scenario
    rows: list[tuple[str, str]] = [
        ("Method: population and demand", run.demand.method),
        ("Method: travel time", run.travel_method),
    ]
    if run.beds is not None and run.beds.needs:
        rows.append(("Method: community beds", run.beds.needs[0].method))
    if run.clusters is not None:
        rows.append(("Method: clusters (Primary Care Networks)", str(run.clusters.attrs.get("rule", ""))))
    rows += [("ILLUSTRATIVE / ASSUMPTION", f) for f in flags]
    rows += [("Note", n) for n in getattr(run.demand, "notes", []) or []]
    rows.append(("Note", "Blank cells are values that are missing or infinite (an area that reaches no hub)."))
    rows += [(f"Setting: {k}", _setting_text(v)) for k, v in _flatten(sc.raw or {}).items()]
    folder = getattr(run.study, "folder", None)
    attribution = Path(folder) / "ATTRIBUTION.md" if folder is not None else None
    if attribution is not None and attribution.exists():
        for line in attribution.read_text(encoding="utf-8").splitlines():
            if line.strip() and not set(line.strip()) <= set("|-: "):
                # a Markdown bullet is shown as its text (a cell starting with "-" would be quoted as a formula)
                rows.append(("Data sources (ATTRIBUTION.md)", line.strip().removeprefix("- ")))
    _header(sheet, ["Topic", "Text"], 1)
    for i, (topic, text) in enumerate(rows, start=2):
        _put(sheet, i, 1, topic)
        _put(sheet, i, 2, str(text)).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 120


def _header(sheet: Worksheet, labels: Sequence[str], row: int) -> None:
    for j, label in enumerate(labels, start=1):
        cell = _put(sheet, row, j, label)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _label(column: str) -> str:
    if column in _LABELS:
        return _LABELS[column]
    if column.startswith("within_") and column.endswith("_share"):
        return f"Share within {column[7:-6]} minutes"
    if column.startswith("within_") and column.endswith("_gain_per_hub"):
        return f"Gain within {column[7:-13]} minutes per extra hub"
    if column.startswith("beds_") and column[5:].isdigit():
        return f"Beds {column[5:]}"
    if column.startswith("score_"):
        return f"Score: {column[6:]}"
    if ages := re.fullmatch(r"pop_(\d+)(?:_(\d+|plus))?", column):
        lo, hi = ages.group(1), ages.group(2)
        return f"People aged {lo}" + ("" if hi is None else "+" if hi == "plus" else f"-{hi}")
    return column.replace("_", " ").capitalize()


def _format(column: str, series: pd.Series) -> str | None:
    if column.endswith("_share") or column in ("population_share",):
        return _SHARE
    if "minutes" in column:
        return _MINUTES
    if column in ("fixed_cost", "capital_cost", "total_cost", "annual_cost", "extra_annual_cost"):
        return _MONEY
    if column.startswith("people_within") and not column.endswith("_per_100k"):
        return _PEOPLE
    if column.startswith("pop") or "population" in column or column in ("list_size", "served_demand", "demand"):
        return _PEOPLE
    if column in ("people", "hub_people"):
        return _PEOPLE
    if column in ("gap",):
        return "0.00%"
    if column in ("score", "gap_to_optimum_pct") or column.startswith("score_"):
        return "0.00"
    if pd.api.types.is_integer_dtype(series):
        return "0"
    if pd.api.types.is_float_dtype(series):
        return _DECIMAL
    return None


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one cell: every value of the workbook goes through here, so that text is never a formula."""
    return sheet.cell(row=row, column=column, value=_cell(value))


def _cell(value: Any) -> Any:
    """A value openpyxl can store: missing and infinite numbers become blank, NumPy scalars plain Python.

    Text that a spreadsheet would run as a formula (``=...``, ``+``, ``-``, ``@``) gets a leading quote
    (:func:`hubopt.files.cell_text.neutralise`): openpyxl stores any other text as a string, never as a formula.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple | Mapping):
        return neutralise(str(value))
    return neutralise(value)


def _frame_sheet(
    sheet: Worksheet,
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    start_row: int = 1,
    freeze: bool = True,
) -> int:
    """Write a frame with a readable header; return the last row written."""
    row = start_row
    if title:
        _put(sheet, row, 1, title).font = Font(bold=True, size=12)
        row += 1
    columns = [str(c) for c in frame.columns]
    _header(sheet, [_label(c) for c in columns], row)
    header_row = row
    formats = [_format(c, frame[c]) for c in frame.columns]
    for values in frame.itertuples(index=False):
        row += 1
        for j, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
            cell = _put(sheet, row, j, value)
            if fmt and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt
    for j, column in enumerate(columns, start=1):
        letter = get_column_letter(j)
        sample = [len(str(v)) for v in frame[column].head(200)] if len(frame) else [0]
        width = max(min(max(sample, default=0), 50), min(len(_label(column)), 28), 8) + 2
        current = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = max(width, current)
    if freeze and start_row == 1 and not title:
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(columns), 1))}{max(row, header_row)}"
    elif freeze and start_row == 1:
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    return row
