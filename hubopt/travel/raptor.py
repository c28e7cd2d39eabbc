"""Earliest arrival by public transport over a window of departure times: RAPTOR (Delling, Pajor and Werneck 2012).

How it works
------------
RAPTOR works in *rounds*: round ``k`` finds the earliest arrival at every stop with ``k`` vehicles. Each round scans
each route pattern (:class:`~hubopt.travel.timetable.Pattern`) once: at each of its stops, the first trip that can
be caught from the stop's arrival time of the previous round, and the arrivals of the earliest trip caught so far
along the pattern. Then walks between nearby stops (footpaths) are relaxed from the stops reached by a vehicle in the
round: one walk, not two in a row, as in the paper. Rounds stop when no arrival improves (no limit on changes).

Vectorised with NumPy: the queries of many origins are columns of one label matrix (stops x origins), and a pattern
is scanned for all its stops and all columns at once (one ``searchsorted`` over its stop-by-stop departures, a
running minimum of the trip caught, one gather of arrivals). Only patterns calling at a stop improved in the last
round are scanned, and only for the columns improved there.

Departure times are processed from the latest to the earliest (the idea of rRAPTOR in the paper): an arrival
possible when leaving at 09:59 is possible when leaving at 09:58 (by waiting), so the labels of the later departure
start the earlier one and only what leaving earlier improves is propagated.

A change of vehicle at a stop takes no minimum time; a trip can be boarded at the second the rider reaches the stop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubopt.travel.timetable import Timetable

__all__ = ["WalkLinks", "earliest_arrivals"]

#: Key spacing between stops in :func:`_stop_departure_keys` (larger than any span of times, seconds).
_STOP_KEY = 1.0e6
#: Shift making every time (from -24 h) positive in those keys.
_TIME_SHIFT = 1.0e5


@dataclass(frozen=True)
class WalkLinks:
    """Walks from points to points: ``source[i]`` to ``target[i]`` in ``seconds[i]`` (each pair once)."""

    source: np.ndarray
    target: np.ndarray
    seconds: np.ndarray

    @staticmethod
    def empty() -> WalkLinks:
        """No walks."""
        return WalkLinks(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))


def _scan_patterns(timetable: Timetable, best: np.ndarray, marked: np.ndarray) -> np.ndarray:
    """One round of pattern scanning: the new labels (``best`` is not changed)."""
    new = best.copy()
    stops_marked = np.flatnonzero(marked.any(axis=1))
    if len(stops_marked) == 0:
        return new
    pats = np.unique(np.concatenate([timetable.stop_patterns[s] for s in stops_marked]))
    for p in pats:
        pattern = timetable.patterns[int(p)]
        rows = pattern.stop_rows
        cols = np.flatnonzero(marked[pattern.boarding_rows[:, 0]].any(axis=0))
        if len(cols) == 0:
            continue
        n_trips = pattern.n_trips
        labels = best[pattern.boarding_rows, cols]
        found = np.searchsorted(pattern.departure_key, labels + pattern.key_offsets, side="left")
        found -= pattern.trip_offsets
        np.minimum(found, n_trips, out=found)
        on_board = np.empty((len(pattern.stops), len(cols)), dtype=found.dtype)
        on_board[0] = n_trips
        np.minimum.accumulate(found, axis=0, out=on_board[1:])
        arrivals = pattern.arrival_padded[on_board, pattern.position_rows]
        if pattern.repeats_stop:
            np.minimum.at(new, (rows, cols[None, :]), arrivals)
        else:
            new[rows, cols] = np.minimum(new[rows, cols], arrivals)
    return new


def _min_into(out: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``out[rows[i]] = min(out[rows[i]], values[i])`` for ``rows`` sorted (faster than ``np.minimum.at``)."""
    if len(rows) == 0:
        return
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    lowest = np.minimum.reduceat(values, starts, axis=0)
    targets = rows[starts]
    out[targets] = np.minimum(out[targets], lowest)


def _walk_after_vehicle(new: np.ndarray, best: np.ndarray, footpaths: WalkLinks, chunk: int) -> None:
    """Relax footpaths (in place on ``new``) from the stops a vehicle reached better this round."""
    if len(footpaths.source) == 0:
        return
    by_vehicle = np.asarray(new < best, dtype=bool)
    sources_hit = np.any(by_vehicle, axis=1, keepdims=False).astype(bool)
    edges = np.flatnonzero(sources_hit[footpaths.source])
    if len(edges) == 0:
        return
    cols = np.flatnonzero(by_vehicle.any(axis=0))
    reached = np.where(by_vehicle[:, cols], new[:, cols], np.inf)
    sub = new[:, cols]
    for start in range(0, len(edges), chunk):
        e = edges[start : start + chunk]
        candidates = reached[footpaths.source[e]] + footpaths.seconds[e][:, None]
        _min_into(sub, footpaths.target[e], candidates)
    new[:, cols] = sub


