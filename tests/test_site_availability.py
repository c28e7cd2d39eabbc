"""A run respects the sites' availability by year and flags the sites at risk it leans on (issue 16, item 1)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hubopt.analysis.site_risk import RiskRules, risk_table
from hubopt.errors import InputError
from hubopt.pipeline import run
from hubopt.pipeline.steps import select_sites
from hubopt.pipeline.summary import summary_lines
from hubopt.scenario import Scenario
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
ENDS_2030 = {"RYYDC": {"available_until": 2030, "source": "ILLUSTRATIVE test lease end"}}


def settings(**sites) -> dict:
    """The demo's settings, light (no sweep, explanation, appraisal, costs or outputs), with ``sites`` changed."""
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = "builtin:west_kent"
    data["demand"]["housing"] = None
    data["model"].update(sweep=None, explain=False)
    for key in ("appraisal", "costs", "workforce"):
        data[key] = None
    data["sites"].update(sites)
    data["sites"].setdefault("availability", None)
    return data


def scenario(data: dict) -> Scenario:
    return Scenario.from_dict(copy.deepcopy(data), base_dir=REPO)


@pytest.fixture(scope="module")
def study():
    return load_study(REPO / "hubopt" / "studies" / "west_kent")


def ids_of(candidates, positions) -> set[str]:
    return set(candidates.sites["site_id"].iloc[list(positions)])


def test_a_site_unavailable_in_the_runs_year_may_not_be_a_hub(study) -> None:
    data = settings(availability=ENDS_2030)
    data["year"] = 2035
    chosen = select_sites(study, scenario(data))
    assert "RYYDC" in ids_of(chosen, chosen.unavailable)
    note = next(n for n in chosen.notes if "may not be hubs" in n)
    assert note.startswith("1 site(s) may not be hubs: not available in 2035")
    assert "Tonbridge Cottage Hospital (-2030, scenario sites.availability: ILLUSTRATIVE test lease end)" in note


def test_in_its_last_year_the_site_is_still_available(study) -> None:
    chosen = select_sites(study, scenario(settings(availability=ENDS_2030)))  # the run's year is 2030
    assert "RYYDC" not in ids_of(chosen, chosen.unavailable)


def test_renewal_keeps_the_site(study) -> None:
    data = settings(availability=ENDS_2030, renewed={"RYYDC": "lease renewed to 2045 (test)"})
    data["year"] = 2035
    chosen = select_sites(study, scenario(data))
    assert "RYYDC" not in ids_of(chosen, chosen.unavailable)
    assert any("renewed (sites.renewed): RYYDC: lease renewed to 2045 (test)" in n for n in chosen.notes)


def test_a_multi_year_set_uses_only_sites_available_in_every_year(study) -> None:
    data = settings(availability={"RYYD6": {"available_from": 2028, "source": "test build"}})
    data["model"]["years"] = [2025, 2030]
    chosen = select_sites(study, scenario(data))
    assert "RYYD6" in ids_of(chosen, chosen.unavailable)
    assert any("not available in every year of 2025, 2030" in n for n in chosen.notes)


def test_a_site_that_must_open_but_is_unavailable_is_refused(study) -> None:
    data = settings(availability=ENDS_2030, must_open=["RYYDC"])
    data["year"] = 2035
    with pytest.raises(InputError, match=re.escape("setting 'sites.must_open'")) as err:
        select_sites(study, scenario(data))
    assert "sites.renewed" in str(err.value.hint)


@pytest.mark.parametrize(
    ("sites", "setting"),
    [
        ({"renewed": {"RYYDC": ""}}, "sites.renewed.RYYDC"),
        ({"availability": {"RYYDC": {"available_until": 2030}}}, "sites.availability.RYYDC.source"),
        ({"availability": {"RYYDC": {"available_until": 20300, "source": "x"}}}, "sites.availability.RYYDC"),
        (
            {"availability": {"RYYDC": {"available_from": 2031, "available_until": 2030, "source": "x"}}},
            "sites.availability.RYYDC.available_until",
        ),
        ({"at_risk": {"max_backlog_per_m2": -1}}, "sites.at_risk.max_backlog_per_m2"),
    ],
)
def test_bad_availability_settings_name_the_setting(sites: dict, setting: str) -> None:
    with pytest.raises(InputError, match=re.escape(f"setting '{setting}")):
        scenario(settings(**sites))


