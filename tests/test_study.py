"""The built-in West Kent study: rebuilt from the real files it equals the committed one; it loads and validates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from hubopt.build.areas import WEST_KENT as WEST_KENT_AREA
from hubopt.build.study import build_study
from hubopt.errors import InputError
from hubopt.io.age_bands import parse_band
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"


@pytest.fixture(scope="module")
def study():
    return load_study(WEST_KENT)


def test_committed_study_facts(study) -> None:
    assert study.name == "West Kent"
    assert study.base_year == 2017
    assert len(study.zones) == 309
    assert study.zones.crs.to_epsg() == 27700
    assert set(study.zones["district_name"]) == {"Maidstone", "Sevenoaks", "Tonbridge and Malling", "Tunbridge Wells"}
    assert study.zones.groupby("district_code").size().to_dict() == {
        "E07000110": 95,
        "E07000111": 74,
        "E07000115": 72,
        "E07000116": 68,
    }
    # mid-2017 SAPE: 65+ = 103,860, 85+ = 14,448 (SOURCES.md)
    z = study.zones
    assert int((z["pop_65_74"] + z["pop_75_84"] + z["pop_85_plus"]).sum()) == 103_860
    assert int(z["pop_85_plus"].sum()) == 14_448
    assert z["imd_decile"].between(1, 10).all()
    assert all(z.geometry.contains(z.geometry.representative_point()))
    assert study.zones.geometry.is_valid.all()


def test_committed_sites(study) -> None:
    s = study.sites.set_index("site_id")
    assert (s["type"] == "gp_practice").sum() == 53
    assert s.loc["RYYD6", "name"] == "Hawkhurst Community Hospital"
    beds = {"RYYD6": 22, "RYYDC": 14, "RYYD9": 18, "RYYD4": 14}
    for code, n in beds.items():
        assert int(s.loc[code, "beds"]) == n
        assert "Local Care Plan" in s.loc[code, "source"]
    assert set(s.index[s["type"] == "acute_hospital"]) == {"RWF03", "RWFTW"}
    assert s.index.is_unique
    # every site lies inside West Kent's zones
    assert study.zones.union_all().buffer(1.0).contains(study.sites.geometry).all()
    assert s["list_size"].notna().sum() >= 51


def test_committed_projections(study) -> None:
    p = study.projections
    totals = p.groupby("year")["population"].sum()
    assert totals[2022] == pytest.approx(551_581, abs=1)
    assert totals[2047] == pytest.approx(650_710, abs=1)
    older = p[p["band"] != "0-64"].groupby("year")["population"].sum()
    assert older[2022] == pytest.approx(109_710, abs=1)
    oldest = p["band"].map(lambda band: parse_band(band)[0] >= 85)
    assert p[oldest].groupby("year")["population"].sum()[2047] == pytest.approx(31_405, abs=1)


def test_rebuild_equals_committed(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "west_kent"
    build_study(shared_data, out, WEST_KENT_AREA)
    for name in (
        "zones.csv",
        "zone_ages.csv",
        "sites.csv",
        "projections.csv",
        "study.yaml",
        "ATTRIBUTION.md",
        "build_report.json",
        "zone_boundaries.geojson",
        "districts.geojson",
    ):
        assert (out / name).read_bytes() == (WEST_KENT / name).read_bytes(), f"{name} differs from the committed one"


def test_attribution_names_every_source() -> None:
    text = (WEST_KENT / "ATTRIBUTION.md").read_text()
    for phrase in (
        "Open Government Licence",
        "ODS",
        "Postcode Lookup",
        "Indices of Deprivation",
        "SAPE20DT1",
        "population-weighted centroids",
        "subnational population projections",
        "Local Care Plan",
    ):
        assert phrase in text


def copy_study(tmp_path: Path) -> Path:
    dest = tmp_path / "study"
    shutil.copytree(WEST_KENT, dest)
    return dest


def test_bad_study_files(tmp_path: Path) -> None:
    folder = copy_study(tmp_path)
    zones = pd.read_csv(folder / "zones.csv", dtype=str)
    zones.loc[4, "pop_65_74"] = "lots"
    zones.to_csv(folder / "zones.csv", index=False)
    with pytest.raises(InputError, match=r"zones.csv, row 6, column 'pop_65_74': 'lots' is not a number"):
        load_study(folder)

    folder = copy_study(tmp_path / "b")
    zones = pd.read_csv(folder / "zones.csv", dtype=str)
    zones.loc[7, "zone_id"] = zones.loc[3, "zone_id"]
    zones.to_csv(folder / "zones.csv", index=False)
    with pytest.raises(InputError, match=r"row 9, column 'zone_id': duplicate zone ID .*also on row 5"):
        load_study(folder)

    folder = copy_study(tmp_path / "c")
    zones = pd.read_csv(folder / "zones.csv", dtype=str).rename(columns={"population": "pop"})
    zones.to_csv(folder / "zones.csv", index=False)
    with pytest.raises(InputError, match=r"no column 'population'"):
        load_study(folder)

    folder = copy_study(tmp_path / "d")
    zones = pd.read_csv(folder / "zones.csv", dtype=str)
    zones.loc[0, "centroid_easting"] = "-5000"
    zones.to_csv(folder / "zones.csv", index=False)
    with pytest.raises(InputError, match=r"row 2.*outside Great Britain"):
        load_study(folder)

    with pytest.raises(InputError, match="the study folder does not exist"):
        load_study(tmp_path / "missing")
