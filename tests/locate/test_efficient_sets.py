"""Efficient cost-access sets at a fixed number of hubs (epsilon-constraint), checked against full enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hubopt.errors import InputError
from hubopt.locate.frontier import efficient_hub_sets
from hubopt.locate.options import NO_RULES, SiteRules


def _enumerated(c: np.ndarray, w: np.ndarray, n: int, price: np.ndarray, rules: SiteRules = NO_RULES) -> list:
    """Every non-dominated (travel, cost) pair over all sets of n usable sites that hold the must-open ones."""
    usable = [j for j in range(c.shape[1]) if j not in rules.unavailable]
    points = [
        (float(w @ c[:, list(s)].min(axis=1)), float(price[list(s)].sum()))
        for s in itertools.combinations(usable, n)
        if set(rules.must_open) <= set(s)
    ]

    def dominated(a: tuple, b: tuple) -> bool:
        return b[0] <= a[0] + 1e-9 and b[1] <= a[1] + 1e-9 and (b[0] < a[0] - 1e-9 or b[1] < a[1] - 1e-9)

    return sorted({(round(a[0], 6), round(a[1], 6)) for a in points if not any(dominated(a, b) for b in points)})


def _found(sets) -> list:
    return sorted(
        (round(t, 6), round(k, 6)) for t, k in zip(sets.table["travel"], sets.table["annual_cost"], strict=True)
    )


@pytest.mark.parametrize("seed", [1, 5, 7])
def test_every_efficient_set_is_found_and_no_other(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = rng.uniform(1, 60, (25, 9))
    w = rng.integers(1, 100, 25).astype(float)
    price = rng.integers(1, 20, 9).astype(float) * 1000
    n = 2 + seed % 3
    sets = efficient_hub_sets(c, w, n, price, max_points=100)
    assert sets.complete
    assert _found(sets) == _enumerated(c, w, n, price)
    # best access first, cheapest last; each set is n distinct sites
    assert list(sets.table["travel"]) == sorted(sets.table["travel"])
    assert list(sets.table["annual_cost"]) == sorted(sets.table["annual_cost"], reverse=True)
    assert all(len(s) == n for s in sets.table["sites"])


def test_an_unsupported_efficient_set_is_found() -> None:
    # One zone, one hub: A (travel 100, cost 0), B (0, 100), C (60, 60). C is efficient but lies above the line
    # A-B, so no weighted sum of travel and cost ever picks it; the epsilon-constraint method does.
    c = np.array([[100.0, 0.0, 60.0]])
    sets = efficient_hub_sets(c, np.array([1.0]), 1, np.array([0.0, 100.0, 60.0]))
    assert [s for s in sets.table["sites"]] == [(1,), (2,), (0,)]
    assert sets.complete


def test_rules_are_kept_and_a_tie_in_access_gives_the_cheaper_set() -> None:
    rng = np.random.default_rng(3)
    c = rng.uniform(1, 60, (20, 8))
    c[:, 7] = c[:, 6]  # sites 6 and 7 are interchangeable for access; 7 is dearer
    w = rng.integers(1, 50, 20).astype(float)
    price = np.array([5, 9, 3, 7, 2, 8, 4, 6], dtype=float) * 1000
    rules = SiteRules.of(must_open=[1], unavailable=[2])
    sets = efficient_hub_sets(c, w, 3, price, rules=rules, max_points=100)
    assert _found(sets) == _enumerated(c, w, 3, price, rules)
    for s in sets.table["sites"]:
        assert 1 in s and 2 not in s
        assert 7 not in s  # never chosen: site 6 gives the same access for less


def test_the_list_stops_at_max_points_and_says_so() -> None:
    rng = np.random.default_rng(5)
    c = rng.uniform(1, 60, (25, 9))
    w = rng.integers(1, 100, 25).astype(float)
    price = rng.integers(1, 20, 9).astype(float) * 1000
    sets = efficient_hub_sets(c, w, 4, price, max_points=2)
    assert len(sets.table) == 2
    assert not sets.complete
    assert "first 2" in sets.note


def test_a_missing_or_negative_cost_is_refused() -> None:
    c = np.ones((2, 3))
    with pytest.raises(InputError) as info:
        efficient_hub_sets(c, np.ones(2), 1, np.array([1.0, np.nan, 2.0]))
    assert info.value.parameter == "site_cost"
    with pytest.raises(InputError):
        efficient_hub_sets(c, np.ones(2), 1, np.array([1.0, -1.0, 2.0]))
    with pytest.raises(InputError) as info:
        efficient_hub_sets(c, np.ones(2), 4, np.ones(3))
    assert info.value.parameter == "n_hubs"
