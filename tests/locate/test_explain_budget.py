"""The explanation's time budget: a deadline run out at a chosen moment (the ``clock`` fixture, never real timing)
stops swap_table and next_best_solutions cleanly; what they kept is correct and whole, and the table says so."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_median_ranked import brute_force, planar

from hubopt.locate import lagrangian
from hubopt.locate.budget import deadline_after
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import CapacitySettings
from hubopt.locate.pairs import candidate_pairs


def run_out_at(clock: Any, when: int):
    """An on_step callback that runs the clock out once ``done`` reaches ``when``."""

    def step(done: int, _total: int) -> None:
        if done == when:
            clock.run_out()

    return step


@pytest.mark.parametrize("when", [1, 2, 3])
def test_next_best_p_median_cut_short_keeps_the_answers_proven(clock: Any, when: int) -> None:
    cost, w = planar(21)
    deadline = deadline_after(10.0)
    table = next_best_solutions(cost, w, 3, n_solutions=4, deadline=deadline, on_step=run_out_at(clock, when))
    assert len(table) == when
    np.testing.assert_allclose(table["objective"], [v for v, _ in brute_force(cost, w, 3)[:when]], rtol=1e-9)
    assert (table["status"] == "optimal").all()
    assert table.attrs["cut_short"] and not table.attrs["exhausted"]
    assert table.attrs["cut_short_note"] == f"next-best solutions: {when} of 4 found before the time budget ran out"


def test_next_best_cut_short_before_the_best_is_an_empty_table(clock: Any) -> None:
    cost, w = planar(22)
    deadline = deadline_after(1.0)
    clock.run_out()
    for model, t in (("p-median", None), ("mclp", 20.0)):
        table = next_best_solutions(cost, w, 3, n_solutions=4, model=model, max_minutes=t, deadline=deadline)
        assert len(table) == 0 and {"rank", "objective", "sites"} <= set(table.columns)
        assert table.attrs["cut_short"]
        assert table.attrs["cut_short_note"] == "next-best solutions: 0 of 4 found before the time budget ran out"


def test_next_best_solved_in_turn_cut_short(clock: Any) -> None:
    cost, w = planar(23)
    full = next_best_solutions(cost, w, 3, n_solutions=3, model="mclp", max_minutes=15.0)
    cut = next_best_solutions(
        cost, w, 3, n_solutions=3, model="mclp", max_minutes=15.0, deadline=deadline_after(10.0),
        on_step=run_out_at(clock, 2),
    )  # fmt: skip
    assert len(cut) == 2 and cut.attrs["cut_short"] and not full.attrs["cut_short"]
    pd.testing.assert_frame_equal(cut, full.iloc[:2])
    assert cut.attrs["cut_short_note"] == "next-best solutions: 2 of 3 found before the time budget ran out"


def test_without_a_deadline_nothing_is_cut_short() -> None:
    cost, w = planar(24)
    res = solve_p_median(cost, w, 3)
    for table in (swap_table(cost, w, res), next_best_solutions(cost, w, 3, n_solutions=2)):
        assert table.attrs["cut_short"] is False and table.attrs["cut_short_note"] is None


def test_closed_form_swaps_are_always_whole(clock: Any) -> None:
    # one vectorised pass: nothing to cut, whatever the deadline
    cost, w = planar(25)
    res = solve_p_median(cost, w, 3)
    deadline = deadline_after(1.0)
    clock.run_out()
    table = swap_table(cost, w, res, deadline=deadline)
    pd.testing.assert_frame_equal(table, swap_table(cost, w, res))
    assert not table.attrs["cut_short"]


@pytest.mark.parametrize("when", [1, 2])
def test_swaps_that_need_solves_stop_between_hubs(clock: Any, when: int) -> None:
    cost, w = planar(26, n=12, m=6)
    res = solve_p_median(cost, w, 3)
    full = swap_table(cost, w, res, n_alternatives=2, reoptimise=True)
    cut = swap_table(
        cost,
        w,
        res,
        n_alternatives=2,
        reoptimise=True,
        deadline=deadline_after(10.0),
        on_step=run_out_at(clock, when),
    )
    kept = full[full["chosen_site"].isin(full["chosen_site"].unique()[:when])]
    pd.testing.assert_frame_equal(cut, kept)  # whole hubs, each exactly as without a deadline
    assert cut.attrs["cut_short"]
    assert cut.attrs["cut_short_note"] == f"swaps: {when} of 3 hubs explained before the time budget ran out"


def test_capacitated_swaps_stop_between_hubs(clock: Any) -> None:
    cost, w = planar(27, n=10, m=5)
    limits = CapacitySettings(capacity=np.full(5, w.sum() * 0.6))
    res = solve_facility_location(cost, w, n_hubs=2, settings=limits)
    kwargs = {"settings": limits}
    full = swap_table(cost, w, res, n_alternatives=2, model_kwargs=kwargs)
    cut = swap_table(
        cost, w, res, n_alternatives=2, model_kwargs=kwargs, deadline=deadline_after(10.0),
        on_step=run_out_at(clock, 1),
    )  # fmt: skip
    first = full["chosen_site"].iloc[0]
    pd.testing.assert_frame_equal(cut, full[full["chosen_site"] == first])
    assert cut.attrs["cut_short_note"] == "swaps: 1 of 2 hubs explained before the time budget ran out"


def test_lagrangian_deadline_is_read_from_hubopts_clock(clock: Any) -> None:
    # The clock stands still, so a deadline one second away never passes: the ascent must run as without one.
    # (It compared the deadline with time.perf_counter(), so a deadline set on hubopt's clock stopped it at once.)
    cost, w = planar(28)
    pairs = candidate_pairs(cost, np.ones(cost.shape[1], dtype=bool))
    fixed, allowed = np.zeros(cost.shape[1], dtype=bool), np.ones(cost.shape[1], dtype=bool)
    start = w * cost.min(axis=1) * 2.0
    upper = brute_force(cost, w, 3)[0][0]
    free, _u = lagrangian.lagrangian_bound(pairs, w, start, 3, fixed, allowed, upper)
    timed, _u = lagrangian.lagrangian_bound(pairs, w, start, 3, fixed, allowed, upper, deadline=deadline_after(1.0))
    assert timed == pytest.approx(free, rel=1e-12)
