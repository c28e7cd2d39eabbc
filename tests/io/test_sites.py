"""hubopt's site register: reading, checking, geocoding and writing."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from hubopt.errors import InputError
from hubopt.io._coords import bng_to_lonlat
from hubopt.io.postcodes import PostcodeLookup
from hubopt.io.sites import (
    AVAILABILITY_COLUMNS,
    ESTATE_COLUMNS,
    SITE_COLUMNS,
    SITE_STATUSES,
    SITE_TYPES,
    read_site_register,
    write_site_register,
)

HEADER = "site_id,name,type,status,lon,lat,easting,northing,postcode"
GOOD = """\
Site ID,Name,Type,Status,Longitude,Latitude,easting,northing,postcode,beds,max_beds,list_size,capacity,notes,owner
S1,Maidstone Hospital,Acute hospital,existing,0.483988,51.273663,,,me16 9qq,300,350,,,"big, busy",NHS
S2,Sevenoaks Hospital,community hospital,Must keep,,,552310,156200,,20,,,,,
S3,Tonbridge Cottage,COMMUNITY_HOSPITAL,committed,,,,,tn11 0ne,,,,50000,,Trust
007,Pembury GP,gp practice,candidate,,,,,TN2 4QJ,,,12345,,,
"""


def where(path: Path | str, row: int | None = None, column: str | None = None) -> str:
    """Regex for the start of an InputError message naming file, row and column."""
    parts = [f"file {re.escape(str(path))}"]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{re.escape(column)}'")
    return ", ".join(parts)


def register(tmp_path: Path, text: str, name: str = "sites.csv") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


@pytest.fixture(scope="module")
def nspl(shared_data: Path) -> PostcodeLookup:
    return PostcodeLookup.from_nspl_latlon(shared_data / "postcodes" / "nspl_may2025_latlon")


@pytest.fixture(scope="module")
def small_lookup() -> PostcodeLookup:
    """Three West Kent postcodes (NSPL May 2025 positions), for tests that need no real data."""
    df = pd.DataFrame(
        {
            "postcode": ["ME16 9QQ", "TN11 0NE", "TN2 4QJ"],
            "lat": [51.273663, 51.178060, 51.148453],
            "lon": [0.483988, 0.273490, 0.307485],
        }
    )
    return PostcodeLookup.from_frame(df, source="test lookup")


# ------------------------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------------------------
def test_read_register(tmp_path: Path, small_lookup: PostcodeLookup) -> None:
    sites = read_site_register(register(tmp_path, GOOD), postcodes=small_lookup)
    assert list(sites.columns) == [
        *SITE_COLUMNS,
        *ESTATE_COLUMNS,
        *AVAILABILITY_COLUMNS,
        "owner",
        "located_by",
        "geometry",
    ]
    assert sites.crs.to_epsg() == 27700
    assert sites["site_id"].tolist() == ["S1", "S2", "S3", "007"]
    assert sites["type"].tolist() == ["acute_hospital", "community_hospital", "community_hospital", "gp_practice"]
    assert sites["status"].tolist() == ["existing", "must-keep", "committed", "candidate"]
    assert sites["located_by"].tolist() == ["coordinates", "coordinates", "postcode", "postcode"]
    assert sites["postcode"].tolist()[0] == "ME16 9QQ" and sites["postcode"].tolist()[2] == "TN11 0NE"
    assert pd.isna(sites["postcode"].iloc[1])
    assert sites["beds"].dtype == "Int64" and sites["beds"].tolist()[:2] == [300, 20]
    assert sites["list_size"].iloc[3] == 12345
    assert sites["capacity"].dtype == "float64" and sites["capacity"].iloc[2] == 50_000
    assert sites["district"].isna().all() and sites["fixed_cost"].isna().all()
    assert sites["notes"].iloc[0] == "big, busy"
    assert sites["owner"].tolist()[:1] == ["NHS"] and pd.isna(sites["owner"].iloc[1])
    assert sites.geometry.iloc[1].coords[0] == (552_310, 156_200)
    assert sites.attrs["excluded"] == {}


def test_types_and_statuses() -> None:
    assert SITE_TYPES == (
        "gp_practice",
        "community_hospital",
        "acute_hospital",
        "community_site",
        "new_build",
        "other",
    )
    assert SITE_STATUSES == ("existing", "committed", "candidate", "must-keep", "unavailable", "external")


def test_postcode_geocoding_with_nspl(tmp_path: Path, nspl: PostcodeLookup) -> None:
    f = register(tmp_path, HEADER + "\nP1,Pembury,acute_hospital,existing,,,,,tn24qj\n")
    sites = read_site_register(f, postcodes=nspl)
    assert sites["postcode"].tolist() == ["TN2 4QJ"]
    assert sites["located_by"].tolist() == ["postcode"]
    expected = nspl.locate(["TN2 4QJ"])[0]
    assert sites.geometry.iloc[0].distance(Point(expected)) < 0.01


def test_round_trip(tmp_path: Path, small_lookup: PostcodeLookup) -> None:
    sites = read_site_register(register(tmp_path, GOOD), postcodes=small_lookup)
    before = sites.copy()
    out = tmp_path / "written.csv"
    write_site_register(sites, out)
    pd.testing.assert_frame_equal(sites, before)  # the caller's frame is not changed
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[:8] == ["site_id", "name", "type", "status", "lon", "lat", "easting", "northing"]
    again = read_site_register(out)  # no lookup needed: every row now has coordinates
    assert (again["located_by"] == "coordinates").all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(again.drop(columns=["geometry", "located_by"])),
        pd.DataFrame(sites.drop(columns=["geometry", "located_by"])),
    )
    assert again.geometry.distance(sites.geometry).max() < 0.1
    # Writing again gives the same file.
    out2 = tmp_path / "written_again.csv"
    write_site_register(again, out2)
    assert out2.read_text(encoding="utf-8-sig") == out.read_text(encoding="utf-8-sig")


def test_write_number_formats(tmp_path: Path) -> None:
    sites = gpd.GeoDataFrame(
        {"site_id": ["A"], "name": ["A"], "type": ["other"], "status": ["candidate"]},
        geometry=[Point(558301.73, 139099.36)],
        crs="EPSG:27700",
    )
    out = tmp_path / "a.csv"
    write_site_register(sites, out)
    row = pd.read_csv(out, dtype=str, encoding="utf-8-sig").iloc[0]
    assert (row["easting"], row["northing"]) == ("558301.7", "139099.4")  # the given metres, to 0.1 m
    # lon/lat are computed (PROJ's transformation, which may change with its version and installed grids by up to
    # a few metres): six decimals of this machine's transform, and within 1e-4 degrees (about 10 m) of the place
    lon, lat = bng_to_lonlat([558301.73], [139099.36])
    assert (row["lon"], row["lat"]) == (f"{lon[0]:.6f}", f"{lat[0]:.6f}")
    assert re.fullmatch(r"\d+\.\d{6}", row["lon"]) and re.fullmatch(r"\d+\.\d{6}", row["lat"])
    assert float(row["lon"]) == pytest.approx(0.26096, abs=1e-4)
    assert float(row["lat"]) == pytest.approx(51.1293, abs=1e-4)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:27700"])
def test_read_geojson(tmp_path: Path, small_lookup: PostcodeLookup, crs: str) -> None:
    sites = read_site_register(register(tmp_path, GOOD), postcodes=small_lookup)
    f = tmp_path / "sites.geojson"
    sites.to_crs(crs).to_file(f)
    again = read_site_register(f)
    assert again["site_id"].tolist() == sites["site_id"].tolist()
    assert again.dtypes.equals(sites.dtypes)
    assert again.geometry.distance(sites.geometry).max() < 0.01


# ------------------------------------------------------------------------------------------------------------------
# bad input: every message names the file, the row and the column
# ------------------------------------------------------------------------------------------------------------------
def test_missing_required_column(tmp_path: Path) -> None:
    f = register(tmp_path, "site_id,name,type,lon,lat\nS1,A,other,0.3,51.2\n")
    with pytest.raises(InputError, match=where(f, column="status") + ": the site register has no column 'status'"):
        read_site_register(f)


def test_unknown_type_lists_allowed_values(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,0.3,51.2,,,\nS2,B,hospitel,existing,0.3,51.2,,,\n")
    with pytest.raises(InputError, match=where(f, 3, "type") + ": 'hospitel' is not a known type") as err:
        read_site_register(f)
    assert "gp_practice, community_hospital, acute_hospital, community_site, new_build, other" in str(err.value)


def test_unknown_status_suggests(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,canddate,0.3,51.2,,,\n")
    with pytest.raises(
        InputError, match=where(f, 2, "status") + r": 'canddate' is not a known status \(did you mean 'candidate'\?\)"
    ):
        read_site_register(f)


def test_duplicate_site_id(tmp_path: Path) -> None:
    f = register(
        tmp_path,
        HEADER
        + "\nS1,A,other,existing,0.3,51.2,,,\nS2,B,other,existing,0.3,51.2,,,\nS1,C,other,existing,0.3,51.2,,,\n",
    )
    with pytest.raises(InputError, match=where(f, 4, "site_id") + r": duplicate site_id 'S1' \(also on row 2\)"):
        read_site_register(f)


def test_blank_name(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,,other,existing,0.3,51.2,,,\n")
    with pytest.raises(InputError, match=where(f, 2, "name") + ": the value is missing"):
        read_site_register(f)


def test_row_without_location(tmp_path: Path, small_lookup: PostcodeLookup) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,0.3,51.2,,,\nS2,B,other,existing,,,,,\n")
    with pytest.raises(InputError, match=where(f, 3, "postcode") + ": the site has no location") as err:
        read_site_register(f, postcodes=small_lookup)
    assert "lon and lat" in str(err.value) and "postcode" in err.value.hint


def test_postcode_without_lookup(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,0.3,51.2,,,\nS2,B,other,existing,,,,,TN2 4QJ\n")
    with pytest.raises(
        InputError,
        match=where(f, 3, "postcode") + r": 1 site \(row 3\) can only be located by postcode, but no postcode lookup",
    ):
        read_site_register(f)


def test_unknown_postcode(tmp_path: Path, nspl: PostcodeLookup) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,,,,,TN2 4QJ\nS2,B,other,existing,,,,,ZZ99 9ZZ\n")
    with pytest.raises(InputError, match=where(f, 3, "postcode") + r": 1 postcode not found .*'ZZ99 9ZZ' \(row 3\)"):
        read_site_register(f, postcodes=nspl)


def test_lonlat_outside_gb(tmp_path: Path) -> None:
    # Latitude and longitude swapped.
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,51.2,0.3,,,\n")
    with pytest.raises(
        InputError, match=where(f, 2, "lon/lat") + r": the point \(51.2, 0.3\) lies outside Great Britain"
    ):
        read_site_register(f)


def test_grid_outside_gb(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,,,552310,156200,\nS2,B,other,existing,,,-5,150000,\n")
    with pytest.raises(InputError, match=where(f, 3, "easting/northing") + ": the point .* outside Great Britain"):
        read_site_register(f)


def test_half_filled_pair(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,0.3,51.2,,,\nS2,B,other,existing,0.3,,,,\n")
    with pytest.raises(InputError, match=where(f, 3, "lat") + ": lon is filled in but lat is blank"):
        read_site_register(f)


def test_pair_with_one_column_missing(tmp_path: Path) -> None:
    f = register(tmp_path, "site_id,name,type,status,easting\nS1,A,other,existing,552310\n")
    with pytest.raises(
        InputError, match=where(f, column="northing") + ": the site register has a 'easting' column but no 'northing'"
    ):
        read_site_register(f)


def test_locations_disagree(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,0.483988,51.273663,552310,156200,\n")
    with pytest.raises(
        InputError, match=where(f, 2, "lon/lat") + r": easting/northing and lon/lat are 21,\d{3} m apart"
    ):
        read_site_register(f)


def test_not_a_number(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + ",beds\nS1,A,other,existing,0.3,51.2,,,,twenty\n")
    with pytest.raises(InputError, match=where(f, 2, "beds") + ": 'twenty' is not a number"):
        read_site_register(f)


def test_negative_number(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + ",capital_cost\nS1,A,other,existing,0.3,51.2,,,,-5\n")
    with pytest.raises(
        InputError, match=where(f, 2, "capital_cost") + ": '-5' is below the smallest allowed value 0"
    ):
        read_site_register(f)


def test_fractional_list_size(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + ",list_size\nS1,A,other,existing,0.3,51.2,,,,100.5\n")
    with pytest.raises(InputError, match=where(f, 2, "list_size") + ": '100.5' is not a whole number"):
        read_site_register(f)


def test_coordinate_not_a_number(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,0.3,51.2,,,\nS2,A,other,existing,0.3,51°N,,,\n")
    with pytest.raises(InputError, match=where(f, 3, "lat") + ": '51°N' is not a number"):
        read_site_register(f)


def test_max_beds_below_beds(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + ",beds,max_beds\nS1,A,other,existing,0.3,51.2,,,,20,10\n")
    with pytest.raises(InputError, match=where(f, 2, "max_beds") + r": max_beds \(10\) is below beds \(20\)"):
        read_site_register(f)


def test_piloted_beds_are_whole_beds(tmp_path: Path) -> None:
    ok = register(tmp_path, HEADER + ",beds,Piloted beds\nS1,A,other,existing,0.3,51.2,,,,14,8\n")
    sites = read_site_register(ok)
    assert sites["piloted_beds"].dtype == "Int64" and sites["piloted_beds"].tolist() == [8]
    bad = register(tmp_path, HEADER + ",piloted_beds\nS1,A,other,existing,0.3,51.2,,,,2.5\n")
    with pytest.raises(InputError, match=where(bad, 2, "piloted_beds") + ": '2.5' is not a whole number"):
        read_site_register(bad)


def test_trailing_commas(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\nS1,A,other,existing,0.3,51.2,,,,\n")
    with pytest.raises(InputError, match=where(f, 2) + ": the rows of the site register have one field more"):
        read_site_register(f)


def test_spreadsheet(tmp_path: Path) -> None:
    f = tmp_path / "sites.xlsx"
    f.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=where(f) + ": the site register is a spreadsheet"):
        read_site_register(f)


def test_errors_name_columns_as_spelled_in_the_file(tmp_path: Path) -> None:
    f = register(tmp_path, "Site ID,Name,Type,Status,Longitude,Latitude\nS1,A,other,existing,51.2,0.3\n")
    with pytest.raises(InputError, match=where(f, 2, "Longitude/Latitude") + ": the point"):
        read_site_register(f)


def test_two_columns_same_meaning(tmp_path: Path) -> None:
    f = register(tmp_path, "site_id,name,type,status,lon,Longitude,lat\nS1,A,other,existing,0.3,0.3,51.2\n")
    with pytest.raises(
        InputError, match=where(f, column="Longitude") + ": the columns 'lon' and 'Longitude' both mean 'lon'"
    ):
        read_site_register(f)


def test_geojson_errors_name_the_feature(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"site_id": ["S1", "S1"], "name": ["A", "B"], "type": ["other", "other"], "status": ["existing", "existing"]},
        geometry=[Point(0.3, 51.2), Point(0.31, 51.2)],
        crs="EPSG:4326",
    )
    f = tmp_path / "sites.geojson"
    gdf.to_file(f)
    with pytest.raises(
        InputError, match=where(f, column="site_id") + r": feature 2: duplicate site_id 'S1' \(also on feature 1\)"
    ):
        read_site_register(f)


def test_geojson_polygon_refused(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"site_id": ["S1"], "name": ["A"], "type": ["other"], "status": ["existing"]},
        geometry=[Polygon([(0.3, 51.2), (0.31, 51.2), (0.31, 51.21)])],
        crs="EPSG:4326",
    )
    f = tmp_path / "sites.geojson"
    gdf.to_file(f)
    with pytest.raises(
        InputError, match=where(f, column="geometry") + ": feature 1: the geometry is a Polygon, not a point"
    ):
        read_site_register(f)


def test_empty_register(tmp_path: Path) -> None:
    f = register(tmp_path, HEADER + "\n")
    with pytest.raises(InputError, match=where(f) + ": the site register has no sites"):
        read_site_register(f)


def test_write_needs_points(tmp_path: Path) -> None:
    sites = gpd.GeoDataFrame(
        {"site_id": ["A"], "name": ["A"], "type": ["other"], "status": ["candidate"]},
        geometry=[None],
        crs="EPSG:27700",
    )
    with pytest.raises(ValueError, match="site 'A' has no point geometry"):
        write_site_register(sites, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_pcn_columns_are_optional_register_columns(tmp_path: Path) -> None:
    """A practice's Primary Care Network: ``PCN code``/``PCN Name`` read as pcn_code/pcn_name (blank is missing);
    a register without them gets both as missing values, and writing keeps them."""
    f = register(
        tmp_path,
        "site_id,name,type,status,easting,northing,PCN code,PCN Name\n"
        "G1,Practice one,gp_practice,existing,560000,150000,U05510,MALLING PCN\n"
        "R1,Hospital,community_hospital,existing,561000,151000,,\n",
    )
    sites = read_site_register(f)
    assert sites["pcn_code"].tolist()[0] == "U05510" and sites["pcn_name"].tolist()[0] == "MALLING PCN"
    assert sites["pcn_code"].isna().tolist() == [False, True]
    out = tmp_path / "out.csv"
    write_site_register(sites, out)
    again = read_site_register(out)
    assert again["pcn_code"].tolist()[0] == "U05510" and pd.isna(again["pcn_name"].iloc[1])
    plain = read_site_register(register(tmp_path, f"{HEADER}\nS1,One,other,existing,,,560000,150000,\n", "plain.csv"))
    assert {"pcn_code", "pcn_name"} <= set(plain.columns) and plain["pcn_code"].isna().all()


@pytest.mark.parametrize(
    ("rows", "row", "column", "message"),
    [
        (["G1,P,gp_practice,existing,560000,150000,,MALLING PCN"], 2, "PCN code", "has no PCN code"),
        (
            ["G1,P,gp_practice,existing,560000,150000,U1,A PCN", "G2,Q,gp_practice,existing,560000,150000,U1,B PCN"],
            3,
            "PCN Name",
            "PCN U1 is named 'A PCN' on row 2 but 'B PCN' here",
        ),
    ],
)
def test_pcn_columns_that_disagree_are_refused(
    tmp_path: Path, rows: list[str], row: int, column: str, message: str
) -> None:
    text = "site_id,name,type,status,easting,northing,PCN code,PCN Name\n" + "\n".join(rows) + "\n"
    f = register(tmp_path, text)
    with pytest.raises(InputError, match=where(f, row, column)) as err:
        read_site_register(f)
    assert message in err.value.problem
