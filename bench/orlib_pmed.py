"""OR-Library p-median benchmark: pmed1-pmed40 must reach their published optima, proven optimal.

Usage::

    python bench/orlib_pmed.py [--data ../shared/data/orlib_pmed] [--solver highs] [pmed1 pmed2 ...]

Prints each instance's n, p, seconds, objective, published optimum and status, then the total time. Exits with
status 1 when any instance misses its optimum or is not proven optimal.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import date
from importlib import metadata
from pathlib import Path

import numpy as np
import pulp
from orlib import read_orlib_optima, read_orlib_pmed

from hubopt.locate.median import solve_p_median
from hubopt.locate.options import SolverOptions

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "orlib_pmed"


def how_proven(parameters: dict) -> str:
    """What closed the gap, from the solve's parameters: the Lagrangian tree search, a MIP, or a bound met."""
    if "mip_pairs" in parameters:
        return "MIP over " + "+".join(str(k) for k in parameters["mip_pairs"]) + " pairs"
    tree = parameters.get("tree")
    if tree:
        done = "" if tree["finished"] else ", stopped by the time limit"
        return f"tree search: {tree['nodes']} nodes over {tree['sites']} sites, {tree['seconds']:.1f} s{done}"
    if "lp_bound" in parameters:
        return "LP bound met"
    if "lagrangian_bound" in parameters:
        return "Lagrangian bound met"
    return "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", help="instance names (default: pmed1 ... pmed40)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of pmedN.txt and pmedopt.txt")
    parser.add_argument("--solver", default="highs", choices=["highs", "cbc"])
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per instance (default: none)")
    args = parser.parse_args(argv)
    names = args.instances or [f"pmed{k}" for k in range(1, 41)]
    optima = read_orlib_optima(args.data / "pmedopt.txt")
    print(f"# {date.today()}  {platform.node()}  {platform.machine()}  python {platform.python_version()}")
    print(f"# highspy {metadata.version('highspy')}  PuLP {pulp.__version__}  solver {args.solver}")
    header = ("instance", "n", "p", "seconds", "objective", "optimum", "status", "how proven")
    print("{:<9} {:>4} {:>4} {:>9} {:>10} {:>8} {:<9} {}".format(*header))
    total, failures = 0.0, []
    for name in names:
        cost, p = read_orlib_pmed(args.data / f"{name}.txt")
        start = time.perf_counter()
        res = solve_p_median(
            cost, np.ones(cost.shape[0]), p, options=SolverOptions(solver=args.solver, time_limit=args.time_limit)
        )
        seconds = time.perf_counter() - start
        total += seconds
        optimum = optima[name]
        ok = res.report.is_optimal and abs(res.objective - optimum) < 1e-6
        if not ok:
            failures.append(name)
        print(
            f"{name:<9} {cost.shape[0]:>4} {p:>4} {seconds:>9.2f} {res.objective:>10.0f} {optimum:>8.0f} "
            f"{res.report.status:<9} {how_proven(res.parameters)}{'' if ok else '  <-- FAILED'}",
            flush=True,
        )
    print(
        f"total {total:.1f} s for {len(names)} instances; {len(names) - len(failures)} reached the published optimum"
    )
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
