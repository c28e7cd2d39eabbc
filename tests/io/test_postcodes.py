"""Postcode spelling and the postcode → grid reference lookups (NSPL lat/long, OS Code-Point Open)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.io.postcodes import PostcodeLookup, normalise_postcode, postcode_key

# Postcodes of West Kent hospitals (Maidstone, Pembury, Sevenoaks, Edenbridge, Tonbridge, Hawkhurst).
WEST_KENT_POSTCODES = ["ME16 9QQ", "TN2 4QJ", "TN13 3PG", "TN8 5DA", "TN11 0NE", "TN18 4PU"]


def where(path: Path | str, row: int | None = None, column: str | None = None) -> str:
    """Regex for the start of an InputError message naming file, row and column."""
    parts = [f"file {re.escape(str(path))}"]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{re.escape(column)}'")
    return ", ".join(parts)


@pytest.fixture(scope="module")
def nspl(shared_data: Path) -> PostcodeLookup:
    return PostcodeLookup.from_nspl_latlon(shared_data / "postcodes" / "nspl_may2025_latlon")


@pytest.fixture(scope="module")
def codepoint(shared_data: Path) -> PostcodeLookup:
    return PostcodeLookup.from_codepoint(shared_data / "postcodes" / "codepoint_open_2018")


# ------------------------------------------------------------------------------------------------------------------
# spelling
# ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tn11aa", "TN1 1AA"),
        ("TN1  1AA", "TN1 1AA"),
        (" me16 9qq ", "ME16 9QQ"),
        ("SW1A1AA", "SW1A 1AA"),
        ("e1 6an", "E1 6AN"),
        ("CM111AA", "CM11 1AA"),
    ],
)
def test_normalise_postcode(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected
    assert postcode_key(text) == expected.replace(" ", "")


@pytest.mark.parametrize("text", ["TN1", "12345", "", "TN1 1A", "hospital"])
def test_normalise_postcode_rejects_non_postcodes(text: str) -> None:
    with pytest.raises(ValueError, match="not a UK postcode"):
        normalise_postcode(text)


def test_postcode_key_never_fails() -> None:
    assert postcode_key("tn1 1aa") == "TN11AA"
    assert postcode_key(" x y ") == "XY"


# ------------------------------------------------------------------------------------------------------------------
# NSPL
# ------------------------------------------------------------------------------------------------------------------
def test_nspl_loads_every_row(nspl: PostcodeLookup) -> None:
    lookup = nspl
    # 185,964 rows: 562 (BR 98 / PO-box style postcodes) are listed without a grid reference.
    assert lookup.excluded == {"no grid reference": 562}
    assert len(lookup) + sum(lookup.excluded.values()) == 185_964


def test_nspl_locates_any_spelling(nspl: PostcodeLookup) -> None:
    lookup = nspl
    xy = lookup.locate(["tn11aa", "TN1 1AA", "TN1  1aa"])
    assert xy.shape == (3, 2)
    # TN1 1AA: 51.12930 N, 0.26096 E -> about (558302, 139099) on the National Grid.
    assert np.allclose(xy, [558_302, 139_099], atol=20)
    assert "tn11aa" in lookup and "ME16 9QQ" in lookup
    assert "ZZ99 9ZZ" not in lookup and 42 not in lookup


def test_nspl_unknown_postcode_lists_it_with_its_row(nspl: PostcodeLookup) -> None:
    lookup = nspl
    with pytest.raises(InputError, match=where("sites.csv", 3, "postcode") + r".*'ZZ99 9ZZ' \(row 3\)") as err:
        lookup.locate(["TN1 1AA", "ZZ99 9ZZ"], path="sites.csv", rows=[2, 3])
    message = str(err.value)
    assert "1 postcode not found" in message
    assert "newer postcode lookup" in message and "coordinates" in message


def test_nspl_unknown_postcodes_first_ten_and_count(nspl: PostcodeLookup) -> None:
    lookup = nspl
    fakes = [f"ZZ{i} 9ZZ" for i in range(1, 16)]
    with pytest.raises(InputError, match=r"15 postcodes not found") as err:
        lookup.locate(fakes, path="sites.csv", rows=list(range(2, 17)))
    message = str(err.value)
    assert "'ZZ10 9ZZ' (row 11)" in message
    assert "ZZ11 9ZZ" not in message
    assert "and 5 more" in message


def test_nspl_postcode_without_grid_reference_is_unknown(nspl: PostcodeLookup) -> None:
    lookup = nspl
    assert "BR4 4AB" not in lookup
    with pytest.raises(InputError, match=r"'BR4 4AB' \(item 1, listed without a grid reference\)"):
        lookup.locate(["BR4 4AB"])


def test_locate_blank_and_malformed(nspl: PostcodeLookup) -> None:
    lookup = nspl
    with pytest.raises(InputError, match=r"\(blank\) \(row 2\).*'hospital' \(row 3, not shaped like a postcode\)"):
        lookup.locate(["", "hospital"], path="x.csv", rows=[2, 3])


# ------------------------------------------------------------------------------------------------------------------
# Code-Point Open
# ------------------------------------------------------------------------------------------------------------------
def test_codepoint_loads(codepoint: PostcodeLookup) -> None:
    assert len(codepoint) == 43_979
    assert codepoint.excluded == {}
    assert "codepoint_open_2018_westkent_mse.csv" in codepoint.source  # the column-headers file was skipped


def test_codepoint_and_nspl_agree_in_west_kent(codepoint: PostcodeLookup, nspl: PostcodeLookup) -> None:
    lookup = nspl
    a = codepoint.locate(WEST_KENT_POSTCODES)
    b = lookup.locate(WEST_KENT_POSTCODES)
    assert np.hypot(*(a - b).T).max() < 100.0
    # Code-Point Open gives whole metres on the National Grid: ME16 9QQ (Maidstone Hospital).
    assert tuple(a[0]) == (573_362.0, 155_654.0)


def test_codepoint_positional_quality_90_is_unknown(tmp_path: Path) -> None:
    f = tmp_path / "tn.csv"
    f.write_text(
        '"TN1 1AA",10,558301,139099,"E92000001","","","E10000016","E07000116","E05005100"\n'
        '"TN1 9ZZ",90,0,0,"E92000001","","","E10000016","E07000116","E05005100"\n'
    )
    lookup = PostcodeLookup.from_codepoint(f)
    assert len(lookup) == 1
    assert lookup.excluded == {"no grid reference": 1}
    with pytest.raises(InputError, match="listed without a grid reference"):
        lookup.locate(["TN1 9ZZ"])


def test_codepoint_wrong_layout(tmp_path: Path) -> None:
    f = tmp_path / "not_codepoint.csv"
    f.write_text("TN1 1AA,51.1,0.2\n")
    with pytest.raises(InputError, match=where(f, 1) + r": .*Code-Point Open.* 10 fields"):
        PostcodeLookup.from_codepoint(f)


def test_codepoint_bad_easting(tmp_path: Path) -> None:
    f = tmp_path / "tn.csv"
    f.write_text(
        '"TN1 1AA",10,558301,139099,"E92000001","","","","E07000116",""\n'
        '"TN1 1AB",10,east,139099,"E92000001","","","","E07000116",""\n'
    )
    with pytest.raises(InputError, match=where(f, 2, "EA") + ": 'east' is not a number"):
        PostcodeLookup.from_codepoint(f)


# ------------------------------------------------------------------------------------------------------------------
# bad NSPL-style files and other constructors
# ------------------------------------------------------------------------------------------------------------------
def test_nspl_file_bad_latitude(tmp_path: Path) -> None:
    f = tmp_path / "TN.csv"
    f.write_text("Postcode,lat,long\nTN1 1AA,51.1293,0.26096\nTN1 1AB,north,0.26102\n")
    with pytest.raises(InputError, match=where(f, 3, "lat") + ": 'north' is not a number"):
        PostcodeLookup.from_nspl_latlon(f)


def test_nspl_file_missing_column(tmp_path: Path) -> None:
    f = tmp_path / "TN.csv"
    f.write_text("Postcode,latitude\nTN1 1AA,51.1293\n")
    with pytest.raises(InputError, match=where(f, column="long") + ": .*no longitude column"):
        PostcodeLookup.from_nspl_latlon(f)


def test_nspl_conflicting_repeats_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("Postcode,lat,long\nTN1 1AA,51.1293,0.26096\n")
    (tmp_path / "b.csv").write_text("Postcode,lat,long\nTN11AA,51.2,0.3\n")
    with pytest.raises(InputError, match=r"'TN1 1AA' appears twice .*a\.csv row 2 and .*b\.csv row 2"):
        PostcodeLookup.from_nspl_latlon(tmp_path)


def test_nspl_identical_repeats_are_counted(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("Postcode,lat,long\nTN1 1AA,51.1293,0.26096\n")
    (tmp_path / "b.csv").write_text("Postcode,lat,long\nTN1 1AA,51.1293,0.26096\nTN1 1AB,51.12826,0.26102\n")
    lookup = PostcodeLookup.from_nspl_latlon([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert len(lookup) == 2
    assert lookup.excluded == {"repeated postcode": 1}


def test_nspl_swapped_columns_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "TN.csv"
    f.write_text("Postcode,lat,long\nTN1 1AA,0.26096,51.1293\n")
    with pytest.raises(InputError, match=r"no postcode with usable coordinates.*outside Great Britain: 1"):
        PostcodeLookup.from_nspl_latlon(f)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=where(tmp_path) + ": the folder holds no"):
        PostcodeLookup.from_nspl_latlon(tmp_path)


def test_from_frame_lonlat_and_grid() -> None:
    df = pd.DataFrame({"postcode": ["tn1 1aa", "ME1 1AA"], "lat": [51.1293, None], "lon": [0.26096, None]})
    before = df.copy()
    lookup = PostcodeLookup.from_frame(df)
    pd.testing.assert_frame_equal(df, before)
    assert len(lookup) == 1 and lookup.excluded == {"no grid reference": 1}
    assert np.allclose(lookup.locate(["TN1 1AA"]), [558_302, 139_099], atol=20)

    grid = PostcodeLookup.from_frame(
        pd.DataFrame({"postcode": ["TN1 1AA"], "easting": [558301], "northing": [139099]})
    )
    assert grid.locate(["tn11aa"]).tolist() == [[558301.0, 139099.0]]
    table = grid.to_frame()
    assert table.to_dict("records") == [{"postcode": "TN1 1AA", "easting": 558301.0, "northing": 139099.0}]


def test_nspl_file_with_semicolons_names_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "TN.csv"
    path.write_text("Postcode;lat;long\nTN1 1AA;51.12930;0.26096\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1: the postcode lookup .* uses ';' \(semicolon\) as its delimiter"):
        PostcodeLookup.from_nspl_latlon(path)
