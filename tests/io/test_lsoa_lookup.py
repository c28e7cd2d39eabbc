"""Tests of hubopt.io.lsoa_lookup on a small hand-made lookup."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.lsoa_lookup import lsoa_vintage, read_lsoa_lookup, require_same_vintage, to_lsoa2011

LOOKUP = """lsoa11cd,lsoa11nm,LSOA21CD,LSOA21NM,chgind,LAD22CD
E01000001,A 001A,E01000001,A 001A,U,E07000110
E01000002,A 001B,E01100002,A 001E,S,E07000110
E01000002,A 001B,E01100003,A 001F,S,E07000110
E01000003,A 002A,E01100004,A 002E,M,E07000110
E01000004,A 002B,E01100004,A 002E,M,E07000110
E01000005,A 003A,E01100005,A 003E,X,E07000110
E01000006,A 003B,E01100005,A 003E,X,E07000110
E01000006,A 003B,E01100006,A 003F,X,E07000110
"""


@pytest.fixture
def lookup_file(tmp_path: Path) -> Path:
    path = tmp_path / "lookup.csv"
    path.write_text(LOOKUP)
    return path


def table(codes: list[str], values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"LSOA21CD": codes, "people": values, "other": "x"})


def test_read_lookup(lookup_file: Path) -> None:
    lk = read_lsoa_lookup(lookup_file)
    assert list(lk.columns) == ["lsoa11cd", "lsoa11nm", "lsoa21cd", "lsoa21nm", "chgind"]
    assert len(lk) == 8 and set(lk["chgind"]) == {"U", "S", "M", "X"}


def test_conversion_preserves_totals(lookup_file: Path) -> None:
    lk = read_lsoa_lookup(lookup_file)
    t = table(["E01000001", "E01100002", "E01100003", "E01100004"], [100, 30, 20, 90])
    out = to_lsoa2011(t, "LSOA21CD", ["people"], lk).set_index("LSOA21CD")["people"]
    assert out.to_dict() == {"E01000001": 100, "E01000002": 50, "E01000003": 45, "E01000004": 45}
    assert out.sum() == pytest.approx(t["people"].sum())

    weighted = to_lsoa2011(t, "LSOA21CD", ["people"], lk, weights={"E01000003": 1.0, "E01000004": 2.0})
    w = weighted.set_index("LSOA21CD")["people"]
    assert w["E01000003"] == pytest.approx(30) and w["E01000004"] == pytest.approx(60)


def test_irregular_refused_unless_allowed(lookup_file: Path) -> None:
    lk = read_lsoa_lookup(lookup_file)
    t = table(["E01000001", "E01100005", "E01100006"], [10, 40, 8])
    with pytest.raises(InputError, match=r"CHGIND X.*E01100005 <- E01000005, E01000006"):
        to_lsoa2011(t, "LSOA21CD", ["people"], lk)
    out = to_lsoa2011(t, "LSOA21CD", ["people"], lk, allow_irregular=True).set_index("LSOA21CD")["people"]
    assert out.to_dict() == {"E01000001": 10, "E01000005": 20, "E01000006": 28}


def test_unknown_codes_listed(lookup_file: Path) -> None:
    lk = read_lsoa_lookup(lookup_file)
    t = table(["E01000001", "E01999998", "E01999999"], [1, 2, 3])
    with pytest.raises(InputError, match=r"2 LSOA 2021 code.*E01999998, E01999999"):
        to_lsoa2011(t, "LSOA21CD", ["people"], lk)


def test_bad_chgind_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("LSOA11CD,LSOA21CD,CHGIND\nE01000001,E01000001,U\nE01000002,E01000002,Q\n")
    with pytest.raises(InputError, match="'Q' is not a change indicator") as info:
        read_lsoa_lookup(path)
    assert info.value.row == 3 and info.value.column == "CHGIND" and info.value.path == str(path)


def test_missing_column_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("LSOA11CD,LSOA21CD\nE01000001,E01000001\n")
    with pytest.raises(InputError, match="no change indicator column") as info:
        read_lsoa_lookup(path)
    assert info.value.column == "CHGIND"


def test_duplicate_pair_named(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("LSOA11CD,LSOA21CD,CHGIND\nE01000001,E01000001,U\nE01000001,E01000001,U\n")
    with pytest.raises(InputError, match="duplicate") as info:
        read_lsoa_lookup(path)
    assert info.value.row == 3


def test_vintage_from_columns() -> None:
    assert lsoa_vintage(["LSOA code (2011)", "IMD rank"]) == "2011"
    assert lsoa_vintage(["lsoa11cd", "X", "Y"]) == "2011"
    assert lsoa_vintage(["LSOA21CD", "population"]) == "2021"
    assert lsoa_vintage(["LSOA11CD", "LSOA21CD"]) == "unknown"
    assert lsoa_vintage(["code"]) == "unknown"
    require_same_vintage("IMD", "2011", "population", "2011")
    require_same_vintage("IMD", "2011", "population", "unknown")
    with pytest.raises(InputError, match="different geographies: IMD uses LSOA 2011 and census uses LSOA 2021"):
        require_same_vintage("IMD", "2011", "census", "2021")
