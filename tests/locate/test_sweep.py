"""How many hubs: one row per N with access measures per person, marginal gains, and infeasible N reported."""

from __future__ import annotations

import numpy as np
import pytest

from hubopt.errors import InputError
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import CapacitySettings, SiteRules, SolverOptions
from hubopt.locate.solution import access_measures
from hubopt.locate.sweep import sweep_hubs


def instance(seed: int = 0, n: int = 30, m: int = 10):
    rng = np.random.default_rng(seed)
    zones, sites = rng.uniform(0, 40, (n, 2)), rng.uniform(0, 40, (m, 2))
    cost = np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1)) * 1.3
    demand = rng.uniform(1, 10, n)
    people = demand * rng.uniform(0.5, 2.0, n)  # population differs from (age-weighted) demand
    return cost, demand, people


def test_p_median_sweep_rows_and_measures() -> None:
    cost, w, people = instance()
    ids = [f"S{j}" for j in range(cost.shape[1])]
    table = sweep_hubs("p-median", cost, w, [3, 1, 2, 5, 3], population=people, site_ids=ids, thresholds=(10, 20))
    assert table["n_hubs"].tolist() == [1, 2, 3, 5]
    prev = None
    for _, row in table.iterrows():
        res = solve_p_median(cost, w, int(row["n_hubs"]))
        assert row["objective"] == pytest.approx(res.objective)
        assert row["status"] == "optimal"
        access = access_measures(cost[:, res.open_sites].min(axis=1), people, (10, 20))
        for key in ("mean_minutes", "p95_minutes", "max_minutes", "within_10_share", "within_20_share"):
            assert row[key] == pytest.approx(access[key])
        assert row["sites"] == ", ".join(ids[j] for j in res.open_sites)
        if prev is None:
            assert np.isnan(row["mean_minutes_drop_per_hub"])
        else:
            step = row["n_hubs"] - prev["n_hubs"]
            assert row["mean_minutes_drop_per_hub"] == pytest.approx(
                (prev["mean_minutes"] - row["mean_minutes"]) / step
            )
            assert row["within_20_gain_per_hub"] == pytest.approx(
                (row["within_20_share"] - prev["within_20_share"]) / step
            )
        prev = row
    assert (np.diff(table["objective"]) <= 1e-9).all()


def test_p_center_sweep_radius_never_rises_and_fixed_costs_total() -> None:
    cost, w, people = instance(1)
    fixed = np.arange(cost.shape[1], dtype=float) * 100
    table = sweep_hubs("p-center", cost, w, range(1, 6), population=people, fixed_cost=fixed)
    assert (np.diff(table["objective"]) <= 1e-9).all()
    assert (table["max_minutes"] <= table["objective"] + 1e-9).all()  # nobody beyond the radius
    for _, row in table.iterrows():
        opened = [int(s.split()[-1]) for s in row["sites"].split(", ")]
        assert row["fixed_cost"] == pytest.approx(fixed[opened].sum())


def test_capacitated_sweep_reports_impossible_numbers_of_hubs() -> None:
    cost, w, people = instance(2, n=20, m=8)
    table = sweep_hubs(
        "capacitated",
        cost,
        w,
        [1, 2, 3, 6],
        settings=CapacitySettings(min_demand=w.sum() / 5, single_assignment=False),
        population=people,
    )
    assert table["status"].tolist()[:3] == ["optimal"] * 3
    last = table.iloc[-1]
    assert last["status"] == "infeasible"
    assert "6 hubs each serving at least" in last["note"]
    assert np.isnan(last["mean_minutes"])
    assert not np.isnan(table.iloc[2]["mean_minutes_drop_per_hub"])


def test_mclp_sweep_coverage_never_falls() -> None:
    pytest.importorskip("hubopt.locate.coverage")
    cost, w, _ = instance(3)
    table = sweep_hubs("mclp", cost, w, [1, 2, 3, 4], max_minutes=15.0, thresholds=(15,))
    assert (np.diff(table["within_15_share"]) >= -1e-9).all()
    assert table["within_15_gain_per_hub"].iloc[1:].ge(-1e-9).all()


def test_any_model_function_and_bad_names() -> None:
    cost, w, _ = instance(4)
    calls = []

    def model(c, weights, n, **kwargs):
        calls.append((n, kwargs))
        return solve_p_median(c, weights, n, **kwargs)

    table = sweep_hubs(model, cost, w, [2, 3], rules=SiteRules.of(must_open=[0]))
    assert [c[0] for c in calls] == [2, 3]
    assert all(c[1] == {"rules": SiteRules.of(must_open=[0]), "options": SolverOptions()} for c in calls)
    assert table["sites"].str.startswith("site 0").all()
    with pytest.raises(InputError, match="unknown model 'k-means'"):
        sweep_hubs("k-means", cost, w, [2])


@pytest.mark.parametrize("given", ["in_settings", "as_sweep_argument"])
def test_capacitated_sweep_totals_the_fixed_costs_of_its_settings(given: str) -> None:
    # The pipeline hands the capacitated model's register costs to the sweep inside its CapacitySettings; the
    # sweep's fixed_cost column totals them over the open sites either way, and the model weighs them in its
    # objective (cost_weight) exactly as when they are given to the sweep itself.
    cost, w, people = instance(3, n=15, m=6)
    fixed = np.array([0.0, 500.0, 10.0, 800.0, 20.0, 300.0])
    if given == "in_settings":
        kw = {"settings": CapacitySettings(fixed_cost=fixed, cost_weight=1.0)}
    else:
        kw = {"fixed_cost": fixed, "settings": CapacitySettings(cost_weight=1.0)}
    table = sweep_hubs("capacitated", cost, w, [1, 2, 3], population=people, **kw)
    for _, row in table.iterrows():
        res = solve_facility_location(
            cost, w, n_hubs=int(row["n_hubs"]), settings=CapacitySettings(fixed_cost=fixed, cost_weight=1.0)
        )
        assert row["objective"] == pytest.approx(res.objective, rel=1e-9)
        assert row["fixed_cost"] == pytest.approx(fixed[res.open_sites].sum(), rel=1e-9)
