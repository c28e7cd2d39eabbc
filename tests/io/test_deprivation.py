"""Tests for hubopt.io.deprivation: English Indices of Deprivation 2019, File 1."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.deprivation import read_imd2019

XLSX = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
CSV = "IMD2019_File1_westkent_mse.csv"
WEST_KENT_LADS = {"E07000110", "E07000111", "E07000115", "E07000116"}
COLUMNS = ["lsoa_code", "lsoa_name", "lad_code", "lad_name", "imd_rank", "imd_decile"]
HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),"
    "Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile"
)


@pytest.fixture(scope="module")
def imd_xlsx(shared_data: Path) -> pd.DataFrame:
    """The whole workbook (about 5 s to read), once per module."""
    return read_imd2019(shared_data / "deprivation" / XLSX)


@pytest.fixture(scope="module")
def imd_csv(shared_data: Path) -> pd.DataFrame:
    return read_imd2019(shared_data / "deprivation" / CSV)


def _write(tmp_path: Path, lines: list[str], name: str = "imd.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_imd_csv(imd_csv: pd.DataFrame) -> None:
    assert list(imd_csv.columns) == COLUMNS
    assert len(imd_csv) == 1014
    assert imd_csv["imd_rank"].dtype == "int64" and imd_csv["imd_decile"].dtype == "int64"
    assert imd_csv["imd_decile"].between(1, 10).all()
    assert imd_csv["lad_code"].nunique() == 13
    assert imd_csv["lad_code"].isin(WEST_KENT_LADS).sum() == 309
    row = imd_csv.set_index("lsoa_code").loc["E01015814"]
    assert (row["lsoa_name"], row["lad_name"], row["imd_rank"], row["imd_decile"]) == (
        "Southend-on-Sea 003A",
        "Southend-on-Sea",
        19102,
        6,
    )


def test_imd_xlsx(imd_xlsx: pd.DataFrame) -> None:
    assert list(imd_xlsx.columns) == COLUMNS
    assert len(imd_xlsx) == 32_844
    assert imd_xlsx["lsoa_code"].is_unique
    assert (imd_xlsx["imd_rank"].min(), imd_xlsx["imd_rank"].max()) == (1, 32_844)
    assert sorted(imd_xlsx["imd_decile"].unique()) == list(range(1, 11))
    assert imd_xlsx["imd_decile"].value_counts().between(3284, 3285).all()
    first = imd_xlsx.iloc[0]
    assert (first["lsoa_code"], first["lsoa_name"], first["imd_rank"], first["imd_decile"]) == (
        "E01000001",
        "City of London 001A",
        29199,
        9,
    )


def test_imd_csv_matches_xlsx(imd_csv: pd.DataFrame, imd_xlsx: pd.DataFrame) -> None:
    expected = imd_xlsx.set_index("lsoa_code").loc[imd_csv["lsoa_code"]].reset_index()
    pd.testing.assert_frame_equal(imd_csv, expected)


# --- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("E01000003,Name 001C,E09000001,City of London,14915,11", r"row 3, column '.*Decile': '11' is above 10"),
        ("E01000003,Name 001C,E09000001,City of London,0,1", r"row 3, column '.*Rank': '0' is below the smallest"),
        ("E01000003,Name 001C,E09000001,City of London,40000,10", r"row 3, column '.*Rank': '40000' is above 32,844"),
        ("E01000003,Name 001C,E09000001,City of London,14915,4", r"row 3, .*decile 4 does not match rank 14915"),
        ("E01000003,Name 001C,E09000001,City of London,many,4", r"row 3, column '.*Rank': 'many' is not a number"),
        ("E01000001,Name 001C,E09000001,City of London,14915,5", r"row 3, .*duplicate LSOA code 'E01000001'"),
        (",Name 001C,E09000001,City of London,14915,5", r"row 3, column 'LSOA code \(2011\)': the value is missing"),
    ],
)
def test_imd_bad_rows(tmp_path: Path, row: str, message: str) -> None:
    path = _write(tmp_path, [HEADER, "E01000001,City of London 001A,E09000001,City of London,29199,9", row])
    with pytest.raises(InputError, match=message):
        read_imd2019(path)


def test_imd_missing_column(tmp_path: Path) -> None:
    header = HEADER.replace(",Index of Multiple Deprivation (IMD) Decile", ",IMD decile")
    path = _write(tmp_path, [header, "E01000001,City of London 001A,E09000001,City of London,29199,9"])
    with pytest.raises(
        InputError,
        match=re.escape(str(path)) + r", column 'Index of Multiple Deprivation \(IMD\) Decile': .*no IMD decile",
    ):
        read_imd2019(path)


def test_imd_workbook_without_the_sheet(tmp_path: Path) -> None:
    path = tmp_path / "imd.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, sheet_name="Notes", index=False)
    with pytest.raises(InputError, match=r"imd\.xlsx: the workbook has no sheet 'IMD2019' \(sheets found: 'Notes'\)"):
        read_imd2019(path)


def test_imd_workbook_sheet_with_bad_value(tmp_path: Path) -> None:
    path = tmp_path / "imd.xlsx"
    table = pd.DataFrame([["E01000001", "City of London 001A", "E09000001", "City of London", 29199, 12]])
    table.columns = HEADER.split(",")
    table.to_excel(path, sheet_name="IMD2019", index=False)
    with pytest.raises(InputError, match=r"imd\.xlsx \[sheet IMD2019\], row 2, column '.*Decile': '12' is above 10"):
        read_imd2019(path)


def test_imd_broken_or_old_workbooks(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(InputError, match=r"could not be opened as an Excel workbook"):
        read_imd2019(broken)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(InputError, match=r"old-style \.xls workbook"):
        read_imd2019(old)
    binary = tmp_path / "imd.csv"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(InputError, match=r"not a CSV text file"):
        read_imd2019(binary)
