"""Age bands chosen by the scenario (demand.age_bands): checked against every by-age setting, and projected as well
as the study's figures and projections allow."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from hubopt.errors import InputError
from hubopt.pipeline.demand import scenario_demand
from hubopt.scenario import load_scenario
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"

#: The demo's by-age settings on three bands that merge 65-74 and 75-84, with the weights the demo gives both.
MERGED = {
    "demand.age_bands": ["0-64", "65-84", "85+"],
    "demand.weights": {"0-64": 1.0, "65-84": 2.5, "85+": 4.0},
    "beds.weights": {"0-64": 1.0, "65-84": 10.0, "85+": 40.0},
    "services.appointments_per_head": {
        "community clinics": {"0-64": 0.3, "65-84": 0.75, "85+": 1.2},
        "therapies": {"0-64": 0.1, "65-84": 0.25, "85+": 0.4},
    },
}


#: A value that removes the setting.
DROP = object()


def write(tmp_path: Path, changes: dict, name: str = "scenario.yaml") -> Path:
    data = yaml.safe_load(DEMO.read_text())
    data["demand"]["housing"]["file"] = str(WEST_KENT / "housing_illustrative.csv")
    data["sites"]["extra_register"] = str(WEST_KENT / "border_services.csv")
    data["study"] = str(WEST_KENT)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is DROP:
            node.pop(last, None)
        else:
            node[last] = value
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_demo_keeps_the_standard_bands() -> None:
    sc = load_scenario(DEMO)
    assert sc.age_bands.is_standard
    assert sc.age_bands.labels == ("0-64", "65-74", "75-84", "85+")


def test_chosen_bands_are_read_in_age_order(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, {**MERGED, "demand.age_bands": ["85+", "0-64", "65-84"]}))
    assert sc.age_bands.labels == ("0-64", "65-84", "85+")
    assert sc.demand_weights == {"0-64": 1.0, "65-84": 2.5, "85+": 4.0}
    assert sc.beds is not None and sc.beds.weights == {"0-64": 1.0, "65-84": 10.0, "85+": 40.0}
    assert sc.services.appointments_per_head["therapies"] == {"0-64": 0.1, "65-84": 0.25, "85+": 0.4}


@pytest.mark.parametrize(
    ("changes", "setting", "message"),
    [
        ({"demand.age_bands": ["0-4", "4-64", "65+"]}, "demand.age_bands", r"age 4 in two bands"),
        ({"demand.age_bands": ["0-4", "6-64", "65+"]}, "demand.age_bands", r"age\(s\) 5 in no band"),
        ({"demand.age_bands": ["0-64", "65-84"]}, "demand.age_bands", r"must be open-ended"),
        ({"demand.age_bands": ["0-64", "elderly"]}, "demand.age_bands", r"'elderly' is not an age band label"),
        ({"demand.age_bands": ["0-64", "0-64", "65+"]}, "demand.age_bands", r"listed twice"),
        # the demo's weights are for the standard bands: each by-age setting must follow the chosen bands
        ({"demand.age_bands": ["0-64", "65-84", "85+"]}, "demand.weights", r"missing: 65-84; unknown: 65-74, 75-84"),
        ({**MERGED, "beds.weights": {"0-64": 1, "65-74": 5, "75-84": 15, "85+": 40}}, "beds.weights", r"65-84"),
        (
            {**MERGED, "services.appointments_per_head": {"clinics": {"0-64": 1, "65+": 2}}},
            "services.appointments_per_head.clinics",
            r"exactly the bands 0-64, 65-84, 85\+",
        ),
        (
            {**MERGED, "demand.housing.age_profile": {"0-64": 0.8, "65-74": 0.1, "75-84": 0.05, "85+": 0.05}},
            "demand.housing.age_profile",
            r"exactly the bands 0-64, 65-84, 85\+",
        ),
        ({**MERGED, "demand.weights": None}, "demand.weights", r"chooses its own age bands .* must give a weight"),
        (
            {
                **MERGED,
                "beds.need_method": "rates",
                "beds.mean_length_of_stay_days": 20,
                "beds.admission_rates_per_1000": {"0-64": 1, "65-74": 5, "75-84": 15, "85+": 40},
            },
            "beds.admission_rates_per_1000",
            r"missing: 65-84; unknown: 65-74, 75-84",
        ),
        (
            {
                **MERGED,
                "beds.need_method": "rates",
                "beds.admission_rates_per_1000": {"0-64": 1, "65-84": 9, "85+": 40},
                "beds.mean_length_of_stay_days": {"0-64": 10, "65+": 20},
            },
            "beds.mean_length_of_stay_days",
            r"exactly the bands 0-64, 65-84, 85\+",
        ),
    ],
)
def test_bad_bands_and_settings_that_do_not_match_them(
    tmp_path: Path, changes: dict, setting: str, message: str
) -> None:
    path = write(tmp_path, changes)
    with pytest.raises(InputError, match=message) as err:
        load_scenario(path)
    text = str(err.value)
    assert f"setting '{setting}'" in text and str(path) in text and "What to do" in text


@pytest.mark.parametrize("year", [2017, 2021, 2030, 2040])
def test_merging_two_bands_with_one_weight_gives_the_same_demand(tmp_path: Path, year: int) -> None:
    standard = load_scenario(
        write(tmp_path, {"demand.weights": {"0-64": 1.0, "65-74": 2.5, "75-84": 2.5, "85+": 4.0}}, "a.yaml")
    )
    merged = load_scenario(write(tmp_path, MERGED, "b.yaml"))
    study = load_study(WEST_KENT)
    a = scenario_demand(study, standard)(year)
    b = scenario_demand(study, merged)(year)
    assert b.bands.labels == ("0-64", "65-84", "85+")
    assert list(b.population.columns) == ["zone_id", "district_code", "pop_0_64", "pop_65_84", "pop_85_plus",
                                          "population", "registration_share"]  # fmt: skip
    np.testing.assert_allclose(b.demand, a.demand, rtol=1e-9)
    np.testing.assert_allclose(b.population["population"], a.population["population"], rtol=1e-9)
    np.testing.assert_allclose(
        b.population["pop_65_84"], a.population["pop_65_74"] + a.population["pop_75_84"], rtol=1e-9
    )


def test_a_band_the_zone_figures_cannot_make_is_refused_with_what_to_do(tmp_path: Path) -> None:
    study_dir = tmp_path / "study"
    shutil.copytree(WEST_KENT, study_dir)
    (study_dir / "zone_ages.csv").unlink(missing_ok=True)  # a study with its zones' bands only
    changes = {
        "demand.age_bands": ["0-4", "5-64", "65-74", "75-84", "85+"],
        "demand.weights": {"0-4": 2, "5-64": 1, "65-74": 2, "75-84": 3, "85+": 4},
        "beds.weights": {"0-4": 1, "5-64": 1, "65-74": 5, "75-84": 15, "85+": 40},
        "services.appointments_per_head": {
            "clinics": {"0-4": 0.6, "5-64": 0.3, "65-74": 0.6, "75-84": 0.9, "85+": 1.2}
        },
    }
    sc = load_scenario(write(tmp_path, changes))
    with pytest.raises(InputError, match=r"band '0-4' cannot be made .* give the bands 0-64, 65-74") as err:
        scenario_demand(load_study(study_dir), sc)(2030)
    assert "setting 'demand.age_bands'" in str(err.value) and "hubopt study build" in str(err.value)


CHILDREN = {
    "demand.age_bands": ["0-4", "5-17", "18-64", "65-74", "75-84", "85+"],
    "demand.weights": {"0-4": 1.0, "5-17": 1.0, "18-64": 1.0, "65-74": 2.0, "75-84": 3.0, "85+": 4.0},
    "beds.weights": {"0-4": 1.0, "5-17": 1.0, "18-64": 1.0, "65-74": 5.0, "75-84": 15.0, "85+": 40.0},
    "services.appointments_per_head": {
        "community clinics": {"0-4": 0.3, "5-17": 0.3, "18-64": 0.3, "65-74": 0.6, "75-84": 0.9, "85+": 1.2},
        "therapies": {"0-4": 0.1, "5-17": 0.1, "18-64": 0.1, "65-74": 0.2, "75-84": 0.3, "85+": 0.4},
    },
}


@pytest.mark.parametrize("year", [2017, 2020, 2030])
def test_splitting_a_band_with_one_weight_gives_the_same_demand(tmp_path: Path, year: int) -> None:
    study = load_study(WEST_KENT)
    assert study.zone_ages is not None  # the built-in study keeps single years of age
    a = scenario_demand(study, load_scenario(write(tmp_path, {}, "a.yaml")))(year)
    b = scenario_demand(study, load_scenario(write(tmp_path, CHILDREN, "b.yaml")))(year)
    np.testing.assert_allclose(b.demand, a.demand, rtol=1e-9)
    young = b.population[["pop_0_4", "pop_5_17", "pop_18_64"]].sum(axis=1)
    np.testing.assert_allclose(young, a.population["pop_0_64"], rtol=1e-9)
    assert "age bands 0-4, 5-17, 18-64, 65-74, 75-84, 85+" in b.summary


def test_under_fives_come_from_single_years_and_grow_as_all_under_65s(tmp_path: Path) -> None:
    study = load_study(WEST_KENT)
    ages = study.zone_ages
    sc = load_scenario(write(tmp_path, {**CHILDREN, "demand.registration_share": "none", "demand.housing": DROP}))
    now = scenario_demand(study, sc)(study.base_year).population
    then = scenario_demand(study, sc)(2030)
    # the base year: the zones' single years 0 to 4, added up
    expected = ages[[f"age_{a}" for a in range(5)]].sum(axis=1).to_numpy()
    np.testing.assert_allclose(now["pop_0_4"], expected, rtol=1e-12)
    # 2030: each zone's under-fives scaled by its district's change in all under-65s, as the method says
    pop = then.population
    for district, zones in pop.groupby("district_code"):
        base = now.loc[zones.index, ["pop_0_4", "pop_5_17", "pop_18_64"]].to_numpy().sum()
        grown = zones[["pop_0_4", "pop_5_17", "pop_18_64"]].to_numpy().sum()
        np.testing.assert_allclose(zones["pop_0_4"], now.loc[zones.index, "pop_0_4"] * grown / base, rtol=1e-9)
        proj = study.projections
        projected = proj[(proj["district_code"] == district) & (proj["year"] == 2030) & (proj["band"] == "0-64")]
        assert grown == pytest.approx(float(projected["population"].iloc[0]), rel=1e-9)
    assert "bands 0-4, 5-17, 18-64 grow as the group 0-64" in then.method
    assert "each single year 65-89" in then.method


def test_single_year_groups_add_up_to_the_projection_in_every_district(tmp_path: Path) -> None:
    study = load_study(WEST_KENT)
    sc = load_scenario(
        write(tmp_path, {**CHILDREN, "demand.age_bands": ["0-64", "65-69", "70-79", "80-89", "90+"],
                         "demand.weights": {"0-64": 1, "65-69": 2, "70-79": 3, "80-89": 4, "90+": 5},
                         "beds.weights": {"0-64": 1, "65-69": 5, "70-79": 10, "80-89": 20, "90+": 40},
                         "services": DROP, "demand.registration_share": "none", "demand.housing": DROP})
    )  # fmt: skip
    pop = scenario_demand(study, sc)(2035).population
    proj = study.projections[study.projections["year"] == 2035]
    for district, zones in pop.groupby("district_code"):
        rows = proj[proj["district_code"] == district].set_index("band")["population"]
        assert zones["pop_70_79"].sum() == pytest.approx(rows[[str(a) for a in range(70, 80)]].sum(), rel=1e-9)
        assert zones["pop_90_plus"].sum() == pytest.approx(rows["90+"], rel=1e-9)


def test_a_band_past_the_oldest_single_year_is_refused(tmp_path: Path) -> None:
    changes = {
        **CHILDREN,
        "demand.age_bands": ["0-64", "65-94", "95+"],
        "demand.weights": {"0-64": 1, "65-94": 2, "95+": 3},
        "beds.weights": {"0-64": 1, "65-94": 2, "95+": 3},
        "services": DROP,
    }
    with pytest.raises(InputError, match=r"(?s)band '65-94' cannot be made .*start the oldest band at or below 90"):
        scenario_demand(load_study(WEST_KENT), load_scenario(write(tmp_path, changes)))(2030)


EXAMPLE = REPO / "docs" / "examples" / "west_kent_young_families.yaml"


def test_the_family_hubs_example_runs_on_its_own_bands(tmp_path: Path) -> None:
    import json

    import pandas as pd
    from click.testing import CliRunner

    from hubopt.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "age bands 0-4, 5-17, 18-44, 45-64, 65+ (bands 0-4, 5-17, 18-44, 45-64 grow as the group 0-64)" in (
        result.output
    )
    zones = pd.read_csv(out / "zones.csv")
    bands = ["pop_0_4", "pop_5_17", "pop_18_44", "pop_45_64", "pop_65_plus"]
    assert [c for c in zones.columns if c.startswith("pop_")] == bands
    weights = {"pop_0_4": 10.0, "pop_5_17": 2.0, "pop_18_44": 1.0, "pop_45_64": 0.2, "pop_65_plus": 0.0}
    expected = sum(zones[c] * w for c, w in weights.items())
    np.testing.assert_allclose(zones["demand"], expected, atol=0.05 * 13.2 + 0.01)  # bands written to 0.1 people
    np.testing.assert_allclose(zones[bands].sum(axis=1), zones["population"], atol=0.3)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["age_bands"] == ["0-4", "5-17", "18-44", "45-64", "65+"]
    assert "bands 0-4, 5-17, 18-44, 45-64 grow as the group 0-64" in manifest["methods"]["demand"]
