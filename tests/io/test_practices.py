"""Tests for hubopt.io.practices: the ODS epraccur file and GP list sizes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.practices import read_epraccur, read_list_sizes

WEST_KENT_LADS = {"E07000110", "E07000111", "E07000115", "E07000116"}


def _epraccur_line(code: str, *, status: str = "A", setting: str = "4", open_date: str = "19740401") -> str:
    fields = [code, f"PRACTICE {code}", "Y61", "QH8", "1 HIGH STREET", "", "", "MAIDSTONE", "KENT", "ME14 1AA"]
    fields += [open_date, "", status, "B", "91Q", "20130401", "", "01622 000000", "", "", "", "0", "", "91Q", ""]
    fields += [setting, ""]
    return ",".join(f'"{f}"' for f in fields)


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- real data ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gp_dir(shared_data: Path) -> Path:
    return shared_data / "gp_practices"


def test_epraccur_all_records(gp_dir: Path) -> None:
    df = read_epraccur(gp_dir / "epraccur_dec2023_westkent_mse.csv", active_gp_only=False)
    assert len(df) == 478
    assert list(df.columns) == [
        "code",
        "name",
        "postcode",
        "status",
        "prescribing_setting",
        "open_date",
        "close_date",
        "commissioner",
        "address",
    ]
    assert df.attrs["excluded"] == {}
    assert df["code"].is_unique
    assert set(df["status"]) == {"A", "C", "D"}
    assert df["prescribing_setting"].dtype == "int64"
    assert df["open_date"].notna().all()
    assert df["close_date"].notna().sum() == 96  # the closed practices


def test_epraccur_active_gp_practices(gp_dir: Path) -> None:
    df = read_epraccur(gp_dir / "epraccur_dec2023_westkent_mse.csv")
    assert len(df) == 200
    assert (df["status"] == "A").all() and (df["prescribing_setting"] == 4).all()
    excluded = df.attrs["excluded"]
    assert sum(excluded.values()) == 478 - 200
    assert excluded["not active (status C: closed)"] == 96
    assert excluded["not active (status D: dormant)"] == 14
    assert excluded["not a GP practice (prescribing setting 26: primary care network)"] == 37

    row = df.set_index("code").loc["F81001"]
    assert row["name"] == "DR KHAN & PARTNERS"
    assert row["postcode"] == "SS7 4EA"
    assert row["address"] == "RUSHBOTTOM LANE SURGERY, 91 RUSHBOTTOM LANE, BENFLEET, ESSEX"
    assert row["open_date"] == pd.Timestamp("1974-04-01")
    assert pd.isna(row["close_date"])
    assert row["commissioner"] == "99F"

    # 53 in West Kent and 147 in Mid & South Essex (LAD from the derived, geocoded table).
    lad = pd.read_csv(gp_dir / "gp_practices_geocoded_westkent_mse.csv", dtype=str).set_index("ods_code")["lad_code"]
    in_west_kent = df["code"].map(lad).isin(WEST_KENT_LADS)
    assert in_west_kent.sum() == 53
    assert (~in_west_kent).sum() == 147


def test_list_sizes(gp_dir: Path) -> None:
    df = read_list_sizes(gp_dir / "gp-reg-pat-prac-all_jan2021_westkent_mse.csv")
    assert list(df.columns) == ["code", "postcode", "patients", "extract_date"]
    assert len(df) == 209
    assert df["patients"].dtype == "int64"
    assert df["patients"].sum() == 1_779_531
    assert (df["extract_date"] == pd.Timestamp("2021-01-01")).all()
    assert df.attrs["excluded"] == {}
    assert df.set_index("code").loc["F81011", "patients"] == 7561

    active = read_epraccur(gp_dir / "epraccur_dec2023_westkent_mse.csv")
    assert len(set(active["code"]) - set(df["code"])) == 2  # new or re-coded since January 2021


def test_real_non_epraccur_files_are_refused(gp_dir: Path) -> None:
    for name, fields in [
        ("gp_practices_geocoded_westkent_mse.csv", 17),
        ("gp_data_epraccur_sep2022_geocoded_westkent_mse.csv", 30),
        ("gp-reg-pat-prac-all_jan2021_westkent_mse.csv", 10),
    ]:
        with pytest.raises(InputError, match=rf"row 1: this file is not a valid ODS epraccur file.* has {fields}\b"):
            read_epraccur(gp_dir / name)


# --- bad input ----------------------------------------------------------------------------------------------------


def test_epraccur_small_file_and_exclusions(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "ep.csv",
        [
            _epraccur_line("G1"),
            _epraccur_line("C1", status="C"),
            _epraccur_line("O1", setting="0"),
            _epraccur_line("H1", status="C", setting="13"),
        ],
    )
    df = read_epraccur(path)
    assert list(df["code"]) == ["G1"]
    assert df.attrs["excluded"] == {
        "not active (status C: closed)": 2,
        "not a GP practice (prescribing setting 0: other)": 1,
    }
    assert df.loc[0, "address"] == "1 HIGH STREET, MAIDSTONE, KENT"
    assert len(read_epraccur(path, active_gp_only=False)) == 4


def test_epraccur_with_header_line(tmp_path: Path) -> None:
    header = ",".join(f'"Field {i}"' for i in range(1, 28))
    path = _write(tmp_path, "ep.csv", [header, _epraccur_line("G1")])
    with pytest.raises(
        InputError, match=r"row 1: .*not a valid ODS epraccur file: its first line looks like a header"
    ):
        read_epraccur(path)


def test_epraccur_csv_with_header_of_other_width(tmp_path: Path) -> None:
    path = _write(tmp_path, "practices.csv", ["code,name,postcode", "G1,A PRACTICE,ME14 1AA"])
    with pytest.raises(
        InputError, match=r"practices\.csv, row 1: this file is not a valid ODS epraccur file"
    ) as info:
        read_epraccur(path)
    assert "27 fields" in str(info.value)
    assert info.value.row == 1


def test_epraccur_line_with_wrong_number_of_fields(tmp_path: Path) -> None:
    path = _write(tmp_path, "ep.csv", [_epraccur_line("G1"), _epraccur_line("G2") + ',"extra"'])
    with pytest.raises(InputError, match=r"row 2: this file is not a valid ODS epraccur file.*this line has 28"):
        read_epraccur(path)


def test_epraccur_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "epraccur.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"epraccur\.zip: the ODS epraccur file is not a CSV text file"):
        read_epraccur(path)


def test_epraccur_missing_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"does not exist"):
        read_epraccur(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match=r"empty"):
        read_epraccur(empty)


def test_epraccur_duplicate_code(tmp_path: Path) -> None:
    path = _write(tmp_path, "ep.csv", [_epraccur_line("G1"), _epraccur_line("G2"), _epraccur_line("G1")])
    with pytest.raises(
        InputError,
        match=r"row 3, column 'field 1 \(Organisation Code\)': duplicate organisation code 'G1' \(also on row 1\)",
    ):
        read_epraccur(path)


def test_epraccur_non_numeric_prescribing_setting(tmp_path: Path) -> None:
    path = _write(tmp_path, "ep.csv", [_epraccur_line("G1"), _epraccur_line("G2", setting="GP")])
    with pytest.raises(InputError, match=r"row 2, column 'field 26 \(Prescribing Setting\)': 'GP' is not a number"):
        read_epraccur(path)


def test_epraccur_negative_prescribing_setting(tmp_path: Path) -> None:
    path = _write(tmp_path, "ep.csv", [_epraccur_line("G1", setting="-4")])
    with pytest.raises(InputError, match=r"row 1, column 'field 26 \(Prescribing Setting\)': '-4' is below"):
        read_epraccur(path)


def test_epraccur_bad_status_and_date(tmp_path: Path) -> None:
    path = _write(tmp_path, "ep.csv", [_epraccur_line("G1"), _epraccur_line("G2", status="X")])
    with pytest.raises(InputError, match=r"row 2, column 'field 13 \(Status Code\)': 'X' is not an ODS status code"):
        read_epraccur(path)
    path = _write(tmp_path, "ep2.csv", [_epraccur_line("G1"), _epraccur_line("G2", open_date="2023-12-04")])
    with pytest.raises(InputError, match=r"row 2, column 'field 11 \(Open Date\)': '2023-12-04' is not a date"):
        read_epraccur(path)


LIST_HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS"


def _list_line(code: str, patients: str, *, sex: str = "ALL", age: str = "ALL") -> str:
    return f"GP_PRAC_PAT_LIST,01JAN2021,GP,06Q,E38000106,{code},CO5 9AG,{sex},{age},{patients}"


def test_list_sizes_keeps_all_persons_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "lists.csv",
        [
            LIST_HEADER,
            _list_line("F1", "100"),
            _list_line("F1", "40", sex="MALE"),
            _list_line("F1", "not counted", sex="FEMALE"),  # excluded rows are not parsed
            _list_line("F2", "250"),
        ],
    )
    df = read_list_sizes(path)
    assert list(df["code"]) == ["F1", "F2"]
    assert list(df["patients"]) == [100, 250]
    assert df.attrs["excluded"] == {
        "rows for one sex or age group (only the SEX=ALL, AGE=ALL totals are used)": 2,
    }


def test_list_sizes_row_numbers_count_excluded_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "lists.csv",
        [LIST_HEADER, _list_line("F1", "100"), _list_line("F1", "40", sex="MALE"), _list_line("F2", "12a")],
    )
    with pytest.raises(InputError, match=r"lists\.csv, row 4, column 'NUMBER_OF_PATIENTS': '12a' is not a number"):
        read_list_sizes(path)


def test_list_sizes_negative_and_duplicate(tmp_path: Path) -> None:
    path = _write(tmp_path, "neg.csv", [LIST_HEADER, _list_line("F1", "100"), _list_line("F2", "-5")])
    with pytest.raises(InputError, match=r"row 3, column 'NUMBER_OF_PATIENTS': '-5' is below the smallest allowed"):
        read_list_sizes(path)
    path = _write(tmp_path, "dup.csv", [LIST_HEADER, _list_line("F1", "100"), _list_line("F1", "100")])
    with pytest.raises(InputError, match=r"row 3, column 'CODE': duplicate practice code 'F1' \(also on row 2\)"):
        read_list_sizes(path)


def test_list_sizes_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "lists.csv", ["CODE,POSTCODE,PATIENTS", "F1,CO5 9AG,100"])
    with pytest.raises(
        InputError, match=re.escape(str(path)) + r".*column 'NUMBER_OF_PATIENTS'.*no number of patients"
    ):
        read_list_sizes(path)


def test_list_sizes_only_sex_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, "lists.csv", [LIST_HEADER, _list_line("F1", "40", sex="MALE")])
    with pytest.raises(InputError, match=r"no rows with SEX=ALL and AGE=ALL"):
        read_list_sizes(path)


def test_list_sizes_minimal_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "lists.csv", ["code,number_of_patients", "F1,1 234"])
    with pytest.raises(InputError, match=r"row 2, column 'number_of_patients': '1 234' is not a number"):
        read_list_sizes(path)
    path = _write(tmp_path, "lists2.csv", ["code,number_of_patients", 'F1,"1,234"'])
    df = read_list_sizes(path)
    assert df.loc[0, "patients"] == 1234
    assert df.loc[0, "postcode"] == ""
    assert pd.isna(df.loc[0, "extract_date"])


@pytest.mark.parametrize(
    ("delimiter", "named"), [(";", "';' (semicolon)"), ("\t", "a tab"), ("|", "'|' (vertical bar)")]
)
def test_epraccur_with_another_delimiter_names_it(tmp_path: Path, delimiter: str, named: str) -> None:
    lines = [_epraccur_line(c).replace('","', f'"{delimiter}"') for c in ("G82001", "G82002")]
    path = _write(tmp_path, "epraccur_semicolons.csv", lines)
    with pytest.raises(InputError) as info:
        read_epraccur(path)
    message = str(info.value)
    assert f"file {path}, row 1: the ODS epraccur file uses {named} as its delimiter (27 fields" in message
    assert "save it as CSV with commas" in message
    assert "header" not in message


def test_list_sizes_with_semicolons_names_the_delimiter(tmp_path: Path) -> None:
    path = _write(tmp_path, "sizes.csv", ["PRACTICE_CODE;NUMBER_OF_PATIENTS;EXTRACT_DATE", "G82001;1000;2021-01-01"])
    with pytest.raises(InputError, match=r"uses ';' \(semicolon\) as its delimiter \(3 fields on its first line, 1"):
        read_list_sizes(path)


def test_comma_file_with_semicolons_inside_values_is_read(tmp_path: Path) -> None:
    line = _epraccur_line("G82001").replace("1 HIGH STREET", "UNIT 1; 2; 3; 4; HIGH STREET")
    assert len(read_epraccur(_write(tmp_path, "epraccur.csv", [line]), active_gp_only=False)) == 1
