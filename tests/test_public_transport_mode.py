"""The public_transport travel mode end to end on West Kent, with a small hand-made GTFS feed (made below).

The feed: a stop at every zone point and at every site; for each site, one bus route calling at its four nearest
zones (farthest first) and then at the site, at 30 km/h in a straight line, every 20 minutes from 06:00 to 12:00
(frequencies.txt). No English feed is stored here; this one is SYNTHETIC, for the test only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gtfs_feeds import WEEKDAY_CALENDAR, write_feed
from test_travel_modes import wk_scenario

from hubopt.errors import InputError
from hubopt.io._coords import bng_to_lonlat
from hubopt.pipeline import run_scenario
from hubopt.scenario import load_scenario
from hubopt.study import load_study
from hubopt.travel.mode_spec import TravelMode
from hubopt.travel.modes import mode_times

REPO = Path(__file__).resolve().parents[1]
WK = REPO / "hubopt" / "studies" / "west_kent"
SPEED_MPS = 30 / 3.6


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _west_kent_feed(folder: Path, offset_m: float = 0.0) -> tuple[Path, dict[str, float]]:
    """The feed, and for each site the ride (seconds) from the first stop of its route."""
    study = load_study(WK)
    zxy, sxy = study.zone_points(), study.site_points()
    points = np.vstack([zxy, sxy]) + offset_m
    lon, lat = bng_to_lonlat(points[:, 0], points[:, 1])
    ids = [f"Z{i}" for i in range(len(zxy))] + [f"S{j}" for j in range(len(sxy))]
    stops = "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(
        f"{s},{s},{la:.9f},{lo:.9f}\n" for s, la, lo in zip(ids, lat, lon, strict=True)
    )
    trips, times, freq = (
        ["route_id,service_id,trip_id\n"],
        ["trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"],
        [],
    )
    rides = {}
    for j in range(len(sxy)):
        near = np.argsort(np.hypot(*(zxy - sxy[j]).T))[:4][::-1]
        path = [zxy[i] for i in near] + [sxy[j]]
        t = 6 * 3600.0
        trips.append(f"R{j},WK,T{j}\n")
        for k, (stop, xy) in enumerate(zip([f"Z{i}" for i in near] + [f"S{j}"], path, strict=True)):
            if k:
                t += float(np.hypot(*(xy - path[k - 1]))) / SPEED_MPS
            times.append(f"T{j},{_clock(t)},{_clock(t)},{stop},{k + 1}\n")
        rides[str(study.sites["site_id"].iloc[j])] = (f"Z{near[0]}", round(t) - 6 * 3600)
        freq.append(f"T{j},06:00:00,12:00:00,1200\n")
    feed = write_feed(
        folder,
        stops=stops,
        trips="".join(trips),
        stop_times="".join(times),
        calendar=WEEKDAY_CALENDAR,
        frequencies="trip_id,start_time,end_time,headway_secs\n" + "".join(freq),
    )
    return feed, rides


@pytest.fixture(scope="module")
def wk_feed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    return _west_kent_feed(tmp_path_factory.mktemp("gtfs"))


def test_both_modes_are_reported_for_the_same_hubs(tmp_path: Path, wk_feed: tuple[Path, dict]) -> None:
    feed, _ = wk_feed
    travel = {
        "modes": {
            "car": {"method": "straight_line", "mode": "drive"},
            "bus": {"method": "public_transport", "gtfs": str(feed), "day": "2026-03-10", "percentile": 90},
        },
        "use": "car",
        "cache_folder": str(tmp_path / "cache"),
    }
    run = run_scenario(load_scenario(wk_scenario(tmp_path, travel)))
    zones = pd.read_csv(run.folder / "zones.csv")
    assert "minutes_bus" in zones.columns
    summary = (run.folder / "summary.txt").read_text()
    assert "By bus to the same hubs" in summary
    m = json.loads((run.folder / "manifest.json").read_text())
    assert set(m["methods"]["travel_modes"]) == {"car", "bus"}
    assert "RAPTOR" in m["methods"]["travel_modes"]["bus"]


def test_a_journey_on_the_feed_is_timed_as_worked_out_by_hand(tmp_path: Path, wk_feed: tuple[Path, dict]) -> None:
    feed, rides = wk_feed
    study = load_study(WK)
    mode = TravelMode(name="bus", method="public_transport", mode="public_transport", gtfs=feed, day="tuesday")
    zone_ids = study.zones["zone_id"].astype(str).tolist()
    site_ids = study.sites["site_id"].astype(str).tolist()
    args = (study.zone_points(), zone_ids, study.site_points(), site_ids)
    first = mode_times(mode, *args, cache_dir=tmp_path)
    site = site_ids[0]
    zone_stop, ride_s = rides[site]
    z = int(zone_stop[1:])
    # buses leave the route's first stop at :00, :20, :40. The stop is at the zone's point but for the rounding of
    # its latitude and longitude (under a millimetre), so leaving on a bus's minute just misses it: leaving
    # 08:00..09:59 the wait is 20, 19, ..., 1 min, six times each; the median (rank 60 of 120) is a 10-minute wait,
    # then the ride; unless walking is quicker
    walk_min = float(np.hypot(*(study.zone_points()[z] - study.site_points()[0]))) * 1.3 / (4.8 / 3.6) / 60
    expected = min(10 + ride_s / 60, walk_min)
    assert first.minutes[z, 0] == pytest.approx(expected, abs=0.02)
    assert first.median_minutes is not None and not first.from_cache
    assert np.isinf(first.minutes).any() and first.unreachable == int(np.isinf(first.minutes).sum())
    again = mode_times(mode, *args, cache_dir=tmp_path)
    assert again.from_cache
    np.testing.assert_array_equal(again.minutes, first.minutes)
    fresh = mode_times(mode, *args, cache_dir=tmp_path, refresh=True)
    assert not fresh.from_cache


def test_a_feed_of_another_area_is_refused(tmp_path: Path) -> None:
    feed, _ = _west_kent_feed(tmp_path, offset_m=50_000.0)  # every stop 70 km away, north-east
    study = load_study(WK)
    mode = TravelMode(name="bus", method="public_transport", mode="public_transport", gtfs=feed)
    with pytest.raises(InputError, match="does not cover the study area: 309 of 309 zones"):
        mode_times(
            mode,
            study.zone_points(),
            study.zones["zone_id"].astype(str).tolist(),
            study.site_points(),
            study.sites["site_id"].astype(str).tolist(),
            cache_dir=tmp_path,
        )


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("gtfs", None, "needs a GTFS timetable"),
        ("window", "10:00-08:00", "end must be after its start"),
        ("window", "8-10", "not a time HH:MM"),
        ("day", "someday", "neither a date"),
        ("percentile", 0, "more than 0 and at most 100"),
        ("detour", 0.8, "never shorter than the straight line"),
        ("mode", "drive", "gives public_transport times, not 'drive'"),
    ],
)
def test_public_transport_settings_are_checked(tmp_path: Path, setting: str, value: object, message: str) -> None:
    spec: dict[str, object] = {"method": "public_transport", "gtfs": "feed.zip"}
    spec[setting] = value
    travel = {"modes": {"car": {"method": "straight_line"}, "bus": spec}, "use": "car"}
    with pytest.raises(InputError, match=f"travel.modes.bus.{setting}.*{message}"):
        load_scenario(wk_scenario(tmp_path, travel))
