"""Solver reporting: status from sol_status, bound and gap, time limits never reported as optimal."""

from __future__ import annotations

import numpy as np
import pulp
import pytest

from hubopt.errors import InputError, ModelError
from hubopt.locate.median import solve_p_median
from hubopt.locate.solution import access_measures, weighted_quantile
from hubopt.locate.solve import solve


def knapsack(sense=pulp.LpMaximize) -> pulp.LpProblem:
    prob = pulp.LpProblem("k", sense)
    x = [prob.add_variable(f"x{i}", 0, 1, pulp.LpBinary) for i in range(4)]
    values, weights = [10, 13, 7, 8], [5, 7, 4, 3]
    prob += pulp.lpSum(v * xi for v, xi in zip(values, x, strict=True))
    prob += pulp.lpSum(w * xi for w, xi in zip(weights, x, strict=True)) <= 10
    return prob


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_optimal_maximisation_reports_bound_and_zero_gap(solver: str) -> None:
    rep = solve(knapsack(), solver=solver)
    assert rep.status == "optimal"
    assert rep.objective == pytest.approx(21.0)  # items 1 and 4 (13 + 8), weight 10
    assert rep.bound == pytest.approx(21.0, abs=1e-6)
    assert rep.gap == pytest.approx(0.0, abs=1e-9)
    assert rep.n_integer_variables == 4


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_infeasible_is_reported(solver: str) -> None:
    prob = knapsack()
    prob += pulp.lpSum(prob.variables()) >= 5
    rep = solve(prob, solver=solver)
    assert rep.status == "infeasible"
    assert not rep.has_solution
    assert "infeasible" in rep.describe()


def hard_instance(n: int = 250, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 100, (n, 2))
    cost = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    return cost, rng.uniform(1, 5, n)


def test_time_limited_highs_is_never_labelled_optimal() -> None:
    cost, w = hard_instance()
    try:
        res = solve_p_median(cost, w, 25, solver="highs", time_limit=0.3)
    except ModelError as exc:  # stopped before any solution: said so, not hidden
        assert "no solution" in str(exc)
        return
    rep = res.report
    assert rep.status == "feasible"
    assert rep.stopped_by == "time limit"
    assert not rep.is_optimal
    assert "NOT proven optimal" in rep.describe()
    assert rep.gap is None or rep.gap > 0


def test_bad_solver_settings() -> None:
    with pytest.raises(InputError, match="unknown solver 'gurobi'"):
        solve(knapsack(), solver="gurobi")
    with pytest.raises(InputError, match="time limit must be a positive"):
        solve(knapsack(), time_limit=0)


def test_weighted_quantile_hand_checked() -> None:
    minutes = np.array([5.0, 10.0, 20.0, 40.0])
    people = np.array([50.0, 30.0, 15.0, 5.0])
    assert weighted_quantile(minutes, people, 0.5) == 5.0
    assert weighted_quantile(minutes, people, 0.8) == 10.0
    assert weighted_quantile(minutes, people, 0.95) == 20.0
    assert weighted_quantile(minutes, people, 0.96) == 40.0


def test_access_measures_hand_checked() -> None:
    minutes = np.array([5.0, 10.0, 20.0, 40.0, np.inf])
    people = np.array([50.0, 30.0, 15.0, 5.0, 100.0])
    a = access_measures(minutes, people, (15, 30))
    assert a["population"] == 200
    assert a["mean_minutes"] == pytest.approx((250 + 300 + 300 + 200) / 100)
    assert a["within_15_share"] == pytest.approx(80 / 200)
    assert a["within_30_share"] == pytest.approx(95 / 200)
    assert a["unreachable_population"] == 100
    assert a["p95_minutes"] == np.inf
