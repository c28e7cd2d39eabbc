"""Bed placement model against brute force on small cases; ward minimum, must-keep, phasing and infeasibility."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest
from scipy.optimize import linprog

from hubopt.errors import InputError, ModelError
from hubopt.locate.beds import place_beds, place_beds_phased


def travel_lp(cost: np.ndarray, demand: np.ndarray, beds: tuple[int, ...]) -> float:
    """Least demand-weighted travel with zones' demand split over sites with ``beds`` (inf if impossible)."""
    m = cost.shape[1]
    ok = np.isfinite(cost) & (np.asarray(beds) > 0)[None, :]
    active = np.flatnonzero(demand > 0)
    pairs = [(i, j) for i in active for j in range(m) if ok[i, j]]
    if not active.size:
        return 0.0
    if any(not ok[i].any() for i in active):
        return np.inf
    c = np.array([demand[i] * cost[i, j] for i, j in pairs])
    a_eq = np.zeros((len(active), len(pairs)))
    a_ub = np.zeros((m, len(pairs)))
    for k, (i, j) in enumerate(pairs):
        a_eq[list(active).index(i), k] = 1.0
        a_ub[j, k] = demand[i]
    res = linprog(c, A_ub=a_ub, b_ub=np.asarray(beds, dtype=float), A_eq=a_eq, b_eq=np.ones(len(active)))
    return float(res.fun) if res.status == 0 else np.inf


def options(cap: np.ndarray, min_unit: int, lower: np.ndarray) -> list[tuple[int, ...]]:
    per_site = []
    for j, top in enumerate(cap):
        if lower[j] > 0:
            per_site.append(list(range(int(lower[j]), int(top) + 1)))
        else:
            per_site.append([0, *range(min_unit, int(top) + 1)] if top >= min_unit else [0])
    return list(itertools.product(*per_site))


def brute_force(
    cost: np.ndarray,
    demand: np.ndarray,
    need: np.ndarray,
    *,
    min_unit: int,
    cap: np.ndarray,
    lower: np.ndarray | None = None,
    cost_per_bed: float = 0.0,
    cost_per_unit: float = 0.0,
    allow_moves: bool = False,
) -> float:
    """Optimum over every bed vector (every year), the assignment solved as an LP for each."""
    lower = np.zeros(len(cap), dtype=int) if lower is None else lower
    vectors = options(cap, min_unit, lower)

    @cache
    def year_cost(t: int, beds: tuple[int, ...]) -> float:
        if sum(beds) < need[t] - 1e-9:
            return np.inf
        b = np.asarray(beds)
        return travel_lp(cost, demand[t], beds) + cost_per_bed * b.sum() + cost_per_unit * (b > 0).sum()

    best = np.inf
    n_years = demand.shape[0]
    # Dynamic programme over years: state = bed vector.
    value = {v: year_cost(0, v) for v in vectors}
    for t in range(1, n_years):
        nxt = {}
        for v in vectors:
            c = year_cost(t, v)
            if not np.isfinite(c):
                nxt[v] = np.inf
                continue
            prev = [
                value[u]
                for u in vectors
                if all((ub == 0 or vb > 0) for ub, vb in zip(u, v, strict=True))
                and (allow_moves or all(vb >= ub for ub, vb in zip(u, v, strict=True)))
            ]
            nxt[v] = c + min(prev, default=np.inf)
        value = nxt
    best = min(value.values())
    return best


