"""Tests for hubopt.io.population: SAPE single year of age, age bands, centroids and Census 2021."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column, to_age_bands
from hubopt.io.deprivation import read_imd2019
from hubopt.io.population import read_census2021_lsoa, read_population_weighted_centroids, read_sape_syoa

WEST_KENT_LADS = {"E07000110", "E07000111", "E07000115", "E07000116"}
SAPE = "mid-2017-lsoa-pop-estimates_SAPE20DT1_persons_westkent_mse.csv"
PWC = "Lower_Layer_Super_Output_Areas_December_2011_Population_Weighted_Centroids_westkent_mse.csv"
CENSUS = "census2021_lsoa21_usual_residents_westkent_mse.csv"
AGES = [str(a) for a in range(90)] + ["90+"]
SAPE_HEADER = ",".join(["Area Codes", "Area Names", "LSOA11NM", "All Ages", *AGES])


def _sape_row(code: str, la_name: str, lsoa_name: str, counts: list[int] | None = None) -> str:
    counts = counts if counts is not None else [1] * 91
    return ",".join([code, la_name, lsoa_name, str(sum(counts)), *map(str, counts)])


def _write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


@pytest.fixture(scope="module")
def syoa(shared_data: Path) -> pd.DataFrame:
    return read_sape_syoa(shared_data / "population" / SAPE)


# --- SAPE, real data ----------------------------------------------------------------------------------------------


def test_sape_real_file(syoa: pd.DataFrame) -> None:
    assert len(syoa) == 1014
    assert syoa.attrs["excluded"] == {"local authority summary rows": 13}
    expected = ["lsoa_code", "lsoa_name", "all_ages"] + [f"age_{a}" for a in range(90)] + ["age_90_plus"]
    assert list(syoa.columns) == expected
    assert all(syoa[c].dtype == "int64" for c in expected[2:])
    assert syoa["lsoa_code"].is_unique
    assert syoa["lsoa_code"].str.startswith("E01").all()
    ages = syoa[expected[3:]].sum(axis=1)
    assert (ages == syoa["all_ages"]).all()
    first = syoa.set_index("lsoa_code").loc["E01015833"]
    assert first["lsoa_name"] == "Southend-on-Sea 001A"
    assert (first["all_ages"], first["age_0"], first["age_90_plus"]) == (1538, 18, 29)


def test_west_kent_age_bands(syoa: pd.DataFrame, shared_data: Path) -> None:
    imd = read_imd2019(shared_data / "deprivation" / "IMD2019_File1_westkent_mse.csv")
    west_kent = set(imd.loc[imd["lad_code"].isin(WEST_KENT_LADS), "lsoa_code"])
    bands = to_age_bands(syoa)
    assert list(bands.columns) == ["lsoa_code", "lsoa_name", "pop_0_64", "pop_65_74", "pop_75_84", "pop_85_plus"]
    assert (bands.iloc[:, 2:].sum(axis=1) == syoa["all_ages"]).all()
    wk = bands[bands["lsoa_code"].isin(west_kent)]
    assert len(wk) == 309
    assert wk[["pop_65_74", "pop_75_84", "pop_85_plus"]].to_numpy().sum() == 103_860
    assert wk["pop_85_plus"].sum() == 14_448
    assert bands.attrs["excluded"] == {"local authority summary rows": 13}


def test_to_age_bands_custom_bands_and_no_mutation(syoa: pd.DataFrame) -> None:
    before = syoa.copy()
    bands = to_age_bands(syoa, {"0-17": (0, 17), "18-89": (18, 89), "90+": (90, None)})
    pd.testing.assert_frame_equal(syoa, before)
    assert list(bands.columns[2:]) == ["pop_0_17", "pop_18_89", "pop_90_plus"]
    assert (bands["pop_90_plus"] == syoa["age_90_plus"]).all()
    assert (bands["pop_0_17"] == syoa[[f"age_{a}" for a in range(18)]].sum(axis=1)).all()


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ({"0-64": (0, 64), "70+": (70, None)}, r"age\(s\) 65-69 in no band"),
        ({"0-64": (0, 64), "60+": (60, None)}, r"age 60 in two bands"),
        ({"0-64": (0, 64), "65-99": (65, 99)}, r"must be open-ended"),
        ({"0-94": (0, 94), "95+": (95, None)}, r"age group 90\+ runs past the band's oldest age 94"),
        ({}, r"no age bands"),
    ],
)
def test_to_age_bands_bad_bands(syoa: pd.DataFrame, bands: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        to_age_bands(syoa, bands)


def test_band_column() -> None:
    assert [band_column(b) for b in AGE_BANDS] == ["pop_0_64", "pop_65_74", "pop_75_84", "pop_85_plus"]
    with pytest.raises(InputError, match="not an age band label"):
        band_column("elderly")


# --- SAPE, small files --------------------------------------------------------------------------------------------


def test_sape_small_file(tmp_path: Path) -> None:
    counts = list(range(91))
    path = _write(
        tmp_path,
        "sape.csv",
        [SAPE_HEADER, _sape_row("E07000110", "Maidstone", ""), _sape_row("E01024331", "", "Maidstone 001A", counts)],
    )
    df = read_sape_syoa(path)
    assert list(df["lsoa_code"]) == ["E01024331"]
    assert df.loc[0, "all_ages"] == sum(counts)
    assert df.loc[0, "age_90_plus"] == 90
    assert df.attrs["excluded"] == {"local authority summary rows": 1}


def test_sape_newer_layout(tmp_path: Path) -> None:
    header = ",".join(["LSOA 2021 Code", "LSOA 2021 Name", "Total", *AGES])
    path = _write(tmp_path, "sape21.csv", [header, "E01000001,City of London 001A," + ",".join(["91"] + ["1"] * 91)])
    df = read_sape_syoa(path)
    assert (df.loc[0, "lsoa_code"], df.loc[0, "lsoa_name"], df.loc[0, "all_ages"]) == (
        "E01000001",
        "City of London 001A",
        91,
    )
    assert df.attrs["excluded"] == {}


def test_sape_non_numeric(tmp_path: Path) -> None:
    row = _sape_row("E01024331", "", "Maidstone 001A").split(",")
    row[4 + 45] = "n/a"
    path = _write(tmp_path, "sape.csv", [SAPE_HEADER, _sape_row("E07000110", "Maidstone", ""), ",".join(row)])
    with pytest.raises(InputError, match=r"sape\.csv, row 3, column '45': 'n/a' is not a number"):
        read_sape_syoa(path)


def test_sape_negative_count(tmp_path: Path) -> None:
    counts = [1] * 91
    counts[3] = -1
    path = _write(tmp_path, "sape.csv", [SAPE_HEADER, _sape_row("E01024331", "", "Maidstone 001A", counts)])
    with pytest.raises(InputError, match=r"row 2, column '3': '-1' is below the smallest allowed value 0"):
        read_sape_syoa(path)


def test_sape_total_mismatch(tmp_path: Path) -> None:
    row = _sape_row("E01024331", "", "Maidstone 001A").split(",")
    row[3] = "92"
    path = _write(tmp_path, "sape.csv", [SAPE_HEADER, ",".join(row)])
    with pytest.raises(InputError, match=r"row 2, column 'All Ages': the total 92 is not the sum of the ages \(91\)"):
        read_sape_syoa(path)


def test_sape_duplicate_code(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sape.csv",
        [SAPE_HEADER, _sape_row("E01024331", "", "Maidstone 001A"), _sape_row("E01024331", "", "Maidstone 001B")],
    )
    with pytest.raises(
        InputError, match=r"row 3, column 'Area Codes': duplicate LSOA code 'E01024331' \(also on row 2\)"
    ):
        read_sape_syoa(path)


def test_sape_missing_columns(tmp_path: Path) -> None:
    header = SAPE_HEADER.replace("All Ages,", "Persons,")
    path = _write(tmp_path, "sape.csv", [header, _sape_row("E01024331", "", "Maidstone 001A")])
    with pytest.raises(InputError, match=re.escape(str(path)) + r", column 'All Ages': .*no all-ages total column"):
        read_sape_syoa(path)
    header = SAPE_HEADER.replace(",45,", ",45b,")
    path = _write(tmp_path, "sape2.csv", [header, _sape_row("E01024331", "", "Maidstone 001A")])
    with pytest.raises(InputError, match=r"sape2\.csv: .*has no column for ages 45"):
        read_sape_syoa(path)
    header = ",".join(["LSOA Code", "LSOA Name", "Total", *[f"F{a}" for a in AGES]])
    path = _write(tmp_path, "sape3.csv", [header, "E01000001,City of London 001A," + ",".join(["91"] + ["1"] * 91)])
    with pytest.raises(InputError, match=r"no single-year-of-age columns"):
        read_sape_syoa(path)


def test_sape_row_that_is_neither(tmp_path: Path) -> None:
    path = _write(tmp_path, "sape.csv", [SAPE_HEADER, _sape_row("E01024331", "", "")])
    with pytest.raises(InputError, match=r"row 2, column 'LSOA11NM': the row has neither an area name"):
        read_sape_syoa(path)


# --- centroids ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def centroids(shared_data: Path):
    return read_population_weighted_centroids(shared_data / "population" / PWC)


def test_centroids_real_file(centroids, syoa: pd.DataFrame) -> None:
    assert list(centroids.columns) == ["lsoa_code", "lsoa_name", "geometry"]
    assert len(centroids) == 1014
    assert centroids.crs.to_epsg() == 27700
    assert centroids.attrs["coordinates"] == "lonlat"
    assert (centroids.geom_type == "Point").all()
    x, y = centroids.geometry.x, centroids.geometry.y
    # All inside the south-east of England (BNG metres).
    assert x.between(500_000, 650_000).all() and y.between(100_000, 300_000).all()
    assert set(centroids["lsoa_code"]) == set(syoa["lsoa_code"])
    point = centroids.set_index("lsoa_code").loc["E01021950"]
    assert point["lsoa_name"] == "Rochford 008A"
    assert point.geometry.x == pytest.approx(581_425, abs=5)
    assert point.geometry.y == pytest.approx(190_398, abs=5)


def test_centroids_in_bng_metres_give_the_same_points(centroids, tmp_path: Path) -> None:
    lines = ["FID,LSOA11CD,LSOA11NM,x,y"]
    for i, row in enumerate(centroids.head(20).itertuples()):
        lines.append(f"{i},{row.lsoa_code},{row.lsoa_name},{row.geometry.x:.3f},{row.geometry.y:.3f}")
    path = _write(tmp_path, "pwc_bng.csv", lines, encoding="utf-8-sig")
    df = read_population_weighted_centroids(path)
    assert df.attrs["coordinates"] == "bng"
    assert df.crs.to_epsg() == 27700
    np.testing.assert_allclose(df.geometry.x, centroids.head(20).geometry.x, atol=0.01)
    np.testing.assert_allclose(df.geometry.y, centroids.head(20).geometry.y, atol=0.01)


def test_centroids_lsoa21_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "pwc21.csv", ["X,Y,lsoa21cd,lsoa21nm", "0.5,51.3,E01024331,Maidstone 001A"])
    df = read_population_weighted_centroids(path)
    assert list(df["lsoa_code"]) == ["E01024331"]


def test_centroids_outside_gb(tmp_path: Path) -> None:
    path = _write(tmp_path, "pwc.csv", ["X,Y,lsoa11cd,lsoa11nm", "0.5,51.3,E01A,A", "51.3,0.5,E01B,B"])
    with pytest.raises(InputError, match=r"row 3, column 'X/Y': the point \(51.3, 0.5\) lies outside Great Britain"):
        read_population_weighted_centroids(path)


def test_centroids_mixed_units(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "pwc.csv",
        ["X,Y,lsoa11cd,lsoa11nm", "575000,155000,E01A,A", "575100,155100,E01B,B", "0.5,51.3,E01C,C"],
    )
    with pytest.raises(InputError, match=r"row 4, column 'X/Y': the coordinates mix longitude/latitude"):
        read_population_weighted_centroids(path)


def test_centroids_bad_values(tmp_path: Path) -> None:
    path = _write(tmp_path, "pwc.csv", ["X,Y,lsoa11cd,lsoa11nm", "0.5,51.3,E01A,A", "0.5,51.3,E01A,B"])
    with pytest.raises(InputError, match=r"row 3, column 'lsoa11cd': duplicate LSOA code 'E01A'"):
        read_population_weighted_centroids(path)
    path = _write(tmp_path, "pwc2.csv", ["X,Y,lsoa11cd,lsoa11nm", "0.5,north,E01A,A"])
    with pytest.raises(InputError, match=r"row 2, column 'Y': 'north' is not a number"):
        read_population_weighted_centroids(path)
    path = _write(tmp_path, "pwc3.csv", ["easting,lsoa11cd", "575000,E01A"])
    with pytest.raises(InputError, match=r"pwc3\.csv, column 'X': .*no coordinate columns"):
        read_population_weighted_centroids(path)


# --- Census 2021 --------------------------------------------------------------------------------------------------


def test_census2021_real_file(shared_data: Path) -> None:
    df = read_census2021_lsoa(shared_data / "population" / CENSUS)
    assert list(df.columns) == ["lsoa21_code", "lsoa21_name", "population"]
    assert len(df) == 1041
    assert df["population"].dtype == "int64"
    assert df.set_index("lsoa21_code").loc["E01015833", "population"] == 1564
    prefix = df["lsoa21_name"].str.rsplit(" ", n=1).str[0]
    counts = prefix.value_counts()
    assert (counts["Maidstone"], counts["Sevenoaks"], counts["Tonbridge and Malling"], counts["Tunbridge Wells"]) == (
        99,
        75,
        78,
        69,
    )


def test_census2021_bad_values(tmp_path: Path) -> None:
    header = "2021 super output area - lower layer,LSOA21CD,Population"
    path = _write(tmp_path, "census.csv", [header, "Maidstone 001A,E01024331,1564", "Maidstone 001B,E01024332,lots"])
    with pytest.raises(InputError, match=r"census\.csv, row 3, column 'Population': 'lots' is not a number"):
        read_census2021_lsoa(path)
    path = _write(tmp_path, "census2.csv", [header, "Maidstone 001A,E01024331,1564", "Maidstone 001A,E01024331,1"])
    with pytest.raises(InputError, match=r"row 3, column 'LSOA21CD': duplicate LSOA 2021 code 'E01024331'"):
        read_census2021_lsoa(path)
    path = _write(tmp_path, "census3.csv", ["name,code,people", "Maidstone 001A,E01024331,1564"])
    with pytest.raises(InputError, match=re.escape(str(path)) + r", column 'LSOA21CD': .*no LSOA 2021 code column"):
        read_census2021_lsoa(path)
