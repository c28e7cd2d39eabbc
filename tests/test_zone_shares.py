"""Registration shares by zone or group of zones (a CSV file): hand-checked demand, the district case unchanged,
bad files refused naming file, row and column, and the ILLUSTRATIVE Sevenoaks file moving demand north."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hubopt.demand.projection import zone_population
from hubopt.demand.registration import apply_registration_share
from hubopt.demand.zone_shares import read_zone_shares
from hubopt.demand.zones import zone_demand
from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.pipeline.demand import demand_options
from hubopt.scenario import Scenario
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"
ILLUSTRATIVE = WEST_KENT / "registration_shares_illustrative.csv"
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
BANDS = [band_column(b) for b in AGE_BANDS]
SEVENOAKS = "E07000111"


@pytest.fixture
def zones() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zone_id": ["a1", "a2", "b1", "c1"],
            "zone_name": ["Sevenoaks 001A", "Sevenoaks 001B", "Sevenoaks 002A", "Maidstone 001A"],
            "district_code": [SEVENOAKS, SEVENOAKS, SEVENOAKS, "E07000110"],
            "pop_0_64": [1000.0, 500.0, 800.0, 900.0],
            "pop_65_74": [100.0, 50.0, 80.0, 90.0],
            "pop_75_84": [60.0, 30.0, 40.0, 50.0],
            "pop_85_plus": [20.0, 10.0, 15.0, 10.0],
            "population": [1180.0, 590.0, 935.0, 1050.0],
        }
    )


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shares.csv"
    path.write_text(text)
    return path


def test_shares_by_zone_and_group_hand_checked(tmp_path: Path, zones: pd.DataFrame) -> None:
    path = _write(
        tmp_path,
        "zone_name_prefix,zone_id,share,source\nSevenoaks 001,,0.25,test\n,b1,90%,test\n",
    )
    shares = read_zone_shares(path, zones)
    assert shares.share.to_dict() == pytest.approx({"a1": 0.25, "a2": 0.25, "b1": 0.9}, rel=1e-12)
    out = apply_registration_share(zones, {SEVENOAKS: 0.594}, zone_shares=shares.share)
    # a1, a2 by their group (0.25), b1 by its own row (0.9), Maidstone's c1 not listed and not a listed district: 1.
    assert out["registration_share"].tolist() == pytest.approx([0.25, 0.25, 0.9, 1.0], rel=1e-12)
    np.testing.assert_allclose(out.loc[0, BANDS].to_numpy(dtype=float), [250.0, 25.0, 15.0, 5.0])
    np.testing.assert_allclose(out.loc[2, BANDS].to_numpy(dtype=float), [720.0, 72.0, 36.0, 13.5])
    np.testing.assert_allclose(out["population"], out[BANDS].sum(axis=1))
    assert "3 zone(s) given their own share" in out.attrs["registration_note"]


def test_zones_not_listed_keep_their_district_share(tmp_path: Path, zones: pd.DataFrame) -> None:
    shares = read_zone_shares(_write(tmp_path, "zone_id,share,source\na1,0.5,test\n"), zones)
    out = apply_registration_share(zones, {SEVENOAKS: 0.594}, zone_shares=shares.share)
    assert out["registration_share"].tolist() == pytest.approx([0.5, 0.594, 0.594, 1.0], rel=1e-12)


def test_district_case_unchanged(zones: pd.DataFrame) -> None:
    with_none = apply_registration_share(zones, {SEVENOAKS: 0.594}, zone_shares=None)
    plain = apply_registration_share(zones, {SEVENOAKS: 0.594})
    pd.testing.assert_frame_equal(with_none, plain)
    assert plain["registration_share"].tolist() == pytest.approx([0.594, 0.594, 0.594, 1.0], rel=1e-12)


def test_share_above_one_needs_a_reason(tmp_path: Path, zones: pd.DataFrame) -> None:
    ok = read_zone_shares(_write(tmp_path, "zone_id,share,source,reason\na1,1.03,test,list inflation\n"), zones)
    assert ok.share["a1"] == pytest.approx(1.03, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "row", "column", "match"),
    [
        ("zone,share,source\na1,0.5,x\n", None, "zone_id", "no zone_id or zone_name_prefix column"),
        ("zone_id,source\na1,x\n", None, "share", "no share column"),
        ("zone_id,share\na1,0.5\n", None, "source", "no source column"),
        ("zone_id,share,source\n", None, None, "no rows"),
        ("zone_id,share,source\na1,0.5,x\nzz,0.5,x\n", 3, "zone_id", "'zz' is not a zone of the study"),
        ("zone_name_prefix,share,source\nTonbridge,0.5,x\n", 2, "zone_name_prefix", "no zone's name starts with"),
        ("zone_id,zone_name_prefix,share,source\na1,Sevenoaks,0.5,x\n", 2, "zone_id", "both"),
        ("zone_id,zone_name_prefix,share,source\n,,0.5,x\n", 2, "zone_id", "no zone"),
        ("zone_id,share,source\na1,most,x\n", 2, "share", "not a number"),
        ("zone_id,share,source\na1,-0.1,x\n", 2, "share", "0 or more"),
        ("zone_id,share,source\na1,1.2,x\n", 2, "share", "above 1 with no reason"),
        ("zone_id,share,source,reason\na1,1.2,x,\n", 2, "reason", "above 1 with no reason"),
        ("zone_id,share,source\na1,0.5,\n", 2, "source", "source is blank"),
        ("zone_name_prefix,share,source\nSevenoaks,0.5,x\nSevenoaks 001,0.2,x\n", 3, "zone_name_prefix", "row 2"),
    ],
)
def test_bad_files_name_file_row_and_column(
    tmp_path: Path, zones: pd.DataFrame, text: str, row: int | None, column: str | None, match: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=match) as err:
        read_zone_shares(path, zones)
    assert err.value.path is not None and err.value.path.endswith("shares.csv")
    assert err.value.row == row
    if column is not None:
        assert err.value.column == column


def _demo_values(tmp_path: Path, registration_share: object) -> dict:
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(WEST_KENT)
    data["demand"]["housing"] = {"file": None}
    data["demand"]["registration_share"] = registration_share
    data["outputs"]["folder"] = str(tmp_path / "out")
    data["sites"].pop("extra_register", None)
    return data


def test_illustrative_file_moves_sevenoaks_demand_north(tmp_path: Path) -> None:
    """The ILLUSTRATIVE file (Swanley area at 0, the rest of Sevenoaks at 0.7368) keeps Sevenoaks's registered total
    at 59.4 % of its 2017 residents, but moves it from the Swanley area to the rest of the district."""
    study = load_study(WEST_KENT)
    by_zone = Scenario.from_dict(
        _demo_values(tmp_path, {"file": str(ILLUSTRATIVE), "districts": "study"}), base_dir=tmp_path
    )
    district = Scenario.from_dict(_demo_values(tmp_path, "study"), base_dir=tmp_path)
    population, _ = zone_population(study, study.base_year)
    zone_opts, district_opts = demand_options(study, by_zone), demand_options(study, district)
    assert district_opts["zone_shares"] is None
    shares = zone_opts["zone_shares"]
    moved = apply_registration_share(population, zone_opts["registration_share"], zone_shares=shares.share)
    even = apply_registration_share(population, district_opts["registration_share"])
    names = study.zones["zone_name"].astype(str)
    seven = (study.zones["district_code"] == SEVENOAKS).to_numpy()
    swanley = names.str.match(r"Sevenoaks 00[123]").to_numpy()
    assert swanley.sum() == 15 and len(shares.share) == seven.sum()  # every Sevenoaks zone listed
    # The district's registered total is kept (to the rounding of 0.7368), and the other districts are untouched.
    assert moved.loc[seven, "population"].sum() == pytest.approx(
        0.594 * population.loc[seven, "population"].sum(), rel=1e-4
    )
    assert moved.loc[seven, "population"].sum() == pytest.approx(even.loc[seven, "population"].sum(), rel=1e-4)
    np.testing.assert_array_equal(moved.loc[~seven, BANDS].to_numpy(), even.loc[~seven, BANDS].to_numpy())
    # The Swanley area's demand goes to 0; the rest of Sevenoaks rises from 0.594 to 0.7368 of its residents.
    assert moved.loc[swanley, "population"].sum() == 0.0
    rest = seven & ~swanley
    np.testing.assert_allclose(
        moved.loc[rest, BANDS].to_numpy(), even.loc[rest, BANDS].to_numpy() * 0.7368 / 0.594, rtol=1e-12
    )


def test_scenario_file_form_and_its_errors(tmp_path: Path) -> None:
    values = _demo_values(tmp_path, {"file": "shares.csv"})
    sc = Scenario.from_dict(values, base_dir=tmp_path)
    assert sc.registration_share == "study"  # the default for zones not listed
    assert sc.registration_share_file == (tmp_path / "shares.csv").resolve()
    with pytest.raises(InputError) as err:
        Scenario.from_dict(_demo_values(tmp_path, {"file": "shares.csv", "district": "none"}), base_dir=tmp_path)
    assert err.value.setting == "demand.registration_share"
    with pytest.raises(InputError) as err:
        demand_options(load_study(WEST_KENT), sc)  # shares.csv does not exist
    assert "shares.csv" in str(err.value)


def test_zone_demand_takes_the_file_and_says_so(tmp_path: Path) -> None:
    """The run's demand (zone_demand with the scenario's options) applies the file and names it in its summary."""
    study = load_study(WEST_KENT)
    scenario = Scenario.from_dict(_demo_values(tmp_path, {"file": str(ILLUSTRATIVE)}), base_dir=tmp_path)
    demand = zone_demand(study, study.base_year, scenario.demand_weights, **demand_options(study, scenario))
    assert "registration share by zone for 74 zones (registration_shares_illustrative.csv)" in demand.summary
    swanley = study.zones["zone_name"].astype(str).str.match(r"Sevenoaks 00[123]").to_numpy()
    assert demand.demand[swanley].sum() == 0.0 and (demand.demand[~swanley] > 0).all()
    assert any("74 zone(s) given their own share" in note for note in demand.notes)
