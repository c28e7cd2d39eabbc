"""The capacitated model's Lagrangian knapsacks (:mod:`hubopt.locate.capacitated_bound`) against each site's
knapsack LP solved by scipy, with hub sizes small enough that each knapsack sorts only its best zones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from hubopt.locate.capacitated_bound import Knapsacks, knapsack_depth, site_values


def knapsack_lp(reduced: np.ndarray, w: np.ndarray, lower: float, upper: float) -> float:
    """min reduced @ x with lower <= w @ x <= upper, 0 <= x <= 1, over the finite entries (scipy's LP)."""
    ok = np.isfinite(reduced)
    out = linprog(reduced[ok], A_ub=np.vstack([w[ok], -w[ok]]), b_ub=[upper, -lower], bounds=(0, 1), method="highs")
    assert out.status == 0
    return float(out.fun)


@pytest.mark.parametrize("seed", range(6))
def test_site_values_are_the_knapsack_lps_when_only_the_best_zones_are_sorted(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 60, 7
    w = rng.integers(5, 8, n).astype(float)  # nearly equal: the depth is nearly tight
    minutes = rng.uniform(1, 50, (n, m))
    minutes[rng.random((n, m)) < 0.15] = np.inf
    cost = np.where(np.isfinite(minutes), w[:, None] * minutes, np.inf)
    lower = 0.08 * w.sum()
    upper = np.full(m, 0.15 * w.sum())
    upper[seed % m] = 0.1 * w.sum()
    site_cost = rng.uniform(0, 30, m)
    k = Knapsacks(cost, w, lower, upper, site_cost, 3)
    assert k.depth < n // 2  # the partial sort is what is checked
    for _ in range(20):
        u = w * rng.uniform(0, 60, n)
        values = site_values(k, u)
        for j in range(m):
            if not k.can_open[j]:
                assert values.rho[j] == np.inf
                continue
            lp = knapsack_lp(cost[:, j] - u, w, lower, float(upper[j])) + site_cost[j]
            assert values.rho[j] == pytest.approx(lp, rel=1e-9, abs=1e-6)


def test_knapsack_depth_holds_every_zone_a_site_can_take() -> None:
    w = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    # Smallest first: 1, 3, 6, 10, 15. More than 5 needs 3 zones, plus the one taken in part: 4.
    assert knapsack_depth(w, np.array([5.0, 2.0])) == 4
    assert knapsack_depth(w, np.array([15.0])) == 5  # never more than the zones there are
