"""Every run writes results.gpkg: zones, sites, catchments (and isochrones, districts) as layers for QGIS."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box
from test_pipeline import REPO, scenario_file

from hubopt.files.cell_text import read_text_csv, to_csv
from hubopt.pipeline import run_scenario
from hubopt.render.geopackage import catchment_polygons, write_geopackage
from hubopt.scenario import load_scenario

#: Site names that a spreadsheet or a web page would run; the GeoPackage keeps them exactly.
FORMULA_NAME = '=HYPERLINK("http://example.com","Sevenoaks Community Hospital")'
SCRIPT_NAME = "<script>alert(1)</script> Pembury"


def _study_with_awkward_names(tmp: Path) -> Path:
    """A copy of the West Kent study whose must-open site has a formula for a name and another site a script tag."""
    study = tmp / "west_kent"
    shutil.copytree(REPO / "hubopt" / "studies" / "west_kent", study)
    sites = read_text_csv(study / "sites.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sites.loc[sites["site_id"] == "RYYD9", "name"] = FORMULA_NAME
    sites.loc[sites.index[sites["site_id"] != "RYYD9"][0], "name"] = SCRIPT_NAME
    to_csv(sites, study / "sites.csv")
    return study


@pytest.fixture(scope="module")
def gpkg_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gpkg")
    study = _study_with_awkward_names(tmp)
    run = run_scenario(load_scenario(scenario_file(tmp, light=True, study=str(study))), out=tmp / "out")
    return run


def test_run_writes_a_geopackage_with_its_layers_in_british_national_grid(gpkg_run) -> None:
    path = gpkg_run.folder / "results.gpkg"
    assert path.exists()
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"zones", "sites", "catchments", "districts", "clusters"}  # no isochrones: straight line
    assert layers["sites"] == "Point"
    for name in layers:
        assert pyogrio.read_info(path, layer=name)["crs"] == "EPSG:27700", name
    assert "results.gpkg" in json.loads((gpkg_run.folder / "manifest.json").read_text())["outputs"]
    assert "results.gpkg" in gpkg_run.outputs


def test_zones_layer_matches_zones_csv(gpkg_run) -> None:
    f = gpkg_run.folder
    layer = gpd.read_file(f / "results.gpkg", layer="zones")
    table = read_text_csv(f / "zones.csv")
    assert len(layer) == len(table) == 309
    assert list(layer.drop(columns="geometry").columns) == list(table.columns)
    assert layer["zone_id"].tolist() == table["zone_id"].tolist()
    assert layer["hub_id"].tolist() == table["hub_id"].tolist()
    assert layer["hub_name"].tolist() == table["hub_name"].tolist()
    np.testing.assert_allclose(layer["minutes"], table["minutes"], atol=0.005 + 1e-9)  # zones.csv: 2 decimals
    np.testing.assert_allclose(layer["population"], table["population"], atol=0.05 + 1e-9)  # 1 decimal
    assert layer.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_sites_layer_matches_sites_csv_and_keeps_names_exactly(gpkg_run) -> None:
    f = gpkg_run.folder
    layer = gpd.read_file(f / "results.gpkg", layer="sites")
    table = read_text_csv(f / "sites.csv")
    assert list(layer.drop(columns="geometry").columns) == list(table.columns)
    assert layer["site_id"].tolist() == table["site_id"].tolist()
    names = set(layer["name"])
    assert FORMULA_NAME in names and SCRIPT_NAME in names  # no spreadsheet quote, no HTML escaping
    assert not any(str(n).startswith("'") for n in names)
    np.testing.assert_allclose(layer.geometry.x, table["easting"], atol=0.05 + 1e-9)
    np.testing.assert_allclose(layer.geometry.y, table["northing"], atol=0.05 + 1e-9)
    hubs = layer[layer["chosen"]]
    assert FORMULA_NAME in set(hubs["name"])  # RYYD9 must open, so its awkward name reaches the catchments too
    catchments = gpd.read_file(f / "results.gpkg", layer="catchments")
    assert FORMULA_NAME in set(catchments["hub_name"])


def test_catchments_cover_the_people_served(gpkg_run) -> None:
    catchments = gpd.read_file(gpkg_run.folder / "results.gpkg", layer="catchments")
    # The hubs' catchments, and the border service's (Darent Valley, external: open, not one of the hubs).
    hubs = gpkg_run.sites[gpkg_run.sites["chosen"] | gpkg_run.sites["external"]]
    assert sorted(catchments["hub_id"]) == sorted(hubs["site_id"].astype(str))
    assert "RN707" in set(catchments["hub_id"])
    served = gpkg_run.zones[gpkg_run.zones["hub_id"] != ""]
    assert catchments["people_served"].sum() == pytest.approx(served["population"].sum(), rel=1e-9)
    assert catchments["zones_served"].sum() == len(served)
    by_hub = catchments.set_index("hub_id")
    for hub in hubs.itertuples():
        assert by_hub.loc[hub.site_id, "people_served"] == pytest.approx(hub.served_population, abs=0.5)
        assert by_hub.loc[hub.site_id, "mean_minutes"] == pytest.approx(hub.mean_minutes, abs=0.005 + 1e-9)
    area = gpkg_run.zones.geometry.area.sum()
    # dissolved, nothing lost (generalised zone outlines overlap slightly, so the union is a little smaller)
    assert catchments.geometry.area.sum() == pytest.approx(area, rel=1e-4)


def test_geopackage_switched_off_writes_none(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, light=True, outputs__geopackage=False))
    run = run_scenario(sc, out=tmp_path / "out")
    assert not (run.folder / "results.gpkg").exists()
    assert "results.gpkg" not in json.loads((run.folder / "manifest.json").read_text())["outputs"]


def test_writer_adds_isochrones_in_british_national_grid_and_weights_catchment_minutes(tmp_path: Path) -> None:
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["Z1", "Z2", "Z3"],
            "hub_id": ["A", "A", ""],
            "hub_name": ["Hub A", "Hub A", ""],
            "population": [100.0, 300.0, 50.0],
            "minutes": [10.0, 20.0, 5.0],
        },
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(5000, 0, 6000, 1000)],
        crs="EPSG:27700",
    )
    sites = gpd.GeoDataFrame({"site_id": ["A"], "name": ["Hub A"]}, geometry=[Point(500, 500)], crs="EPSG:27700")
    bands = gpd.GeoDataFrame(
        {"site_id": ["A"], "minutes": [15]}, geometry=[box(530000, 150000, 540000, 160000)], crs="EPSG:27700"
    ).to_crs("EPSG:4326")
    path = write_geopackage(tmp_path / "r.gpkg", zones=zones, sites=sites, isochrones=bands)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["zones", "sites", "catchments", "isochrones"]
    back = gpd.read_file(path, layer="isochrones")
    assert back.crs.to_epsg() == 27700
    assert back.geometry.area.iloc[0] == pytest.approx(1e8, rel=1e-6)
    catchments = catchment_polygons(zones)
    assert len(catchments) == 1  # the zone with no hub belongs to no catchment
    row = catchments.iloc[0]
    assert row["people_served"] == pytest.approx(400.0, rel=1e-12)
    assert row["mean_minutes"] == pytest.approx((100 * 10 + 300 * 20) / 400, rel=1e-12)  # 17.5, weighted
    assert row.geometry.area == pytest.approx(2e6, rel=1e-12)
    assert pd.api.types.is_integer_dtype(catchments["zones_served"])


def test_clusters_layer_one_polygon_per_pcn(gpkg_run) -> None:
    f = gpkg_run.folder
    layer = gpd.read_file(f / "results.gpkg", layer="clusters")
    table = pd.read_csv(f / "clusters.csv")
    assert sorted(layer["pcn_code"]) == sorted(table["pcn_code"].unique())
    assert list(layer.drop(columns="geometry").columns) == ["pcn_code", "pcn_name", "practices", "people", "hubs"]
    zones = gpd.read_file(f / "results.gpkg", layer="zones")
    # every zone, once (dissolving removes the slivers where neighbouring generalised polygons overlap: < 0.01 %)
    assert layer.geometry.area.sum() == pytest.approx(zones.geometry.area.sum(), rel=1e-4)
