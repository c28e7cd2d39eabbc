"""The fast exact p-median: brute-force optima, OR-Library optima, cutoffs, honest time limits."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from orlib import read_orlib_optima, read_orlib_pmed

from hubopt.errors import ModelError
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import SiteRules, SolverOptions
from hubopt.locate.pairs import candidate_pairs


def brute_force(cost: np.ndarray, w: np.ndarray, p: int, must=(), unavailable=(), cutoff: float = np.inf) -> float:
    c = np.where(cost <= cutoff, cost, np.inf)
    best = np.inf
    sites = [j for j in range(c.shape[1]) if j not in unavailable]
    for subset in itertools.combinations(sites, p):
        if not set(must) <= set(subset):
            continue
        near = c[:, list(subset)].min(axis=1)
        if np.isfinite(near).all():
            best = min(best, float(np.dot(w, near)))
    return best


def random_instance(seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(8, 30)), int(rng.integers(4, 10))
    p = int(rng.integers(1, min(m, 5) + 1))
    if seed % 2:
        cost = rng.uniform(1, 60, (n, m)).round(0)  # many ties
    else:
        zones, sites = rng.uniform(0, 50, (n, 2)), rng.uniform(0, 50, (m, 2))
        cost = np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1))
    w = rng.integers(0, 60, n).astype(float)
    return cost, w, p


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force(seed: int, solver: str) -> None:
    cost, w, p = random_instance(seed)
    res = solve_p_median(cost, w, p, options=SolverOptions(solver=solver))
    assert res.report.is_optimal, res.report.describe()
    assert len(res.open_sites) == p
    assert res.objective == pytest.approx(brute_force(cost, w, p), rel=1e-9, abs=1e-9)
    assert res.report.objective == pytest.approx(res.objective, rel=1e-9, abs=1e-9)
    assert res.report.gap is not None and res.report.gap <= 1e-6
    np.testing.assert_allclose(res.assigned_cost, cost[:, res.open_sites].min(axis=1))


@pytest.mark.parametrize("seed", range(6))
def test_reduced_and_full_models_agree(seed: int) -> None:
    cost, w, p = random_instance(50 + seed)
    fast = solve_p_median(cost, w, p, reduce=True)
    full = solve_p_median(cost, w, p, reduce=False)
    cbc = solve_p_median(cost, w, p, reduce=False, options=SolverOptions(solver="cbc"))
    assert fast.objective == pytest.approx(full.objective, rel=1e-9, abs=1e-9)
    assert cbc.objective == pytest.approx(full.objective, rel=1e-9, abs=1e-9)
    assert fast.report.is_optimal and full.report.is_optimal and cbc.report.is_optimal


@pytest.mark.parametrize("seed", range(3))
def test_site_rules_with_brute_force(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    cost = rng.uniform(1, 60, (18, 9))
    w = rng.uniform(1, 10, 18)
    must, banned = [int(rng.integers(0, 4))], [int(rng.integers(4, 9))]
    for solver in ("highs", "cbc"):
        res = solve_p_median(
            cost, w, 3, rules=SiteRules.of(must_open=must, unavailable=banned), options=SolverOptions(solver=solver)
        )
        assert set(must) <= set(res.open_sites.tolist())
        assert not set(banned) & set(res.open_sites.tolist())
        assert res.objective == pytest.approx(brute_force(cost, w, 3, must, banned), rel=1e-9)


def test_objective_never_rises_with_more_hubs() -> None:
    rng = np.random.default_rng(11)
    pts = rng.uniform(0, 100, (60, 2))
    cost = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    w = rng.uniform(1, 10, 60)
    values = [solve_p_median(cost, w, p).objective for p in range(1, 12)]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_cutoff_matches_brute_force(solver: str) -> None:
    rng = np.random.default_rng(5)
    pts = rng.uniform(0, 40, (20, 2))
    sites = rng.uniform(0, 40, (8, 2))
    cost = np.sqrt(((pts[:, None, :] - sites[None, :, :]) ** 2).sum(-1))
    w = rng.integers(1, 20, 20).astype(float)
    cutoff = 22.0
    for p in (3, 4, 5):
        expected = brute_force(cost, w, p, cutoff=cutoff)
        if not np.isfinite(expected):
            with pytest.raises(ModelError, match=f"no choice of {p} hubs serves every zone within 22 minutes"):
                solve_p_median(cost, w, p, max_minutes=cutoff, options=SolverOptions(solver=solver))
            continue
        res = solve_p_median(cost, w, p, max_minutes=cutoff, options=SolverOptions(solver=solver))
        assert res.report.is_optimal
        assert res.objective == pytest.approx(expected, rel=1e-9)
        assert (res.assigned_cost <= cutoff).all()
        assert res.parameters["candidate_pairs"] == int((cost <= cutoff).sum())


def test_cutoff_names_stranded_zones() -> None:
    cost = np.array([[1.0, 50.0], [40.0, 45.0], [3.0, 2.0]])
    with pytest.raises(ModelError, match=r"1 zone\(s\) cannot reach any available site within 30 minutes: Hamlet"):
        solve_p_median(cost, np.ones(3), 1, max_minutes=30, zone_ids=["Town", "Hamlet", "Village"])


def test_candidate_pairs_keep_only_pairs_within_cutoff() -> None:
    rng = np.random.default_rng(1)
    cost = rng.uniform(0, 100, (300, 200))
    cost[rng.random(cost.shape) < 0.1] = np.inf
    available = np.ones(200, dtype=bool)
    available[[3, 7]] = False
    pairs = candidate_pairs(cost, available, 12.5)
    mask = (cost <= 12.5) & available[None, :]
    assert pairs.size == int(mask.sum())
    np.testing.assert_array_equal(pairs.degree(), mask.sum(axis=1))
    np.testing.assert_allclose(pairs.time, cost[pairs.rows, pairs.cols])
    # nearest first within each zone
    same_zone = pairs.rows[1:] == pairs.rows[:-1]
    assert (np.diff(pairs.time)[same_zone] >= 0).all()


def test_must_open_beyond_n_is_an_error() -> None:
    with pytest.raises(ModelError, match="3 sites must stay open but only 2 hubs"):
        solve_p_median(np.ones((4, 5)), np.ones(4), 2, rules=SiteRules.of(must_open=[0, 1, 2]))


def hard_instance(n: int = 400, seed: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 100, (n, 2))
    return np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1)), rng.uniform(1, 5, n)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_run_out_is_never_labelled_optimal(clock: Any, solver: str) -> None:
    cost, w = hard_instance()
    clock.run_out()  # the time limit has passed by the first check, however fast the machine
    res = solve_p_median(cost, w, 6, options=SolverOptions(solver=solver, time_limit=600))
    rep = res.report
    assert not rep.is_optimal
    assert rep.status == "feasible"
    assert rep.stopped_by == "time limit"
    assert "NOT proven optimal" in rep.describe()
    assert rep.bound is None and rep.gap is None  # stopped before the LP bound: no bound, and it says so
    assert "gap unknown" in rep.describe()
    # the answer is still a valid solution, scored exactly
    assert len(res.open_sites) == 6
    assert res.objective == pytest.approx(float(np.dot(w, cost[:, res.open_sites].min(axis=1))))


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5"])
def test_orlib_published_optima(shared_data: Path, name: str) -> None:
    folder = shared_data / "orlib_pmed"
    cost, p = read_orlib_pmed(folder / f"{name}.txt")
    optimum = read_orlib_optima(folder / "pmedopt.txt")[name]
    res = solve_p_median(cost, np.ones(cost.shape[0]), p)
    assert res.report.is_optimal
    assert res.objective == pytest.approx(optimum)
    assert res.report.bound == pytest.approx(optimum, abs=1e-6)


def test_orlib_parser_keeps_the_last_duplicate_edge(tmp_path: Path) -> None:
    text = "3 3 1\n1 2 5\n2 3 4\n2 1 1\n"
    (tmp_path / "tiny.txt").write_text(text)
    cost, p = read_orlib_pmed(tmp_path / "tiny.txt")
    assert p == 1
    np.testing.assert_allclose(cost, [[0, 1, 5], [1, 0, 4], [5, 4, 0]])
