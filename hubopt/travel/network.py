"""Road and walking networks from OpenStreetMap: load, prepare, connectivity and coverage.

A network is a :class:`networkx.MultiDiGraph` in British National Grid (EPSG:27700): node attributes ``x``/``y``
are eastings/northings in metres (``lon``/``lat`` keep the original degrees), and every edge has ``length``
(metres), ``speed_kph`` and ``travel_time`` (seconds). Graphs come from:

- :func:`~hubopt.travel.download.download_network` - the OpenStreetMap Overpass API through osmnx, only when asked
  (``hubopt fetch network SCENARIO``), for the study boundary plus a buffer, saved as GraphML;
- :func:`load_network` - a saved GraphML file, an OSM XML file (``.osm``, read by osmnx's ``graph_from_xml``) or
  an OSM PBF extract (``.osm.pbf``, e.g. a Geofabrik county extract, read with pyosmium and handed to the same
  osmnx code, so oneway rules and edge building are osmnx's own); see :mod:`hubopt.travel.osm_files`.

Which ways are kept and how fast each is travelled is :mod:`hubopt.travel.osm_tags`. Graphs are **not
simplified**: every OSM node is kept, so zone and site points snap to a node on the road beside them rather than
to a junction that may be hundreds of metres away.

Connectivity and coverage
-------------------------
Only the largest strongly connected component is kept (from every node you can reach every other), so that no
zone snaps to a fragment such as a car park loop with no way out; :class:`NetworkInfo` reports how many nodes were
dropped. :func:`check_coverage` reports the share of zone points farther than a threshold from any node, and fails
when the network does not cover the study area.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from hubopt.errors import InputError
from hubopt.io._coords import CRS_BNG
from hubopt.io._files import file_sha256
from hubopt.travel.osm_files import WHAT_TO_DO, read_graph
from hubopt.travel.osm_tags import DEFAULT_WALK_SPEED_KPH, EXTRA_EDGE_TAGS, add_travel_times, check_mode, way_allowed

__all__ = [
    "CoverageReport",
    "NetworkInfo",
    "check_coverage",
    "load_network",
    "network_info",
    "prepare_graph",
]


_GRAPH_INFO_KEY = "hubopt_network_info"


@dataclass(frozen=True)
class NetworkInfo:
    """What was loaded and how it was prepared.

    Attributes
    ----------
    mode : str
        ``"drive"`` or ``"walk"``.
    source : str
        The file read (or ``"OpenStreetMap Overpass API"``).
    source_format : str
        ``"osm_pbf"``, ``"osm_xml"``, ``"graphml"`` or ``"graph"`` (an in-memory graph).
    sha256 : str or None
        SHA-256 of the file (None for an in-memory graph).
    n_nodes, n_edges : int
        Size of the network kept (the largest strongly connected component).
    dropped_nodes : int
        Nodes outside the largest strongly connected component, dropped.
    dropped_edges : int
        Edges dropped with them.
    speeds_kph : Mapping[str, float]
        Drive: the default speed of each road type used where no ``maxspeed`` tag applies (after overrides).
        Walk: ``{"walk": speed}``.
    walk_speed_kph : float
        Walking speed (used on every edge in walk mode).
    share_edges_with_maxspeed : float
        Share of edges (0-1) whose speed came from a ``maxspeed`` tag (0 in walk mode).
    crs : str
        Coordinate reference system of node ``x``/``y`` (always British National Grid).
    """

    mode: str
    source: str
    source_format: str
    sha256: str | None
    n_nodes: int
    n_edges: int
    dropped_nodes: int
    dropped_edges: int
    speeds_kph: Mapping[str, float] = field(default_factory=dict)
    walk_speed_kph: float = DEFAULT_WALK_SPEED_KPH
    share_edges_with_maxspeed: float = 0.0
    crs: str = CRS_BNG

    def describe(self) -> str:
        """One plain-English line about the network."""
        pct = 100.0 * self.dropped_nodes / max(self.n_nodes + self.dropped_nodes, 1)
        what = "road network (drive)" if self.mode == "drive" else "walking network"
        speeds = (
            f"{100 * self.share_edges_with_maxspeed:.0f}% of road links with a signed speed limit, UK defaults "
            "by road type elsewhere"
            if self.mode == "drive"
            else f"walking at {self.walk_speed_kph:g} km/h"
        )
        return (
            f"OpenStreetMap {what} from {Path(self.source).name}: {self.n_nodes:,} nodes, {self.n_edges:,} links "
            f"({self.dropped_nodes:,} nodes, {pct:.1f}%, outside the main connected network dropped); {speeds}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (for run manifests)."""
        d = asdict(self)
        d["speeds_kph"] = dict(self.speeds_kph)
        return d