def test_unknown_site_and_a_lease_end_before_the_base_year_are_refused(study) -> None:
    with pytest.raises(InputError, match=re.escape("setting 'sites.renewed'")):
        select_sites(study, scenario(settings(renewed={"NOPE": "why"})))
    early = {"RYYDC": {"available_until": 2016, "source": "x"}}  # the study's base year is 2017
    with pytest.raises(InputError, match=re.escape("setting 'sites.availability.RYYDC.available_until'")):
        select_sites(study, scenario(settings(availability=early)))


@pytest.fixture(scope="module")
def lease_end_run():
    return run(scenario(settings(availability=ENDS_2030)))


@pytest.fixture(scope="module")
def renewed_run():
    return run(scenario(settings(availability=ENDS_2030, renewed={"RYYDC": "lease renewed to 2045 (test)"})))


def test_a_lease_end_moves_the_beds_elsewhere_after_it(lease_end_run) -> None:
    beds = lease_end_run.beds.table().set_index("site_id")
    assert beds.loc["RYYDC", "beds_2030"] > 0 and beds.loc["RYYDC", "beds_2035"] == 0
    need = lease_end_run.beds.need_table().set_index("year")["beds_needed"]
    assert beds["beds_2035"].sum() >= need[2035]
    assert any("Tonbridge Cottage Hospital (RYYDC) has no beds in 2035" in n for n in lease_end_run.beds.notes)


def test_renewal_keeps_the_beds(renewed_run) -> None:
    beds = renewed_run.beds.table().set_index("site_id")
    assert beds.loc["RYYDC", "beds_2035"] >= beds.loc["RYYDC", "beds_2030"] > 0


def test_the_answer_leaning_on_a_site_at_risk_is_flagged(lease_end_run, renewed_run) -> None:
    sites = lease_end_run.sites.set_index("site_id")
    assert bool(sites.loc["RYYDC", "at_risk"])
    assert "available only until 2030, within the plan's years (to 2035)" in sites.loc["RYYDC", "at_risk_reason"]
    assert "ILLUSTRATIVE test lease end" in sites.loc["RYYDC", "at_risk_reason"]
    assert not sites.drop(index="RYYDC")["at_risk"].any()  # WK's backlog is £41-70 per m², under £100
    line = next(x for x in summary_lines(lease_end_run) if "AT RISK" in x)
    assert "Tonbridge Cottage Hospital (RYYDC, beds in 2025, 2030)" in line
    renewed = renewed_run.sites.set_index("site_id")
    assert not renewed["at_risk"].any()
    assert renewed.loc["RYYDC", "renewed_because"] == "lease renewed to 2045 (test)"
    assert not any("AT RISK" in x for x in summary_lines(renewed_run))


def test_poor_condition_and_high_backlog_are_risks() -> None:
    sites = pd.DataFrame(
        {
            "site_id": ["A", "B", "C"],
            "condition": ["d", "B", None],
            "condition_source": ["survey 2024", None, None],
            "backlog_cost": [0.0, 1000.0, 500_000.0],
            "floor_area_m2": [100.0, 100.0, 1000.0],
        }
    )
    table = risk_table(sites, 2035, {}, RiskRules(max_backlog_per_m2=400))
    assert table["at_risk"].tolist() == [True, False, True]
    assert table["at_risk_reason"].tolist() == ["condition d (survey 2024)", "", "backlog £500 per m² (above £400)"]


def hubs_in(data: dict) -> set[str]:
    data = copy.deepcopy(data)
    data["beds"] = None
    result = run(scenario(data))
    return set(result.sites.loc[result.sites["chosen"], "site_id"])


def test_a_lease_end_moves_a_hub_elsewhere_and_renewal_keeps_it() -> None:
    ends = {"G82099": {"available_until": 2030, "source": "test lease end"}}  # The College Practice, a demo hub
    data = settings(availability=ends)
    data["year"] = 2035
    assert "G82099" in hubs_in(settings())  # 2030, no end: a hub
    assert "G82099" not in hubs_in(data)  # 2035, after its lease: another site instead
    assert "G82099" in hubs_in(settings(availability=ends, renewed={"G82099": "renewed (test)"}) | {"year": 2035})
