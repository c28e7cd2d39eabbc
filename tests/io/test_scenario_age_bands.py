"""AgeBands: bands a scenario chooses, checked for gaps, overlaps and bad labels."""

from __future__ import annotations

import pytest

from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, STANDARD_BANDS, AgeBands, band_column, parse_band


@pytest.mark.parametrize(
    ("label", "ages", "column"),
    [
        ("65-74", (65, 74), "pop_65_74"),
        ("85+", (85, None), "pop_85_plus"),
        ("4", (4, 4), "pop_4"),
        (" 0-4 ", (0, 4), "pop_0_4"),
    ],
)
def test_labels_parse_to_ages_and_columns(label: str, ages: tuple[int, int | None], column: str) -> None:
    assert parse_band(label) == ages
    assert band_column(label) == column


def test_bands_are_ordered_youngest_first_and_keep_their_labels() -> None:
    bands = AgeBands.of(["85+", "0-4", "5-17", "65-84", "18-64"])
    assert bands.labels == ("0-4", "5-17", "18-64", "65-84", "85+")
    assert bands.columns == ["pop_0_4", "pop_5_17", "pop_18_64", "pop_65_84", "pop_85_plus"]
    assert bands.ranges["18-64"] == (18, 64)
    assert not bands.is_standard
    assert bands.describe() == "0-4, 5-17, 18-64, 65-84, 85+"


def test_the_standard_bands() -> None:
    assert STANDARD_BANDS.is_standard
    assert STANDARD_BANDS.labels == tuple(AGE_BANDS)
    assert AgeBands.of(list(AGE_BANDS)) == STANDARD_BANDS


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (["0-4", "4-64", "65+"], r"age 4 in two bands"),
        (["0-4", "6-64", "65+"], r"age\(s\) 5 in no band"),
        (["1-64", "65+"], r"age\(s\) 0 in no band"),
        (["0-64", "65-74"], r"oldest band '65-74' must be open-ended"),
        (["0-64", "65+", "85+"], r"only the oldest band can be open-ended|age 85 in two bands"),
        (["0-64", "0-64", "65+"], r"'0-64' is listed twice"),
        (["0-64", "65-74", "seniors"], r"'seniors' is not an age band label"),
        (["0-64", "74-65", "75+"], r"not a range of ages"),
        ("0-64, 65+", r"must be a list of band labels"),
        ([], r"no age bands were given"),
    ],
)
def test_bad_bands_name_the_setting_and_the_problem(bands: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        AgeBands.of(bands, setting="demand.age_bands")  # type: ignore[arg-type]
    assert "setting 'demand.age_bands'" in str(err.value)
    assert "What to do" in str(err.value)


def test_column_of_refuses_a_band_it_does_not_have() -> None:
    with pytest.raises(InputError, match=r"'0-4' is not one of the age bands 0-64, 65-74, 75-84, 85\+"):
        STANDARD_BANDS.column_of("0-4")
