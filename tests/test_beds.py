"""Bed need: both methods against hand calculations; required inputs and bad values are refused clearly."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from hubopt.demand.bed_need import (
    DEFAULT_TARGET_OCCUPANCY,
    BedsToday,
    bed_need_from_baseline,
    bed_need_from_rates,
    beds_today,
    whole_beds,
)
from hubopt.errors import InputError
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
#: West Kent's beds today as the WK plan v1.5 states them, for the hand calculations.
WK_TODAY = BedsToday(beds=68, piloted=8, source="WK plan v1.5")

POP = {"0-64": 100_000, "65-74": 10_000, "75-84": 5_000, "85+": 2_000}
RATES = {"0-64": 0.5, "65-74": 5.0, "75-84": 15.0, "85+": 40.0}


def test_west_kent_beds_today_come_from_its_sites() -> None:
    today = beds_today(load_study(REPO / "hubopt" / "studies" / "west_kent").sites, where="West Kent's site register")
    assert today.by_site == {
        "Hawkhurst Community Hospital": 22,
        "Tonbridge Cottage Hospital": 14,
        "Sevenoaks Community Hospital": 18,
        "Edenbridge Community Hospital": 14,
    }
    assert today.beds == 68 and today.piloted == 8  # the 8 therapy-led beds piloted at Tonbridge Cottage
    assert "Tonbridge Cottage Hospital 14 (+8 piloted)" in today.source
    assert "(source: NHS West Kent CCG, Local Care Plan v1.5 (31 July 2017))" in today.source
    assert DEFAULT_TARGET_OCCUPANCY == 0.85


def test_sites_without_beds_give_no_figure_for_today() -> None:
    blank = pd.DataFrame({"name": ["A", "B"], "beds": [pd.NA, pd.NA], "source": ["x", "y"]}).astype({"beds": "Int64"})
    zero = pd.DataFrame({"name": ["A", "B"], "beds": [0, 0]})
    for sites in (blank, zero, pd.DataFrame({"name": ["A"]})):
        today = beds_today(sites, where="the test register")
        assert today.beds is None and "no site in the test register records beds" in today.source
    need = bed_need_from_rates(POP, RATES, 20, today=beds_today(zero))
    assert need.today_beds is None and need.change_from_today is None
    assert need.comparison().endswith("no figure for today's beds to compare with")


@pytest.mark.parametrize(
    ("need", "whole"),
    [(86.4, 87), (86.5, 87), (96.5, 97), (86.0, 86), (68.0000000001, 68), (0.0, 0), (0.01, 1)],
)
def test_whole_beds_rounds_the_need_up(need: float, whole: int) -> None:
    assert whole_beds(need) == whole


def test_rates_hand_calculation() -> None:
    need = bed_need_from_rates(POP, RATES, 20, year=2030, today=WK_TODAY)
    # Bed-days: 100000*0.5/1000*20 = 1000; 10000*5/1000*20 = 1000; 5000*15/1000*20 = 1500; 2000*40/1000*20 = 1600.
    expected = 5100 / (365 * 0.85)
    assert need.beds == pytest.approx(expected)
    assert need.beds_rounded_up == 17
    assert need.by_band["85+"] == pytest.approx(1600 / (365 * 0.85))
    assert sum(need.by_band.values()) == pytest.approx(need.beds)
    assert need.year == 2030
    assert "85%" in need.method
    assert need.change_from_today == 17 - 68
    assert "-51 against today's 68 beds" in need.comparison()
    assert "against 76 with the 8 piloted beds" in need.comparison()


def test_rates_per_band_stay_table_input_and_occupancy() -> None:
    table = pd.DataFrame(
        {
            "zone_id": ["a", "b"],
            "pop_0_64": [60_000.0, 40_000.0],
            "pop_65_74": [6_000.0, 4_000.0],
            "pop_75_84": [3_000.0, 2_000.0],
            "pop_85_plus": [1_500.0, 500.0],
        }
    )
    los = {"0-64": 10, "65-74": 15, "75-84": 20, "85+": 30}
    need = bed_need_from_rates(table, RATES, los, target_occupancy=0.9)
    bed_days = 100_000 * 0.0005 * 10 + 10_000 * 0.005 * 15 + 5_000 * 0.015 * 20 + 2_000 * 0.04 * 30
    assert need.beds == pytest.approx(bed_days / (365 * 0.9))
    assert need.beds_rounded_up == math.ceil(bed_days / (365 * 0.9))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"admission_rates_per_1000": None}, r"setting 'beds.admission_rates_per_1000'.*must be given"),
        ({"admission_rates_per_1000": {"0-64": 1, "65-74": 1, "75-84": 1}}, r"missing: 85\+"),
        ({"admission_rates_per_1000": {**RATES, "90+": 1}}, r"unknown: 90\+"),
        ({"admission_rates_per_1000": {**RATES, "85+": -1}}, r"band 85\+ must be zero or more"),
        (
            {"mean_length_of_stay_days": None},
            r"setting 'beds.mean_length_of_stay_days'(.|\n)*7.4 days(.|\n)*emergency",
        ),
        ({"mean_length_of_stay_days": 0}, r"length of stay must be above zero"),
        ({"mean_length_of_stay_days": {**RATES, "85+": 0}}, r"band 85\+ must be above zero"),
        ({"target_occupancy": 85}, r"setting 'beds.target_occupancy'.*at most 1"),
        ({"target_occupancy": 0}, r"above 0"),
    ],
)
def test_rates_inputs_refused(kwargs: dict, match: str) -> None:
    args = {"admission_rates_per_1000": RATES, "mean_length_of_stay_days": 20.0} | kwargs
    with pytest.raises(InputError, match=match):
        bed_need_from_rates(POP, **args)


def test_population_inputs_refused() -> None:
    with pytest.raises(InputError, match="no figure for age band 85\\+"):
        bed_need_from_rates({"0-64": 1, "65-74": 1, "75-84": 1}, RATES, 20)
    with pytest.raises(InputError, match="has no column 'pop_65_74', 'pop_75_84', 'pop_85_plus'"):
        bed_need_from_rates(pd.DataFrame({"pop_0_64": [1.0]}), RATES, 20)


WEIGHTS = {"0-64": 1, "65-74": 2, "75-84": 3, "85+": 4}
NOW = {"0-64": 1000, "65-74": 100, "75-84": 50, "85+": 10}
THEN = {"0-64": 1100, "65-74": 150, "75-84": 80, "85+": 20}


def test_baseline_hand_calculation() -> None:
    need = bed_need_from_baseline(NOW, THEN, WEIGHTS, baseline_beds=68, piloted_beds=8, year=2035)
    # Weighted now: 1000 + 200 + 150 + 40 = 1390; then: 1100 + 300 + 240 + 80 = 1720.
    assert need.beds == pytest.approx(68 * 1720 / 1390)
    assert need.beds_rounded_up == 85
    assert need.by_band["85+"] == pytest.approx(need.beds * 80 / 1720)
    assert sum(need.by_band.values()) == pytest.approx(need.beds)
    assert need.change_from_today == 17 and need.change_from_today_with_pilot == 9
    assert "today's 68 beds" in need.method
    adjusted = bed_need_from_baseline(
        NOW, THEN, WEIGHTS, baseline_beds=68, baseline_occupancy=0.95, target_occupancy=0.85
    )
    assert adjusted.beds == pytest.approx(68 * 1720 / 1390 * 0.95 / 0.85)
    with_pilot = bed_need_from_baseline(NOW, THEN, WEIGHTS, baseline_beds=76)
    assert with_pilot.beds == pytest.approx(76 * 1720 / 1390)
    same = bed_need_from_baseline(NOW, NOW, WEIGHTS, baseline_beds=68)
    assert same.beds == pytest.approx(68) and same.beds_rounded_up == 68


def test_baseline_inputs_refused() -> None:
    with pytest.raises(InputError, match=r"setting 'beds.weights'.*must be given"):
        bed_need_from_baseline(NOW, THEN, None, baseline_beds=68)
    with pytest.raises(InputError, match="at least one"):
        bed_need_from_baseline(NOW, THEN, dict.fromkeys(WEIGHTS, 0), baseline_beds=68)
    with pytest.raises(InputError, match=r"setting 'beds.target_occupancy'.*needs both"):
        bed_need_from_baseline(NOW, THEN, WEIGHTS, baseline_beds=68, baseline_occupancy=0.9)
    with pytest.raises(InputError, match="weighted population now is zero"):
        bed_need_from_baseline(dict.fromkeys(NOW, 0), THEN, WEIGHTS, baseline_beds=68)
    for bad in (0, 68.5, -1):
        with pytest.raises(InputError, match=r"setting 'beds.baseline_beds'.*whole number of beds above zero"):
            bed_need_from_baseline(NOW, THEN, WEIGHTS, baseline_beds=bad)
    with pytest.raises(TypeError):
        bed_need_from_baseline(NOW, THEN, WEIGHTS)  # type: ignore[call-arg]  # no default: never another area's
