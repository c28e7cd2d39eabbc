"""The answer to "how many hubs?": one table of N against access, cost, staffing and capacity, the N every limit
allows and what binds; on a small case where each limit binds in turn, and on the West Kent demo (its rows agree
with sweep.csv and frontier.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from light_demo import demo_values, run_light
from openpyxl import load_workbook

from hubopt.analysis.how_many import how_many_table
from hubopt.analysis.workforce import staffing_verdict, workforce_limits
from hubopt.pipeline import summary_lines

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
POPULATION = 600_000.0

FRONTIER = pd.DataFrame(
    {
        "n_hubs": [1, 2, 3, 4, 5, 6],
        "mean_minutes": [30.0, 20.0, 15.0, 12.0, 10.0, 9.0],
        "within_15_share": [0.1, 0.3, 0.5, 0.6, 0.7, 0.75],
        "within_30_share": [0.5, 0.8, 0.9, 1.0, 1.0, 1.0],
        "annual_cost": [1e6, 2e6, 3e6, 4e6, 5e6, 6e6],
        "largest_hub_population": [600_000.0, 350_000, 250_000, 180_000, 150_000, 120_000],
        "sites": ["A", "A, B", "A, B, C", "A, B, C, D", "A, B, C, D, E", "A, B, C, D, E, F"],
    }
)


def _capacity(from_n: int) -> pd.DataFrame:
    """Room for every appointment from ``from_n`` hubs; the fullest hub falls as N grows."""
    n = FRONTIER["n_hubs"]
    return pd.DataFrame(
        {"n_hubs": n, "capacity_feasible": n >= from_n, "fullest_hub": "A", "fullest_hub_pct": 300.0 / n}
    )


def _staff(teams: int | None = None, per_team: float | None = None, max_teams: int | None = None):
    staff = {} if teams is None else {"staff_per_team": {"nurses": 1}, "staff_available": {"nurses": teams}}
    limits = workforce_limits(POPULATION, population_per_team=per_team, max_teams_per_hub=max_teams, **staff)
    return limits, staffing_verdict(FRONTIER, limits, None)[0]


def _allowed(table: pd.DataFrame) -> list[int]:
    return table.loc[table["allowed"], "n_hubs"].tolist()


def test_the_cost_limit_binds() -> None:
    limits, frontier = _staff(teams=6)
    table, sentence = how_many_table(frontier, [15, 30], economic_n=4, limits=limits, capacity=_capacity(1))
    assert _allowed(table) == [1, 2, 3, 4]
    assert sentence.startswith("every limit allows 1 to 4 hubs") and sentence.endswith("; the cost limit binds")


def test_the_staffing_limit_binds() -> None:
    limits, frontier = _staff(teams=3)
    table, sentence = how_many_table(frontier, [15, 30], economic_n=5, limits=limits, capacity=_capacity(1))
    assert _allowed(table) == [1, 2, 3]
    assert "staffing at most 3 hubs (nurses binds)" in sentence and sentence.endswith("; the staffing limit binds")
    assert table["within_staff"].tolist() == [True, True, True, False, False, False]


def test_the_hub_size_limit_binds() -> None:
    limits, frontier = _staff(per_team=50_000, max_teams=5)  # hubs of at most 250,000 people: 3 hubs or more
    table, sentence = how_many_table(frontier, [15, 30], limits=limits, capacity=_capacity(2))
    assert _allowed(table) == [3, 4, 5, 6]
    assert "hubs of at most 250,000 people (3 hubs or more)" in sentence
    assert sentence.endswith("; the hub size limit binds (at least 3)")


def test_the_capacity_limit_binds() -> None:
    limits, frontier = _staff(teams=6, per_team=50_000, max_teams=5)
    table, sentence = how_many_table(frontier, [15, 30], economic_n=5, limits=limits, capacity=_capacity(4))
    assert _allowed(table) == [4, 5]
    assert "room for every appointment (4 hubs or more)" in sentence
    assert sentence.endswith("; the cost limit binds (at most 5), the capacity limit (at least 4)")
    assert table["capacity_feasible"].tolist() == [False, False, False, True, True, True]
    assert table["fullest_hub_pct"].tolist() == pytest.approx([300.0 / n for n in range(1, 7)])


def test_limits_no_n_meets_and_limits_not_set() -> None:
    limits, frontier = _staff(teams=3)
    table, sentence = how_many_table(frontier, [15, 30], limits=limits, capacity=_capacity(5))
    assert _allowed(table) == []
    assert sentence.startswith("no number of hubs in the sweep meets every limit")
    table, sentence = how_many_table(FRONTIER, [15, 30])
    assert sentence == "" and _allowed(table) == [1, 2, 3, 4, 5, 6]
    assert table["within_staff"].isna().all() and table["capacity_feasible"].isna().all()  # blank: not set


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The West Kent demo, lighter: N = 1 to 6, no explanation, beds or appraisal, no maps."""
    data = demo_values()
    data["model"].update(sweep=[1, 6], explain=False)
    return run_light(tmp_path_factory.mktemp("how_many"), data)


