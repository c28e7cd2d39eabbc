"""How many hubs can be supported economically: the cost-access frontier over N, the threshold answer, the scenario's
costs settings, and a West Kent run that writes frontier.csv, frontier_options.csv, the report section and the
workbook sheet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from light_demo import demo_values, run_light
from openpyxl import load_workbook

from hubopt.analysis.frontier import cost_access_frontier, hubs_worth_funding
from hubopt.errors import InputError
from hubopt.pipeline import summary_lines
from hubopt.render.frontier_chart import frontier_chart_svg
from hubopt.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"

SWEEP = pd.DataFrame(
    {
        "n_hubs": [1, 2, 3, 4],
        "mean_minutes": [20.0, 14.0, 13.0, 12.5],
        "within_15_share": [0.2, 0.5, 0.6, 0.6],
        "within_30_share": [0.9, 1.0, 1.0, 1.0],
        "sites": ["A", "A, B", "A, B, C", "A, C, D, E"],
    }
)
SITES = ["A", "B", "C", "D", "E"]
ANNUAL = np.array([100_000.0, 200_000.0, 400_000.0, 50_000.0, 10_000.0])
CAPITAL = np.array([np.nan, 1_000_000.0, np.nan, np.nan, 250_000.0])


def test_frontier_hand_checked() -> None:
    f = cost_access_frontier(SWEEP, SITES, ANNUAL, CAPITAL, 1000.0, [15, 30]).set_index("n_hubs")
    assert f.loc[2, "annual_cost"] == pytest.approx(300_000)
    assert f.loc[2, "capital_cost"] == pytest.approx(1_000_000)
    assert f.loc[2, "extra_annual_cost"] == pytest.approx(200_000)
    assert f.loc[2, "minutes_saved"] == pytest.approx(6.0)
    assert f.loc[2, "minutes_saved_per_100k"] == pytest.approx(3.0)  # 6 minutes for £200k
    assert f.loc[2, "people_within_15_gained"] == pytest.approx(300)
    assert f.loc[2, "people_within_15_per_100k"] == pytest.approx(150)
    assert f.loc[3, "minutes_saved_per_100k"] == pytest.approx(0.25)  # 1 minute for £400k
    # 4 hubs: A, C, D, E cost £560k, £140k less than A, B, C: a free step, with no "per £" figure
    assert f.loc[4, "extra_annual_cost"] == pytest.approx(-140_000)
    assert f.loc[4, "step"] == "free"
    assert np.isnan(f.loc[4, "minutes_saved_per_100k"])
    assert f.loc[4, "capital_cost"] == pytest.approx(250_000)


def test_threshold_names_the_last_hub_worth_funding() -> None:
    f = cost_access_frontier(SWEEP, SITES, ANNUAL, CAPITAL, 1000.0, [15, 30])
    n, sentence = hubs_worth_funding(f, 1.0)
    assert n == 2
    assert "beyond 2 hubs" in sentence and "hub 3: 0.25" in sentence
    n, sentence = hubs_worth_funding(f, 0.2)  # step to 3 passes (0.25), step to 4 is free
    assert n == 4
    assert "every extra hub up to 4" in sentence


def test_threshold_needs_every_cost() -> None:
    annual = ANNUAL.copy()
    annual[3] = np.nan
    f = cost_access_frontier(SWEEP, SITES, annual, CAPITAL, 1000.0, [15, 30])
    assert f.set_index("n_hubs").loc[4, "cost_note"] == "no running cost for D"
    n, sentence = hubs_worth_funding(f, 1.0)
    assert n is None and "annual_cost_per_hub" in sentence


def _scenario(**costs: object) -> dict:
    data = demo_values()
    data["costs"] = costs
    return data


@pytest.mark.parametrize(
    ("costs", "setting"),
    [
        ({"annual_cost_per_hub": -1}, "costs.annual_cost_per_hub"),
        ({"source": "board paper"}, "costs.source"),
        ({"min_minutes_saved_per_100k": 0}, "costs.min_minutes_saved_per_100k"),
        ({"threshold_source": "board"}, "costs.threshold_source"),
        ({"max_options": 0}, "costs.max_options"),
        ({"annual_cost_per_hub": "a lot"}, "costs.annual_cost_per_hub"),
        ({"per_hub": 5}, "costs.per_hub"),
    ],
)
def test_bad_costs_settings_are_named(costs: dict, setting: str) -> None:
    with pytest.raises(InputError) as info:
        Scenario.from_dict(_scenario(**costs))
    assert info.value.setting == setting


def test_costs_without_a_sweep_are_read(tmp_path: Path) -> None:
    """A scenario made light (model.sweep removed) keeps its costs section: the run notes it is unused."""
    data = _scenario(min_minutes_saved_per_100k=0.5)
    data["model"]["sweep"] = None
    assert Scenario.from_dict(data).costs.min_minutes_saved_per_100k == pytest.approx(0.5)


@pytest.fixture(scope="module")
def frontier_run(tmp_path_factory):
    data = _scenario(annual_cost_per_hub=750_000, min_minutes_saved_per_100k=0.5)
    data["model"].update(hubs=3, sweep=[1, 4], explain=False)
    return run_light(tmp_path_factory.mktemp("frontier"), data)


def test_run_writes_the_frontier_from_the_registers_eric_costs(frontier_run) -> None:
    folder = frontier_run.folder
    frontier = pd.read_csv(folder / "frontier.csv")
    sweep = pd.read_csv(folder / "sweep.csv")
    assert frontier["n_hubs"].tolist() == [1, 2, 3, 4]
    assert frontier["mean_minutes"].tolist() == pytest.approx(sweep["mean_minutes"].tolist(), rel=1e-9)
    register = pd.read_csv(REPO / "hubopt" / "studies" / "west_kent" / "sites.csv").set_index("site_id")
    for row in frontier.itertuples():
        ids = [s.strip() for s in row.sites.split(",")]
        expected = sum(
            register.loc[i, "annual_cost"] if pd.notna(register.loc[i, "annual_cost"]) else 750_000 for i in ids
        )
        assert row.annual_cost == pytest.approx(expected, rel=1e-12)
    assert "RYYD9" in frontier["sites"].iloc[0]  # must open: Sevenoaks, £2,247,552 a year (ERIC 2016-17)
    assert frontier["annual_cost"].iloc[0] == pytest.approx(2_247_552)


def test_efficient_options_start_at_the_models_answer_and_none_dominates_another(frontier_run) -> None:
    options = pd.read_csv(frontier_run.folder / "frontier_options.csv")
    assert len(options) >= 1
    assert bool(options["model_answer"].iloc[0])
    assert options["weighted_travel"].iloc[0] == pytest.approx(frontier_run.result.objective, rel=1e-6)
    assert options["weighted_travel"].is_monotonic_increasing
    assert options["annual_cost"].is_monotonic_decreasing
    assert options["sites"].str.contains("RYYD9").all()  # the must-open site is in every option


def test_summary_report_and_workbook_say_how_many_and_that_it_is_illustrative(frontier_run) -> None:
    text = "\n".join(summary_lines(frontier_run))
    assert "How many hubs economically (ILLUSTRATIVE)" in text
    assert "NHS Digital ERIC 2016-17" in text
    assert "Threshold: 0.5 mean minutes per £100k a year, no source given" in text
    assert "Workforce (ILLUSTRATIVE): staff for 11 teams" in text  # the demo's illustrative workforce
    assert "How many hubs in all: " in text
    frontier = pd.read_csv(frontier_run.folder / "frontier.csv")
    assert frontier["within_staff"].all()  # 11 teams staff every N of 1-4
    largest = frontier.set_index("n_hubs")["largest_hub_population"]
    # One hub serves everyone but the zones nearer the border service (Darent Valley: external, not a hub).
    ids = frontier_run.sites["site_id"].astype(str).tolist()
    one, border = ids.index(frontier.set_index("n_hubs").loc[1, "sites"]), ids.index("RN707")
    to_hub = frontier_run.minutes[:, one] <= frontier_run.minutes[:, border]
    assert not to_hub.all()
    people = frontier_run.zones["population"].to_numpy()
    assert largest.loc[1] == pytest.approx(people[to_hub].sum(), rel=1e-9)
    report = (frontier_run.folder / "report.html").read_text()
    assert 'id="economics"' in report and "Cost against access chart" in report
    assert "(costs.annual_cost_per_hub) has no source" in report  # flagged among the assumptions
    book = load_workbook(frontier_run.folder / "results.xlsx", read_only=True)
    assert "frontier" in book.sheetnames
    manifest = (frontier_run.folder / "manifest.json").read_text()
    assert '"frontier.csv"' in manifest and '"cost_basis"' in manifest


def test_chart_draws_the_frontier_and_nothing_without_costs() -> None:
    f = cost_access_frontier(SWEEP, SITES, ANNUAL, CAPITAL, 1000.0, [15, 30])
    svg = frontier_chart_svg(f, chosen=2, footnote="costs: test")
    assert svg is not None and svg.startswith("<svg") and "Cost against access chart" in svg
    unknown = cost_access_frontier(SWEEP, SITES, np.full(5, np.nan), CAPITAL, 1000.0, [15, 30])
    assert frontier_chart_svg(unknown) is None
