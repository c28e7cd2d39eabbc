"""Solver reporting: status from sol_status, bound and gap, time limits never reported as optimal."""

from __future__ import annotations

from typing import Any

import numpy as np
import pulp
import pytest

from hubopt.errors import InputError
from hubopt.locate import lagrangian_tree, median_lp
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import SolverOptions
from hubopt.locate.solution import access_measures, weighted_quantile
from hubopt.locate.solve import SolveReport, checked_report, relative_gap, solve


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


def gap_instance() -> tuple[np.ndarray, np.ndarray, int]:
    """60 points, 5 hubs: the LP bound (2707.12) is below the optimum (2708.51), so proving it needs branching."""
    rng = np.random.default_rng(11)
    pts = rng.uniform(0, 100, (60, 2))
    cost = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    return cost, rng.uniform(1, 5, 60), 5


def assert_labelled_time_limited(rep: SolveReport) -> None:
    assert rep.status == "feasible" and not rep.is_optimal and rep.has_solution
    assert rep.stopped_by == "time limit"
    assert "NOT proven optimal: stopped by time limit" in rep.describe()


# The time limit is made to run out at a chosen moment by a stand-in clock (the ``clock`` fixture of conftest.py),
# never by hoping that the machine is too slow to finish: a fast machine once proved the optimum inside the limit.
@pytest.mark.parametrize(
    ("tree", "runs_out"),
    [(True, "after the LP bound"), (True, "when the tree search starts"), (False, "after the LP bound")],
    ids=["tree search, after the LP bound", "tree search, when it starts", "MIP stages, after the LP bound"],
)
def test_time_limited_p_median_is_labelled_feasible_with_its_bound_and_gap(
    clock: Any, monkeypatch: pytest.MonkeyPatch, tree: bool, runs_out: str
) -> None:
    cost, w, p = gap_instance()
    reference = solve_p_median(cost, w, p, tree=tree)  # no time limit: proven optimal
    assert reference.report.is_optimal
    optimum = reference.objective
    assert reference.parameters["lp_bound"] < optimum * (1 - 1e-4)  # the LP bound alone cannot prove it
    stage, name = (median_lp, "lp_bound") if runs_out == "after the LP bound" else (lagrangian_tree, "search")
    real = getattr(stage, name)

    def then_out_of_time(*args, **kwargs):
        if name == "search":
            clock.run_out()
            return real(*args, **kwargs)
        out = real(*args, **kwargs)
        clock.run_out()
        return out

    monkeypatch.setattr(stage, name, then_out_of_time)
    res = solve_p_median(cost, w, p, tree=tree, options=SolverOptions(solver="highs", time_limit=600))
    rep = res.report
    assert_labelled_time_limited(rep)
    # its bound is the LP bound (the search was cut before raising it): valid, below the optimum
    lp_bound = res.parameters["lp_bound"]
    assert rep.bound == pytest.approx(lp_bound, rel=1e-12)  # the same number handed on (1e-12: no arithmetic)
    assert rep.bound <= optimum * (1 + 1e-9)  # 1e-9: HiGHS's LP tolerances, far below the 5e-4 gap
    # the answer is a valid solution scored exactly, no better than the optimum; its gap is to that bound
    assert len(res.open_sites) == p
    assert res.objective == pytest.approx(float(np.dot(w, cost[:, res.open_sites].min(axis=1))), rel=1e-12)
    assert rep.objective >= optimum * (1 - 1e-12)
    assert rep.gap is not None and rep.gap > 0
    assert rep.gap == pytest.approx((rep.objective - rep.bound) / rep.objective, rel=1e-12)
    assert f"gap {rep.gap:.2%} to the best bound" in rep.describe()
    if tree:
        assert res.parameters["tree"]["finished"] is False


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_run_out_before_any_bound_says_the_gap_is_unknown(clock: Any, solver: str) -> None:
    cost, w, p = gap_instance()
    clock.run_out()  # as if the time limit passed while the first heuristic solution was being built
    res = solve_p_median(cost, w, p, options=SolverOptions(solver=solver, time_limit=600))
    rep = res.report
    assert_labelled_time_limited(rep)
    assert rep.bound is None and rep.gap is None
    assert "gap unknown" in rep.describe()
    assert len(res.open_sites) == p
    assert res.objective == pytest.approx(float(np.dot(w, cost[:, res.open_sites].min(axis=1))), rel=1e-12)


