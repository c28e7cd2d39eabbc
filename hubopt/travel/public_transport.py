"""Public-transport travel times, zones x sites, from a GTFS timetable over a window of departure times.

How a time is made
------------------
For each departure minute of the window (e.g. every minute from 08:00 to 09:59), the earliest arrival at each site
by :func:`hubopt.travel.raptor.earliest_arrivals`: walk from the zone's point to any stop within ``max_walk_m``,
ride (changing between vehicles at a stop, or walking to another stop within ``max_transfer_m``), walk from the last
stop to the site (within ``max_walk_m``); or walk all the way when that is quicker. The time counts from the
departure minute, so it includes the wait for the first vehicle. Walks are straight-line distance x ``detour`` at
``walk_speed_kph``.

Over the window, each zone-site pair gets the median and a chosen percentile of its times (the time not exceeded at
that share of departure minutes: the value at that rank, no interpolation, so a pair unreachable at more than that
share of minutes is ``inf``). Unreachable pairs are ``inf`` and listed, never dropped: a pair is unreachable at a
departure minute when no journey, walking all the way included, takes at most the horizon (4 hours by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyproj
from scipy.spatial import cKDTree

from hubopt.errors import InputError
from hubopt.io.gtfs import GtfsFeed
from hubopt.travel.matrix import TravelMatrix
from hubopt.travel.raptor import WalkLinks, earliest_arrivals
from hubopt.travel.timetable import Timetable, format_clock, local_timetable

__all__ = [
    "DEFAULT_DETOUR",
    "DEFAULT_HORIZON_MINUTES",
    "DEFAULT_MAX_TRANSFER_M",
    "DEFAULT_MAX_UNCOVERED_SHARE",
    "DEFAULT_MAX_WALK_M",
    "DEFAULT_WALK_SPEED_KPH",
    "PublicTransportTimes",
    "WalkSettings",
    "check_feed_covers",
    "public_transport_times",
    "stop_points",
    "walk_links",
]

#: Farthest walk (straight line) from a zone to its first stop, or from the last stop to a site, metres.
DEFAULT_MAX_WALK_M = 800.0
#: Farthest walk (straight line) between two stops to change vehicles, metres.
DEFAULT_MAX_TRANSFER_M = 400.0
#: Walking speed, km/h.
DEFAULT_WALK_SPEED_KPH = 4.8
#: Walked distance over straight-line distance (a typical street-network detour for short walks in towns).
DEFAULT_DETOUR = 1.3
#: Longest journey looked for, minutes after the window's last departure (trips beyond it are not loaded).
DEFAULT_HORIZON_MINUTES = 240.0
#: Route patterns with no stop within this distance (metres) of a zone or site are left out: a regional feed's
#: far-away routes only slow the router.
DEFAULT_AREA_BUFFER_M = 20_000.0
#: Most bytes of journey times (zones x sites x departure minutes) held at once.
_CHUNK_BYTES = 64 * 1024 * 1024
#: Largest share of zones with no stop within walking distance before the feed is said not to cover the area.
DEFAULT_MAX_UNCOVERED_SHARE = 0.5


@dataclass(frozen=True)
class WalkSettings:
    """How walking legs are timed."""

    max_walk_m: float = DEFAULT_MAX_WALK_M
    max_transfer_m: float = DEFAULT_MAX_TRANSFER_M
    walk_speed_kph: float = DEFAULT_WALK_SPEED_KPH
    detour: float = DEFAULT_DETOUR

    def seconds(self, metres: np.ndarray) -> np.ndarray:
        """Walking seconds for straight-line metres."""
        return np.asarray(metres, dtype=float) * self.detour / (self.walk_speed_kph / 3.6)

    def describe(self) -> str:
        """In words."""
        return (
            f"walks at {self.walk_speed_kph:g} km/h over straight-line distance x {self.detour:g}, "
            f"up to {self.max_walk_m:g} m to and from stops and {self.max_transfer_m:g} m between stops"
        )


@dataclass
class PublicTransportTimes:
    """The median and a percentile of journey times over the window, with what they were made from."""

    median: TravelMatrix
    percentile: TravelMatrix
    percentile_rank: float
    day: dt.date
    window_s: tuple[float, float]
    n_departures: int
    notes: list[str] = field(default_factory=list)


def stop_points(feed: GtfsFeed, crs: str = "EPSG:27700") -> np.ndarray:
    """``(n_stops, 2)`` stop coordinates in ``crs`` (metres); NaN for a stop without coordinates."""
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(feed.stops["lon"].to_numpy(), feed.stops["lat"].to_numpy())
    xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    xy[~np.isfinite(xy).all(axis=1)] = np.nan
    return xy


def walk_links(from_xy: np.ndarray, to_xy: np.ndarray, max_m: float, walk: WalkSettings) -> WalkLinks:
    """Walks from every point of ``from_xy`` to every point of ``to_xy`` within ``max_m`` (points with NaN: none)."""
    src_ok = np.flatnonzero(np.isfinite(from_xy).all(axis=1))
    dst_ok = np.flatnonzero(np.isfinite(to_xy).all(axis=1))
    if len(src_ok) == 0 or len(dst_ok) == 0:
        return WalkLinks.empty()
    tree = cKDTree(to_xy[dst_ok])
    near = tree.query_ball_point(from_xy[src_ok], r=max_m)
    counts = np.array([len(n) for n in near], dtype=np.int64)
    source = np.repeat(src_ok, counts)
    target = (
        dst_ok[np.concatenate([np.asarray(n, dtype=np.int64) for n in near])] if counts.sum() else np.empty(0, int)
    )
    metres = np.hypot(*(from_xy[source] - to_xy[target]).T) if len(source) else np.empty(0)
    return WalkLinks(source.astype(np.int64), np.asarray(target, dtype=np.int64), walk.seconds(metres))


def check_feed_covers(
    stop_xy: np.ndarray,
    zone_xy: np.ndarray,
    zone_ids: Sequence[str],
    *,
    max_walk_m: float,
    max_uncovered_share: float,
    feed_name: str,
) -> list[str]:
    """Fail when too many zones have no stop within walking distance; else a note of those that have none."""
    ok = np.isfinite(stop_xy).all(axis=1)
    if not ok.any():
        raise InputError("no stop of the GTFS feed has coordinates", path=feed_name, column="stop_lat")
    dist, _ = cKDTree(stop_xy[ok]).query(zone_xy)
    far = dist > max_walk_m
    share = float(far.mean()) if len(far) else 0.0
    if share > max_uncovered_share:
        raise InputError(
            f"the GTFS feed does not cover the study area: {far.sum():,} of {len(far):,} zones ({share:.0%}) have "
            f"no stop within {max_walk_m:g} m (the nearest stop to zone {zone_ids[int(np.argmax(dist))]} is "
            f"{dist.max() / 1000:.1f} km away)",
            path=feed_name,
            hint="use the feed of the study area's region (hubopt fetch gtfs, or the Bus Open Data Service), "
            "or raise travel.modes.NAME.max_walk_m",
        )
    if far.any():
        return [
            f"{far.sum():,} of {len(far):,} zones have no stop within {max_walk_m:g} m; "
            f"they are timed walking all the way (e.g. {zone_ids[int(np.argmax(far))]})"
        ]
    return []


def _window_statistic(times_s: np.ndarray, q: float) -> np.ndarray:
    """The value at rank ``q`` (0-1) over the last axis, in minutes; ``inf`` stays ``inf``."""
    return np.quantile(times_s.astype(float), q, axis=-1, method="inverted_cdf") / 60.0


def _matrix(minutes: np.ndarray, origin_ids: Sequence[str], dest_ids: Sequence[str], method: str) -> TravelMatrix:
    rows, cols = np.nonzero(~np.isfinite(minutes))
    o = np.asarray([str(i) for i in origin_ids], dtype=object)
    d = np.asarray([str(i) for i in dest_ids], dtype=object)
    return TravelMatrix(
        minutes=minutes,
        origin_ids=o,
        destination_ids=d,
        mode="public_transport",
        method=method,
        unreachable=tuple(zip(o[rows].tolist(), d[cols].tolist(), strict=True)),
    )


def public_transport_times(
    timetable: Timetable,
    stop_xy: np.ndarray,
    zone_xy: np.ndarray,
    zone_ids: Sequence[str],
    site_xy: np.ndarray,
    site_ids: Sequence[str],
    *,
    window_s: tuple[float, float],
    step_s: float = 60.0,
    percentile: float = 50.0,
    walk: WalkSettings | None = None,
    horizon_s: float = DEFAULT_HORIZON_MINUTES * 60.0,
) -> PublicTransportTimes:
    """Zone x site journey times by public transport: the median and a percentile over the window.

    Parameters
    ----------
    timetable : Timetable
        The day's trips (:func:`hubopt.travel.timetable.build_timetable`).
    stop_xy, zone_xy, site_xy : numpy.ndarray
        Points in the same metric coordinates (British National Grid for a study).
    zone_ids, site_ids : sequence of str
    window_s : tuple of float
        First departure and end of the window (seconds after midnight); departures every ``step_s`` in
        ``[start, end)``.
    step_s : float
        Seconds between departure times.
    percentile : float
        The percentile (0-100) reported beside the median.
    walk : WalkSettings, optional
    horizon_s : float
        Longest journey (seconds); a longer one, walking or not, counts as unreachable (``inf``).

    Returns
    -------
    PublicTransportTimes
    """
    walk = walk or WalkSettings()
    departures = np.arange(window_s[0], window_s[1], step_s)
    if len(departures) == 0:
        raise InputError(f"the departure window {format_clock(window_s[0])}-{format_clock(window_s[1])} is empty")
    zone_xy = np.asarray(zone_xy, dtype=float).reshape(-1, 2)
    site_xy = np.asarray(site_xy, dtype=float).reshape(-1, 2)
    timetable, stop_xy, left_out = _around_the_area(timetable, stop_xy, np.vstack([zone_xy, site_xy]), walk)
    footpaths = _footpaths(stop_xy, walk)
    egress = walk_links(stop_xy, site_xy, walk.max_walk_m, walk)
    median = np.empty((len(zone_xy), len(site_xy)))
    chosen = np.empty((len(zone_xy), len(site_xy)))
    # zones in chunks, so the times of every departure minute (zones x sites x minutes) stay under _CHUNK_BYTES
    chunk = max(1, _CHUNK_BYTES // (8 * max(len(site_xy), 1) * len(departures)))
    for z0 in range(0, len(zone_xy), chunk):
        part = zone_xy[z0 : z0 + chunk]
        direct = walk.seconds(np.hypot(*(part[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1)))
        times = earliest_arrivals(
            timetable,
            departures,
            len(part),
            len(site_xy),
            access=walk_links(part, stop_xy, walk.max_walk_m, walk),
            footpaths=footpaths,
            egress=egress,
            direct_s=direct,
        )
        times[times > horizon_s] = np.inf
        median[z0 : z0 + chunk] = _window_statistic(times, 0.5)
        chosen[z0 : z0 + chunk] = _window_statistic(times, percentile / 100.0)
    window = f"{format_clock(window_s[0])}-{format_clock(window_s[1])}"
    how = (
        f"public transport (GTFS, {timetable.day:%A %Y-%m-%d}, departures every {step_s / 60:g} min {window}, "
        f"{timetable.n_trips:,} trips; {walk.describe()}; RAPTOR)"
    )
    notes = []
    if left_out:
        notes.append(
            f"{left_out:,} route patterns with no stop within {DEFAULT_AREA_BUFFER_M / 1000:g} km of a zone or site "
            "were left out"
        )
    return PublicTransportTimes(
        _matrix(median, zone_ids, site_ids, f"{how}: median over the window"),
        _matrix(chosen, zone_ids, site_ids, f"{how}: {percentile:g}th percentile over the window"),
        percentile,
        timetable.day,
        window_s,
        len(departures),
        notes,
    )


def _around_the_area(
    timetable: Timetable, stop_xy: np.ndarray, points: np.ndarray, walk: WalkSettings
) -> tuple[Timetable, np.ndarray, int]:
    """The timetable of the patterns calling within :data:`DEFAULT_AREA_BUFFER_M` of a point, and its stops."""
    ok = np.isfinite(stop_xy).all(axis=1)
    near = np.zeros(len(stop_xy), dtype=bool)
    if ok.any() and len(points):
        dist, _ = cKDTree(points).query(stop_xy[ok])
        near[np.flatnonzero(ok)[dist <= max(DEFAULT_AREA_BUFFER_M, walk.max_walk_m)]] = True
    local, old = local_timetable(timetable, near)
    return local, stop_xy[old], len(timetable.patterns) - len(local.patterns)


def _footpaths(stop_xy: np.ndarray, walk: WalkSettings) -> WalkLinks:
    links = walk_links(stop_xy, stop_xy, walk.max_transfer_m, walk)
    keep = links.source != links.target
    return WalkLinks(links.source[keep], links.target[keep], links.seconds[keep])
