"""Lagrangian probing for the p-median: every bound is valid, nothing better is ever excluded, optima are exact."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from hubopt.errors import ModelError
from hubopt.locate import median, probing
from hubopt.locate.median import candidate_pairs, solve_p_median
from hubopt.locate.orlib import read_orlib_optima, read_orlib_pmed


def instance(seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Random zones and sites in a square (straight-line costs), integer demand; small enough for brute force."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(15, 40)), int(rng.integers(7, 12))
    p = int(rng.integers(2, 5))
    zones, sites = rng.uniform(0, 50, (n, 2)), rng.uniform(0, 50, (m, 2))
    cost = np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1)).round(1)
    return cost, rng.integers(1, 40, n).astype(float), p


def all_costs(cost: np.ndarray, w: np.ndarray, p: int) -> dict[tuple[int, ...], float]:
    """Cost of every choice of p sites (brute force)."""
    return {s: float(w @ cost[:, list(s)].min(axis=1)) for s in itertools.combinations(range(cost.shape[1]), p)}


def root(cost: np.ndarray, w: np.ndarray, p: int):
    """The LP bound (with duals) and the incumbent, as solve_p_median computes them before probing."""
    m = cost.shape[1]
    available, forced = np.ones(m, dtype=bool), np.zeros(m, dtype=bool)
    pairs = candidate_pairs(cost, available)
    start = median.greedy(pairs, w, p, forced, available)
    lp = median._lp_bound(pairs, w, p, forced, available, start, None)
    start = median.interchange(pairs, w, start, forced, available)
    return pairs, lp, start, median._evaluate(pairs, w, start)


@pytest.mark.parametrize("seed", range(12))
def test_lagrangian_bounds_never_exceed_the_true_optimum_under_the_same_fixings(seed: int) -> None:
    cost, w, p = instance(seed)
    pairs, lp, _start, upper = root(cost, w, p)
    costs = all_costs(cost, w, p)
    m = cost.shape[1]
    everything = np.ones(m, dtype=bool)
    none = np.zeros(m, dtype=bool)
    bound, _u = probing.lagrangian_bound(pairs, w, lp.u, p, none, everything, upper)
    assert bound <= min(costs.values()) + 1e-6
    assert bound >= lp.lower - 1e-6 * max(1.0, lp.lower)  # started from the LP duals: never worse than the LP
    for a, b in itertools.combinations(range(m), 2):
        fixed = none.copy()
        fixed[[a, b]] = True
        bound, _u = probing.lagrangian_bound(pairs, w, lp.u, p, fixed, everything, np.inf if seed % 2 else upper)
        best_with_both = min(v for s, v in costs.items() if a in s and b in s)
        assert bound <= best_with_both + 1e-6, (a, b)


def test_a_zone_without_an_allowed_site_gives_an_infinite_bound() -> None:
    cost = np.array([[1.0, np.inf], [np.inf, 2.0], [3.0, 1.0]])
    pairs = candidate_pairs(cost, np.ones(2, dtype=bool))
    w = np.ones(3)
    bound, _u = probing.lagrangian_bound(pairs, w, np.zeros(3), 1, np.zeros(2, bool), np.array([True, False]), 9.0)
    assert bound == np.inf
    bound, _u = probing.lagrangian_bound(pairs, w, np.zeros(3), 2, np.zeros(2, bool), np.array([True, False]), 9.0)
    assert bound == np.inf  # two sites wanted, one allowed


@pytest.mark.parametrize("seed", range(30))
def test_probing_never_rules_out_a_better_solution(seed: int) -> None:
    cost, w, p = instance(100 + seed)
    pairs, lp, _start, upper = root(cost, w, p)
    costs = all_costs(cost, w, p)
    m = cost.shape[1]
    found = probing.probe_sites(pairs, w, lp.u, p, np.zeros(m, dtype=bool), np.ones(m, dtype=bool), upper)
    better = [set(s) for s, v in costs.items() if v < upper - 1e-9 * upper]
    clash = {tuple(x) for x in found.conflicts.tolist()}
    for s in better:
        assert all(found.allowed[j] for j in s), "a site of a better solution was excluded"
        assert set(np.flatnonzero(found.must_open)) <= s, "a must-open site is missing from a better solution"
        assert not any((a, b) in clash for a, b in itertools.combinations(sorted(s), 2)), "a better pair clashes"
    sets = probing.compatible_sets(found, p)
    if sets is not None:  # the enumeration holds every better solution
        listed = {tuple(int(j) for j in x) for x in sets}
        assert {tuple(sorted(s)) for s in better} <= listed


@pytest.mark.parametrize("seed", range(30))
def test_solve_with_and_without_probing_reaches_the_brute_force_optimum(seed: int) -> None:
    cost, w, p = instance(200 + seed)
    best = min(all_costs(cost, w, p).values())
    for probe in (True, False):
        res = solve_p_median(cost, w, p, probe=probe)
        assert res.report.is_optimal, res.report.describe()
        assert res.objective == pytest.approx(best, rel=1e-9)
        assert res.report.bound is not None and res.report.bound <= best + 1e-6 * best


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_mip_with_conflict_rows_is_exact_when_enumeration_is_abandoned(
    seed: int, solver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(probing, "MAX_SETS", 0)  # never enumerate: the MIP gets the exclusions and conflicts
    cost, w, p = instance(300 + seed)
    best = min(all_costs(cost, w, p).values())
    res = solve_p_median(cost, w, p, solver=solver)
    assert res.report.is_optimal, res.report.describe()
    assert res.objective == pytest.approx(best, rel=1e-9)


def test_must_open_sites_survive_probing() -> None:
    cost, w, p = instance(7)
    costs = all_costs(cost, w, p)
    best = min(v for s, v in costs.items() if 0 in s)
    res = solve_p_median(cost, w, p, must_open=[0])
    assert 0 in res.open_sites
    assert res.objective == pytest.approx(best, rel=1e-9)


def test_probing_proves_an_orlib_instance_with_an_lp_gap(shared_data: Path) -> None:
    folder = shared_data / "orlib_pmed"
    cost, p = read_orlib_pmed(folder / "pmed6.txt")  # n = 200, p = 5: the LP bound is below the optimum
    res = solve_p_median(cost, np.ones(cost.shape[0]), p)
    assert res.report.is_optimal
    assert res.objective == read_orlib_optima(folder / "pmedopt.txt")["pmed6"]
    assert res.parameters["lp_bound"] < res.objective  # a real gap was closed ...
    found = res.parameters["probing"]
    assert found["sites_left"] < found["sites_before"]  # ... by excluding sites


@pytest.mark.parametrize("seed", range(20))
def test_the_penalty_test_never_excludes_a_site_of_a_better_solution(seed: int) -> None:
    cost, w, p = instance(400 + seed)
    m = cost.shape[1]
    pairs = candidate_pairs(cost, np.ones(m, dtype=bool))
    none, everything = np.zeros(m, dtype=bool), np.ones(m, dtype=bool)
    start = median.interchange(pairs, w, median.greedy(pairs, w, p, none, everything), none, everything)
    upper = median._evaluate(pairs, w, start)
    ((t_start, _s),) = median.nearest_open(pairs, start)
    bound, keep = probing.screen_sites(pairs, w, w * t_start, p, none, everything, upper)
    costs = all_costs(cost, w, p)
    assert bound <= min(costs.values()) + 1e-6
    for s, v in costs.items():
        if v < upper - 1e-9 * upper:
            assert keep[list(s)].all(), f"{s} costs {v} < {upper} but lost a site"


@pytest.mark.parametrize("seed", range(30))
def test_screened_solves_reach_the_brute_force_optimum(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(median, "SCREEN_PAIRS", 0)  # screen every instance, however small
    cost, w, p = instance(500 + seed)
    if seed % 3 == 0:
        cost[cost > np.quantile(cost, 0.8)] = np.inf  # some pairs unreachable
    costs = all_costs(np.where(np.isfinite(cost), cost, 1e9), w, p)
    best = min(costs.values())
    if best >= 1e9:  # no choice of sites reaches every zone: an error that says so
        with pytest.raises(ModelError, match=r"infeasible|cannot reach"):
            solve_p_median(cost, w, p)
        return
    res = solve_p_median(cost, w, p)
    assert res.report.is_optimal, res.report.describe()
    assert res.objective == pytest.approx(best, rel=1e-9)
    assert res.report.bound is not None and res.report.bound <= res.objective * (1 + 1e-9)
    assert "screened_sites" in res.parameters
