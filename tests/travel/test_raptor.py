"""The RAPTOR router on small hand-made feeds whose journeys are worked out by hand.

The plane: stops at given metres; walking 1.3 x straight line at 4.8 km/h (so 1 m of straight line takes 0.975 s).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from gtfs_feeds import WEEKDAY_CALENDAR, stop_times_csv, stops_csv, trips_csv, write_feed

from hubopt.errors import InputError
from hubopt.io.gtfs import read_gtfs
from hubopt.travel import public_transport
from hubopt.travel.public_transport import PublicTransportTimes, WalkSettings, public_transport_times
from hubopt.travel.timetable import build_timetable

TUESDAY = dt.date(2026, 3, 10)
S_PER_M = 1.3 / (4.8 / 3.6)
#: Stop positions (metres).
XY = {"A": (0, 0), "B": (5000, 0), "C": (10000, 0), "C2": (10000, 300), "D": (10000, 5000)}


def _times(
    tmp_path: Path,
    stop_times: str,
    trips: str,
    window: tuple[str, str],
    *,
    origin: tuple[float, float] = (0, 0),
    site: tuple[float, float] = (10000, 5000),
    day: dt.date = TUESDAY,
    **extra: str,
) -> PublicTransportTimes:
    stops = stops_csv(*[(s, 51.0, 0.0) for s in XY])
    feed = read_gtfs(write_feed(tmp_path, stops=stops, trips=trips, stop_times=stop_times, **extra))
    h0, m0 = map(int, window[0].split(":"))
    h1, m1 = map(int, window[1].split(":"))
    window_s = (h0 * 3600.0 + m0 * 60.0, h1 * 3600.0 + m1 * 60.0)
    tt = build_timetable(feed, day, window_s, horizon_s=4 * 3600)
    stop_xy = np.array([XY[s] for s in feed.stops["stop_id"]], dtype=float)
    out = public_transport_times(
        tt,
        stop_xy,
        np.array([origin], float),
        ["z"],
        np.array([site], float),
        ["s"],
        window_s=window_s,
        percentile=100,
    )
    return out


def _chain(day_trips: str = "WK") -> tuple[str, str]:
    """A -> B (08:05-08:15), B -> C (08:20-08:30), walk C -> C2 (300 m), C2 -> D (08:40-08:50)."""
    st = stop_times_csv(
        ("T1", "08:05:00", "08:05:00", "A", 1),
        ("T1", "08:15:00", "08:15:00", "B", 2),
        ("T2", "08:20:00", "08:20:00", "B", 1),
        ("T2", "08:30:00", "08:30:00", "C", 2),
        ("T3", "08:40:00", "08:40:00", "C2", 1),
        ("T3", "08:50:00", "08:50:00", "D", 2),
    )
    return st, trips_csv(("T1", day_trips), ("T2", "WK"), ("T3", "WK"))


def test_two_changes_one_by_walking_and_the_wait_counts(tmp_path: Path) -> None:
    st, trips = _chain()
    out = _times(tmp_path, st, trips, ("08:00", "08:06"), calendar=WEEKDAY_CALENDAR)
    walk_all_the_way = np.hypot(10000, 5000) * S_PER_M / 60
    # leaving 08:00..08:05 all arrive 08:50 (waiting at A); the median (rank 3 of 6) is 47 min, the worst 50
    assert out.median.minutes[0, 0] == pytest.approx(47.0, rel=1e-9)
    assert out.percentile.minutes[0, 0] == pytest.approx(50.0, rel=1e-9)
    late = _times(tmp_path, st, trips, ("08:06", "08:07"), calendar=WEEKDAY_CALENDAR)
    assert late.median.minutes[0, 0] == pytest.approx(walk_all_the_way, rel=1e-9)  # T1 missed: walking is all


def test_a_change_too_far_to_walk_is_not_made(tmp_path: Path) -> None:
    st, trips = _chain()
    stops = stops_csv(*[(s, 51.0, 0.0) for s in XY])
    feed = read_gtfs(write_feed(tmp_path, stops=stops, trips=trips, stop_times=st, calendar=WEEKDAY_CALENDAR))
    tt = build_timetable(feed, TUESDAY, (28800.0, 28860.0), horizon_s=4 * 3600)
    stop_xy = np.array([XY[s] for s in feed.stops["stop_id"]], dtype=float)
    walk = WalkSettings(max_transfer_m=250, max_walk_m=5000)
    out = public_transport_times(
        tt,
        stop_xy,
        np.zeros((1, 2)),
        ["z"],
        np.array([[10000.0, 5000.0]]),
        ["s"],
        window_s=(28800.0, 28860.0),
        walk=walk,
    )
    # without the C -> C2 walk: ride to C (08:30), then walk 5000 m to the site
    assert out.median.minutes[0, 0] == pytest.approx(30.0 + 5000 * S_PER_M / 60, rel=1e-9)


def test_an_unreachable_pair_is_inf_and_listed(tmp_path: Path) -> None:
    st, trips = _chain()
    stops = stops_csv(*[(s, 51.0, 0.0) for s in XY])
    feed = read_gtfs(write_feed(tmp_path, stops=stops, trips=trips, stop_times=st, calendar=WEEKDAY_CALENDAR))
    tt = build_timetable(feed, TUESDAY, (28800.0, 28860.0), horizon_s=4 * 3600)
    stop_xy = np.array([XY[s] for s in feed.stops["stop_id"]], dtype=float)
    zones = np.array([[0.0, 0.0], [60000.0, 0.0]])  # the second is 60 km from everything: over 4 hours on foot
    out = public_transport_times(
        tt, stop_xy, zones, ["near", "far"], np.array([[10000.0, 5000.0]]), ["s"], window_s=(28800.0, 28860.0)
    )
    assert out.median.minutes[0, 0] == pytest.approx(50.0, rel=1e-9)
    assert np.isinf(out.median.minutes[1, 0])
    assert out.median.unreachable == (("far", "s"),)


def test_an_overnight_trip_runs_past_midnight_and_the_day_before_counts(tmp_path: Path) -> None:
    st = stop_times_csv(
        ("N1", "23:50:00", "23:50:00", "A", 1),
        ("N1", "24:20:00", "24:20:00", "B", 2),
        ("N2", "24:30:00", "24:30:00", "B", 1),
        ("N2", "25:10:00", "25:10:00", "D", 2),
    )
    trips = trips_csv(("N1", "WK"), ("N2", "WK"))
    out = _times(tmp_path, st, trips, ("23:45", "23:46"), calendar=WEEKDAY_CALENDAR)
    assert out.median.minutes[0, 0] == pytest.approx(85.0, rel=1e-9)  # 23:45 -> 01:10
    # Wednesday 00:10: only Tuesday's N2 (Tuesday's 24:30 = 00:30) can be caught from B
    early = _times(
        tmp_path, st, trips, ("00:10", "00:11"), origin=(5000, 0), day=dt.date(2026, 3, 11), calendar=WEEKDAY_CALENDAR
    )
    assert early.median.minutes[0, 0] == pytest.approx(60.0, rel=1e-9)  # 00:10 -> 01:10


def test_a_calendar_exception_removes_and_adds_service(tmp_path: Path) -> None:
    st, trips = _chain(day_trips="T1SVC")
    cal = WEEKDAY_CALENDAR + "T1SVC,1,1,1,1,1,0,0,20260302,20260327\n"
    dates = "service_id,date,exception_type\nT1SVC,20260310,2\nT1SVC,20260314,1\n"
    to_b = {"site": (5000.0, 0.0), "calendar": cal, "calendar_dates": dates}
    # T1 (A 08:05 -> B 08:15) runs on Wednesday 11 March; it is removed on Tuesday 10 and added on Saturday 14
    wednesday = _times(tmp_path, st, trips, ("08:00", "08:01"), day=dt.date(2026, 3, 11), **to_b)
    assert wednesday.median.minutes[0, 0] == pytest.approx(15.0, rel=1e-9)
    tuesday = _times(tmp_path, st, trips, ("08:00", "08:01"), **to_b)
    assert tuesday.median.minutes[0, 0] == pytest.approx(5000 * S_PER_M / 60, rel=1e-9)  # walk
    saturday = _times(tmp_path, st, trips, ("08:00", "08:01"), day=dt.date(2026, 3, 14), **to_b)
    assert saturday.median.minutes[0, 0] == pytest.approx(15.0, rel=1e-9)


def test_frequencies_expand_to_trips_at_the_headway(tmp_path: Path) -> None:
    st = stop_times_csv(("F", "06:00:00", "06:00:00", "A", 1), ("F", "06:20:00", "06:20:00", "D", 2))
    freq = "trip_id,start_time,end_time,headway_secs\nF,08:00:00,09:00:00,900\n"
    # buses leave A at 08:00, 08:15, 08:30, 08:45 and take 20 min; leaving 08:01..08:15 -> arrive 08:35
    out = _times(
        tmp_path, st, trips_csv(("F", "WK")), ("08:01", "08:16"), calendar=WEEKDAY_CALENDAR, frequencies=freq
    )
    assert out.percentile.minutes[0, 0] == pytest.approx(34.0, rel=1e-9)  # leaving 08:01
    assert out.median.minutes[0, 0] == pytest.approx(27.0, rel=1e-9)  # rank 8 of 15: leaving 08:08


def test_a_window_without_trips_is_refused(tmp_path: Path) -> None:
    st, trips = _chain()
    with pytest.raises(InputError, match="no trip of the GTFS feed runs between 13:00 and 18:00"):
        _times(tmp_path, st, trips, ("13:00", "14:00"), calendar=WEEKDAY_CALENDAR)


def test_zones_taken_in_chunks_give_the_same_times(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st, trips = _chain()
    stops = stops_csv(*[(s, 51.0, 0.0) for s in XY])
    feed = read_gtfs(write_feed(tmp_path, stops=stops, trips=trips, stop_times=st, calendar=WEEKDAY_CALENDAR))
    tt = build_timetable(feed, TUESDAY, (28800.0, 29400.0), horizon_s=4 * 3600)
    stop_xy = np.array([XY[s] for s in feed.stops["stop_id"]], dtype=float)
    zones = np.array([[0.0, 0.0], [5000.0, 100.0], [60000.0, 0.0], [9000.0, 200.0]])
    sites = np.array([[10000.0, 5000.0], [5000.0, 0.0]])

    def run() -> tuple[np.ndarray, np.ndarray]:
        out = public_transport_times(
            tt, stop_xy, zones, list("abcd"), sites, ["s", "t"], window_s=(28800.0, 29400.0), percentile=80
        )
        return out.median.minutes, out.percentile.minutes

    whole = run()
    monkeypatch.setattr(public_transport, "_CHUNK_BYTES", 1)  # one zone at a time
    for a, b in zip(whole, run(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_routes_far_from_every_zone_and_site_are_left_out_without_changing_times(tmp_path: Path) -> None:
    st, trips = _chain()
    st += "FAR,09:00:00,09:00:00,E,1\nFAR,09:10:00,09:10:00,F,2\n"
    trips += "R,WK,FAR\n"
    xy = {**XY, "E": (100_000, 0), "F": (101_000, 0)}
    stops = stops_csv(*[(s, 51.0, 0.0) for s in xy])
    feed = read_gtfs(write_feed(tmp_path, stops=stops, trips=trips, stop_times=st, calendar=WEEKDAY_CALENDAR))
    tt = build_timetable(feed, TUESDAY, (28800.0, 28920.0), horizon_s=4 * 3600)
    stop_xy = np.array([xy[s] for s in feed.stops["stop_id"]], dtype=float)
    out = public_transport_times(
        tt, stop_xy, np.zeros((1, 2)), ["z"], np.array([[10000.0, 5000.0]]), ["s"], window_s=(28800.0, 28920.0)
    )
    # leaving 08:00 or 08:01, arriving 08:50: 50 and 49 min, the median (rank 1 of 2) 49
    assert out.median.minutes[0, 0] == pytest.approx(49.0, rel=1e-9)
    assert out.notes == ["1 route patterns with no stop within 20 km of a zone or site were left out"]
