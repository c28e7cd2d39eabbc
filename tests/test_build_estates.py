"""The community hospitals' ERIC figures in the site register: the built-in West Kent study, a build without ERIC
files, and the register columns' checks."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from hubopt.build.estates import add_estate_figures
from hubopt.build.sources import BuildSources
from hubopt.build.study_tables import BuildReport
from hubopt.errors import InputError
from hubopt.io.sites import read_site_register, write_site_register
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"


def test_built_in_west_kent_register_carries_each_community_hospitals_eric_figures() -> None:
    sites = load_study(WEST_KENT).sites.set_index("site_id")
    sevenoaks = sites.loc["RYYD9"]
    assert sevenoaks["floor_area_m2"] == pytest.approx(5955)
    assert sevenoaks["occupied_m2"] == pytest.approx(5002)
    assert sevenoaks["annual_cost"] == pytest.approx(2_247_552)
    assert sevenoaks["annual_cost_source"] == "NHS Digital ERIC 2016-17, site RYYD9, OGL v3"
    # its 2016-17 return gives no backlog: the 2015-16 one is used, and says so
    assert sevenoaks["backlog_cost_source"] == "NHS Digital ERIC 2015-16, site RYYD9, OGL v3"
    hawkhurst = sites.loc["RYYD6"]
    assert hawkhurst["floor_area_m2"] == pytest.approx(1544)
    assert hawkhurst["backlog_cost"] == pytest.approx(27_500 + 36_000)
    community = sites[sites["type"] == "community_hospital"]
    assert len(community) == 4
    assert community["annual_cost"].notna().all()
    assert community["floor_area_source"].notna().all()
    # acute hospitals' returns cover the whole hospital: left blank on purpose
    assert sites.loc[sites["type"] == "acute_hospital", "annual_cost"].isna().all()
    assert "ERIC" in (WEST_KENT / "ATTRIBUTION.md").read_text()


def _sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["RYYD9", "G1"],
            "name": ["Sevenoaks", "Practice"],
            "type": ["community_hospital", "gp_practice"],
        },
        geometry=[Point(553141, 156635), Point(552618, 155322)],
        crs="EPSG:27700",
    )


def test_a_source_without_eric_files_leaves_the_columns_blank_and_says_so(tmp_path: Path) -> None:
    report = BuildReport()
    out = add_estate_figures(_sites(), BuildSources(root=tmp_path, cache=False), report)
    assert out["annual_cost"].isna().all()
    assert any("No NHS estates returns (ERIC)" in n for n in report.notes)


def test_a_community_hospital_missing_from_eric_is_named(shared_data: Path) -> None:
    sites = _sites()
    sites.loc[0, "site_id"] = "RYYZZ"
    report = BuildReport()
    out = add_estate_figures(sites, BuildSources(root=shared_data, cache=False), report)
    assert out["annual_cost"].isna().all()
    assert any("RYYZZ (Sevenoaks)" in n for n in report.notes)
    assert report.counts["community hospitals with ERIC figures"] == 0


def test_register_estate_columns_round_trip_and_refuse_a_negative_cost(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(
        "site_id,name,type,status,easting,northing,annual_cost,annual_cost_source,floor_area_m2\n"
        'S1,Hub,community_hospital,existing,553141,156635,"1,250,000",board paper 2024,900\n'
    )
    sites = read_site_register(path)
    assert sites["annual_cost"].iloc[0] == pytest.approx(1_250_000)
    assert sites["annual_cost_source"].iloc[0] == "board paper 2024"
    assert pd.isna(sites["backlog_cost"].iloc[0])
    write_site_register(sites, tmp_path / "again.csv")
    again = read_site_register(tmp_path / "again.csv")
    assert again["floor_area_m2"].iloc[0] == pytest.approx(900)
    path.write_text(
        "site_id,name,type,status,easting,northing,annual_cost\nS1,Hub,community_hospital,existing,553141,156635,-5\n"
    )
    with pytest.raises(InputError) as info:
        read_site_register(path)
    assert info.value.column == "annual_cost"
    assert info.value.row == 2
