"""Walking legs of public-transport journeys along an OpenStreetMap walking network.

When a public-transport mode names a walking network (``walk_network: FILE``), the walks zone -> stop, stop -> stop
(changing vehicles) and stop -> site, and the walk all the way, follow the shortest path on that network instead of
straight-line distance x a detour factor:

- each point (zone, stop, site) is joined to its **nearest network node** by a straight-line leg, walked too;
- the walked distance is that leg + the shortest path by length (metres, scipy's Dijkstra on the network's arrays,
  :mod:`hubopt.travel.matrix`) + the leg at the other end;
- a walk to or from a stop counts only when this walked distance is at most the mode's ``max_walk_m`` (to and from
  stops) or ``max_transfer_m`` (between stops): the limits are on the distance walked, so a stop across a river
  with no bridge nearby is out of reach even when it is close as the crow flies;
- seconds = walked distance / walking speed.

The shortest paths from many points run in chunks so the distance arrays (points x network nodes) stay bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from hubopt.travel.matrix import CompiledNetwork, compile_network
from hubopt.travel.network import load_network
from hubopt.travel.raptor import WalkLinks

__all__ = ["NetworkWalks", "load_walk_network"]

#: Most bytes of one chunk of Dijkstra distances (sources x network nodes).
_CHUNK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class NetworkWalks:
    """Walks on a walking network compiled with edge lengths in metres.

    Attributes
    ----------
    network : CompiledNetwork
        From :func:`hubopt.travel.matrix.compile_network` with ``weight="length"``.
    walk_speed_kph : float
        Walking speed.
    """

    network: CompiledNetwork
    walk_speed_kph: float

    def seconds(self, metres: np.ndarray) -> np.ndarray:
        """Walking seconds for walked metres."""
        return np.asarray(metres, dtype=float) / (self.walk_speed_kph / 3.6)

    def describe(self) -> str:
        """In words (the limits are said by the caller)."""
        return (
            f"walks along the shortest path on the {self.network.description}, at {self.walk_speed_kph:g} km/h, "
            "each point joined to its nearest network node by a straight line"
        )

    def metres(self, from_xy: np.ndarray, to_xy: np.ndarray, max_m: float = np.inf) -> np.ndarray:
        """Walked metres from every point of ``from_xy`` to every point of ``to_xy`` (``inf`` beyond ``max_m``).

        Points with NaN coordinates are unreachable (``inf``).
        """
        out = np.full((len(from_xy), len(to_xy)), np.inf)
        for source, target, walked in self._walks(from_xy, to_xy, max_m):
            out[source, target] = walked
        return out

    def links(self, from_xy: np.ndarray, to_xy: np.ndarray, max_m: float) -> WalkLinks:
        """The walks of at most ``max_m`` walked metres from points of ``from_xy`` to points of ``to_xy``."""
        parts = list(self._walks(from_xy, to_xy, max_m))
        if not parts:
            return WalkLinks.empty()
        source, target, walked = (np.concatenate(p) for p in zip(*parts, strict=True))
        return WalkLinks(source.astype(np.int64), target.astype(np.int64), self.seconds(walked))

    def _walks(
        self, from_xy: np.ndarray, to_xy: np.ndarray, max_m: float
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(from positions, to positions, walked metres) of the walks of at most ``max_m``, chunk by chunk."""
        from_xy = np.asarray(from_xy, dtype=float).reshape(-1, 2)
        to_xy = np.asarray(to_xy, dtype=float).reshape(-1, 2)
        src_ok = np.flatnonzero(np.isfinite(from_xy).all(axis=1))
        dst_ok = np.flatnonzero(np.isfinite(to_xy).all(axis=1))
        if len(src_ok) == 0 or len(dst_ok) == 0:
            return
        s_node, s_snap = self.network.snap(from_xy[src_ok])
        d_node, d_snap = self.network.snap(to_xy[dst_ok])
        # Dijkstra from the side with fewer distinct nodes: forward from the sources, or backward from the targets
        forward = len(np.unique(s_node)) <= len(np.unique(d_node))
        graph = self.network.forward if forward else self.network.reverse
        start, start_snap, start_pos = (s_node, s_snap, src_ok) if forward else (d_node, d_snap, dst_ok)
        end, end_snap, end_pos = (d_node, d_snap, dst_ok) if forward else (s_node, s_snap, src_ok)
        uniq, inverse = np.unique(start, return_inverse=True)
        inverse = inverse.ravel()
        width = max(self.network.n_nodes, len(end), 1)
        chunk = max(1, int(_CHUNK_BYTES // (8 * width)))
        for c0 in range(0, len(uniq), chunk):
            dist = dijkstra(graph, directed=True, indices=uniq[c0 : c0 + chunk], limit=max_m)
            rows = np.flatnonzero((inverse >= c0) & (inverse < c0 + chunk))
            walked = dist[:, end][inverse[rows] - c0] + start_snap[rows, None] + end_snap[None, :]
            r, c = np.nonzero(walked <= max_m)
            a, b = start_pos[rows[r]], end_pos[c]
            yield (a, b, walked[r, c]) if forward else (b, a, walked[r, c])


def load_walk_network(path: Path, walk_speed_kph: float) -> tuple[NetworkWalks, nx.MultiDiGraph]:
    """Load an OSM walking network file (``.osm.pbf``, ``.osm`` or ``.graphml``) for walking legs.

    Parameters
    ----------
    path : Path
        The file, read by :func:`hubopt.travel.network.load_network` in walk mode (its largest strongly connected
        part).
    walk_speed_kph : float
        Walking speed.

    Returns
    -------
    tuple of NetworkWalks and networkx.MultiDiGraph
        The walks, and the loaded graph (for coverage checks).
    """
    graph = load_network(path, mode="walk", walk_speed_kph=walk_speed_kph)
    return NetworkWalks(compile_network(graph, weight="length"), float(walk_speed_kph)), graph
