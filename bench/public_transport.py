"""Benchmark: hubopt's RAPTOR public-transport times against a time-expanded-graph Dijkstra, on the Cairns feed.

Run from the repository root (a few minutes):

    python bench/public_transport.py [--feed PATH] [--baseline-origins N] [--destinations 50]

Every stop with coordinates of the real Cairns GTFS feed (2014, ../shared/data/gtfs/format_sample_not_study_area)
is an origin, 50 stops (seeded random) are the destinations, over a two-hour window (08:00-10:00 on the feed's
busiest Tuesday) at one-minute departures: 120 departure times. Walks: 800 m to and from stops, 400 m between stops,
straight line x 1.3 at 4.8 km/h.

hubopt (:func:`hubopt.travel.raptor.earliest_arrivals`, all origins) is timed in full. The baseline
(bench/time_expanded.py: one scipy Dijkstra on the time-expanded graph per origin and departure minute) is run, in
the same process, for a seeded sample of origins (``--baseline-origins``) at all 120 minutes: its times must equal
hubopt's for those origins (to 1e-6 s), and its time per query is extrapolated linearly to all origins (said so in
the output). hubopt is also timed on the sampled origins alone, for a like-for-like ratio.

Peak memory: the peak of Python-tracked allocations (tracemalloc, which includes NumPy arrays) during a second,
untimed hubopt call (tracemalloc slows allocations), and the process's maximum resident set size at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from time_expanded import TimeExpandedGraph, time_expanded_times  # noqa: E402

from hubopt.io.gtfs import read_gtfs  # noqa: E402
from hubopt.io.gtfs_calendar import resolve_service_day  # noqa: E402
from hubopt.travel.public_transport import WalkSettings, stop_points, walk_links  # noqa: E402
from hubopt.travel.raptor import WalkLinks, earliest_arrivals  # noqa: E402
from hubopt.travel.timetable import build_timetable  # noqa: E402

DEFAULT_FEED = REPO.parent / "shared" / "data" / "gtfs" / "format_sample_not_study_area" / "cairns_gtfs.zip"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feed", type=Path, default=DEFAULT_FEED)
    parser.add_argument("--baseline-origins", type=int, default=10)
    parser.add_argument("--destinations", type=int, default=50)
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"pandas {pd.__version__}"
    )
    print(f"load average before: {os.getloadavg()}")
    t0 = time.perf_counter()
    feed = read_gtfs(args.feed)
    day = resolve_service_day(feed, "tuesday")
    window = (8 * 3600.0, 10 * 3600.0)
    tt = build_timetable(feed, day, window, horizon_s=4 * 3600)
    print(
        f"feed read and timetable built in {time.perf_counter() - t0:.2f} s: {day}, {tt.n_trips} trips, "
        f"{len(tt.patterns)} patterns, {tt.n_stops} stops"
    )
    xy = stop_points(feed, "EPSG:32755")
    usable = np.flatnonzero(np.isfinite(xy).all(axis=1))
    rng = np.random.default_rng(2026)
    origins_xy = xy[usable]
    dest_xy = xy[rng.choice(usable, args.destinations, replace=False)]
    walk = WalkSettings()
    access = walk_links(origins_xy, xy, walk.max_walk_m, walk)
    egress = walk_links(xy, dest_xy, walk.max_walk_m, walk)
    fp = walk_links(xy, xy, walk.max_transfer_m, walk)
    keep = fp.source != fp.target
    footpaths = WalkLinks(fp.source[keep], fp.target[keep], fp.seconds[keep])
    direct = walk.seconds(np.hypot(*(origins_xy[:, None, :] - dest_xy[None, :, :]).transpose(2, 0, 1)))
    deps = np.arange(window[0], window[1], 60.0)
    n_o = len(origins_xy)
    print(f"{n_o} origins x {len(dest_xy)} destinations x {len(deps)} departures = {n_o * len(deps):,} queries")

    def run_all() -> np.ndarray:
        return earliest_arrivals(
            tt, deps, n_o, len(dest_xy), access=access, footpaths=footpaths, egress=egress, direct_s=direct
        )

    t0 = time.perf_counter()
    raptor = run_all()
    t_raptor = time.perf_counter() - t0
    tracemalloc.start()  # a second, untimed run: tracemalloc slows every NumPy allocation
    run_all()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"hubopt RAPTOR, all origins: {t_raptor:.2f} s ({t_raptor / (n_o * len(deps)) * 1e6:.1f} us per query), "
        f"peak traced memory {peak / 2**20:.1f} MiB (measured in a second, untimed run)"
    )

    sample = np.sort(rng.choice(n_o, args.baseline_origins, replace=False))
    sel = np.isin(access.source, sample)
    remap = {int(o): i for i, o in enumerate(sample)}
    sample_access = WalkLinks(
        np.array([remap[int(o)] for o in access.source[sel]], dtype=np.int64), access.target[sel], access.seconds[sel]
    )
    t0 = time.perf_counter()
    earliest_arrivals(
        tt,
        deps,
        len(sample),
        len(dest_xy),
        access=sample_access,
        footpaths=footpaths,
        egress=egress,
        direct_s=direct[sample],
    )
    t_raptor_sample = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = TimeExpandedGraph(tt, footpaths)
    t_graph = time.perf_counter() - t0
    t0 = time.perf_counter()
    baseline = time_expanded_times(graph, deps, sample, len(dest_xy), access=access, egress=egress, direct_s=direct)
    t_base = time.perf_counter() - t0
    per_query = t_base / (len(sample) * len(deps))
    print(f"time-expanded graph: {graph.graph.shape[0]:,} nodes, {graph.graph.nnz:,} edges, built in {t_graph:.2f} s")
    print(
        f"baseline Dijkstra, {len(sample)} sampled origins x {len(deps)} departures: {t_base:.2f} s "
        f"({per_query * 1e3:.2f} ms per query)"
    )
    ours = raptor[sample]
    same_inf = np.array_equal(np.isinf(ours), np.isinf(baseline))
    finite = np.isfinite(ours)
    worst = float(np.max(np.abs(ours[finite] - baseline[finite]))) if finite.any() else 0.0
    print(
        f"agreement on the sample: same unreachable pairs {same_inf}, largest difference {worst:.2e} s "
        f"over {finite.sum():,} finite times"
    )
    extrapolated = per_query * n_o * len(deps) + t_graph
    print(f"baseline extrapolated to all origins (linear in queries, plus building the graph): {extrapolated:.0f} s")
    print(f"speed ratio, all origins (extrapolated baseline / measured hubopt): {extrapolated / t_raptor:.0f}x")
    print(f"speed ratio, sampled origins only (both measured): {(t_base + t_graph) / t_raptor_sample:.0f}x")
    print(f"process max resident set size: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"load average after: {os.getloadavg()}")
    if not same_inf or worst > 1e-6:
        raise SystemExit("hubopt and the baseline disagree")


if __name__ == "__main__":
    main()
