"""Benchmark: the Mid and South Essex travel-time matrix along land against the straight-line estimate, same run.

Run from the repository root (about a minute on an idle machine):

    python bench/land_distance.py [--write-results bench/RESULTS.md]

The built-in Mid and South Essex study: 705 zones x 150 sites on its land mask (100 m cells). Timed:

1. the straight-line (crow-fly) estimate, ``straight_line_minutes``;
2. distance along land, uncached: reading the mask, the grid graph, one Dijkstra per distinct site cell, the model
   (``land_distance_matrix`` into an empty cache folder);
3. the same again, from the cache (read and checked).

It also counts the pairs whose land distance exceeds the straight line by more than 2 %, and the Burnham-on-Crouch
zones' minutes to Southend Hospital both ways.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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
from hubopt.travel.estimate import straight_line_minutes  # noqa: E402
from hubopt.travel.land_mask import LAND_MASK_FILE, LandMask  # noqa: E402
from hubopt.travel.land_times import land_distance_matrix  # noqa: E402

SECTION = "## Distance along land"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-results", type=Path, default=None, help="replace this section of RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()
    study = load_study(REPO / "hubopt" / "studies" / "mid_south_essex")
    zone_xy, site_xy = study.zone_points(), study.site_points()
    zone_ids = study.zones["zone_id"].astype(str).tolist()
    site_ids = study.sites["site_id"].astype(str).tolist()
    mask_path = study.folder / LAND_MASK_FILE
    mask = LandMask.read(mask_path)

    t = time.perf_counter()
    crow = straight_line_minutes(zone_xy, site_xy)
    t_crow = time.perf_counter() - t
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
    load_after = os.getloadavg()
    n_sites = len(np.unique(mask.cells_of(site_xy)[0] * mask.shape[1] + mask.cells_of(site_xy)[1]))
    longer = float(np.mean(land.minutes > crow + 0.5))
    burnham = study.zones["zone_name"].str.startswith("Maldon 008").to_numpy()
    southend = int(np.flatnonzero(study.sites["name"].to_numpy() == "Southend Hospital")[0])
    lines = [
        SECTION,
        "",
        f"`python bench/land_distance.py` on {dt.date.today().isoformat()}, {platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}; 2 cores shared with other "
        f"jobs: `uptime` load average {load_before[0]:.1f} before the run and {load_after[0]:.1f} after it, so "
        "absolute times are pessimistic; both methods are timed in the same run. Wall-clock seconds.",
        "",
        f"Mid and South Essex: {len(zone_ids)} zones x {len(site_ids)} sites ({n_sites} distinct site cells); "
        f"{mask.describe()}, {int(mask.land.sum()):,} land cells.",
        "",
        "| method | seconds |",
        "| --- | ---: |",
        f"| straight line (crow-fly estimate) | {t_crow:.3f} |",
        f"| along land, computed (mask, graph, {n_sites} Dijkstras, model) | {t_land:.1f} |",
        f"| along land, from the matrix cache | {t_cached:.2f} |",
        "",
        f"- {100 * longer:.1f} % of zone-site pairs are more than 0.5 minutes longer along land than as the crow "
        "flies.",
        "- Burnham-on-Crouch (Maldon 008C-G) to Southend Hospital: "
        f"{crow[burnham, southend].min():.1f}-{crow[burnham, southend].max():.1f} min as the crow flies, "
        f"{land.minutes[burnham, southend].min():.1f}-{land.minutes[burnham, southend].max():.1f} min along land.",
        "",
    ]
    text = "\n".join(lines)
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
