"""Capacitated hubs: brute force (all site sets, all single assignments; LP for split), rules honoured, and each
kind of infeasibility explained in estates terms."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from hubopt.errors import InputError, ModelError
from hubopt.locate import capacitated
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.options import CapacitySettings, SiteRules, SolverOptions
from hubopt.locate.solve import relative_gap


def tiny(seed: int, n: int = 6, m: int = 4):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 30, (n, m)).astype(float)
    cost[rng.random((n, m)) < 0.15] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.integers(1, 30, n)
    w = rng.integers(1, 20, n).astype(float)
    cap = rng.uniform(0.3, 0.8, m) * w.sum()
    cap[rng.integers(0, m)] = np.nan
    fixed = rng.integers(0, 100, m).astype(float)
    capital = rng.integers(1, 10, m).astype(float)
    new = rng.random(m) < 0.5
    return cost, w, cap, fixed, capital, new


def subsets(m, n_hubs, must, banned, capital, budget, new, max_new):
    for r in range(1, m + 1):
        if n_hubs is not None and r != n_hubs:
            continue
        for s in itertools.combinations(range(m), r):
            if not set(must) <= set(s) or set(banned) & set(s):
                continue
            if budget is not None and capital[list(s)].sum() > budget + 1e-9:
                continue
            if max_new is not None and new[list(s)].sum() > max_new:
                continue
            yield list(s)


def brute_single(cost, w, upper, lower, fixed, cw, sets) -> float:
    best = np.inf
    n = len(w)
    for s in sets:
        assign = np.array(list(itertools.product(s, repeat=n)))  # every way to send each zone to one open site
        travel = cost[np.arange(n), assign]
        ok = np.isfinite(travel).all(axis=1)
        for j in s:
            load = ((assign == j) * w).sum(axis=1)
            ok &= (load <= upper[j] + 1e-9) & (load >= lower - 1e-9)
        if ok.any():
            value = float((travel[ok] * w).sum(axis=1).min()) + cw * fixed[s].sum()
            best = min(best, value)
    return best


def brute_split(cost, w, upper, lower, fixed, cw, sets) -> float:
    best = np.inf
    n = len(w)
    for s in sets:
        pairs = [(i, j) for i in range(n) for j in s if np.isfinite(cost[i, j])]
        c = np.array([w[i] * cost[i, j] for i, j in pairs])
        a_eq = np.array([[1.0 if i == z else 0.0 for i, _ in pairs] for z in range(n)])
        a_ub, b_ub = [], []
        for j in s:
            row = np.array([w[i] if jj == j else 0.0 for i, jj in pairs])
            if np.isfinite(upper[j]):
                a_ub.append(row)
                b_ub.append(upper[j])
            a_ub.append(-row)
            b_ub.append(-lower)
        lp = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1))
        if lp.status == 0:
            best = min(best, lp.fun + cw * fixed[s].sum())
    return best


def settings(seed: int, w: np.ndarray, m: int) -> dict:
    rng = np.random.default_rng(1000 + seed)
    kind = seed % 4
    out: dict = {"n_hubs": int(rng.integers(1, 4)) if kind != 3 else None}
    if kind in (1, 3):
        out["min_demand"] = float(w.sum() * rng.uniform(0.1, 0.3))
    if kind == 2:
        out["max_demand"] = float(w.sum() * 0.6)
        out["budget"] = 12.0
        out["max_new_build"] = 1
    if kind == 3:
        out["cost_weight"] = 1.0
    out["must_open"] = [int(rng.integers(0, m))] if seed % 5 == 0 else []
    return out


def expected(cost, w, cap, fixed, capital, new, kw, single) -> float:
    upper = np.where(np.isnan(cap), np.inf, cap)
    if kw.get("max_demand") is not None:
        upper = np.minimum(upper, kw["max_demand"])
    sets = list(
        subsets(
            cost.shape[1],
            kw.get("n_hubs"),
            kw.get("must_open", []),
            [],
            capital,
            kw.get("budget"),
            new,
            kw.get("max_new_build"),
        )
    )
    fn = brute_single if single else brute_split
    return fn(cost, w, upper, kw.get("min_demand") or 0.0, fixed, kw.get("cost_weight", 0.0), sets)


def split_rules(kw: dict) -> tuple[SiteRules, dict]:
    """The site rules among a test's keyword arguments (as the checks read them), and the rest."""
    rules = SiteRules.of(kw.get("must_open", ()), kw.get("unavailable", ()))
    return rules, {k: v for k, v in kw.items() if k not in ("must_open", "unavailable")}


