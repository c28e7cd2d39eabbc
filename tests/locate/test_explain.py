"""Explaining an answer: swap costs (others fixed and re-optimised) and next-best distinct solutions, against
brute force."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from hubopt.errors import InputError, ModelError
from hubopt.locate import coverage
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.center import solve_p_center
from hubopt.locate.closed_form import evaluate_swaps, set_value, swap_values
from hubopt.locate.coverage import solve_lscp, solve_mclp
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.measure import model_measure
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import CapacitySettings, SiteRules, SolverOptions


def instance(seed: int, n: int = 16, m: int = 7):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 60, (n, m)).round(1)
    cost[rng.random((n, m)) < 0.1] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.uniform(1, 60, n).round(1)
    return cost, rng.uniform(1, 10, n)


def value(cost, w, subset) -> float:
    near = cost[:, list(subset)].min(axis=1)
    return float(np.dot(w, near)) if np.isfinite(near).all() else np.inf


def ranked_subsets(cost, w, p, must=(), banned=()):
    out = []
    for s in itertools.combinations(range(cost.shape[1]), p):
        if set(must) <= set(s) and not set(banned) & set(s):
            out.append((value(cost, w, s), s))
    return sorted(out)


def test_swap_values_match_recomputation() -> None:
    cost, w = instance(0)
    chosen = [1, 3, 5]
    table = swap_values(cost, w, chosen)
    for k, j in enumerate(chosen):
        for a in range(cost.shape[1]):
            trial = sorted({*chosen} - {j} | {a})
            assert table[k, a] == pytest.approx(value(cost, w, trial))


@pytest.mark.parametrize("seed", range(4))
def test_swap_table_for_a_p_median(seed: int) -> None:
    cost, w = instance(10 + seed)
    ids = [f"S{j}" for j in range(cost.shape[1])]
    names = [f"Site {j}" for j in range(cost.shape[1])]
    res = solve_p_median(cost, w, 3, rules=SiteRules.of(must_open=[0], unavailable=[6]))
    table = swap_table(
        cost,
        w,
        res,
        site_ids=ids,
        site_names=names,
        n_alternatives=2,
        reoptimise=True,
        rules=SiteRules.of(must_open=[0], unavailable=[6]),
    )
    chosen = [int(j) for j in res.open_sites]
    assert table.attrs["not_swapped"] == ["S0"]
    assert set(table["chosen_site"]) == {ids[j] for j in chosen if j != 0}
    assert "S6" not in set(table["alternative_site"])
    assert (table["method"] == "others fixed").all()
    for (site, _), group in table.groupby(["chosen_site", "chosen_name"]):
        assert group["rank"].tolist() == [1, 2]
        assert group["objective"].is_monotonic_increasing
        j = ids.index(site)
        best_other = min(
            value(cost, w, sorted({*chosen} - {j} | {a})) for a in range(6) if a not in chosen
        )  # best swap, others fixed
        assert group["objective"].iloc[0] == pytest.approx(best_other)
    assert (table["increase"] >= -1e-9).all()  # the optimum: no single swap improves it
    assert np.allclose(table["increase_pct"], 100 * table["increase"] / res.objective)
    assert np.allclose(table["extra_minutes"], table["increase"] / w.sum())
    # re-optimised: never worse than others fixed, and equal to the brute-force optimum with the swap forced
    assert (table["reoptimised_objective"] <= table["objective"] + 1e-9).all()
    for _, row in table.iterrows():
        out, into = ids.index(row["chosen_site"]), ids.index(row["alternative_site"])
        forced = ranked_subsets(cost, w, 3, must=(0, into), banned=(6, out))[0][0]
        assert row["reoptimised_objective"] == pytest.approx(forced)


@pytest.mark.parametrize("seed", range(5))
def test_next_best_p_median_solutions(seed: int) -> None:
    cost, w = instance(20 + seed)
    p = 2 + seed % 2
    must, banned = ([1], [4]) if seed % 2 else ((), ())
    table = next_best_solutions(cost, w, p, n_solutions=4, rules=SiteRules.of(must_open=must, unavailable=banned))
    truth = [v for v, _ in ranked_subsets(cost, w, p, must, banned) if np.isfinite(v)]
    assert len(table) == 4
    sets = table.attrs["open_sites"]
    assert len({tuple(s) for s in sets}) == 4  # distinct
    for s in sets:  # feasible
        assert len(s) == p and set(must) <= set(s) and not set(banned) & set(s)
    assert table["objective"].is_monotonic_increasing
    np.testing.assert_allclose(table["objective"], truth[:4], rtol=1e-9)  # best = optimum, then the next ones
    np.testing.assert_allclose([value(cost, w, s) for s in sets], table["objective"], rtol=1e-9)
    assert table["increase"].iloc[0] == 0 and (table["status"] == "optimal").all()
    assert table["swapped_in"].iloc[0] == "" and table["swapped_out"].iloc[0] == ""


def test_next_best_stops_when_no_more_solutions_exist() -> None:
    cost, w = instance(30, m=4)
    table = next_best_solutions(cost, w, 3, n_solutions=10)
    assert len(table) == 4 and table.attrs["exhausted"]  # C(4, 3) = 4 sets in all
    with pytest.raises(InputError, match="needs a number of hubs"):
        next_best_solutions(cost, w, None)


def test_next_best_capacitated_matches_brute_force() -> None:
    rng = np.random.default_rng(40)
    n, m = 6, 4
    cost = rng.integers(1, 30, (n, m)).astype(float)
    w = rng.integers(1, 20, n).astype(float)
    limits = CapacitySettings(capacity=np.full(m, w.sum() * 0.55), min_demand=w.sum() * 0.2)
    table = next_best_solutions(cost, w, 2, n_solutions=3, model_kwargs={"settings": limits})
    truth = []
    for s in itertools.combinations(range(m), 2):
        best = np.inf
        for assign in itertools.product(s, repeat=n):
            loads = [w[np.array(assign) == j].sum() for j in s]
            if all(limits.min_demand <= x <= limits.capacity[0] for x in loads):
                best = min(best, float(np.dot(w, cost[np.arange(n), assign])))
        truth.append(best)
    truth = sorted(v for v in truth if np.isfinite(v))
    np.testing.assert_allclose(table["objective"], truth[:3])


def test_swap_table_for_a_capacitated_answer() -> None:
    rng = np.random.default_rng(41)
    cost = rng.uniform(1, 40, (12, 6))
    w = rng.uniform(1, 10, 12)
    kwargs = {"settings": CapacitySettings(capacity=np.full(6, w.sum() * 0.45), single_assignment=False)}
    res = solve_facility_location(cost, w, n_hubs=3, **kwargs)
    table = swap_table(cost, w, res, model_kwargs=kwargs, n_alternatives=2, reoptimise=True)
    assert len(table) == 6
    assert (table["increase"] >= -1e-6).all()
    assert (table["reoptimised_objective"] <= table["objective"] + 1e-6).all()
    for _, row in table.iterrows():  # "others fixed": the capacitated model with exactly that set open
        chosen = [int(j) for j in res.open_sites]
        out, into = int(row["chosen_site"].split()[-1]), int(row["alternative_site"].split()[-1])
        trial = sorted({*chosen} - {out} | {into})
        fixed = solve_facility_location(
            cost,
            w,
            n_hubs=3,
            rules=SiteRules.of(must_open=trial, unavailable=[j for j in range(6) if j not in trial]),
            **kwargs,
        )
        assert row["objective"] == pytest.approx(fixed.objective)


def test_colocated_sites_do_not_pad_the_next_best_list() -> None:
    cost, w = instance(50)
    best = ranked_subsets(cost, w, 2)[0][1]
    twin = np.hstack([cost, cost[:, [best[0]]]])  # a second practice in the same building as a chosen site
    ids = [f"S{j}" for j in range(twin.shape[1])]
    merged = next_best_solutions(twin, w, 2, n_solutions=3, site_ids=ids)
    truth = [v for v, _ in ranked_subsets(cost, w, 2)][:3]
    np.testing.assert_allclose(merged["objective"], truth)
    assert merged["equivalent"].iloc[0] == f"S{best[0]} = S{twin.shape[1] - 1}"
    padded = next_best_solutions(twin, w, 2, n_solutions=2, site_ids=ids, merge_colocated=False)
    assert padded["objective"].iloc[1] == pytest.approx(padded["objective"].iloc[0])


# --- MCLP, LSCP and p-center: each explained in its own measure ---------------------------------------------------


def cover_instance(seed: int, n: int = 14, m: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Integer minutes (many ties), some pairs unreachable, a few zones without demand."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 40, (n, m)).astype(float)
    cost[rng.random((n, m)) < 0.12] = np.inf
    cost[np.arange(n), rng.integers(0, m, n)] = rng.integers(1, 40, n)  # every zone reaches some site
    w = rng.integers(0, 20, n).astype(float)
    w[0] = 7.0
    return cost, w


def covered(cost, w, subset, t) -> float:
    return float(w[(cost[:, list(subset)] <= t).any(axis=1)].sum())


def uncovered(cost, w, subset, t) -> float:
    return float(w[~(cost[:, list(subset)] <= t).any(axis=1)].sum())


def radius(cost, w, subset) -> float:
    return float(cost[w > 0][:, list(subset)].min(axis=1).max())


def weighted(cost, w, subset) -> float:
    near = cost[:, list(subset)].min(axis=1)
    return float(np.dot(w[w > 0], near[w > 0]))


def standard(cost, banned=()) -> float:
    """A travel-time standard every zone can meet with some site (not a banned one)."""
    return float(np.delete(cost, list(banned), axis=1).min(axis=1).max()) + 4.0


def n_sets(m, p, must=(), banned=()):
    return [s for s in itertools.combinations(range(m), p) if set(must) <= set(s) and not set(banned) & set(s)]


def minimal_covers(cost, t, must=(), banned=()):
    """Every cover of all zones within t (rules kept) from which no site can be dropped, keeping the rules."""
    m = cost.shape[1]
    within = cost <= t
    out = []
    for size in range(1, m + 1):
        for s in itertools.combinations(range(m), size):
            if not set(must) <= set(s) or set(banned) & set(s) or not within[:, s].any(axis=1).all():
                continue
            droppable = [j for j in s if j not in must and within[:, [x for x in s if x != j]].any(axis=1).all()]
            if not droppable:
                out.append(s)
    return out


def lscp_optimum(cost, t, must=(), banned=()) -> float:
    within = cost <= t
    m = cost.shape[1]
    for size in range(1, m + 1):
        for s in n_sets(m, size, must, banned):
            if within[:, s].any(axis=1).all():
                return float(size)
    return np.nan


@pytest.mark.parametrize("model", ["mclp", "lscp", "p-center"])
@pytest.mark.parametrize("seed", range(5))
def test_evaluate_swaps_match_recomputation(model: str, seed: int) -> None:
    cost, w = cover_instance(60 + seed)
    t = standard(cost) - 8.0
    chosen = sorted(np.random.default_rng(seed).choice(cost.shape[1], 3, replace=False).tolist())
    table = evaluate_swaps(cost, w, chosen, model, t)
    for k, j in enumerate(chosen):
        for a in range(cost.shape[1]):
            trial = sorted({*chosen} - {j} | {a})
            truth = {
                "mclp": covered(cost, w, trial, t),
                "lscp": uncovered(cost, w, trial, t),
                "p-center": radius(cost, w, trial),
            }[model]
            assert table[k, a] == pytest.approx(truth), (k, a)
            assert set_value(cost, w, trial, model, t) == pytest.approx(truth)


def _solve(model: str, cost, w, p, t, **rules):
    if model == "mclp":
        return solve_mclp(cost, w, p, t, **rules)
    if model == "lscp":
        return solve_lscp(cost, t, **rules)
    return solve_p_center(cost, w, p, **rules)


@pytest.mark.parametrize("model", ["mclp", "lscp", "p-center"])
@pytest.mark.parametrize("seed", range(4))
def test_swap_table_matches_brute_force(model: str, seed: int) -> None:
    cost, w = cover_instance(70 + seed)
    m, p = cost.shape[1], 3
    must, banned = [0], [6]
    t = standard(cost, banned) if model == "lscp" else standard(cost) - 10.0
    ids = [f"S{j}" for j in range(m)]
    res = _solve(model, cost, w, p, t, rules=SiteRules.of(must_open=must, unavailable=banned))
    chosen = [int(j) for j in res.open_sites]
    table = swap_table(
        cost,
        w,
        res,
        site_ids=ids,
        n_alternatives=2,
        reoptimise=True,
        rules=SiteRules.of(must_open=must, unavailable=banned),
    )

    def value(s):
        return (
            {"mclp": covered, "lscp": uncovered}[model](cost, w, s, t) if model != "p-center" else radius(cost, w, s)
        )

    base = value(chosen)
    measure = table.attrs["measure"]
    expected = {
        "mclp": (f"demand covered within {t:g} min", "higher"),
        "lscp": (f"demand left beyond {t:g} min", "lower"),
        "p-center": ("longest travel time (min)", "lower"),
    }[model]
    assert (measure.name, measure.better) == expected
    assert (table["measure"] == expected[0]).all() and (table["better"] == expected[1]).all()
    assert table.attrs["base_objective"] == pytest.approx(base)
    assert table.attrs["not_swapped"] == ["S0"]
    assert set(table["chosen_site"]) == {ids[j] for j in chosen if j != 0}
    assert "S6" not in set(table["alternative_site"])
    sign = -1.0 if model == "mclp" else 1.0
    for site, group in table.groupby("chosen_site"):
        j = ids.index(site)
        assert group["rank"].tolist() == [1, 2]
        swaps = {a: value(sorted({*chosen} - {j} | {a})) for a in range(m) if a not in chosen and a != 6}
        best_worse = min(sign * (v - base) for v in swaps.values())
        assert group["increase"].iloc[0] == pytest.approx(best_worse)  # the best alternative, others fixed
        assert group["increase"].is_monotonic_increasing
        for _, row in group.iterrows():
            a = ids.index(row["alternative_site"])
            trial = sorted({*chosen} - {j} | {a})
            assert row["objective"] == pytest.approx(swaps[a])
            assert row["increase"] == pytest.approx(sign * (swaps[a] - base))
            share_of = w.sum() if model in ("mclp", "lscp") else base
            assert row["increase_pct"] == pytest.approx(100 * row["increase"] / share_of)
            extra = (weighted(cost, w, trial) - weighted(cost, w, chosen)) / w.sum()
            if np.isfinite(cost[w > 0][:, trial].min(axis=1)).all() and np.isfinite(weighted(cost, w, chosen)):
                assert row["extra_minutes"] == pytest.approx(extra)
            # re-optimised: the brute-force optimum with the swap forced, never worse than others fixed
            rules = {"must": (0, a), "banned": (6, j)}
            if model == "lscp":
                assert row["uncovered_zones"] == int((~(cost[:, trial] <= t).any(axis=1)).sum())
                assert row["valid_alternative"] == (row["uncovered_zones"] == 0)
                truth = lscp_optimum(cost, t, **rules)
                assert row["reoptimised_measure"] == f"hubs needed for everyone within {t:g} min"
                if np.isnan(truth):
                    assert row["reoptimised_status"] == "infeasible" and np.isnan(row["reoptimised_objective"])
                else:
                    assert row["reoptimised_objective"] == truth
                    assert row["reoptimised_increase"] == truth - len(chosen)
                if row["valid_alternative"]:
                    assert row["reoptimised_objective"] == len(chosen)
            else:
                truth = max(value(s) for s in n_sets(m, p, **rules)) if model == "mclp" else None
                if model == "p-center":
                    truth = min(value(s) for s in n_sets(m, p, **rules))
                assert row["reoptimised_objective"] == pytest.approx(truth)
                assert sign * (row["reoptimised_objective"] - row["objective"]) <= 1e-9
                assert row["reoptimised_status"] == "optimal"
    if model != "lscp":
        assert (table["increase"] >= -1e-9).all()  # the optimum: no single swap improves it


@pytest.mark.parametrize("seed", range(6))
def test_next_best_mclp_matches_brute_force(seed: int) -> None:
    cost, w = cover_instance(80 + seed)
    m, p, t = cost.shape[1], 2 + seed % 2, standard(cost) - 12.0
    must, banned = ([1], [4]) if seed % 2 else ((), ())
    rules = SiteRules.of(must_open=must, unavailable=banned)
    table = next_best_solutions(
        cost, w, p, model="mclp", max_minutes=t, n_solutions=4, merge_colocated=False, rules=rules
    )
    truth = sorted((covered(cost, w, s, t) for s in n_sets(m, p, must, banned)), reverse=True)
    sets = table.attrs["open_sites"]
    assert len(table) == 4 and len({tuple(s) for s in sets}) == 4
    for s in sets:
        assert len(s) == p and set(must) <= set(s) and not set(banned) & set(s)
    np.testing.assert_allclose(table["objective"], truth[:4])  # ties compared as values, in order
    np.testing.assert_allclose([covered(cost, w, s, t) for s in sets], table["objective"])
    np.testing.assert_allclose(table["increase"], truth[0] - table["objective"])
    np.testing.assert_allclose(table["increase_pct"], 100 * table["increase"] / w.sum())
    np.testing.assert_allclose(table["covered_share"], table["objective"] / w.sum())
    assert (table["measure"] == f"demand covered within {t:g} min").all() and (table["better"] == "higher").all()
    assert (table["status"] == "optimal").all()


@pytest.mark.parametrize("seed", range(6))
def test_next_best_p_center_matches_brute_force(seed: int) -> None:
    cost, w = cover_instance(90 + seed)
    m, p = cost.shape[1], 2 + seed % 2
    must, banned = ([2], [5]) if seed % 2 else ((), ())
    table = next_best_solutions(
        cost,
        w,
        p,
        model="p-center",
        n_solutions=4,
        merge_colocated=False,
        rules=SiteRules.of(must_open=must, unavailable=banned),
    )
    truth = sorted((radius(cost, w, s), weighted(cost, w, s)) for s in n_sets(m, p, must, banned))
    sets = table.attrs["open_sites"]
    assert len(table) == 4 and len({tuple(s) for s in sets}) == 4
    # the model's own order: the radius, then (its tie-break) the demand-weighted time
    np.testing.assert_allclose(table["objective"], [r for r, _ in truth[:4]])
    np.testing.assert_allclose(table["weighted_minutes"], [x for _, x in truth[:4]])
    np.testing.assert_allclose([radius(cost, w, s) for s in sets], table["objective"])
    np.testing.assert_allclose(table["increase"], table["objective"] - truth[0][0])
    assert (table["measure"] == "longest travel time (min)").all() and (table["status"] == "optimal").all()


@pytest.mark.parametrize("seed", range(6))
def test_next_best_lscp_lists_minimal_covers_in_order(seed: int) -> None:
    cost, _ = cover_instance(100 + seed)
    w = np.ones(cost.shape[0])
    t = standard(cost) + 6.0 * (seed % 3)
    must, banned = ([3], [0]) if seed % 2 else ((), ())
    if np.isnan(lscp_optimum(cost, t, must, banned)):
        banned = ()
    rules = SiteRules.of(must_open=must, unavailable=banned)
    table = next_best_solutions(
        cost, w, None, model="lscp", max_minutes=t, n_solutions=6, merge_colocated=False, rules=rules
    )
    truth = sorted(len(s) for s in minimal_covers(cost, t, must, banned))
    sets = table.attrs["open_sites"]
    assert len(table) == min(6, len(truth))
    assert table.attrs["exhausted"] == (len(truth) < 6)
    np.testing.assert_allclose(table["objective"], truth[: len(table)])
    assert table["n_open"].tolist() == [len(s) for s in sets]
    within = cost <= t
    for s in sets:  # covers, rules kept, and no hub can be dropped
        assert within[:, s].any(axis=1).all()
        assert set(must) <= set(s) and not set(banned) & set(s)
        assert tuple(s) in minimal_covers(cost, t, must, banned)
    assert len({tuple(s) for s in sets}) == len(sets)
    assert (table["measure"] == f"hubs needed for everyone within {t:g} min").all()
    np.testing.assert_allclose(table["increase"], table["objective"] - truth[0])


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("seed", range(3))
def test_exclude_solutions_really_excludes(seed: int, solver: str) -> None:
    cost, w = cover_instance(110 + seed)
    m, p = cost.shape[1], 3
    t = standard(cost) - 10.0
    # MCLP: excluding the best sets leaves the best of the rest
    ranked = sorted(n_sets(m, p), key=lambda s: -covered(cost, w, s, t))
    gone = [list(s) for s in ranked[:3]]
    res = solve_mclp(cost, w, p, t, exclude_solutions=gone, options=SolverOptions(solver=solver))
    assert res.open_sites.tolist() not in gone
    assert res.objective == pytest.approx(covered(cost, w, ranked[3], t))
    assert res.parameters["excluded_solutions"] == 3 and res.report.is_optimal
    with pytest.raises(ModelError, match="infeasible"):
        solve_mclp(cost, w, p, t, exclude_solutions=n_sets(m, p), options=SolverOptions(solver=solver))
    # LSCP: neither an excluded cover nor any set containing one
    tl = standard(cost)
    first = solve_lscp(cost, tl, options=SolverOptions(solver=solver))
    again = solve_lscp(cost, tl, exclude_solutions=[first.open_sites.tolist()], options=SolverOptions(solver=solver))
    assert not set(first.open_sites) <= set(again.open_sites)
    assert again.objective == sorted(len(s) for s in minimal_covers(cost, tl))[1]
    with pytest.raises(ModelError, match="infeasible"):
        solve_lscp(cost, tl, exclude_solutions=[[j] for j in range(m)], options=SolverOptions(solver=solver))
    # p-center: in every stage (both methods, with and without the tie-break)
    order = sorted(n_sets(m, p), key=lambda s: (radius(cost, w, s), weighted(cost, w, s)))
    gone = [list(s) for s in order[:2]]
    for kwargs in ({}, {"tie_break": False}, {"method": "milp"}):
        res = solve_p_center(cost, w, p, exclude_solutions=gone, options=SolverOptions(solver=solver), **kwargs)
        assert res.open_sites.tolist() not in gone and len(res.open_sites) == p
        assert res.objective == pytest.approx(radius(cost, w, order[2]))
        assert res.report.is_optimal
    res = solve_p_center(cost, w, p, exclude_solutions=gone, options=SolverOptions(solver=solver))
    assert res.parameters["weighted_minutes"] == pytest.approx(weighted(cost, w, order[2]))
    with pytest.raises(ModelError, match="infeasible"):
        solve_p_center(cost, w, p, exclude_solutions=n_sets(m, p), options=SolverOptions(solver=solver))
    with pytest.raises(ModelError, match="infeasible"):  # the must-open sites alone make N, and that set is excluded
        solve_p_center(
            cost,
            w,
            2,
            exclude_solutions=[[1, 4]],
            rules=SiteRules.of(must_open=[1, 4]),
            options=SolverOptions(solver=solver),
        )


def test_p_center_padding_never_rebuilds_an_excluded_set() -> None:
    # one site reaches every zone: a cover needs 1 site, so the answer for N = 2 is padded; excluding the padded
    # answers must move the padding on, not return an excluded set
    cost = np.array([[1.0, 5.0, 9.0, 9.0], [2.0, 9.0, 5.0, 9.0], [1.0, 9.0, 9.0, 5.0]])
    w = np.ones(3)
    seen: list[list[int]] = []
    for _ in range(3):
        res = solve_p_center(cost, w, 2, tie_break=False, exclude_solutions=seen)
        assert 0 in res.open_sites and res.open_sites.tolist() not in seen
        assert res.objective == pytest.approx(2.0)
        seen.append(res.open_sites.tolist())
    res = solve_p_center(cost, w, 2, tie_break=False, exclude_solutions=seen)
    assert 0 not in res.open_sites and res.objective == pytest.approx(9.0)  # two of sites 1-3: one zone at 9


def test_time_limited_next_best_is_labelled_and_not_called_exhausted(
    clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The time limit runs out deterministically (never a bet on the machine being slow): the p-center's own
    # deadline by a stand-in clock that has already run out, ...
    cost, w = cover_instance(120, n=40, m=15)
    clock.run_out()
    table = next_best_solutions(cost, w, 4, model="p-center", n_solutions=4, options=SolverOptions(time_limit=600))
    assert table["status"].iloc[0] == "feasible"  # the greedy answer, labelled
    assert len(table) == 1 and not table.attrs["exhausted"]
    assert "time limit" in table.attrs["stopped"]
    # ... and the MCLP's solver as if stopped by its time limit before finding a solution
    real = coverage._solve

    def stopped(*args, **kwargs):
        size = real(*args, **kwargs)[-1]
        return "no solution", "time limit", None, None, None, size

    monkeypatch.setattr(coverage, "_solve", stopped)
    rng = np.random.default_rng(2)
    zones, sites = rng.uniform(0, 100, (300, 2)), rng.uniform(0, 100, (60, 2))
    big = np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1))
    table = next_best_solutions(
        big, rng.uniform(1, 9, 300), 6, model="mclp", max_minutes=20.0, options=SolverOptions(time_limit=600)
    )
    assert len(table) >= 1 and (table["status"] == "feasible").all()
    assert not table.attrs["exhausted"]
    assert "time limit" in table.attrs["stopped"]
    assert len({tuple(s) for s in table.attrs["open_sites"]}) == len(table)


def test_measures_word_each_model() -> None:
    assert model_measure("p-median").phrase(5.0, 1.234) == "+1.23% travel"
    cov = model_measure("mclp", max_minutes=10)
    assert cov.phrase(1234.0, 2.5) == "1,234 less demand within 10 min (2.50% of all demand)"
    assert cov.compare_line([1.0, 2.0], [0.1, 0.2]).startswith("cover 1, 2 less demand within 10 min")
    assert cov.worse_by(90.0, 100.0) == 10.0  # higher is better: a fall is "worse by"
    assert model_measure("lscp", max_minutes=10).phrase(0.0, 0.0) == "still everyone within 10 min"
    assert model_measure("lscp", max_minutes=10, hubs=True).phrase(1.0, 25.0) == "+1 hub"
    assert model_measure("p-center").phrase(2.0, 10.0) == "+2.0 min on the longest journey"
    with pytest.raises(InputError, match="max_minutes"):
        model_measure("mclp")
    with pytest.raises(InputError, match="finds the number of hubs itself"):
        next_best_solutions(np.ones((2, 2)), np.ones(2), 1, model="lscp", max_minutes=5)
