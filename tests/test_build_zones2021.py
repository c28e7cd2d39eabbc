"""`hubopt study build --zones 2021`: a study on LSOA 2021 zones (issue 16, item 6), on the real files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import yaml

from hubopt.build.areas import area_for
from hubopt.build.study import build_study
from hubopt.build.zones2021 import zones_to_lsoa2021
from hubopt.errors import InputError
from hubopt.io._coords import CRS_BNG
from hubopt.study import load_study

CENSUS = "population/census2021_lsoa21_usual_residents_westkent_mse.csv"


def _census_by_district(shared: Path) -> pd.Series:
    """Census 2021 usual residents per district, summed from the LSOA file by the LSOA names' district part."""
    census = pd.read_csv(shared / CENSUS)
    district = census.iloc[:, 0].str.rsplit(" ", n=1).str[0]
    return census.groupby(district)["Population"].sum()


@pytest.fixture(scope="module")
def west_kent_2021(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wk2021") / "study"
    build_study(shared_data, out, area_for("west_kent"), zones="2021")
    return out


def test_west_kent_2021_zones_and_census_totals(west_kent_2021: Path, shared_data: Path) -> None:
    study = load_study(west_kent_2021)
    zones = study.zones
    assert len(zones) == 321
    by_district = zones.groupby("district_name")["population"].sum()
    census = _census_by_district(shared_data)
    for name in ("Maidstone", "Sevenoaks", "Tonbridge and Malling", "Tunbridge Wells"):
        assert by_district[name] == pytest.approx(census[name], abs=0.5)
    assert float(zones["population"].sum()) == pytest.approx(543_801, abs=0.5)
    assert study.base_year == 2021
    meta = yaml.safe_load((west_kent_2021 / "study.yaml").read_text(encoding="utf-8"))
    assert meta["zone_geography"] == "LSOA 2021"
    assert meta["zones_lsoa2021"]["split"] == 23 and meta["zones_lsoa2021"]["merged"] == 1


def test_merged_lsoa_takes_its_parents_summed_profile_and_weighted_imd(west_kent_2021: Path) -> None:
    # Maidstone 001F (E01034990) = 2011 Maidstone 001B (E01024334) + 001D (E01024338), CHGIND M.
    # Mid-2017 bands: 001B 921/86/30/10 (1,047), IMD rank 25,938; 001D 1,132/142/54/13 (1,341), rank 27,456.
    # Census 2021: 2,313. Summed profile 2,053/228/84/23 of 2,388.
    zones = pd.read_csv(west_kent_2021 / "zones.csv").set_index("zone_id")
    row = zones.loc["E01034990"]
    assert row["population"] == pytest.approx(2313, abs=0.01)
    assert row["pop_0_64"] == pytest.approx(2313 * 2053 / 2388, abs=1e-3)
    assert row["pop_65_74"] == pytest.approx(2313 * 228 / 2388, abs=1e-3)
    assert row["pop_75_84"] == pytest.approx(2313 * 84 / 2388, abs=1e-3)
    assert row["pop_85_plus"] == pytest.approx(2313 * 23 / 2388, abs=1e-3)
    # (25,938 x 1,047 + 27,456 x 1,341) / 2,388 = 26,790.4 -> 26,790; decile ceil(26,790 x 10 / 32,844) = 9
    assert row["imd_rank"] == 26790 and row["imd_decile"] == 9
    assert "E01024334" not in zones.index and "E01024338" not in zones.index


def test_split_lsoa_takes_its_parents_profile_and_imd(west_kent_2021: Path) -> None:
    # Maidstone 004F (E01033090, mid-2017 1,569/68/90/69 of 1,796, IMD rank 6,699, decile 3) split into
    # 004H (E01034991, Census 2021 1,153) and 004I (E01034992, 1,079).
    zones = pd.read_csv(west_kent_2021 / "zones.csv").set_index("zone_id")
    for code, total in (("E01034991", 1153), ("E01034992", 1079)):
        row = zones.loc[code]
        assert row["population"] == pytest.approx(total, abs=0.01)
        assert row["pop_0_64"] == pytest.approx(total * 1569 / 1796, abs=1e-3)
        assert row["pop_85_plus"] == pytest.approx(total * 69 / 1796, abs=1e-3)
        assert (row["imd_rank"], row["imd_decile"]) == (6699, 3)
    # the two Voronoi pieces make up the parent's polygon, and each holds its own centroid
    study = load_study(west_kent_2021)
    polys = study.zones.set_index("zone_id").geometry
    for code in ("E01034991", "E01034992"):
        z = study.zones.set_index("zone_id").loc[code]
        assert polys.loc[code].covers(shapely.Point(z["centroid_easting"], z["centroid_northing"]))
    assert not polys.loc["E01034991"].intersection(polys.loc["E01034992"]).area > 1.0


def test_attribution_and_report_state_the_rules(west_kent_2021: Path) -> None:
    attribution = (west_kent_2021 / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "LSOA (December 2021) population-weighted centroids" in attribution
    assert "Census 2021 usual residents per LSOA 2021" in attribution
    assert "a merged (M) LSOA the profile of its parents' populations summed" in attribution
    assert "weighted by their mid-2017 population" in attribution
    assert "Voronoi" in attribution
    report = json.loads((west_kent_2021 / "build_report.json").read_text(encoding="utf-8"))
    assert report["zones_lsoa2021"]["lsoa2021_zones"] == 321
    assert len(report["zones_lsoa2021"]["rules"]) == 3


def test_mid_south_essex_2021_has_720_zones_and_census_totals(shared_data: Path, tmp_path: Path) -> None:
    build_study(shared_data, tmp_path / "mse", area_for("mid_south_essex"), zones="2021")
    zones = pd.read_csv(tmp_path / "mse" / "zones.csv")
    assert len(zones) == 720
    census = _census_by_district(shared_data)
    by_district = zones.groupby("district_name")["population"].sum()
    for name, total in by_district.items():
        assert total == pytest.approx(census[name], abs=0.5)


def _tiny(chgind: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["E01000001", "E01000002"],
            "district_code": ["E07000110"] * 2,
            "district_name": ["Maidstone"] * 2,
            "pop_0_64": [10.0, 10.0],
            "pop_65_74": [1.0, 1.0],
            "pop_75_84": [1.0, 1.0],
            "pop_85_plus": [1.0, 1.0],
            "population": [13.0, 13.0],
            "imd_rank": [100, 200],
            "imd_decile": [1, 1],
        },
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=CRS_BNG,
    )
    lookup = pd.DataFrame(
        {
            "lsoa11cd": ["E01000001", "E01000002", "E01000002"],
            "lsoa11nm": ["", "", ""],
            "lsoa21cd": ["E01000001", "E01000002", "E01000003"],
            "lsoa21nm": ["", "", ""],
            "chgind": ["U", chgind, chgind],
        }
    )
    return zones, lookup


def test_irregular_changes_are_refused_naming_the_setting(tmp_path: Path) -> None:
    zones, lookup = _tiny("X")
    centroids = gpd.GeoDataFrame({"lsoa_code": []}, geometry=[], crs=CRS_BNG)
    with pytest.raises(InputError, match=r"CHGIND X.*E01000002") as info:
        zones_to_lsoa2021(
            zones, lookup, centroids, tmp_path / "census.csv", lookup_path=tmp_path / "l.csv", centroids_path=tmp_path
        )
    assert "--zones 2011" in str(info.value)


def test_unknown_zones_option_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="zones must be 2011 or 2021"):
        build_study(tmp_path, tmp_path / "out", area_for("west_kent"), zones="2019")
