"""The location-model registry: a new model is one module plus one entry.

A toy model ("first-n": the first N available sites in index order, in lexicographic order of the sets when some
are excluded) is registered in a test-local copy of the registry; scenario validation, the pipeline's model step,
the how-many-hubs sweep and the explanation then take it up with no other edit.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from light_demo import model_scenario_file

from hubopt.demand.zones import ZoneDemand
from hubopt.errors import InputError, ModelError
from hubopt.locate import registry
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.registry import LocationModel, ModelRequest
from hubopt.locate.solution import LocationResult, nearest_open_assignment
from hubopt.locate.solve import checked_report
from hubopt.locate.sweep import sweep_hubs
from hubopt.pipeline.model_step import solve_scenario_model
from hubopt.scenario import load_scenario

# 4 zones x 5 sites; site 4 is a twin of no one; every zone reaches every site.
COST = np.array(
    [
        [1.0, 5.0, 9.0, 4.0, 7.0],
        [6.0, 2.0, 8.0, 3.0, 5.0],
        [9.0, 7.0, 1.0, 6.0, 2.0],
        [4.0, 8.0, 5.0, 7.0, 1.0],
    ]
)
DEMAND = np.array([1.0, 2.0, 3.0, 4.0])


def solve_first_n(r: ModelRequest) -> LocationResult:
    """The toy model: the first N available sites (must-open ones included), skipping excluded sets."""
    n_sites = r.cost.shape[1]
    allowed = [j for j in range(n_sites) if j not in r.rules.unavailable]
    excluded = {tuple(sorted(int(j) for j in s)) for s in r.exclude_solutions}
    for chosen in itertools.combinations(allowed, r.hubs()):
        if set(r.rules.must_open) <= set(chosen) and chosen not in excluded:
            break
    else:
        raise ModelError("the first-n model is infeasible: no set of sites is left")
    sites = np.array(chosen, dtype=int)
    assignment, minutes = nearest_open_assignment(r.cost, sites)
    travel = float(np.dot(r.weights, minutes))
    report = checked_report(
        solver=r.options.solver, status="optimal", stopped_by=None, objective=travel, bound=travel, size=(0, 0, 0),
        seconds=0.0, time_limit=r.options.time_limit, mip_gap=r.options.mip_gap,
    )  # fmt: skip
    return LocationResult("first-n", sites, assignment, minutes, travel, report, {"n_hubs": r.hubs()})


TOY = LocationModel(
    "first-n", "the first N available sites", solve_first_n, "travel", aliases=("first",), swaps="nearest",
    next_best=solve_first_n,
)  # fmt: skip


@pytest.fixture
def toy_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "MODELS", dict(registry.MODELS))  # a test-local copy: the real one is untouched
    registry.register(TOY)


def test_an_unregistered_model_is_refused_by_the_scenario(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown model 'first-n'"):
        load_scenario(model_scenario_file(tmp_path, type="first-n", hubs=2))


@pytest.mark.usefixtures("toy_registry")
def test_scenario_validation_reads_what_the_entry_needs(tmp_path: Path) -> None:
    sc = load_scenario(model_scenario_file(tmp_path, type="first-n", hubs=2))
    assert sc.model_type == "first-n" and sc.hubs == 2
    with pytest.raises(InputError, match="the first-n model needs the number of hubs"):
        load_scenario(model_scenario_file(tmp_path, type="first-n", hubs=None))
    with pytest.raises(InputError, match="'budget' applies to the capacitated model, not first-n"):
        load_scenario(model_scenario_file(tmp_path, type="first-n", hubs=2, budget=10))
    with pytest.raises(InputError, match="several years is available for the p-median"):
        load_scenario(model_scenario_file(tmp_path, type="first-n", hubs=2, years=[2025, 2030]))


@pytest.mark.usefixtures("toy_registry")
def test_the_model_step_solves_sweeps_and_explains_a_registered_model(tmp_path: Path) -> None:
    sc = load_scenario(model_scenario_file(tmp_path, type="first-n", hubs=2, sweep=[1, 3], explain=True))
    zones = [f"Z{i}" for i in range(4)]
    demand = ZoneDemand(2025, pd.DataFrame({"zone_id": zones, "population": DEMAND * 10}), DEMAND, {}, "test")
    sites = pd.DataFrame(
        {"site_id": [f"S{j}" for j in range(5)], "name": list("ABCDE"), "type": "x", "status": "existing"}
    )
    out = solve_scenario_model(sc, COST, demand, sites, [], [], zones, lambda _y: demand)
    # the toy's answer: sites 0 and 1; zones to the nearer: 1, 2, min(9, 7), min(4, 8) -> 1*1 + 2*2 + 3*7 + 4*4
    assert out.result.model == "first-n"
    assert list(out.result.open_sites) == [0, 1]
    assert out.result.objective == pytest.approx(42.0, rel=1e-12)
    assert out.description == "first-n: the first N available sites"
    assert out.sweep is not None and list(out.sweep["n_hubs"]) == [1, 2, 3]
    assert list(out.sweep["sites"]) == ["S0", "S0, S1", "S0, S1, S2"]
    assert out.swaps is not None and set(out.swaps["chosen_site"]) == {"S0", "S1"}
    assert out.next_best is not None
    # next-best: the toy's own order of sets (lexicographic, each found set excluded in turn)
    assert list(out.next_best["sites"]) == ["S0, S1", "S0, S2", "S0, S3", "S0, S4"]


@pytest.mark.usefixtures("toy_registry")
def test_sweep_and_explain_accept_the_toy_by_name_or_alias() -> None:
    table = sweep_hubs("first", COST, DEMAND, [2])
    assert table.loc[0, "sites"] == "site 0, site 1"
    result = solve_first_n(ModelRequest(COST, DEMAND, 2))
    swaps = swap_table(COST, DEMAND, result, n_alternatives=1)
    # closing site 1 and opening site 4 instead: 1*1 + 2*min(6, 5) + 3*min(9, 2) + 4*min(4, 1) = 21 (the best)
    best = swaps[swaps["chosen_site"] == "site 1"].iloc[0]
    assert best["alternative_site"] == "site 4"
    assert best["objective"] == pytest.approx(21.0, rel=1e-12)
    nb = next_best_solutions(COST, DEMAND, 2, n_solutions=2, model="first-n")
    assert list(nb["sites"]) == ["site 0, site 1", "site 0, site 2"]
