"""p-center: brute-force optima (radius, then demand-weighted tie-break), invariants, errors, time-limit labels."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np
import pytest

import hubopt.locate.center as center
from hubopt.errors import ModelError
from hubopt.locate.center import solve_p_center
from hubopt.locate.options import SiteRules, SolverOptions


def brute_force(cost, w, p, must=(), unavailable=()) -> tuple[float, float]:
    """(optimal radius over zones with demand, least weighted time among sets with that radius)."""
    pos = w > 0
    best = (np.inf, np.inf)
    sites = [j for j in range(cost.shape[1]) if j not in unavailable]
    for subset in itertools.combinations(sites, p):
        if not set(must) <= set(subset):
            continue
        near = cost[:, list(subset)].min(axis=1)
        radius = float(near[pos].max())
        weighted = float(np.dot(w[pos], near[pos]))
        best = min(best, (radius, weighted))
    return best


def instance(seed: int, n: int = 14, m: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 40, (n, m)).astype(float)  # integer minutes: many ties, a good test of the tie-break
    cost[rng.random((n, m)) < 0.15] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.integers(1, 40, n)  # every zone reaches some site
    w = rng.integers(0, 30, n).astype(float)
    w[0] = 5.0
    return cost, w


@pytest.mark.parametrize("seed", range(12))
def test_search_matches_brute_force(seed: int) -> None:
    cost, w = instance(seed)
    p = 1 + seed % 4
    res = solve_p_center(cost, w, p)
    radius, weighted = brute_force(cost, w, p)
    assert res.report.is_optimal
    assert len(res.open_sites) == p
    assert res.objective == pytest.approx(radius)
    assert res.parameters["radius"] == pytest.approx(radius)
    assert res.parameters["weighted_minutes"] == pytest.approx(weighted)
    pos = w > 0
    assert res.assigned_cost[pos].max() == pytest.approx(radius)
    np.testing.assert_allclose(res.assigned_cost, cost[:, res.open_sites].min(axis=1))


@pytest.mark.parametrize("seed", range(3))
def test_classic_milp_agrees(seed: int) -> None:
    cost, w = instance(50 + seed, n=10, m=6)
    a = solve_p_center(cost, w, 2, method="milp")
    b = solve_p_center(cost, w, 2, method="search", options=SolverOptions(solver="cbc"))
    assert a.report.is_optimal and b.report.is_optimal
    assert a.objective == pytest.approx(b.objective) == pytest.approx(brute_force(cost, w, 2)[0])
    assert a.parameters["weighted_minutes"] == pytest.approx(b.parameters["weighted_minutes"])


def test_radius_never_rises_with_more_hubs() -> None:
    cost, w = instance(7, n=25, m=10)
    radii = [solve_p_center(cost, w, p).objective for p in range(1, 8)]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(radii))


@pytest.mark.parametrize("seed", range(3))
def test_site_rules_honoured(seed: int) -> None:
    cost, w = instance(200 + seed)
    free = solve_p_center(cost, w, 3)
    must = [int(j) for j in range(cost.shape[1]) if j not in free.open_sites][:1]
    banned = [int(free.open_sites[0])]
    res = solve_p_center(cost, w, 3, rules=SiteRules.of(must_open=must, unavailable=banned))
    assert set(must) <= set(res.open_sites.tolist())
    assert not set(banned) & set(res.open_sites.tolist())
    assert res.objective == pytest.approx(brute_force(cost, w, 3, must, banned)[0])
    assert res.objective >= free.objective - 1e-9


def test_zones_without_demand_do_not_set_the_radius() -> None:
    # Zones at 0 and 4 with demand, an empty zone at 500; sites at 2 and 400. Counting the empty zone would pick
    # the site at 400 (radius 400 instead of 498); it does not count, so the site at 2 (radius 2) is chosen.
    x = np.array([0.0, 4.0, 500.0])
    cost = np.abs(x[:, None] - np.array([2.0, 400.0])[None, :])
    res = solve_p_center(cost, np.array([1.0, 1.0, 0.0]), 1)
    assert res.objective == pytest.approx(2.0)
    assert res.open_sites.tolist() == [0]


def test_hand_checked_line_and_tie_break() -> None:
    # Towns at 0, 4, 6, 10 with sites at 2, 5, 8: one hub at 5 has radius 5; with two hubs, radius 2 (2 and 8),
    # and the tie-break prefers the pair that also serves the heavy town at 4 best.
    towns = np.array([0.0, 4.0, 6.0, 10.0])
    sites = np.array([2.0, 5.0, 8.0])
    cost = np.abs(towns[:, None] - sites[None, :])
    assert solve_p_center(cost, np.ones(4), 1).objective == pytest.approx(5.0)
    res = solve_p_center(cost, np.array([1.0, 100.0, 1.0, 1.0]), 2)
    assert res.objective == pytest.approx(2.0)
    assert res.open_sites.tolist() == [0, 2]


def test_errors_are_worded_for_users() -> None:
    cost = np.array([[1.0, np.inf], [np.inf, 2.0], [5.0, 3.0]])
    with pytest.raises(ModelError, match="cannot reach any available site: z1"):
        solve_p_center(cost, np.ones(3), 1, zone_ids=["z0", "z1", "z2"], rules=SiteRules.of(unavailable=[1]))
    with pytest.raises(ModelError, match="2 sites must stay open but only 1 hubs"):
        solve_p_center(cost, np.ones(3), 1, rules=SiteRules.of(must_open=[0, 1]))
    with pytest.raises(ModelError, match="no zone has any demand"):
        solve_p_center(cost, np.zeros(3), 1)


def test_time_limited_search_is_labelled_not_optimal(clock: Any) -> None:
    cost, w = instance(3, n=40, m=15)
    clock.run_out()  # the time limit has passed when the radius search starts, however fast the machine
    res = solve_p_center(cost, w, 4, options=SolverOptions(time_limit=600))
    assert res.report.status == "feasible"
    assert not res.report.is_optimal
    assert "time limit" in (res.report.stopped_by or "")
    assert "NOT proven optimal" in res.report.describe()
    assert len(res.open_sites) == 4
    assert res.parameters["radius_lower_bound"] <= res.objective + 1e-9


def test_unproven_tie_break_is_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    real = center.solve

    def stopped_early(problem, **kwargs):
        rep = real(problem, **kwargs)
        if problem.name == "p_center_tie_break":
            rep = dataclasses.replace(rep, status="feasible", stopped_by="time limit", gap=0.1)
        return rep

    monkeypatch.setattr(center, "solve", stopped_early)
    cost, w = instance(4)
    res = solve_p_center(cost, w, 2)
    assert res.report.status == "feasible"
    assert "tie-break" in res.report.stopped_by
    assert res.objective == pytest.approx(brute_force(cost, w, 2)[0])  # the radius itself is still right
