"""What a solve reports when it stops short (issue 12): the best bound any stage proved, the real reason it
stopped, a time limit counted once, and inputs too large to compute with refused before any loop starts.

Nothing here depends on machine speed. A time-limited p-median is given a time limit of 1e-9 s: the deadline has
passed before any stage checks it, so every run stops at the same point (after the first Lagrangian iteration,
which always runs, and before the LP). Loops that could run forever on NaN are run under a counter that fails the
test after a fixed number of heap operations, never under a wall-clock assertion.
"""

from __future__ import annotations

import heapq
import itertools
import math

import highspy
import numpy as np
import pulp
import pytest
from scipy import sparse

from hubopt.errors import InputError
from hubopt.locate import lagrangian, median, median_heuristics
from hubopt.locate._highs import HighsModel, verdict
from hubopt.locate.beds import place_beds
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.center import solve_p_center
from hubopt.locate.coverage import solve_mclp
from hubopt.locate.median import solve_p_median
from hubopt.locate.median_heuristics import greedy
from hubopt.locate.multiyear import solve_multiyear
from hubopt.locate.options import CapacitySettings, SolverOptions
from hubopt.locate.pairs import candidate_pairs
from hubopt.locate.solve import _status_from_sol_status, cbc_stop_reason, cbc_verdict


