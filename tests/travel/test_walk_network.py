"""Walking legs of public-transport journeys along an OSM walking network (travel.modes.NAME.walk_network).

The hand-made network (British National Grid metres, relative to (560000, 155000) in West Kent): a river runs
east-west along y = 0 with one bridge, 300 m east.

    N0 (0, 50) ------------------ N1 (300, 50)        north bank footway
                                   |  bridge
    ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~|~~~~~~~~~~~~ river
    S0 (0, -50) ----------------- S1 (300, -50)       south bank footway

A zone at (0, -60) and a stop or site at (0, 60) are 120 m apart in a straight line; on foot the path is
10 (to S0) + 300 + 100 (bridge) + 300 + 10 (from N0) = 720 m, 540 s at 4.8 km/h. With a second bridge S0-N0 it
is 10 + 100 + 10 = 120 m, 90 s. Lengths along the network come from the nodes' degrees (osmnx's great circle on a
sphere), which differ from the grid's metres by about 0.3% at this latitude (718.1 m for the 720 m walk); the tests
allow 0.5%.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gtfs_feeds import WEEKDAY_CALENDAR, stop_times_csv, stops_csv, trips_csv, write_feed
from test_travel_modes import wk_scenario

from hubopt.errors import InputError
from hubopt.io._coords import bng_to_lonlat
from hubopt.scenario import load_scenario
from hubopt.travel.mode_spec import TravelMode
from hubopt.travel.modes import ModeTimes, mode_times
from hubopt.travel.walk_network import load_walk_network

ORIGIN = np.array([560_000.0, 155_000.0])
NODES = {1: (0.0, -50.0), 2: (300.0, -50.0), 3: (300.0, 50.0), 4: (0.0, 50.0)}
ZONE = np.array([[0.0, -60.0]]) + ORIGIN
ACROSS = np.array([[0.0, 60.0]]) + ORIGIN  # the stop, or the site, across the river
WALK_MPS = 4.8 / 3.6
REL = 5e-3


def _lonlat(xy: tuple[float, float]) -> tuple[float, float]:
    lon, lat = bng_to_lonlat(np.array([xy[0] + ORIGIN[0]]), np.array([xy[1] + ORIGIN[1]]))
    return float(lon[0]), float(lat[0])


def _osm(path: Path, *, second_bridge: bool = False) -> Path:
    nodes = "".join(
        f'  <node id="{i}" lat="{_lonlat(xy)[1]:.9f}" lon="{_lonlat(xy)[0]:.9f}"/>\n' for i, xy in NODES.items()
    )
    ways = [(10, 1, 2), (11, 2, 3), (12, 3, 4)] + ([(13, 1, 4)] if second_bridge else [])
    text = "".join(
        f'  <way id="{w}"><nd ref="{a}"/><nd ref="{b}"/><tag k="highway" v="footway"/></way>\n' for w, a, b in ways
    )
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n{nodes}{text}</osm>\n')
    return path


def _feed(folder: Path) -> Path:
    """One stop across the river (at ACROSS) and one 5 km east; a bus between them at 08:30 (never useful)."""
    (lon0, lat0), (lon1, lat1) = _lonlat((0.0, 60.0)), _lonlat((5000.0, 60.0))
    return write_feed(
        folder,
        stops=stops_csv(("P", lat0, lon0), ("Q", lat1, lon1)),
        trips=trips_csv(("T1", "WK")),
        stop_times=stop_times_csv(("T1", "08:30:00", "08:30:00", "P", 1), ("T1", "08:40:00", "08:40:00", "Q", 2)),
        calendar=WEEKDAY_CALENDAR,
    )


def test_walks_follow_the_path_over_the_bridge_not_the_straight_line(tmp_path: Path) -> None:
    walks, _ = load_walk_network(_osm(tmp_path / "river.osm"), 4.8)
    assert walks.metres(ZONE, ACROSS)[0, 0] == pytest.approx(720.0, rel=REL)
    assert len(walks.links(ZONE, ACROSS, 500.0).source) == 0  # 120 m as the crow flies, but 720 m walked
    links = walks.links(ZONE, ACROSS, 800.0)
    assert links.seconds == pytest.approx([720.0 / WALK_MPS], rel=REL)
    # the way back is the same path (a footway is two-way); points with no coordinates reach nothing
    assert walks.metres(ACROSS, ZONE)[0, 0] == pytest.approx(720.0, rel=REL)
    assert np.isinf(walks.metres(np.array([[np.nan, np.nan]]), ACROSS)).all()


def _bus(feed: Path, walk_network: Path | None) -> TravelMode:
    return TravelMode(
        name="bus",
        method="public_transport",
        mode="public_transport",
        gtfs=feed,
        day="2026-03-10",
        window="08:00-08:10",
        walk_network=walk_network,
    )


def _times(mode: TravelMode, cache: Path) -> ModeTimes:
    return mode_times(mode, ZONE, ["Z"], ACROSS, ["S"], cache_dir=cache)


def test_public_transport_walks_on_the_walking_network_and_the_cache_follows_the_file(tmp_path: Path) -> None:
    feed, osm = _feed(tmp_path), _osm(tmp_path / "river.osm")
    straight = _times(_bus(feed, None), tmp_path / "cache")
    # no bus helps (it leaves at 08:30, away from the zone), so the time is the walk all the way
    assert straight.minutes[0, 0] == pytest.approx(120.0 * 1.3 / WALK_MPS / 60.0, rel=1e-9)
    assert "straight-line distance x 1.3" in straight.description

    along = _times(_bus(feed, osm), tmp_path / "cache")
    assert along.minutes[0, 0] == pytest.approx(720.0 / WALK_MPS / 60.0, rel=REL)  # 9 min over the bridge
    assert not along.from_cache
    assert "shortest path on the OpenStreetMap walking network from river.osm" in along.description
    assert "nearest network node" in along.description
    assert "up to 800 m walked to and from stops" in along.description

    again = _times(_bus(feed, osm), tmp_path / "cache")
    assert again.from_cache
    assert again.minutes[0, 0] == pytest.approx(along.minutes[0, 0], rel=1e-9)

    _osm(osm, second_bridge=True)  # the file changes: its hash is in the cache key
    bridged = _times(_bus(feed, osm), tmp_path / "cache")
    assert not bridged.from_cache
    assert bridged.minutes[0, 0] == pytest.approx(120.0 / WALK_MPS / 60.0, rel=REL)


def test_a_missing_walking_network_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="walking network file"):
        _times(_bus(_feed(tmp_path), tmp_path / "nowhere.osm"), tmp_path / "cache")


def test_walk_network_setting_is_read_and_checked(tmp_path: Path) -> None:
    bus = {"method": "public_transport", "gtfs": "feed.zip", "walk_network": "walk.osm.pbf"}
    travel = {"modes": {"car": {"method": "straight_line"}, "bus": bus}, "use": "car"}
    scenario = load_scenario(wk_scenario(tmp_path, travel))
    assert scenario.travel_modes["bus"].walk_network == tmp_path / "walk.osm.pbf"

    travel["modes"]["bus"] = {**bus, "detour": 1.3}
    with pytest.raises(InputError, match=r"travel\.modes\.bus\.detour.*walk_network times the walks along"):
        load_scenario(wk_scenario(tmp_path, travel))
    travel["modes"]["bus"] = {"method": "straight_line", "walk_network": "walk.osm.pbf"}
    with pytest.raises(InputError, match=r"travel\.modes\.bus\.walk_network.*public_transport mode"):
        load_scenario(wk_scenario(tmp_path, travel))


def test_real_osm_sample_walks_are_never_shorter_than_the_straight_line(shared_data: Path) -> None:
    """Smoke test on the real OSM format sample (Rutland, not the study area): loads, and walks make sense."""
    path = shared_data / "osm" / "format_sample_not_westkent" / "rutland-latest.osm.pbf"
    if not path.exists():
        pytest.skip(f"{path} not found")
    walks, _ = load_walk_network(path, 4.8)
    assert "walking network from rutland-latest.osm.pbf" in walks.describe()
    rng = np.random.default_rng(1)
    points = walks.network.xy[rng.choice(walks.network.n_nodes, 100, replace=False)] + 5.0  # 7 m off a node
    walked = walks.metres(points[:10], points[10:], 5000.0)
    straight = np.hypot(*(points[:10, None, :] - points[None, 10:, :]).transpose(2, 0, 1))
    reached = np.isfinite(walked)
    assert reached.any()
    assert (walked[reached] >= straight[reached] * (1 - 5e-3)).all()  # 0.5%: great-circle vs grid lengths
    assert (walked[reached] <= 5000.0).all()
    links = walks.links(points[:10], points[10:], 1500.0)
    assert len(links.source) == int((walked <= 1500.0).sum())
    assert links.seconds == pytest.approx(walked[links.source, links.target] / WALK_MPS, rel=1e-9)
