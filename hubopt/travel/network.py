"""Road and walking networks from OpenStreetMap: download, load, speeds, connectivity and coverage.

A network is a :class:`networkx.MultiDiGraph` in British National Grid (EPSG:27700): node attributes ``x``/``y``
are eastings/northings in metres (``lon``/``lat`` keep the original degrees), and every edge has ``length``
(metres), ``speed_kph`` and ``travel_time`` (seconds). Graphs come from:

- :func:`download_network` - the OpenStreetMap Overpass API through osmnx, only when asked (``hubopt fetch
  network SCENARIO``), for the study boundary plus a buffer, saved as GraphML;
- :func:`load_network` - a saved GraphML file, an OSM XML file (``.osm``, read by osmnx's ``graph_from_xml``) or
  an OSM PBF extract (``.osm.pbf``, e.g. a Geofabrik county extract, read with pyosmium and handed to the same
  osmnx code, so oneway rules and edge building are osmnx's own).

Which ways are kept follows osmnx's ``network_type`` filters ("drive": public drivable roads without service
roads; "walk": public walkable ways), applied in Python with the same rules, so a PBF extract and a download of
the same area give the same network. Graphs are **not simplified**: every OSM node is kept, so zone and site
points snap to a node on the road beside them rather than to a junction that may be hundreds of metres away.

Drive speeds
------------
An edge's speed is its ``maxspeed`` tag when present: ``"30 mph"``, ``"50"`` (km/h, the OSM default unit),
``"48 km/h"``; a list (``"30 mph;40 mph"``, or a list after simplification) takes the mean of its values. The
national speed limit (``"national"``, ``"GB:nsl_single"``, ``"GB:nsl_dual"``, ``"GB:motorway"``; 60 mph on single
carriageways, 70 mph on dual carriageways and motorways) is a ceiling shared by roads as different as dual
carriageways and single-track lanes, so for those tags hubopt takes the lower of the limit and the road type's
default below. ``"GB:nsl_restricted"`` (street lighting, built-up) is 30 mph. Values it cannot read (``"signals"``,
``"variable"``, ``"none"``) fall back to the default.

Without a tag, the UK default for the road type (``highway`` tag) applies, in km/h (override any of them with the
``speeds_kph`` argument):

=================  =====  ==========================================================================================
highway            km/h   basis
=================  =====  ==========================================================================================
motorway           105    70 mph limit; DfT free-flow car speed on motorways about 67 mph (speed compliance stats)
motorway_link       64    40 mph: slip roads, merging and roundabouts at junctions
trunk               88    55 mph: a mix of dual carriageways (70 mph limit) and single carriageway A roads
trunk_link          56    35 mph
primary             77    48 mph: DfT free-flow car speed on national-limit single carriageways
primary_link        48    30 mph
secondary           64    40 mph: B roads, a mix of rural national-limit and urban 30 mph sections
secondary_link      48    30 mph
tertiary            56    35 mph
tertiary_link       48    30 mph
unclassified        48    30 mph: minor rural roads (national limit, but narrow and bendy)
residential         32    20 mph: 30 mph or 20 mph limits, parked cars and junctions
living_street       16    10 mph: shared-surface streets
service             24    15 mph (only in networks that include service roads)
road                40    25 mph: road of unknown class
(any other)         40    25 mph
=================  =====  ==========================================================================================

These are free-flow speeds: they do not model congestion, so peak-hour drive times will be longer.

Walking uses one speed for every way (default 4.8 km/h, the usual 3 mph planning figure) and ignores oneway tags.

Connectivity and coverage
-------------------------
Only the largest strongly connected component is kept (from every node you can reach every other), so that no
zone snaps to a fragment such as a car park loop with no way out; :class:`NetworkInfo` reports how many nodes were
dropped. :func:`check_coverage` reports the share of zone points farther than a threshold from any node, and fails
when the network does not cover the study area.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np

from hubopt.atomic_file import atomic_path
from hubopt.errors import InputError
from hubopt.io._coords import CRS_BNG
from hubopt.io._files import file_sha256

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DEFAULT_SPEEDS_KPH",
    "DEFAULT_WALK_SPEED_KPH",
    "FALLBACK_SPEED_KPH",
    "CoverageReport",
    "NetworkInfo",
    "add_travel_times",
    "check_coverage",
    "download_network",
    "load_network",
    "network_info",
    "parse_maxspeed",
    "way_allowed",
]

Mode = Literal["drive", "walk"]
MODES: tuple[str, ...] = ("drive", "walk")

MPH_TO_KPH = 1.609344

#: UK default drive speeds by ``highway`` type, km/h (see the table in the module docstring for their basis).
DEFAULT_SPEEDS_KPH: Mapping[str, float] = {
    "motorway": 105.0,
    "motorway_link": 64.0,
    "trunk": 88.0,
    "trunk_link": 56.0,
    "primary": 77.0,
    "primary_link": 48.0,
    "secondary": 64.0,
    "secondary_link": 48.0,
    "tertiary": 56.0,
    "tertiary_link": 48.0,
    "unclassified": 48.0,
    "residential": 32.0,
    "living_street": 16.0,
    "service": 24.0,
    "road": 40.0,
}
#: Drive speed of a road type that is not in the table, km/h.
FALLBACK_SPEED_KPH = 40.0
#: Default walking speed, km/h (3 mph).
DEFAULT_WALK_SPEED_KPH = 4.8

#: National speed limits: single carriageway 60 mph, dual carriageway and motorway 70 mph, restricted 30 mph.
_NSL_SINGLE = 60 * MPH_TO_KPH
_NSL_DUAL = 70 * MPH_TO_KPH
_NSL_RESTRICTED = 30 * MPH_TO_KPH
_NATIONAL_VALUES = {
    "national": None,  # depends on the road type
    "gb:national": None,
    "uk:national": None,
    "nsl": None,
    "gb:nsl_single": _NSL_SINGLE,
    "uk:nsl_single": _NSL_SINGLE,
    "gb:nsl_dual": _NSL_DUAL,
    "uk:nsl_dual": _NSL_DUAL,
    "gb:motorway": _NSL_DUAL,
    "uk:motorway": _NSL_DUAL,
}
_RESTRICTED_VALUES = {"gb:nsl_restricted", "uk:nsl_restricted", "gb:restricted", "uk:restricted"}
_NUMBER_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|kmph)?\s*$")

# OSM way filters: the rules of osmnx's network_type filters (osmnx._overpass._get_network_filter, osmnx 2.x),
# expressed as (tag, regex that must NOT be found in its value). Like Overpass's `!~`, a regex is searched, not
# anchored, and a way without the tag passes.
_EXCLUDE_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "drive": (
        ("area", "yes"),
        ("access", "private"),
        (
            "highway",
            "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|footway|no|path|"
            "pedestrian|planned|platform|proposed|raceway|razed|rest_area|service|services|steps|track",
        ),
        ("motor_vehicle", "no"),
        ("motorcar", "no"),
        ("service", "alley|driveway|emergency_access|parking|parking_aisle|private"),
    ),
    "walk": (
        ("area", "yes"),
        ("access", "private"),
        (
            "highway",
            "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|raceway|razed|"
            "rest_area|services",
        ),
        ("foot", "no"),
        ("service", "private"),
        ("sidewalk", "separate"),
        ("sidewalk:both", "separate"),
        ("sidewalk:left", "separate"),
        ("sidewalk:right", "separate"),
    ),
}
_COMPILED_RULES = {m: tuple((k, re.compile(r)) for k, r in rules) for m, rules in _EXCLUDE_RULES.items()}
#: Way tags the filters and speeds need, added to osmnx's ``useful_tags_way`` while reading.
_FILTER_TAGS = sorted({k for rules in _EXCLUDE_RULES.values() for k, _ in rules} | {"maxspeed", "oneway", "junction"})
_EXTRA_EDGE_TAGS = (
    "motor_vehicle",
    "motorcar",
    "foot",
    "sidewalk",
    "sidewalk:both",
    "sidewalk:left",
    "sidewalk:right",
)

_GRAPH_INFO_KEY = "hubopt_network_info"


# --------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------


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
        A graph returned by :func:`load_network` (or :func:`add_travel_times`).

    Returns
    -------
    NetworkInfo
    """
    info = graph.graph.get(_GRAPH_INFO_KEY)
    if not isinstance(info, NetworkInfo):
        raise ValueError("this graph was not prepared by hubopt.travel.network.load_network")
    return info


