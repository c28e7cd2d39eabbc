"""p-median: brute-force optima on small instances, site rules, and clear errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hubopt.errors import ModelError
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import SiteRules, SolverOptions


def brute_force(cost: np.ndarray, w: np.ndarray, p: int, must=(), unavailable=()) -> float:
    best = np.inf
    sites = [j for j in range(cost.shape[1]) if j not in unavailable]
    for subset in itertools.combinations(sites, p):
        if not set(must) <= set(subset):
            continue
        best = min(best, float(np.dot(w, cost[:, list(subset)].min(axis=1))))
    return best


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("seed", range(6))
def test_matches_brute_force(seed: int, solver: str) -> None:
    rng = np.random.default_rng(seed)
    n, m, p = 15, 8, int(rng.integers(1, 5))
    cost = rng.uniform(1, 60, (n, m)).round(1)
    w = rng.integers(1, 50, n).astype(float)
    res = solve_p_median(cost, w, p, options=SolverOptions(solver=solver))
    assert res.report.is_optimal
    assert len(res.open_sites) == p
    assert res.objective == pytest.approx(brute_force(cost, w, p), rel=1e-9)
    assert res.report.objective == pytest.approx(res.objective, rel=1e-7)
    # every zone goes to its nearest open site
    np.testing.assert_allclose(res.assigned_cost, cost[:, res.open_sites].min(axis=1))


def test_hand_checked_line() -> None:
    # Four towns on a line at 0, 1, 10, 11 km; sites at each town; two hubs: one per pair, cost 1+1.
    x = np.array([0.0, 1.0, 10.0, 11.0])
    cost = np.abs(x[:, None] - x[None, :])
    res = solve_p_median(cost, np.ones(4), 2)
    assert res.objective == pytest.approx(2.0)
    assert len({int(j) for j in res.open_sites} & {0, 1}) == 1
    assert len({int(j) for j in res.open_sites} & {2, 3}) == 1


@pytest.mark.parametrize("seed", range(4))
def test_must_open_and_unavailable_honoured(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    cost = rng.uniform(1, 60, (14, 9))
    w = rng.uniform(1, 10, 14)
    free = solve_p_median(cost, w, 3)
    must = [int(j) for j in range(9) if j not in free.open_sites][:1]
    banned = [int(free.open_sites[0])]
    res = solve_p_median(cost, w, 3, rules=SiteRules.of(must_open=must, unavailable=banned))
    assert set(must) <= set(res.open_sites.tolist())
    assert not set(banned) & set(res.open_sites.tolist())
    assert res.objective == pytest.approx(brute_force(cost, w, 3, must, banned), rel=1e-9)
    assert res.objective >= free.objective - 1e-9


def test_objective_never_rises_with_more_hubs() -> None:
    rng = np.random.default_rng(7)
    cost = rng.uniform(1, 60, (30, 12))
    w = rng.uniform(1, 10, 30)
    values = [solve_p_median(cost, w, p).objective for p in range(1, 8)]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(values))


def test_unreachable_pairs_are_respected() -> None:
    cost = np.array([[1.0, np.inf], [np.inf, 2.0], [5.0, 3.0]])
    res = solve_p_median(cost, np.ones(3), 2)
    assert res.objective == pytest.approx(1 + 2 + 3)
    with pytest.raises(ModelError, match="cannot reach any available site: z1"):
        solve_p_median(cost, np.ones(3), 1, zone_ids=["z0", "z1", "z2"], rules=SiteRules.of(unavailable=[1]))


def test_bad_rules_give_clear_errors() -> None:
    cost = np.ones((3, 3))
    ids = ["A", "B", "C"]
    with pytest.raises(ModelError, match="4 hubs were asked for but only 3 sites are available"):
        solve_p_median(cost, np.ones(3), 4, site_ids=ids)
    with pytest.raises(ModelError, match="only 2 sites are available"):
        solve_p_median(cost, np.ones(3), 3, site_ids=ids, rules=SiteRules.of(unavailable=[0]))
    with pytest.raises(ModelError, match="2 sites must stay open but only 1 hubs"):
        solve_p_median(cost, np.ones(3), 1, site_ids=ids, rules=SiteRules.of(must_open=[0, 1]))
    with pytest.raises(ModelError, match="both must-open and unavailable"):
        solve_p_median(cost, np.ones(3), 2, site_ids=ids, rules=SiteRules.of(must_open=[0], unavailable=[0]))


@pytest.mark.parametrize("seed", range(12))
def test_unreachable_pairs_with_a_cutoff_match_brute_force(seed: int) -> None:
    # Regression: the reduced model's first LP (each zone's nearest pairs) could be infeasible when the full model
    # was not, and the p-median was wrongly reported infeasible.
    rng = np.random.default_rng(seed)
    n, m, p = 14, 8, 2
    cost = rng.integers(1, 40, (n, m)).astype(float)
    cost[rng.random((n, m)) < 0.15] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.integers(1, 40, n)
    w = rng.integers(1, 30, n).astype(float)
    within = np.where(cost <= 22.0, cost, np.inf)
    best = brute_force(within, w, p)
    if np.isfinite(best):
        res = solve_p_median(within, w, p)
        assert res.report.is_optimal
        assert res.objective == pytest.approx(best)
    else:
        with pytest.raises(ModelError):
            solve_p_median(within, w, p)