def instance(seed: int, n: int = 5, m: int = 3, unreachable: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    zones = rng.uniform(0, 30, (n, 2))
    sites = rng.uniform(0, 30, (m, 2))
    cost = np.round(np.hypot(*(zones[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)), 1)
    for _ in range(unreachable):
        i, j = rng.integers(n), rng.integers(m)
        cost[i, j] = np.inf
    demand = np.round(rng.uniform(0.5, 4.0, n), 1)
    return cost, demand


def check_rules(plan, cap, min_unit) -> None:
    beds = np.atleast_2d(plan.beds)
    assert ((beds == 0) | ((beds >= min_unit) & (beds <= cap[None, :]))).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_single_year_matches_brute_force(seed: int) -> None:
    cost, demand = instance(seed, m=4)
    cap = np.array([8, 6, 7, 5])
    need = float(np.ceil(demand.sum())) + 1
    plan = place_beds(cost, demand, need, min_unit=3, max_beds=cap, cost_per_unit=15.0)
    best = brute_force(cost, demand[None, :], np.array([need]), min_unit=3, cap=cap, cost_per_unit=15.0)
    assert plan.report.is_optimal
    assert plan.objective == pytest.approx(best, abs=1e-6)
    check_rules(plan, cap, 3)
    assert plan.beds.sum() >= need
    load = (demand[:, None] * plan.assignment).sum(axis=0)
    assert (load <= plan.beds + 1e-6).all()
    # With no cost per bed, beds above the need are removed unless a ward minimum or the demand served needs them.
    floor = np.where(plan.beds > 0, np.maximum(3, np.ceil(load - 1e-6)), 0)
    assert plan.beds.sum() == need or (plan.beds == floor).all()
    np.testing.assert_allclose(plan.assignment.sum(axis=1), 1.0)


def test_costs_and_must_keep_match_brute_force() -> None:
    cost, demand = instance(7, m=4)
    cap = np.array([9, 8, 6, 7])
    existing = np.array([5, 0, 0, 0])
    need = 14.0
    plan = place_beds(
        cost,
        demand,
        need,
        min_unit=4,
        max_beds=cap,
        existing_beds=existing,
        must_keep=[0],
        cost_per_bed=2.0,
        cost_per_unit=10.0,
    )
    lower = np.array([5, 0, 0, 0])
    best = brute_force(
        cost,
        demand[None, :],
        np.array([need]),
        min_unit=4,
        cap=cap,
        lower=lower,
        cost_per_bed=2.0,
        cost_per_unit=10.0,
    )
    assert plan.objective == pytest.approx(best, abs=1e-6)
    assert plan.beds[0] >= 5
    check_rules(plan, cap, 4)
    assert plan.parameters["must_keep"] == ["site 0"]


def test_min_unit_defaults_to_the_smallest_ward_today() -> None:
    cost = np.array([[1.0, 5.0, 9.0], [9.0, 5.0, 1.0]])
    plan = place_beds(cost, np.array([10.0, 10.0]), 30, max_beds=[30, 30, 30], existing_beds=[14, 0, 22])
    assert plan.parameters["min_unit"] == 14
    assert "smallest ward operating today" in plan.parameters["min_unit_source"]
    check_rules(plan, np.array([30, 30, 30]), 14)
    with pytest.raises(InputError, match=r"parameter 'min_unit'.*must be given"):
        place_beds(cost, np.array([10.0, 10.0]), 30, max_beds=[30, 30, 30])
    with pytest.raises(InputError, match=r"parameter 'max_beds'"):
        place_beds(cost, np.array([10.0, 10.0]), 30, min_unit=10)


def test_new_sites_and_nan_maxima() -> None:
    cost = np.array([[1.0, 9.0, 2.0], [9.0, 1.0, 2.0]])
    demand = np.array([10.0, 10.0])
    plan = place_beds(cost, demand, 20, min_unit=5, max_beds=[20, np.nan, 20], existing_beds=[10, 0, 0])
    assert plan.beds[1] == 0  # NaN maximum: cannot host
    barred = place_beds(
        cost, demand, 20, min_unit=5, max_beds=[20, 20, 20], existing_beds=[10, 0, 0], allow_new_sites=False
    )
    assert barred.beds.tolist() == [20, 0, 0]
    assert any("new site" in note for note in barred.notes)


def test_infeasible_targets_say_why() -> None:
    cost = np.ones((2, 3))
    with pytest.raises(ModelError, match="hold at most 20 beds in all, 10 short of the 30 beds needed"):
        place_beds(cost, np.array([5.0, 5.0]), 30, min_unit=5, max_beds=[10, 10, 0])
    with pytest.raises(ModelError, match=r"at most 10 beds in all, 20 short.*new sites are not allowed"):
        place_beds(
            cost,
            np.array([5.0, 5.0]),
            30,
            min_unit=5,
            max_beds=[10, 10, 10],
            existing_beds=[10, 0, 0],
            allow_new_sites=False,
        )
    with pytest.raises(ModelError, match="must-keep site site 2 cannot keep its beds: it has no max_beds"):
        place_beds(cost, np.array([5.0, 5.0]), 10, min_unit=5, max_beds=[10, 10, 0], must_keep=[2])
    with pytest.raises(ModelError, match=r"its maximum \(12\) is below the ward minimum of 16"):
        place_beds(
            cost,
            np.array([5.0, 5.0]),
            10,
            min_unit=16,
            max_beds=[20, 20, 12],
            existing_beds=[0, 0, 8],
            must_keep=[2],
        )
    unreachable = np.array([[1.0, np.inf], [np.inf, np.inf]])
    with pytest.raises(ModelError, match=r"1 zone.*cannot reach any site.*zone 1"):
        place_beds(unreachable, np.array([5.0, 5.0]), 10, min_unit=5, max_beds=[20, 20])
    # Only site 0 reaches zone 0, whose demand exceeds site 0's maximum: found by the solver.
    squeeze = np.array([[1.0, np.inf], [1.0, 1.0]])
    with pytest.raises(ModelError, match="no bed plan meets every rule"):
        place_beds(squeeze, np.array([12.0, 1.0]), 13, min_unit=5, max_beds=[10, 20])


def phased_case() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cost = np.array([[1.0, 8.0, 6.0], [8.0, 1.0, 6.0], [6.0, 6.0, 1.0]])
    demand = np.array([[7.0, 1.0, 1.0], [1.0, 7.0, 2.0]])  # demand moves from zone 0 to zone 1
    need = np.array([10.0, 11.0])
    cap = np.array([9, 9, 6])
    return cost, demand, need, cap


@pytest.mark.parametrize("allow_moves", [False, True])
def test_phased_matches_brute_force(allow_moves: bool) -> None:
    cost, demand, need, cap = phased_case()
    kwargs = {"min_unit": 3, "cost_per_bed": 3.0, "cost_per_unit": 4.0}
    plan = place_beds_phased(cost, demand, need, years=[2025, 2030], allow_moves=allow_moves, max_beds=cap, **kwargs)
    best = brute_force(cost, demand, need, cap=cap, allow_moves=allow_moves, **kwargs)
    assert plan.objective == pytest.approx(best, abs=1e-6)
    assert plan.beds.shape == (2, 3)
    check_rules(plan, cap, 3)
    assert (plan.beds.sum(axis=1) >= need).all()
    opened = plan.beds[0] > 0
    assert (plan.beds[1][opened] > 0).all()  # a site that opens stays open
    if not allow_moves:
        assert (plan.beds[1] >= plan.beds[0]).all()
    assert plan.table().columns.tolist() == ["site_id", "2025", "2030"]
    assert plan.mean_travel_minutes.shape == (2,)


def test_allow_moves_lets_beds_follow_demand() -> None:
    cost, demand, need, cap = phased_case()
    kwargs = {"min_unit": 3, "cost_per_bed": 3.0, "cost_per_unit": 4.0, "max_beds": cap}
    fixed = place_beds_phased(cost, demand, need, allow_moves=False, **kwargs)
    moving = place_beds_phased(cost, demand, need, allow_moves=True, **kwargs)
    assert moving.objective < fixed.objective
    assert (moving.beds[1] < moving.beds[0]).any()


def test_phased_infeasible_year_is_named() -> None:
    cost, demand, _, cap = phased_case()
    with pytest.raises(ModelError, match=r"hold at most 24 beds in all, 6 short of the 30 beds needed in 2030"):
        place_beds_phased(cost, demand, [10, 30], years=[2025, 2030], min_unit=3, max_beds=cap)
