"""LSOA and local authority district boundaries (ONS GeoJSON)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pytest

from hubopt.errors import InputError
from hubopt.io.boundaries import read_lad_boundaries, read_lsoa_boundaries

WEST_KENT = {"E07000110": 95, "E07000111": 74, "E07000115": 72, "E07000116": 68}
WEST_KENT_NAMES = {"E07000110": "Maidstone", "E07000111": "Sevenoaks", "E07000115": "Tonbridge and Malling"}
LAD_FILE = "Local_Authority_Districts_December_2017_SGC_UK_WGS84_westkent_mse_25km.geojson"


def where(path: Path | str, row: int | None = None, column: str | None = None) -> str:
    """Regex for the start of an InputError message naming file, row and column."""
    parts = [f"file {re.escape(str(path))}"]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{re.escape(column)}'")
    return ", ".join(parts)


def feature_collection(features: list[dict], crs: str | None = None) -> str:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc)


def square(x: float, y: float, size: float, props: dict) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture(scope="module")
def lsoa_dir(shared_data: Path) -> Path:
    return shared_data / "boundaries" / "lsoa2011_bgc_by_lad"


@pytest.fixture(scope="module")
def lsoas(lsoa_dir: Path) -> gpd.GeoDataFrame:
    return read_lsoa_boundaries(lsoa_dir)


# ------------------------------------------------------------------------------------------------------------------
# LSOAs, real data
# ------------------------------------------------------------------------------------------------------------------
def test_lsoa_folder(lsoas: gpd.GeoDataFrame) -> None:
    assert len(lsoas) == 1_014
    assert list(lsoas.columns) == ["lsoa_code", "lsoa_name", "geometry"]
    assert lsoas.crs.to_epsg() == 27700
    assert lsoas.attrs["lsoa_vintage"] == "2011"
    assert lsoas["lsoa_code"].is_unique
    assert lsoas.is_valid.all()
    assert lsoas.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert lsoas.attrs["excluded"] == {}
    assert len(lsoas.attrs["sources"]) == 13


def test_lsoa_invalid_polygon_is_repaired_and_counted(lsoas: gpd.GeoDataFrame) -> None:
    # Maldon 001B has a self-intersecting ring in the generalised (BGC) boundaries.
    assert lsoas.attrs["repaired"] == {"invalid geometry": 1}
    assert lsoas.attrs["repaired_codes"] == ["E01021909"]
    maldon = lsoas.loc[lsoas["lsoa_code"] == "E01021909"].iloc[0]
    assert maldon["lsoa_name"] == "Maldon 001B"
    assert maldon.geometry.area == pytest.approx(15.68e6, rel=0.01)


@pytest.mark.parametrize(("lad", "count"), sorted(WEST_KENT.items()))
def test_lsoa_counts_per_west_kent_district(lsoa_dir: Path, lsoas: gpd.GeoDataFrame, lad: str, count: int) -> None:
    one = read_lsoa_boundaries(lsoa_dir / f"{lad}.json")
    assert len(one) == count
    assert one.attrs["repaired"] == {}
    if lad in WEST_KENT_NAMES:
        assert lsoas["lsoa_name"].str.startswith(WEST_KENT_NAMES[lad] + " ").sum() == count


def test_lsoa_list_of_files(lsoa_dir: Path) -> None:
    gdf = read_lsoa_boundaries([lsoa_dir / f"{lad}.json" for lad in WEST_KENT])
    assert len(gdf) == sum(WEST_KENT.values()) == 309
    # West Kent lies between Sevenoaks and Hawkhurst: roughly 545-590 km E, 130-175 km N.
    x0, y0, x1, y1 = gdf.total_bounds
    assert 540_000 < x0 < x1 < 600_000 and 125_000 < y0 < y1 < 180_000


# ------------------------------------------------------------------------------------------------------------------
# LSOAs, bad input
# ------------------------------------------------------------------------------------------------------------------
def test_lsoa_csv_is_not_geojson(shared_data: Path) -> None:
    f = shared_data / "hospitals" / "hosp_107_stroke_units_england.csv"
    with pytest.raises(InputError, match=where(f) + ": the LSOA boundary file is not a GeoJSON file"):
        read_lsoa_boundaries(f)


def test_lsoa_broken_json(tmp_path: Path) -> None:
    f = tmp_path / "broken.geojson"
    f.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", ')
    with pytest.raises(InputError, match=where(f) + ": the LSOA boundary file could not be read as GeoJSON"):
        read_lsoa_boundaries(f)


def test_lsoa_duplicate_code_across_files(tmp_path: Path, lsoa_dir: Path) -> None:
    shutil.copy(lsoa_dir / "E07000110.json", tmp_path / "maidstone.json")
    shutil.copy(lsoa_dir / "E07000110.json", tmp_path / "maidstone_copy.json")
    with pytest.raises(
        InputError, match=r"LSOA E01024320 is in two files: .*maidstone\.json and .*maidstone_copy\.json"
    ):
        read_lsoa_boundaries(tmp_path)


def test_lsoa_mixed_vintages(tmp_path: Path, lsoa_dir: Path) -> None:
    shutil.copy(lsoa_dir / "E07000110.json", tmp_path / "a.json")
    (tmp_path / "b.geojson").write_text(
        feature_collection([square(0.3, 51.2, 0.01, {"LSOA21CD": "E01999999", "LSOA21NM": "Test 001A"})])
    )
    with pytest.raises(InputError, match=r"different vintages \(2011: a\.json; 2021: b\.geojson\)"):
        read_lsoa_boundaries(tmp_path)


def test_lsoa_2021_lowercase_properties(tmp_path: Path) -> None:
    f = tmp_path / "lsoa21.geojson"
    f.write_text(feature_collection([square(0.3, 51.2, 0.01, {"lsoa21cd": "e01999999", "lsoa21nm": "Test 001A"})]))
    gdf = read_lsoa_boundaries(f)
    assert gdf.attrs["lsoa_vintage"] == "2021"
    assert gdf["lsoa_code"].tolist() == ["E01999999"]


def test_lsoa_missing_code_property(tmp_path: Path) -> None:
    f = tmp_path / "x.geojson"
    f.write_text(feature_collection([square(0.3, 51.2, 0.01, {"code": "E01999999"})]))
    with pytest.raises(InputError, match=where(f, column="LSOA11CD") + r": .*no LSOA code property.*'code'"):
        read_lsoa_boundaries(f)


def test_lsoa_duplicate_code_in_one_file(tmp_path: Path) -> None:
    f = tmp_path / "x.geojson"
    props = {"LSOA11CD": "E01000001", "LSOA11NM": "A"}
    f.write_text(feature_collection([square(0.3, 51.2, 0.01, props), square(0.4, 51.2, 0.01, props)]))
    with pytest.raises(
        InputError, match=where(f, column="LSOA11CD") + r": .*E01000001 appears more than once \(features 1, 2\)"
    ):
        read_lsoa_boundaries(f)


def test_lsoa_invalid_polygon_repaired(tmp_path: Path) -> None:
    f = tmp_path / "bowtie.geojson"
    ring = [[0.30, 51.20], [0.31, 51.21], [0.31, 51.20], [0.30, 51.21], [0.30, 51.20]]
    bowtie = {"type": "Polygon", "coordinates": [ring]}
    f.write_text(
        feature_collection(
            [{"type": "Feature", "properties": {"LSOA11CD": "E01000001", "LSOA11NM": "A"}, "geometry": bowtie}]
        )
    )
    gdf = read_lsoa_boundaries(f)
    assert gdf.is_valid.all()
    assert gdf.attrs["repaired"] == {"invalid geometry": 1}
    assert gdf.attrs["repaired_codes"] == ["E01000001"]
    assert gdf.geometry.iloc[0].area > 0


def test_lsoa_points_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "points.geojson"
    point = {"type": "Feature", "properties": {"LSOA11CD": "E01000001", "LSOA11NM": "A"}}
    point["geometry"] = {"type": "Point", "coordinates": [0.3, 51.2]}
    f.write_text(feature_collection([point]))
    with pytest.raises(
        InputError, match=where(f, column="geometry") + ": E01000001 in the LSOA boundary file is a Point"
    ):
        read_lsoa_boundaries(f)


def test_lsoa_missing_crs_degrees_assumed_wgs84(tmp_path: Path) -> None:
    f = tmp_path / "nocrs.geojson"
    f.write_text(feature_collection([square(0.3, 51.2, 0.01, {"LSOA11CD": "E01000001", "LSOA11NM": "A"})]))
    gdf = read_lsoa_boundaries(f)
    assert gdf.crs.to_epsg() == 27700
    assert 560_000 < gdf.geometry.iloc[0].centroid.x < 562_500


def test_lsoa_missing_crs_metres_refused(tmp_path: Path) -> None:
    f = tmp_path / "bng_without_crs.geojson"
    f.write_text(feature_collection([square(572_000, 150_000, 500, {"LSOA11CD": "E01000001", "LSOA11NM": "A"})]))
    with pytest.raises(InputError, match=where(f) + r": the coordinates \(up to 572500, 150500\) are not longitude"):
        read_lsoa_boundaries(f)


def test_lsoa_named_bng_crs_accepted(tmp_path: Path) -> None:
    f = tmp_path / "bng.geojson"
    f.write_text(
        feature_collection(
            [square(572_000, 150_000, 500, {"LSOA11CD": "E01000001", "LSOA11NM": "A"})],
            crs="urn:ogc:def:crs:EPSG::27700",
        )
    )
    gdf = read_lsoa_boundaries(f)
    assert tuple(gdf.total_bounds) == pytest.approx((572_000, 150_000, 572_500, 150_500))


def test_lsoa_folder_without_geojson(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(InputError, match=where(tmp_path) + ": the folder holds no LSOA boundary file"):
        read_lsoa_boundaries(tmp_path)


def test_lsoa_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_lsoa_boundaries(tmp_path / "nope.geojson")


# ------------------------------------------------------------------------------------------------------------------
# Local authority districts
# ------------------------------------------------------------------------------------------------------------------
def test_lad_file(shared_data: Path) -> None:
    gdf = read_lad_boundaries(shared_data / "boundaries" / LAD_FILE)
    assert len(gdf) == 76
    assert list(gdf.columns) == ["lad_code", "lad_name", "geometry"]
    assert gdf.crs.to_epsg() == 27700
    assert gdf.attrs["lad_vintage"] == "2017"
    assert gdf.is_valid.all()


def test_lad_west_kent_codes(shared_data: Path) -> None:
    codes = ["E07000116", "E07000110", "e07000111", "E07000115"]
    gdf = read_lad_boundaries(shared_data / "boundaries" / LAD_FILE, codes=codes)
    assert gdf["lad_code"].tolist() == ["E07000116", "E07000110", "E07000111", "E07000115"]
    assert gdf["lad_name"].tolist() == ["Tunbridge Wells", "Maidstone", "Sevenoaks", "Tonbridge and Malling"]
    # Super-generalised boundaries: Maidstone is about 393 km2.
    assert gdf.area.iloc[1] / 1e6 == pytest.approx(393, rel=0.02)


def test_lad_unknown_code(shared_data: Path) -> None:
    f = shared_data / "boundaries" / LAD_FILE
    with pytest.raises(InputError, match=where(f, column="lad17cd") + r": 1 district code not found .*: E07000999"):
        read_lad_boundaries(f, codes=["E07000110", "E07000999"])


def test_lad_any_year_any_case(tmp_path: Path) -> None:
    f = tmp_path / "lad23.geojson"
    f.write_text(feature_collection([square(0.3, 51.2, 0.05, {"LAD23CD": "E07000110", "LAD23NM": "Maidstone"})]))
    gdf = read_lad_boundaries(f, codes="E07000110")
    assert gdf.attrs["lad_vintage"] == "2023"
    assert gdf["lad_name"].tolist() == ["Maidstone"]


def test_lad_without_name(tmp_path: Path) -> None:
    f = tmp_path / "lad.geojson"
    f.write_text(feature_collection([square(0.3, 51.2, 0.05, {"LAD19CD": "E07000110"})]))
    with pytest.raises(InputError, match=where(f, column="LAD19NM") + ": .*no name property"):
        read_lad_boundaries(f)
