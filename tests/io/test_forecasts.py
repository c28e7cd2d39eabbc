"""Tests for hubopt.io.forecasts: ONS subnational population projections and their age bands."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.forecasts import parse_age_group, read_snpp, read_snpp_files, snpp_age_bands

SNPP = "2022-based_SNPP_migration_category_variant_2023geog_persons_westkent_age65plus_and_allages.csv"
HEADER = '"AREA_CODE","AREA_NAME","COMPONENT","SEX","AGE_GROUP","2022","2023"'


def _line(age: str, v2022: float, v2023: float, *, code: str = "E07000110", component: str = "Population") -> str:
    return f"{code},Maidstone,{component},persons,{age},{v2022:.3f},{v2023:.3f}"


def _write(tmp_path: Path, lines: list[str], name: str = "snpp.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def snpp(shared_data: Path) -> pd.DataFrame:
    return read_snpp(shared_data / "projections" / SNPP)


def test_snpp_real_file(snpp: pd.DataFrame) -> None:
    assert list(snpp.columns) == ["area_code", "area_name", "age_group", "year", "population"]
    assert len(snpp) == 4 * 27 * 26
    assert snpp["year"].dtype == "int64" and snpp["population"].dtype == "float64"
    assert (snpp["year"].min(), snpp["year"].max()) == (2022, 2047)
    assert set(snpp["area_code"]) == {"E07000110", "E07000111", "E07000115", "E07000116"}
    assert set(snpp["age_group"]) == {str(a) for a in range(65, 90)} | {"90+", "All ages"}
    assert snpp.attrs["excluded"] == {}
    first = snpp.iloc[0]
    assert (first["area_code"], first["age_group"], first["year"], first["population"]) == (
        "E07000110",
        "65",
        2022,
        1820.0,
    )
    total = snpp[snpp["age_group"] == "All ages"].groupby("year")["population"].sum()
    assert total[2022] == pytest.approx(551_581, abs=1)
    assert total[2047] == pytest.approx(650_710, abs=1)


def test_snpp_age_bands_west_kent(snpp: pd.DataFrame) -> None:
    bands = snpp_age_bands(snpp)
    assert list(bands.columns) == ["area_code", "area_name", "band", "year", "population"]
    assert len(bands) == 4 * 4 * 26
    assert list(bands["band"].iloc[::26][:4]) == ["0-64", "65-74", "75-84", "85+"]
    by = bands.groupby(["band", "year"])["population"].sum()
    over_65 = by.loc[["65-74", "75-84", "85+"]].groupby(level="year").sum()
    assert over_65[2022] == pytest.approx(109_710, abs=1)
    assert over_65[2047] == pytest.approx(155_921, abs=1)
    assert by[("85+", 2022)] == pytest.approx(15_849, abs=1)
    assert by[("85+", 2047)] == pytest.approx(31_405, abs=1)
    # 0-64 is derived as All ages minus 65+, so the bands add up to All ages.
    all_ages = snpp[snpp["age_group"] == "All ages"].groupby(["area_code", "year"])["population"].sum()
    band_sum = bands.groupby(["area_code", "year"])["population"].sum()
    pd.testing.assert_series_equal(band_sum, all_ages, check_names=False)


def test_parse_age_group() -> None:
    assert parse_age_group("65") == ("65", 65, 65)
    assert parse_age_group("90 and over") == ("90+", 90, None)
    assert parse_age_group("All ages") == ("All ages", 0, None)
    assert parse_age_group("65-69") == ("65-69", 65, 69)
    assert parse_age_group("old") is None


# --- small files --------------------------------------------------------------------------------------------------


def _full_ages(code: str = "E07000110", total: float | None = None) -> list[str]:
    lines = [_line(str(a), 1.0, 2.0, code=code) for a in range(90)] + [_line("90 and over", 1.0, 2.0, code=code)]
    lines.append(_line("All ages", 91.0 if total is None else total, 182.0, code=code))
    return lines


def test_snpp_excludes_components_and_sexes(tmp_path: Path) -> None:
    lines = [HEADER, *_full_ages()]
    lines += [_line("65", -3.0, 1.0, component="Internal Migration Net")]  # negative is fine: excluded
    lines += ["E07000110,Maidstone,Population,males,65,1.000,1.000", "E07000110,Maidstone,Population,females,65,1,1"]
    df = read_snpp(_write(tmp_path, lines))
    assert len(df) == 92 * 2
    assert df.attrs["excluded"] == {
        "component 'Internal Migration Net' (only 'Population' is used)": 1,
        "sex 'females' (only persons are used)": 1,
        "sex 'males' (only persons are used)": 1,
    }
    bands = snpp_age_bands(df).set_index(["band", "year"])["population"]
    assert bands[("0-64", 2022)] == 65 and bands[("65-74", 2023)] == 20 and bands[("85+", 2022)] == 6


def test_snpp_males_and_females_only(tmp_path: Path) -> None:
    lines = [HEADER, "E07000110,Maidstone,Population,males,65,1,1", "E07000110,Maidstone,Population,females,65,1,1"]
    with pytest.raises(InputError, match=r"column 'SEX': .*no population rows for persons .*'females', 'males'"):
        read_snpp(_write(tmp_path, lines))


def test_snpp_components_file(tmp_path: Path) -> None:
    lines = [HEADER, _line("65", 1.0, 1.0, component="Births")]
    with pytest.raises(InputError, match=r"no rows with COMPONENT = 'Population' \(components found: 'Births'\)"):
        read_snpp(_write(tmp_path, lines))


def test_snpp_non_numeric(tmp_path: Path) -> None:
    lines = [HEADER, _line("65", 1.0, 1.0), "E07000110,Maidstone,Population,persons,66,1.0,x"]
    with pytest.raises(InputError, match=r"snpp\.csv, row 3, column '2023': 'x' is not a number"):
        read_snpp(_write(tmp_path, lines))


def test_snpp_row_numbers_count_excluded_rows(tmp_path: Path) -> None:
    lines = [HEADER, _line("65", 1.0, 1.0, component="Deaths"), _line("65", -1.0, 1.0)]
    with pytest.raises(InputError, match=r"row 3, column '2022': '-1.000' is below the smallest allowed value 0"):
        read_snpp(_write(tmp_path, lines))


def test_snpp_duplicate_area_and_age(tmp_path: Path) -> None:
    lines = [HEADER, _line("90 and over", 1.0, 1.0), _line("65", 1.0, 1.0), _line("90+", 2.0, 2.0)]
    with pytest.raises(
        InputError,
        match=r"row 4, column 'AREA_CODE/AGE_GROUP': duplicate area and age group \('E07000110', '90\+'\) "
        r"\(also on row 2\)",
    ):
        read_snpp(_write(tmp_path, lines))


def test_snpp_bad_age_group_and_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"row 2, column 'AGE_GROUP': 'pensioners' is not an age group"):
        read_snpp(_write(tmp_path, [HEADER, _line("pensioners", 1.0, 1.0)]))
    header = '"AREA","AREA_NAME","COMPONENT","SEX","AGE_GROUP","2022","2023"'
    path = _write(tmp_path, [header, _line("65", 1.0, 1.0)], name="noarea.csv")
    with pytest.raises(
        InputError, match=str(path).replace(".", r"\.") + r", column 'AREA_CODE': .*no area code column"
    ):
        read_snpp(path)
    header = '"AREA_CODE","AREA_NAME","COMPONENT","SEX","AGE_GROUP","y2022"'
    with pytest.raises(InputError, match=r"no year columns"):
        read_snpp(_write(tmp_path, [header, "E07000110,Maidstone,Population,persons,65,1"], name="noyear.csv"))


def test_snpp_age_bands_cannot_be_computed(tmp_path: Path) -> None:
    lines = [HEADER] + [_line(str(a), 1.0, 1.0) for a in range(65, 90)] + [_line("All ages", 100.0, 100.0)]
    df = read_snpp(_write(tmp_path, lines))
    with pytest.raises(
        InputError,
        match=r"cannot work out the age bands for area E07000110 \(Maidstone\): band '0-64' is missing ages 0-64; "
        r"band '85\+' is missing ages 90\+",
    ):
        snpp_age_bands(df)
    no_total = df[df["age_group"] != "All ages"]
    with pytest.raises(InputError, match=r"no 'All ages' row to derive one band from"):
        snpp_age_bands(no_total)


def test_snpp_age_bands_checks_total(tmp_path: Path) -> None:
    df = read_snpp(_write(tmp_path, [HEADER, *_full_ages(total=95.0)]))
    with pytest.raises(InputError, match=r"area E07000110 \(Maidstone\) in 2022, the age groups add up to 91.0"):
        snpp_age_bands(df)
    df = read_snpp(
        _write(
            tmp_path,
            [
                HEADER,
                *[_line(str(a), 5.0, 5.0) for a in range(65, 90)],
                _line("90+", 1, 1),
                _line("All ages", 100.0, 200.0),
            ],
            name="small_total.csv",
        )
    )
    with pytest.raises(InputError, match=r"the other bands add up to more than 'All ages'"):
        snpp_age_bands(df)


def test_snpp_age_bands_five_year_groups_and_no_mutation(tmp_path: Path) -> None:
    groups = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90 and over", "All ages"]
    lines = [HEADER] + [_line(g, 10.0, 20.0) for g in groups[:-1]] + [_line("All ages", 190.0, 380.0)]
    df = read_snpp(_write(tmp_path, lines))
    before = df.copy()
    bands = snpp_age_bands(df).set_index(["band", "year"])["population"]
    pd.testing.assert_frame_equal(df, before)
    assert bands[("0-64", 2022)] == 130 and bands[("65-74", 2022)] == 20 and bands[("85+", 2023)] == 40
    with pytest.raises(InputError, match=r"band '0-66' is missing ages 65-66"):
        snpp_age_bands(df, {"0-66": (0, 66), "67+": (67, None)})


def test_snpp_age_bands_overlapping_or_repeated_groups() -> None:
    groups = ["0-64", "65-74", "70", "75-84", "85+"]
    df = pd.DataFrame(
        {"area_code": "E1", "area_name": "Area", "age_group": groups, "year": 2022, "population": 1.0},
    )
    with pytest.raises(InputError, match=r"area E1 \(Area\): band '65-74' has overlapping age groups \(65-74, 70\)"):
        snpp_age_bands(df)
    repeated = pd.concat([df[df["age_group"] != "70"]] * 2, ignore_index=True)
    with pytest.raises(InputError, match=r"more than one projection for age group 0-64 in 2022"):
        snpp_age_bands(repeated)


def test_snpp_with_a_year_left_out_is_refused(tmp_path: Path) -> None:
    header = '"AREA_CODE","AREA_NAME","COMPONENT","SEX","AGE_GROUP","2022","2023","2025"'
    lines = [header] + [f"{line},3.000" for line in _full_ages()]
    with pytest.raises(InputError) as info:
        read_snpp(_write(tmp_path, lines))
    message = str(info.value)
    assert f"file {tmp_path / 'snpp.csv'}" in message
    assert "has years 2022 to 2025 but not 2024" in message
    assert "What to do: use the complete file as published" in message


def test_real_snpp_with_a_year_column_deleted_is_refused(shared_data: Path, tmp_path: Path) -> None:
    real = pd.read_csv(shared_data / "projections" / SNPP, dtype=str)
    path = tmp_path / SNPP
    real.drop(columns=["2031"]).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"has years 2022 to 2047 but not 2031"):
        read_snpp(path)


# --- Mid and South Essex, and a folder of extracts ----------------------------------------------------------------

MSE_SNPP = "2022-based_SNPP_migration_category_variant_2023geog_persons_mse_age65plus_and_allages.csv"
#: All ages and 65+ in 2022 and 2047, per district, as ../shared/data/SOURCES.md gives them from the file.
MSE_TOTALS = {
    "E06000033": (180_884, 192_828, 34_983, 46_097),  # Southend-on-Sea
    "E06000034": (176_788, 199_336, 24_123, 31_436),  # Thurrock
    "E07000066": (188_810, 203_941, 32_262, 38_887),  # Basildon
    "E07000067": (157_605, 180_098, 32_638, 44_719),  # Braintree
    "E07000068": (77_348, 83_971, 15_745, 18_544),  # Brentwood
    "E07000069": (89_744, 94_162, 22_871, 25_764),  # Castle Point
    "E07000070": (183_414, 211_331, 35_646, 46_599),  # Chelmsford
    "E07000074": (67_568, 81_051, 17_111, 24_150),  # Maldon
    "E07000075": (87_194, 98_681, 20_384, 25_730),  # Rochford
}


def test_snpp_real_mid_and_south_essex_file(shared_data: Path) -> None:
    snpp = read_snpp(shared_data / "projections" / MSE_SNPP)
    assert len(snpp) == 9 * 27 * 26
    assert set(snpp["area_code"]) == set(MSE_TOTALS)
    assert snpp.attrs["excluded"] == {}
    bands = snpp_age_bands(snpp).groupby(["area_code", "band", "year"])["population"].sum()
    for code, (all_2022, all_2047, old_2022, old_2047) in MSE_TOTALS.items():
        total = bands.loc[code].groupby(level="year").sum()
        older = bands.loc[code].drop("0-64", level="band").groupby(level="year").sum()
        assert (total[2022], total[2047]) == (pytest.approx(all_2022, abs=1), pytest.approx(all_2047, abs=1))
        assert (older[2022], older[2047]) == (pytest.approx(old_2022, abs=1), pytest.approx(old_2047, abs=1))
    # one cell as the file gives it: Maldon, all ages, 2030
    maldon = snpp[(snpp["area_code"] == "E07000074") & (snpp["age_group"] == "All ages") & (snpp["year"] == 2030)]
    assert maldon["population"].tolist() == [pytest.approx(72_750.613, abs=1e-6)]


def test_snpp_files_of_a_folder_of_extracts(shared_data: Path) -> None:
    files = sorted((shared_data / "projections").glob("*.csv"))
    snpp = read_snpp_files(files)
    assert len(snpp) == (4 + 9 + 1) * 27 * 26  # West Kent, Mid and South Essex, Barking and Dagenham
    assert snpp.attrs["sources"]["E07000074"] == str(shared_data / "projections" / MSE_SNPP)
    assert snpp.attrs["sources"]["E07000110"] == str(shared_data / "projections" / SNPP)
    pd.testing.assert_frame_equal(
        snpp[snpp["area_code"] == "E07000074"].reset_index(drop=True),
        read_snpp(shared_data / "projections" / MSE_SNPP).query("area_code == 'E07000074'").reset_index(drop=True),
    )


def test_snpp_files_refuse_an_area_in_two_files_and_different_years(tmp_path: Path) -> None:
    first = _write(tmp_path, [HEADER, *_full_ages()], name="a.csv")
    again = _write(tmp_path, [HEADER, *_full_ages("E07000111"), *_full_ages()], name="b.csv")
    with pytest.raises(
        InputError, match=r"b\.csv, column 'AREA_CODE': area E07000110 is in two .* a\.csv and b\.csv"
    ):
        read_snpp_files([first, again])
    later = _write(tmp_path, [HEADER.replace('"2022","2023"', '"2023","2024"'), *_full_ages("E07000111")], "c.csv")
    with pytest.raises(InputError, match=r"cover different years: a\.csv has 2022 to 2023, this file 2023 to 2024"):
        read_snpp_files([first, later])
    with pytest.raises(InputError, match="no ONS subnational population projections file"):
        read_snpp_files([])


def test_snpp_files_name_the_file_of_an_area_in_band_errors(tmp_path: Path) -> None:
    good = _write(tmp_path, [HEADER, *_full_ages()], name="good.csv")
    short = _write(tmp_path, [HEADER, *_full_ages("E07000111")[:60]], name="short.csv")  # ages 60-89 missing
    with pytest.raises(InputError, match=r"short\.csv") as info:
        snpp_age_bands(read_snpp_files([good, short]))
    assert info.value.path == str(short)
