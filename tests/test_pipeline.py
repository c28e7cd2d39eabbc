"""End to end: the West Kent scenario runs, writes its outputs and manifest, and refuses bad requests clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hubopt.errors import InputError, ModelError
from hubopt.io._validate import file_sha256
from hubopt.pipeline import run_scenario, summary_lines
from hubopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "models" / "west_kent_hubs.yaml"


def scenario_file(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(REPO / "data" / "west_kent")
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    sc = load_scenario(scenario_file(tmp))
    return run_scenario(sc, out=tmp / "out")


def test_demo_outputs(demo_run) -> None:
    folder = demo_run.folder
    for name in ("zones.csv", "sites.csv", "map.html", "manifest.json", "summary.txt"):
        assert (folder / name).exists(), name
    zones = pd.read_csv(folder / "zones.csv")
    assert len(zones) == 309
    sites = pd.read_csv(folder / "sites.csv")
    hubs = sites[sites["chosen"]]
    assert len(hubs) == 5
    assert "RYYD9" in set(hubs["site_id"])  # must-open honoured
    assert set(zones["hub_id"]) == set(hubs["site_id"])
    assert hubs["served_population"].sum() == pytest.approx(zones["population"].sum(), abs=len(hubs) * 0.5)  # rounded
    assert np.isfinite(zones["minutes"]).all()
    assert not list(folder.parent.glob(".*partial"))


def test_zones_go_to_their_nearest_hub(demo_run) -> None:
    open_cols = demo_run.result.open_sites
    np.testing.assert_allclose(demo_run.result.assigned_cost, demo_run.minutes[:, open_cols].min(axis=1))


def test_optimum_matches_brute_force_over_sites(demo_run) -> None:
    # With 4 of 5 hubs fixed at the optimum, no single swap of the free hubs improves the objective.
    minutes, w = demo_run.minutes, demo_run.demand.demand
    chosen = list(demo_run.result.open_sites)
    best = float(np.dot(w, minutes[:, chosen].min(axis=1)))
    assert best == pytest.approx(demo_run.result.objective)
    must = set(demo_run.candidates.must_open)
    for out in [j for j in chosen if j not in must]:
        for inn in range(minutes.shape[1]):
            if inn in chosen:
                continue
            trial = [j for j in chosen if j != out] + [inn]
            assert np.dot(w, minutes[:, trial].min(axis=1)) >= best - 1e-6


def test_manifest_records_what_is_needed_to_reproduce(demo_run) -> None:
    m = json.loads((demo_run.folder / "manifest.json").read_text())
    assert m["solve"]["status"] == "optimal"
    assert m["solve"]["solver"] == "HiGHS"
    assert m["solve"]["gap"] == pytest.approx(0.0, abs=1e-6)
    assert m["parameters"]["n_hubs"] == 5
    assert m["packages"]["pulp"] and m["packages"]["highspy"]
    inputs = {i["role"]: i for i in m["inputs"]}
    zones_csv = REPO / "data" / "west_kent" / "zones.csv"
    assert inputs["study/zones.csv"]["sha256"] == file_sha256(zones_csv)
    assert "straight-line" in m["methods"]["travel"]
    assert "2030" in m["methods"]["demand"]
    assert m["results"]["access"]["within_30_share"] > 0.9


def test_summary_fits_one_screen(demo_run) -> None:
    lines = summary_lines(demo_run)
    assert len(lines) <= 24
    text = "\n".join(lines)
    assert "proven optimal" in text
    assert "95th percentile" in text and "within 15 min" in text and "within 30 min" in text
    assert "Sevenoaks Community Hospital (must open)" in text


def test_existing_run_is_not_overwritten(demo_run) -> None:
    sc = demo_run.scenario
    with pytest.raises(InputError, match="already holds a run"):
        run_scenario(sc, out=demo_run.folder)


def test_failed_run_leaves_no_outputs(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, model__hubs=500))
    with pytest.raises(ModelError, match="500 hubs were asked for but only 59 sites are available"):
        run_scenario(sc, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".*partial"))


def test_unknown_site_ids_are_reported(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, sites__must_open=["RYYD9", "XXXXX"]))
    with pytest.raises(InputError, match=r"setting 'sites.must_open': unknown site ID\(s\): XXXXX"):
        run_scenario(sc, out=tmp_path / "out")
    sc = load_scenario(scenario_file(tmp_path, sites__types=["gp_practice"]))
    with pytest.raises(InputError, match=r"left out by sites\.types"):
        run_scenario(sc, out=tmp_path / "out")


def test_unavailable_sites_are_never_chosen(tmp_path: Path, demo_run) -> None:
    chosen = demo_run.sites.loc[demo_run.sites["chosen"], "site_id"].tolist()
    banned = [s for s in chosen if s != "RYYD9"]
    sc = load_scenario(scenario_file(tmp_path, sites__unavailable=banned))
    run = run_scenario(sc, out=tmp_path / "out")
    now = set(run.sites.loc[run.sites["chosen"], "site_id"])
    assert not now & set(banned)
    assert run.result.objective >= demo_run.result.objective


def test_map_needs_no_internet_for_its_code(demo_run) -> None:
    html = (demo_run.folder / "map.html").read_text()
    assert '<script src="http' not in html and '<link rel="stylesheet" href="http' not in html
    assert "Sevenoaks Community Hospital" in html
    assert "Travel time to hub" in html and "Catchments" in html
