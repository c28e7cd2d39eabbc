"""The baseline the RAPTOR router is checked and timed against: Dijkstra on a time-expanded graph (scipy).

Not part of the package: the benchmark and the tests use it. Every stop event of the timetable is a node:

- per trip and stop, a *departure* node D, an *arrival* node A and a *waiting* node W at the stop;
- ride edges D(i) -> A(i+1) and stay-on-board edges A(i) -> D(i); boarding W -> D;
- at each stop the W nodes in time order are chained (waiting);
- alighting A -> the first W at the same stop at or after the arrival; walking A -> the first W at a stop within
  the transfer distance at or after the arrival plus the walk.

A query (origin, departure time) starts a multi-source Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`,
``min_only``) at the first W node at or after ``departure + access walk`` of each stop within walking distance.
Every reached node's time is a time someone leaving then can be there; the earliest arrival at a stop is the earliest
reached A node there, then one walk to another stop, then the walk to the destination; or walking all the way.
It makes the same assumptions as :mod:`hubopt.travel.raptor` (no minimum change time, one walk between vehicles),
by a different algorithm.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from hubopt.travel.raptor import WalkLinks
from hubopt.travel.timetable import Timetable


class TimeExpandedGraph:
    """The timetable as a time-expanded graph (CSR), with the waiting nodes of each stop in time order."""

    def __init__(self, timetable: Timetable, footpaths: WalkLinks) -> None:
        n_events = sum(p.n_trips * len(p.stops) for p in timetable.patterns)
        self.n_events = n_events
        stop = np.empty(n_events, np.int64)
        dep = np.empty(n_events)
        arr = np.empty(n_events)
        first = np.zeros(n_events, bool)
        last = np.zeros(n_events, bool)
        k = 0
        for p in timetable.patterns:
            n = p.n_trips * len(p.stops)
            stop[k : k + n] = np.tile(p.stops, p.n_trips)
            dep[k : k + n] = p.departure.ravel()
            arr[k : k + n] = p.arrival.ravel()
            pos = np.tile(np.arange(len(p.stops)), p.n_trips)
            first[k : k + n] = pos == 0
            last[k : k + n] = pos == len(p.stops) - 1
            k += n
        ev = np.arange(n_events)
        node_d, node_a, node_w = ev, ev + n_events, ev + 2 * n_events
        # waiting nodes of each stop in time order
        order = np.lexsort((dep, stop))
        self.w_stop, self.w_time, self.w_node = stop[order], dep[order], node_w[order]
        starts = np.searchsorted(self.w_stop, np.arange(timetable.n_stops + 1))
        self.stop_start = starts
        src, dst, w = [], [], []

        def add(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> None:
            src.append(a)
            dst.append(b)
            w.append(np.maximum(t, 0.0) + 1.0)  # every edge positive; only reachability and node times are used

        ride = ~last
        add(node_d[ride], node_a[ev[ride] + 1], arr[ev[ride] + 1] - dep[ride])
        mid = ~first & ~last
        add(node_a[mid], node_d[mid], dep[mid] - arr[mid])
        add(node_w[ride], node_d[ride], np.zeros(ride.sum()))
        same = np.r_[self.w_stop[1:] == self.w_stop[:-1], False]
        add(
            self.w_node[same],
            self.w_node[np.flatnonzero(same) + 1],
            self.w_time[np.flatnonzero(same) + 1] - self.w_time[same],
        )
        alight = ~first
        target = self._first_wait(stop[alight], arr[alight])
        ok = target >= 0
        add(node_a[alight][ok], target[ok], np.zeros(ok.sum()))
        # walks between stops, from every arrival
        fp_order = np.argsort(footpaths.source, kind="stable")
        fp_src, fp_dst, fp_s = footpaths.source[fp_order], footpaths.target[fp_order], footpaths.seconds[fp_order]
        fp_start = np.searchsorted(fp_src, np.arange(timetable.n_stops + 1))
        a_ev = ev[alight]
        counts = fp_start[stop[a_ev] + 1] - fp_start[stop[a_ev]]
        rep = np.repeat(a_ev, counts)
        link = np.concatenate([np.arange(fp_start[s], fp_start[s + 1]) for s in stop[a_ev]]) if len(a_ev) else []
        link = np.asarray(link, dtype=np.int64)
        target = self._first_wait(fp_dst[link], arr[rep] + fp_s[link])
        ok = target >= 0
        add(node_a[rep][ok], target[ok], np.zeros(ok.sum()))
        n_nodes = 3 * n_events
        self.graph = sparse.csr_matrix(
            (np.concatenate(w), (np.concatenate(src), np.concatenate(dst))), shape=(n_nodes, n_nodes)
        )
        self.arrival_stop = stop
        self.arrival_time = np.where(first, np.inf, arr)
        self.n_stops = timetable.n_stops
        self.footpaths = WalkLinks(fp_src, fp_dst, fp_s)

    def _first_wait(self, stops: np.ndarray, times: np.ndarray) -> np.ndarray:
        """The first waiting node at each stop at or after each time (-1 when none)."""
        out = np.full(len(stops), -1, np.int64)
        for s in np.unique(stops):
            sel = np.flatnonzero(stops == s)
            lo, hi = self.stop_start[s], self.stop_start[s + 1]
            i = np.searchsorted(self.w_time[lo:hi], times[sel], side="left")
            ok = i < hi - lo
            out[sel[ok]] = self.w_node[lo + i[ok]]
        return out

    def stop_arrivals(self, access_stops: np.ndarray, access_s: np.ndarray, departure: float) -> np.ndarray:
        """Earliest arrival at every stop leaving at ``departure`` (one Dijkstra)."""
        label = np.full(self.n_stops, np.inf)
        np.minimum.at(label, access_stops, departure + access_s)
        sources = self._first_wait(access_stops, departure + access_s)
        sources = np.unique(sources[sources >= 0])
        if len(sources) == 0:
            return label
        dist = dijkstra(self.graph, directed=True, indices=sources, min_only=True)
        reached_a = np.isfinite(dist[self.n_events : 2 * self.n_events])
        by_vehicle = np.full(self.n_stops, np.inf)
        np.minimum.at(by_vehicle, self.arrival_stop[reached_a], self.arrival_time[reached_a])
        walked = by_vehicle.copy()
        fp = self.footpaths
        np.minimum.at(walked, fp.target, by_vehicle[fp.source] + fp.seconds)
        return np.minimum(label, walked)


def time_expanded_times(
    graph: TimeExpandedGraph,
    departures_s: np.ndarray,
    origins: np.ndarray,
    n_destinations: int,
    *,
    access: WalkLinks,
    egress: WalkLinks,
    direct_s: np.ndarray,
) -> np.ndarray:
    """``(len(origins), n_destinations, n_departures)`` journey seconds, as :func:`earliest_arrivals` gives."""
    out = np.full((len(origins), n_destinations, len(departures_s)), np.inf)
    for r, o in enumerate(origins):
        sel = access.source == o
        for j, t in enumerate(departures_s):
            label = graph.stop_arrivals(access.target[sel], access.seconds[sel], float(t))
            arrive = np.full(n_destinations, np.inf)
            np.minimum.at(arrive, egress.target, label[egress.source] + egress.seconds)
            out[r, :, j] = np.minimum(arrive - t, direct_s[o])
    return out
