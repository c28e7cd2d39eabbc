"""Benchmark: a rerun with a new housing trajectory against a cold run, in the same process.

Baseline: the cold run (study read, travel times computed, model solved, outputs written).
Measured: `hubopt run SCENARIO --housing NEW.csv`'s work (the same, with travel times from the matrix cache).

Two cases:
1. West Kent, the demo scenario (straight-line travel times, hubs and a phased bed plan).
2. A road network: a SYNTHETIC 12-zone study laid over the real Rutland OSM extract (the only road network in
   ../shared/data), where computing travel times means loading the network and running shortest paths.

Run: python bench/rerun.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml
from shapely.geometry import box

from hubopt.pipeline import run_scenario
from hubopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]


def timed(label: str, fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<58} {seconds:8.2f} s")
    return seconds, out


def west_kent(tmp: Path) -> tuple[float, float]:
    data = yaml.safe_load((REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml").read_text())
    data["study"] = str(REPO / "hubopt" / "studies" / "west_kent")
    housing = REPO / "hubopt" / "studies" / "west_kent" / "housing_illustrative.csv"
    data["demand"]["housing"]["file"] = str(housing)
    data["travel"]["cache_folder"] = str(tmp / "cache")
    data["outputs"]["folder"] = str(tmp / "wk")
    path = tmp / "wk.yaml"
    path.write_text(yaml.safe_dump(data))
    new = tmp / "housing_new.csv"
    t = pd.read_csv(housing)
    years = [c for c in t.columns if c.isdigit()]
    t.loc[0, years] = t.loc[0, years] * 4
    t.to_csv(new, index=False)
    print("West Kent demo scenario (straight-line travel times, 5 hubs, beds 2025/2030/2035):")
    cold, _ = timed("cold run", lambda: run_scenario(load_scenario(path)))

    def rerun():
        sc = load_scenario(path)
        sc.housing_file = new
        return run_scenario(sc, out=tmp / "wk_new")

    warm, _ = timed("rerun with new housing", rerun)
    return cold, warm


def rutland(tmp: Path, shared: Path) -> tuple[float, float]:
    pbf = shared / "osm" / "format_sample_not_westkent" / "rutland-latest.osm.pbf"
    study = tmp / "rutland"
    study.mkdir()
    centres = [(484000 + 2500 * (i % 4), 303000 + 3000 * (i // 4)) for i in range(12)]
    zones = pd.DataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(12)],
            "zone_name": [f"Zone {i}" for i in range(12)],
            "district_code": "E06000017",
            "district_name": "Rutland",
            "centroid_easting": [c[0] for c in centres],
            "centroid_northing": [c[1] for c in centres],
            "pop_0_64": 1000,
            "pop_65_74": 200,
            "pop_75_84": 100,
            "pop_85_plus": 50,
            "population": 1350,
            "imd_rank": 20000,
            "imd_decile": 7,
        }
    )
    zones.to_csv(study / "zones.csv", index=False)
    polys = gpd.GeoDataFrame(
        {"zone_id": zones["zone_id"]},
        geometry=[box(x - 1250, y - 1500, x + 1250, y + 1500) for x, y in centres],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    (study / "zone_boundaries.geojson").write_text(polys.to_json(drop_id=True))
    pd.DataFrame(
        {
            "site_id": [f"S{i}" for i in range(6)],
            "name": [f"Site {i}" for i in range(6)],
            "type": "gp_practice",
            "status": "existing",
            "easting": [c[0] + 300 for c in centres[::2]],
            "northing": [c[1] + 200 for c in centres[::2]],
        },
    ).to_csv(study / "sites.csv", index=False)
    pd.DataFrame(columns=["district_code", "district_name", "band", "year", "population"]).to_csv(
        study / "projections.csv", index=False
    )
    (study / "study.yaml").write_text("name: Rutland (synthetic zones for a benchmark)\nbase_year: 2017\n")
    housing = tmp / "housing_a.csv"
    pd.DataFrame({"name": ["A"], "easting": [486500], "northing": [306200], "2017": [0], "2018": [200]}).to_csv(
        housing, index=False
    )
    new = tmp / "housing_b.csv"
    pd.DataFrame({"name": ["A"], "easting": [486500], "northing": [306200], "2017": [0], "2018": [800]}).to_csv(
        new, index=False
    )
    scenario = {
        "name": "Rutland rerun benchmark",
        "study": str(study),
        "year": 2018,
        "demand": {"housing": {"file": str(housing), "mode": "additional"}, "beyond_projection": "hold"},
        "travel": {
            "modes": {"car": {"method": "network", "mode": "drive", "network": str(pbf)}},
            "cache_folder": str(tmp / "cache_rutland"),
        },
        "model": {"type": "p-median", "hubs": 2},
        "outputs": {"folder": str(tmp / "r1")},
    }
    path = tmp / "rutland.yaml"
    path.write_text(yaml.safe_dump(scenario))
    print("Road network (real Rutland OSM extract, synthetic zones), 12 zones x 6 sites:")
    cold, _ = timed(
        "cold run (loads the network, computes shortest paths)", lambda: run_scenario(load_scenario(path))
    )

    def rerun():
        sc = load_scenario(path)
        sc.housing_file = new
        return run_scenario(sc, out=tmp / "r2")

    warm, run = timed("rerun with new housing (travel times from the cache)", rerun)
    assert run.modes["car"].from_cache
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hubopt-rerun-"))
    try:
        rows = []
        cold, warm = west_kent(tmp)
        rows.append(("West Kent (straight line)", cold, warm))
        if (args.shared / "osm").exists():
            cold, warm = rutland(tmp, args.shared)
            rows.append(("Rutland road network", cold, warm))
        else:
            print(f"(skipped the road-network case: {args.shared} not found)")
        print("\n| case | cold run (baseline) s | housing rerun s | ratio cold/rerun |")
        print("|---|---:|---:|---:|")
        for name, c, w in rows:
            print(f"| {name} | {c:.2f} | {w:.2f} | {c / w:.1f}x |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
