"""travel.combine: each zone's car and public-transport times weighed by its share of households without a car.

Every share here is ILLUSTRATIVE (made up for the test); no Census figure is used.
"""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_travel_modes import wk_scenario

from hubopt.build.layout import check_layout
from hubopt.errors import InputError
from hubopt.io.no_car_share import no_car_share_from_ts045, read_no_car_share
from hubopt.locate.median import solve_p_median
from hubopt.scenario import Scenario, load_scenario
from hubopt.travel.combine import combined_minutes
from hubopt.workbench.question import Question
from hubopt.workbench.scenario_of import question_scenario

TS045_SHAPE = Path(__file__).parent / "data" / "fixtures" / "census2021-ts045-lsoa_excerpt_shape.csv"


def test_combined_times_as_worked_out_by_hand() -> None:
    drive = np.array([[10.0, 20.0], [30.0, 40.0], [5.0, 6.0]])
    bus = np.array([[50.0, np.inf], [60.0, 20.0], [np.inf, np.inf]])
    share = np.array([0.25, 1.0, 0.0])
    got = combined_minutes(drive, bus, share)
    # zone 0: 0.75 x 10 + 0.25 x 50 = 20; the bus never reaches site 1, and a quarter of its households have no car
    # zone 1: no household has a car: the bus times; zone 2: every household has one: the drive times, bus or not
    expected = np.array([[20.0, np.inf], [60.0, 20.0], [5.0, 6.0]])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert not np.isnan(got).any()


def _brute_force(cost: np.ndarray, weights: np.ndarray, n_hubs: int) -> tuple[set[tuple[int, ...]], float]:
    """Every optimal set of open sites (ties kept) and the optimum."""
    values = {
        sites: float(weights @ cost[:, sites].min(axis=1))
        for sites in itertools.combinations(range(cost.shape[1]), n_hubs)
    }
    best = min(values.values())
    return {k for k, v in values.items() if v <= best * (1 + 1e-12)}, best


# Four zones, four sites. By car site 0 is central; the bus serves sites 2 and 3 well and site 0 badly.
DRIVE = np.array([[5.0, 12.0, 20.0, 25.0], [6.0, 10.0, 18.0, 22.0], [7.0, 15.0, 12.0, 20.0], [15.0, 20.0, 25.0, 9.0]])
BUS = np.array(
    [[60.0, 40.0, 15.0, 50.0], [55.0, 35.0, 12.0, 45.0], [70.0, 50.0, 10.0, 40.0], [65.0, 45.0, 50.0, 11.0]]
)
WEIGHTS = np.array([100.0, 200.0, 150.0, 120.0])


@pytest.mark.parametrize("n_hubs", [1, 2])
def test_the_optimum_moves_from_the_car_one_to_the_bus_one_as_shares_grow(n_hubs: int) -> None:
    car_best, _ = _brute_force(DRIVE, WEIGHTS, n_hubs)
    bus_best, _ = _brute_force(BUS, WEIGHTS, n_hubs)
    assert len(car_best) == len(bus_best) == 1 and car_best != bus_best  # built so the two modes disagree
    for s in (0.0, 0.25, 0.5, 0.75, 1.0):
        cost = combined_minutes(DRIVE, BUS, np.full(4, s))
        result = solve_p_median(cost, WEIGHTS, n_hubs)
        optima, value = _brute_force(cost, WEIGHTS, n_hubs)
        assert result.objective == pytest.approx(value, rel=1e-9)
        chosen = tuple(sorted(int(j) for j in result.open_sites))
        assert chosen in optima
        if s == 0.0:
            assert {chosen} == car_best
        if s == 1.0:
            assert {chosen} == bus_best


@pytest.mark.parametrize("seed", range(5))
def test_the_model_finds_the_brute_force_optimum_with_shares_by_zone(seed: int) -> None:
    rng = np.random.default_rng(seed)
    drive = rng.uniform(5, 30, size=(7, 5))
    bus = drive * rng.uniform(1.5, 4, size=(7, 5))
    bus[rng.uniform(size=(7, 5)) < 0.15] = np.inf  # some sites the bus does not reach
    share = rng.choice([0.0, 0.1, 0.3, 0.6], size=7)  # ILLUSTRATIVE shares
    weights = rng.uniform(50, 500, size=7)
    cost = combined_minutes(drive, bus, share)
    optima, value = _brute_force(cost, weights, 2)
    if not np.isfinite(value):
        pytest.skip("no two sites reach every zone in this draw")
    result = solve_p_median(cost, weights, 2)
    assert result.objective == pytest.approx(value, rel=1e-9)
    assert tuple(sorted(int(j) for j in result.open_sites)) in optima


def _share_file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "no_car.csv"
    path.write_text("zone_id,share,source\n" + rows)
    return path


