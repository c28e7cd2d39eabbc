"""Explaining an answer: swap costs (others fixed and re-optimised) and next-best distinct solutions, against
brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hubopt.errors import InputError
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.explain import next_best_solutions, swap_table, swap_values
from hubopt.locate.median import solve_p_median


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
    res = solve_p_median(cost, w, 3, must_open=[0], unavailable=[6])
    table = swap_table(
        cost,
        w,
        res,
        must_open=[0],
        unavailable=[6],
        site_ids=ids,
        site_names=names,
        n_alternatives=2,
        reoptimise=True,
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
    table = next_best_solutions(cost, w, p, n_solutions=4, must_open=must, unavailable=banned)
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
    kwargs = {"capacity": np.full(m, w.sum() * 0.55), "min_demand": w.sum() * 0.2}
    table = next_best_solutions(cost, w, 2, n_solutions=3, model_kwargs=kwargs)
    truth = []
    for s in itertools.combinations(range(m), 2):
        best = np.inf
        for assign in itertools.product(s, repeat=n):
            loads = [w[np.array(assign) == j].sum() for j in s]
            if all(kwargs["min_demand"] <= x <= kwargs["capacity"][0] for x in loads):
                best = min(best, float(np.dot(w, cost[np.arange(n), assign])))
        truth.append(best)
    truth = sorted(v for v in truth if np.isfinite(v))
    np.testing.assert_allclose(table["objective"], truth[:3])


def test_swap_table_for_a_capacitated_answer() -> None:
    rng = np.random.default_rng(41)
    cost = rng.uniform(1, 40, (12, 6))
    w = rng.uniform(1, 10, 12)
    kwargs = {"capacity": np.full(6, w.sum() * 0.45), "single_assignment": False}
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
            cost, w, n_hubs=3, must_open=trial, unavailable=[j for j in range(6) if j not in trial], **kwargs
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
