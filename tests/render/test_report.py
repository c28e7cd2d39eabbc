"""Tests of the HTML report (hubopt.render.report) and the how-many-hubs chart (hubopt.render.charts).

The run is a small stand-in built here (the attributes the report reads), so the tests are quick; the report of the
real West Kent demo is checked in a browser by tests/render/test_browser.py.
"""

from __future__ import annotations

import base64
import html
import re
import socket
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from hubopt.analysis.appraise import CriterionSpec, OptionSpec, appraise
from hubopt.errors import InputError
from hubopt.locate.solve import SolveReport
from hubopt.render.charts import check_sweep, hubs_chart, hubs_chart_svg, write_hubs_chart
from hubopt.render.report import solver_statement, write_report

EVIL = '<script>alert("x")</script>'
X0, Y0 = 560_000, 150_000


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def solve_report(status: str = "optimal", gap: float | None = 0.0, stopped_by: str | None = None) -> SolveReport:
    return SolveReport(
        solver="HiGHS",
        status=status,
        stopped_by=stopped_by,
        objective=100.0,
        bound=100.0,
        gap=gap,
        seconds=0.5,
        n_variables=10,
        n_integer_variables=4,
        n_constraints=12,
        time_limit=60.0,
        gap_tolerance=0.0,
    )


def fake_run(tmp_path: Path, *, status: str = "optimal", gap: float | None = 0.0) -> SimpleNamespace:
    """A run of four zones and three sites, one of them with a hostile name."""
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["Z1", "Z2", "Z3", "Z4"],
            "zone_name": ["North 001A", "North 001B", "South 002A", "South 002B"],
            "district": ["North", "North", "South", "South"],
            "population": [1000.0, 2000.0, 3000.0, 4000.0],
            "demand": [1200.0, 2100.0, 3500.0, 4100.0],
            "hub_id": ["S1", "S1", "S2", "S2"],
            "hub_name": ["Alpha Centre", "Alpha Centre", EVIL, EVIL],
            "minutes": [5.0, 12.5, 20.0, 33.0],
            "imd_decile": [1, 2, 7, np.nan],
        },
        geometry=[box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(4)],
        crs="EPSG:27700",
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2", "S3"],
            "name": ["Alpha Centre", EVIL, "Gamma Surgery"],
            "type": ["community_hospital", "gp_practice", "gp_practice"],
            "status": ["existing", "existing", "candidate"],
            "chosen": [True, True, False],
            "served_population": [3000.0, 7000.0, np.nan],
            "mean_minutes": [10.0, 27.43, np.nan],
        },
        geometry=[Point(X0 + 500, Y0 + 500), Point(X0 + 2500, Y0 + 500), Point(X0 + 3500, Y0 + 500)],
        crs="EPSG:27700",
    )
    study_folder = tmp_path / "study"
    study_folder.mkdir(exist_ok=True)
    (study_folder / "ATTRIBUTION.md").write_text(
        "# Sources\n\n| table | publisher |\n|---|---|\n| zones.csv | ONS <b>bold</b> |\n\n"
        "- Contains OS data © Crown copyright and database right 2019.\n",
        encoding="utf-8",
    )
    scenario = SimpleNamespace(
        name=f"Test scenario {EVIL}",
        description="Hubs for a test area.",
        path=tmp_path / "test.yaml",
        source="test.yaml",  # Scenario.source: the file's name
        thresholds=[15.0, 30.0],
        demand_weights={"0-64": 1.0, "65-74": 2.0, "75-84": 3.0, "85+": 4.0},
        travel_method="straight_line",
        housing_file=tmp_path / "housing_illustrative.csv",
        extra_register=None,
        must_open=["S1"],
        unavailable=[],
        beds=None,
        raw={"name": "Test", "model": {"hubs": 2, "solver": "highs"}, "note": EVIL},
    )
    from hubopt.locate.solution import access_measures

    access = access_measures(zones["minutes"].to_numpy(), zones["population"].to_numpy(), scenario.thresholds)
    return SimpleNamespace(
        scenario=scenario,
        study=SimpleNamespace(name="Testshire", folder=study_folder, districts=None),
        demand=SimpleNamespace(year=2030, method="ONS estimates for 2030", notes=[], summary="test demand"),
        candidates=SimpleNamespace(sites=sites, must_open=[0], unavailable=[], left_out={}),
        minutes=np.array([[5.0, 20.0, 30.0], [12.5, 15.0, 25.0], [25.0, 20.0, 10.0], [40.0, 33.0, 12.0]]),
        travel_method="drive: straight-line estimate",
        result=SimpleNamespace(model="p-median", open_sites=np.array([0, 1]), report=solve_report(status, gap)),
        zones=zones,
        sites=sites,
        access=access,
        beds=None,
        outcome=None,
        clusters=None,
    )


