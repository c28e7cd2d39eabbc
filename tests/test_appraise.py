"""Tests of the options appraisal (hubopt.analysis.appraise) on a small hand-made case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hubopt.analysis.appraise import (
    OPTIMISED,
    CriterionSpec,
    OptionSpec,
    appraise,
    default_criteria,
    evaluate_option,
    measure_names,
)
from hubopt.errors import InputError

SITE_IDS = ["A", "B", "C", "D"]
# zones x sites (A, B, C, D)
MINUTES = np.array(
    [
        [5.0, 20.0, 30.0, 15.0],
        [20.0, 5.0, 20.0, 10.0],
        [30.0, 28.0, 5.0, 15.0],
    ]
)
POPULATION = np.array([100.0, 100.0, 100.0])
DEMAND = np.array([150.0, 100.0, 50.0])
DECILE = np.array([1, 5, np.nan])
SITES = pd.DataFrame(
    {
        "site_id": SITE_IDS,
        "name": ["Site A", "Site B", "Site C", "Site D"],
        "type": ["new_build", "gp_practice", "community_site", "community_hospital"],
        "status": ["candidate", "existing", "candidate", "committed"],
        "fixed_cost": [10.0, 5.0, 8.0, 6.0],
    }
)
OPTIMUM = ["A", "C"]
OPTIONS = [
    OptionSpec("Existing estate", ["B", "D"], "Use what we have"),
    OptionSpec("Mixed", ["A", "B"], "One new, one existing"),
]


def run(criteria, options=OPTIONS, **kw) -> pd.DataFrame:
    args = dict(
        minutes=MINUTES,
        site_ids_all=SITE_IDS,
        population=POPULATION,
        demand=DEMAND,
        imd_decile=DECILE,
        sites=SITES,
        thresholds=(10, 20),
    )
    args.update(kw)
    return appraise(options, OPTIMUM, criteria, **args)


def access_and_estate(access: float, estate: float) -> list[CriterionSpec]:
    return [
        CriterionSpec("Access", access, "lower", "mean_minutes"),
        CriterionSpec("Existing estate", estate, "higher", "existing_estate_share"),
    ]


def test_evaluate_option_measures_by_hand() -> None:
    m = evaluate_option(
        ["B", "D"], MINUTES, SITE_IDS, POPULATION, DEMAND, DECILE, SITES, (10, 20), min_population=150
    )
    # zone 0 -> D 15, zone 1 -> B 5, zone 2 -> D 15
    assert m["n_hubs"] == 2
    assert m["mean_minutes"] == pytest.approx(35 / 3)
    assert m["demand_mean_minutes"] == pytest.approx((150 * 15 + 100 * 5 + 50 * 15) / 300)
    assert m["p95_minutes"] == 15
    assert m["within_10_share"] == pytest.approx(1 / 3)
    assert m["within_20_share"] == pytest.approx(1.0)
    assert m["deprived_mean_minutes"] == pytest.approx(15.0)  # zone 0 only (decile 1)
    assert m["rest_mean_minutes"] == pytest.approx(5.0)  # zone 1 (decile 5); zone 2 has no decile
    assert m["equity_gap_minutes"] == pytest.approx(10.0)
    assert m["max_hub_population"] == 200 and m["min_hub_population"] == 100
    assert m["hubs_in_size_range_share"] == pytest.approx(0.5)
    assert m["fixed_cost"] == 11
    assert math.isnan(m["capital_cost"]) and math.isnan(m["total_cost"])
    assert m["existing_estate_share"] == 1.0
    assert set(m) == set(measure_names((10, 20)))


def test_optimum_ranks_first_when_weights_favour_access() -> None:
    table = run(access_and_estate(0.9, 0.1))
    assert table["option"].tolist() == [OPTIMISED, "Existing estate", "Mixed"]
    assert table["rank"].tolist() == [1, 2, 3]
    r = table.set_index("option")
    assert r.loc[OPTIMISED, "mean_minutes"] == pytest.approx(10.0)
    assert r.loc[OPTIMISED, "score"] == pytest.approx(0.9)
    assert r.loc["Existing estate", "score"] == pytest.approx(0.9 * 0.375 + 0.1)
    assert r.loc["Mixed", "score"] == pytest.approx(0.05)
    assert r.loc["Existing estate", "score_Access"] == pytest.approx(0.9 * 0.375)
    # gap to the optimum's objective (demand-weighted mean minutes)
    opt = (150 * 5 + 100 * 20 + 50 * 5) / 300
    existing = (150 * 15 + 100 * 5 + 50 * 15) / 300
    assert r.loc[OPTIMISED, "gap_to_optimum_pct"] == 0
    assert r.loc["Existing estate", "gap_to_optimum_pct"] == pytest.approx((existing - opt) / opt * 100)
    assert r.loc[OPTIMISED, "description"] and r.loc[OPTIMISED, "sites"] == "A, C"
    assert r.loc["Existing estate", "site_names"] == "Site B (B); Site D (D)"  # named, the code second
    assert table.attrs["notes"] and "capital_cost" in " ".join(table.attrs["notes"])


def test_weights_change_the_order() -> None:
    table = run(access_and_estate(0.1, 0.9))
    assert table["option"].tolist() == ["Existing estate", "Mixed", OPTIMISED]


def test_weights_are_normalised_and_the_notes_say_so() -> None:
    a = run(access_and_estate(9, 1))
    b = run(access_and_estate(0.9, 0.1))
    pd.testing.assert_series_equal(a["score"], b["score"])
    assert any("normalised" in n for n in a.attrs["notes"])
    assert not any("normalised" in n for n in b.attrs["notes"])
    assert [c["weight"] for c in a.attrs["criteria"]] == pytest.approx([0.9, 0.1])


def test_default_criteria_run() -> None:
    table = run(default_criteria((10, 20)))
    assert len(table) == 3 and table["score"].between(0, 1).all()


def test_unknown_sites_are_listed_with_their_option() -> None:
    options = [OptionSpec("Good", ["A"]), OptionSpec("Bad one", ["A", "X9", "Y7"])]
    with pytest.raises(InputError, match=r"option 'Bad one' names unknown site\(s\): X9, Y7") as err:
        run(access_and_estate(1, 1), options=options)
    assert "Good" not in err.value.problem


def test_bad_weights() -> None:
    with pytest.raises(InputError, match="negative or not a number: Access"):
        run(access_and_estate(-1, 2))
    with pytest.raises(InputError, match="sum to zero"):
        run(access_and_estate(0, 0))
    with pytest.raises(InputError, match="not a number"):
        run([CriterionSpec("Access", float("nan"), "lower", "mean_minutes")])


def test_unknown_measure_lists_the_allowed_ones() -> None:
    with pytest.raises(InputError, match="unknown measure") as err:
        run([CriterionSpec("Speed", 1, "lower", "speed")])
    assert "mean_minutes" in err.value.hint and "within_10_share" in err.value.hint


def test_bad_direction_and_duplicate_names() -> None:
    with pytest.raises(InputError, match="'higher' or 'lower'"):
        run([CriterionSpec("Access", 1, "smaller", "mean_minutes")])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="duplicate option name"):
        run(access_and_estate(1, 1), options=[OptionSpec("X", ["A"]), OptionSpec("X", ["B"])])
    with pytest.raises(InputError, match="kept for the optimiser"):
        run(access_and_estate(1, 1), options=[OptionSpec("Optimised", ["A"])])
    with pytest.raises(InputError, match="names no sites"):
        run(access_and_estate(1, 1), options=[OptionSpec("Empty", [])])
    with pytest.raises(InputError, match="duplicate criterion"):
        run([CriterionSpec("A", 1, "lower", "mean_minutes"), CriterionSpec("A", 1, "lower", "p95_minutes")])


def test_cost_criterion_without_costs_is_refused() -> None:
    with pytest.raises(InputError, match="capital_cost") as err:
        run([CriterionSpec("Capital", 1, "lower", "capital_cost")])
    assert "site register" in err.value.hint
    table = run([CriterionSpec("Running cost", 1, "lower", "fixed_cost")])
    assert table.set_index("option").loc["Existing estate", "fixed_cost"] == 11
    assert table["option"].iloc[0] == "Existing estate"