# The labelling rule itself: whatever a solver says, a result is "optimal" only with a bound that proves it.
def label(status: str, stopped_by: str | None, objective: float | None, bound: float | None, mip_gap: float = 0.0):
    return checked_report(
        solver="highs",
        status=status,
        stopped_by=stopped_by,
        objective=objective,
        bound=bound,
        size=(10, 4, 6),
        seconds=1.0,
        time_limit=5.0,
        mip_gap=mip_gap,
    )


@pytest.mark.parametrize(
    ("status", "stopped_by", "objective", "bound", "mip_gap", "expected", "why", "gap"),
    [
        ("optimal", None, 100.0, 100.0, 0.0, "optimal", None, 0.0),
        ("optimal", None, 100.0, 99.99999999, 0.0, "optimal", None, 1e-10),  # within the 1e-6 floor
        ("optimal", None, 100.0, 95.0, 0.1, "optimal", None, 0.05),  # within the gap asked for
        ("optimal", None, 100.0, 90.0, 0.0, "feasible", "gap not closed", 0.1),  # the solver's own bound disagrees
        ("optimal", None, 90.0, 100.0, 0.0, "feasible", "gap not closed", 1 / 9),  # ... when maximising
        ("optimal", None, 100.0, None, 0.0, "feasible", "no bound", None),  # nothing proves it
        ("feasible", "time limit", 100.0, 90.0, 0.0, "feasible", "time limit", 0.1),
        ("feasible", "time limit", 90.0, 100.0, 0.0, "feasible", "time limit", 1 / 9),  # maximising
        ("feasible", "time limit", 100.0, 100.0, 0.0, "feasible", "time limit", 0.0),  # never promoted to optimal
        ("feasible", "time limit", 100.0, 90.0, 0.2, "feasible", "time limit", 0.1),  # ... even within the gap
        ("feasible", "time limit", 100.0, None, 0.0, "feasible", "time limit", None),
        ("feasible", "iteration limit", 100.0, 90.0, 0.0, "feasible", "iteration limit", 0.1),
        ("feasible", "unknown reason", 100.0, 90.0, 0.0, "feasible", "unknown reason", 0.1),
        ("infeasible", None, None, None, 0.0, "infeasible", None, None),
        ("unbounded", None, None, None, 0.0, "unbounded", None, None),
        ("no solution", "time limit", None, None, 0.0, "no solution", "time limit", None),
    ],
)
def test_labelling_rule(
    status: str,
    stopped_by: str | None,
    objective: float | None,
    bound: float | None,
    mip_gap: float,
    expected: str,
    why: str | None,
    gap: float | None,
) -> None:
    rep = label(status, stopped_by, objective, bound, mip_gap)
    assert rep.status == expected and rep.stopped_by == why
    assert rep.objective == objective and rep.bound == bound  # handed on unchanged
    if gap is None:
        assert rep.gap is None
    else:
        assert rep.gap == pytest.approx(gap, rel=1e-9, abs=1e-15)  # |objective - bound| / |objective|
    assert rep.is_optimal == (expected == "optimal")
    assert rep.has_solution == (expected in ("optimal", "feasible"))
    text = rep.describe()
    if expected == "optimal":
        assert text.startswith("HiGHS: proven optimal")
    elif expected == "feasible":
        assert f"NOT proven optimal: stopped by {why}" in text
        assert ("gap unknown" in text) == (gap is None)
        if gap is not None:
            assert f"gap {gap:.2%} to the best bound" in text
    else:
        assert text.startswith(f"HiGHS: {expected};")


def test_relative_gap_needs_both_numbers_finite() -> None:
    assert relative_gap(100.0, 90.0) == pytest.approx(0.1, rel=1e-12)
    assert relative_gap(0.0, 0.0) == 0.0  # |0 - 0| / 1e-9: exactly zero
    for objective, bound in ((None, 1.0), (1.0, None), (1.0, float("-inf")), (float("nan"), 1.0)):
        assert relative_gap(objective, bound) is None


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
