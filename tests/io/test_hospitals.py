"""NHS website hospital list and stroke units."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.hospitals import read_nhs_hospitals, read_stroke_units
from hubopt.io.postcodes import PostcodeLookup

HOSPITALS = "NHS_Hospital_list_within25km_westkent_mse.csv"
WEST_KENT_HOSPITALS = {
    "RWF03": ("Maidstone Hospital", "ME16 9QQ"),
    "RWFTW": ("Tunbridge Wells Hospital at Pembury", "TN2 4QJ"),
    "RYYD9": ("Sevenoaks Hospital", "TN13 3PG"),
    "RYYD4": ("Edenbridge War Memorial Hospital", "TN8 5DA"),
    "RYYDC": ("Tonbridge Cottage Hospital", "TN11 0NE"),
    "RYYD6": ("Hawkhurst Hospital", "TN18 4PU"),
}
COLUMNS = ["code", "name", "sub_type", "sector", "postcode", "parent_code", "parent_name", "geometry"]
HEADER = (
    "OrganisationID,OrganisationCode,OrganisationType,SubType,Sector,OrganisationStatus,IsPimsManaged,"
    "OrganisationName,Address1,Address2,Address3,City,County,Postcode,Latitude,Longitude,ParentODSCode,"
    "ParentName,Phone,Email,Website,Fax"
)


def where(path: Path | str, row: int | None = None, column: str | None = None) -> str:
    """Regex for the start of an InputError message naming file, row and column."""
    parts = [f"file {re.escape(str(path))}"]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{re.escape(column)}'")
    return ", ".join(parts)


def hospital_row(code: str, lat: str, lon: str, *, postcode: str = "ME16 9QQ") -> str:
    """One data row in the original layout (as many fields as HEADER)."""
    fields = ["1", code, "Hospital", "Hospital", "NHS Sector", "Visible", "True", f"Test {code}", "", "", "", "Town"]
    fields += ["Kent", postcode, lat, lon, "RWF", "Test Trust", "", "", "", ""]
    return ",".join(fields)


@pytest.fixture(scope="module")
def hospitals_path(shared_data: Path) -> Path:
    return shared_data / "hospitals" / HOSPITALS


@pytest.fixture(scope="module")
def hospitals(hospitals_path: Path) -> gpd.GeoDataFrame:
    return read_nhs_hospitals(hospitals_path)


@pytest.fixture(scope="module")
def nspl(shared_data: Path) -> PostcodeLookup:
    return PostcodeLookup.from_nspl_latlon(shared_data / "postcodes" / "nspl_may2025_latlon")


# ------------------------------------------------------------------------------------------------------------------
# NHS website hospital list, real data
# ------------------------------------------------------------------------------------------------------------------
def test_hospital_list(hospitals: gpd.GeoDataFrame) -> None:
    assert len(hospitals) == 220
    assert list(hospitals.columns) == COLUMNS
    assert hospitals.crs.to_epsg() == 27700
    assert hospitals["code"].is_unique
    assert hospitals.attrs["excluded"] == {}
    assert hospitals.attrs["no_coordinates"] == []
    assert set(hospitals["sector"]) == {"NHS Sector", "Independent Sector"}


def test_west_kent_hospitals_where_their_postcodes_are(hospitals: gpd.GeoDataFrame, nspl: PostcodeLookup) -> None:
    wk = hospitals.set_index("code").loc[list(WEST_KENT_HOSPITALS)]
    assert wk["name"].tolist() == [name for name, _ in WEST_KENT_HOSPITALS.values()]
    assert wk["postcode"].tolist() == [pc for _, pc in WEST_KENT_HOSPITALS.values()]
    assert (wk["parent_code"].isin(["RWF", "RYY"])).all()
    xy = nspl.locate(wk["postcode"].tolist())
    gap = np.hypot(wk.geometry.x.to_numpy() - xy[:, 0], wk.geometry.y.to_numpy() - xy[:, 1])
    assert gap.max() < 2_000, dict(zip(wk.index, gap.round(), strict=True))


def test_original_layout_reads_the_same(tmp_path: Path, hospitals_path: Path, hospitals: gpd.GeoDataFrame) -> None:
    """The published layout (no extra leading field on data rows) gives the same table."""
    with hospitals_path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    original = tmp_path / "Hospital.csv"
    with original.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(rows[0])
        writer.writerows(r[1:] for r in rows[1:])
    again = read_nhs_hospitals(original)
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(hospitals))


def test_not_sign_separated_layout(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(
        HEADER.replace(",", "¬") + "\n" + hospital_row("RWF03", "51.2737", "0.4840").replace(",", "¬") + "\n"
    )
    gdf = read_nhs_hospitals(f)
    assert gdf["code"].tolist() == ["RWF03"]
    assert gdf.geometry.iloc[0].distance(gpd.points_from_xy([573_363], [155_654])[0]) < 100


def test_rows_without_coordinates_are_counted(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(
        "\n".join(
            [
                HEADER,
                hospital_row("AAA01", "51.2737", "0.4840"),
                hospital_row("AAA02", "", ""),
                hospital_row("AAA03", "0", "0"),
            ]
        )
        + "\n"
    )
    gdf = read_nhs_hospitals(f)
    assert gdf["code"].tolist() == ["AAA01"]
    assert gdf.attrs["excluded"] == {"no coordinates": 2}
    assert gdf.attrs["no_coordinates"] == ["AAA02", "AAA03"]


def test_outside_great_britain(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(
        HEADER + "\n" + hospital_row("AAA01", "51.27", "0.48") + "\n" + hospital_row("AAA02", "0.48", "51.27") + "\n"
    )
    with pytest.raises(InputError, match=where(f, 3, "Longitude/Latitude") + ": the point .* outside Great Britain"):
        read_nhs_hospitals(f)


def test_duplicate_code(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(
        HEADER + "\n" + hospital_row("AAA01", "51.27", "0.48") + "\n" + hospital_row("aaa01", "51.2", "0.4") + "\n"
    )
    with pytest.raises(
        InputError, match=where(f, 3, "OrganisationCode") + r": duplicate organisation code 'AAA01' \(also on row 2\)"
    ):
        read_nhs_hospitals(f)


def test_half_coordinates(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(HEADER + "\n" + hospital_row("AAA01", "51.27", "") + "\n")
    with pytest.raises(InputError, match=where(f, 2, "Longitude") + ": Latitude is filled in but Longitude is blank"):
        read_nhs_hospitals(f)


def test_latitude_not_a_number(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(
        HEADER + "\n" + hospital_row("AAA01", "51.27", "0.48") + "\n" + hospital_row("AAA02", "north", "0.4") + "\n"
    )
    with pytest.raises(InputError, match=where(f, 3, "Latitude") + ": 'north' is not a number"):
        read_nhs_hospitals(f)


def test_row_with_wrong_number_of_fields(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(HEADER + "\n" + hospital_row("AAA01", "51.27", "0.48") + "\nAAA02,Broken\n")
    with pytest.raises(InputError, match=where(f, 3) + ": this row has 2 fields but the header has 22"):
        read_nhs_hospitals(f)


def test_blank_code(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text(HEADER + "\n" + hospital_row("", "51.27", "0.48") + "\n")
    with pytest.raises(InputError, match=where(f, 2, "OrganisationCode") + ": the value is missing"):
        read_nhs_hospitals(f)


def test_missing_column(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_text("OrganisationCode,OrganisationName,Latitude,Longitude\nAAA01,Test,51.27,0.48\n")
    with pytest.raises(InputError, match=where(f, column="SubType") + ": .*no SubType column"):
        read_nhs_hospitals(f)


def test_spreadsheet_instead_of_csv(tmp_path: Path) -> None:
    f = tmp_path / "Hospital.csv"
    f.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError, match=where(f) + ": .*not a CSV text file"):
        read_nhs_hospitals(f)


# ------------------------------------------------------------------------------------------------------------------
# Stroke units
# ------------------------------------------------------------------------------------------------------------------
def test_stroke_units(shared_data: Path, nspl: PostcodeLookup) -> None:
    units = read_stroke_units(shared_data / "hospitals" / "hosp_107_stroke_units_england.csv")
    assert len(units) == 107
    assert list(units.columns) == ["postcode_key", "name", "geometry"]
    assert units.crs.to_epsg() == 27700
    by_key = units.set_index("postcode_key")
    assert by_key.loc["SS165NL", "name"] == "Basildon University Hospital"
    assert by_key.loc["ME169QQ", "name"] == "Maidstone District General Hospital"
    local = by_key.loc[["SS165NL", "ME169QQ", "DA28DA", "ME75NY"]]
    xy = nspl.locate(local.index.tolist())
    gap = np.hypot(local.geometry.x.to_numpy() - xy[:, 0], local.geometry.y.to_numpy() - xy[:, 1])
    assert gap.max() < 1_000


def test_stroke_units_bad_postcode(tmp_path: Path) -> None:
    f = tmp_path / "units.csv"
    f.write_text("hospital,lat,long,Stroke Team\nME169QQ,51.27,0.48,Maidstone\nMAIDSTONE,51.27,0.48,Maidstone 2\n")
    with pytest.raises(InputError, match=where(f, 3, "hospital") + ": 'MAIDSTONE' is not a postcode"):
        read_stroke_units(f)


def test_stroke_units_missing_column(tmp_path: Path) -> None:
    f = tmp_path / "units.csv"
    f.write_text("hospital,lat,long\nME169QQ,51.27,0.48\n")
    with pytest.raises(InputError, match=where(f, column="Stroke Team") + ": the stroke unit list has no column"):
        read_stroke_units(f)


def test_stroke_units_outside_gb(tmp_path: Path) -> None:
    f = tmp_path / "units.csv"
    f.write_text("hospital,lat,long,Stroke Team\nME169QQ,0.48,51.27,Maidstone\n")
    with pytest.raises(InputError, match=where(f, 2, "long/lat") + ": the point"):
        read_stroke_units(f)


def test_stroke_units_trailing_commas(tmp_path: Path) -> None:
    f = tmp_path / "units.csv"
    f.write_text("hospital,lat,long,Stroke Team\nME169QQ,51.27,0.48,Maidstone,\n")
    with pytest.raises(InputError, match=where(f, 2) + ": the rows of the stroke unit list have one field more"):
        read_stroke_units(f)
