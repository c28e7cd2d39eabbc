"""Reading GTFS: what is unusable is counted, never dropped silently; what makes a feed unreadable is named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from gtfs_feeds import WEEKDAY_CALENDAR, stop_times_csv, stops_csv, trips_csv, write_feed

from hubopt.errors import InputError
from hubopt.io.gtfs import read_gtfs
from hubopt.io.gtfs_calendar import resolve_service_day, services_on

STOPS = stops_csv(("A", 51.2, 0.2), ("B", 51.21, 0.2), ("C", 51.22, 0.2))


def _feed(tmp_path: Path, **over: str | None) -> Path:
    tables: dict[str, str | None] = {
        "stops": STOPS,
        "trips": trips_csv(("T1", "WK")),
        "stop_times": stop_times_csv(("T1", "08:00:00", "08:00:00", "A", 1), ("T1", "08:10:00", "08:10:00", "B", 2)),
        "calendar": WEEKDAY_CALENDAR,
    }
    tables.update(over)
    return write_feed(tmp_path, **tables)


def test_a_small_feed_is_read_with_times_in_seconds(tmp_path: Path) -> None:
    feed = read_gtfs(_feed(tmp_path))
    assert feed.stop_times["departure"].tolist() == [28800.0, 29400.0]
    assert feed.report.lines() == []


@pytest.mark.parametrize("missing", ["stops", "trips", "stop_times"])
def test_a_missing_required_file_is_named(tmp_path: Path, missing: str) -> None:
    with pytest.raises(InputError, match=f"no {missing}.txt"):
        read_gtfs(_feed(tmp_path, **{missing: None}))


def test_a_feed_without_any_calendar_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"neither calendar\.txt nor calendar_dates\.txt"):
        read_gtfs(_feed(tmp_path, calendar=None))


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"stops\.txt.*row 1.*no column 'stop_lat'"):
        read_gtfs(_feed(tmp_path, stops="stop_id,stop_lon\nA,0.2\n"))


def test_a_bad_time_names_file_row_and_column(tmp_path: Path) -> None:
    bad = stop_times_csv(("T1", "08:00:00", "08:00:00", "A", 1), ("T1", "8h10", "08:10:00", "B", 2))
    with pytest.raises(InputError, match=r"stop_times.txt, row 3, column 'arrival_time'.*'8h10'"):
        read_gtfs(_feed(tmp_path, stop_times=bad))


def test_unusable_rows_and_trips_are_counted_with_examples(tmp_path: Path) -> None:
    stop_times = stop_times_csv(
        ("T1", "08:00:00", "08:00:00", "A", 1),
        ("T1", "08:10:00", "08:10:00", "B", 2),
        ("T2", "09:10:00", "09:10:00", "A", 1),  # goes backwards
        ("T2", "09:00:00", "09:00:00", "B", 2),
        ("T3", "10:00:00", "10:00:00", "A", 1),  # one stop only
        ("T4", "23:50:00", "23:50:00", "A", 1),  # past midnight: valid
        ("T4", "24:20:00", "24:20:00", "B", 2),
        ("T4", "", "", "X", 3),  # unknown stop
        ("GHOST", "08:00:00", "08:00:00", "A", 1),
    )
    trips = trips_csv(("T1", "WK"), ("T2", "WK"), ("T3", "WK"), ("T4", "WK"), ("T5", "WK"), ("T6", "NONE"))
    stops = STOPS + "D,,\n"
    feed = read_gtfs(_feed(tmp_path, stop_times=stop_times, trips=trips, stops=stops))
    r = feed.report
    assert (r.trips_out_of_order, r.trips_with_one_stop, r.trips_without_times) == (1, 1, 2)
    assert (r.stop_time_rows_unknown_stop, r.stop_time_rows_unknown_trip) == (1, 1)
    assert (r.stops_without_coordinates, r.trips_without_service, r.times_after_midnight) == (1, 1, 1)
    assert "trip 'T2' at stop_times.txt row 4" in r.examples["trips_out_of_order"]
    assert sorted(set(feed.trips["trip_id"].iloc[feed.stop_times["trip"]])) == ["T1", "T4"]
    assert feed.stop_times["arrival"].max() == pytest.approx(24 * 3600 + 20 * 60)
    assert len(r.lines()) == 8


def test_blank_times_between_timing_points_are_interpolated(tmp_path: Path) -> None:
    stop_times = stop_times_csv(
        ("T1", "08:00:00", "08:00:00", "A", 1), ("T1", "", "", "B", 2), ("T1", "08:20:00", "08:20:00", "C", 3)
    )
    feed = read_gtfs(_feed(tmp_path, stop_times=stop_times))
    assert feed.stop_times["arrival"].tolist() == pytest.approx([28800.0, 29400.0, 30000.0])
    assert feed.report.stop_times_interpolated == 1


def test_calendar_dates_add_and_remove_service(tmp_path: Path) -> None:
    dates = "service_id,date,exception_type\nWK,20260310,2\nEXTRA,20260310,1\n"
    feed = read_gtfs(_feed(tmp_path, calendar_dates=dates))
    assert services_on(feed, dt.date(2026, 3, 10)) == {"EXTRA"}
    assert services_on(feed, dt.date(2026, 3, 11)) == {"WK"}
    assert services_on(feed, dt.date(2026, 3, 14)) == set()  # a Saturday


def test_a_day_without_service_is_refused_and_a_weekday_takes_the_busiest_date(tmp_path: Path) -> None:
    feed = read_gtfs(_feed(tmp_path, calendar_dates="service_id,date,exception_type\nWK,20260303,2\n"))
    with pytest.raises(InputError, match=r"no service on Saturday 2026-03-14 \(the feed runs from 2026-03-02"):
        resolve_service_day(feed, "2026-03-14")
    assert resolve_service_day(feed, "tuesday") == dt.date(2026, 3, 10)  # 3 March has no service
    with pytest.raises(InputError, match="no service on any Sunday"):
        resolve_service_day(feed, "Sunday")
    with pytest.raises(InputError, match="neither a date"):
        resolve_service_day(feed, "someday")
    assert np.isfinite(feed.stops["lat"]).all()


def test_a_trip_listed_twice_is_refused_with_its_row(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"trips\.txt, row 3, column 'trip_id'.*'T1' is listed twice"):
        read_gtfs(_feed(tmp_path, trips=trips_csv(("T1", "WK"), ("T1", "SAT"))))
