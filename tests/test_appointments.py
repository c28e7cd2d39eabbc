"""Services and appointments: appointments by age band, hub capacity, the model kept within capacity, the message
when the hubs cannot hold the appointments, and the services settings' checks."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hubopt.analysis.appointments import (
    ServicePlan,
    capacity_by_hubs,
    capacity_shortfall,
    hub_appointments,
    largest_capacity,
    zone_appointments,
)
from hubopt.errors import InputError
from hubopt.locate import registry
from hubopt.locate.options import SiteRules, SolverOptions
from hubopt.locate.registry import ModelRequest
from hubopt.pipeline import run, summary_lines
from hubopt.pipeline.services import keeps_capacity, site_capacity, solve_within_capacity
from hubopt.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
BANDS = {"0-64": "pop_0_64", "65-74": "pop_65_74", "75-84": "pop_75_84", "85+": "pop_85_plus"}


def _scenario(services: dict | None = None, **model: object) -> dict:
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(REPO / "hubopt" / "studies" / "west_kent")
    data["demand"]["housing"]["file"] = str(REPO / "hubopt" / "studies" / "west_kent" / "housing_illustrative.csv")
    if services is not None:
        data["services"] = services
    data["model"].update(model)
    return data


def test_appointments_by_age_band_hand_checked() -> None:
    services = Scenario.from_dict(
        _scenario(
            {
                "appointments_per_head": {
                    "clinics": {"0-64": 0.5, "65-74": 1, "75-84": 2, "85+": 3},
                    "therapies": {"0-64": 0, "65-74": 0.5, "75-84": 1, "85+": 1},
                },
                "rooms_per_hub": 2,
                "sessions_per_week": 10,
                "appointments_per_session": 12,
                "weeks_per_year": 48,
            }
        )
    ).services
    rates = services.rate_by_band()
    assert rates == pytest.approx({"0-64": 0.5, "65-74": 1.5, "75-84": 3.0, "85+": 4.0})
    people = pd.DataFrame({"pop_0_64": [1000.0, 0.0], "pop_65_74": [200.0, 10.0], "pop_75_84": [100.0, 0.0],
                           "pop_85_plus": [10.0, 1.0]})  # fmt: skip
    # zone 1: 1000 x 0.5 + 200 x 1.5 + 100 x 3 + 10 x 4 = 500 + 300 + 300 + 40; zone 2: 10 x 1.5 + 1 x 4
    assert zone_appointments(people, rates, BANDS) == pytest.approx([1140.0, 19.0], rel=1e-12)
    assert services.appointments_per_room() == pytest.approx(10 * 12 * 48)
    with pytest.raises(InputError, match="no column pop_85_plus"):
        zone_appointments(people.drop(columns="pop_85_plus"), rates, BANDS)


def test_capacity_uses_the_registers_rooms_else_the_default() -> None:
    scenario = Scenario.from_dict(
        _scenario(
            {
                "appointments_per_head": {"clinics": {"0-64": 1, "65-74": 1, "75-84": 1, "85+": 1}},
                "rooms_per_hub": 3,
                "sessions_per_week": 9,
                "appointments_per_session": 10,
                "weeks_per_year": 46,
                "capacity_source": "clinic template (test)",
            }
        )
    )
    sites = pd.DataFrame({"site_id": ["A", "B", "C"], "rooms": ["5", "", None]})
    capacity, basis = site_capacity(sites, scenario)
    assert capacity == pytest.approx([5 * 9 * 10 * 46, 3 * 9 * 10 * 46, 3 * 9 * 10 * 46])
    assert "1 sites' rooms from the register" in basis and "source: clinic template (test)" in basis
    with pytest.raises(InputError) as info:
        site_capacity(pd.DataFrame({"site_id": ["A", "B"], "rooms": ["2", "-1"]}), scenario)
    assert info.value.column == "rooms" and "site B" in str(info.value)


def test_the_shortfall_names_the_smallest_change() -> None:
    capacity = np.array([100.0, 100.0, 100.0, 50.0])
    assert largest_capacity(capacity, 2, [3], []) == pytest.approx(150.0)  # must-open 50 + the largest other
    assert capacity_shortfall(capacity, 200.0, 2, [], [], 10) is None
    short = capacity_shortfall(capacity, 250.0, 2, [], [], 10)
    assert short is not None
    assert short.hubs_needed == 3 and short.more_pct == pytest.approx(25.0)
    assert short.sessions_needed == 13  # 10 x 250 / 200 = 12.5, rounded up to a whole session
    text = short.describe()
    assert "2 hubs hold at most 200 appointments a year but the zones need 250" in text
    assert "needs at least 3 hubs of this size, or 25 % more capacity" in text
    assert "13 sessions a week per room instead of 10" in text
    beyond = capacity_shortfall(capacity, 400.0, 2, [], [], 10)
    assert beyond is not None and beyond.hubs_needed is None
    assert "not even every candidate site can hold them" in beyond.describe()


def test_a_run_whose_hubs_cannot_hold_the_appointments_says_what_to_change() -> None:
    data = _scenario(hubs=5, sweep=None, explain=False)
    data["services"]["rooms_per_hub"] = 10  # 10 x 10 x 15 x 48 = 72,000 a hub: 5 hubs hold 360,000
    data["services"]["appointments_per_session"] = 12  # now 57,600 a hub: 288,000 for 5 hubs, below 291,970
    data["beds"]["enabled"] = False
    data["appraisal"] = {}
    with pytest.raises(InputError) as info:
        run(Scenario.from_dict(data))
    assert info.value.setting == "services"
    message = str(info.value)
    assert "5 hubs hold at most 288,000 appointments a year but the zones need 291,970" in message
    assert "needs at least 6 hubs of this size, or 2 % more capacity" in message
    assert "11 sessions a week per room instead of 10" in message


def _toy() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three zones, three sites: the nearest hub of the best pair would hold 90 appointments, its capacity 60."""
    minutes = np.array([[1.0, 9.0, 20.0], [2.0, 8.0, 20.0], [3.0, 5.0, 2.0]])
    appointments = np.array([50.0, 40.0, 10.0])
    capacity = np.array([60.0, 60.0, 60.0])
    return minutes, appointments, capacity