def solve(cost, w, cap, fixed, capital, new, kw, single):
    rules, rest = split_rules(kw)
    n_hubs = rest.pop("n_hubs", None)
    limits = CapacitySettings(
        capacity=cap, fixed_cost=fixed, capital_cost=capital, is_new_build=new, single_assignment=single, **rest
    )
    return solve_facility_location(cost, w, n_hubs=n_hubs, settings=limits, diagnose=False, rules=rules)


def check_rules(res, cost, w, cap, capital, new, kw) -> None:
    load = np.zeros(cost.shape[1])
    for i in range(len(w)):
        if res.model == "capacitated" and not res.parameters["single_assignment"]:
            continue
        load[res.assignment[i]] += w[i]
    loads = res.parameters["load"]
    opened = res.open_sites.tolist()
    assert sum(loads.values()) == pytest.approx(w.sum())
    upper = np.where(np.isnan(cap), np.inf, cap)
    if kw.get("max_demand") is not None:
        upper = np.minimum(upper, kw["max_demand"])
    for j in opened:
        value = loads[f"site {j}"]
        assert value <= upper[j] + 1e-6
        assert value >= (kw.get("min_demand") or 0.0) - 1e-6
        if res.parameters["single_assignment"]:
            assert value == pytest.approx(load[j])
    if kw.get("n_hubs") is not None:
        assert len(opened) == kw["n_hubs"]
    if kw.get("budget") is not None:
        assert capital[opened].sum() <= kw["budget"] + 1e-9
    if kw.get("max_new_build") is not None:
        assert new[opened].sum() <= kw["max_new_build"]
    assert set(kw.get("must_open", [])) <= set(opened)
    assert np.isfinite(res.assigned_cost).all()


@pytest.mark.parametrize("seed", range(16))
def test_single_assignment_matches_brute_force(seed: int) -> None:
    cost, w, cap, fixed, capital, new = tiny(seed)
    kw = settings(seed, w, cost.shape[1])
    best = expected(cost, w, cap, fixed, capital, new, kw, True)
    if not np.isfinite(best):
        with pytest.raises(ModelError):
            solve(cost, w, cap, fixed, capital, new, kw, True)
        return
    res = solve(cost, w, cap, fixed, capital, new, kw, True)
    assert res.report.is_optimal
    assert res.objective == pytest.approx(best, rel=1e-7)
    assert res.report.objective == pytest.approx(res.objective, rel=1e-6)
    check_rules(res, cost, w, cap, capital, new, kw)


@pytest.mark.parametrize("seed", range(12))
def test_split_assignment_matches_brute_force(seed: int) -> None:
    cost, w, cap, fixed, capital, new = tiny(seed)
    kw = settings(seed, w, cost.shape[1])
    best = expected(cost, w, cap, fixed, capital, new, kw, False)
    if not np.isfinite(best):
        with pytest.raises(ModelError):
            solve(cost, w, cap, fixed, capital, new, kw, False)
        return
    res = solve(cost, w, cap, fixed, capital, new, kw, False)
    assert res.report.is_optimal
    assert res.objective == pytest.approx(best, rel=1e-6)
    check_rules(res, cost, w, cap, capital, new, kw)
    assert res.objective <= expected(cost, w, cap, fixed, capital, new, kw, True) + 1e-6  # splitting never hurts


def test_without_capacity_it_is_the_p_median() -> None:
    rng = np.random.default_rng(5)
    cost = rng.uniform(1, 60, (25, 9))
    w = rng.uniform(1, 10, 25)
    res = solve_facility_location(cost, w, n_hubs=3)
    best = min(float(np.dot(w, cost[:, list(s)].min(axis=1))) for s in itertools.combinations(range(9), 3))
    assert res.objective == pytest.approx(best)
    np.testing.assert_allclose(res.assigned_cost, cost[:, res.open_sites].min(axis=1))


