"""hubopt against spopt on the same p-median and MCLP instances, with the same solvers.

spopt (pysal/spopt) is needed for this benchmark only; it is not a hubopt dependency::

    pip install spopt
    python bench/vs_spopt.py [--spopt-limit 300] [--only west_kent essex pmed] [--no-cbc] [--memory]

Each instance is solved by hubopt (HiGHS, directly through highspy; and CBC through PuLP) and by spopt's
``PMedian.from_cost_matrix`` / ``MCLP.from_cost_matrix`` given ``pulp.HiGHS(msg=False)`` and CBC (the CBC command
hubopt itself uses, :func:`hubopt.locate.solve.cbc_command`). Objectives must agree; times include building the
model. spopt gets a time limit (``--spopt-limit`` seconds for the solver; its model building is not limited); a run
that stops on it is reported as "timed out after X s" and the ratio as a lower bound (">"), never as a pass it did
not earn.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from importlib import metadata
from pathlib import Path

import numpy as np
import pulp
from orlib import read_orlib_pmed

from hubopt.locate.coverage import solve_mclp
from hubopt.locate.median import solve_p_median
from hubopt.locate.options import SolverOptions
from hubopt.locate.solve import cbc_command

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
ESSEX_LADS = (
    "E07000066", "E07000067", "E07000068", "E07000069", "E07000070",
    "E07000074", "E07000075", "E06000033", "E06000034",
)  # fmt: skip
PMED = ("pmed1", "pmed10", "pmed20", "pmed30", "pmed40")
BIG = 100_000  # pairs: from here hubopt must be at least 10x faster


def west_kent() -> tuple[np.ndarray, np.ndarray]:
    from hubopt.demand.zones import zone_demand
    from hubopt.study import load_study
    from hubopt.travel.estimate import straight_line_minutes

    study = load_study(REPO / "hubopt" / "studies" / "west_kent")
    demand = zone_demand(study, 2030).demand
    return straight_line_minutes(study.zone_points(), study.site_points()), np.asarray(demand, dtype=float)


def essex() -> tuple[np.ndarray, np.ndarray]:
    from hubopt.io.deprivation import read_imd2019
    from hubopt.io.population import read_population_weighted_centroids, read_sape_syoa
    from hubopt.travel.estimate import straight_line_minutes

    pop = read_sape_syoa(next((SHARED / "population").glob("mid-2017-lsoa-pop-estimates*.csv")))
    pts = read_population_weighted_centroids(next((SHARED / "population").glob("Lower_Layer_Super_Output_Areas*")))
    imd = read_imd2019(SHARED / "deprivation" / "IMD2019_File1_westkent_mse.csv")
    lsoas = sorted(set(imd.loc[imd["lad_code"].isin(ESSEX_LADS), "lsoa_code"]))
    population = pop.set_index("lsoa_code").loc[lsoas, "all_ages"].to_numpy(dtype=float)
    geom = pts.set_index("lsoa_code").loc[lsoas, "geometry"]
    xy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
    return straight_line_minutes(xy, xy), population


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def spopt_run(kind: str, cost: np.ndarray, w: np.ndarray, n: int, t: float | None, solver: str, limit: float):
    """Solve with spopt; return (seconds, objective or None, label)."""
    from spopt.locate import MCLP, PMedian

    # CBC: the same binary hubopt uses (pulp[cbc]'s cbcbox, else PuLP's bundled one), found without the venv on PATH
    cmd = pulp.HiGHS(msg=False, timeLimit=limit) if solver == "highs" else cbc_command(timeLimit=limit)

    def run():
        model = PMedian.from_cost_matrix(cost, w, n) if kind == "p-median" else MCLP.from_cost_matrix(cost, w, t, n)
        model.solve(cmd, results=False)
        return model

    start = time.perf_counter()
    try:
        model = run()
    except RuntimeError as exc:  # spopt raises when the solver stops without a solution it can read
        seconds = time.perf_counter() - start
        return seconds, None, f"no solution after {seconds:.0f} s ({exc})".replace("\n", " ")
    seconds = time.perf_counter() - start
    prob = model.problem
    value = pulp.value(prob.objective)
    if prob.sol_status == pulp.LpSolutionOptimal:
        return seconds, float(value), "optimal"
    if value is not None and prob.sol_status == pulp.LpSolutionIntegerFeasible:
        return seconds, float(value), f"timed out after {seconds:.0f} s"
    return seconds, None, f"timed out after {seconds:.0f} s (no solution)" if seconds >= limit else prob.status


def hubopt_run(kind: str, cost: np.ndarray, w: np.ndarray, n: int, t: float | None, solver: str):
    if kind == "p-median":
        seconds, res = timed(lambda: solve_p_median(cost, w, n, options=SolverOptions(solver=solver)))
    else:
        seconds, res = timed(lambda: solve_mclp(cost, w, n, t, options=SolverOptions(solver=solver)))
    return seconds, res.objective, res.report.status


def memory(n: int = 3000, cutoff: float = 10.0) -> None:
    """Peak memory of hubopt's models on a large random instance (n zones x n sites, 1.5 min per km), with and
    without a travel-time cutoff. tracemalloc counts allocations made during each call (the input matrix, made
    before, is not counted); HiGHS's own C++ memory is not seen by tracemalloc, so the process's max RSS is shown too.
    """
    from hubopt.locate.pairs import candidate_pairs

    rng = np.random.default_rng(0)
    zones, sites = rng.uniform(0, 60_000, (n, 2)), rng.uniform(0, 60_000, (n, 2))
    cost = np.sqrt(((zones[:, None, :] - sites[None, :, :]) ** 2).sum(-1)) / 1000 * 1.5
    w = rng.uniform(100, 2000, n)
    print(f"\n## peak memory: {n}x{n} = {cost.size:,} pairs; the matrix itself is {cost.nbytes / 2**20:.0f} MiB")

    def peak(label: str, fn: Callable[[], object]) -> object:
        tracemalloc.start()
        start = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - start
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {label:<52} peak {top / 2**20:8.1f} MiB  {seconds:7.2f} s  (max RSS so far {rss:.0f} MiB)")
        return out

    everything = np.ones(n, dtype=bool)
    all_pairs = peak("pairs gathered, no cutoff", lambda: candidate_pairs(cost, everything))
    print(f"    {all_pairs.size:,} pairs")  # type: ignore[attr-defined]
    del all_pairs
    kept = peak(f"pairs gathered, cutoff {cutoff:g} min", lambda: candidate_pairs(cost, everything, cutoff))
    print(f"    {kept.size:,} pairs")  # type: ignore[attr-defined]
    # N: a greedy cover of every zone within the cutoff, plus 10 (so that the p-median with the cutoff is feasible)
    from hubopt.locate.coverage import _greedy_cover

    cover = _greedy_cover(kept, w, None, np.zeros(n, dtype=bool), everything)  # type: ignore[arg-type]
    hubs = int(cover.sum()) + 10
    res = peak(
        f"p-median N = {hubs}, cutoff {cutoff:g} min (solve)",
        lambda: solve_p_median(cost, w, hubs, max_minutes=cutoff, options=SolverOptions(time_limit=300)),
    )
    print(f"    {res.report.describe()}")  # type: ignore[attr-defined]
    res = peak(
        f"MCLP N = {hubs // 2}, T = {cutoff:g} min (solve)",
        lambda: solve_mclp(cost, w, hubs // 2, cutoff, options=SolverOptions(time_limit=300)),
    )
    print(f"    {res.report.describe()}")  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spopt-limit", type=float, default=300.0, help="solver time limit given to spopt (s)")
    parser.add_argument("--only", nargs="*", default=["west_kent", "essex", "pmed"], help="instance groups")
    parser.add_argument("--no-cbc", action="store_true", help="skip the CBC runs")
    parser.add_argument("--memory", action="store_true", help="also measure peak memory with and without a cutoff")
    parser.add_argument("--memory-only", action="store_true", help="only the memory measurement")
    args = parser.parse_args(argv)
    try:
        import spopt  # noqa: F401
    except ImportError:
        print("spopt is not installed: this benchmark compares hubopt with it. Install it with: pip install spopt")
        return 2
    print(f"# {date.today()}  {platform.node()}  {platform.machine()}  python {platform.python_version()}")
    print(
        f"# hubopt {metadata.version('hubopt')}  spopt {metadata.version('spopt')}  PuLP {pulp.__version__}  "
        f"highspy {metadata.version('highspy')}  spopt time limit {args.spopt_limit:g} s"
    )
    if args.memory_only:
        memory()
        return 0
    instances: list[tuple[str, str, np.ndarray, np.ndarray, int, float | None]] = []
    if "west_kent" in args.only:
        cost, w = west_kent()
        instances += [("West Kent", "p-median", cost, w, n, None) for n in (4, 6, 8)]
        instances += [("West Kent", "MCLP", cost, w, n, 10.0) for n in (4, 6, 8)]
    if "essex" in args.only:
        cost, w = essex()
        instances += [("Mid & S Essex", "p-median", cost, w, n, None) for n in (5, 10, 20)]
        instances += [("Mid & S Essex", "MCLP", cost, w, n, 10.0) for n in (5, 10, 20)]
    if "pmed" in args.only:
        for name in PMED:
            cost, p = read_orlib_pmed(SHARED / "orlib_pmed" / f"{name}.txt")
            instances.append((name, "p-median", cost, np.ones(cost.shape[0]), p, None))
    solvers = ["highs"] if args.no_cbc else ["highs", "cbc"]
    failures = []
    for label, kind, cost, w, n, t in instances:
        pairs = cost.size
        what = (
            f"{label} {kind} N={n}" + (f" T={t:g}" if t is not None else "") + f" ({cost.shape[0]}x{cost.shape[1]})"
        )
        print(f"\n{what}: {pairs:,} pairs", flush=True)
        for solver in solvers:
            h_s, h_obj, h_status = hubopt_run(kind, cost, w, n, t, solver)
            s_s, s_obj, s_status = spopt_run(kind, cost, w, n, t, solver, args.spopt_limit)
            agree = s_obj is not None and abs(h_obj - s_obj) <= 1e-6 * max(1.0, abs(h_obj))
            timed_out = s_status != "optimal"
            ratio = s_s / h_s
            ratio_text = f"{'>' if timed_out else ''}{ratio:.1f}x"
            check = ""
            if pairs >= BIG:
                ok = ratio >= 10
                check = "  10x: " + ("PASS" if ok else "FAIL")
                if not ok:
                    failures.append(f"{what} [{solver}]")
            if not timed_out and not agree:
                failures.append(f"{what} [{solver}] objectives differ")
            s_obj_text = "-" if s_obj is None else f"{s_obj:,.3f}"
            agree_text = "- (spopt has no solution)" if s_obj is None else ("yes" if agree else "NO")
            print(
                f"  {solver:<5} hubopt {h_s:8.2f} s  obj {h_obj:,.3f} ({h_status})  |  spopt {s_s:8.2f} s  "
                f"obj {s_obj_text} ({s_status})  |  ratio {ratio_text}  agree {agree_text}{check}",
                flush=True,
            )
    if args.memory:
        memory()
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
