"""The Lagrangian relaxation and tree search for the p-median: every bound is valid, no better solution is ever
missed, optima are exact."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from orlib import read_orlib_optima, read_orlib_pmed

from hubopt.errors import ModelError
from hubopt.locate import lagrangian, lagrangian_tree, median, median_heuristics, median_lp
from hubopt.locate import pairs as pairs_module
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import SiteRules, SolverOptions
from hubopt.locate.pairs import candidate_pairs


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
    """The LP bound (with duals) and the incumbent, as solve_p_median computes them before the tree search."""
    m = cost.shape[1]
    available, forced = np.ones(m, dtype=bool), np.zeros(m, dtype=bool)
    pairs = candidate_pairs(cost, available)
    start = median_heuristics.greedy(pairs, w, p, forced, available)
    lp = median_lp.lp_bound(pairs, w, p, forced, available, start, None)
    start = median_heuristics.interchange(pairs, w, start, forced, available)
    return pairs, lp, start, median_heuristics.evaluate(pairs, w, start)


@pytest.mark.parametrize("seed", range(12))
def test_lagrangian_bounds_never_exceed_the_true_optimum_under_the_same_fixings(seed: int) -> None:
    cost, w, p = instance(seed)
    pairs, lp, _start, upper = root(cost, w, p)
    costs = all_costs(cost, w, p)
    m = cost.shape[1]
    everything = np.ones(m, dtype=bool)
    none = np.zeros(m, dtype=bool)
    bound, _u = lagrangian.lagrangian_bound(pairs, w, lp.u, p, none, everything, upper)
    assert bound <= min(costs.values()) + 1e-6
    assert bound >= lp.lower - 1e-6 * max(1.0, lp.lower)  # started from the LP duals: never worse than the LP
    for a, b in itertools.combinations(range(m), 2):
        fixed = none.copy()
        fixed[[a, b]] = True
        bound, _u = lagrangian.lagrangian_bound(pairs, w, lp.u, p, fixed, everything, np.inf if seed % 2 else upper)
        best_with_both = min(v for s, v in costs.items() if a in s and b in s)
        assert bound <= best_with_both + 1e-6, (a, b)


def test_a_zone_without_an_allowed_site_gives_an_infinite_bound() -> None:
    cost = np.array([[1.0, np.inf], [np.inf, 2.0], [3.0, 1.0]])
    pairs = candidate_pairs(cost, np.ones(2, dtype=bool))
    w = np.ones(3)
    bound, _u = lagrangian.lagrangian_bound(pairs, w, np.zeros(3), 1, np.zeros(2, bool), np.array([True, False]), 9.0)
    assert bound == np.inf
    bound, _u = lagrangian.lagrangian_bound(pairs, w, np.zeros(3), 2, np.zeros(2, bool), np.array([True, False]), 9.0)
    assert bound == np.inf  # two sites wanted, one allowed


def tree_search(cost: np.ndarray, w: np.ndarray, p: int, upper: float, **rules):
    """The tree search over every pair, from the LP duals, with the incumbent cost ``upper``."""
    m = cost.shape[1]
    pairs, lp, _start, _upper = root(cost, w, p)
    must = rules.pop("must_open", np.zeros(m, dtype=bool))
    allowed = rules.pop("allowed", np.ones(m, dtype=bool))
    return lagrangian_tree.search(
        pairs,
        w,
        lp.u,
        p,
        must,
        allowed,
        upper,
        lambda is_open: median_heuristics.evaluate(pairs, w, is_open),
        **rules,
    )


@pytest.mark.parametrize("seed", range(30))
def test_the_tree_search_finds_the_best_solution_below_any_incumbent_cost(seed: int) -> None:
    cost, w, p = instance(100 + seed)
    costs = all_costs(cost, w, p)
    best = min(costs.values())
    worst = max(costs.values())
    # an incumbent cost above the optimum (the search must find the optimum), equal to it (nothing better: proven),
    # and one below it (a wrong incumbent: nothing is found and the bound says so)
    for upper in (worst + 1.0, (best + worst) / 2, best, best - 1.0):
        out = tree_search(cost, w, p, upper)
        assert out.finished
        assert out.value == pytest.approx(min(best, upper), rel=1e-12)
        if best < upper * (1 - 1e-9):
            assert out.is_open is not None and costs[tuple(np.flatnonzero(out.is_open))] == pytest.approx(best)
        else:
            assert out.is_open is None  # the incumbent stands
        assert out.bound <= best + 1e-9 * best or upper < best


@pytest.mark.parametrize("seed", range(20))
def test_the_tree_search_keeps_must_open_and_unavailable_sites(seed: int) -> None:
    cost, w, p = instance(150 + seed)
    m = cost.shape[1]
    rng = np.random.default_rng(seed)
    must = np.zeros(m, dtype=bool)
    must[rng.choice(m, size=int(rng.integers(0, p)), replace=False)] = True
    allowed = np.ones(m, dtype=bool)
    allowed[rng.choice(np.flatnonzero(~must), size=2, replace=False)] = False
    costs = all_costs(cost, w, p)
    best = min(v for s, v in costs.items() if must[list(s)].sum() == must.sum() and allowed[list(s)].all())
    out = tree_search(cost, w, p, max(costs.values()) + 1.0, must_open=must, allowed=allowed)
    assert out.finished and out.value == pytest.approx(best, rel=1e-12)
    assert out.is_open is not None and out.is_open[must].all() and not out.is_open[~allowed].any()


def test_a_tree_search_stopped_by_its_deadline_says_so_with_a_valid_bound() -> None:
    cost, w, p = instance(3)
    best = min(all_costs(cost, w, p).values())
    out = tree_search(cost, w, p, best * 2, deadline=-math.inf)  # a deadline that has always passed
    assert not out.finished
    assert out.bound <= best
    assert out.value == best * 2 and out.is_open is None


@pytest.mark.parametrize("seed", range(10))
def test_the_tree_search_stops_within_the_gap_asked_for(seed: int) -> None:
    cost, w, p = instance(250 + seed)
    costs = all_costs(cost, w, p)
    best = min(costs.values())
    out = tree_search(cost, w, p, max(costs.values()) + 1.0, mip_gap=0.05)
    assert out.finished
    assert best <= out.value <= best / (1 - 0.05) + 1e-9
    assert out.bound <= best + 1e-9 * best


@pytest.mark.parametrize("seed", range(30))
def test_solve_with_the_tree_search_or_the_mip_reaches_the_brute_force_optimum(seed: int) -> None:
    cost, w, p = instance(200 + seed)
    best = min(all_costs(cost, w, p).values())
    for tree in (True, False):
        res = solve_p_median(cost, w, p, tree=tree)
        assert res.report.is_optimal, res.report.describe()
        assert res.objective == pytest.approx(best, rel=1e-9)
        assert res.report.bound is not None and res.report.bound <= best + 1e-6 * best


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_mip_after_reduced_cost_fixing_is_exact_with_either_solver(seed: int, solver: str) -> None:
    cost, w, p = instance(300 + seed)
    best = min(all_costs(cost, w, p).values())
    res = solve_p_median(cost, w, p, tree=False, options=SolverOptions(solver=solver))
    assert res.report.is_optimal, res.report.describe()
    assert res.objective == pytest.approx(best, rel=1e-9)


def test_must_open_sites_stay_open() -> None:
    cost, w, p = instance(7)
    costs = all_costs(cost, w, p)
    best = min(v for s, v in costs.items() if 0 in s)
    res = solve_p_median(cost, w, p, rules=SiteRules.of(must_open=[0]))
    assert 0 in res.open_sites
    assert res.objective == pytest.approx(best, rel=1e-9)


def test_the_tree_search_proves_an_orlib_instance_with_an_lp_gap(shared_data: Path) -> None:
    folder = shared_data / "orlib_pmed"
    cost, p = read_orlib_pmed(folder / "pmed6.txt")  # n = 200, p = 5: the LP bound is below the optimum
    res = solve_p_median(cost, np.ones(cost.shape[0]), p)
    assert res.report.is_optimal
    assert res.objective == read_orlib_optima(folder / "pmedopt.txt")["pmed6"]
    assert res.parameters["lp_bound"] < res.objective  # a real gap was closed ...
    assert res.parameters["tree"]["finished"] and res.parameters["tree"]["nodes"] > 1  # ... by the tree search
    assert "mip_pairs" not in res.parameters


@pytest.mark.parametrize("seed", range(20))
def test_the_penalty_test_never_excludes_a_site_of_a_better_solution(seed: int) -> None:
    cost, w, p = instance(400 + seed)
    m = cost.shape[1]
    pairs = candidate_pairs(cost, np.ones(m, dtype=bool))
    none, everything = np.zeros(m, dtype=bool), np.ones(m, dtype=bool)
    start = median_heuristics.interchange(
        pairs, w, median_heuristics.greedy(pairs, w, p, none, everything), none, everything
    )
    upper = median_heuristics.evaluate(pairs, w, start)
    ((t_start, _s),) = pairs_module.nearest_open(pairs, start)
    bound, keep = lagrangian.screen_sites(pairs, w, w * t_start, p, none, everything, upper)
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


def test_a_solve_whose_tree_search_runs_out_of_time_is_labelled_feasible_with_its_gap(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shared_data / "orlib_pmed"
    cost, p = read_orlib_pmed(folder / "pmed6.txt")  # the LP bound leaves a gap: the tree search is needed
    real_search = lagrangian_tree.search

    def out_of_time(*args, **kwargs):
        kwargs["deadline"] = -math.inf  # as if the time limit ran out when the search starts
        return real_search(*args, **kwargs)

    monkeypatch.setattr(lagrangian_tree, "search", out_of_time)
    res = solve_p_median(cost, np.ones(cost.shape[0]), p, options=SolverOptions(time_limit=600))
    assert not res.report.is_optimal
    assert res.report.status == "feasible" and res.report.stopped_by == "time limit"
    assert res.parameters["tree"]["finished"] is False
    optimum = read_orlib_optima(folder / "pmedopt.txt")["pmed6"]
    assert res.report.bound == pytest.approx(res.parameters["lp_bound"]) and res.report.bound < optimum
    assert res.report.gap is not None and res.report.gap > 0
    assert "NOT proven" in res.report.describe()


@pytest.mark.parametrize("seed", range(6))
def test_capped_multipliers_give_a_bound_over_every_pair(seed: int) -> None:
    # Multipliers kept at most demand x R per zone: the zone's pairs longer than R add nothing to any rho, so an
    # ascent over the shorter pairs alone bounds the full model (the ranking of next-best answers relies on it).
    cost, w, p = instance(300 + seed)
    m = cost.shape[1]
    allowed, fixed = np.ones(m, dtype=bool), np.zeros(m, dtype=bool)
    pairs = candidate_pairs(cost, allowed)
    some = np.zeros(m, dtype=bool)
    some[:p] = True
    (t1, _s1), (t2, _s2) = pairs_module.nearest_open(pairs, some, ranks=2)
    u_max = w * t2
    short = pairs_module.subset_pairs(pairs, pairs.time <= t2[pairs.rows])
    bound, u = lagrangian.lagrangian_bound(short, w, w * t1 * 1.5, p, fixed, allowed, math.inf, u_max=u_max)
    assert (u <= u_max).all()
    full, _rho, _last = lagrangian.relaxation(pairs, w, u, p, fixed, allowed)
    part, _rho, _last = lagrangian.relaxation(short, w, u, p, fixed, allowed)
    assert part == pytest.approx(full, rel=1e-12)
    optimum = min(float(np.dot(w, cost[:, list(s)].min(axis=1))) for s in itertools.combinations(range(m), p))
    assert bound <= optimum * (1 + 1e-12)