@dataclass(frozen=True)
class CoverageReport:
    """How well a network covers a set of points.

    Attributes
    ----------
    threshold_m : float
        Distance beyond which a point counts as not covered.
    n_points : int
        Points checked.
    n_far : int
        Points farther than ``threshold_m`` from any network node.
    share_far : float
        ``n_far / n_points``.
    far_ids : tuple of str
        Identifiers of the points that are far (all of them).
    max_distance_m : float
        Largest point-to-nearest-node distance.
    distances_m : numpy.ndarray
        Distance from each point to its nearest node.
    """

    threshold_m: float
    n_points: int
    n_far: int
    share_far: float
    far_ids: tuple[str, ...]
    max_distance_m: float
    distances_m: np.ndarray

    def describe(self) -> str:
        """One plain-English line."""
        return (
            f"{self.n_far:,} of {self.n_points:,} points ({100 * self.share_far:.1f}%) are more than "
            f"{self.threshold_m:,.0f} m from the network (farthest {self.max_distance_m:,.0f} m)"
        )


def network_info(graph: nx.MultiDiGraph) -> NetworkInfo:
    """The :class:`NetworkInfo` that :func:`load_network` attached to a graph.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph returned by :func:`load_network` (or :func:`~hubopt.travel.osm_tags.add_travel_times`).

    Returns
    -------
    NetworkInfo
    """
    info = graph.graph.get(_GRAPH_INFO_KEY)
    if not isinstance(info, NetworkInfo):
        raise ValueError("this graph was not prepared by hubopt.travel.network.load_network")
    return info


def _is_lonlat(crs: Any) -> bool:
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


def _project_to_bng(graph: nx.MultiDiGraph, crs: Any) -> None:
    """Project node coordinates (and any edge ``geometry``) to British National Grid, in place."""
    import shapely
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, CRS_BNG, always_xy=True)
    nodes = list(graph.nodes)
    x = np.array([graph.nodes[n]["x"] for n in nodes], dtype=float)
    y = np.array([graph.nodes[n]["y"] for n in nodes], dtype=float)
    bx, by = transformer.transform(x, y)
    geographic = _is_lonlat(crs)
    for n, x0, y0, x1, y1 in zip(nodes, x, y, bx, by, strict=True):
        d = graph.nodes[n]
        if geographic:
            d["lon"], d["lat"] = float(x0), float(y0)
        d["x"], d["y"] = float(x1), float(y1)
    for _, _, d in graph.edges(data=True):
        geom = d.get("geometry")
        if geom is not None and hasattr(geom, "geom_type"):
            d["geometry"] = shapely.transform(
                geom, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
            )
    graph.graph["crs"] = CRS_BNG


