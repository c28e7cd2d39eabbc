"""Benchmark: hubopt's travel-time matrix against plain networkx, on the real Rutland network and a large one.

Run from the repository root (takes about 20-30 minutes, most of it networkx on Rutland):

    python bench/travel_matrix.py [--pbf PATH] [--rutland-nx-origins N] [--grid K] [--large-nx-origins N]
                                  [--write-results bench/RESULTS.md]

1. Rutland (real OpenStreetMap extract, drive network): every node as an origin × 50 sites. hubopt
   (``travel_time_matrix``: CSR + scipy Dijkstra from the sites on the reversed graph) against one
   ``networkx.single_source_dijkstra_path_length(graph, origin, weight="travel_time")`` per origin (all origins unless
   ``--rutland-nx-origins`` samples them). Times must agree to 1e-6 minutes.
2. A large road-like network: K × K copies of the Rutland network laid side by side (offset by the extract's width
   plus 1 km) and linked at 25 places along each shared edge by two-way 60 km/h links; K = 4 gives 231,072 nodes.
   networkx is timed on a sample of origins and extrapolated linearly to all origins (said so in the output).
3. Scaling: hubopt's time for 10, 50 and 200 sites (all nodes as zones), and for 10,000 / 50,000 / all zones
   (50 sites): it should grow with the number of sites, hardly with the number of zones.

Peak memory: the peak of Python-tracked allocations (tracemalloc, which includes NumPy/SciPy arrays) during the
hubopt matrix call, and the process's maximum resident set size at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hubopt.travel.matrix import compile_network, travel_time_matrix  # noqa: E402
from hubopt.travel.network import load_network, network_info  # noqa: E402

DEFAULT_PBF = REPO.parent / "shared/data/osm/format_sample_not_westkent/rutland-latest.osm.pbf"
SECTION = "## Travel-time matrix"
LINK_SPEED_KPH = 60.0


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Result of ``fn()`` and its best wall time over ``repeat`` runs (seconds)."""
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def peak_traced(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Result of ``fn()`` and the peak of traced allocations during it (MB)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, peak / 1e6


def networkx_matrix(graph: nx.MultiDiGraph, tm: Any, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """The plain networkx way: one single-source Dijkstra per origin; returns minutes for ``rows`` and the time.

    Origins and sites are the nodes hubopt snapped them to, and the same straight-line access legs are added, so
    the two must agree exactly up to floating-point rounding.
    """
    mps = 15.0 / 3.6
    out = np.empty((len(rows), tm.shape[1]))
    t0 = time.perf_counter()
    for k, i in enumerate(rows):
        dist = nx.single_source_dijkstra_path_length(graph, tm.origin_nodes[i], weight="travel_time")
        out[k] = [dist.get(n, np.inf) for n in tm.destination_nodes]
    elapsed = time.perf_counter() - t0
    out = (out + tm.origin_snap_m[rows, None] / mps + tm.destination_snap_m[None, :] / mps) / 60.0
    return out, elapsed


def replicate(graph: nx.MultiDiGraph, k: int, links_per_side: int = 25) -> nx.MultiDiGraph:
    """K × K copies of ``graph`` side by side, linked across each shared edge by two-way links."""
    nodes = list(graph.nodes)
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes])
    x0, y0 = xy.min(axis=0)
    w, h = xy.max(axis=0) - xy.min(axis=0) + 1000.0
    edges = [(u, v, d["travel_time"]) for u, v, d in graph.edges(data=True)]
    pos = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    big = nx.MultiDiGraph(crs=graph.graph.get("crs"), hubopt_mode="drive")
    for cx in range(k):
        for cy in range(k):
            base = (cx * k + cy) * n
            big.add_nodes_from(
                (base + i, {"x": float(x + cx * w), "y": float(y + cy * h)}) for i, (x, y) in enumerate(xy)
            )
            big.add_edges_from((base + pos[u], base + pos[v], {"travel_time": t}) for u, v, t in edges)
    rng = np.random.default_rng(1)

    def link(a_base: int, b_base: int, a_side: np.ndarray, b_side: np.ndarray, shift: np.ndarray) -> None:
        for i in rng.choice(a_side, size=min(links_per_side, len(a_side)), replace=False):
            target = xy[i] - shift
            j = int(b_side[np.argmin(np.hypot(*(xy[b_side] - target).T))])
            d = float(np.hypot(*(xy[i] - (xy[j] + shift))))
            t = d / (LINK_SPEED_KPH / 3.6)
            big.add_edge(a_base + int(i), b_base + j, travel_time=t)
            big.add_edge(b_base + j, a_base + int(i), travel_time=t)

    east = np.flatnonzero(xy[:, 0] > x0 + w - 1000.0 - 3000.0)
    west = np.flatnonzero(xy[:, 0] < x0 + 3000.0)
    north = np.flatnonzero(xy[:, 1] > y0 + h - 1000.0 - 3000.0)
    south = np.flatnonzero(xy[:, 1] < y0 + 3000.0)
    for cx in range(k):
        for cy in range(k):
            base = (cx * k + cy) * n
            if cx + 1 < k:
                link(base, ((cx + 1) * k + cy) * n, east, west, np.array([w, 0.0]))
            if cy + 1 < k:
                link(base, (cx * k + cy + 1) * n, north, south, np.array([0.0, h]))
    return big


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pbf", type=Path, default=DEFAULT_PBF)
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--rutland-nx-origins", type=int, default=0, help="sample this many origins (0 = all)")
    ap.add_argument("--grid", type=int, default=4, help="K for the K x K replicated network")
    ap.add_argument("--large-nx-origins", type=int, default=10)
    ap.add_argument("--write-results", type=Path, default=None)
    args = ap.parse_args(argv)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    rng = np.random.default_rng(20240601)
    say(SECTION)
    say()
    say(
        f"`python bench/travel_matrix.py` on {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, networkx {nx.__version__}, scipy {scipy.__version__}; "
        f"2 cores shared with other developers' jobs (load average {os.getloadavg()[0]:.1f} at the "
        "start), so absolute times are pessimistic; every comparison is within the same run. Wall-clock seconds."
    )
    say()

    # ---------------------------------------------------------------- Rutland
    graph, t_load = timed(lambda: load_network(args.pbf, mode="drive"))
    info = network_info(graph)
    say(f"### Rutland, drive network ({args.pbf.name}, real OpenStreetMap extract)")
    say()
    say(
        f"- Loaded in {t_load:.1f} s (pyosmium read + osmnx graph build + speeds + largest SCC): "
        f"{info.n_nodes:,} nodes, {info.n_edges:,} edges; {info.dropped_nodes:,} nodes outside the largest "
        "strongly connected component dropped."
    )
    net, t_compile = timed(lambda: compile_network(graph), repeat=3)
    xy = net.xy
    zones = xy
    site_rows = rng.choice(len(xy), size=args.sites, replace=False)
    sites = xy[site_rows]
    (tm, peak_mb) = peak_traced(lambda: travel_time_matrix(net, zones, sites))
    _, t_matrix = timed(lambda: travel_time_matrix(net, zones, sites), repeat=3)
    _, t_total = timed(lambda: travel_time_matrix(graph, zones, sites), repeat=3)
    n_nx = len(zones) if args.rutland_nx_origins <= 0 else min(args.rutland_nx_origins, len(zones))
    rows = np.arange(len(zones)) if n_nx == len(zones) else np.sort(rng.choice(len(zones), n_nx, replace=False))
    ref, t_nx = networkx_matrix(graph, tm, rows)
    diff = float(np.max(np.abs(ref - tm.minutes[rows])))
    t_nx_all = t_nx * len(zones) / n_nx
    sampled = "" if n_nx == len(zones) else f" (sample of {n_nx:,} origins, extrapolated linearly to all)"
    say(f"- Matrix: {len(zones):,} origins (every node) × {args.sites} sites = {tm.minutes.size:,} pairs.")
    say()
    say("| method | seconds | speed-up vs networkx |")
    say("| --- | ---: | ---: |")
    say(f"| networkx, one `single_source_dijkstra_path_length` per origin{sampled} | {t_nx_all:,.1f} | 1× |")
    say(
        f"| hubopt `travel_time_matrix` from the graph (compile + snap + Dijkstra) | {t_total:.3f} | "
        f"{t_nx_all / t_total:,.0f}× |"
    )
    say(f"| hubopt, network already compiled (snap + Dijkstra) | {t_matrix:.3f} | {t_nx_all / t_matrix:,.0f}× |")
    say()
    say(
        f"- Agreement: largest difference {diff:.2e} minutes over {len(rows) * args.sites:,} pairs "
        f"({'OK' if diff <= 1e-6 else 'FAIL'}: must be ≤ 1e-6). Compile alone: {t_compile:.3f} s. "
        f"Peak traced memory of the matrix call: {peak_mb:.0f} MB."
    )
    say()
    ok = diff <= 1e-6 and t_nx_all / t_total >= 100

    # ---------------------------------------------------------------- large network
    k = args.grid
    big, t_build = timed(lambda: replicate(graph, k))

    say(
        f"### Large road-like network: {k} × {k} linked copies of Rutland ({big.number_of_nodes():,} nodes, "
        f"{big.number_of_edges():,} edges; built in {t_build:.0f} s)"
    )
    say()
    hnet, t_hcompile = timed(lambda: compile_network(big))
    hxy = hnet.xy
    hsites = hxy[rng.choice(len(hxy), size=args.sites, replace=False)]
    (htm, hpeak) = peak_traced(lambda: travel_time_matrix(hnet, hxy, hsites))
    _, t_h = timed(lambda: travel_time_matrix(hnet, hxy, hsites), repeat=2)
    hrows = np.sort(rng.choice(len(hxy), size=args.large_nx_origins, replace=False))
    href, t_hnx = networkx_matrix(big, htm, hrows)
    hdiff = float(np.max(np.abs(href - htm.minutes[hrows])))
    t_hnx_all = t_hnx * len(hxy) / len(hrows)
    say(f"- Matrix: {len(hxy):,} origins (every node) × {args.sites} sites = {htm.minutes.size:,} pairs.")
    say()
    say("| method | seconds | speed-up vs networkx |")
    say("| --- | ---: | ---: |")
    say(
        f"| networkx, one Dijkstra per origin: {len(hrows)} sampled origins took {t_hnx:.1f} s, extrapolated "
        f"linearly to all {len(hxy):,} | {t_hnx_all:,.0f} (≈ {t_hnx_all / 3600:,.0f} h) | 1× |"
    )
    say(f"| hubopt, compile the graph | {t_hcompile:.2f} | |")
    say(f"| hubopt, matrix (snap + Dijkstra) | {t_h:.2f} | {t_hnx_all / t_h:,.0f}× |")
    say(f"| hubopt, compile + matrix | {t_hcompile + t_h:.2f} | {t_hnx_all / (t_hcompile + t_h):,.0f}× |")
    say()
    say(
        f"- Agreement on the sampled origins: largest difference {hdiff:.2e} minutes "
        f"({'OK' if hdiff <= 1e-6 else 'FAIL'}). Peak traced memory of the matrix call: {hpeak:.0f} MB "
        f"(the {htm.minutes.size:,}-pair result alone is {htm.minutes.nbytes / 1e6:.0f} MB)."
    )
    say()
    ok = ok and hdiff <= 1e-6 and t_hnx_all / (t_hcompile + t_h) >= 100

    # ---------------------------------------------------------------- scaling
    say("### Scaling on the large network (network compiled once)")
    say()
    say("| zones | sites | pairs | seconds | seconds per site | peak traced MB |")
    say("| ---: | ---: | ---: | ---: | ---: | ---: |")
    cases = [(len(hxy), s) for s in (10, 50, 200)] + [(z, 50) for z in (10_000, 50_000)]
    took: dict[tuple[int, int], float] = {}
    for nz, ns in cases:
        zsel = hxy if nz == len(hxy) else hxy[rng.choice(len(hxy), size=nz, replace=False)]
        ssel = hxy[rng.choice(len(hxy), size=ns, replace=False)]
        (_, pk) = peak_traced(lambda z=zsel, s=ssel: travel_time_matrix(hnet, z, s))
        _, t = timed(lambda z=zsel, s=ssel: travel_time_matrix(hnet, z, s), repeat=2)
        took[nz, ns] = t
        say(f"| {nz:,} | {ns} | {nz * ns:,} | {t:.2f} | {t / ns:.3f} | {pk:.0f} |")
    say()
    n_all = len(hxy)
    say(
        f"20× more sites (10 → 200, all zones) took {took[n_all, 200] / took[n_all, 10]:.1f}× the time; "
        f"{n_all / 10_000:.0f}× more zones (10,000 → {n_all:,}, 50 sites) took "
        f"{took[n_all, 50] / took[10_000, 50]:.1f}× the time. The cost is one Dijkstra per site over the whole "
        "network; the zones only add copying their columns out of each result (and the result's size), so the "
        "time follows the number of sites, not zones × sites."
    )
    say()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(
        f"Process peak resident memory over the whole benchmark: {rss:,.0f} MB (dominated by the networkx graph "
        "of the large network, which hubopt needs only to compile)."
    )
    say()
    say(f"Overall: {'PASS' if ok else 'FAIL'} (agreement ≤ 1e-6 minutes and hubopt ≥ 100× faster on both networks).")
    if args.write_results is not None:
        write_section(args.write_results, "\n".join(lines) + "\n")
    return 0 if ok else 1


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of ``path`` (from its heading to the next ``## `` heading), or append it."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = old.find(SECTION)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + ("\n" + old[nxt + 1 :] if nxt >= 0 else "")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)


if __name__ == "__main__":
    raise SystemExit(main())
