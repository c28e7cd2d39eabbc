"""Benchmark: the explanation of a built-in scenario's answer (swap_table and next_best_solutions), timed apart.

The scenario's model step is solved once (travel times from the cache, as in a rerun); then each explanation table
is computed ``--repeat`` times with the answer as the ranking's start, as the run and the workbench call them, and
with a time budget when ``--budget`` is given (how many next-best answers fit in it).

Run: python bench/explain.py [west_kent_hubs mid_south_essex_hubs] [--repeat 3] [--budget 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from types import SimpleNamespace
from typing import Any

from hubopt.locate.budget import deadline_after
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.pipeline import model_step
from hubopt.pipeline.demand import scenario_demand
from hubopt.pipeline.steps import select_sites, travel_times
from hubopt.scenario import load_scenario
from hubopt.study import load_study


def inputs(name: str) -> tuple[tuple[Any, ...], dict[str, Any], tuple[Any, ...], dict[str, Any]]:
    """The arguments the model step passes to swap_table and next_best_solutions for the built-in scenario."""
    scenario = load_scenario(f"builtin:{name}")
    study = load_study(scenario.study)
    demand_for_year = scenario_demand(study, scenario)
    demand = demand_for_year(scenario.year)
    candidates = select_sites(study, scenario)
    modes = travel_times(study, candidates.sites, scenario, refresh=False, progress=lambda _m: None)
    captured: dict[str, Any] = {}

    def keep(key: str):
        def call(*args: Any, **kwargs: Any) -> Any:
            captured[key] = (args, {k: v for k, v in kwargs.items() if k not in ("on_step", "deadline")})
            return SimpleNamespace(attrs={})  # an empty table in place of the real one

        return call

    real = model_step.swap_table, model_step.next_best_solutions
    model_step.swap_table, model_step.next_best_solutions = keep("swaps"), keep("next_best")
    try:
        model_step.solve_scenario_model(
            scenario, modes[scenario.travel_use].minutes, demand, candidates.sites, candidates.must_open,
            candidates.unavailable, study.zones["zone_id"].astype(str).tolist(), demand_for_year,
        )  # fmt: skip
    finally:
        model_step.swap_table, model_step.next_best_solutions = real
    return (*captured["swaps"], *captured["next_best"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=["west_kent_hubs", "mid_south_essex_hubs"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=None, help="seconds for both tables together")
    args = parser.parse_args()
    for name in args.scenarios:
        s_args, s_kw, n_args, n_kw = inputs(name)
        swaps, nexts, found = [], [], []
        for _ in range(args.repeat):
            deadline = deadline_after(args.budget)
            start = time.perf_counter()
            swap_table(*s_args, **s_kw, deadline=deadline)
            swaps.append(time.perf_counter() - start)
            start = time.perf_counter()
            table = next_best_solutions(*n_args, **n_kw, deadline=deadline)
            nexts.append(time.perf_counter() - start)
            found.append(len(table))
        cost = s_args[0]
        print(
            f"{name} ({cost.shape[0]} zones x {cost.shape[1]} sites): swap_table median "
            f"{statistics.median(swaps):.3f} s, next_best_solutions median {statistics.median(nexts):.3f} s "
            f"(of {args.repeat}; next-best answers found: {found})"
        )


if __name__ == "__main__":
    main()
