"""Benchmark: the Mid and South Essex travel-time matrix along land, bounded searches against the whole-grid search.

Run from the repository root (about half a minute on an idle machine):

    python bench/land_distance.py [--write-results bench/RESULTS.md]

The built-in Mid and South Essex study: 705 zones x 156 sites on its land mask (100 m cells). Timed in the same run:

1. the straight-line (crow-fly) estimate, ``straight_line_minutes``;
2. the baseline, ``land_distances(..., search="full")``: the method before, one
   :func:`scipy.sparse.csgraph.dijkstra` search over the whole grid from each distinct site cell (graph built
   first), then the model;
3. the new default, ``land_distances(..., search="bounded")``: open-country paths checked on the raster, the rest by
   Dijkstra searches over only the tiles their paths can cross, then the model; its distances are compared with
   the baseline's;
4. ``land_distance_matrix`` into an empty cache folder (reading the mask, the bounded searches, the model, writing
   the cache), then the same again from the cache (read and checked).

With scikit-image installed (it is not a hubopt dependency), it also times ``skimage.graph.MCP_Geometric``, a
compiled cost-distance on the raster, from a few site cells: 8 neighbours only and no rule against slipping
through a channel's corner, so not the same graph; shown for its speed per search only.

It also counts the pairs whose land distance exceeds the straight line by more than 0.5 minutes, and the
Burnham-on-Crouch zones' minutes to Southend Hospital both ways.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hubopt.study import load_study  # noqa: E402
from hubopt.travel.estimate import load_land_model, straight_line_minutes  # noqa: E402
from hubopt.travel.land_distance import land_distances  # noqa: E402
from hubopt.travel.land_mask import LAND_MASK_FILE, LandMask  # noqa: E402
from hubopt.travel.land_times import land_distance_matrix  # noqa: E402

SECTION = "## Distance along land"


def _loadavg() -> str:
    return " / ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])


def _mcp_seconds_per_search(mask: LandMask, site_xy: np.ndarray, searches: int = 5) -> float | None:
    """Seconds per search of scikit-image's MCP_Geometric from site cells, or None without scikit-image."""
    try:  # optional: scikit-image is not a hubopt dependency
        mcp_geometric = importlib.import_module("skimage.graph").MCP_Geometric
    except ImportError:
        return None
    rows, cols, _inside = mask.cells_of(site_xy)
    costs = np.where(mask.land, 1.0, np.inf)
    start = time.perf_counter()
    for k in range(searches):
        mcp_geometric(costs).find_costs([(int(rows[k]), int(cols[k]))])
    return (time.perf_counter() - start) / searches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-results", type=Path, default=None, help="replace this section of RESULTS.md")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    load_before = _loadavg()
    study = load_study(REPO / "hubopt" / "studies" / "mid_south_essex")
    zone_xy, site_xy = study.zone_points(), study.site_points()
    zone_ids = study.zones["zone_id"].astype(str).tolist()
    site_ids = study.sites["site_id"].astype(str).tolist()
    mask_path = study.folder / LAND_MASK_FILE
    mask = LandMask.read(mask_path)
    model = load_land_model()

    t = time.perf_counter()
    crow = straight_line_minutes(zone_xy, site_xy)
    t_crow = time.perf_counter() - t
    timed = {}
    for search in ("full", "bounded"):
        t = time.perf_counter()
        dist = land_distances(zone_xy, site_xy, mask, search=search)
        minutes = model.predict_minutes(dist.km)
        timed[search] = (time.perf_counter() - t, dist, minutes)
    (t_full, full, full_min), (t_bounded, bounded, bounded_min) = timed["full"], timed["bounded"]
    km_diff = float(np.max(np.abs(bounded.km - full.km) / full.km))
    min_diff = float(np.max(np.abs(bounded_min - full_min)))
    assert km_diff < 1e-9 and np.array_equal(bounded.no_land_path, full.no_land_path)
    with tempfile.TemporaryDirectory() as cache:
        t = time.perf_counter()
        land, _notes, cached = land_distance_matrix(
            zone_xy, zone_ids, site_xy, site_ids, mask_path, cache_dir=Path(cache)
        )
        t_land = time.perf_counter() - t
        assert not cached
        t = time.perf_counter()
        again, _notes, cached = land_distance_matrix(
            zone_xy, zone_ids, site_xy, site_ids, mask_path, cache_dir=Path(cache)
        )
        t_cached = time.perf_counter() - t
        assert cached and np.array_equal(again.minutes, land.minutes)
    t_mcp = _mcp_seconds_per_search(mask, site_xy)
    load_after = _loadavg()
    rows, cols, _inside = mask.cells_of(site_xy)
    n_sites = len(np.unique(rows * mask.shape[1] + cols))
    longer = float(np.mean(land.minutes > crow + 0.5))
    burnham = study.zones["zone_name"].str.startswith("Maldon 008").to_numpy()
    southend = int(np.flatnonzero(study.sites["name"].to_numpy() == "Southend Hospital")[0])
    lines = [
        SECTION,
        "",
        f"`python bench/land_distance.py` on {started:%Y-%m-%d %H:%M} UTC, {platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}; 2 cores shared with other "
        f"jobs: load average (/proc/loadavg, 1 / 5 / 15 min) {load_before} before the run and {load_after} after "
        "it, so absolute times are pessimistic; the two methods are timed in the same run. Wall-clock seconds.",
        "",
        f"Mid and South Essex: {len(zone_ids)} zones x {len(site_ids)} sites ({n_sites} distinct site cells); "
        f"{mask.describe()}, {int(mask.land.sum()):,} land cells.",
        "",
        "| method | seconds | vs the whole-grid search |",
        "| --- | ---: | ---: |",
        f"| straight line (crow-fly estimate) | {t_crow:.3f} | |",
        f'| along land, baseline `search="full"`: graph, {n_sites} whole-grid Dijkstras (scipy.sparse.csgraph), '
        f"model | {t_full:.1f} | 1x |",
        f'| along land, new default `search="bounded"`: open-country paths checked, bounded Dijkstras, model | '
        f"{t_bounded:.1f} | {t_full / t_bounded:.1f}x faster |",
        f"| `land_distance_matrix` into an empty cache (mask read, bounded searches, model, cache written) | "
        f"{t_land:.1f} | |",
        f"| `land_distance_matrix` from the matrix cache | {t_cached:.2f} | |",
        "",
        f"- Same answers: largest relative difference in km between the two methods {km_diff:.1e}, largest "
        f"difference in minutes {min_diff:.1e}; the same pairs without a land path.",
        f"- {100 * longer:.1f} % of zone-site pairs are more than 0.5 minutes longer along land than as the crow "
        "flies.",
        "- Burnham-on-Crouch (Maldon 008C-G) to Southend Hospital: "
        f"{crow[burnham, southend].min():.1f}-{crow[burnham, southend].max():.1f} min as the crow flies, "
        f"{land.minutes[burnham, southend].min():.1f}-{land.minutes[burnham, southend].max():.1f} min along land.",
    ]
    if t_mcp is not None:
        per_search = t_full / n_sites
        lines.append(
            f"- scikit-image `MCP_Geometric` (8 neighbours, corners not guarded: not the same graph): {t_mcp:.3f} s "
            f"a search, against {per_search:.3f} s a search for the whole-grid csgraph Dijkstra (graph included)."
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write_results is not None:
        old = args.write_results.read_text(encoding="utf-8") if args.write_results.exists() else ""
        start = old.find(SECTION)
        if start < 0:
            new = old.rstrip("\n") + "\n\n" + text
        else:
            end = old.find("\n## ", start + len(SECTION))
            new = old[:start] + text + ("\n" + old[end + 1 :] if end >= 0 else "")
        args.write_results.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
