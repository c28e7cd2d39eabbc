"""How many hubs can be safely staffed: the workforce's limits, the N every limit allows, and the settings' checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from hubopt.analysis.workforce import staffing_verdict, workforce_limits
from hubopt.errors import InputError
from hubopt.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"


def test_the_role_with_fewest_teams_caps_the_hubs() -> None:
    limits = workforce_limits(
        537_357,
        population_per_team=50_000,
        max_teams_per_hub=3,
        staff_per_team={"nurses": 12, "therapists": 4},
        staff_available={"nurses": 110, "therapists": 30},
    )
    assert limits.teams_staffed == 7  # therapists: 30 // 4 = 7; nurses: 110 // 12 = 9
    assert limits.max_hubs == 7 and limits.binding_role == "therapists"
    assert limits.max_hub_population == pytest.approx(150_000)
    assert limits.teams_needed == 11  # ceil(537,357 / 50,000)
    assert "short by 4" in limits.notes[0]


def test_exact_multiples_make_whole_teams() -> None:
    limits = workforce_limits(
        100_000, population_per_team=50_000, staff_per_team={"gp": 2}, staff_available={"gp": 6}
    )
    assert limits.max_hubs == 3 and limits.teams_needed == 2 and not limits.notes


def test_a_workforce_that_cannot_staff_one_team_says_what_to_change() -> None:
    with pytest.raises(InputError, match="cannot staff even one hub team") as info:
        workforce_limits(
            1.0, staff_per_team={"nurses": 12, "therapists": 4}, staff_available={"nurses": 11, "therapists": 9}
        )
    assert info.value.parameter == "staff_available"
    assert "nurses" in info.value.hint and "12" in info.value.hint


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n_hubs": [1, 2, 3, 4, 5, 6],
            "mean_minutes": [20.0, 15.0, 12.0, 11.0, 10.0, 9.5],
            "largest_hub_population": [500_000.0, 300_000, 260_000, 200_000, 210_000, 150_000],
        }
    )


def test_the_ns_every_limit_allows_and_what_binds() -> None:
    limits = workforce_limits(
        500_000, population_per_team=50_000, max_teams_per_hub=5, staff_per_team={"n": 1}, staff_available={"n": 10}
    )
    table, sentence = staffing_verdict(_table(), limits, economic_n=5)
    assert table["within_hub_size"].tolist() == [False, False, False, True, True, True]
    assert table["within_staff"].all()
    assert "every limit allows 4 to 5 hubs" in sentence and "the cost limit binds" in sentence
    five_staff = workforce_limits(500_000, max_teams_per_hub=None, staff_per_team={"n": 2}, staff_available={"n": 9})
    _, sentence = staffing_verdict(_table(), five_staff, economic_n=None)
    assert "every limit allows 1 to 4 hubs" in sentence and "the staffing limit binds" in sentence


def test_limits_that_no_n_meets_are_named() -> None:
    limits = workforce_limits(
        500_000, population_per_team=50_000, max_teams_per_hub=4, staff_per_team={"n": 1}, staff_available={"n": 3}
    )
    _, sentence = staffing_verdict(_table(), limits, economic_n=None)
    assert sentence.startswith("no number of hubs in the sweep meets every limit")
    assert "at most 3 hubs" in sentence and "(4 hubs or more)" in sentence


def _scenario(**workforce: object) -> dict:
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(REPO / "hubopt" / "studies" / "west_kent")
    data["workforce"] = workforce
    return data


@pytest.mark.parametrize(
    ("workforce", "setting"),
    [
        ({"population_per_team": 0}, "workforce.population_per_team"),
        ({"max_teams_per_hub": 2}, "workforce.max_teams_per_hub"),
        ({"population_per_team": 50_000, "max_teams_per_hub": 0}, "workforce.max_teams_per_hub"),
        ({"staff_per_team": {"nurses": 12}}, "workforce.staff_available"),
        ({"staff_per_team": {"nurses": 12}, "staff_available": {"nurses": -1}}, "workforce.staff_available"),
        ({"staff_per_team": {"nurses": 12}, "staff_available": {"nurses": 5}}, "workforce.staff_available"),
        ({"staff_per_team": {"nurses": 0}, "staff_available": {"nurses": 5}}, "workforce.staff_per_team"),
        ({"teams": 3}, "workforce.teams"),
    ],
)
def test_bad_workforce_settings_are_named(workforce: dict, setting: str) -> None:
    with pytest.raises(InputError) as info:
        Scenario.from_dict(_scenario(**workforce))
    assert info.value.setting == setting


def test_the_demo_scenario_reads_its_workforce() -> None:
    wf = Scenario.from_dict(_scenario(**yaml.safe_load(DEMO.read_text())["workforce"])).workforce
    assert wf.given and wf.population_per_team == pytest.approx(50_000)
    assert wf.staff_per_team == {"community nurses": 12.0, "therapists": 4.0}
