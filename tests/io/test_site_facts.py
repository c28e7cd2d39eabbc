"""The site register's availability years, tenure, condition and utilisation: read, checked, written back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.site_facts import AVAILABILITY_COLUMNS, check_lease_ends
from hubopt.io.sites import read_site_register, write_site_register
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[2]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"

HEADER = "site_id,name,type,status,easting,northing"
FACTS = """\
site_id,name,type,status,easting,northing,Available From,available_until,availability_source,tenure,condition,\
condition_source,site_utilisation_pct,utilisation_source
A,Site A,community_hospital,existing,559010,144549,,2030,lease ends March 2030,leased,B,ERIC 2016-17,34,plan
B,Site B,new_build,committed,553141,156635,2027,,build agreed,owned,,,,
C,Site C,gp_practice,existing,544516,145487,,,,,,,,
"""


def where(path: Path, row: int, column: str) -> str:
    return f"file {re.escape(str(path))}, row {row}, column '{re.escape(column)}'"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.csv"
    path.write_text(text)
    return path


def test_facts_are_read_with_their_types_and_sources(tmp_path: Path) -> None:
    sites = read_site_register(write(tmp_path, FACTS))
    assert sites["available_from"].dtype == "Int64" and sites["available_until"].dtype == "Int64"
    assert sites["available_until"].tolist()[:1] == [2030] and pd.isna(sites["available_until"].iloc[1])
    assert sites["available_from"].iloc[1] == 2027
    assert sites["tenure"].tolist()[:2] == ["leased", "owned"] and pd.isna(sites["tenure"].iloc[2])
    assert sites["condition"].iloc[0] == "B" and sites["condition_source"].iloc[0] == "ERIC 2016-17"
    assert sites["site_utilisation_pct"].iloc[0] == pytest.approx(34.0, rel=1e-12)
    assert sites["availability_source"].iloc[0] == "lease ends March 2030"


def test_registers_without_facts_have_them_blank(tmp_path: Path) -> None:
    sites = read_site_register(write(tmp_path, HEADER + "\nA,Site A,other,existing,559010,144549\n"))
    for col in AVAILABILITY_COLUMNS:
        assert sites[col].isna().all()


@pytest.mark.parametrize(
    ("cell", "column", "problem"),
    [
        ("20x0", "available_until", "is not a number"),
        ("2030.5", "available_until", "whole"),
        ("1850", "available_until", "not a plausible year"),
        ("3000", "available_until", "not a plausible year"),
    ],
)
def test_bad_years_name_file_row_and_column(tmp_path: Path, cell: str, column: str, problem: str) -> None:
    path = write(tmp_path, HEADER + f",{column}\nA,Site A,other,existing,559010,144549,\nB,Site B,other,existing,"
                 f"553141,156635,{cell}\n")  # fmt: skip
    with pytest.raises(InputError, match=where(path, 3, column)) as err:
        read_site_register(path)
    assert problem in str(err.value)


def test_years_out_of_order_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, HEADER + ",available_from,available_until\nA,Site A,other,existing,559010,144549,2031,2029\n"
    )
    with pytest.raises(InputError, match=where(path, 2, "available_until")) as err:
        read_site_register(path)
    assert "available_from (2031) is after available_until (2029)" in str(err.value)


def test_utilisation_above_100_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + ",site_utilisation_pct\nA,Site A,other,existing,559010,144549,134\n")
    with pytest.raises(InputError, match=where(path, 2, "site_utilisation_pct")):
        read_site_register(path)


def test_a_lease_end_before_the_base_year_names_the_row(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + ",available_until\nA,Site A,other,existing,559010,144549,\n"
                 "B,Site B,other,existing,553141,156635,2015\n")  # fmt: skip
    sites = read_site_register(path)
    check_lease_ends(sites, 2015, path=path)  # the base year itself is fine
    with pytest.raises(InputError, match=where(path, 3, "available_until")) as err:
        check_lease_ends(sites, 2017, path=path)
    assert "site B (Site B) can be used only until 2015, before the study's base year 2017" in str(err.value)


def test_a_study_whose_register_ends_a_lease_before_its_base_year_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    shutil.copytree(WEST_KENT, folder)
    table = pd.read_csv(folder / "sites.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.loc[table["site_id"] == "RYYDC", "available_until"] = "2016"  # base year 2017
    table.to_csv(folder / "sites.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(InputError, match=where(folder / "sites.csv", 3, "available_until")):
        load_study(folder)


def test_facts_survive_a_write_and_read_back(tmp_path: Path) -> None:
    sites = read_site_register(write(tmp_path, FACTS))
    out = tmp_path / "again.csv"
    write_site_register(sites, out)
    again = read_site_register(out)
    for col in AVAILABILITY_COLUMNS:
        pd.testing.assert_series_equal(again[col], sites[col], check_names=True)


def test_facts_columns_are_written_only_when_a_site_has_one(tmp_path: Path) -> None:
    sites = read_site_register(write(tmp_path, HEADER + "\nA,Site A,other,existing,559010,144549\n"))
    out = tmp_path / "again.csv"
    write_site_register(sites, out)
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert not set(AVAILABILITY_COLUMNS) & set(header)


def test_west_kent_register_holds_the_plans_facts_without_an_invented_year() -> None:
    sites = load_study(WEST_KENT).sites.set_index("site_id")
    tonbridge, sevenoaks = sites.loc["RYYDC"], sites.loc["RYYD9"]
    assert tonbridge["tenure"] == "leased"
    assert "lease expiring" in tonbridge["availability_source"]
    assert "Local Care Plan v1.5 (31 July 2017)" in tonbridge["availability_source"]
    assert pd.isna(tonbridge["available_until"])  # the plan gives no year: none is invented
    assert sevenoaks["site_utilisation_pct"] == pytest.approx(34.0, rel=1e-12)
    assert "Local Care Plan v1.5" in sevenoaks["utilisation_source"]
    assert sites["available_until"].isna().all() and sites["available_from"].isna().all()
