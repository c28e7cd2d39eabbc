"""Text cells are text: no site name becomes a live formula in a CSV or the workbook (OWASP CSV injection).

A run whose hubs are named like spreadsheet formulas writes every CSV with those names quoted, a workbook with no
formula cell, and reads its own tables back (``hubopt compare``) with the names exactly as they were.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_pipeline import scenario_file

from hubopt.analysis.compare import compare_runs
from hubopt.files.cell_text import FORMULA_STARTS, neutralise, neutralise_frame, restore, restore_frame
from hubopt.pipeline import run_scenario
from hubopt.render.compare_outputs import write_comparison_folder
from hubopt.scenario import load_scenario
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
INJECTIONS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "+1",
    "-1+2",
]


def test_neutralise_and_restore_round_trip() -> None:
    for text in [*INJECTIONS, "\tTab", "\rReturn", "'=already quoted", "''@two", "'Tis Surgery", "Plain", ""]:
        safe = neutralise(text)
        assert restore(safe) == text
        if text.lstrip("'").startswith(FORMULA_STARTS):
            assert safe == "'" + text
        else:
            assert safe == text
    assert neutralise(-1.5) == -1.5 and neutralise(None) is None and neutralise(True) is True
    frame = pd.DataFrame({"name": ["=1+1", "ok"], "minutes": [-3.0, 2.0], "n": [-1, 2]})
    safe = neutralise_frame(frame)
    assert safe["name"].tolist() == ["'=1+1", "ok"]
    assert safe["minutes"].tolist() == [-3.0, 2.0] and safe["n"].tolist() == [-1, 2]  # numbers stay numbers
    assert frame["name"].tolist() == ["=1+1", "ok"]  # the caller's frame is not changed
    assert restore_frame(safe)["name"].tolist() == ["=1+1", "ok"]


def extra_register(tmp_path: Path) -> tuple[Path, list[str]]:
    """Five sites named like formulas, each 200 m from a West Kent GP practice."""
    sites = load_study(REPO / "hubopt" / "studies" / "west_kent").sites
    gps = sites[sites["type"] == "gp_practice"].head(len(INJECTIONS))
    ids = [f"X{i}" for i in range(len(INJECTIONS))]
    rows = [
        [sid, name, "gp_practice", "existing", f"{p.x + 200:.1f}", f"{p.y:.1f}"]
        for sid, name, p in zip(ids, INJECTIONS, gps.geometry, strict=True)
    ]
    path = tmp_path / "formula_sites.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["site_id", "name", "type", "status", "easting", "northing"])
        writer.writerows(rows)
    return path, ids


@pytest.fixture(scope="module")
def formula_run(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("formula")
    register, ids = extra_register(tmp)
    path = scenario_file(
        tmp,
        light=True,
        sites__extra_register=str(register),
        sites__must_open=["RYYD9", *ids],
        model__hubs=len(ids) + 1,
        model__explain=True,
        outputs__workbook=True,
        outputs__map=False,
        appraisal__options=[],
    )
    return run_scenario(load_scenario(path), out=tmp / "out")


def test_every_csv_quotes_formula_text(formula_run) -> None:
    folder = formula_run.folder
    seen: set[str] = set()
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.lstrip("'").startswith(("=", "+", "@", "\t", "\r")):
                        assert cell.startswith("'"), (path.name, cell)
                    seen |= {name for name in INJECTIONS if cell == "'" + name}
    assert seen == set(INJECTIONS)  # every name was written, each quoted once
    sites = pd.read_csv(folder / "sites.csv")
    assert pd.api.types.is_numeric_dtype(sites["mean_minutes"])  # numbers are still numbers


def test_workbook_has_no_formula_cell(formula_run) -> None:
    book = load_workbook(formula_run.folder / "results.xlsx")
    found: set[str] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    found |= {name for name in INJECTIONS if cell.value == "'" + name}
    assert found == set(INJECTIONS)


def test_compare_reads_the_names_back_exactly(formula_run, tmp_path: Path) -> None:
    comparison = compare_runs(formula_run.folder, formula_run.folder)
    assert set(INJECTIONS) <= set(comparison.hubs["name"])
    written = write_comparison_folder(comparison, tmp_path)
    hubs = pd.read_csv(tmp_path / "comparison_hubs.csv")
    assert set(INJECTIONS) <= {restore(n) for n in hubs["name"]}
    assert {"'" + n for n in INJECTIONS} <= set(hubs["name"])  # quoted once, not twice
    assert "manifest.json" in written
