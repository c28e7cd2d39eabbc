"""Tests of the Excel workbook (hubopt.render.workbook) on the small stand-in run of test_report."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import load_workbook

from hubopt.analysis.clusters import cluster_table
from hubopt.render.workbook import write_workbook

from .test_report import EVIL, fake_run, make_appraisal, make_sweep


def fake_beds() -> SimpleNamespace:
    need = pd.DataFrame(
        {
            "year": [2025, 2030],
            "beds_needed": [21, 24],
            "beds_needed_before_rounding": [20.4, 23.1],
            "beds_today": [18, 18],
            "change_from_today": [3, 6],
            "beds_piloted": [0, 0],
            "beds_today_with_pilot": [18, 18],
            "beds_today_source": ["the test register"] * 2,
            "method": ["baseline grown with weighted population"] * 2,
        }
    )
    plan = pd.DataFrame(
        {
            "site_id": ["S1", "S2"],
            "name": ["Alpha Centre", EVIL],
            "type": ["community_hospital", "gp_practice"],
            "beds_today": [18, 0],
            "max_beds": [40.0, 40.0],
            "beds_2025": [21, 0],
            "beds_2030": [24, 0],
        }
    )
    return SimpleNamespace(
        need_table=lambda: need,
        table=lambda: plan,
        needs=[SimpleNamespace(method="baseline grown with weighted population")],
        notes=[],
    )


def rows(sheet) -> list[tuple]:
    return [tuple(c.value for c in r) for r in sheet.iter_rows()]


def test_workbook_sheets_and_values(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    run.beds = fake_beds()
    path = write_workbook(run, tmp_path / "x" / "hubs.xlsx", sweep=make_sweep(), appraisal=make_appraisal(run))
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "sites", "zones", "equity", "beds", "sweep", "appraisal", "assumptions"]

    summary = {r[0]: r[1] for r in rows(book["summary"]) if r[0]}
    assert summary["Hubs chosen"] == 2
    assert summary["People"] == 10_000
    assert summary["Mean minutes to hub"] == pytest.approx(run.access["mean_minutes"])
    assert summary["Share of people within 30 minutes"] == pytest.approx(0.6)
    assert book["summary"]["B8"].number_format == "0.0"  # mean minutes
    assert str(summary["Solver status"]).startswith("Proven optimal")

    zones = book["zones"]
    header = [c.value for c in zones[1]]
    assert header[:4] == ["Zone code", "Zone name", "District", "People"]
    assert zones.freeze_panes == "A2"
    assert zones.auto_filter.ref.startswith("A1:")
    minutes_col = header.index("Minutes to hub") + 1
    assert [zones.cell(row=r, column=minutes_col).value for r in range(2, 6)] == [5.0, 12.5, 20.0, 33.0]
    assert zones.cell(row=2, column=minutes_col).number_format == "0.0"
    assert zones.cell(row=2, column=header.index("People") + 1).number_format == "#,##0"

    sites = book["sites"]
    names = [c.value for c in sites["B"]]  # names are stored as text, never interpreted
    assert EVIL in names
    assert [c.value for c in sites[1]][:2] == ["Site ID", "Name"]

    equity = {r[1]: r for r in rows(book["equity"])}
    head = [c.value for c in book["equity"][1]]
    fifth = equity["Most deprived fifth (deciles 1-2)"]
    assert fifth[head.index("People")] == 3000
    assert fifth[head.index("Mean minutes")] == pytest.approx(10.0)
    assert equity["No IMD data"][head.index("People")] == 4000
    share_cell = book["equity"].cell(row=2, column=head.index("Share within 15 minutes") + 1)
    assert share_cell.number_format == "0.0%"

    beds = rows(book["beds"])
    assert beds[0][0] == "Community beds needed"
    assert any(r[0] == "Beds by site, today and planned" for r in beds)
    assert any(r[:2] == ("S1", "Alpha Centre") for r in beds)

    sweep = rows(book["sweep"])
    assert sweep[0][:3] == ("Hubs", "Mean minutes", "95th percentile minutes")
    assert sweep[4][1] is None  # the unsolved N is blank, not NaN

    appraisal = rows(book["appraisal"])
    assert appraisal[0][:2] == ("Rank", "Option")
    # here one surgery alone beats the stand-in "optimum" on access (the only criterion), so it ranks first
    assert [r[:2] for r in appraisal[1:3]] == [(1, f"Option {EVIL}"), (2, "Optimised")]
    assert any(str(r[0]).startswith("Criterion: Access") for r in appraisal if r[0])

    text = "\n".join(str(r[1]) for r in rows(book["assumptions"]))
    assert "ONS estimates for 2030" in text and "illustrative" in text.lower() and "Contains OS data" in text


def test_workbook_without_beds_sweep_or_appraisal(tmp_path: Path) -> None:
    book = load_workbook(write_workbook(fake_run(tmp_path), tmp_path / "w.xlsx"))
    assert book.sheetnames == ["summary", "sites", "zones", "equity", "assumptions"]


def test_workbook_clusters_sheet(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    practices = pd.DataFrame({"pcn_code": ["U1", "U2"], "pcn_name": [f"={EVIL}", "B PCN"]})
    hubs = run.zones["hub_id"].fillna("").astype(str)
    run.clusters = cluster_table(["U1", "U1", "U2", "U2"], run.zones["population"], hubs, hubs, practices)
    run.clusters.attrs["rule"] = "RULE TEXT"
    book = load_workbook(write_workbook(run, tmp_path / "w.xlsx"))
    assert book.sheetnames == ["summary", "sites", "zones", "equity", "clusters", "assumptions"]
    sheet = list(book["clusters"].iter_rows(values_only=True))
    assert sheet[0][:4] == ("PCN code", "Primary Care Network (PCN)", "Practices in the PCN", "People of the PCN")
    assert sheet[1][1] == f"'={EVIL}"  # a name that a spreadsheet would run as a formula is quoted
    methods = [r for r in book["assumptions"].iter_rows(values_only=True) if r[0] and "clusters" in str(r[0])]
    assert methods == [("Method: clusters (Primary Care Networks)", "RULE TEXT")]
