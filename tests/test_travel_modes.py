"""Scenario travel modes end to end: a supplied public-transport matrix, and a road network with its cache."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from shapely.geometry import box

from hubopt.errors import InputError
from hubopt.pipeline import run_scenario
from hubopt.scenario import load_scenario
from hubopt.study import load_study
from hubopt.travel.estimate import straight_line_minutes

REPO = Path(__file__).resolve().parents[1]
WK = REPO / "hubopt" / "studies" / "west_kent"


def wk_scenario(tmp: Path, travel: dict) -> Path:
    data = yaml.safe_load((REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml").read_text())
    data["study"] = str(WK)
    data["demand"]["housing"]["file"] = str(WK / "housing_illustrative.csv")
    data["beds"]["enabled"] = False
    data["model"]["sweep"] = None
    data["model"]["explain"] = False
    data["outputs"].update(static_maps=False, report=False, workbook=False)
    data["travel"] = travel
    # The synthetic matrices below cover the study's own sites, not the demo's border service (extra_register).
    data["sites"].pop("extra_register", None)
    data["outputs"]["folder"] = str(tmp / "out")
    path = tmp / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def pt_matrix(tmp_path_factory) -> Path:
    """A SYNTHETIC public-transport matrix for the test (twice the drive estimate plus 10 minutes)."""
    study = load_study(WK)
    sites = study.sites
    minutes = 2 * straight_line_minutes(study.zone_points(), study.site_points()) + 10
    z, s = np.meshgrid(study.zones["zone_id"], sites["site_id"], indexing="ij")
    path = tmp_path_factory.mktemp("pt") / "pt.csv"
    pd.DataFrame({"from_id": z.ravel(), "to_id": s.ravel(), "travel_time": minutes.ravel().round(3)}).to_csv(
        path, index=False
    )
    return path


def test_supplied_public_transport_matrix_is_reported_beside_the_car(tmp_path: Path, pt_matrix: Path) -> None:
    travel = {
        "modes": {
            "car": {"method": "straight_line", "mode": "drive"},
            "public_transport": {"method": "matrix", "file": str(pt_matrix)},
        },
        "use": "car",
    }
    run = run_scenario(load_scenario(wk_scenario(tmp_path, travel)))
    zones = pd.read_csv(run.folder / "zones.csv")
    np.testing.assert_allclose(zones["minutes_public_transport"], 2 * zones["minutes"] + 10, atol=0.02)
    summary = (run.folder / "summary.txt").read_text()
    assert "By public_transport to the same hubs" in summary
    m = json.loads((run.folder / "manifest.json").read_text())
    assert set(m["methods"]["travel_modes"]) == {"car", "public_transport"}
    assert "straight-line" in m["methods"]["travel"]


def test_model_can_use_public_transport(tmp_path: Path, pt_matrix: Path) -> None:
    travel = {
        "modes": {
            "car": {"method": "straight_line"},
            "public_transport": {"method": "matrix", "file": str(pt_matrix)},
        },
        "use": "public_transport",
    }
    run = run_scenario(load_scenario(wk_scenario(tmp_path, travel)))
    assert "public_transport" in run.travel_method
    assert "minutes_car" in pd.read_csv(run.folder / "zones.csv").columns


def test_supplied_matrix_with_unknown_ids_is_refused(tmp_path: Path, pt_matrix: Path) -> None:
    bad = tmp_path / "bad.csv"
    t = pd.read_csv(pt_matrix)
    t.loc[3, "to_id"] = "NOSUCHSITE"
    t.to_csv(bad, index=False)
    travel = {"modes": {"pt": {"method": "matrix", "mode": "public_transport", "file": str(bad)}}}
    with pytest.raises(InputError, match="NOSUCHSITE"):
        run_scenario(load_scenario(wk_scenario(tmp_path, travel)))


def test_travel_settings_are_checked(tmp_path: Path) -> None:
    for travel, message in (
        ({"modes": {"car": {"method": "teleport"}}}, r"unknown travel-time method 'teleport'"),
        ({"modes": {"car": {"method": "network"}}}, r"needs a network file"),
        ({"modes": {"pt": {"method": "matrix"}}}, r"needs the matrix file"),
        ({"modes": {"car": {"method": "straight_line"}}, "use": "bus"}, r"'bus' is not one of travel.modes"),
        ({"modes": {"car": {"method": "straight_line", "speed": 3}}}, r"unknown setting 'travel.modes.car.speed'"),
    ):
        with pytest.raises(InputError, match=message):
            load_scenario(wk_scenario(tmp_path, travel))


def rutland_study(folder: Path) -> Path:
    """A SYNTHETIC six-zone study inside Rutland (the only real road network in the shared data)."""
    folder.mkdir(parents=True, exist_ok=True)
    centres = [(486000 + 3000 * (i % 3), 306000 + 3000 * (i // 3)) for i in range(6)]
    zones = pd.DataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(6)],
            "zone_name": [f"Zone {i}" for i in range(6)],
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
    zones.to_csv(folder / "zones.csv", index=False)
    import geopandas as gpd

    polys = gpd.GeoDataFrame(
        {"zone_id": zones["zone_id"]},
        geometry=[box(x - 1500, y - 1500, x + 1500, y + 1500) for x, y in centres],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    (folder / "zone_boundaries.geojson").write_text(polys.to_json(drop_id=True))
    sites = pd.DataFrame(
        {
            "site_id": ["S0", "S1", "S2"],
            "name": ["Site 0", "Site 1", "Site 2"],
            "type": "gp_practice",
            "status": "existing",
            "easting": [486500, 489500, 492000],
            "northing": [306500, 309000, 306200],
        }
    )
    sites.to_csv(folder / "sites.csv", index=False)
    pd.DataFrame(columns=["district_code", "district_name", "band", "year", "population"]).to_csv(
        folder / "projections.csv", index=False
    )
    (folder / "study.yaml").write_text("name: Rutland test\nbase_year: 2017\n")
    return folder


def test_network_mode_uses_the_cache_on_a_rerun(tmp_path: Path, shared_data: Path) -> None:
    pbf = shared_data / "osm" / "format_sample_not_westkent" / "rutland-latest.osm.pbf"
    study = rutland_study(tmp_path / "study")
    scenario = {
        "name": "Rutland network test",
        "study": str(study),
        "year": 2017,
        "travel": {
            "modes": {
                "car": {"method": "network", "mode": "drive", "network": str(pbf)},
                "estimate": {"method": "straight_line"},
            },
            "use": "car",
            "cache_folder": str(tmp_path / "cache"),
        },
        "model": {"type": "p-median", "hubs": 2},
        "outputs": {"folder": str(tmp_path / "run1")},
    }
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(scenario))
    first = run_scenario(load_scenario(path))
    assert not first.modes["car"].from_cache
    # isochrones around the chosen hubs, saved and drawn on the map
    assert (first.folder / "isochrones.geojson").exists()
    assert "Drive-time bands" in (first.folder / "map.html").read_text()
    assert set(first.isochrones["band_minutes"]) == {10, 20, 30}
    bands = gpd.read_file(first.folder / "results.gpkg", layer="isochrones")  # and a layer of the GeoPackage
    assert bands.crs.to_epsg() == 27700 and set(bands["band_minutes"]) == {10, 20, 30}
    assert list((tmp_path / "cache").glob("*.parquet"))
    second = run_scenario(load_scenario(path), out=tmp_path / "run2")
    assert second.modes["car"].from_cache
    np.testing.assert_array_equal(first.minutes, second.minutes)
    third = run_scenario(load_scenario(path), out=tmp_path / "run3", refresh=True)
    assert not third.modes["car"].from_cache
    # road times exceed the straight-line distance at any plausible speed, and the method is named
    assert "network" in first.travel_method.lower() or "road" in first.travel_method.lower()
    assert np.isfinite(first.minutes).all()