def _prepare(
    graph: nx.MultiDiGraph,
    *,
    mode: str,
    source: str,
    source_format: str,
    sha256: str | None,
    speeds_kph: Mapping[str, float] | None,
    walk_speed_kph: float,
    path: Path | None,
) -> nx.MultiDiGraph:
    import osmnx as ox

    drop = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if not way_allowed(d, mode)]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if graph.number_of_edges() == 0:
        raise InputError(
            f"the network holds no ways usable for the {mode} network", path=path or source, hint=WHAT_TO_DO
        )
    for _, _, d in graph.edges(data=True):
        for tag in EXTRA_EDGE_TAGS:
            d.pop(tag, None)
    crs = graph.graph.get("crs")
    if crs is None:
        raise InputError("the network has no coordinate reference system ('crs')", path=path, hint=WHAT_TO_DO)
    if any("length" not in d for _, _, d in graph.edges(data=True)):
        if not _is_lonlat(crs):
            raise InputError("network edges have no 'length'", path=path, hint=WHAT_TO_DO)
        graph = ox.distance.add_edge_lengths(graph)
    if str(crs).upper() != CRS_BNG:
        _project_to_bng(graph, crs)
    n0, m0 = graph.number_of_nodes(), graph.number_of_edges()
    largest = max(nx.strongly_connected_components(graph), key=len)
    if len(largest) < n0:
        graph.remove_nodes_from([n for n in list(graph.nodes) if n not in largest])
    speeds, share = add_travel_times(graph, mode=mode, speeds_kph=speeds_kph, walk_speed_kph=walk_speed_kph)
    info = NetworkInfo(
        mode=mode,
        source=source,
        source_format=source_format,
        sha256=sha256,
        n_nodes=graph.number_of_nodes(),
        n_edges=graph.number_of_edges(),
        dropped_nodes=n0 - graph.number_of_nodes(),
        dropped_edges=m0 - graph.number_of_edges(),
        speeds_kph=speeds,
        walk_speed_kph=float(walk_speed_kph),
        share_edges_with_maxspeed=share,
    )
    graph.graph[_GRAPH_INFO_KEY] = info
    graph.graph["hubopt_mode"] = mode
    return graph


def load_network(
    path: str | Path,
    *,
    mode: str,
    speeds_kph: Mapping[str, float] | None = None,
    walk_speed_kph: float = DEFAULT_WALK_SPEED_KPH,
) -> nx.MultiDiGraph:
    """Load a drive or walk network from an OSM PBF extract, an OSM XML file or GraphML.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf`` (read with pyosmium), ``.osm`` XML (also ``.osm.bz2``/``.osm.gz``; osmnx ``graph_from_xml``)
        or ``.graphml`` (osmnx ``load_graphml``, e.g. saved by
        :func:`~hubopt.travel.download.download_network`). The format is checked from the content, not only the
        name.
    mode : {"drive", "walk"}
        Which ways to keep (osmnx's network_type rules) and how to time them.
    speeds_kph : Mapping[str, float], optional
        Overrides of the default drive speeds by road type (:data:`~hubopt.travel.osm_tags.DEFAULT_SPEEDS_KPH`), km/h.
    walk_speed_kph : float
        Walking speed, km/h (walk mode).

    Returns
    -------
    networkx.MultiDiGraph
        In British National Grid, edges with ``length`` (m), ``speed_kph`` and ``travel_time`` (s); only the
        largest strongly connected component. :func:`network_info` gives its :class:`NetworkInfo`.

    Raises
    ------
    InputError
        The file is missing, empty, not OSM/GraphML, or holds no usable ways.
    """
    check_mode(mode)
    p = Path(path)
    if not p.exists():
        raise InputError(
            "the network file does not exist",
            path=p,
            hint="check the path, or run `hubopt fetch network SCENARIO` to download the network; " + WHAT_TO_DO,
        )
    if not p.is_file():
        raise InputError("the network file is a folder, not a file", path=p, hint=WHAT_TO_DO)
    graph, fmt = read_graph(p, mode)
    return _prepare(
        graph,
        mode=mode,
        source=str(p),
        source_format=fmt,
        sha256=file_sha256(p),
        speeds_kph=speeds_kph,
        walk_speed_kph=walk_speed_kph,
        path=p,
    )