@pytest.mark.parametrize("seed", range(3))
def test_rules_honoured_on_a_larger_instance(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    n, m = 40, 12
    cost = rng.uniform(1, 60, (n, m))
    w = rng.uniform(1, 10, n)
    cap = np.full(m, w.sum() / 3)
    cap[::4] = np.nan
    capital = rng.uniform(1, 5, m)
    new = np.arange(m) % 3 == 0
    kw = {
        "n_hubs": 4,
        "min_demand": w.sum() / 8,
        "budget": 12.0,
        "max_new_build": 1,
        "must_open": [1],
        "unavailable": [2],
    }
    rules, rest = split_rules(kw)
    n_hubs = rest.pop("n_hubs")
    res = solve_facility_location(
        cost,
        w,
        n_hubs=n_hubs,
        settings=CapacitySettings(capacity=cap, capital_cost=capital, is_new_build=new, **rest),
        diagnose=False,
        options=SolverOptions(time_limit=20),
        rules=rules,
    )
    check_rules(res, cost, w, cap, capital, new, kw)
    assert 2 not in res.open_sites
    assert res.parameters["new_builds_open"] <= 1
    assert res.parameters["capital_cost_total"] <= 12.0 + 1e-9


def test_free_number_of_hubs_follows_the_fixed_costs() -> None:
    rng = np.random.default_rng(9)
    cost = rng.uniform(1, 60, (20, 6))
    w = rng.uniform(1, 10, 20)
    cheap = solve_facility_location(
        cost, w, settings=CapacitySettings(fixed_cost=np.full(6, 1.0), cost_weight=1.0, single_assignment=False)
    )
    dear = solve_facility_location(
        cost, w, settings=CapacitySettings(fixed_cost=np.full(6, 1e5), cost_weight=1.0, single_assignment=False)
    )
    assert len(cheap.open_sites) == 6 and len(dear.open_sites) == 1
    assert dear.parameters["fixed_cost_total"] == pytest.approx(1e5)


def test_exclusion_cuts_give_a_different_set() -> None:
    rng = np.random.default_rng(11)
    cost = rng.uniform(1, 60, (20, 6))
    w = rng.uniform(1, 10, 20)
    first = solve_facility_location(cost, w, n_hubs=2, settings=CapacitySettings(single_assignment=False))
    second = solve_facility_location(
        cost, w, n_hubs=2, settings=CapacitySettings(single_assignment=False), exclude_solutions=[first.open_sites]
    )
    assert set(second.open_sites) != set(first.open_sites)
    assert second.objective >= first.objective - 1e-9


IDS = ["A", "B", "C"]


def test_demand_beyond_total_capacity() -> None:
    cost = np.ones((3, 3))
    with pytest.raises(
        ModelError, match=r"demand \(30\) exceeds the total capacity of all sites that may open \(24\) by 6"
    ):
        solve_facility_location(cost, np.full(3, 10.0), settings=CapacitySettings(capacity=[8, 8, 8]), site_ids=IDS)
    with pytest.raises(ModelError, match=r"exceeds the largest capacity 2 hubs can offer \(20\) by 10"):
        solve_facility_location(
            cost, np.full(3, 10.0), n_hubs=2, settings=CapacitySettings(capacity=[10, 10, 10]), site_ids=IDS
        )


def test_zone_bigger_than_any_hub_it_can_reach() -> None:
    cost = np.array([[1.0, np.inf, 1.0], [1.0, 1.0, 1.0]])
    w = np.array([30.0, 5.0])
    with pytest.raises(ModelError, match=r"zone z0's demand \(30\) exceeds the capacity of every site it can reach"):
        solve_facility_location(cost, w, settings=CapacitySettings(capacity=[20, 100, 25]), zone_ids=["z0", "z1"])
    res = solve_facility_location(
        cost, w, settings=CapacitySettings(capacity=[20, 100, 25], single_assignment=False)
    )  # split: possible
    assert res.parameters["split"]


def test_budget_too_small_for_the_must_open_sites() -> None:
    with pytest.raises(
        ModelError, match=r"must-open sites' capital cost \(9\) exceeds the capital budget \(5\) by 4"
    ):
        solve_facility_location(
            np.ones((3, 3)),
            np.ones(3),
            settings=CapacitySettings(capital_cost=[4, 5, 1], budget=5),
            site_ids=IDS,
            rules=SiteRules.of(must_open=[0, 1]),
        )
    with pytest.raises(ModelError, match=r"the cheapest 2 hubs .* cost 3 in capital, over the budget of 2"):
        solve_facility_location(
            np.ones((3, 3)), np.ones(3), n_hubs=2, settings=CapacitySettings(capital_cost=[1, 2, 4], budget=2)
        )


def test_minimum_size_beyond_total_demand() -> None:
    with pytest.raises(ModelError, match=r"3 hubs each serving at least 40 need 120 but the total demand is 100"):
        solve_facility_location(np.ones((4, 3)), np.full(4, 25.0), n_hubs=3, settings=CapacitySettings(min_demand=40))
    with pytest.raises(ModelError, match="not even one hub can be supported"):
        solve_facility_location(np.ones((4, 3)), np.full(4, 25.0), settings=CapacitySettings(min_demand=400))
    with pytest.raises(ModelError, match=r"minimum demand per hub .* is above the maximum"):
        solve_facility_location(
            np.ones((4, 3)), np.full(4, 25.0), settings=CapacitySettings(min_demand=50, max_demand=40)
        )


def test_site_rules_in_words() -> None:
    cost = np.ones((3, 3))
    with pytest.raises(ModelError, match="2 sites must stay open but only 1 hubs"):
        solve_facility_location(cost, np.ones(3), n_hubs=1, rules=SiteRules.of(must_open=[0, 1]))
    with pytest.raises(ModelError, match="both must-open and unavailable"):
        solve_facility_location(cost, np.ones(3), rules=SiteRules.of(must_open=[0], unavailable=[0]))
    with pytest.raises(ModelError, match="2 must-open sites are new builds but at most 1 new builds may open"):
        solve_facility_location(
            cost,
            np.ones(3),
            settings=CapacitySettings(is_new_build=[1, 1, 0], max_new_build=1),
            rules=SiteRules.of(must_open=[0, 1]),
        )
    with pytest.raises(ModelError, match="with at most 0 new builds only 1 sites can open, fewer than the 2 hubs"):
        solve_facility_location(
            cost, np.ones(3), n_hubs=2, settings=CapacitySettings(is_new_build=[1, 1, 0], max_new_build=0)
        )
    with pytest.raises(ModelError, match="cannot reach any site that may open: z0"):
        solve_facility_location(
            np.array([[1.0, np.inf, np.inf], [1.0, 1.0, 1.0]]),
            np.ones(2),
            zone_ids=["z0", "z1"],
            rules=SiteRules.of(unavailable=[0]),
        )
    with pytest.raises(InputError, match="fixed_cost has missing values"):
        solve_facility_location(
            cost, np.ones(3), settings=CapacitySettings(fixed_cost=[1, np.nan, 2], cost_weight=1.0)
        )


def test_solver_proven_infeasibility_names_the_binding_rule() -> None:
    # Zones A and B each reach only their own site; C reaches both. Two hubs of at least 15: only a split of C works.
    cost = np.array([[1.0, np.inf], [np.inf, 1.0], [1.0, 1.0]])
    w = np.array([10.0, 10.0, 10.0])
    with pytest.raises(ModelError) as info:
        solve_facility_location(cost, w, n_hubs=2, settings=CapacitySettings(min_demand=15))
    text = str(info.value)
    assert "rules cannot all be met together" in text
    assert "each open hub serves at least 15" in text
    assert "Relaxing any one of these alone makes a solution possible" in text
    assert "the minimum demand per hub" in text and "single assignment" in text
    res = solve_facility_location(
        cost, w, n_hubs=2, settings=CapacitySettings(min_demand=15, single_assignment=False)
    )
    assert sorted(res.parameters["load"].values()) == pytest.approx([15.0, 15.0])


def test_time_limited_solve_is_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole MIP (method="mip"); the tree search's time limit is tested in test_capacitated_tree.py.
    # The solver's outcome is made that of a run stopped by its time limit (injected after the real solve), so the
    # test never bets on the machine being too slow to finish within a short limit.
    real = capacitated.solve

    def stopped_by_time_limit(problem, **kwargs):
        rep = real(problem, **kwargs)
        bound = 0.95 * rep.objective  # a weaker lower bound, as a solver cut short would report
        return dataclasses.replace(
            rep, status="feasible", stopped_by="time limit", bound=bound, gap=relative_gap(rep.objective, bound)
        )

    monkeypatch.setattr(capacitated, "solve", stopped_by_time_limit)
    rng = np.random.default_rng(300)
    n, m = 40, 12
    cost = rng.uniform(1, 60, (n, m))
    w = rng.uniform(1, 10, n)
    cap = np.full(m, w.sum() / 3)
    kw = {"n_hubs": 4, "min_demand": w.sum() / 8}
    limits = CapacitySettings(capacity=cap, min_demand=kw["min_demand"])
    res = solve_facility_location(
        cost, w, n_hubs=4, settings=limits, options=SolverOptions(time_limit=600), method="mip"
    )
    rep = res.report
    assert rep.status == "feasible" and not rep.is_optimal
    assert rep.stopped_by == "time limit"
    assert "NOT proven optimal: stopped by time limit, gap 5.00% to the best bound" in rep.describe()
    assert rep.gap == pytest.approx(0.05, rel=1e-9)
    check_rules(res, cost, w, cap, np.zeros(m), np.zeros(m, dtype=bool), kw)  # still a solution within the rules


@pytest.mark.parametrize("rule", ["must_open", "unavailable"])
@pytest.mark.parametrize("index", [-1, 4])
def test_site_rule_indices_outside_the_sites_are_refused(rule: str, index: int) -> None:
    # The capacitated model checks its site rules with the same checker as the other models: an index outside
    # 0..m-1 is a clear InputError (it used to wrap round silently for -1, or fail with an IndexError for m).
    cost = np.array([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]])
    with pytest.raises(InputError, match=f"{rule.replace('_', '-')} site index is outside 0..3"):
        solve_facility_location(cost, np.ones(2), n_hubs=1, rules=SiteRules.of(**{rule: [index]}))
