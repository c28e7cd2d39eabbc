"""Many-to-many travel times on a road or walking network: zones × sites, in minutes.

How a time is made
------------------
``minutes = access leg + network time + egress leg``

- Every zone point and site point is snapped to its nearest network node (a k-d tree on node coordinates in
  British National Grid). The straight-line snapping distance is travelled at an *access speed*: walking speed on a
  walk network (default 4.8 km/h); on a drive network a default of **15 km/h**, standing for the slow first and
  last few hundred metres of a car trip on private drives, car parks and unmapped service roads (which the drive
  network leaves out), plus parking. Both are arguments.
- The network time is the shortest path by edge ``travel_time`` (seconds), computed by a compiled Dijkstra
  (:func:`scipy.sparse.csgraph.dijkstra`) on a CSR matrix of the graph. It runs once per distinct *site* node on
  the reversed graph (the time from every node *to* the site), so the cost grows with the number of sites, not
  with zones × sites; all zones are then read off each run. Parallel edges keep their fastest.
- With a cutoff, the search stops at the cutoff (Dijkstra's ``limit``) and times beyond it are ``inf``.

Pairs with no path (or none within the cutoff, or a point farther than ``max_snap_m`` from the network) are
``inf`` and listed in :attr:`TravelMatrix.unreachable`, never dropped.

Public API
----------
TravelMatrix
    The matrix and what it means (ids, mode, method, unreachable pairs, snapping distances).
CompiledNetwork, compile_network(graph)
    The graph as arrays (CSR matrices and a k-d tree), reusable across calls.
travel_time_matrix(network, origins_xy, destinations_xy, ...)
    The zones × sites matrix.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from hubopt.errors import InputError

__all__ = [
    "DEFAULT_DRIVE_ACCESS_SPEED_KPH",
    "DEFAULT_WALK_ACCESS_SPEED_KPH",
    "METHOD_VERSION",
    "CompiledNetwork",
    "TravelMatrix",
    "compile_network",
    "travel_time_matrix",
]

#: Version of the matrix method; part of every cache key (bump it when the numbers a method gives change).
METHOD_VERSION = "hubopt.travel.matrix/1"
#: Speed of the straight-line leg between a point and its nearest node on a drive network, km/h.
DEFAULT_DRIVE_ACCESS_SPEED_KPH = 15.0
#: Speed of that leg on a walk network, km/h.
DEFAULT_WALK_ACCESS_SPEED_KPH = 4.8
#: Largest Dijkstra output held at once (bytes): the sites are processed in chunks below it.
_CHUNK_BYTES = 256 * 1024 * 1024
#: At most this many sites per Dijkstra call, so that progress can be told as the sites are done.
_CHUNK_SITES = 16


@dataclass(frozen=True)
class TravelMatrix:
    """Travel times from origins (zones) to destinations (sites), in minutes.

    Attributes
    ----------
    minutes : numpy.ndarray
        ``(n_origins, n_destinations)`` float minutes; ``inf`` where a destination cannot be reached.
    origin_ids, destination_ids : numpy.ndarray
        Identifiers (as text) of the rows and columns.
    mode : str
        ``"drive"``, ``"walk"``, ``"public transport"``...
    method : str
        How the times were made, in plain English (for outputs and reports).
    unreachable : tuple of (str, str)
        Every (origin id, destination id) pair whose time is ``inf``.
    origin_snap_m, destination_snap_m : numpy.ndarray or None
        Straight-line distance from each point to the network node it was joined to (None for supplied matrices).
    cutoff_minutes : float or None
        Times beyond this were not computed (``inf``).
    origin_nodes, destination_nodes : numpy.ndarray or None
        The network node each point was joined to.
    """

    minutes: np.ndarray
    origin_ids: np.ndarray
    destination_ids: np.ndarray
    mode: str
    method: str
    unreachable: tuple[tuple[str, str], ...] = ()
    origin_snap_m: np.ndarray | None = None
    destination_snap_m: np.ndarray | None = None
    cutoff_minutes: float | None = None
    origin_nodes: np.ndarray | None = field(default=None, compare=False)
    destination_nodes: np.ndarray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        m = np.asarray(self.minutes, dtype=float)
        o = np.asarray([str(i) for i in self.origin_ids], dtype=object)
        d = np.asarray([str(i) for i in self.destination_ids], dtype=object)
        if m.shape != (len(o), len(d)):
            raise ValueError(f"minutes has shape {m.shape}, ids give ({len(o)}, {len(d)})")
        object.__setattr__(self, "minutes", m)
        object.__setattr__(self, "origin_ids", o)
        object.__setattr__(self, "destination_ids", d)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_origins, n_destinations)``."""
        return self.minutes.shape

    @property
    def n_unreachable(self) -> int:
        """Number of pairs whose time is ``inf``."""
        return len(self.unreachable)

    def describe_unreachable(self, max_examples: int = 5) -> str:
        """Plain-English summary of the unreachable pairs (empty string when there are none)."""
        if not self.unreachable:
            return ""
        origins = sorted({o for o, _ in self.unreachable})
        sites = sorted({d for _, d in self.unreachable})
        within = f" within {self.cutoff_minutes:g} minutes" if self.cutoff_minutes is not None else ""

        def some(items: list[str]) -> str:
            return ", ".join(items[:max_examples]) + (
                f" and {len(items) - max_examples} more" if len(items) > max_examples else ""
            )

        return (
            f"{len(self.unreachable):,} zone-site pairs cannot be travelled{within} ({self.mode}): "
            f"{len(origins):,} zones ({some(origins)}) and {len(sites):,} sites ({some(sites)})"
        )

    def to_frame(self) -> pd.DataFrame:
        """The matrix as a table: one row per origin, one column per destination (minutes)."""
        return pd.DataFrame(
            self.minutes, index=pd.Index(self.origin_ids, name="origin_id"), columns=self.destination_ids
        )

    def to_long(self) -> pd.DataFrame:
        """The matrix as a long table: ``origin_id, destination_id, minutes`` (``inf`` kept)."""
        n, m = self.shape
        return pd.DataFrame(
            {
                "origin_id": np.repeat(self.origin_ids, m),
                "destination_id": np.tile(self.destination_ids, n),
                "minutes": self.minutes.ravel(),
            }
        )


