"""The p-median's ranking of its best distinct answers (hubopt.locate.median_ranked) against brute force."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from hubopt.errors import ModelError
from hubopt.locate import registry
from hubopt.locate.explain import next_best_solutions
from hubopt.locate.median_ranked import rank_p_median
from hubopt.locate.options import SiteRules


def value(cost: np.ndarray, w: np.ndarray, sites: tuple[int, ...], max_minutes: float | None = None) -> float:
    c = cost if max_minutes is None else np.where(cost <= max_minutes, cost, np.inf)
    near = c[:, list(sites)].min(axis=1)
    return float(np.dot(w, near)) if np.isfinite(near).all() else np.inf


def brute_force(cost, w, p, must=(), banned=(), max_minutes=None) -> list[tuple[float, tuple[int, ...]]]:
    ranked = []
    for s in itertools.combinations(range(cost.shape[1]), p):
        if set(must) <= set(s) and not set(banned) & set(s):
            v = value(cost, w, s, max_minutes)
            if np.isfinite(v):
                ranked.append((v, s))
    return sorted(ranked)


def small(seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Random times with gaps (unreachable pairs), ties (whole minutes) and small weights."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 25)), int(rng.integers(3, 10))
    cost = rng.uniform(1, 60, (n, m)).round(0)
    cost[rng.random((n, m)) < 0.15] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.uniform(1, 60, n).round(0)
    return cost, rng.integers(1, 10, n).astype(float), int(rng.integers(1, m))


def planar(seed: int, n: int = 40, m: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Zones and sites on a plane with large demands: the cutoff leaves out many pairs."""
    rng = np.random.default_rng(seed)
    zones, sites = rng.uniform(0, 50, (n, 2)), rng.uniform(0, 50, (m, 2))
    cost = np.hypot(*(zones[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).round(1)
    return cost, rng.integers(1, 1000, n).astype(float)


def check(ranked, truth, k: int, cost, w, max_minutes=None) -> None:
    got = [r.objective for r in ranked.results]
    np.testing.assert_allclose(got, [v for v, _ in truth[:k]], rtol=1e-9)
    sets = [tuple(int(j) for j in r.open_sites) for r in ranked.results]
    assert len(set(sets)) == len(sets)  # distinct
    np.testing.assert_allclose([value(cost, w, s, max_minutes) for s in sets], got, rtol=1e-9)
    assert all(r.report.status == "optimal" for r in ranked.results)  # each proven in its place
    assert ranked.exhausted == (len(truth) < k) and ranked.stopped is None


@pytest.mark.parametrize("seed", range(60))
def test_ranking_matches_brute_force_on_small_instances(seed: int) -> None:
    cost, w, p = small(seed)
    m = cost.shape[1]
    must = [0] if seed % 3 == 0 and p > 1 else []
    banned = [m - 1] if seed % 4 == 0 and m - 1 > p else []
    truth = brute_force(cost, w, p, must, banned)
    k = 1 + seed % 6
    rules = SiteRules.of(must_open=must, unavailable=banned)
    if not truth:
        with pytest.raises(ModelError):
            rank_p_median(cost, w, p, k, rules=rules)
        return
    check(rank_p_median(cost, w, p, k, rules=rules), truth, k, cost, w)


@pytest.mark.parametrize("seed", range(12))
def test_ranking_matches_brute_force_with_a_cutoff_and_ties(seed: int) -> None:
    cost, w = planar(1000 + seed)
    if seed % 4 == 0:
        cost[:, 3] = cost[:, 2]  # two sites at one place: equal answers
    p, k = 2 + seed % 4, 2 + seed % 7
    t = 30.0 if seed % 3 == 0 else None
    truth = brute_force(cost, w, p, max_minutes=t)
    check(rank_p_median(cost, w, p, k, max_minutes=t), truth, k, cost, w, t)


def test_a_start_is_only_a_start() -> None:
    cost, w = planar(7)
    truth = brute_force(cost, w, 4)
    worst = truth[-1][1]
    for start in (worst, truth[0][1], (0, 1), (0, 1, 2, 99 % cost.shape[1], 5)):
        check(rank_p_median(cost, w, 4, 5, start=start), truth, 5, cost, w)
    # a start that breaks the rules (a banned site) is not used
    banned = [truth[0][1][0]]
    truth_b = brute_force(cost, w, 4, banned=banned)
    check(rank_p_median(cost, w, 4, 3, start=truth[0][1], rules=SiteRules.of([], banned)), truth_b, 3, cost, w)


def test_p_median_next_best_needs_no_mip(monkeypatch: pytest.MonkeyPatch) -> None:
    # The p-median's next-best answers come from its ranking: the MIP with a no-good cut per answer (minutes on
    # 705 zones x 150 sites) is never built.
    def no_mip(*_args, **_kwargs):
        raise AssertionError("the p-median's next-best answers built a MIP")

    monkeypatch.setattr(registry, "solve_facility_location", no_mip)
    cost, w = planar(8)
    table = next_best_solutions(cost, w, 3, n_solutions=4)
    np.testing.assert_allclose(table["objective"], [v for v, _ in brute_force(cost, w, 3)[:4]], rtol=1e-9)
    assert (table["status"] == "optimal").all() and not table.attrs["cut_short"]


def test_next_best_starts_from_the_answer_explained() -> None:
    cost, w = planar(9)
    truth = brute_force(cost, w, 3)
    # a twin of a chosen site: the answer may name the twin the ranking leaves out
    twin = np.hstack([cost, cost[:, [truth[0][1][0]]]])
    start = [*truth[0][1][1:], twin.shape[1] - 1]
    table = next_best_solutions(twin, w, 3, n_solutions=3, incumbent=start)
    np.testing.assert_allclose(table["objective"], [v for v, _ in truth[:3]], rtol=1e-9)


@pytest.mark.parametrize("seed", [30, 33, 34])
def test_a_time_limit_labels_the_answer_it_stopped_at(clock: Any, seed: int) -> None:
    # The clock has run out: each answer's time limit passes at its first check, however fast the machine.
    cost, w = planar(seed)
    clock.run_out()
    ranked = rank_p_median(cost, w, 3, 4, time_limit=5.0)
    truth = brute_force(cost, w, 3)
    *proven, last = ranked.results
    for rank, r in enumerate(proven):
        assert r.report.status == "optimal" and r.objective == pytest.approx(truth[rank][0], rel=1e-9)
    assert last.report.status == "feasible" and last.report.stopped_by == "time limit"
    assert last.report.bound is not None and last.report.bound <= last.objective  # never labelled optimal
    assert last.objective >= truth[len(proven)][0] * (1 - 1e-9)
    assert ranked.stopped == "time limit" and not ranked.exhausted


def test_p_median_next_best_keeps_the_travel_time_limit() -> None:
    # A p-median with max_minutes serves every zone within it; its next-best answers must too (the MIP per answer
    # left the limit out and listed answers that broke it).
    cost, w = planar(31)
    t = 26.0
    table = next_best_solutions(cost, w, 3, n_solutions=4, max_minutes=t)
    truth = brute_force(cost, w, 3, max_minutes=t)
    assert truth[3][0] > brute_force(cost, w, 3)[3][0]  # the limit changes the list
    np.testing.assert_allclose(table["objective"], [v for v, _ in truth[:4]], rtol=1e-9)
    for sites in table.attrs["open_sites"]:
        assert (cost[:, sites].min(axis=1) <= t).all()
