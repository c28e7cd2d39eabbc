"""Supplied (public transport) matrices: column names, CSV and Parquet, and every validation message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.travel.supplied import load_supplied_matrix

ZONES = ["E01000001", "E01000002", "E01000003"]
SITES = ["S1", "S2"]


def write(tmp_path: Path, text: str, name: str = "pt.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def full_csv(header: str = "from_id,to_id,travel_time") -> str:
    rows = [f"{z},{s},{10 * i + j + 0.5}" for i, z in enumerate(ZONES) for j, s in enumerate(SITES)]
    return header + "\n" + "\n".join(rows) + "\n"


def test_r5py_columns(tmp_path: Path) -> None:
    tm = load_supplied_matrix(
        write(tmp_path, full_csv()), origin_ids=ZONES, destination_ids=SITES, description="r5py, 08:00"
    )
    assert tm.shape == (3, 2) and tm.mode == "public transport" and tm.n_unreachable == 0
    np.testing.assert_allclose(tm.minutes, [[0.5, 1.5], [10.5, 11.5], [20.5, 21.5]])
    assert "pt.csv" in tm.method and "r5py, 08:00" in tm.method and tm.origin_snap_m is None


def test_other_column_names_order_and_parquet(tmp_path: Path) -> None:
    text = full_csv("origin,destination,minutes")
    lines = text.splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    tm = load_supplied_matrix(write(tmp_path, shuffled), origin_ids=ZONES, destination_ids=SITES)
    np.testing.assert_allclose(tm.minutes, [[0.5, 1.5], [10.5, 11.5], [20.5, 21.5]])
    # Parquet, integer ids stored as floats, named columns
    df = pd.DataFrame({"o": [1.0, 1.0, 2.0, 2.0], "d": [7, 8, 7, 8], "mins": [1, 2, 3, 4]})
    p = tmp_path / "m.parquet"
    df.to_parquet(p)
    tm = load_supplied_matrix(p, origin_ids=[1, 2], destination_ids=["7", "8"], minutes_column="mins", mode="bus")
    np.testing.assert_allclose(tm.minutes, [[1, 2], [3, 4]])
    assert list(tm.origin_ids) == ["1", "2"] and tm.mode == "bus"


def test_unknown_ids_are_listed(tmp_path: Path) -> None:
    text = full_csv() + "E0999,S1,5\nE0998,S2,5\n"
    with pytest.raises(InputError, match="2 zone ids in the travel-time matrix are not zones of the study") as err:
        load_supplied_matrix(write(tmp_path, text), origin_ids=ZONES, destination_ids=SITES)
    assert "'E0998', 'E0999'" in str(err.value) and "row 8" in str(err.value)
    text = full_csv() + "E01000001,S9,5\n"
    with pytest.raises(InputError, match="1 site id in the travel-time matrix is not sites of the study: 'S9'"):
        load_supplied_matrix(write(tmp_path, text), origin_ids=ZONES, destination_ids=SITES)


def test_missing_pairs_error_or_unreachable(tmp_path: Path) -> None:
    lines = full_csv().splitlines()
    text = "\n".join(lines[:-2]) + "\n"  # last zone has no times at all
    p = write(tmp_path, text)
    with pytest.raises(InputError, match="2 of 6 zone-site pairs have no time") as err:
        load_supplied_matrix(p, origin_ids=ZONES, destination_ids=SITES)
    assert "E01000003 → S1" in str(err.value) and "unreachable" in str(err.value)
    tm = load_supplied_matrix(p, origin_ids=ZONES, destination_ids=SITES, missing="unreachable")
    assert np.isinf(tm.minutes[2]).all() and np.isfinite(tm.minutes[:2]).all()
    assert tm.unreachable == (("E01000003", "S1"), ("E01000003", "S2"))
    assert "2 pairs not in the file" in tm.method


@pytest.mark.parametrize(
    ("value", "message", "row"),
    [
        ("-3", "is negative", 4),
        ("abc", "'abc' is not a number of minutes", 4),
        ("", "the travel time is missing", 4),
        ("inf", "not a finite number", 4),
    ],
)
def test_bad_times_name_the_row(tmp_path: Path, value: str, message: str, row: int) -> None:
    lines = full_csv().splitlines()
    z, s, _ = lines[3].split(",")
    lines[3] = f"{z},{s},{value}"
    with pytest.raises(InputError, match=message) as err:
        load_supplied_matrix(write(tmp_path, "\n".join(lines) + "\n"), origin_ids=ZONES, destination_ids=SITES)
    assert err.value.row == row and err.value.column == "travel_time"
    assert f"row {row}" in str(err.value)


def test_parquet_row_is_named_by_record(tmp_path: Path) -> None:
    df = pd.DataFrame({"from_id": ["A", "A"], "to_id": ["S1", "S2"], "travel_time": [3.0, np.nan]})
    p = tmp_path / "r5.parquet"
    df.to_parquet(p)
    with pytest.raises(InputError, match="record 2: the travel time is missing") as err:
        load_supplied_matrix(p, origin_ids=["A"], destination_ids=["S1", "S2"])
    assert "r5py" in str(err.value)


def test_duplicates_columns_and_file_errors(tmp_path: Path) -> None:
    text = full_csv() + "E01000001,S1,9\n"
    with pytest.raises(InputError, match="given twice \\(row 2 and row 8\\)"):
        load_supplied_matrix(write(tmp_path, text), origin_ids=ZONES, destination_ids=SITES)
    with pytest.raises(InputError, match="no minutes column"):
        load_supplied_matrix(
            write(tmp_path, "from_id,to_id,secs\nA,S1,3\n"), origin_ids=["A"], destination_ids=["S1"]
        )
    with pytest.raises(InputError, match="no column 'mins'"):
        load_supplied_matrix(
            write(tmp_path, full_csv()), origin_ids=ZONES, destination_ids=SITES, minutes_column="mins"
        )
    with pytest.raises(InputError, match="does not exist"):
        load_supplied_matrix(tmp_path / "nope.csv", origin_ids=ZONES, destination_ids=SITES)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="could not be read as Parquet"):
        load_supplied_matrix(bad, origin_ids=ZONES, destination_ids=SITES)
    with pytest.raises(InputError, match="id is missing"):
        load_supplied_matrix(
            write(tmp_path, "from_id,to_id,travel_time\n,S1,3\n"), origin_ids=["A"], destination_ids=["S1"]
        )


def test_time_of_more_than_a_day_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    text = full_csv().replace("E01000002,S2,11.5", "E01000002,S2,1e12")
    with pytest.raises(InputError) as info:
        load_supplied_matrix(write(tmp_path, text), origin_ids=ZONES, destination_ids=SITES)
    message = str(info.value)
    assert "row 5, column 'travel_time': the travel time '1e12' minutes (zone 'E01000002' to site 'S2')" in message
    assert "is more than a day (1,440 minutes)" in message


def test_matrix_in_seconds_is_recognised(tmp_path: Path) -> None:
    expected = np.array([[5.0, 12.0], [20.0, 9.0], [30.0, 14.0]])
    rows = [f"{z},{s},{expected[i, j] * 2.5 * 60:.0f}" for i, z in enumerate(ZONES) for j, s in enumerate(SITES)]
    path = write(tmp_path, "from_id,to_id,travel_time\n" + "\n".join(rows) + "\n")
    with pytest.raises(
        InputError,
        match=r"column 'travel_time': the travel times look like seconds, not minutes: "
        r"their median is 1,950 \(about 32 if they are seconds\).*median of 13 minutes",
    ):
        load_supplied_matrix(path, origin_ids=ZONES, destination_ids=SITES, expected_minutes=expected)
    # The same journeys in minutes (public transport 2.5 times the drive estimate) are accepted.
    rows = [f"{z},{s},{expected[i, j] * 2.5:.1f}" for i, z in enumerate(ZONES) for j, s in enumerate(SITES)]
    path = write(tmp_path, "from_id,to_id,travel_time\n" + "\n".join(rows) + "\n")
    tm = load_supplied_matrix(path, origin_ids=ZONES, destination_ids=SITES, expected_minutes=expected)
    np.testing.assert_allclose(tm.minutes, expected * 2.5, rtol=1e-9, atol=0.051)


def test_run_checks_a_supplied_matrix_against_the_straight_line_estimate(tmp_path: Path) -> None:
    from hubopt.travel.mode_spec import TravelMode
    from hubopt.travel.modes import mode_times

    zone_xy = np.array([[550_000.0, 150_000.0], [555_000.0, 150_000.0], [560_000.0, 152_000.0]])
    site_xy = np.array([[551_000.0, 150_500.0], [559_000.0, 151_000.0]])
    rows = [f"{z},{s},{900 + 60 * (i + j)}" for i, z in enumerate(ZONES) for j, s in enumerate(SITES)]
    path = write(tmp_path, "from_id,to_id,travel_time\n" + "\n".join(rows) + "\n")
    mode = TravelMode(name="bus", method="matrix", mode="public_transport", file=path)
    with pytest.raises(InputError, match="look like seconds"):
        mode_times(mode, zone_xy, ZONES, site_xy, SITES, cache_dir=tmp_path / "cache")