@dataclass(frozen=True)
class CompiledNetwork:
    """A network as arrays for fast shortest paths.

    Attributes
    ----------
    nodes : numpy.ndarray
        Node ids, position ``i`` = row/column ``i`` of the matrices.
    xy : numpy.ndarray
        ``(n, 2)`` node coordinates (British National Grid for graphs from
        :func:`~hubopt.travel.network.load_network`).
    forward : scipy.sparse.csr_array
        ``forward[i, j]`` = the fastest edge from node i to node j, in seconds.
    mode : str or None
        The network's mode, when known.
    description : str
        One line about the network (its source, size and speeds).
    """

    nodes: np.ndarray
    xy: np.ndarray
    forward: sparse.csr_array
    mode: str | None = None
    description: str = "network"

    @functools.cached_property
    def reverse(self) -> sparse.csr_array:
        """The transposed graph: ``reverse[j, i]`` = the fastest edge from i to j."""
        return sparse.csr_array(self.forward.T)

    @functools.cached_property
    def tree(self) -> cKDTree:
        """k-d tree on node coordinates."""
        return cKDTree(self.xy)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def snap(self, points_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node (position) of each point and the straight-line distance to it (metres)."""
        pts = _as_xy(points_xy, "points")
        if len(pts) == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        dist, idx = self.tree.query(pts)
        return np.asarray(idx, dtype=np.intp), np.asarray(dist, dtype=float)


def compile_network(graph: nx.MultiDiGraph, *, weight: str = "travel_time") -> CompiledNetwork:
    """Turn a network graph into arrays: a CSR matrix of edge weights and node coordinates.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A network from :func:`~hubopt.travel.network.load_network` (nodes with ``x``/``y``, edges with ``weight``).
    weight : str
        Edge attribute to minimise (seconds).

    Returns
    -------
    CompiledNetwork
    """
    nodes = np.array(list(graph.nodes), dtype=object)
    n = len(nodes)
    if n == 0:
        raise InputError("the network has no nodes")
    index = {node: i for i, node in enumerate(nodes)}
    coords = (c for _, d in graph.nodes(data=True) for c in (d["x"], d["y"]))
    xy = np.fromiter(coords, dtype=float, count=2 * n).reshape(n, 2)
    m = graph.number_of_edges()
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    w = np.empty(m, dtype=float)
    for k, (a, b, t) in enumerate(graph.edges(data=weight)):
        u[k] = index[a]
        v[k] = index[b]
        w[k] = np.nan if t is None else t
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise InputError(
            f"{int(bad.sum()):,} network edges have no valid '{weight}' (missing, negative or not a number)",
            hint="load the network with hubopt.travel.network.load_network, which sets travel times on every edge",
        )
    keep = u != v  # self-loops never shorten a path
    u, v, w = u[keep], v[keep], w[keep]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    forward = sparse.csr_array((w[first], (u[first], v[first])), shape=(n, n))
    info = graph.graph.get("hubopt_network_info")
    description = info.describe() if info is not None and hasattr(info, "describe") else f"network of {n:,} nodes"
    return CompiledNetwork(
        nodes=nodes, xy=xy, forward=forward, mode=graph.graph.get("hubopt_mode"), description=description
    )


def _as_xy(xy: Any, name: str) -> np.ndarray:
    arr = np.asarray(xy, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be an (n, 2) array of eastings and northings, not shape {arr.shape}")
    if not np.isfinite(arr).all():
        pos = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise InputError(f"{name}: point {pos + 1} has no valid coordinates", hint="check the coordinates")
    return arr


def _ids(ids: Sequence[Any] | None, n: int, name: str) -> np.ndarray:
    if ids is None:
        return np.array([str(i) for i in range(n)], dtype=object)
    out = np.array([str(i) for i in ids], dtype=object)
    if len(out) != n:
        raise ValueError(f"{name} has {len(out)} ids for {n} points")
    return out


def network_times_to(
    network: CompiledNetwork,
    target_nodes: np.ndarray,
    source_nodes: np.ndarray,
    *,
    limit_s: float = np.inf,
    on_step: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Shortest network times (seconds) from each source node to each target node, ``(n_sources, n_targets)``.

    Dijkstra runs once per distinct target on the reversed graph, in chunks bounded in memory; ``on_step`` is
    told ``(done, total)`` distinct targets after each chunk.
    """
    targets = np.asarray(target_nodes, dtype=np.intp)
    sources = np.asarray(source_nodes, dtype=np.intp)
    uniq, inverse = np.unique(targets, return_inverse=True)
    out = np.empty((len(sources), len(uniq)), dtype=float)
    chunk = max(1, min(_CHUNK_SITES, int(_CHUNK_BYTES // (8 * max(network.n_nodes, 1)))))
    for start in range(0, len(uniq), chunk):
        block = uniq[start : start + chunk]
        dist = dijkstra(network.reverse, directed=True, indices=block, limit=limit_s)
        out[:, start : start + len(block)] = dist[:, sources].T
        if on_step is not None:
            on_step(start + len(block), len(uniq))
    return out[:, inverse.ravel()]


def travel_time_matrix(
    network: nx.MultiDiGraph | CompiledNetwork,
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray,
    *,
    origin_ids: Sequence[Any] | None = None,
    destination_ids: Sequence[Any] | None = None,
    mode: str | None = None,
    access_speed_kph: float | None = None,
    cutoff_minutes: float | None = None,
    max_snap_m: float | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> TravelMatrix:
    """Zone × site travel times (minutes) on a network.

    Parameters
    ----------
    network : networkx.MultiDiGraph or CompiledNetwork
        From :func:`~hubopt.travel.network.load_network` (or :func:`compile_network` of it, to reuse).
    origins_xy, destinations_xy : numpy.ndarray
        ``(n, 2)`` British National Grid eastings and northings of the zones and of the sites.
    origin_ids, destination_ids : sequence, optional
        Their identifiers (default positions).
    mode : str, optional
        ``"drive"`` or ``"walk"``; default the network's own.
    access_speed_kph : float, optional
        Speed of the straight-line legs between each point and its nearest node (default 15 km/h for drive,
        4.8 km/h for walk).
    cutoff_minutes : float, optional
        Stop searching beyond this time; longer trips are ``inf`` (and listed as unreachable).
    max_snap_m : float, optional
        Points farther than this from any node are not joined to the network: their pairs are ``inf``.
    on_step : callable, optional
        Told ``(done, total)`` distinct site nodes as the shortest paths are computed (a progress display).

    Returns
    -------
    TravelMatrix
    """
    net = network if isinstance(network, CompiledNetwork) else compile_network(network)
    mode = mode or net.mode or "drive"
    if access_speed_kph is None:
        access_speed_kph = DEFAULT_WALK_ACCESS_SPEED_KPH if mode == "walk" else DEFAULT_DRIVE_ACCESS_SPEED_KPH
    if not access_speed_kph > 0:
        raise InputError(
            f"the access speed must be above 0 km/h, not {access_speed_kph!r}", parameter="access_speed_kph"
        )
    if cutoff_minutes is not None and not cutoff_minutes > 0:
        raise InputError(
            f"the travel-time cutoff must be above 0 minutes, not {cutoff_minutes!r}", parameter="cutoff_minutes"
        )
    origins = _as_xy(origins_xy, "zones")
    destinations = _as_xy(destinations_xy, "sites")
    o_ids = _ids(origin_ids, len(origins), "origin_ids")
    d_ids = _ids(destination_ids, len(destinations), "destination_ids")
    o_node, o_snap = net.snap(origins)
    d_node, d_snap = net.snap(destinations)
    limit = np.inf if cutoff_minutes is None else cutoff_minutes * 60.0
    seconds = network_times_to(net, d_node, o_node, limit_s=limit, on_step=on_step)
    mps = access_speed_kph / 3.6
    seconds += o_snap[:, None] / mps + d_snap[None, :] / mps
    minutes = seconds / 60.0
    if cutoff_minutes is not None:
        minutes[minutes > cutoff_minutes] = np.inf
    if max_snap_m is not None:
        minutes[o_snap > max_snap_m, :] = np.inf
        minutes[:, d_snap > max_snap_m] = np.inf
    rows, cols = np.nonzero(~np.isfinite(minutes))
    unreachable = tuple(zip(o_ids[rows].tolist(), d_ids[cols].tolist(), strict=True))
    what = {"drive": "Drive", "walk": "Walking"}.get(mode, mode.capitalize())
    method = (
        f"{what} times by shortest path (Dijkstra) on the {net.description}. Each zone and site is joined to its "
        f"nearest network node by a straight-line leg at {access_speed_kph:g} km/h"
        + (f"; trips longer than {cutoff_minutes:g} minutes were not computed" if cutoff_minutes is not None else "")
        + (f"; points more than {max_snap_m:g} m from the network are unreachable" if max_snap_m is not None else "")
        + "."
    )
    return TravelMatrix(
        minutes=minutes,
        origin_ids=o_ids,
        destination_ids=d_ids,
        mode=mode,
        method=method,
        unreachable=unreachable,
        origin_snap_m=o_snap,
        destination_snap_m=d_snap,
        cutoff_minutes=cutoff_minutes,
        origin_nodes=net.nodes[o_node] if len(o_node) else np.zeros(0, dtype=object),
        destination_nodes=net.nodes[d_node] if len(d_node) else np.zeros(0, dtype=object),
    )


def network_sha256(graph: nx.MultiDiGraph) -> str | None:
    """SHA-256 of the file a network was loaded from (None for an in-memory graph), for cache keys."""
    info = graph.graph.get("hubopt_network_info")
    return getattr(info, "sha256", None)