def test_the_demos_table_agrees_with_sweep_and_frontier(demo_run) -> None:
    folder = demo_run.folder
    how_many = pd.read_csv(folder / "how_many.csv")
    sweep = pd.read_csv(folder / "sweep.csv")
    frontier = pd.read_csv(folder / "frontier.csv")
    assert how_many["n_hubs"].tolist() == sweep["n_hubs"].tolist() == [1, 2, 3, 4, 5, 6]
    for col in ("mean_minutes", "within_15_share", "within_30_share"):
        assert how_many[col].tolist() == pytest.approx(sweep[col].tolist(), rel=1e-9)
    assert how_many["annual_cost"].tolist() == pytest.approx(frontier["annual_cost"].tolist(), rel=1e-12)
    assert how_many["within_staff"].tolist() == frontier["within_staff"].tolist()
    assert how_many["within_hub_size"].tolist() == frontier["within_hub_size"].tolist()
    assert how_many["sites"].tolist() == sweep["sites"].tolist()
    assert how_many["worth_funding"].tolist() == [n <= 5 for n in range(1, 7)]  # the cost threshold: 5 hubs
    assert how_many["capacity_feasible"].tolist() == [False] + [True] * 5  # 291,970 appointments, 172,800 a hub
    assert _allowed(how_many) == [4, 5]
    assert "how_many.csv" in json.loads((folder / "manifest.json").read_text())["outputs"]


def test_the_demos_hubs_hold_their_appointments(demo_run) -> None:
    sites = pd.read_csv(demo_run.folder / "sites.csv")
    hubs = sites[sites["chosen"]]
    assert (hubs["appointments"] <= hubs["appointment_capacity"]).all()
    # Every appointment is held by a hub or by the border service (Darent Valley: external, no capacity of the area's)
    serving = sites[sites["chosen"] | sites["external"]]
    assert serving["appointments"].sum() == pytest.approx(demo_run.zones["appointments"].sum(), abs=len(serving))
    border = sites[sites["external"]]
    assert len(border) == 1 and border["appointments"].iloc[0] > 0 and border["appointment_capacity"].isna().all()
    fullest = hubs.loc[hubs["capacity_used_pct"].idxmax()]
    assert fullest["site_id"] == "G82099" and fullest["appointment_capacity"] == pytest.approx(172_800)
    how_many = pd.read_csv(demo_run.folder / "how_many.csv").set_index("n_hubs")
    assert how_many.loc[5, "fullest_hub"] == "G82099"  # the run's fullest hub, each zone at its nearest hub
    assert how_many.loc[5, "fullest_hub_pct"] == pytest.approx(fullest["capacity_used_pct"], abs=0.05)


def test_summary_report_and_workbook_answer_how_many(demo_run) -> None:
    text = "\n".join(summary_lines(demo_run))
    assert "How many hubs in all: every limit allows 4 to 5 hubs" in text
    assert "room for every appointment (2 hubs or more)" in text
    assert "How many hubs in all: " in text and "(how_many.csv)" in text and "<- every limit met" in text
    assert "Appointments (ILLUSTRATIVE): 291,970 a year" in text
    assert "fullest hub The College Practice (G82099), 111,428 of 172,800 appointments (64 %)" in text
    report = (demo_run.folder / "report.html").read_text()
    assert '<h2 id="how-many">How many hubs?</h2>' in report and "Every limit met" in report
    assert '<h2 id="services">Services and appointments</h2>' in report
    assert "(services.appointments_per_head) have no source: ILLUSTRATIVE" in report
    book = load_workbook(demo_run.folder / "results.xlsx", read_only=True)
    assert {"how_many", "appointments"} <= set(book.sheetnames)
    sheet = book["how_many"]
    assert str(sheet.cell(1, 1).value).startswith("How many hubs: every limit allows 4 to 5 hubs")