def test_the_share_file_is_read_in_zone_order(tmp_path: Path) -> None:
    path = _share_file(tmp_path, "b,0.5,ILLUSTRATIVE\na,0.1,ILLUSTRATIVE\nelsewhere,0.9,ILLUSTRATIVE\n")
    got = read_no_car_share(path, ["a", "b"])
    np.testing.assert_allclose(got.share, [0.1, 0.5], rtol=1e-12)
    assert got.sources == ["ILLUSTRATIVE"] and got.rows_outside_study == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "a,1.5,ILLUSTRATIVE\nb,0.2,ILLUSTRATIVE\n",
            r"row 2, column 'share': the share '1.5' is not",
        ),
        ("a,lots,ILLUSTRATIVE\nb,0.2,ILLUSTRATIVE\n", r"'lots' is not a number from 0 to 1"),
        ("a,0.1,ILLUSTRATIVE\nb,0.2,\n", r"row 3, column 'source': the source is blank"),
        ("a,0.1,ILLUSTRATIVE\n", r"1 of 2 study zones have no share.*first: b"),
        ("a,0.1,ILLUSTRATIVE\na,0.2,ILLUSTRATIVE\nb,0.2,ILLUSTRATIVE\n", r"duplicate zone 'a'"),
    ],
)
def test_a_bad_share_file_is_refused_naming_row_and_column(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_no_car_share(_share_file(tmp_path, rows), ["a", "b"])


def test_shares_are_made_from_the_shape_of_ts045(tmp_path: Path) -> None:
    table = no_car_share_from_ts045(TS045_SHAPE)  # a hand-made file, ILLUSTRATIVE figures
    assert table["zone_id"].tolist() == ["ILLUS01", "ILLUS02"]  # ILLUS03 has no households: left out
    np.testing.assert_allclose(table["share"], [0.25, 0.0], rtol=1e-12)
    bulk = tmp_path / "census2021-ts045.zip"
    with zipfile.ZipFile(bulk, "w") as zf:
        zf.writestr("census2021-ts045-lsoa.csv", TS045_SHAPE.read_text())
    zipped = no_car_share_from_ts045(bulk)
    np.testing.assert_allclose(zipped["share"], [0.25, 0.0], rtol=1e-12)
    check_layout("ts045", bulk)  # the layout hubopt fetch data checks after downloading
    table.to_csv(tmp_path / "shares.csv", index=False)
    assert read_no_car_share(tmp_path / "shares.csv", ["ILLUS02"]).share.tolist() == [0.0]
    # travel.combine.no_car_share also takes the TS045 zip or its LSOA table as they are
    for given in (bulk, TS045_SHAPE):
        read = read_no_car_share(given, ["ILLUS02", "ILLUS01"])
        np.testing.assert_allclose(read.share, [0.0, 0.25], rtol=1e-12)
        assert read.sources[0].startswith("ONS Census 2021 TS045")


def test_a_ts045_file_of_another_layout_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "census2021-ts045.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("census2021-ts045-lsoa.csv", "date,geography,geography code,Households\n2021,A,X,5\n")
    with pytest.raises(InputError, match=r"layout changed.*Number of cars or vans: Total"):
        check_layout("ts045", other)
    with pytest.raises(InputError, match="no column 'Number of cars or vans: Total: All households'"):
        no_car_share_from_ts045(other)


_MODES = {
    "car": {"method": "straight_line", "mode": "drive"},
    "bus": {"method": "public_transport", "gtfs": "feed.zip"},
    "walk": {"method": "straight_line", "mode": "walk"},
}


@pytest.mark.parametrize(
    ("combine", "setting", "message"),
    [
        ({"modes": ["car"], "no_car_share": "s.csv"}, "modes", "name two travel modes"),
        ({"no_car_share": "s.csv"}, "modes", "name two travel modes"),
        ({"modes": ["car", "tram"], "no_car_share": "s.csv"}, "modes", "'tram' is not one of travel.modes"),
        ({"modes": ["car", "walk"], "no_car_share": "s.csv"}, "modes", "one public-transport mode and one other"),
        ({"modes": ["bus", "bus"], "no_car_share": "s.csv"}, "modes", "one public-transport mode and one other"),
        ({"modes": ["car", "bus"]}, "no_car_share", "share of households without a car"),
        ({"modes": ["car", "bus"], "share": "s.csv"}, "share", "unknown setting"),
    ],
)
def test_combine_settings_are_checked(tmp_path: Path, combine: dict, setting: str, message: str) -> None:
    travel = {"modes": _MODES, "use": "car", "combine": combine}
    with pytest.raises(InputError, match=f"travel.combine.{setting}.*{message}"):
        load_scenario(wk_scenario(tmp_path, travel))


def test_combine_settings_are_kept(tmp_path: Path) -> None:
    travel = {"modes": _MODES, "use": "car", "combine": {"modes": ["bus", "car"], "no_car_share": "s.csv"}}
    spec = load_scenario(wk_scenario(tmp_path, travel)).travel_combine
    assert spec is not None and (spec.drive, spec.public_transport) == ("car", "bus")
    assert spec.no_car_share == tmp_path / "s.csv"
    assert load_scenario(wk_scenario(tmp_path, {"modes": _MODES, "use": "car"})).travel_combine is None


def test_a_workbench_question_keeps_the_feed_and_asks_of_one_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    travel = {"modes": _MODES, "use": "car", "combine": {"modes": ["car", "bus"], "no_car_share": "s.csv"}}
    data = yaml.safe_load(wk_scenario(tmp_path, travel).read_text())
    scenario = Scenario.from_dict(data, base_dir=tmp_path)  # relative files are read from tmp_path
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the question's scenario is made from the workbench's working folder
    asked = question_scenario(scenario, Question(hubs=3, mode="bus", year=scenario.year))
    assert asked.travel_modes["bus"].gtfs == tmp_path / "feed.zip"  # not elsewhere/feed.zip
    assert asked.travel_combine is None and asked.travel_use == "bus"