def _instance(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    zones = rng.uniform(0, 40, size=(n, 2))
    sites = rng.uniform(0, 40, size=(m, 2))
    cost = np.hypot(*(zones[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    return cost, rng.integers(1, 50, size=n).astype(float)


# ---------------------------------------------------------------------------------------------------------------
# A time-limited p-median reports the bound it holds
# ---------------------------------------------------------------------------------------------------------------


def test_time_limited_p_median_reports_the_lagrangian_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # Screening (the Lagrangian bound stage) runs for any first LP above SCREEN_PAIRS pairs: 0 makes this small
    # instance take that path. Its optimum is found by brute force.
    monkeypatch.setattr(median, "SCREEN_PAIRS", 0)
    cost, w = _instance(60, 12, seed=4)
    optimum = min(float(w @ cost[:, list(s)].min(axis=1)) for s in itertools.combinations(range(12), 3))
    res = solve_p_median(cost, w, 3, options=SolverOptions(time_limit=1e-9))
    rep = res.report
    assert rep.status == "feasible" and rep.stopped_by == "time limit"
    assert "lagrangian_bound" in res.parameters and "lp_bound" not in res.parameters  # stopped before the LP
    assert rep.bound is not None, "the Lagrangian bound was proved but not reported"
    assert rep.bound == pytest.approx(min(float(res.parameters["lagrangian_bound"]), res.objective), rel=1e-12)
    assert rep.bound <= optimum * (1 + 1e-9)  # a true lower bound
    assert rep.gap is not None and math.isfinite(rep.gap)
    assert "gap unknown" not in rep.describe() and "%" in rep.describe()


def test_p_median_without_any_bound_says_gap_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    # Below SCREEN_PAIRS there is no Lagrangian stage: stopped before the LP, nothing is proven.
    monkeypatch.setattr(median, "SCREEN_PAIRS", 10**12)
    cost, w = _instance(30, 8, seed=2)
    rep = solve_p_median(cost, w, 2, options=SolverOptions(time_limit=1e-9)).report
    assert rep.status == "feasible" and rep.bound is None and rep.gap is None
    assert "gap unknown" in rep.describe()


def test_lagrangian_ascent_stops_at_a_passed_deadline_with_a_valid_bound() -> None:
    cost, w = _instance(40, 10, seed=6)
    pairs = candidate_pairs(cost, np.ones(10, dtype=bool))
    none = np.zeros(10, dtype=bool)
    optimum = min(float(w @ cost[:, list(s)].min(axis=1)) for s in itertools.combinations(range(10), 2))
    u0 = w * cost.min(axis=1)
    bound, _u = lagrangian.lagrangian_bound(pairs, w, u0, 2, none, ~none, math.inf, deadline=-math.inf)
    full, _u = lagrangian.lagrangian_bound(pairs, w, u0, 2, none, ~none, math.inf)
    assert math.isfinite(bound) and bound <= full + 1e-9 and full <= optimum * (1 + 1e-9)


# ---------------------------------------------------------------------------------------------------------------
# HiGHS: statuses in words, and the time limit counted once
# ---------------------------------------------------------------------------------------------------------------

ALL_STATUSES = sorted(name for name in dir(highspy.HighsModelStatus) if name.startswith("k"))


@pytest.mark.parametrize("name", ALL_STATUSES)
@pytest.mark.parametrize("has_solution", [True, False])
def test_every_highs_status_maps_to_honest_words(name: str, has_solution: bool) -> None:
    status, stopped_by = verdict(name, has_solution)
    if name == "kOptimal" and has_solution:
        assert (status, stopped_by) == ("optimal", None)
    elif name == "kInfeasible" or name == "kUnboundedOrInfeasible":
        assert (status, stopped_by) == ("infeasible", None)
    elif name == "kUnbounded":
        assert (status, stopped_by) == ("unbounded", None)
    else:
        assert status == ("feasible" if has_solution and name != "kOptimal" else "no solution")
        assert stopped_by  # always a reason, never a guess
        if name != "kTimeLimit":
            assert "time" not in stopped_by  # only the time limit is called the time limit


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("kTimeLimit", "time limit"),
        ("kIterationLimit", "iteration limit"),
        ("kSolutionLimit", "solution limit"),
        ("kInterrupt", "interruption"),
        ("kMemoryLimit", "memory limit"),
        ("kUnknown", "HiGHS with status unknown"),
        ("kSolveError", "HiGHS: error while solving"),
        ("kSomethingNew", "HiGHS with status kSomethingNew"),
    ],
)
def test_highs_stop_reasons(name: str, words: str) -> None:
    assert words in verdict(name, True)[1]
    assert words in verdict(name, False)[1]


def _tiny_lp() -> HighsModel:
    a = sparse.csc_matrix(np.array([[1.0, 1.0]]))
    return HighsModel(np.array([1.0, 2.0]), a, np.zeros(2), np.full(2, np.inf), np.ones(1), np.full(1, np.inf))


def test_highs_time_limit_counts_from_each_run_not_from_the_first() -> None:
    # HiGHS compares time_limit with its run clock, which adds up over the runs of one instance: a re-solve given
    # "2 s left" must be allowed the time already spent plus 2 s.
    model = _tiny_lp()
    model.run()
    spent = model.highs.getRunTime()  # the run clock stands still between runs
    assert spent > 0
    out = model.run(time_limit=2.0)
    assert out.status == "optimal"
    _ok, limit = model.highs.getOptionValue("time_limit")
    assert limit == pytest.approx(spent + 2.0, rel=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# CBC (through PuLP): sol_status, not status, and CBC's own result line
# ---------------------------------------------------------------------------------------------------------------


class _Problem:
    def __init__(self, sol_status: int, status: int) -> None:
        self.sol_status, self.status = sol_status, status


@pytest.mark.parametrize(
    ("sol_status", "status", "expected"),
    [
        (pulp.LpSolutionOptimal, pulp.LpStatusOptimal, "optimal"),
        # PuLP says "Optimal" for a time-limited CBC run: sol_status tells the truth
        (pulp.LpSolutionIntegerFeasible, pulp.LpStatusOptimal, "feasible"),
        (pulp.LpSolutionInfeasible, pulp.LpStatusInfeasible, "infeasible"),
        (pulp.LpSolutionUnbounded, pulp.LpStatusUnbounded, "unbounded"),
        (pulp.LpSolutionNoSolutionFound, pulp.LpStatusNotSolved, "no solution"),
        (pulp.LpSolutionNoSolutionFound, pulp.LpStatusOptimal, "no solution"),
        (pulp.LpSolutionNoSolutionFound, pulp.LpStatusInfeasible, "infeasible"),
        (pulp.LpSolutionNoSolutionFound, pulp.LpStatusUndefined, "no solution"),
    ],
)
def test_cbc_status_comes_from_sol_status(sol_status: int, status: int, expected: str) -> None:
    assert _status_from_sol_status(_Problem(sol_status, status)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("result_line", "reason"),
    [
        ("Stopped on time limit", "time limit"),
        ("Stopped on iterations or time", "iteration or time limit"),
        ("Stopped on gap", "gap limit"),
        ("Stopped on node limit", "node limit"),
        ("Stopped on solutions limit", "solution limit"),
        ("Stopped on ctrl-c", "an interruption"),
        ("Stopped on difficulties", "CBC's numerical difficulties"),
        ("Something new", "CBC (Something new)"),
        ("", "CBC, which gave no reason (its log has no result line)"),
    ],
)
def test_cbc_stop_reasons(result_line: str, reason: str) -> None:
    assert cbc_stop_reason(result_line) == reason
    assert cbc_verdict("feasible", result_line) == ("feasible", reason)
    assert cbc_verdict("no solution", result_line) == ("no solution", reason)


def test_cbc_optimal_that_says_stopped_is_not_optimal() -> None:
    assert cbc_verdict("optimal", "Stopped on time limit") == ("feasible", "time limit")
    assert cbc_verdict("optimal", "Optimal solution found") == ("optimal", None)
    assert cbc_verdict("infeasible", "Problem proven infeasible") == ("infeasible", None)


# ---------------------------------------------------------------------------------------------------------------
# Numbers too large to compute with: refused at input; every loop ends
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("huge", [1e300, 1e200, 1e16])
def test_huge_demand_is_refused_by_every_model(huge: float) -> None:
    cost, w = _instance(10, 4, seed=3)
    w[2] = huge
    for call in (
        lambda: solve_p_median(cost, w, 2),
        lambda: solve_mclp(cost, w, 2, 10.0),
    ):
        with pytest.raises(InputError, match="too large to compute with"):
            call()


def test_huge_travel_times_are_refused_and_inf_means_unreachable() -> None:
    cost, w = _instance(10, 4, seed=3)
    cost[0, 1] = 1e300
    with pytest.raises(InputError, match="longest travel time"):
        solve_p_median(cost, w, 2)
    cost[0, 1] = np.inf  # unreachable: allowed
    assert solve_p_median(cost, w, 2).report.status == "optimal"


def test_greedy_ends_on_infinite_gains(monkeypatch: pytest.MonkeyPatch) -> None:
    # Called directly (below the input checks), weights of 1e306 make gains overflow to inf; before the fix the
    # gain test compared inf - inf = NaN and pushed the same site back for ever. Fail after a fixed number of pops.
    cost, w = _instance(30, 8, seed=5)
    w[:] = 1e306
    pairs = candidate_pairs(cost, np.ones(8, dtype=bool))
    pops = 0
    real_pop = heapq.heappop

    def counted_pop(heap: list) -> object:
        nonlocal pops
        pops += 1
        if pops > 10_000:
            raise AssertionError("the greedy loop does not end")
        return real_pop(heap)

    monkeypatch.setattr(median_heuristics.heapq, "heappop", counted_pop)
    none = np.zeros(8, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        is_open = greedy(pairs, w, 3, none, ~none)
    assert int(is_open.sum()) == 3


def test_lagrangian_ascent_ends_on_overflowing_values() -> None:
    cost, w = _instance(20, 6, seed=7)
    pairs = candidate_pairs(cost, np.ones(6, dtype=bool))
    none = np.zeros(6, dtype=bool)
    w = np.full(20, 1e306)
    with np.errstate(over="ignore", invalid="ignore"):
        bound, _u = lagrangian.lagrangian_bound(pairs, w, w * cost.min(axis=1), 2, none, ~none, math.inf)
    assert not math.isnan(bound)  # a NaN value never becomes the bound; a non-finite value ends the ascent


def test_huge_costs_and_demand_are_refused_by_the_other_models() -> None:
    cost, w = _instance(8, 4, seed=3)
    huge = w.copy()
    huge[0] = 1e300
    with pytest.raises(InputError, match="too large to compute with"):
        solve_p_center(cost, huge, 2)
    with pytest.raises(InputError, match="too large to compute with"):
        solve_multiyear(cost, np.vstack([w, huge]), 2)
    with pytest.raises(InputError, match=r"(?s)parameter 'fixed_cost'.*too large to compute with"):
        solve_facility_location(
            cost, w, n_hubs=2, settings=CapacitySettings(fixed_cost=[1.0, 2.0, 1e300, 1.0], cost_weight=1.0)
        )
    with pytest.raises(InputError, match=r"(?s)parameter 'budget'.*too large to compute with"):
        solve_facility_location(
            cost, w, n_hubs=2, settings=CapacitySettings(capital_cost=[1.0, 2.0, 3.0, 1.0], budget=math.inf)
        )
    with pytest.raises(InputError, match=r"(?s)parameter 'cost_per_bed'.*too large to compute with"):
        place_beds(cost, w / 10, 10, min_unit=5, max_beds=[10, 10, 10, 10], cost_per_bed=1e300)
    with pytest.raises(InputError, match=r"(?s)parameter 'travel_weight'.*too large to compute with"):
        place_beds(cost, w / 10, 10, min_unit=5, max_beds=[10, 10, 10, 10], travel_weight=1e300)
