"""MCLP and LSCP: brute-force optima, invariants, clear infeasibility messages, honest time limits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hubopt.errors import ModelError
from hubopt.locate import coverage
from hubopt.locate.coverage import solve_lscp, solve_mclp
from hubopt.locate.options import SiteRules, SolverOptions


def random_instance(seed: int) -> tuple[np.ndarray, np.ndarray, int, float]:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(8, 25)), int(rng.integers(4, 10))
    p = int(rng.integers(1, min(m, 4) + 1))
    if seed % 2:
        cost = rng.uniform(1, 60, (n, m)).round(0)
    else:
        zones, sites = rng.uniform(0, 50, (n, 2)), rng.uniform(0, 50, (m, 2))
        cost = np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1))
    return cost, rng.integers(0, 50, n).astype(float), p, float(rng.uniform(10, 35))


def covered(cost: np.ndarray, w: np.ndarray, subset, t: float) -> float:
    return float(w[(cost[:, list(subset)] <= t).any(axis=1)].sum())


def brute_mclp(cost, w, p, t, must=(), unavailable=()) -> float:
    sites = [j for j in range(cost.shape[1]) if j not in unavailable]
    return max(
        covered(cost, w, s, t) for s in itertools.combinations(sites, p) if set(must) <= set(s)
    )  # fmt: skip


def brute_lscp(cost, t, must=(), unavailable=()) -> int | None:
    sites = [j for j in range(cost.shape[1]) if j not in unavailable]
    for k in range(max(1, len(must)), len(sites) + 1):
        for s in itertools.combinations(sites, k):
            if set(must) <= set(s) and (cost[:, list(s)] <= t).any(axis=1).all():
                return k
    return None


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("seed", range(8))
def test_mclp_matches_brute_force(seed: int, solver: str) -> None:
    cost, w, p, t = random_instance(seed)
    res = solve_mclp(cost, w, p, t, options=SolverOptions(solver=solver))
    assert res.report.is_optimal, res.report.describe()
    assert len(res.open_sites) == p
    best = brute_mclp(cost, w, p, t)
    assert res.objective == pytest.approx(best)
    assert res.parameters["covered_demand"] == pytest.approx(best)
    assert res.parameters["covered_share"] == pytest.approx(best / w.sum())
    assert covered(cost, w, res.open_sites, t) == pytest.approx(best)
    # every zone is assigned to its nearest open site, covered or not
    np.testing.assert_allclose(res.assigned_cost, cost[:, res.open_sites].min(axis=1))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("seed", range(8))
def test_lscp_matches_brute_force(seed: int, solver: str) -> None:
    cost, _w, _p, t = random_instance(100 + seed)
    t = max(t, float(cost.min(axis=1).max()))  # every zone has some site within t
    res = solve_lscp(cost, t, options=SolverOptions(solver=solver))
    assert res.report.is_optimal, res.report.describe()
    assert res.objective == brute_lscp(cost, t)
    assert len(res.open_sites) == res.parameters["n_hubs"] == res.objective
    assert (res.assigned_cost <= t).all()


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_site_rules(solver: str) -> None:
    cost, w, _p, t = random_instance(7)
    must, banned = [0], [1]
    res = solve_mclp(
        cost, w, 3, t, rules=SiteRules.of(must_open=must, unavailable=banned), options=SolverOptions(solver=solver)
    )
    assert 0 in res.open_sites and 1 not in res.open_sites
    assert res.objective == pytest.approx(brute_mclp(cost, w, 3, t, must, banned))
    t2 = float(np.delete(cost, banned, axis=1).min(axis=1).max())
    lscp = solve_lscp(
        cost, t2, rules=SiteRules.of(must_open=must, unavailable=banned), options=SolverOptions(solver=solver)
    )
    assert 0 in lscp.open_sites and 1 not in lscp.open_sites
    assert lscp.objective == brute_lscp(cost, t2, must, banned)


def geographic(seed: int = 4, n: int = 80, m: int = 25) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    zones, sites = rng.uniform(0, 60, (n, 2)), rng.uniform(0, 60, (m, 2))
    return np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1)), rng.uniform(1, 9, n)


def test_coverage_never_falls_as_hubs_grow() -> None:
    cost, w = geographic()
    values = [solve_mclp(cost, w, p, 12.0).objective for p in range(1, 9)]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(values))
    assert values[-1] <= w.sum() + 1e-9


def test_lscp_count_never_falls_as_standard_tightens() -> None:
    cost, _w = geographic()
    lowest = float(cost.min(axis=1).max())
    counts = [solve_lscp(cost, t).objective for t in (60.0, 40.0, 30.0, 25.0, 20.0, lowest + 0.5)]
    assert all(b >= a for a, b in itertools.pairwise(counts))


def test_lscp_names_zones_out_of_reach() -> None:
    cost = np.array([[5.0, 9.0], [40.0, 35.0], [3.0, 2.0], [np.inf, 31.0]])
    with pytest.raises(ModelError, match=r"2 zone\(s\) cannot reach any available site within 30 minutes: Ash, Oak"):
        solve_lscp(cost, 30, zone_ids=["Elm", "Ash", "Yew", "Oak"])
    # an unavailable site can strand a zone too
    with pytest.raises(ModelError, match="within 8 minutes: Elm"):
        solve_lscp(cost[[0, 2]], 8, zone_ids=["Elm", "Yew"], rules=SiteRules.of(unavailable=[0]))


def test_mclp_reports_uncoverable_zones() -> None:
    cost = np.array([[5.0, 9.0], [40.0, 35.0], [3.0, 2.0]])
    res = solve_mclp(cost, np.array([10.0, 5.0, 1.0]), 1, 30, zone_ids=["Elm", "Ash", "Yew"])
    assert res.objective == pytest.approx(11.0)
    assert res.parameters["uncoverable_zones"] == ["Ash"]
    assert res.parameters["uncoverable_demand"] == pytest.approx(5.0)
    assert res.assignment[1] >= 0  # still assigned to its nearest open site


def test_must_open_beyond_n_is_an_error() -> None:
    cost, w = geographic()
    with pytest.raises(ModelError, match="3 sites must stay open but only 2 hubs"):
        solve_mclp(cost, w, 2, 10.0, rules=SiteRules.of(must_open=[0, 1, 2]))
    with pytest.raises(ModelError, match="both must-open and unavailable"):
        solve_lscp(cost, 30.0, rules=SiteRules.of(must_open=[0], unavailable=[0]))


def stopped_by_time_limit(monkeypatch: pytest.MonkeyPatch, with_solution: bool) -> None:
    """Make every MIP of the coverage models end as a solver stopped by its time limit would.

    Injected at ``coverage._solve`` (after either solver), so the test does not bet on the machine being too slow
    to finish: the real solve runs, then its outcome is reported as stopped by the time limit, either with its
    solution and a weaker bound (1 hub fewer for the LSCP, 5 % more demand for the MCLP), or with no solution.
    """
    real = coverage._solve

    def stopped(model, *args, **kwargs):
        _status, _why, is_open, objective, _bound, size = real(model, *args, **kwargs)
        if not with_solution:
            return "no solution", "time limit", None, None, None, size
        bound = objective - 1.0 if model == "lscp" else objective * 1.05
        return "feasible", "time limit", is_open, objective, bound, size

    monkeypatch.setattr(coverage, "_solve", stopped)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("with_solution", [True, False], ids=["with a solution", "before any solution"])
def test_time_limited_solve_is_never_labelled_optimal(
    monkeypatch: pytest.MonkeyPatch, solver: str, with_solution: bool
) -> None:
    rng = np.random.default_rng(2)
    zones, sites = rng.uniform(0, 100, (300, 2)), rng.uniform(0, 100, (60, 2))
    cost = np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1))
    w = rng.uniform(1, 9, 300)
    best_mclp = solve_mclp(
        cost, w, 6, 20.0, options=SolverOptions(solver=solver)
    ).objective  # untimed: proven optimal
    stopped_by_time_limit(monkeypatch, with_solution)
    mclp = solve_mclp(cost, w, 6, 20.0, options=SolverOptions(solver=solver, time_limit=600))
    lscp = solve_lscp(cost, 20.0, options=SolverOptions(solver=solver, time_limit=600))
    for res in (mclp, lscp):
        rep = res.report
        assert rep.status == "feasible" and not rep.is_optimal
        assert rep.stopped_by == "time limit"
        assert "NOT proven optimal: stopped by time limit" in rep.describe()
        if with_solution:  # the solver's bound and the gap to it are carried into the report
            assert rep.bound is not None and rep.gap == pytest.approx(
                abs(rep.objective - rep.bound) / rep.objective, rel=1e-12
            )
            assert rep.gap > 0
        else:  # the greedy start stands, with no bound: the gap is unknown, and says so
            assert rep.bound is None and rep.gap is None and "gap unknown" in rep.describe()
    if with_solution:
        assert mclp.objective == pytest.approx(best_mclp, rel=1e-12)  # the solver's solution kept
        assert mclp.report.bound == pytest.approx(1.05 * best_mclp, rel=1e-12)
        assert lscp.report.bound == lscp.objective - 1
    else:
        assert mclp.objective <= best_mclp * (1 + 1e-12)
    # every answer is still a valid one: N sites for the MCLP, a cover for the LSCP
    assert len(mclp.open_sites) == 6
    assert (cost[:, lscp.open_sites] <= 20.0).any(axis=1).all()