def make_sweep() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n_hubs": [1, 2, 3, 4],
            "mean_minutes": [25.0, 17.8, 12.0, np.nan],
            "p95_minutes": [40.0, 33.0, 25.0, np.nan],
            "within_15_share": [0.2, 0.3, 0.6, np.nan],
            "within_30_share": [0.6, 0.9, 1.0, np.nan],
            "status": ["optimal", "optimal", "feasible", "infeasible"],
            "note": ["", "", "not proven optimal", "too many hubs"],
        }
    )


def make_appraisal(run: SimpleNamespace) -> pd.DataFrame:
    return appraise(
        [OptionSpec(f"Option {EVIL}", ["S3"], "Only the surgery")],
        ["S1", "S2"],
        [CriterionSpec("Access", 1, "lower", "mean_minutes")],
        minutes=run.minutes,
        site_ids_all=["S1", "S2", "S3"],
        population=run.zones["population"].to_numpy(),
        demand=run.zones["demand"].to_numpy(),
        imd_decile=run.zones["imd_decile"].to_numpy(),
        sites=run.sites,
    )


def test_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    path = write_report(run, tmp_path / "out", sweep=make_sweep(), appraisal=make_appraisal(run))
    page = path.read_text(encoding="utf-8")
    # summary figures
    assert "10,000" in page  # people served
    assert f"{run.access['mean_minutes']:.1f} min" in page
    assert f"{run.access['p95_minutes']:.1f} min" in page
    assert "60.0%" in page  # within 30 minutes: 1000 + 2000 + 3000 of 10000
    assert "Proven optimal" in page and "NOT proven" not in page
    # equity table values: deciles 1-2 (3000 people), mean (1000*5 + 2000*12.5) / 3000 = 10.0
    assert "Most deprived fifth (deciles 1-2)" in page and "No IMD data" in page
    assert re.search(
        r"Most deprived fifth \(deciles 1-2\)</td><td class=num>2</td><td class=num>3,000</td>"
        r"<td class=num>10\.0</td>",
        page,
    )
    # user text is escaped everywhere, never live
    assert EVIL not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script" not in page.lower()
    # embedded images and inline chart; no external scripts, styles or images
    assert page.count('src="data:image/png;base64,') == 3
    assert "<svg" in page and "How many hubs" in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", page)
    assert "<link" not in page and "@import" not in page
    # the embedded PNG decodes
    data = re.search(r'src="data:image/png;base64,([^"]+)"', page)[1]
    assert base64.b64decode(data).startswith(b"\x89PNG")
    # appraisal and assumptions
    assert "Options appraisal" in page and "Optimised" in page
    assert "Gamma Surgery (S3)" in page  # the options' sites are named, their codes second
    assert "ILLUSTRATIVE" in page and "housing_illustrative.csv" in page
    assert "ONS estimates for 2030" in page and "drive: straight-line estimate" in page
    assert "Contains OS data" in page
    assert "model.hubs" in page
    # the static maps were written beside the report
    assert sorted(p.name for p in (tmp_path / "out").glob("map_*")) == [
        "map_catchments.pdf",
        "map_catchments.png",
        "map_deprivation.pdf",
        "map_deprivation.png",
        "map_travel_time.pdf",
        "map_travel_time.png",
    ]


def test_report_states_a_missing_proof_plainly(tmp_path: Path) -> None:
    run = fake_run(tmp_path, status="feasible", gap=0.0734)
    run.result.report = solve_report("feasible", 0.0734, "time limit")
    page = write_report(run, tmp_path / "out", static_maps=False).read_text(encoding="utf-8")
    assert "NOT proven optimal: gap 7.34%" in page and "time limit" in page
    assert "data:image/png" not in page and "How many hubs" not in page and "Options appraisal" not in page


