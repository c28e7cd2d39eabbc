"""Today's community beds come from the study, never from another area; whole beds needed are one figure everywhere.

Regression tests for issue 12: a study whose sites record no beds was given West Kent's 68 (+8 piloted); the run
summary printed the need rounded to the nearest bed while the tables and the plan used it rounded up.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from hubopt.cli import main
from hubopt.demand.bed_need import BedNeed, whole_beds
from hubopt.errors import InputError
from hubopt.locate.beds import place_beds_phased
from hubopt.pipeline import run_scenario
from hubopt.pipeline.beds import bed_baseline
from hubopt.pipeline.demand import scenario_demand
from hubopt.pipeline.summary import bed_summary_lines
from hubopt.render.report import illustrative_assumptions
from hubopt.results import BedResult
from hubopt.scenario import load_scenario
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"
MSE = REPO / "hubopt" / "studies" / "mid_south_essex"
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
MSE_SCENARIO = REPO / "hubopt" / "scenarios" / "mid_south_essex_hubs.yaml"


def bedless_study(tmp_path: Path) -> Path:
    """A copy of the West Kent study whose site register records no beds (like a study built from --districts)."""
    folder = tmp_path / "bedless"
    shutil.copytree(WEST_KENT, folder)
    sites = pd.read_csv(folder / "sites.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sites["beds"] = ""
    sites["piloted_beds"] = ""
    sites.to_csv(folder / "sites.csv", index=False, encoding="utf-8-sig")
    return folder


def scenario_file(tmp_path: Path, study: Path, **beds) -> Path:
    """The West Kent scenario, light (no sweep, explanation, appraisal or extra outputs), on ``study``."""
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(study)
    data["demand"]["housing"]["file"] = str(WEST_KENT / "housing_illustrative.csv")
    data["model"].update(sweep=None, explain=False)
    data["appraisal"] = None
    data["outputs"].update(static_maps=False, report=False, workbook=False, map=False)
    data["beds"].update(beds)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_study_without_beds_stops_with_a_clear_error(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, bedless_study(tmp_path))
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    message = result.output
    assert "Traceback" not in message and "setting 'beds.baseline_beds'" in message
    assert "no site of West Kent records any beds" in message and "another area's figure" in message
    assert "beds.baseline_source" in message and "need_method: rates" in message
    assert not (tmp_path / "out").exists()


def test_study_without_beds_uses_the_baseline_given_in_the_scenario(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        bedless_study(tmp_path),
        years=[2030],
        baseline_beds=50,
        baseline_source="ILLUSTRATIVE test figure",
        min_unit=10,
        must_keep=[],
    )
    run = run_scenario(load_scenario(path), out=tmp_path / "out")
    need = pd.read_csv(run.folder / "bed_need.csv")
    beds = pd.read_csv(run.folder / "beds.csv")
    row = need.iloc[0]
    assert row["beds_today"] == 50 and row["beds_piloted"] == 0 and row["beds_today_with_pilot"] == 50
    assert "beds.baseline_beds (source: ILLUSTRATIVE test figure)" in row["beds_today_source"]
    assert "today's 50 beds" in row["method"]
    # 50 beds grown with the age-weighted population (the same population as the run: housing, registration share)
    study, sc = run.study, run.scenario
    weights = sc.beds.weights
    cols = {"0-64": "pop_0_64", "65-74": "pop_65_74", "75-84": "pop_75_84", "85+": "pop_85_plus"}
    demand_for_year = scenario_demand(study, sc)

    def weighted(year: int) -> float:
        pop = demand_for_year(year).population
        return sum(pop[c].sum() * weights[b] for b, c in cols.items())

    exact = 50 * weighted(2030) / weighted(study.base_year)
    assert row["beds_needed_before_rounding"] == pytest.approx(exact, abs=0.05)
    assert row["beds_needed"] == whole_beds(exact)
    assert beds["beds_today"].sum() == 0 and beds["beds_2030"].sum() == row["beds_needed"]
    text = (run.folder / "summary.txt").read_text()
    assert f"Community beds needed (2030: {row['beds_needed']}) vs 50 today;" in text
    assert "68" not in text.split("Community beds needed")[1].split("\n")[0]  # never West Kent's beds
    flags = illustrative_assumptions(run)
    assert any(
        "Today's 50 community beds are given in the scenario" in f and "ILLUSTRATIVE test figure" in f for f in flags
    )


def test_rates_method_needs_no_baseline(tmp_path: Path) -> None:
    sc = load_scenario(
        scenario_file(
            tmp_path,
            bedless_study(tmp_path),
            need_method="rates",
            weights=None,
            admission_rates_per_1000={"0-64": 0.5, "65-74": 5, "75-84": 15, "85+": 40},
            mean_length_of_stay_days=20,
            years=[2030],
            min_unit=10,
            must_keep=[],
        )
    )
    today = bed_baseline(load_study(sc.study), sc)
    assert today.beds is None and today.piloted == 0
    sc.write_report = sc.write_workbook = True
    run = run_scenario(sc, out=tmp_path / "out")
    need = pd.read_csv(run.folder / "bed_need.csv")
    assert need["beds_today"].isna().all() and need["change_from_today"].isna().all()
    line = next(x for x in (run.folder / "summary.txt").read_text().splitlines() if "Community beds needed" in x)
    assert f"(2030: {need['beds_needed'].iloc[0]}) vs no community beds recorded today;" in line
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert manifest["results"]["beds"]["need"][0]["beds_today"] is None
    assert (
        "Today's beds: no site in West Kent&#x27;s site register (sites.csv) records beds."
        in (run.folder / "report.html").read_text()
    )


def test_west_kent_beds_today_are_its_sites(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, WEST_KENT))
    today = bed_baseline(load_study(WEST_KENT), sc)
    assert (today.beds, today.piloted) == (68, 8)
    assert "West Kent's site register (sites.csv)" in today.source and "Local Care Plan v1.5" in today.source


def test_mid_and_south_essex_has_no_bed_figures_and_its_scenario_plans_no_beds(tmp_path: Path) -> None:
    assert load_scenario(MSE_SCENARIO).beds is None  # no sourced bed figures for MSE: beds are not planned
    study = load_study(MSE)
    assert pd.to_numeric(study.sites["beds"], errors="coerce").fillna(0).sum() == 0
    data = yaml.safe_load(MSE_SCENARIO.read_text())
    data["study"] = str(MSE)
    data["beds"] = {"enabled": True, "weights": {"0-64": 1, "65-74": 5, "75-84": 15, "85+": 40}}
    path = tmp_path / "mse_beds.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="no site of Mid and South Essex records any beds") as info:
        bed_baseline(study, load_scenario(path))
    assert info.value.setting == "beds.baseline_beds"


@pytest.mark.parametrize(
    ("beds", "setting", "match"),
    [
        ({"baseline_beds": 50}, "beds.baseline_source", "without its source"),
        ({"baseline_beds": 50, "baseline_source": "  "}, "beds.baseline_source", "without its source"),
        ({"baseline_beds": 0, "baseline_source": "x"}, "beds.baseline_beds", "above zero"),
        ({"baseline_beds": 50.5, "baseline_source": "x"}, "beds.baseline_beds", "whole number"),
        ({"baseline_source": "x"}, "beds.baseline_source", "without beds.baseline_beds"),
        ({"piloted_beds": 8}, "beds.piloted_beds", "without beds.baseline_beds"),
        ({"baseline_beds": 50, "baseline_source": "x", "piloted_beds": -1}, "beds.piloted_beds", "zero or more"),
    ],
)
def test_baseline_settings_are_checked(tmp_path: Path, beds: dict, setting: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        load_scenario(scenario_file(tmp_path, WEST_KENT, **beds))
    assert info.value.setting == setting


def test_summary_and_tables_show_the_same_whole_beds_at_the_rounding_boundary() -> None:
    # Needs of 86.4 and 96.5 beds: 87 and 97 whole beds (formatting them to the nearest bed gave 86 and 96).
    needs = [
        BedNeed(year=y, beds=b, beds_rounded_up=whole_beds(b), by_band={}, method="m", today_beds=68, piloted_beds=8)
        for y, b in ((2030, 86.4), (2035, 96.5))
    ]
    minutes = np.array([[5.0, 9.0], [8.0, 4.0]])
    demand = np.array([[43.2, 43.2], [48.25, 48.25]])
    plan = place_beds_phased(
        minutes,
        demand,
        [n.beds_rounded_up for n in needs],
        years=[2030, 2035],
        min_unit=10,
        max_beds=[60, 60],
        existing_beds=[30, 38],
        priority="fewest_beds",
    )
    sites = pd.DataFrame(
        {
            "site_id": ["A", "B"],
            "name": ["Alpha", "Beta"],
            "type": ["community_hospital"] * 2,
            "beds": [30, 38],
            "max_beds_used": [60, 60],
        }
    )
    result = BedResult(needs=needs, plan=plan, sites=sites, years=[2030, 2035])
    table = result.need_table()
    assert table["beds_needed"].tolist() == [87, 97]
    assert table["beds_needed_before_rounding"].tolist() == [86.4, 96.5]
    assert table["change_from_today"].tolist() == [19, 29]
    beds = result.table()
    assert [beds["beds_2030"].sum(), beds["beds_2035"].sum()] == [87, 97]  # the plan meets the whole beds
    line = bed_summary_lines(result)[0]
    assert line.startswith("  Community beds needed (2030: 87, 2035: 97) vs 68 today (+8 piloted);")