def _plan(appointments: np.ndarray, capacity: np.ndarray) -> ServicePlan:
    return ServicePlan(appointments, capacity, {}, "test", "test", illustrative=True)


@pytest.mark.parametrize("model", ["p-median", "capacitated"])
def test_capacity_is_honoured_and_the_answer_is_the_best_within_it(model: str) -> None:
    minutes, appointments, capacity = _toy()
    plan = _plan(appointments, capacity)
    request = ModelRequest(minutes, np.ones(3), 2, SiteRules(), SolverOptions(), site_ids=["A", "B", "C"])
    entry, used, result = solve_within_capacity(registry.lookup(model), request, plan, single_assignment=True)
    assert entry.name == "capacitated"
    expected = "put more appointments at A than its capacity" if model == "p-median" else "the capacitated model kept"
    assert expected in plan.enforcement
    load = hub_appointments(appointments, result.assignment, 3)
    assert (load <= capacity + 1e-9).all()
    assert np.array_equal(used.weights, appointments)  # travel weighed by appointments, the unit of capacity
    best = min(  # brute force: every pair of hubs, every single assignment within capacity
        float(np.dot(appointments, minutes[np.arange(3), list(assign)]))
        for pair in itertools.combinations(range(3), 2)
        for assign in itertools.product(pair, repeat=3)
        if all(hub_appointments(appointments, np.array(assign), 3)[j] <= capacity[j] for j in pair)
    )
    assert float(np.dot(appointments, result.assigned_cost)) == pytest.approx(best, rel=1e-9)


def test_an_answer_within_capacity_stands_and_says_so() -> None:
    minutes, appointments, _ = _toy()
    plan = _plan(appointments, np.array([100.0, 100.0, 100.0]))
    request = ModelRequest(minutes, np.ones(3), 2, SiteRules(), SolverOptions(), site_ids=["A", "B", "C"])
    entry, _, result = solve_within_capacity(registry.lookup("p-median"), request, plan, single_assignment=True)
    assert entry.name == "p-median" and "so it is also the best answer with capacity" in plan.enforcement
    assert sorted(result.open_sites.tolist()) == [0, 2]


def test_capacity_by_number_of_hubs() -> None:
    minutes, appointments, capacity = _toy()
    sweep = pd.DataFrame({"n_hubs": [1, 2, 3], "mean_minutes": [5.0, 2.0, 1.0], "sites": ["A", "A, C", "A, B, C"]})
    table = capacity_by_hubs(_plan(appointments, capacity), sweep, ["A", "B", "C"], minutes, [], []).set_index(
        "n_hubs"
    )
    assert table["capacity_feasible"].tolist() == [False, True, True]  # 100 appointments: 60 for one hub, 120 for two
    assert table.loc[1, "fullest_hub_pct"] == pytest.approx(100 * 100 / 60)
    assert table.loc[2, "fullest_hub"] == "A" and table.loc[2, "fullest_hub_appointments"] == pytest.approx(90.0)


