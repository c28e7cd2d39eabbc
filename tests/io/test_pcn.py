"""Tests for hubopt.io.pcn: the NHS ODS ePCN release (practice-to-PCN relationships)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.pcn import PCN_COLUMNS, read_pcn_memberships
from hubopt.io.practices import read_epraccur

#: The header of the published table: cells with line breaks, a trailing space in the last one.
HEADER = [
    "Partner\nOrganisation\nCode",
    "Partner\nName",
    "Practice\nParent\nSub ICB Loc Code",
    "Practice\nParent\nSub ICB Loc Name",
    "PCN Code",
    "PCN Name",
    "PCN Parent\nSub ICB Loc Code",
    "PCN Parent\nSub ICB Loc Name",
    "Practice to PCN\nRelationship\nStart Date",
    "Practice to PCN\nRelationship\nEnd Date",
    "Practice Sub ICB Loc and PCN Sub ICB Loc Match ",
]
NOT_IN_RELEASE = ["F81035", "F81695", "G82076", "G82605", "G82641"]


def _row(code: str, pcn: str, start: str = "20191001", end: str = "") -> list[str]:
    return [
        code,
        f"PRACTICE {code}",
        "91Q",
        "NHS KENT - 91Q",
        pcn,
        f"{pcn} PCN",
        "91Q",
        "NHS KENT - 91Q",
        start,
        end,
        "True",
    ]


def _csv(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "partners.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


# --- real data ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pcn_dir(shared_data: Path) -> Path:
    return shared_data / "pcn"


@pytest.fixture(scope="module")
def practices(shared_data: Path) -> pd.DataFrame:
    return read_epraccur(shared_data / "gp_practices" / "epraccur_dec2023_westkent_mse.csv")


def _check_study_practices(memberships: pd.DataFrame, practices: pd.DataFrame) -> None:
    """194 of the 200 active practices have a current PCN: West Kent 50, Mid and South Essex 144."""
    assert len(practices) == 200
    found = memberships[memberships["practice_code"].isin(practices["code"])]
    assert len(found) == 194
    kent = found["sub_icb_name"].str.contains("KENT AND MEDWAY")
    assert int(kent.sum()) == 50
    assert int((~kent).sum()) == 144
    assert found["sub_icb_name"][~kent].str.contains("MID AND SOUTH ESSEX").all()
    without = sorted(set(practices["code"]) - set(found["practice_code"]))
    assert without == [*NOT_IN_RELEASE, "Y06389"]  # Y06389 is not a practice in the release's sense


def test_extract_csv_counts(pcn_dir: Path, practices: pd.DataFrame) -> None:
    df = read_pcn_memberships(pcn_dir / "ePCN_oct2024_PCN_Core_Partner_Details_westkent_mse.csv")
    assert list(df.columns) == list(PCN_COLUMNS)
    assert len(df) == 194
    assert df["pcn_code"].nunique() == 36
    assert df.attrs["excluded"] == {"relationships that have ended (an end date is given)": 32}
    _check_study_practices(df, practices)
    row = df.set_index("practice_code").loc["F81003"]  # moved PCN in 2021: the current one is kept
    assert row["pcn_code"] == "U17794"
    assert row["pcn_name"] == "SOUTHEND VICTORIA PCN"
    assert row["start_date"] == pd.Timestamp("2021-04-01")
    assert pd.isna(row["end_date"])


def test_original_workbook_matches_extract(pcn_dir: Path, practices: pd.DataFrame) -> None:
    book = read_pcn_memberships(pcn_dir / "ePCN_oct2024_england.xlsx")
    assert len(book) == 6224
    assert book["practice_code"].is_unique
    _check_study_practices(book, practices)
    extract = read_pcn_memberships(pcn_dir / "ePCN_oct2024_PCN_Core_Partner_Details_westkent_mse.csv")
    same = book[book["practice_code"].isin(extract["practice_code"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(same, extract, check_like=False)


def test_reference_date_keeps_the_relationships_of_that_day(pcn_dir: Path) -> None:
    path = pcn_dir / "ePCN_oct2024_PCN_Core_Partner_Details_westkent_mse.csv"
    df = read_pcn_memberships(path, on="2021-01-01")
    assert df.set_index("practice_code").loc["F81003", "pcn_code"] == "U52827"  # before its move in April 2021
    assert df.attrs["reference_date"] == "2021-01-01"
    assert sum(df.attrs["excluded"].values()) + len(df) == 226


# --- hand-made files ----------------------------------------------------------------------------------------------


def test_small_csv_current_and_ended(tmp_path: Path) -> None:
    path = _csv(tmp_path, [_row("A1", "U1", end="20210331"), _row("A1", "U2", start="20210401"), _row("B2", "U1")])
    df = read_pcn_memberships(path)
    assert df[["practice_code", "pcn_code"]].values.tolist() == [["A1", "U2"], ["B2", "U1"]]
    assert df["sub_icb_code"].tolist() == ["91Q", "91Q"]
    on = read_pcn_memberships(path, on="2021-03-31")  # the end date is the relationship's last day
    assert on[["practice_code", "pcn_code"]].values.tolist() == [["A1", "U1"], ["B2", "U1"]]
    assert on.attrs["excluded"] == {"relationships that start after 2021-03-31": 1}


def test_small_workbook_with_title_rows(tmp_path: Path) -> None:
    path = tmp_path / "ePCN.xlsx"
    wb = openpyxl.Workbook()
    details = wb.active
    details.title = "PCNDetails"
    details.append(["PCN Code", "PCN Name"])
    sheet = wb.create_sheet("PCN Core Partner Details")
    sheet.append(["ePCN release"])
    sheet.append(HEADER)
    sheet.append(_row("A1", "U1"))
    sheet.append([*_row("B2", "U1", end="20200101")[:9], "bad", "True"])
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_pcn_memberships(path)
    assert err.value.row == 4  # sheet row: a title row, the header, then the data
    assert "sheet PCN Core Partner Details" in str(err.value.path)
    assert "Relationship End Date" in str(err.value.column)
    assert "'bad' is not a date" in err.value.problem


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = [h for h in HEADER if "End Date" not in h]
    path = _csv(tmp_path, [[v for i, v in enumerate(_row("A1", "U1")) if i != 9]], header)
    with pytest.raises(InputError) as err:
        read_pcn_memberships(path)
    assert err.value.path == str(path)
    assert err.value.column == "Practice to PCN Relationship End Date"
    assert "relationship end date" in err.value.problem
    assert err.value.hint


def test_practice_in_two_current_pcns(tmp_path: Path) -> None:
    path = _csv(tmp_path, [_row("A1", "U1"), _row("B2", "U1"), _row("A1", "U2", start="20220401")])
    with pytest.raises(InputError) as err:
        read_pcn_memberships(path)
    e = err.value
    # The header spans 14 file lines (line breaks inside quotes): data rows are on lines 15, 16 and 17.
    assert e.row == 17
    assert e.column == "PCN Code"
    assert "A1 is in two PCNs" in e.problem and "U1 (row 15)" in e.problem and "U2 (row 17)" in e.problem
    assert e.hint is not None and "end date" in e.hint


def test_practice_listed_twice_in_one_pcn(tmp_path: Path) -> None:
    path = _csv(tmp_path, [_row("A1", "U1"), _row("A1", "U1")])
    with pytest.raises(InputError, match=r"practice A1 is listed twice in PCN U1 .* \(rows 15 and 16\)") as err:
        read_pcn_memberships(path)
    assert err.value.row == 16


def test_unparseable_date(tmp_path: Path) -> None:
    path = _csv(tmp_path, [_row("A1", "U1"), _row("B2", "U1", start="01/10/2019")])
    with pytest.raises(InputError) as err:
        read_pcn_memberships(path)
    assert err.value.row == 16
    assert err.value.column == "Practice to PCN Relationship Start Date"
    assert "YYYYMMDD" in err.value.problem


def test_blank_pcn_code_and_end_before_start(tmp_path: Path) -> None:
    path = _csv(tmp_path, [_row("A1", "")])
    with pytest.raises(InputError) as err:
        read_pcn_memberships(path)
    assert (err.value.row, err.value.column) == (15, "PCN Code")
    path = _csv(tmp_path, [_row("A1", "U1", start="20200101", end="20191231")])
    with pytest.raises(InputError, match=r"ends .* before it starts") as err:
        read_pcn_memberships(path)
    assert err.value.row == 15


def test_bad_reference_date() -> None:
    with pytest.raises(InputError) as err:
        read_pcn_memberships("unused.csv", on="next year")
    assert err.value.parameter == "on"
