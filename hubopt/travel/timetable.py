"""One day's timetable as the router's arrays: trips grouped into route patterns, sorted by departure.

A *route pattern* is the trips that call at the same stops in the same order. Within a pattern the trips are sorted
by departure and no trip overtakes another (a trip that would is put in a pattern of its own), so at every stop of
the pattern the departures are in order: the router finds the first catchable trip at each stop with one
``numpy.searchsorted`` over all the pattern's stops at once.

The day's trips are those of the services running on the day, plus those of the day before that run past midnight
(their times, e.g. ``25:10:00``, less 24 hours), and the trips repeated by ``frequencies.txt`` (one trip per
headway from ``start_time`` up to but excluding ``end_time``, with the template trip's running times; a
``frequencies.txt`` trip's own times give only its running times). Only trips running between the start of the
window and ``horizon_s`` after its end are kept.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io.gtfs import GtfsFeed
from hubopt.io.gtfs_calendar import services_on

__all__ = ["Pattern", "Timetable", "build_timetable", "format_clock", "local_timetable"]

_DAY_S = 86_400.0
#: Larger than any span of times in a timetable (seconds): the key offset between stops of a pattern.
_POSITION_OFFSET = 1.0e6


def format_clock(seconds: float) -> str:
    """``HH:MM`` of seconds after midnight (hours may pass 24)."""
    total = round(seconds / 60.0)
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class Pattern:
    """The trips that call at the same stops in the same order, none overtaking another.

    Attributes
    ----------
    stops : numpy.ndarray
        ``(L,)`` stop codes in calling order.
    departure, arrival : numpy.ndarray
        ``(T, L)`` seconds, trips sorted by departure (every column non-decreasing).
    departure_key : numpy.ndarray
        ``(L*T,)`` the departures stop by stop, stop ``i``'s offset by ``i * 1e6``: sorted, for one searchsorted.
    arrival_padded : numpy.ndarray
        ``(T+1, L)`` arrivals with a row of ``inf`` (trip ``T`` is "no trip").
    repeats_stop : bool
        Whether a stop occurs twice (a loop).
    stop_rows, boarding_rows, position_rows, key_offsets, trip_offsets : numpy.ndarray
        Column vectors the router indexes with: the stops, the stops but the last, the positions ``0..L-1``, and
        per boarding stop ``i`` the key offset ``i * 1e6`` and the index offset ``i * T``.
    """

    stops: np.ndarray
    departure: np.ndarray
    arrival: np.ndarray
    departure_key: np.ndarray
    arrival_padded: np.ndarray
    repeats_stop: bool
    stop_rows: np.ndarray
    boarding_rows: np.ndarray
    position_rows: np.ndarray
    key_offsets: np.ndarray
    trip_offsets: np.ndarray

    @property
    def n_trips(self) -> int:
        """Number of trips."""
        return int(self.departure.shape[0])


@dataclass(frozen=True)
class Timetable:
    """The patterns of one day's trips, and what they were made from.

    Attributes
    ----------
    patterns : list of Pattern
    n_stops : int
        Number of stops of the feed (codes ``0 .. n_stops-1``).
    stop_patterns : list of numpy.ndarray
        For each stop, the indices of the patterns that can be boarded there (calling at it, not as their last).
    day : datetime.date
    n_trips : int
        Trips kept (after frequencies are expanded).
    """

    patterns: list[Pattern]
    n_stops: int
    stop_patterns: list[np.ndarray]
    day: dt.date
    n_trips: int


def _day_trips(feed: GtfsFeed, day: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(trip, stop, arrival, departure) of every trip run on ``day`` (frequencies expanded, day before shifted)."""
    st = feed.stop_times
    trip_all = st["trip"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, trip_all[1:] != trip_all[:-1], True])
    starts, ends = bounds[:-1], bounds[1:]
    trip_of_block = trip_all[starts]
    freq = feed.frequencies
    freq_trips = set(freq["trip"].tolist())
    groups, stops, arrs, deps = [], [], [], []
    stop_all = st["stop"].to_numpy()
    arr_all = st["arrival"].to_numpy()
    dep_all = st["departure"].to_numpy()
    next_id = 0
    for shift, date in ((0.0, day), (-_DAY_S, day - dt.timedelta(days=1))):
        running = feed.trips["service_id"].isin(services_on(feed, date)).to_numpy()
        for b in np.flatnonzero(running[trip_of_block]):
            t = int(trip_of_block[b])
            s, e = starts[b], ends[b]
            if t in freq_trips:
                base = dep_all[s]
                rows = freq[freq["trip"] == t]
                first = np.concatenate([np.arange(r.start, r.end, r.headway) for r in rows.itertuples()])
            else:
                base = 0.0
                first = np.array([0.0])
            for offset in first:
                groups.append(np.full(e - s, next_id))
                stops.append(stop_all[s:e])
                arrs.append(arr_all[s:e] - base + offset + shift)
                deps.append(dep_all[s:e] - base + offset + shift)
                next_id += 1
    if not groups:
        return (np.empty(0, int), np.empty(0, int), np.empty(0), np.empty(0))
    return np.concatenate(groups), np.concatenate(stops), np.concatenate(arrs), np.concatenate(deps)


def _split_overtaking(dep: np.ndarray, arr: np.ndarray) -> list[np.ndarray]:
    """Row sets of ``dep``/``arr`` (sorted by first departure) in which no trip overtakes another."""
    chains: list[list[int]] = []
    for row in range(dep.shape[0]):
        for chain in chains:
            last = chain[-1]
            if np.all(dep[last] <= dep[row]) and np.all(arr[last] <= arr[row]):
                chain.append(row)
                break
        else:
            chains.append([row])
    return [np.asarray(c) for c in chains]


