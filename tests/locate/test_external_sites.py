"""External sites (another area's service at the border): always open, serving their nearest zones, not counted
among the N hubs, free of the area's limits and costs. Every model's N internal hubs are checked by brute force."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from hubopt.errors import InputError, ModelError
from hubopt.locate import registry
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.frontier import efficient_hub_sets
from hubopt.locate.options import CapacitySettings, SiteRules
from hubopt.locate.registry import ModelRequest

EXTERNAL = 5


def _border_case() -> tuple[np.ndarray, np.ndarray]:
    """12 zones on a line (x = 0..11 km), 5 internal candidate sites, and an external site just beyond the west
    border (x = -1): it is the nearest site for the western zones whatever the area opens."""
    rng = np.random.default_rng(7)
    zones = np.arange(12, dtype=float)
    sites = np.array([1.5, 3.0, 5.5, 8.0, 10.5, -1.0])
    cost = np.abs(zones[:, None] - sites[None, :]) * 2.0 + rng.uniform(0, 0.5, (12, 6))
    cost[:, EXTERNAL] = np.abs(zones + 1.0) * 1.0  # a fast road to the neighbour's hub
    weights = rng.uniform(50, 150, 12)
    return cost, weights


def _brute(cost: np.ndarray, value, n_hubs: int, best=min) -> float:
    """The best value over every set of ``n_hubs`` internal sites, with the external site always open."""
    values = []
    for chosen in combinations(range(EXTERNAL), n_hubs):
        minutes = cost[:, [*chosen, EXTERNAL]].min(axis=1)
        values.append(value(minutes))
    return best(values)


@pytest.mark.parametrize("n_hubs", [1, 2, 3])
@pytest.mark.parametrize("model", ["p-median", "mclp", "p-center", "capacitated"])
def test_external_site_is_open_not_counted_and_the_internal_hubs_are_optimal(model: str, n_hubs: int) -> None:
    cost, weights = _border_case()
    entry = registry.lookup(model)
    request = ModelRequest(
        cost, weights, n_hubs, SiteRules.of(external=[EXTERNAL]), max_minutes=6.0 if model == "mclp" else None,
        model=model,
    )  # fmt: skip
    result = entry.solve(request)
    assert EXTERNAL in result.open_sites
    assert list(result.external) == [EXTERNAL]
    assert len(result.hubs) == n_hubs  # the count of hubs excludes the external site
    assert EXTERNAL not in result.hubs
    minutes = result.assigned_cost
    # Each zone goes to its nearest open site, the external one included.
    assert minutes == pytest.approx(cost[:, result.open_sites].min(axis=1), rel=1e-9)
    assert (result.assignment == EXTERNAL).any()  # the border zones use the neighbour's service
    if model in ("p-median", "capacitated"):
        expected = _brute(cost, lambda m: float(weights @ m), n_hubs)
        assert float(weights @ minutes) == pytest.approx(expected, rel=1e-9)
    elif model == "mclp":
        expected = _brute(cost, lambda m: float(weights[m <= 6.0].sum()), n_hubs, best=max)
        assert float(weights[minutes <= 6.0].sum()) == pytest.approx(expected, rel=1e-9)
    else:
        expected = _brute(cost, lambda m: float(m.max()), n_hubs)
        assert float(minutes.max()) == pytest.approx(expected, rel=1e-9)


def test_without_the_external_site_the_answer_differs() -> None:
    """The border service changes the area's best hubs: without it a western hub is needed."""
    cost, weights = _border_case()
    with_ext = registry.lookup("p-median").solve(ModelRequest(cost, weights, 2, SiteRules.of(external=[EXTERNAL])))
    without = registry.lookup("p-median").solve(ModelRequest(cost, weights, 2, SiteRules.of(unavailable=[EXTERNAL])))
    assert set(with_ext.hubs) != set(without.hubs)
    assert len(without.external) == 0 and len(without.hubs) == 2


def test_lscp_counts_only_internal_hubs() -> None:
    cost, weights = _border_case()
    result = registry.lookup("lscp").solve(
        ModelRequest(cost, weights, None, SiteRules.of(external=[EXTERNAL]), max_minutes=4.0)
    )
    best = min(
        k
        for k in range(1, EXTERNAL + 1)
        for chosen in combinations(range(EXTERNAL), k)
        if cost[:, [*chosen, EXTERNAL]].min(axis=1).max() <= 4.0
    )
    assert len(result.hubs) == best
    assert EXTERNAL in result.open_sites


def test_external_site_cannot_also_be_must_open_or_unavailable() -> None:
    with pytest.raises(InputError, match="external"):
        SiteRules.of(must_open=[1], external=[1])
    with pytest.raises(InputError, match="external"):
        SiteRules.of(unavailable=[2], external=[2])
    # Forcing a swap keeps the external sites.
    assert SiteRules.of(external=[5]).also([1], [2]).external == (5,)