# --------------------------------------------------------------------------------------------------------------
# Tags: filters and speeds
# --------------------------------------------------------------------------------------------------------------


def way_allowed(tags: Mapping[str, Any], mode: str) -> bool:
    """Whether an OSM way belongs to the ``mode`` network (osmnx's ``network_type`` rules).

    Parameters
    ----------
    tags : Mapping
        The way's tags (or a graph edge's attributes). A value may be a list (a simplified edge): the way is kept
        when any of its values passes.
    mode : {"drive", "walk"}

    Returns
    -------
    bool
    """
    highway = tags.get("highway")
    if highway is None or highway == "" or (isinstance(highway, float) and math.isnan(highway)):
        return False
    for key, rx in _COMPILED_RULES[_check_mode(mode)]:
        value = tags.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        values = value if isinstance(value, list | tuple) else [value]
        if all(rx.search(str(v)) for v in values):
            return False
    return True


def _split_values(value: Any) -> list[str]:
    if isinstance(value, list | tuple | set):
        out: list[str] = []
        for v in value:
            out.extend(_split_values(v))
        return out
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):  # a list saved as text in GraphML
        text = text[1:-1]
    return [p.strip().strip("'\"").strip() for p in re.split(r"[;|,]", text) if p.strip().strip("'\"").strip()]


