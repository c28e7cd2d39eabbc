"""RAPTOR agrees with a time-expanded-graph Dijkstra (bench/time_expanded.py) on samples of the real Cairns feed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from time_expanded import TimeExpandedGraph, time_expanded_times

from hubopt.io.gtfs import read_gtfs
from hubopt.io.gtfs_calendar import resolve_service_day
from hubopt.travel.public_transport import WalkSettings, stop_points, walk_links
from hubopt.travel.raptor import WalkLinks, earliest_arrivals
from hubopt.travel.timetable import build_timetable

CAIRNS = "gtfs/format_sample_not_study_area/cairns_gtfs.zip"


@pytest.mark.parametrize(("start_h", "seed"), [(8.0, 0), (17.5, 1)])
def test_raptor_agrees_with_the_time_expanded_dijkstra_on_cairns(
    shared_data: Path, start_h: float, seed: int
) -> None:
    feed = read_gtfs(shared_data / CAIRNS)
    day = resolve_service_day(feed, "tuesday")
    window = (start_h * 3600, start_h * 3600 + 15 * 60)
    tt = build_timetable(feed, day, window, horizon_s=3 * 3600)
    xy = stop_points(feed, "EPSG:32755")  # UTM zone 55 south: metres around Cairns
    usable = np.flatnonzero(np.isfinite(xy).all(axis=1))
    rng = np.random.default_rng(seed)
    origins_xy = xy[rng.choice(usable, 12, replace=False)]
    dest_xy = xy[rng.choice(usable, 15, replace=False)]
    walk = WalkSettings()
    access = walk_links(origins_xy, xy, walk.max_walk_m, walk)
    egress = walk_links(xy, dest_xy, walk.max_walk_m, walk)
    fp = walk_links(xy, xy, walk.max_transfer_m, walk)
    footpaths = WalkLinks(
        fp.source[fp.source != fp.target], fp.target[fp.source != fp.target], fp.seconds[fp.source != fp.target]
    )
    direct = walk.seconds(np.hypot(*(origins_xy[:, None, :] - dest_xy[None, :, :]).transpose(2, 0, 1)))
    deps = np.arange(window[0], window[1], 60.0)
    raptor = earliest_arrivals(
        tt, deps, len(origins_xy), len(dest_xy), access=access, footpaths=footpaths, egress=egress, direct_s=direct
    )
    graph = TimeExpandedGraph(tt, footpaths)
    baseline = time_expanded_times(
        graph, deps, np.arange(len(origins_xy)), len(dest_xy), access=access, egress=egress, direct_s=direct
    )
    assert np.array_equal(np.isinf(raptor), np.isinf(baseline))
    finite = np.isfinite(raptor)
    np.testing.assert_allclose(raptor[finite], baseline[finite], rtol=0, atol=1e-6)
    # the sample is not trivial: a good share of journeys beat walking all the way
    assert (raptor < direct[:, :, None] - 1).mean() > 0.3