def test_capacitated_external_site_is_free_of_costs_and_capacity() -> None:
    cost, weights = _border_case()
    fixed = np.full(6, 1e6)  # the external site's row carries a cost: it is ignored
    capacity = np.full(6, np.nan)
    capacity[EXTERNAL] = 1.0  # ... and so is a capacity
    settings = CapacitySettings(fixed_cost=fixed, capacity=capacity, cost_weight=1.0)
    entry = registry.lookup("capacitated")
    result = entry.solve(
        ModelRequest(cost, weights, None, SiteRules.of(external=[EXTERNAL]), settings={"settings": settings})
    )
    # A hub costs 1e6, far more than any travel saved, and the external site is free: no hub opens, and the
    # neighbour's service serves everyone (its register capacity of 1 does not bind: it is not the area's to limit).
    assert len(result.hubs) == 0 and list(result.open_sites) == [EXTERNAL]
    assert (result.assignment == EXTERNAL).all()
    assert result.objective == pytest.approx(float(weights @ cost[:, EXTERNAL]), rel=1e-9)  # no cost counted
    # With one hub required, the one the brute force finds is chosen, still without the external site's cost.
    one = entry.solve(
        ModelRequest(cost, weights, 1, SiteRules.of(external=[EXTERNAL]), settings={"settings": settings})
    )
    assert len(one.hubs) == 1
    best = min(range(EXTERNAL), key=lambda j: float(weights @ cost[:, [j, EXTERNAL]].min(axis=1)))
    assert list(one.hubs) == [best]


@pytest.mark.parametrize(
    ("n_hubs", "bounds"),
    [
        # 3 hubs: the best set's own hubs serve 312-385, the external site 254. A minimum of 300 per hub binds on
        # the area's hubs only: the neighbour's service needs no minimum.
        (3, {"min_demand": 300.0}),
        # 1 hub: it serves 557, the external site 736. A maximum of 600 per hub binds on the area's hub only.
        (1, {"max_demand": 600.0}),
    ],
)
@pytest.mark.parametrize("method", ["tree", "mip"])  # the model's own tree search (the default) and the whole MIP
def test_capacitated_size_bounds_apply_to_the_areas_hubs_only(n_hubs: int, bounds: dict, method: str) -> None:
    cost, weights = _border_case()
    best = min(
        combinations(range(EXTERNAL), n_hubs), key=lambda s: float(weights @ cost[:, [*s, EXTERNAL]].min(axis=1))
    )
    cols = [*best, EXTERNAL]
    nearest = np.asarray(cols)[cost[:, cols].argmin(axis=1)]
    load = {j: float(weights[nearest == j].sum()) for j in cols}
    own = [load[j] for j in best]
    lo, hi = bounds.get("min_demand", 0.0), bounds.get("max_demand", np.inf)
    assert all(lo <= x <= hi for x in own) and not lo <= load[EXTERNAL] <= hi  # the bound would bind on it alone
    ids = [f"S{j}" for j in range(6)]
    result = registry.lookup("capacitated").solve(
        ModelRequest(
            cost, weights, n_hubs, SiteRules.of(external=[EXTERNAL]), site_ids=ids,
            settings={"settings": CapacitySettings(**bounds), "method": method},
        )
    )  # fmt: skip
    assert result.parameters["method"] == method
    assert sorted(result.hubs.tolist()) == list(best) and len(result.assignment) == len(weights)
    assert result.objective == pytest.approx(float(weights @ cost[:, cols].min(axis=1)), rel=1e-9)
    assert result.parameters["load"][f"S{EXTERNAL}"] == pytest.approx(load[EXTERNAL], rel=1e-9)  # no allowance
    assert result.parameters["n_hubs"] == n_hubs


def test_capacitated_minimum_still_binds_on_the_areas_hubs() -> None:
    """Three hubs each serving over a third of all demand cannot be had (the allowance of the border service does not
    count towards the area's hubs)."""
    cost, weights = _border_case()
    settings = {"settings": CapacitySettings(min_demand=float(weights.sum()) / 3 + 1)}
    with pytest.raises(ModelError):
        registry.lookup("capacitated").solve(
            ModelRequest(cost, weights, 3, SiteRules.of(external=[EXTERNAL]), settings=settings)
        )


def test_explanation_never_swaps_the_external_site_and_next_best_keep_it() -> None:
    cost, weights = _border_case()
    rules = SiteRules.of(external=[EXTERNAL])
    result = registry.lookup("p-median").solve(ModelRequest(cost, weights, 2, rules))
    swaps = swap_table(cost, weights, result, rules=rules)
    assert str(EXTERNAL) not in set(swaps["chosen_site"].astype(str))
    assert str(EXTERNAL) not in set(swaps["alternative_site"].astype(str))
    table = next_best_solutions(cost, weights, len(result.hubs), rules=rules, model="p-median", n_solutions=3)
    brute = sorted(
        float(weights @ cost[:, [*chosen, EXTERNAL]].min(axis=1)) for chosen in combinations(range(EXTERNAL), 2)
    )
    assert len(table) == 3
    objective = next(c for c in table.columns if c in ("objective", "weighted_minutes"))
    assert table[objective].to_numpy(dtype=float) == pytest.approx(brute[:3], rel=1e-9)


def test_cost_frontier_counts_external_sites_free_and_outside_n() -> None:
    cost, weights = _border_case()
    price = np.array([5.0, 1.0, 4.0, 2.0, 3.0, np.nan])  # the neighbour's site has no cost in the register
    sets = efficient_hub_sets(cost, weights, 2, price, rules=SiteRules.of(external=[EXTERNAL]))
    assert len(sets.table)
    for sites, annual in zip(sets.table["sites"], sets.table["annual_cost"], strict=True):
        assert EXTERNAL in sites and len(sites) == 3
        assert annual == pytest.approx(float(price[[j for j in sites if j != EXTERNAL]].sum()), rel=1e-9)