def prepare_graph(
    graph: nx.MultiDiGraph,
    *,
    mode: str,
    source: str = "in-memory graph",
    speeds_kph: Mapping[str, float] | None = None,
    walk_speed_kph: float = DEFAULT_WALK_SPEED_KPH,
) -> nx.MultiDiGraph:
    """Prepare an osmnx graph already in memory as :func:`load_network` prepares a file (filter, project, speeds,
    largest strongly connected component). The graph is copied, never changed.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        An osmnx-style graph (nodes with ``x``/``y`` and a ``crs`` graph attribute; edges with ``highway``).
    mode : {"drive", "walk"}
    source : str
        Where it came from, for :class:`NetworkInfo`.
    speeds_kph, walk_speed_kph
        As in :func:`load_network`.

    Returns
    -------
    networkx.MultiDiGraph
    """
    check_mode(mode)
    return _prepare(
        graph.copy(),
        mode=mode,
        source=source,
        source_format="graph",
        sha256=None,
        speeds_kph=speeds_kph,
        walk_speed_kph=walk_speed_kph,
        path=None,
    )


def node_coordinates(graph: nx.MultiDiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Node ids and their coordinates as an ``(n, 2)`` array (the graph's CRS, BNG after :func:`load_network`)."""
    nodes = np.array(list(graph.nodes), dtype=object)
    xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float).reshape(-1, 2)
    return nodes, xy


def check_coverage(
    graph: nx.MultiDiGraph,
    points_xy: np.ndarray,
    ids: Sequence[Any] | None = None,
    *,
    threshold_m: float = 1000.0,
    max_share_far: float = 0.05,
    raise_error: bool = True,
) -> CoverageReport:
    """Share of points (zone centroids, BNG) farther than ``threshold_m`` from any network node.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A network from :func:`load_network` (BNG coordinates).
    points_xy : numpy.ndarray
        ``(n, 2)`` eastings and northings.
    ids : sequence, optional
        Identifiers of the points, for the report (default their positions).
    threshold_m : float
        Distance beyond which a point is not covered.
    max_share_far : float
        Largest acceptable share of points not covered (0-1).
    raise_error : bool
        Raise :class:`InputError` when the share is above ``max_share_far`` (else only report).

    Returns
    -------
    CoverageReport
    """
    from scipy.spatial import cKDTree

    pts = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    labels = [str(i) for i in (ids if ids is not None else range(len(pts)))]
    if len(labels) != len(pts):
        raise ValueError("ids and points_xy differ in length")
    _, xy = node_coordinates(graph)
    if len(xy) == 0:
        raise InputError("the network has no nodes", hint=WHAT_TO_DO)
    dist, _ = cKDTree(xy).query(pts) if len(pts) else (np.zeros(0), None)
    far = dist > threshold_m
    share = float(far.mean()) if len(pts) else 0.0
    report = CoverageReport(
        threshold_m=float(threshold_m),
        n_points=len(pts),
        n_far=int(far.sum()),
        share_far=share,
        far_ids=tuple(label for label, f in zip(labels, far, strict=True) if f),
        max_distance_m=float(dist.max()) if len(pts) else 0.0,
        distances_m=dist,
    )
    if raise_error and share > max_share_far:
        info = graph.graph.get(_GRAPH_INFO_KEY)
        examples = ", ".join(report.far_ids[:5]) + (", ..." if report.n_far > 5 else "")
        raise InputError(
            f"the network does not cover the study area: {report.describe()} (e.g. {examples}); "
            f"at most {100 * max_share_far:g}% may be",
            path=info.source if isinstance(info, NetworkInfo) and info.sha256 else None,
            hint="use an OpenStreetMap extract that contains the whole study area (with a margin of a few km), "
            "or re-run `hubopt fetch network` for this scenario",
        )
    return report
