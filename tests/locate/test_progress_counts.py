"""Long steps tell their progress as ``(done, total)``: the sweep per number of hubs, the explanation per solve."""

from __future__ import annotations

import numpy as np

from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import SiteRules
from hubopt.locate.sweep import sweep_hubs


def instance() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    zones, sites = rng.uniform(0, 20, size=(16, 2)), rng.uniform(0, 20, size=(7, 2))
    cost = np.hypot(*(zones[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)) * 2.0
    return cost, rng.uniform(1.0, 9.0, size=16)


def test_sweep_counts_every_number_of_hubs_even_an_infeasible_one() -> None:
    cost, w = instance()
    steps: list[tuple[int, int]] = []
    # Two sites unavailable: 6 hubs cannot open among the other 5, and the sweep says so in its row.
    table = sweep_hubs(
        "p-median", cost, w, [3, 1, 6, 2], rules=SiteRules.of([], [0, 1]), on_step=lambda d, t: steps.append((d, t))
    )
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert table["n_hubs"].tolist() == [1, 2, 3, 6]
    assert table.loc[3, "status"] == "infeasible"


def test_next_best_counts_its_solves() -> None:
    cost, w = instance()
    steps: list[tuple[int, int]] = []
    table = next_best_solutions(cost, w, 2, n_solutions=4, on_step=lambda d, t: steps.append((d, t)))
    assert len(table) == 4
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_next_best_ends_its_count_when_no_more_solutions_exist() -> None:
    cost, w = instance()
    steps: list[tuple[int, int]] = []
    # 3 available sites, 2 hubs: only 3 distinct answers exist; the count still reaches its total.
    rules = SiteRules.of([], [0, 1, 2, 3])
    table = next_best_solutions(cost, w, 2, n_solutions=5, rules=rules, on_step=lambda d, t: steps.append((d, t)))
    assert len(table) == 3 and table.attrs["exhausted"]
    assert steps == [(1, 5), (2, 5), (3, 5), (5, 5)]


def test_swap_table_counts_the_chosen_sites() -> None:
    cost, w = instance()
    result = solve_p_median(cost, w, 3)
    steps: list[tuple[int, int]] = []
    swap_table(cost, w, result, on_step=lambda d, t: steps.append((d, t)))
    assert steps == [(1, 3), (2, 3), (3, 3)]