def _make_pattern(stops: np.ndarray, dep: np.ndarray, arr: np.ndarray) -> Pattern:
    length = dep.shape[1]
    key = (dep.T + (np.arange(length) * _POSITION_OFFSET)[:, None]).ravel()
    padded = np.vstack([arr, np.full((1, length), np.inf)])
    boarding = np.arange(length - 1)[:, None]
    return Pattern(
        stops,
        dep,
        arr,
        key,
        padded,
        len(np.unique(stops)) < length,
        stop_rows=stops[:, None],
        boarding_rows=stops[:-1, None],
        position_rows=np.arange(length)[:, None],
        key_offsets=boarding * _POSITION_OFFSET,
        trip_offsets=boarding * dep.shape[0],
    )


def build_timetable(feed: GtfsFeed, day: dt.date, window_s: tuple[float, float], *, horizon_s: float) -> Timetable:
    """The patterns of the trips running on ``day`` between the window's start and ``horizon_s`` after its end.

    Parameters
    ----------
    feed : GtfsFeed
    day : datetime.date
        The service day (see :func:`hubopt.io.gtfs_calendar.resolve_service_day`).
    window_s : tuple of float
        First and last departure time from the origins, seconds after midnight.
    horizon_s : float
        Longest journey considered (seconds): trips departing later than this after the window are not loaded.

    Returns
    -------
    Timetable
    """
    start, end = window_s
    group, stop, arr, dep = _day_trips(feed, day)
    frame = pd.DataFrame({"g": group, "stop": stop, "arr": arr, "dep": dep})
    span = frame.groupby("g").agg(first=("dep", "min"), last=("arr", "max"))
    used = span.index[(span["last"] >= start) & (span["first"] <= end + horizon_s)]
    if len(used) == 0:
        raise InputError(
            f"no trip of the GTFS feed runs between {format_clock(start)} and {format_clock(end + horizon_s)} "
            f"on {day:%A %Y-%m-%d}",
            path=feed.path,
            hint="choose a departure window (travel.modes.NAME.window) or a day with service",
        )
    frame = frame[frame["g"].isin(used)]
    g_all = frame["g"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, g_all[1:] != g_all[:-1], True])
    by_key: dict[bytes, list[int]] = {}
    stop_all = frame["stop"].to_numpy()
    for i, (s, e) in enumerate(itertools.pairwise(bounds)):
        by_key.setdefault(stop_all[s:e].astype(np.int64).tobytes(), []).append(i)
    arr_all = frame["arr"].to_numpy()
    dep_all = frame["dep"].to_numpy()
    patterns: list[Pattern] = []
    for key, blocks in by_key.items():
        stops = np.frombuffer(key, dtype=np.int64).copy()
        rows = np.array([bounds[b] for b in blocks])
        idx = rows[:, None] + np.arange(len(stops))[None, :]
        dep = dep_all[idx]
        arr = arr_all[idx]
        order = np.lexsort((arr[:, -1], dep[:, 0]))
        dep, arr = dep[order], arr[order]
        for chain in _split_overtaking(dep, arr) if _overtakes(dep, arr) else [np.arange(len(dep))]:
            patterns.append(_make_pattern(stops, dep[chain], arr[chain]))
    n_stops = len(feed.stops)
    return Timetable(
        patterns, n_stops, _stop_membership(patterns, n_stops), day, int(sum(p.n_trips for p in patterns))
    )


def _stop_membership(patterns: list[Pattern], n_stops: int) -> list[np.ndarray]:
    members: list[list[int]] = [[] for _ in range(n_stops)]
    for p, pattern in enumerate(patterns):
        for s in np.unique(pattern.stops[:-1]):  # a vehicle is boarded at any stop but its last
            members[int(s)].append(p)
    return [np.asarray(m, dtype=np.int64) for m in members]


def local_timetable(timetable: Timetable, near: np.ndarray) -> tuple[Timetable, np.ndarray]:
    """The patterns calling at a stop where ``near`` is true, on the stops they and ``near`` use, renumbered.

    Parameters
    ----------
    timetable : Timetable
    near : numpy.ndarray
        ``(n_stops,)`` bool: the stops of the area (e.g. within some distance of its zones and sites).

    Returns
    -------
    Timetable
        The kept patterns, stops numbered ``0 .. k-1``.
    numpy.ndarray
        ``(k,)`` the original code of each kept stop.
    """
    kept = [p for p in timetable.patterns if near[p.stops].any()]
    used = np.zeros(timetable.n_stops, dtype=bool)
    used[near] = True
    for p in kept:
        used[p.stops] = True
    old = np.flatnonzero(used)
    new_code = np.full(timetable.n_stops, -1, dtype=np.int64)
    new_code[old] = np.arange(len(old))
    patterns = [_make_pattern(new_code[p.stops], p.departure, p.arrival) for p in kept]
    local = Timetable(
        patterns,
        len(old),
        _stop_membership(patterns, len(old)),
        timetable.day,
        int(sum(p.n_trips for p in patterns)),
    )
    return local, old


def _overtakes(dep: np.ndarray, arr: np.ndarray) -> bool:
    return bool(np.any(np.diff(dep, axis=0) < 0) or np.any(np.diff(arr, axis=0) < 0))
