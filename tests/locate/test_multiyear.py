"""Several forecast years at once: weighted sum and least worst regret against brute force; reported regret is the
recomputed regret; labels stay honest when a stage is not proven."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

import hubopt.locate.multiyear as multiyear
from hubopt.errors import InputError, ModelError
from hubopt.locate.multiyear import relative_regret, solve_multiyear, year_objectives
from hubopt.locate.options import SiteRules


def instance(seed: int, n: int = 14, m: int = 7, years: int = 3):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 60, (n, m)).round(1)
    cost[rng.random((n, m)) < 0.1] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.uniform(1, 60, n).round(1)
    base = rng.uniform(1, 20, n)
    growth = rng.uniform(0.6, 1.8, (years, n)) ** np.arange(years)[:, None]  # zones grow at different rates
    return cost, base[None, :] * growth


def year_values(cost, wy, subset):
    return wy @ cost[:, list(subset)].min(axis=1)


@pytest.mark.parametrize("seed", range(8))
def test_weighted_sum_matches_brute_force(seed: int) -> None:
    cost, wy = instance(seed)
    p = 1 + seed % 3
    a = np.array([1.0, 2.0, 0.5])
    res = solve_multiyear(cost, wy, p, objective="sum", year_weights=a, years=[2025, 2030, 2035])
    best = min(float(a @ year_values(cost, wy, s)) for s in itertools.combinations(range(cost.shape[1]), p))
    assert res.report.is_optimal
    assert res.objective == pytest.approx(best)
    assert [r["year"] for r in res.parameters["per_year"]] == [2025, 2030, 2035]
    np.testing.assert_allclose(
        [r["chosen"] for r in res.parameters["per_year"]], year_values(cost, wy, res.open_sites)
    )


@pytest.mark.parametrize("seed", range(8))
def test_regret_matches_brute_force(seed: int) -> None:
    cost, wy = instance(100 + seed)
    p = 2 + seed % 2
    m = cost.shape[1]
    sets = list(itertools.combinations(range(m), p))
    values = np.array([year_values(cost, wy, s) for s in sets])
    optima = values.min(axis=0)
    regrets = ((values - optima) / optima).max(axis=1)
    least = regrets.min()
    ties = np.flatnonzero(regrets <= least + 1e-9)
    tie_best = values[ties].sum(axis=1).min()

    res = solve_multiyear(cost, wy, p, objective="regret")
    assert res.report.is_optimal
    assert res.objective == pytest.approx(least, abs=1e-7)
    assert res.parameters["max_regret"] == pytest.approx(least, abs=1e-7)
    per_year = res.parameters["per_year"]
    np.testing.assert_allclose([r["own_optimum"] for r in per_year], optima)
    # the reported regret is exactly the recomputed regret of the chosen set
    chosen_values = year_values(cost, wy, res.open_sites)
    np.testing.assert_allclose([r["chosen"] for r in per_year], chosen_values)
    np.testing.assert_allclose([r["regret"] for r in per_year], (chosen_values - optima) / optima, atol=1e-12)
    # tie-break: least total among the sets with the least worst regret
    assert chosen_values.sum() == pytest.approx(tie_best)
    for r in per_year:  # each year's own sites reach its optimum
        own = [int(s.split()[-1]) for s in r["own_sites"]]
        assert float(year_values(cost, wy[[per_year.index(r)]], own)[0]) == pytest.approx(r["own_optimum"])


def test_one_year_has_no_regret() -> None:
    cost, wy = instance(7, years=1)
    res = solve_multiyear(cost, wy, 2, objective="regret")
    assert res.objective == pytest.approx(0.0, abs=1e-9)


def test_site_rules_and_helpers() -> None:
    cost, wy = instance(8)
    res = solve_multiyear(cost, wy, 3, objective="regret", rules=SiteRules.of(must_open=[0], unavailable=[1]))
    assert 0 in res.open_sites and 1 not in res.open_sites
    assert relative_regret(np.array([11.0, 0.0]), np.array([10.0, 0.0])).tolist() == pytest.approx([0.1, 0.0])
    np.testing.assert_allclose(year_objectives(cost, wy, [0, 2]), year_values(cost, wy, [0, 2]))


def test_errors() -> None:
    cost, wy = instance(9)
    with pytest.raises(InputError, match="unknown multi-year objective"):
        solve_multiyear(cost, wy, 2, objective="minimax")
    with pytest.raises(InputError, match=r"\(years x zones\)"):
        solve_multiyear(cost, wy[0], 2)
    with pytest.raises(InputError, match="year weights"):
        solve_multiyear(cost, wy, 2, year_weights=[1, 1])
    with pytest.raises(ModelError, match="8 hubs were asked for but only 7 sites"):
        solve_multiyear(cost, wy, 8)


def test_unproven_year_optimum_is_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    real = multiyear.solve_p_median

    def stopped_early(*args, **kwargs):
        res = real(*args, **kwargs)
        res.report = dataclasses.replace(res.report, status="feasible", stopped_by="time limit", gap=0.05)
        return res

    monkeypatch.setattr(multiyear, "solve_p_median", stopped_early)
    cost, wy = instance(10)
    for objective in ("sum", "regret"):
        res = solve_multiyear(cost, wy, 2, objective=objective)
        assert res.report.status == "feasible"
        assert not res.report.is_optimal
        assert "time limit" in res.report.stopped_by
