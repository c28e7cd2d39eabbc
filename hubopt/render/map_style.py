"""The look of the maps, shared by the interactive and the static map: layer names, credits, colours, the site
symbols (:func:`site_style`) and the travel-time classes (:func:`time_band_labels`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from hubopt.errors import InputError
from hubopt.render.map_text import _normalise_value, _num

__all__ = [
    "ACUTE_HOSPITAL_COLOUR",
    "BNG",
    "CANDIDATE_COLOUR",
    "CATCHMENT_BOUNDARY_COLOUR",
    "CATCHMENT_COLOURS",
    "CATCHMENT_PATTERNS",
    "COMMUNITY_HOSPITAL_COLOUR",
    "COORD_DECIMALS",
    "DEFAULT_ATTRIBUTION",
    "DISTRICT_COLOUR",
    "GP_PRACTICE_COLOUR",
    "GROWTH_COLOURS",
    "GROWTH_EDGES",
    "GROWTH_LABELS",
    "GROWTH_NO_CHANGE",
    "HOUSING_COLOUR",
    "HOUSING_MAX_SIZE",
    "HOUSING_MIN_SIZE",
    "HUB_COLOUR",
    "IMD_COLOURS",
    "ISOCHRONE_COLOURS",
    "ISOCHRONE_FILL_OPACITY",
    "ISOCHRONE_OUTLINE_COLOUR",
    "LAYER_CATCHMENTS",
    "LAYER_CLUSTERS",
    "LAYER_DEPRIVATION",
    "LAYER_DISTRICTS",
    "LAYER_GROWTH",
    "LAYER_HOUSING",
    "LAYER_PLANNED_BEDS",
    "LAYER_STREET_MAP",
    "LAYER_TRAVEL_TIME",
    "MUST_OPEN_COLOUR",
    "MUST_OPEN_LABEL",
    "NO_DATA_COLOUR",
    "NO_HUB_COLOUR",
    "NO_HUB_LABEL",
    "OSM_ATTRIBUTION",
    "OTHER_SITE_COLOUR",
    "SIMPLIFY_TOLERANCE_M",
    "SITE_OUTLINE_COLOUR",
    "SITE_STATUSES",
    "SITE_TYPES",
    "TILE_URL",
    "TRAVEL_TIME_COLOURS",
    "UNAVAILABLE_COLOUR",
    "UNAVAILABLE_OUTLINE_COLOUR",
    "WGS84",
    "ZONE_FILL_OPACITY",
    "ZONE_OUTLINE_COLOUR",
    "site_style",
    "time_band_colours",
    "time_band_labels",
]

# --------------------------------------------------------------------------------------------------------------------
# Constants: texts, layer names, colours
# --------------------------------------------------------------------------------------------------------------------

DEFAULT_ATTRIBUTION = (
    "Contains NHS and ONS data © Crown copyright and database right; "
    "Contains OS data © Crown copyright and database right"
)
"""Data credits shown on every map unless the caller passes its own."""

OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
"""Credit for the background map tiles (HTML, fixed text)."""

TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

LAYER_TRAVEL_TIME = "Travel time to hub"
LAYER_CATCHMENTS = "Catchments"
LAYER_DEPRIVATION = "Deprivation (IMD decile)"
LAYER_DISTRICTS = "District boundaries"
LAYER_STREET_MAP = "Street map (OpenStreetMap)"
LAYER_GROWTH = "Population growth"
LAYER_PLANNED_BEDS = "Community beds (planned)"
LAYER_HOUSING = "New housing sites"
LAYER_CLUSTERS = "Clusters (Primary Care Networks)"

NO_HUB_LABEL = "No hub reachable"

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
SIMPLIFY_TOLERANCE_M = 20.0
"""Zone and boundary outlines are simplified to this tolerance (metres, British National Grid) before drawing."""
COORD_DECIMALS = 5
"""Longitude/latitude are rounded to this many decimals (about 1 m)."""

#: ColorBrewer YlOrRd (9 classes, colour-blind safe): short travel times pale yellow, long ones dark red.
TRAVEL_TIME_COLOURS: tuple[str, ...] = (
    "#ffffcc",
    "#ffeda0",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)
#: Zones that no hub can reach (travel time infinite or missing), and zones that no hub serves.
NO_HUB_COLOUR = "#8c8c8c"
#: Catchment colours: Paul Tol's "muted" qualitative scheme (colour-blind safe) for the first nine hubs, then
#: eleven more of Kelly's colours of maximum contrast (none grey, which marks areas with no hub): twenty in all.
CATCHMENT_COLOURS: tuple[str, ...] = (
    "#332288",
    "#88ccee",
    "#44aa99",
    "#117733",
    "#999933",
    "#ddcc77",
    "#cc6677",
    "#882255",
    "#aa4499",
    "#f38400",
    "#be0032",
    "#0067a5",
    "#8db600",
    "#e68fac",
    "#654522",
    "#17becf",
    "#f3c300",
    "#c5b0d5",
    "#2b3d26",
    "#b15928",
)
#: Fill patterns that multiply the colours: hub 21 has the first colour with stripes, hub 41 with a cross-hatch...
#: so that every hub up to ``len(CATCHMENT_COLOURS) * len(CATCHMENT_PATTERNS)`` (80) has a style of its own.
CATCHMENT_PATTERNS: tuple[str, ...] = ("solid", "stripes", "crosshatch", "dots")
#: Viridis in 10 steps for IMD deciles: decile 1 (most deprived 10 % in England) darkest, decile 10 yellow.
IMD_COLOURS: tuple[str, ...] = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)
#: Population growth in per cent: class edges (a class holds its lower edge), labels and colours. ColorBrewer PRGn
#: (colour-blind safe): purple where the population falls, greens getting darker as it grows faster.
#: A change that shows as 0.0% has a class of its own ("No change"), so no class range holds only a flat population.
GROWTH_EDGES: tuple[float, ...] = (0.0, 5.0, 10.0, 20.0)
GROWTH_LABELS: tuple[str, ...] = (
    "Falling (below 0%)",
    "No change (0%)",
    "Up by less than 5%",
    "Up 5% to 10%",
    "Up 10% to 20%",
    "Up 20% or more",
)
GROWTH_COLOURS: tuple[str, ...] = ("#9970ab", "#f7f7f7", "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837")
GROWTH_NO_CHANGE = 1
"""Index of the "No change" class in :data:`GROWTH_LABELS`."""
#: Drive-time bands (ColorBrewer Blues, light): the shortest band darkest, drawn on top of the longer ones.
ISOCHRONE_COLOURS: tuple[str, ...] = ("#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7", "#f7fbff")
ISOCHRONE_OUTLINE_COLOUR = "#08519c"
ISOCHRONE_FILL_OPACITY = 0.35
#: New housing sites: Okabe-Ito orange houses with a dark outline, sized by the number of dwellings.
HOUSING_COLOUR = "#e69f00"
HOUSING_MIN_SIZE, HOUSING_MAX_SIZE = 11, 26
NO_DATA_COLOUR = "#d9d9d9"
DISTRICT_COLOUR = "#2b2b2b"
#: Outlines and names of the clusters (Primary Care Networks): Okabe-Ito reddish purple.
CLUSTER_COLOUR = "#cc79a7"
CATCHMENT_BOUNDARY_COLOUR = "#000000"
ZONE_OUTLINE_COLOUR = "#ffffff"
ZONE_FILL_OPACITY = 0.65

# Site symbols (Okabe-Ito colours where a hue is used; shapes differ too, so colour is never the only cue).
HUB_COLOUR = "#1a1a1a"
ACUTE_HOSPITAL_COLOUR = "#0072b2"
COMMUNITY_HOSPITAL_COLOUR = "#009e73"
GP_PRACTICE_COLOUR = "#ffffff"
CANDIDATE_COLOUR = "#cc79a7"
OTHER_SITE_COLOUR = "#56b4e9"
SITE_OUTLINE_COLOUR = "#1a1a1a"
UNAVAILABLE_COLOUR = "#b3b3b3"
UNAVAILABLE_OUTLINE_COLOUR = "#6b6b6b"
#: Another area's service at the border (status ``external``): serves its nearest zones, not one of the hubs.
EXTERNAL_SITE_COLOUR = "#7b3294"
#: Ring drawn around a site the scenario requires to open (Okabe-Ito vermillion), so that it is never mistaken for
#: one of the model's free choices.
MUST_OPEN_COLOUR = "#d55e00"
MUST_OPEN_LABEL = "Must open: required by the scenario, not chosen by the model (ring)"

SITE_TYPES: tuple[str, ...] = (
    "gp_practice",
    "community_hospital",
    "acute_hospital",
    "community_site",
    "new_build",
    "other",
)
SITE_STATUSES: tuple[str, ...] = ("existing", "committed", "candidate", "must-keep", "unavailable", "external")

_TYPE_LABELS = {
    "gp_practice": "GP practice",
    "community_hospital": "Community hospital",
    "acute_hospital": "Acute hospital",
    "community_site": "Community site",
    "new_build": "Proposed new building",
    "other": "Other site",
}
_STATUS_LABELS = {
    "existing": "Existing site",
    "committed": "Committed (planned and funded)",
    "candidate": "Candidate (considered for a hub)",
    "must-keep": "Must be kept",
    "unavailable": "Not available for a hub",
    "external": "Another area's service (border)",
}

# One entry per kind of symbol, in the order of the key and of the layer list. "size" is the symbol's width in
# screen pixels; "mpl_marker" is the matplotlib marker of the same shape (for a static map).
_SYMBOLS: dict[str, dict[str, Any]] = {
    "hub": {
        "group": "Chosen hubs",
        "label": "Chosen hub (number as in the list of hubs)",
        "shape": "star",
        "fill": HUB_COLOUR,
        "stroke": "#ffffff",
        "glyph": "",
        "glyph_colour": "#ffffff",
        "size": 36,
        "mpl_marker": "*",
        "zorder": 10,
    },
    "external": {
        "group": "Border services (other areas')",
        "label": "Another area's service at the border: serves its nearest zones, not one of the hubs",
        "shape": "diamond",
        "fill": EXTERNAL_SITE_COLOUR,
        "stroke": "#ffffff",
        "glyph": "B",
        "glyph_colour": "#ffffff",
        "size": 24,
        "mpl_marker": "D",
        "zorder": 9,
    },
    "acute_hospital": {
        "group": "Acute hospitals",
        "label": "Acute hospital",
        "shape": "square",
        "fill": ACUTE_HOSPITAL_COLOUR,
        "stroke": "#ffffff",
        "glyph": "H",
        "glyph_colour": "#ffffff",
        "size": 20,
        "mpl_marker": "s",
        "zorder": 8,
    },
    "community_hospital": {
        "group": "Community hospitals",
        "label": "Community hospital",
        "shape": "square",
        "fill": COMMUNITY_HOSPITAL_COLOUR,
        "stroke": "#ffffff",
        "glyph": "C",
        "glyph_colour": "#ffffff",
        "size": 17,
        "mpl_marker": "s",
        "zorder": 7,
    },
    "gp_practice": {
        "group": "GP practices",
        "label": "GP practice",
        "shape": "circle",
        "fill": GP_PRACTICE_COLOUR,
        "stroke": SITE_OUTLINE_COLOUR,
        "glyph": "",
        "glyph_colour": SITE_OUTLINE_COLOUR,
        "size": 9,
        "mpl_marker": "o",
        "zorder": 5,
    },
    "candidate": {
        "group": "Candidate and new-build sites",
        "label": "Candidate or new-build site (not chosen)",
        "shape": "triangle",
        "fill": CANDIDATE_COLOUR,
        "stroke": SITE_OUTLINE_COLOUR,
        "glyph": "",
        "glyph_colour": SITE_OUTLINE_COLOUR,
        "size": 16,
        "mpl_marker": "^",
        "zorder": 6,
    },
    "other": {
        "group": "Other community sites",
        "label": "Other community site",
        "shape": "diamond",
        "fill": OTHER_SITE_COLOUR,
        "stroke": SITE_OUTLINE_COLOUR,
        "glyph": "",
        "glyph_colour": SITE_OUTLINE_COLOUR,
        "size": 14,
        "mpl_marker": "D",
        "zorder": 4,
    },
}
_UNAVAILABLE_GROUP = "Unavailable sites"
_UNAVAILABLE_LABEL = "Site not available for a hub (grey; the shape shows its type)"
_SITE_GROUP_ORDER = (
    "hub",
    "external",
    "acute_hospital",
    "community_hospital",
    "gp_practice",
    "candidate",
    "other",
    "unavailable",
)
_FONT = "Arial, Helvetica, sans-serif"

# --------------------------------------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------------------------------------


def site_style(type: str, status: str, chosen: bool) -> dict[str, Any]:
    """Symbol of one site on the map, so that a static map can draw the same symbols.

    Parameters
    ----------
    type : str
        Site type: one of :data:`SITE_TYPES`.
    status : str
        Site status: one of :data:`SITE_STATUSES`.
    chosen : bool
        True when the site was picked as a hub.

    Returns
    -------
    dict
        A fresh dict with keys ``kind`` (symbol key), ``group`` (layer name), ``label`` (text of the key),
        ``shape`` (``"star"``, ``"square"``, ``"circle"``, ``"triangle"`` or ``"diamond"``), ``fill``, ``stroke``,
        ``glyph`` (letter drawn inside, may be empty), ``glyph_colour``, ``size`` (pixels), ``mpl_marker``
        (matplotlib marker of the same shape), ``zorder`` and ``greyed`` (True for unavailable sites).

    Raises
    ------
    InputError
        If the type or status is not a known value, or an unavailable site is marked as chosen.

    Notes
    -----
    Chosen hubs are stars whatever their type. Unavailable sites keep the shape of their type, in grey. Otherwise
    the type decides: acute and community hospitals are squares ("H" and "C"), GP practices small white circles,
    new-build sites and candidate community/other sites triangles, other community sites diamonds. A candidate GP
    practice or hospital keeps its type's symbol (its popup says that it was a candidate).
    """
    site_type = _normalise_value(type, SITE_TYPES, "type")
    site_status = _normalise_value(status, SITE_STATUSES, "status")
    if chosen and site_status == "unavailable":
        raise InputError(
            "a site is marked as chosen (a hub) but its status is 'unavailable'",
            column="chosen",
            hint="check the solution and the site register: an unavailable site cannot be a hub",
        )
    if site_status == "external":
        kind = "external"  # another area's service: never one of the hubs, whether or not it serves zones
    elif chosen:
        kind = "hub"
    elif site_type in ("acute_hospital", "community_hospital", "gp_practice"):
        kind = site_type
    elif site_type == "new_build" or site_status == "candidate":
        kind = "candidate"
    else:
        kind = "other"
    style = dict(_SYMBOLS[kind], kind=kind, greyed=False)
    if site_status == "unavailable":
        style.update(
            kind=f"unavailable_{kind}",
            group=_UNAVAILABLE_GROUP,
            label=_UNAVAILABLE_LABEL,
            fill=UNAVAILABLE_COLOUR,
            stroke=UNAVAILABLE_OUTLINE_COLOUR,
            glyph_colour="#ffffff",
            zorder=1,
            greyed=True,
        )
    return style


def time_band_labels(time_bands: Sequence[float]) -> list[str]:
    """Plain-English labels of the travel-time classes, in minutes.

    Parameters
    ----------
    time_bands : sequence of float
        Class edges in minutes, increasing, at least two; the first is the lower edge (normally 0) and the last
        opens the top class.

    Returns
    -------
    list of str
        One label per class, e.g. ``["Under 10 minutes", "10 to 15 minutes", ..., "45 minutes or more"]`` for
        ``(0, 10, 15, 20, 30, 45)``. A class holds its lower edge: 10.0 minutes is in "10 to 15 minutes".
    """
    bands = _check_time_bands(time_bands)
    labels = [f"Under {_num(bands[1])} minutes"]
    labels += [f"{_num(lo)} to {_num(hi)} minutes" for lo, hi in itertools.pairwise(bands[1:])]
    labels.append(f"{_num(bands[-1])} minutes or more")
    return labels


def time_band_colours(time_bands: Sequence[float]) -> list[str]:
    """Colours of the travel-time classes (pale = short, dark red = long), one per label of :func:`time_band_labels`.

    Parameters
    ----------
    time_bands : sequence of float
        Class edges in minutes, as for :func:`time_band_labels`.

    Returns
    -------
    list of str
        Hex colours sampled from :data:`TRAVEL_TIME_COLOURS`.
    """
    n = len(_check_time_bands(time_bands))
    return [_sample_palette(TRAVEL_TIME_COLOURS, 0.1 + 0.9 * i / (n - 1)) for i in range(n)]


def _check_time_bands(time_bands: Sequence[float]) -> list[float]:
    try:
        bands = [float(b) for b in time_bands]
    except (TypeError, ValueError):
        raise InputError("time_bands must be numbers of minutes", column="time_bands") from None
    if len(bands) < 2:
        raise InputError("time_bands needs at least two edges, e.g. (0, 15, 30)", column="time_bands")
    if not all(math.isfinite(b) and b >= 0 for b in bands):
        raise InputError("time_bands must be finite and not negative", column="time_bands")
    if any(hi <= lo for lo, hi in itertools.pairwise(bands)):
        raise InputError("time_bands must increase, e.g. (0, 10, 15, 20, 30, 45)", column="time_bands")
    return bands


def _sample_palette(palette: Sequence[str], t: float) -> str:
    """Colour at position ``t`` (0..1) along a palette, interpolated in RGB."""
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette], dtype=float)
    pos = min(max(t, 0.0), 1.0) * (len(palette) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(palette) - 1)
    mixed = rgb[lo] + (rgb[hi] - rgb[lo]) * (pos - lo)
    return "#" + "".join(f"{round(v):02x}" for v in mixed)