def test_capacity_by_number_of_hubs_with_a_border_service() -> None:
    # C is another area's service (external): open for every N, it takes zone 3 (2 min; A is 3 min), but it is not
    # one of the N hubs, so its capacity does not count towards room for every appointment.
    minutes, appointments, capacity = _toy()
    sweep = pd.DataFrame({"n_hubs": [1, 2], "mean_minutes": [2.0, 2.0], "sites": ["A", "A, B"]})
    table = capacity_by_hubs(
        _plan(appointments, capacity), sweep, ["A", "B", "C"], minutes, [], [], external=[2]
    ).set_index("n_hubs")
    assert table["capacity_feasible"].tolist() == [False, True]  # 100 appointments: A alone 60, A and B 120
    assert table.loc[1, "fullest_hub"] == "A"
    assert table.loc[1, "fullest_hub_appointments"] == pytest.approx(90.0)  # zone 3's 10 go to the border service
    assert table.loc[1, "fullest_hub_pct"] == pytest.approx(100 * 90 / 60)


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"sessions_per_week": None}, "services.sessions_per_week"),
        ({"weeks_per_year": 0}, "services.weeks_per_year"),
        ({"weeks_per_year": 60}, "services.weeks_per_year"),
        ({"appointments_per_head": {"clinics": {"0-64": 1}}}, "services.appointments_per_head.clinics"),
        ({"appointments_per_head": {"clinics": 3}}, "services.appointments_per_head.clinics"),
        ({"appointments_per_head": None}, "services.rooms_per_hub"),
        ({"rooms": 4}, "services.rooms"),
    ],
)
def test_bad_services_settings_are_named(change: dict, setting: str) -> None:
    services = {**yaml.safe_load(DEMO.read_text())["services"], "source": "test", **change}
    with pytest.raises(InputError) as info:
        Scenario.from_dict(_scenario({k: v for k, v in services.items() if v is not None}))
    assert info.value.setting == setting


@pytest.mark.parametrize(
    ("model", "kept"),
    [
        ({"type": "p-median"}, True),
        ({"type": "p-median", "years": [2025, 2030]}, False),
        ({"type": "capacitated"}, True),
        ({"type": "capacitated", "max_population": 150_000}, False),
        ({"type": "mclp", "max_minutes": 15}, False),
        ({"type": "p-center"}, False),
    ],
)
def test_which_models_keep_capacity(model: dict, kept: bool) -> None:
    scenario = Scenario.from_dict(_scenario(None, **model))
    assert keeps_capacity(registry.lookup(scenario.model_type).name, scenario.model) is kept


def test_a_model_that_cannot_keep_capacity_is_checked_and_says_so() -> None:
    data = _scenario(type="mclp", max_minutes=15, hubs=2, sweep=None, explain=False)
    data["services"]["rooms_per_hub"] = 10  # 72,000 a hub: two hubs cannot hold 291,970 appointments
    data["beds"]["enabled"] = False
    data["appraisal"] = {}
    result = run(Scenario.from_dict(data))  # not refused: the mclp model is only checked
    plan = result.outcome.services
    assert plan is not None and not plan.kept
    assert "NOT kept: the mclp model cannot keep hubs within an appointment capacity" in plan.enforcement
    assert "2 over capacity" in plan.enforcement
    hubs = result.sites[result.sites["chosen"]]
    assert (hubs["appointments"] > hubs["appointment_capacity"]).all()
    assert any(line.startswith("  Capacity checked: NOT kept") for line in summary_lines(result))


def test_the_demo_scenario_reads_its_services() -> None:
    services = Scenario.from_yaml(DEMO).services
    assert services.given and services.source is None and services.capacity_source is None  # ILLUSTRATIVE
    weights = yaml.safe_load(DEMO.read_text())["demand"]["weights"]
    rates = services.rate_by_band()
    # the rates keep the proportions of demand.weights, so the demo's hubs are those the weights choose
    assert [rates[b] / weights[b] for b in BANDS] == pytest.approx([rates["0-64"] / weights["0-64"]] * 4)