def test_solver_statement() -> None:
    assert solver_statement(solve_report())[0] is True
    ok, text = solver_statement(solve_report("feasible", None, "time limit"))
    assert not ok and text.startswith("NOT proven optimal: gap unknown")


def test_report_embeds_given_map_files(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    with pytest.raises(InputError, match="not found"):
        write_report(run, tmp_path / "out", static_maps=[tmp_path / "missing.png"])
    png = write_hubs_chart(make_sweep(), tmp_path / "chart_travel_time.png")
    page = write_report(run, tmp_path / "out", static_maps=[png]).read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 1


def test_chart_files_and_svg(tmp_path: Path) -> None:
    png = write_hubs_chart(make_sweep(), tmp_path / "c" / "hubs.png", chosen=2)
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
    svg = hubs_chart_svg(make_sweep(), chosen=2)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "http://www.w3.org/2000/svg" in svg and "<?xml" not in svg
    assert 'xlink:href="http' not in svg
    fig = hubs_chart(make_sweep())
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "No answer for 4 hubs" in texts and "Not proven optimal: 3 hubs" in texts
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [
        "Mean travel time (minutes)",
        "95th percentile (minutes)",
        "People within 15 minutes (%)",
        "People within 30 minutes (%)",
    ]


def test_sweep_columns_are_validated() -> None:
    rows, shares = check_sweep(make_sweep().iloc[::-1])
    assert rows["n_hubs"].tolist() == [1, 2, 3] and shares == ["within_15_share", "within_30_share"]
    with pytest.raises(InputError, match="p95_minutes"):
        check_sweep(make_sweep().drop(columns="p95_minutes"))
    with pytest.raises(InputError, match="within_<T>_share"):
        check_sweep(make_sweep().drop(columns=["within_15_share", "within_30_share"]))
    with pytest.raises(InputError, match="repeated"):
        check_sweep(make_sweep().assign(n_hubs=[1, 2, 2, 3]))
    with pytest.raises(InputError, match="whole numbers"):
        check_sweep(make_sweep().assign(n_hubs=[1, 2.5, 3, 4]))
    with pytest.raises(InputError, match="no row"):
        check_sweep(make_sweep().assign(mean_minutes=np.nan))


def test_hub_table_marks_the_sites_that_must_open(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    run.sites["must_open"] = [False, True, False]  # the run's own column says which hub was required
    page = write_report(run, tmp_path / "out", static_maps=False).read_text(encoding="utf-8")
    assert "Alpha Centre (must open)" not in page
    assert f"{html.escape(EVIL)} (must open)" in page


def test_appraisal_lists_every_option_with_its_hubs_and_site_names(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    options = [OptionSpec(f"Option {k}", ["S3"] if k % 2 else ["S1", "S3"], f"Variant {k}") for k in range(1, 6)]
    appraisal = appraise(
        options,
        ["S1", "S2"],
        [CriterionSpec("Access", 1, "lower", "mean_minutes")],
        minutes=run.minutes,
        site_ids_all=["S1", "S2", "S3"],
        population=run.zones["population"].to_numpy(),
        demand=run.zones["demand"].to_numpy(),
        imd_decile=run.zones["imd_decile"].to_numpy(),
        sites=run.sites,
    )
    page = write_report(run, tmp_path / "out", appraisal=appraisal, static_maps=False).read_text(encoding="utf-8")
    section = page[page.index('id="appraisal"') : page.index('id="assumptions"')]
    tables = re.findall(r'<table class="options">.*?</table>', section, re.S)
    assert len(tables) == 2  # six options, at most four side by side: nothing runs off the page
    heads = re.findall(r'<th scope="col">([^<]+)<span class="hubs-count">([^<]*)</span>', section)
    assert sorted(h for h, _ in heads) == sorted(appraisal["option"])  # every option, once
    assert dict(heads)["Optimised"] == "2 hubs" and dict(heads)["Option 1"] == "1 hub"
    assert "Alpha Centre (S1); Gamma Surgery (S3)" in section  # names before codes
    for table in tables:  # every measure in each table, so no column is lost
        assert table.count("Mean minutes") == 1 and table.count("Most deprived fifth: mean minutes") == 1
