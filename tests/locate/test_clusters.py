"""The cluster rule (each cluster to one hub, at least two clusters per hub, hub sizes bounded) against brute force
over every set of hubs and every assignment of clusters, and its checks of bad input."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hubopt.errors import InputError, ModelError
from hubopt.locate import registry
from hubopt.locate.clusters import solve_cluster_hubs
from hubopt.locate.options import SiteRules
from hubopt.locate.registry import ModelRequest


def instance(seed: int, n: int = 14, m: int = 5, n_clusters: int = 6):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 40, (n, m)).round(1)
    cost[rng.random((n, m)) < 0.05] = np.inf
    w = rng.integers(1, 20, n).astype(float)
    clusters = np.array([f"C{k}" for k in rng.integers(0, n_clusters, n)], dtype=object)
    return cost, w, clusters


def brute(cost, w, clusters, n_hubs, lower, upper, least, must=(), banned=()) -> float:
    names = sorted(set(clusters))
    demand = np.array([w[clusters == k].sum() for k in names])
    ccost = np.array([(w[clusters == k][:, None] * cost[clusters == k]).sum(axis=0) for k in names])
    best = np.inf
    for s in itertools.combinations(range(cost.shape[1]), n_hubs):
        if not set(must) <= set(s) or set(banned) & set(s):
            continue
        for choice in itertools.product(range(n_hubs), repeat=len(names)):
            ok = True
            for t in range(n_hubs):
                mine = [k for k in range(len(names)) if choice[k] == t]
                load = demand[mine].sum()
                if len(mine) < least or load < lower - 1e-9 or load > upper + 1e-9:
                    ok = False
                    break
            if ok:
                value = sum(ccost[k, s[choice[k]]] for k in range(len(names)))
                best = min(best, value)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_cluster_rule_matches_brute_force(seed: int) -> None:
    cost, w, clusters = instance(seed)
    total = w.sum()
    lower, upper = 0.3 * total, 0.7 * total
    best = brute(cost, w, clusters, 2, lower, upper, 2)
    if not np.isfinite(best):
        with pytest.raises(ModelError):
            solve_cluster_hubs(cost, w, clusters, 2, min_demand=lower, max_demand=upper)
        return
    res = solve_cluster_hubs(cost, w, clusters, 2, min_demand=lower, max_demand=upper)
    assert res.report.is_optimal and res.objective == pytest.approx(best, rel=1e-9)
    # whole clusters: every zone of a cluster goes to the same hub; each hub has two clusters or more, sizes kept
    for k in set(clusters):
        assert len(set(res.assignment[clusters == k].tolist())) == 1
    for site, names in res.parameters["clusters"].items():
        assert len(names) >= 2
        assert lower - 1e-9 <= res.parameters["load"][site] <= upper + 1e-9
    assert res.objective == pytest.approx(float(np.dot(w, res.assigned_cost)), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_cluster_rule_with_three_hubs_and_site_rules(seed: int) -> None:
    cost, w, clusters = instance(50 + seed, n=16, m=5, n_clusters=7)
    total = w.sum()
    lower = 0.15 * total
    best = brute(cost, w, clusters, 3, lower, np.inf, 2, must=(1,), banned=(4,))
    rules = SiteRules.of([1], [4])
    if not np.isfinite(best):
        with pytest.raises(ModelError):
            solve_cluster_hubs(cost, w, clusters, 3, min_demand=lower, rules=rules)
        return
    res = solve_cluster_hubs(cost, w, clusters, 3, min_demand=lower, rules=rules)
    assert res.report.is_optimal and res.objective == pytest.approx(best, rel=1e-9)
    assert 1 in res.open_sites and 4 not in res.open_sites


def test_more_than_one_cluster_binds() -> None:
    # Three clusters near three sites; two hubs, no size rule: one hub must take two clusters though the third site
    # would be nearer for one of them.
    cost = np.array([[1.0, 9.0, 9.0], [9.0, 1.0, 9.0], [9.0, 9.0, 1.0], [1.0, 9.0, 9.0]])
    w = np.array([5.0, 5.0, 5.0, 5.0])
    clusters = ["A", "B", "C", "A"]
    one = solve_cluster_hubs(cost, w, clusters, 2, min_clusters=1)
    assert one.objective == pytest.approx(10 + 5 + 45)  # A at site 0 and B or C at its own site: 10 + 5 + 45
    with pytest.raises(ModelError, match="need 4 clusters with demand, but there are 3"):
        solve_cluster_hubs(cost, w, clusters, 2)
    res = solve_cluster_hubs(cost, w, clusters, 1)
    assert res.parameters["clusters"] == {"site 0": ["A", "B", "C"]}
    # A, B and C sit at site 0, D at site 1: alone, D's hub would serve one cluster; the rule moves B or C to it.
    cost4 = np.array([[1.0, 5.0], [1.0, 6.0], [1.0, 7.0], [9.0, 1.0]])
    free = solve_cluster_hubs(cost4, np.ones(4), ["A", "B", "C", "D"], 2, min_clusters=1)
    assert free.objective == pytest.approx(4.0)
    ruled = solve_cluster_hubs(cost4, np.ones(4), ["A", "B", "C", "D"], 2)
    assert ruled.objective == pytest.approx(1 + 1 + 5 + 1)  # A to site 1 (5 min) is the cheapest move
    assert sorted(len(v) for v in ruled.parameters["clusters"].values()) == [2, 2]


def test_bad_cluster_input_is_explained() -> None:
    cost = np.ones((3, 2))
    with pytest.raises(InputError, match=r"1 zone\(s\) have no cluster: b"):
        solve_cluster_hubs(cost, np.ones(3), ["A", None, "B"], 1, zone_ids=["a", "b", "c"])
    with pytest.raises(InputError, match="one cluster per zone"):
        solve_cluster_hubs(cost, np.ones(3), ["A", "B"], 1)
    with pytest.raises(ModelError, match="alone exceed the maximum of 5"):
        solve_cluster_hubs(cost, np.array([6.0, 1, 1]), ["A", "B", "B"], 1, max_demand=5, min_clusters=1)
    with pytest.raises(ModelError, match=r"lower the minimum to 1\.5"):
        solve_cluster_hubs(cost, np.ones(3), ["A", "B", "C"], 2, min_demand=2, min_clusters=1)


def test_registered_and_needs_the_clusters() -> None:
    entry = registry.lookup("whole-clusters")
    assert entry.name == "clusters"
    cost, w, clusters = instance(3)
    request = ModelRequest(cost, w, 2, model="clusters")
    with pytest.raises(InputError, match="needs the cluster"):
        entry.solve(request)
    res = entry.solve(ModelRequest(cost, w, 2, settings={"clusters": clusters, "min_demand": 0.2 * w.sum()}))
    assert res.model == "clusters" and res.report.is_optimal
    again = entry.next_best(  # type: ignore[misc]
        ModelRequest(cost, w, 2, settings={"clusters": clusters}, exclude_solutions=[res.open_sites.tolist()])
    )
    assert sorted(again.open_sites.tolist()) != sorted(res.open_sites.tolist())


def test_scenario_settings_the_cluster_model_cannot_honour_are_refused() -> None:
    entry = registry.lookup("clusters")
    limits = SimpleNamespace(min_population=1000, max_population=5000, budget=None, max_new_build=None)
    assert entry.scenario_settings(limits, pd.DataFrame()) == {"min_demand": 1000, "max_demand": 5000}
    with pytest.raises(InputError, match="does not take 'budget'"):
        entry.scenario_settings(SimpleNamespace(**{**vars(limits), "budget": 10.0}), pd.DataFrame())