def _stop_departure_keys(timetable: Timetable) -> np.ndarray:
    """Every time a vehicle leaves a stop, as sorted keys ``stop * 1e6 + time + 1e5``."""
    parts = [(p.stops[None, :-1] * _STOP_KEY + p.departure[:, :-1] + _TIME_SHIFT).ravel() for p in timetable.patterns]
    return np.sort(np.concatenate(parts)) if parts else np.empty(0)


def _departs_between(keys: np.ndarray, stops: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether a vehicle leaves ``stops[i]`` at a time in ``[start[i], end[i])``."""
    base = stops * _STOP_KEY + _TIME_SHIFT
    lo = np.searchsorted(keys, base + start, side="left")
    hi = np.searchsorted(keys, base + np.minimum(end, _STOP_KEY - _TIME_SHIFT - 1), side="left")
    return hi > lo


def _sorted_by_target(links: WalkLinks) -> WalkLinks:
    order = np.argsort(links.target, kind="stable")
    return WalkLinks(links.source[order], links.target[order], links.seconds[order])


def earliest_arrivals(
    timetable: Timetable,
    departures_s: np.ndarray,
    n_origins: int,
    n_destinations: int,
    *,
    access: WalkLinks,
    footpaths: WalkLinks,
    egress: WalkLinks,
    direct_s: np.ndarray | None = None,
    max_cells: int = 2_000_000,
) -> np.ndarray:
    """Journey times (arrival minus departure, seconds) from origins to destinations for each departure time.

    Parameters
    ----------
    timetable : Timetable
    departures_s : numpy.ndarray
        Departure times from the origins (seconds after midnight).
    n_origins, n_destinations : int
    access : WalkLinks
        Origin -> stop walks.
    footpaths : WalkLinks
        Stop -> stop walks (transfers).
    egress : WalkLinks
        Stop -> destination walks.
    direct_s : numpy.ndarray, optional
        ``(n_origins, n_destinations)`` walking-only seconds; a journey is never longer.
    max_cells : int
        Largest label matrix (stops x origins) held at once; origins are taken in batches below it.

    Returns
    -------
    numpy.ndarray
        ``(n_origins, n_destinations, n_departures)`` seconds, ``inf`` where not reachable.
    """
    deps = np.asarray(departures_s, dtype=float)
    out = np.full((n_origins, n_destinations, len(deps)), np.inf, dtype=float)
    batch = max(1, min(n_origins, max_cells // max(timetable.n_stops, 1)))
    eg = _sorted_by_target(egress)
    departure_keys = _stop_departure_keys(timetable)
    footpaths = _sorted_by_target(footpaths)
    for o0 in range(0, n_origins, batch):
        o1 = min(o0 + batch, n_origins)
        sel = (access.source >= o0) & (access.source < o1)
        acc_stop, acc_col, acc_s = access.target[sel], access.source[sel] - o0, access.seconds[sel]
        best = np.full((timetable.n_stops, o1 - o0), np.inf)
        later = np.inf
        for j in np.argsort(-deps, kind="stable"):
            t = deps[j]
            marked = np.zeros_like(best, dtype=bool)
            start = t + acc_s
            better = start < best[acc_stop, acc_col]
            best[acc_stop[better], acc_col[better]] = start[better]
            # reaching a stop earlier changes nothing unless a vehicle leaves it before the later departure's time
            fresh = better & _departs_between(departure_keys, acc_stop, start, later + acc_s)
            marked[acc_stop[fresh], acc_col[fresh]] = True
            later = t
            while marked.any():
                new = _scan_patterns(timetable, best, marked)
                _walk_after_vehicle(new, best, footpaths, max(1, max_cells // (o1 - o0)))
                marked = new < best
                best = new
            arrive = np.full((n_destinations, o1 - o0), np.inf)
            _min_into(arrive, eg.target, best[eg.source] + eg.seconds[:, None])
            times = arrive.T - t
            if direct_s is not None:
                times = np.minimum(times, direct_s[o0:o1])
            out[o0:o1, :, j] = times
    return out