def _highway_values(highway: Any) -> list[str]:
    if highway is None or (isinstance(highway, float) and math.isnan(highway)):
        return []
    return _split_values(highway)


def _national_limit(highway: Any) -> float:
    return _NSL_DUAL if any(h.startswith("motorway") for h in _highway_values(highway)) else _NSL_SINGLE


def parse_maxspeed(value: Any, highway: Any = None) -> tuple[float | None, bool]:
    """Read an OSM ``maxspeed`` tag as km/h.

    Parameters
    ----------
    value : str, number, list or None
        The tag: ``"30 mph"``, ``"50"`` (km/h), ``"48 km/h"``, ``"national"``, ``"GB:nsl_single"``, a list or a
        ``;``-separated list (the mean of the values it can read).
    highway : str or list, optional
        The road type, to resolve a bare ``"national"`` (70 mph on motorways, otherwise 60 mph).

    Returns
    -------
    speed_kph : float or None
        The limit in km/h, or None when the tag is absent or unreadable.
    national : bool
        Whether the value was (only) the national speed limit.

    Examples
    --------
    >>> parse_maxspeed("30 mph")
    (48.28032, False)
    >>> parse_maxspeed("national", "primary")[1]
    True
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (float(value), False) if 0 < float(value) < 200 else (None, False)
    parts = _split_values(value)
    speeds: list[float] = []
    national = []
    for part in parts:
        s = part.lower()
        m = _NUMBER_RE.match(s)
        if m:
            v = float(m.group(1)) * (MPH_TO_KPH if m.group(2) == "mph" else 1.0)
            if 0 < v < 200:
                speeds.append(v)
                national.append(False)
        elif s in _NATIONAL_VALUES:
            limit = _NATIONAL_VALUES[s]
            speeds.append(limit if limit is not None else _national_limit(highway))
            national.append(True)
        elif s in _RESTRICTED_VALUES:
            speeds.append(_NSL_RESTRICTED)
            national.append(False)
    if not speeds:
        return None, False
    return sum(speeds) / len(speeds), all(national)


def _default_speed(highway: Any, speeds: Mapping[str, float]) -> float:
    values = [float(speeds[h]) for h in _highway_values(highway) if h in speeds]
    return sum(values) / len(values) if values else FALLBACK_SPEED_KPH


def edge_speed_kph(attrs: Mapping[str, Any], speeds: Mapping[str, float]) -> tuple[float, bool]:
    """Drive speed of one edge and whether it came from its ``maxspeed`` tag.

    Parameters
    ----------
    attrs : Mapping
        The edge's attributes (``highway``, ``maxspeed``).
    speeds : Mapping[str, float]
        Default speed by road type, km/h.

    Returns
    -------
    speed_kph : float
    from_tag : bool
    """
    default = _default_speed(attrs.get("highway"), speeds)
    limit, national = parse_maxspeed(attrs.get("maxspeed"), attrs.get("highway"))
    if limit is None:
        return default, False
    if national:
        return min(limit, default), True
    return limit, True


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InputError(
            f"unknown network mode {mode!r}",
            hint=f"use one of: {', '.join(MODES)} (public transport times come from a supplied matrix)",
            setting="mode",
        )
    return mode


def add_travel_times(
    graph: nx.MultiDiGraph,
    *,
    mode: str,
    speeds_kph: Mapping[str, float] | None = None,
    walk_speed_kph: float = DEFAULT_WALK_SPEED_KPH,
) -> tuple[dict[str, float], float]:
    """Set ``speed_kph`` and ``travel_time`` (seconds) on every edge, in place.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Edges must have ``length`` in metres.
    mode : {"drive", "walk"}
    speeds_kph : Mapping[str, float], optional
        Overrides of :data:`DEFAULT_SPEEDS_KPH` (drive), by road type.
    walk_speed_kph : float
        Walking speed (walk mode).

    Returns
    -------
    speeds : dict
        The default speeds used (drive) or ``{"walk": walk_speed_kph}``.
    share_with_maxspeed : float
        Share of edges whose speed came from a ``maxspeed`` tag.
    """
    _check_mode(mode)
    if not walk_speed_kph > 0:
        raise InputError(f"the walking speed must be above 0 km/h, not {walk_speed_kph!r}", setting="walk_speed_kph")
    speeds = {**DEFAULT_SPEEDS_KPH, **dict(speeds_kph or {})}
    bad = {k: v for k, v in speeds.items() if not (isinstance(v, int | float) and v > 0)}
    if bad:
        raise InputError(f"road speeds must be numbers above 0 km/h: {bad}", setting="speeds_kph")
    tagged = 0
    n = 0
    for _, _, data in graph.edges(data=True):
        n += 1
        if mode == "walk":
            kph = walk_speed_kph
        else:
            kph, from_tag = edge_speed_kph(data, speeds)
            tagged += from_tag
        length = float(data.get("length", 0.0))
        data["speed_kph"] = float(kph)
        data["travel_time"] = length / (kph / 3.6)
    used = {"walk": float(walk_speed_kph)} if mode == "walk" else {k: float(v) for k, v in speeds.items()}
    return used, (tagged / n if n else 0.0)


# --------------------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _extra_way_tags() -> Iterator[None]:
    import osmnx as ox

    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *_FILTER_TAGS]))
    try:
        yield
    finally:
        ox.settings.useful_tags_way = saved


def _file_kind(p: Path) -> str:
    name = p.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return "osm_pbf"
    if name.endswith((".osm", ".xml", ".osm.bz2", ".osm.gz")):
        return "osm_xml"
    if name.endswith(".graphml"):
        return "graphml"
    return "unknown"


_WHAT_TO_DO = (
    "give an OpenStreetMap extract of the study area (.osm.pbf, e.g. the county extract from Geofabrik, or .osm "
    "XML), or a GraphML file saved by `hubopt fetch network`"
)


def _sniff(p: Path) -> str:
    with p.open("rb") as fh:
        head = fh.read(512)
    if not head.strip():
        return "empty"
    if b"OSMHeader" in head[:64]:
        return "osm_pbf"
    if head.startswith((b"BZh", b"\x1f\x8b")):
        return "compressed"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "graphml" if b"<graphml" in head.lower() else "osm_xml" if b"<osm" in head.lower() else "xml"
    return "other"


def _pbf_to_osm_xml(pbf: Path, out: Path, mode: str) -> int:
    """Write the ``mode`` ways of a PBF extract, with their nodes, as OSM XML; returns the number of ways."""
    try:
        import osmium
    except ImportError:  # pragma: no cover - osmium is a dependency
        raise InputError(
            "reading OSM PBF files needs the 'osmium' package (pyosmium)",
            path=pbf,
            hint="pip install osmium, or convert the extract to .osm XML (e.g. with osmium-tool)",
        ) from None
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    locations: dict[int, tuple[float, float]] = {}
    processor = (
        osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        tags = {t.k: t.v for t in way.tags}
        if not way_allowed(tags, mode):
            continue
        refs = []
        for n in way.nodes:
            loc = n.location
            if not loc.valid():  # node missing from a clipped extract: the way is cut there
                continue
            refs.append(n.ref)
            locations[n.ref] = (loc.lon, loc.lat)
        if len(refs) >= 2:
            ways.append((way.id, refs, tags))
    with out.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="hubopt">\n')
        for ref, (lon, lat) in locations.items():
            fh.write(f'<node id="{ref}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for way_id, refs, tags in ways:
            fh.write(f'<way id="{way_id}">')
            fh.write("".join(f'<nd ref="{r}"/>' for r in refs))
            fh.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()))
            fh.write("</way>\n")
        fh.write("</osm>\n")
    return len(ways)


def _graph_from_osm_xml(path: Path, mode: str) -> nx.MultiDiGraph:
    import osmnx as ox

    with _extra_way_tags():
        try:
            return ox.graph_from_xml(path, bidirectional=mode == "walk", simplify=False, retain_all=True)
        except Exception as exc:  # xml.sax errors, osmnx's InsufficientResponseError, ...
            raise InputError(
                f"the file could not be read as OpenStreetMap XML ({type(exc).__name__}: {str(exc)[:200]})",
                path=path,
                hint=_WHAT_TO_DO,
            ) from None


def _read_graph(p: Path, mode: str) -> tuple[nx.MultiDiGraph, str]:
    """The raw graph in a file (any CRS, not yet filtered) and its format."""
    import osmnx as ox

    kind = _file_kind(p)
    sniffed = _sniff(p)
    if sniffed == "empty":
        raise InputError("the network file is empty", path=p, hint=_WHAT_TO_DO)
    if kind == "osm_pbf" or sniffed == "osm_pbf":
        if sniffed != "osm_pbf":
            raise InputError("the file is not an OpenStreetMap PBF file", path=p, hint=_WHAT_TO_DO)
        with tempfile.TemporaryDirectory(prefix="hubopt_osm_") as tmp:
            xml = Path(tmp) / "ways.osm"
            try:
                n_ways = _pbf_to_osm_xml(p, xml, mode)
            except RuntimeError as exc:
                raise InputError(f"the OpenStreetMap PBF file could not be read ({exc})", path=p) from None
            if n_ways == 0:
                raise InputError(
                    f"the OpenStreetMap file holds no ways usable for the {mode} network",
                    path=p,
                    hint=_WHAT_TO_DO,
                )
            return _graph_from_osm_xml(xml, mode), "osm_pbf"
    if sniffed == "graphml" or (kind == "graphml" and sniffed in ("xml", "graphml")):
        try:
            return ox.load_graphml(p), "graphml"
        except Exception as exc:
            raise InputError(
                f"the GraphML file could not be read as a network ({type(exc).__name__}: {str(exc)[:200]})",
                path=p,
                hint="save networks with `hubopt fetch network` or osmnx.save_graphml; " + _WHAT_TO_DO,
            ) from None
    if (sniffed in ("osm_xml", "xml") and kind != "graphml") or (sniffed == "compressed" and kind == "osm_xml"):
        return _graph_from_osm_xml(p, mode), "osm_xml"
    raise InputError(
        "the file is not an OpenStreetMap extract (.osm.pbf or .osm XML) or a GraphML network",
        path=p,
        hint=_WHAT_TO_DO,
    )


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
            f"the network holds no ways usable for the {mode} network", path=path or source, hint=_WHAT_TO_DO
        )
    for _, _, d in graph.edges(data=True):
        for tag in _EXTRA_EDGE_TAGS:
            d.pop(tag, None)
    crs = graph.graph.get("crs")
    if crs is None:
        raise InputError("the network has no coordinate reference system ('crs')", path=path, hint=_WHAT_TO_DO)
    if any("length" not in d for _, _, d in graph.edges(data=True)):
        if not _is_lonlat(crs):
            raise InputError("network edges have no 'length'", path=path, hint=_WHAT_TO_DO)
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
        or ``.graphml`` (osmnx ``load_graphml``, e.g. saved by :func:`download_network`). The format is checked
        from the content, not only the name.
    mode : {"drive", "walk"}
        Which ways to keep (osmnx's network_type rules) and how to time them.
    speeds_kph : Mapping[str, float], optional
        Overrides of the default drive speeds by road type (:data:`DEFAULT_SPEEDS_KPH`), km/h.
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
    _check_mode(mode)
    p = Path(path)
    if not p.exists():
        raise InputError(
            "the network file does not exist",
            path=p,
            hint="check the path, or run `hubopt fetch network SCENARIO` to download the network; " + _WHAT_TO_DO,
        )
    if not p.is_file():
        raise InputError("the network file is a folder, not a file", path=p, hint=_WHAT_TO_DO)
    graph, fmt = _read_graph(p, mode)
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
    _check_mode(mode)
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


# --------------------------------------------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------------------------------------------


def _polygon_key(polygon_bng: BaseGeometry, mode: str, buffer_m: float) -> str:
    payload = json.dumps({"wkb": polygon_bng.wkb_hex, "mode": mode, "buffer_m": float(buffer_m)}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def download_network(
    polygon_bng: BaseGeometry,
    *,
    mode: str = "drive",
    buffer_m: float = 2000.0,
    cache_dir: str | Path,
    out_path: str | Path | None = None,
) -> nx.MultiDiGraph:
    """Download the OpenStreetMap network of the study area through osmnx and save it as GraphML.

    Only call this when the user asks for a download (``hubopt fetch network``): it queries the Overpass API.
    osmnx's own HTTP cache (``cache_dir/osmnx``) makes a repeated download of the same area free.

    Parameters
    ----------
    polygon_bng : shapely geometry
        The study boundary in British National Grid (EPSG:27700).
    mode : {"drive", "walk"}
        osmnx ``network_type``.
    buffer_m : float
        Buffer around the boundary, metres (trips near the edge may use roads just outside it).
    cache_dir : str or Path
        Folder for osmnx's HTTP cache and, by default, the GraphML file.
    out_path : str or Path, optional
        Where to save the GraphML (default ``cache_dir/network_{mode}_{hash}.graphml``).

    Returns
    -------
    networkx.MultiDiGraph
        The raw osmnx graph (WGS84, unsimplified, as saved); pass the saved file to :func:`load_network` to get
        speeds and the connected network.

    Raises
    ------
    InputError
        The boundary is empty, or the download failed (no internet, Overpass unavailable, nothing found).
    """
    import osmnx as ox
    import requests
    import shapely
    from pyproj import Transformer

    _check_mode(mode)
    if polygon_bng is None or polygon_bng.is_empty:
        raise InputError("the study boundary is empty, so there is no area to download a network for")
    if not buffer_m >= 0:
        raise InputError(f"the network buffer must be 0 m or more, not {buffer_m!r}")
    x0, y0, x1, y1 = polygon_bng.bounds
    if not (x0 >= -1e5 and x1 <= 8e5 and y0 >= -1e5 and y1 <= 1.4e6) or (x1 - x0) < 1.0:
        raise InputError(
            "the study boundary does not look like British National Grid metres "
            f"(bounds {x0:.2f}, {y0:.2f}, {x1:.2f}, {y1:.2f})",
            hint="reproject the boundary to EPSG:27700 first",
        )
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    area = polygon_bng.buffer(buffer_m) if buffer_m > 0 else polygon_bng
    to_wgs84 = Transformer.from_crs(CRS_BNG, "EPSG:4326", always_xy=True)
    area_wgs84 = shapely.transform(area, lambda c: np.column_stack(to_wgs84.transform(c[:, 0], c[:, 1])))
    saved = (ox.settings.use_cache, ox.settings.cache_folder)
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(cache / "osmnx")
    try:
        with _extra_way_tags():
            graph = ox.graph_from_polygon(
                area_wgs84, network_type=mode, simplify=False, retain_all=True, truncate_by_edge=True
            )
    except (requests.exceptions.RequestException, OSError) as exc:
        raise InputError(
            f"could not download the {mode} network from OpenStreetMap ({type(exc).__name__}: {str(exc)[:200]})",
            hint="check the internet connection and try again later; or download an OpenStreetMap extract "
            "(.osm.pbf, e.g. the county extract from Geofabrik) and name it in the scenario as the network file",
        ) from None
    except ox._errors.InsufficientResponseError as exc:
        raise InputError(
            f"OpenStreetMap returned no {mode} network for the study area ({exc})",
            hint="check that the study boundary is the right place (British National Grid coordinates)",
        ) from None
    finally:
        ox.settings.use_cache, ox.settings.cache_folder = saved
    out = Path(out_path) if out_path is not None else cache / f"network_{mode}_{_polygon_key(area, mode, 0)}.graphml"
    with atomic_path(out) as tmp:  # unique per process: two downloads never write the same temporary file
        ox.save_graphml(graph, tmp)
    graph.graph["hubopt_graphml_path"] = str(out)
    return graph


# --------------------------------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------------------------------


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
        raise InputError("the network has no nodes", hint=_WHAT_TO_DO)
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
