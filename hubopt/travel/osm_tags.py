"""Which OpenStreetMap ways a network keeps, and how fast each is travelled.

Which ways are kept follows osmnx's ``network_type`` filters ("drive": public drivable roads without service
roads; "walk": public walkable ways), applied in Python with the same rules, so a PBF extract and a download of
the same area give the same network (:func:`way_allowed`).

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

"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import networkx as nx

from hubopt.errors import InputError

__all__ = [
    "DEFAULT_SPEEDS_KPH",
    "DEFAULT_WALK_SPEED_KPH",
    "FALLBACK_SPEED_KPH",
    "MODES",
    "add_travel_times",
    "check_mode",
    "edge_speed_kph",
    "parse_maxspeed",
    "way_allowed",
]


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
FILTER_TAGS = sorted({k for rules in _EXCLUDE_RULES.values() for k, _ in rules} | {"maxspeed", "oneway", "junction"})
EXTRA_EDGE_TAGS = (
    "motor_vehicle",
    "motorcar",
    "foot",
    "sidewalk",
    "sidewalk:both",
    "sidewalk:left",
    "sidewalk:right",
)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InputError(
            f"unknown network mode {mode!r}",
            hint=f"use one of: {', '.join(MODES)} (public transport times come from a supplied matrix)",
            parameter="mode",
        )
    return mode


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
    for key, rx in _COMPILED_RULES[check_mode(mode)]:
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
    check_mode(mode)
    if not walk_speed_kph > 0:
        raise InputError(
            f"the walking speed must be above 0 km/h, not {walk_speed_kph!r}", parameter="walk_speed_kph"
        )
    speeds = {**DEFAULT_SPEEDS_KPH, **dict(speeds_kph or {})}
    bad = {k: v for k, v in speeds.items() if not (isinstance(v, int | float) and v > 0)}
    if bad:
        raise InputError(f"road speeds must be numbers above 0 km/h: {bad}", parameter="speeds_kph")
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
