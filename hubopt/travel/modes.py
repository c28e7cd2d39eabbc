"""Travel times for a scenario's modes: one zone × site matrix per mode, each saying how it was obtained.

``straight_line`` is the calibrated offline estimate from straight-line distance; ``land_distance`` the same from
distance along the study's land mask (``land_mask.bin``; a study without one keeps the straight line, and says so),
cached like the network matrices; ``network`` computes shortest paths on an OSM network file
(cached on disk, keyed by the file's hash, the points and the parameters, so a rerun with new housing does not
recompute it); ``matrix`` reads a supplied matrix (public transport from r5py, TRACC and the like);
``public_transport`` computes times from a GTFS timetable (:mod:`hubopt.travel.public_transport`), cached the same
way, keyed by the feed's hash, the points, the day, the window and the walking settings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hubopt.io._files import file_sha256, require_file
from hubopt.io.gtfs import read_gtfs
from hubopt.io.gtfs_calendar import resolve_service_day
from hubopt.travel.cache import get_or_compute, matrix_key_parts
from hubopt.travel.estimate import describe as describe_straight_line
from hubopt.travel.estimate import straight_line_minutes
from hubopt.travel.land_times import land_distance_matrix
from hubopt.travel.matrix import TravelMatrix, travel_time_matrix
from hubopt.travel.mode_spec import TravelMode, parse_window
from hubopt.travel.network import DEFAULT_WALK_SPEED_KPH, check_coverage, load_network, network_info
from hubopt.travel.public_transport import (
    DEFAULT_HORIZON_MINUTES,
    DEFAULT_MAX_UNCOVERED_SHARE,
    PublicTransportTimes,
    WalkSettings,
    check_feed_covers,
    public_transport_times,
    stop_points,
)
from hubopt.travel.supplied import load_supplied_matrix
from hubopt.travel.timetable import build_timetable

#: Version of the public-transport method; part of its cache keys (bump it when the numbers it gives change).
PUBLIC_TRANSPORT_VERSION = "hubopt.travel.public_transport/1"


@dataclass
class ModeTimes:
    """The travel-time matrix of one mode."""

    name: str
    mode: str
    method: str
    minutes: np.ndarray
    description: str
    unreachable: int = 0
    from_cache: bool = False
    notes: list[str] = field(default_factory=list)
    #: Public transport: the median over the departure window (``minutes`` holds the chosen percentile).
    median_minutes: np.ndarray | None = None


def mode_times(
    mode: TravelMode,
    zone_xy: np.ndarray,
    zone_ids: Sequence[str],
    site_xy: np.ndarray,
    site_ids: Sequence[str],
    *,
    cache_dir: Path,
    refresh: bool = False,
    land_mask: Path | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> ModeTimes:
    """Zone × site minutes for one travel mode.

    Parameters
    ----------
    mode : TravelMode
        The mode's settings from the scenario.
    zone_xy, site_xy : numpy.ndarray
        Points in British National Grid metres.
    zone_ids, site_ids : sequence of str
        Their IDs (a supplied matrix is matched on them).
    cache_dir : Path
        Folder of cached network matrices.
    refresh : bool
        Recompute a cached network or land-distance matrix.
    land_mask : Path, optional
        The study's land mask (``land_mask.bin``), for the ``land_distance`` method.
    progress : callable
        Called with a short message.
    """
    label = mode.name if mode.name == mode.mode else f"{mode.name} ({mode.mode})"
    if mode.method == "straight_line":
        minutes = straight_line_minutes(zone_xy, site_xy)
        return ModeTimes(mode.name, mode.mode, mode.method, minutes, f"{label}: {describe_straight_line()}")
    if mode.method == "land_distance":
        if land_mask is None:
            minutes = straight_line_minutes(zone_xy, site_xy)
            note = (
                f"{mode.name}: the study has no land mask (land_mask.bin), so travel times are estimated from "
                "straight-line distance, not distance along land; rebuild the study with `hubopt study build` to "
                "measure distances round estuaries"
            )
            description = f"{label}: {describe_straight_line()} (the study has no land mask)"
            return ModeTimes(mode.name, mode.mode, "straight_line", minutes, description, notes=[note])
        tm, notes, from_cache = land_distance_matrix(
            zone_xy, zone_ids, site_xy, site_ids, land_mask, cache_dir=cache_dir, refresh=refresh, progress=progress
        )
        times = _from_matrix(mode, label, tm, from_cache=from_cache)
        times.notes.extend(f"{mode.name}: {n}" for n in notes)
        return times
    if mode.method == "matrix":
        assert mode.file is not None
        tm = load_supplied_matrix(
            mode.file,
            origin_ids=list(zone_ids),
            destination_ids=list(site_ids),
            mode=mode.mode,
            missing=mode.missing,
            description=mode.description,
            expected_minutes=straight_line_minutes(zone_xy, site_xy),
        )
        return _from_matrix(mode, label, tm, from_cache=False)
    if mode.method == "public_transport":
        return _public_transport(
            mode, label, zone_xy, list(zone_ids), site_xy, list(site_ids), cache_dir, refresh, progress
        )
    assert mode.network is not None
    net_path = require_file(mode.network, f"{mode.mode} network file")
    key = matrix_key_parts(
        network_sha256=file_sha256(net_path),
        origins_xy=zone_xy,
        origin_ids=list(zone_ids),
        destinations_xy=site_xy,
        destination_ids=list(site_ids),
        mode=mode.mode,
        speeds_kph=mode.speeds_kph,
        access_speed_kph=mode.access_speed_kph,
        cutoff_minutes=mode.cutoff_minutes,
        walk_speed_kph=mode.walk_speed_kph,
        max_snap_m=mode.max_snap_m,
    )
    computed = {"yes": False}

    def compute() -> TravelMatrix:
        computed["yes"] = True
        progress(f"Loading the {mode.mode} network {net_path.name}")
        walk_speed = DEFAULT_WALK_SPEED_KPH if mode.walk_speed_kph is None else mode.walk_speed_kph
        graph = load_network(net_path, mode=mode.mode, speeds_kph=mode.speeds_kph or None, walk_speed_kph=walk_speed)
        check_coverage(graph, zone_xy, list(zone_ids))
        info = network_info(graph)
        progress(f"Shortest paths: {len(zone_ids)} zones x {len(site_ids)} sites on {info.describe()}")
        return travel_time_matrix(
            graph,
            zone_xy,
            site_xy,
            origin_ids=list(zone_ids),
            destination_ids=list(site_ids),
            mode=mode.mode,
            access_speed_kph=mode.access_speed_kph,
            cutoff_minutes=mode.cutoff_minutes,
            max_snap_m=mode.max_snap_m,
            on_step=lambda done, total: progress(
                f"Shortest paths on the {mode.mode} network: {done} of {total} sites"
            ),
        )

    tm = get_or_compute(key, compute, cache_dir, refresh=refresh)
    return _from_matrix(mode, label, tm, from_cache=not computed["yes"])


def _walk_settings(mode: TravelMode) -> WalkSettings:
    given = {
        "max_walk_m": mode.max_walk_m,
        "max_transfer_m": mode.max_transfer_m,
        "walk_speed_kph": mode.walk_speed_kph,
        "detour": mode.detour,
    }
    return WalkSettings(**{k: float(v) for k, v in given.items() if v is not None})


def _public_transport(
    mode: TravelMode,
    label: str,
    zone_xy: np.ndarray,
    zone_ids: list[str],
    site_xy: np.ndarray,
    site_ids: list[str],
    cache_dir: Path,
    refresh: bool,
    progress: Callable[[str], None],
) -> ModeTimes:
    """Public-transport times from a GTFS feed: the chosen percentile for the model, the median in the notes."""
    assert mode.gtfs is not None
    setting = f"travel.modes.{mode.name}"
    feed_path = require_file(mode.gtfs, "GTFS timetable (zip)")
    walk = _walk_settings(mode)
    window_s = parse_window(mode.window)
    base = matrix_key_parts(
        network_sha256=file_sha256(feed_path),
        origins_xy=zone_xy,
        origin_ids=zone_ids,
        destinations_xy=site_xy,
        destination_ids=site_ids,
        mode="public_transport",
        method_version=PUBLIC_TRANSPORT_VERSION,
        day=mode.day.strip().lower(),
        window_s=list(window_s),
        walk=[walk.max_walk_m, walk.max_transfer_m, walk.walk_speed_kph, walk.detour],
        horizon_minutes=DEFAULT_HORIZON_MINUTES,
    )
    made: dict[str, PublicTransportTimes] = {}
    notes: list[str] = []

    def compute() -> PublicTransportTimes:
        if "times" not in made:
            progress(f"Reading the GTFS timetable {feed_path.name}")
            feed = read_gtfs(feed_path)
            notes.extend(f"{mode.name}: GTFS {line}" for line in feed.report.lines())
            day = resolve_service_day(feed, mode.day, setting=f"{setting}.day")
            stop_xy = stop_points(feed)
            notes.extend(
                f"{mode.name}: {n}"
                for n in check_feed_covers(
                    stop_xy,
                    zone_xy,
                    zone_ids,
                    max_walk_m=walk.max_walk_m,
                    max_uncovered_share=DEFAULT_MAX_UNCOVERED_SHARE,
                    feed_name=str(feed_path),
                )
            )
            timetable = build_timetable(feed, day, window_s, horizon_s=DEFAULT_HORIZON_MINUTES * 60.0)
            progress(f"Public transport: {len(zone_ids)} zones x {len(site_ids)} sites, {timetable.n_trips:,} trips")
            made["times"] = public_transport_times(
                timetable,
                stop_xy,
                zone_xy,
                zone_ids,
                site_xy,
                site_ids,
                window_s=window_s,
                percentile=mode.percentile,
                walk=walk,
            )
            notes.extend(f"{mode.name}: {n}" for n in made["times"].notes)
        return made["times"]

    median = get_or_compute({**base, "statistic": 50.0}, lambda: compute().median, cache_dir, refresh=refresh)
    chosen = get_or_compute(
        {**base, "statistic": float(mode.percentile)}, lambda: compute().percentile, cache_dir, refresh=refresh
    )
    times = _from_matrix(mode, label, chosen, from_cache="times" not in made)
    times.notes = notes + times.notes
    if mode.percentile != 50:
        finite = np.isfinite(median.minutes)
        typical = float(np.median(median.minutes[finite])) if finite.any() else float("inf")
        times.notes.append(
            f"{mode.name}: the model uses the {mode.percentile:g}th percentile over the window; the median "
            f"zone-site time over the window is typically {typical:.0f} min"
        )
    times.median_minutes = np.asarray(median.minutes, dtype=float)
    return times


def _from_matrix(mode: TravelMode, label: str, tm: TravelMatrix, *, from_cache: bool) -> ModeTimes:
    notes = []
    n_bad = int(np.isinf(tm.minutes).sum())
    if n_bad:
        notes.append(f"{mode.name}: {tm.describe_unreachable()}")
    description = f"{label}: {tm.method}" + (" (from the matrix cache)" if from_cache else "")
    return ModeTimes(
        mode.name,
        mode.mode,
        mode.method,
        np.asarray(tm.minutes, dtype=float),
        description,
        unreachable=n_bad,
        from_cache=from_cache,
        notes=notes,
    )
