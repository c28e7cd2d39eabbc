"""Tests of the equity table (hubopt.analysis.equity) against a hand calculation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hubopt.analysis.equity import equity_table
from hubopt.errors import InputError


def make_zones() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zone_id": ["a", "b", "c", "d", "e", "f"],
            "imd_decile": [1, 1, 2, 5, np.nan, 10],
            "population": [100.0, 300.0, 100.0, 200.0, 100.0, 200.0],
            "minutes": [10.0, 20.0, 40.0, 5.0, 30.0, np.inf],
        }
    )


def rows(table: pd.DataFrame) -> dict[str, pd.Series]:
    return {r["group_key"]: r for _, r in table.iterrows()}


def test_rows_and_order() -> None:
    table = equity_table(make_zones())
    assert table["group_key"].tolist() == [
        "decile_1",
        "decile_2",
        "decile_5",
        "decile_10",
        "no_data",
        "deprived_fifth",
        "rest",
        "all",
    ]
    assert table["group"].iloc[0] == "Decile 1 (most deprived)"
    assert table["imd_decile"].tolist()[:4] == [1, 2, 5, 10]
    assert table["imd_decile"].isna().tolist()[4:] == [True] * 4


def test_figures_match_a_hand_calculation() -> None:
    r = rows(equity_table(make_zones(), thresholds=(15, 30)))
    d1 = r["decile_1"]
    assert d1["population"] == 400
    assert d1["mean_minutes"] == pytest.approx((100 * 10 + 300 * 20) / 400)  # 17.5
    assert d1["p95_minutes"] == 20
    assert d1["within_15_share"] == pytest.approx(0.25)
    assert d1["within_30_share"] == pytest.approx(1.0)

    fifth = r["deprived_fifth"]
    assert fifth["population"] == 500
    assert fifth["zones"] == 3
    assert fifth["mean_minutes"] == pytest.approx(22.0)
    assert fifth["p95_minutes"] == 40
    assert fifth["within_15_share"] == pytest.approx(0.2)
    assert fifth["within_30_share"] == pytest.approx(0.8)

    rest = r["rest"]  # deciles 5 and 10; the zone of decile 10 reaches no hub
    assert rest["population"] == 400
    assert rest["mean_minutes"] == pytest.approx(5.0)
    assert math.isinf(rest["p95_minutes"])
    assert rest["within_15_share"] == pytest.approx(0.5)
    assert rest["unreachable_population"] == 200

    everyone = r["all"]
    assert everyone["population"] == 1000
    assert everyone["mean_minutes"] == pytest.approx(15000 / 800)
    assert everyone["within_15_share"] == pytest.approx(0.3)
    assert everyone["within_30_share"] == pytest.approx(0.7)
    assert everyone["population_share"] == pytest.approx(1.0)


def test_zones_without_a_decile_are_their_own_row_not_dropped() -> None:
    r = rows(equity_table(make_zones()))
    assert r["no_data"]["population"] == 100
    assert r["no_data"]["mean_minutes"] == pytest.approx(30.0)
    assert r["no_data"]["population_share"] == pytest.approx(0.1)
    # in "All" but in neither fifth
    assert r["deprived_fifth"]["population"] + r["rest"]["population"] + 100 == r["all"]["population"]


def test_thresholds_name_the_columns_and_nan_minutes_are_unreachable() -> None:
    zones = make_zones()
    zones.loc[0, "minutes"] = np.nan
    table = equity_table(zones, thresholds=(10, 45.5))
    assert {"within_10_share", "within_45.5_share"} <= set(table.columns)
    assert rows(table)["decile_1"]["unreachable_population"] == 100


def test_input_is_not_mutated_and_bad_input_is_refused() -> None:
    zones = make_zones()
    before = zones.copy()
    equity_table(zones)
    pd.testing.assert_frame_equal(zones, before)
    with pytest.raises(InputError, match="imd_decile"):
        equity_table(zones.drop(columns="imd_decile"))
    bad = zones.copy()
    bad.loc[0, "imd_decile"] = 11
    with pytest.raises(InputError, match="1 to 10"):
        equity_table(bad)
    bad = zones.copy()
    bad.loc[0, "population"] = -1
    with pytest.raises(InputError, match="population"):
        equity_table(bad)
