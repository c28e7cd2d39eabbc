"""One self-contained interactive HTML map of a hub-location result (Leaflet, drawn with folium).

The map is meant for public-consultation documents, so it is built to be read by anyone:

* the small areas (zones) are shaded by **travel time to their hub** in stepped classes; two more views colour the
  same areas by **catchment** (which hub serves them) and by **deprivation** (IMD decile). The three views are
  radio buttons in the layer list, so exactly one colouring shows at a time, and the key follows the choice;
* every site has a symbol that differs in shape *and* colour (chosen hubs are large numbered stars, unavailable
  sites are grey), one switchable layer per kind of site, and a key that explains every symbol;
* a title box with the plain-English caption, popups and tooltips with the facts, a scale bar and data credits;
* district boundaries (with their names) and the zone polygons are drawn by the map itself, so the geography stays
  readable when the background map tiles do not load (no internet, blocked tile server).

Every text that comes from the user (names, codes, title, caption, attribution) is HTML-escaped before it reaches
the page, and also made inert inside folium's JavaScript template strings (backquote, ``$`` and backslash).

:func:`write_hub_map` embeds Leaflet and jQuery in the file (:mod:`hubopt.render.offline`; Bootstrap, Font Awesome
and the awesome-markers plugin are not needed and are left out), so the map draws without internet; only the
background street tiles need it, and the zones and district boundaries keep the geography readable without them.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, SupportsFloat, SupportsIndex

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement
from folium.template import Template

from hubopt.errors import InputError
from hubopt.render.offline import inline_assets

__all__ = [
    "ACUTE_HOSPITAL_COLOUR",
    "CANDIDATE_COLOUR",
    "CATCHMENT_COLOURS",
    "CATCHMENT_PATTERNS",
    "COMMUNITY_HOSPITAL_COLOUR",
    "DEFAULT_ATTRIBUTION",
    "DISTRICT_COLOUR",
    "GP_PRACTICE_COLOUR",
    "GROWTH_COLOURS",
    "GROWTH_EDGES",
    "GROWTH_LABELS",
    "GROWTH_NO_CHANGE",
    "HOUSING_COLOUR",
    "HUB_COLOUR",
    "IMD_COLOURS",
    "ISOCHRONE_COLOURS",
    "LAYER_CATCHMENTS",
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
    "SITE_OUTLINE_COLOUR",
    "SITE_STATUSES",
    "SITE_TYPES",
    "TRAVEL_TIME_COLOURS",
    "UNAVAILABLE_COLOUR",
    "UNAVAILABLE_OUTLINE_COLOUR",
    "hub_map",
    "planned_beds_label",
    "site_style",
    "time_band_colours",
    "time_band_labels",
    "write_hub_map",
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
#: Ring drawn around a site the scenario requires to open (Okabe-Ito vermillion), so that it is never mistaken for
#: one of the model's free choices.
MUST_OPEN_COLOUR = "#d55e00"
MUST_OPEN_LABEL = "Must open: required by the scenario, not chosen by the model (ring)"
#: Outline of the planned-beds badge (the community hospital green).
PLANNED_BEDS_COLOUR = COMMUNITY_HOSPITAL_COLOUR

SITE_TYPES: tuple[str, ...] = (
    "gp_practice",
    "community_hospital",
    "acute_hospital",
    "community_site",
    "new_build",
    "other",
)
SITE_STATUSES: tuple[str, ...] = ("existing", "committed", "candidate", "must-keep", "unavailable")

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
    "acute_hospital",
    "community_hospital",
    "gp_practice",
    "candidate",
    "other",
    "unavailable",
)

_ZONE_COLUMNS = ("zone_id", "zone_name", "district", "population", "hub_id", "hub_name", "minutes")
_SITE_COLUMNS = ("site_id", "name", "type", "status", "chosen")
_DISTRICT_COLUMNS = ("lad_code", "lad_name")
_HOUSING_COLUMNS = ("name", "dwellings")
_ISOCHRONE_COLUMNS = ("site_id", "band_minutes")
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
    if chosen:
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


# --------------------------------------------------------------------------------------------------------------------
# The map
# --------------------------------------------------------------------------------------------------------------------


def write_hub_map(
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    path: str | Path,
    *,
    title: str,
    caption: str,
    districts: gpd.GeoDataFrame | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    time_bands: Sequence[float] = (0, 10, 15, 20, 30, 45),
    housing: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    isochrone_label: str = "Drive-time bands",
    growth_base_year: int | None = None,
) -> Path:
    """Write one interactive HTML map of a hub-location result.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        One row per small area with columns ``zone_id``, ``zone_name``, ``district``, ``population`` (people),
        ``hub_id``, ``hub_name`` (the hub that serves the zone, missing when none), ``minutes`` (travel time to
        that hub; infinite or missing when no hub is reachable), optionally ``imd_decile`` (1 = most deprived,
        may be missing; without the column the deprivation view is left out), optionally ``growth_pct`` (per cent
        change in population from the study's base year to the run's year, may be missing; with it a fourth view,
        "Population growth", is added) and polygon geometry. Any CRS; normally EPSG:27700.
    sites : geopandas.GeoDataFrame
        One row per site with ``site_id``, ``name``, ``type`` (one of :data:`SITE_TYPES`), ``status`` (one of
        :data:`SITE_STATUSES`), ``chosen`` (bool), optionally ``served_population``, ``beds``, ``list_size``,
        ``planned_beds`` (planned community beds, 0 = none; sites with beds get a "22 beds" badge in the layer
        "Community beds (planned)"), and point geometry. Hubs are numbered 1, 2, ... in the order of ``sites``.
    path : str or Path
        The HTML file to write; its folder is created when missing.
    title : str
        Title shown on the map and in the browser tab.
    caption : str
        Plain-English caption shown under the title: scenario, year, travel mode and method.
    districts : geopandas.GeoDataFrame, optional
        District (LAD) polygons with ``lad_code``, ``lad_name``, drawn as labelled outlines. Without them the
        zones are dissolved by their ``district`` column to draw the outlines.
    attribution : str, default :data:`DEFAULT_ATTRIBUTION`
        Data credits, shown after the OpenStreetMap credit.
    time_bands : sequence of float, default (0, 10, 15, 20, 30, 45)
        Edges of the travel-time classes in minutes (see :func:`time_band_labels`).
    housing : geopandas.GeoDataFrame, optional
        New housing sites (points, any CRS) with ``name``, ``dwellings`` (dwellings built up to the run's year)
        and optionally ``people``; drawn as orange houses sized by dwellings in the layer "New housing sites".
    isochrones : geopandas.GeoDataFrame, optional
        Drive-time polygons (any CRS) with ``site_id``, ``band_minutes`` and geometry, as returned by
        :func:`hubopt.travel.isochrones.isochrones`; drawn in a layer that is off at first.
    isochrone_label : str, default "Drive-time bands"
        Name of the isochrone layer in the layer list and the key.
    growth_base_year : int, optional
        The year ``growth_pct`` is measured from, named in the key ("Population growth since 2017"; "Population
        held flat at 2017" when no area changes).

    Returns
    -------
    Path
        The path of the written file.

    Raises
    ------
    InputError
        If a frame lacks a column, has no CRS, or holds values the map cannot show.

    Notes
    -----
    The inputs are never modified. Polygons are simplified to 20 m in British National Grid and coordinates
    rounded to 5 decimals to keep the file small.
    """
    fmap = hub_map(
        zones,
        sites,
        title=title,
        caption=caption,
        districts=districts,
        attribution=attribution,
        time_bands=time_bands,
        housing=housing,
        isochrones=isochrones,
        isochrone_label=isochrone_label,
        growth_base_year=growth_base_year,
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(inline_assets(fmap.get_root().render()), encoding="utf-8")
    return out


def hub_map(
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    title: str,
    caption: str,
    districts: gpd.GeoDataFrame | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    time_bands: Sequence[float] = (0, 10, 15, 20, 30, 45),
    housing: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    isochrone_label: str = "Drive-time bands",
    growth_base_year: int | None = None,
) -> folium.Map:
    """Build the interactive map of :func:`write_hub_map` without writing it (e.g. to show it in a notebook).

    Parameters
    ----------
    zones, sites, title, caption, districts, attribution, time_bands, housing, isochrones, isochrone_label
        As for :func:`write_hub_map`.
    growth_base_year
        As for :func:`write_hub_map`.

    Returns
    -------
    folium.Map
        The map; ``.save(path)`` writes it.
    """
    bands = _check_time_bands(time_bands)
    zone_frame = _prepare_zones(zones)
    site_frame = _prepare_sites(sites)
    hubs = _hub_table(zone_frame, site_frame)
    zone_frame = _classify_zones(zone_frame, bands, hubs)
    has_growth = "growth_pct" in zone_frame.columns
    if has_growth:
        zone_frame = _classify_growth(zone_frame)
    housing_frame = _prepare_housing(housing) if housing is not None else None
    isochrone_frame = _prepare_isochrones(isochrones, site_frame) if isochrones is not None else None

    zones_wgs = _to_display(zone_frame)
    district_frame = _prepare_districts(districts) if districts is not None else _districts_from_zones(zone_frame)
    catchments_wgs = _to_display(_catchment_outlines(zone_frame))

    west, south, east, north = zones_wgs.total_bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        zoom_control="bottomright",
        zoom_snap=0.25,
    )
    # Only Leaflet (and jQuery, which folium's popups use) are needed: no Bootstrap, Font Awesome or awesome-markers.
    fmap.default_js = [(name, url) for name, url in folium.Map.default_js if name in ("leaflet", "jquery")]
    fmap.default_css = [(name, url) for name, url in folium.Map.default_css if name == "leaflet_css"]
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium Map's root is the page (a branca Figure)
    root.title = _esc(title)

    folium.map.CustomPane("hubopt-zones", z_index=350, pointer_events=True).add_to(fmap)
    folium.map.CustomPane("hubopt-boundaries", z_index=390, pointer_events=False).add_to(fmap)
    # The zones are drawn once; the three views are radio-button (base) layers that recolour them (see
    # _MapFurniture), which keeps the file a third of the size of three copies of the polygons.
    has_imd = "imd_decile" in zone_frame.columns
    zone_layer = _zone_layer(zones_wgs, has_imd=has_imd, has_growth=has_growth)
    zone_layer.add_to(fmap)
    views = {
        "travel": folium.FeatureGroup(name=LAYER_TRAVEL_TIME, overlay=False, show=True),
        "catchments": folium.FeatureGroup(name=LAYER_CATCHMENTS, overlay=False, show=False),
    }
    if not catchments_wgs.empty:
        _catchment_boundaries(catchments_wgs).add_to(views["catchments"])
    if has_imd:
        views["deprivation"] = folium.FeatureGroup(name=LAYER_DEPRIVATION, overlay=False, show=False)
    if has_growth:
        views["growth"] = folium.FeatureGroup(name=LAYER_GROWTH, overlay=False, show=False)
    for layer in views.values():
        layer.add_to(fmap)

    site_kinds = _add_site_layers(fmap, site_frame, hubs)
    has_beds = _planned_beds_layer(site_frame, fmap)
    if housing_frame is not None and not housing_frame.empty:
        _housing_layer(housing_frame).add_to(fmap)
    if isochrone_frame is not None and not isochrone_frame.empty:
        _isochrone_layer(isochrone_frame, isochrone_label).add_to(fmap)
    if district_frame is not None:
        _district_layer(district_frame).add_to(fmap)
    # The background map can be switched off: where its tiles do not load, the polygons carry the geography.
    folium.TileLayer(
        tiles=TILE_URL,
        attr=OSM_ATTRIBUTION,
        name=LAYER_STREET_MAP,
        overlay=True,
        control=True,
        show=True,
        max_zoom=19,
        referrerPolicy="strict-origin-when-cross-origin",
    ).add_to(fmap)

    control = folium.LayerControl(position="topright", collapsed=False)
    control.add_to(fmap)
    legend = _legend_html(
        zone_frame,
        bands,
        hubs,
        site_kinds,
        views,
        has_districts=district_frame is not None,
        has_beds=has_beds,
        beds_label=planned_beds_label(site_frame) if _planned_beds_year(site_frame) else "Planned community beds",
        housing=housing_frame,
        isochrones=isochrone_frame,
        isochrone_label=isochrone_label,
        growth_base_year=growth_base_year,
        has_must_open=bool(site_frame["must_open"].any()),
    )
    _MapFurniture(
        title_html=_title_html(title, caption),
        legend_html=legend,
        defs_html=_pattern_defs_html(hubs),
        views=views,
        zone_layer=zone_layer,
        control=control,
        attribution=_esc(attribution),
        bounds=[[south, west], [north, east]],
    ).add_to(fmap)
    return fmap


# --------------------------------------------------------------------------------------------------------------------
# Checking and preparing the inputs (always on copies)
# --------------------------------------------------------------------------------------------------------------------


def _require_frame(frame: Any, name: str, columns: Sequence[str]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{name} must be a GeoDataFrame, not {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} lack the column(s) {', '.join(missing)}",
            column=missing[0],
            hint=f"{name} need the columns {', '.join(columns)}",
        )
    if frame.crs is None:
        raise InputError(
            f"{name} have no coordinate reference system",
            hint="set it, e.g. frame.set_crs('EPSG:27700') for British National Grid coordinates",
        )


def _in_bng(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of the frame in British National Grid with a fresh 0..n-1 index."""
    out = frame.to_crs(BNG) if frame.crs != BNG else frame.copy()
    return out.reset_index(drop=True)


def _prepare_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(zones, "zones", _ZONE_COLUMNS)
    frame = _in_bng(zones)
    missing_geom = frame.geometry.isna() | frame.geometry.is_empty
    if missing_geom.all():
        raise InputError("zones have no polygons to draw", column="geometry")
    if missing_geom.any():
        warnings.warn(f"{int(missing_geom.sum())} zone(s) have no geometry and are not drawn", stacklevel=3)
        frame = frame.loc[~missing_geom].reset_index(drop=True)
    polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polygonal.all():
        bad = frame.loc[~polygonal, "zone_id"].astype(str).head(5).tolist()
        raise InputError(f"zones must be polygons; these are not: {', '.join(bad)}", column="geometry")

    minutes = pd.to_numeric(frame["minutes"], errors="coerce").astype(float)
    if (minutes < 0).any():
        bad = frame.loc[minutes < 0, "zone_id"].astype(str).head(5).tolist()
        raise InputError(f"travel times cannot be negative (zones {', '.join(bad)})", column="minutes")
    frame["minutes"] = minutes
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").astype(float)
    if "imd_decile" in frame.columns:
        decile = pd.to_numeric(frame["imd_decile"], errors="coerce").astype(float)
        valid = decile.isna() | decile.isin(range(1, 11))
        if not valid.all():
            bad = frame.loc[~valid, "zone_id"].astype(str).head(5).tolist()
            raise InputError(
                f"IMD deciles must be whole numbers from 1 to 10 (zones {', '.join(bad)})", column="imd_decile"
            )
        frame["imd_decile"] = decile
    if "growth_pct" in frame.columns:
        growth = pd.to_numeric(frame["growth_pct"], errors="coerce").astype(float)
        frame["growth_pct"] = growth.where(np.isfinite(growth))  # infinite growth (from 0 people) shows as no data
    frame["hub_key"] = pd.Series([_key(v) for v in frame["hub_id"]], index=frame.index, dtype=object)
    return frame


def _prepare_sites(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(sites, "sites", _SITE_COLUMNS)
    frame = _in_bng(sites)
    no_geom = frame.geometry.isna() | frame.geometry.is_empty
    if no_geom.any():
        bad = frame.loc[no_geom, "site_id"].astype(str).head(5).tolist()
        raise InputError(f"sites without a location: {', '.join(bad)}", column="geometry")
    not_point = frame.geometry.geom_type != "Point"
    if not_point.any():
        frame.loc[not_point, "geometry"] = frame.loc[not_point, "geometry"].representative_point()
    frame["chosen"] = frame["chosen"].fillna(False).astype(bool)
    # A site the scenario requires to open: the column must_open (from the run) or the register's status must-keep.
    required = frame["status"].map(_text).str.strip().str.lower() == "must-keep"
    if "must_open" in frame.columns:
        required |= frame["must_open"].fillna(False).astype(bool)
    frame["must_open"] = required.to_numpy(dtype=bool)
    styles = []
    for row in frame.itertuples(index=False):
        try:
            styles.append(site_style(row.type, row.status, row.chosen))
        except InputError as err:
            raise InputError(f"site {row.site_id}: {err.problem}", column=err.column, hint=err.hint) from None
    frame["style"] = styles
    if "planned_beds" in frame.columns:
        if "planned_beds_year" in frame.columns:
            years = pd.to_numeric(frame["planned_beds_year"], errors="coerce").dropna().unique()
            if len(years) > 1:
                raise InputError(
                    f"planned beds are given for several years ({', '.join(f'{y:g}' for y in sorted(years))})",
                    column="planned_beds_year",
                    hint="give the planned beds of one year",
                )
        beds = pd.to_numeric(frame["planned_beds"], errors="coerce").astype(float).fillna(0.0)
        if (beds < 0).any() or not np.isfinite(beds).all():
            bad = frame.loc[(beds < 0) | ~np.isfinite(beds), "site_id"].astype(str).head(5).tolist()
            raise InputError(
                f"planned beds must be 0 or more (sites {', '.join(bad)})",
                column="planned_beds",
                hint="use 0 for a site without planned community beds",
            )
        frame["planned_beds"] = beds
    frame["site_key"] = pd.Series([_key(v) for v in frame["site_id"]], index=frame.index, dtype=object)
    return frame


def _prepare_housing(housing: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(housing, "housing sites", _HOUSING_COLUMNS)
    frame = _in_bng(housing)
    frame = frame.loc[~(frame.geometry.isna() | frame.geometry.is_empty)].reset_index(drop=True)
    not_point = frame.geometry.geom_type != "Point"
    if not_point.any():
        frame.loc[not_point, "geometry"] = frame.loc[not_point, "geometry"].representative_point()
    frame["dwellings"] = pd.to_numeric(frame["dwellings"], errors="coerce").astype(float)
    if (frame["dwellings"] < 0).any():
        bad = frame.loc[frame["dwellings"] < 0, "name"].astype(str).head(5).tolist()
        raise InputError(f"dwellings cannot be negative (housing sites {', '.join(bad)})", column="dwellings")
    if "people" in frame.columns:
        frame["people"] = pd.to_numeric(frame["people"], errors="coerce").astype(float)
    return frame


def _prepare_isochrones(isochrones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Isochrones in BNG, without empty polygons, largest band first, with their hub names and colours."""
    _require_frame(isochrones, "isochrones", _ISOCHRONE_COLUMNS)
    frame = _in_bng(isochrones)
    frame["band_minutes"] = pd.to_numeric(frame["band_minutes"], errors="coerce").astype(float)
    keep = ~(frame.geometry.isna() | frame.geometry.is_empty) & np.isfinite(frame["band_minutes"])
    keep &= frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    frame = frame.loc[keep].sort_values("band_minutes", ascending=False, kind="stable").reset_index(drop=True)
    names = dict(zip(sites["site_key"], sites["name"].map(_text), strict=True))
    keys = [_key(v) for v in frame["site_id"]]
    frame["hub_name"] = [names.get(k) or _text(v) for k, v in zip(keys, frame["site_id"], strict=True)]
    colour = dict(zip(_isochrone_bands(frame), ISOCHRONE_COLOURS, strict=False))
    frame["colour"] = [colour.get(b, ISOCHRONE_COLOURS[-1]) for b in frame["band_minutes"]]
    frame["tip"] = [
        f"{_num(b)} minutes from {_esc(n) or 'the hub'}"
        for b, n in zip(frame["band_minutes"], frame["hub_name"], strict=True)
    ]
    return frame


def _isochrone_bands(isochrones: gpd.GeoDataFrame) -> list[float]:
    """The distinct bands, shortest first."""
    return sorted({float(b) for b in isochrones["band_minutes"]})


def _prepare_districts(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(districts, "districts", _DISTRICT_COLUMNS)
    frame = _in_bng(districts)
    frame = frame.loc[~(frame.geometry.isna() | frame.geometry.is_empty)].reset_index(drop=True)
    frame["label"] = frame["lad_name"]
    return frame[["label", "geometry"]]


def _districts_from_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    named = zones.loc[zones["district"].notna(), ["district", "geometry"]]
    if named.empty:
        return None
    out = _dissolve(named, "district")
    return out.rename(columns={"district": "label"})[["label", "geometry"]]


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


# --------------------------------------------------------------------------------------------------------------------
# Hubs, classes and colours
# --------------------------------------------------------------------------------------------------------------------


def _hub_table(zones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per hub (chosen sites in the order of ``sites``, then hubs named only by zones).

    Columns: ``hub_key``, ``number``, ``name``, ``people`` (population of its zones), ``colour``, ``pattern`` (one
    of :data:`CATCHMENT_PATTERNS`), ``fill`` (the colour, or the SVG pattern that draws colour and pattern) and
    ``must_open``.
    """
    rows: list[dict[str, Any]] = []
    for row in sites.loc[sites["chosen"]].itertuples(index=False):
        rows.append({"hub_key": row.site_key, "name": row.name})
    known = {r["hub_key"] for r in rows}
    served = zones.loc[zones["hub_key"].notna()]
    for key, group in served.groupby("hub_key", sort=False):
        if key not in known:
            names = group["hub_name"].dropna()
            rows.append({"hub_key": key, "name": names.iloc[0] if len(names) else key})
            known.add(key)
    table = pd.DataFrame(rows, columns=["hub_key", "name"])
    table["number"] = np.arange(1, len(table) + 1)
    people = served.groupby("hub_key")["population"].sum(min_count=1)
    table["people"] = table["hub_key"].map(people).astype(float)
    styles = _catchment_styles(zones, table["hub_key"].tolist())
    table["colour"] = [CATCHMENT_COLOURS[i % len(CATCHMENT_COLOURS)] for i in styles]
    table["pattern"] = [CATCHMENT_PATTERNS[i // len(CATCHMENT_COLOURS)] for i in styles]
    table["fill"] = [_catchment_fill(c, p) for c, p in zip(table["colour"], table["pattern"], strict=True)]
    must_open = set(sites.loc[sites["must_open"], "site_key"])
    table["must_open"] = table["hub_key"].isin(must_open)
    return table


def _catchment_fill(colour: str, pattern: str) -> str:
    """The Leaflet fill of a catchment: its colour, or a reference to the SVG pattern drawn by the page."""
    return colour if pattern == "solid" else f"url(#{_pattern_id(colour, pattern)})"


def _pattern_id(colour: str, pattern: str) -> str:
    return f"hubopt-{pattern}-{colour.lstrip('#')}"


def _catchment_styles(zones: gpd.GeoDataFrame, hub_keys: list[str]) -> list[int]:
    """A style (colour and pattern) index for each hub: all different up to 80 hubs; past that, neighbours differ.

    Style ``i`` is colour ``i % 20`` with pattern ``i // 20`` (solid, stripes, cross-hatch, dots).
    """
    n_colours = len(CATCHMENT_COLOURS) * len(CATCHMENT_PATTERNS)
    if len(hub_keys) <= n_colours:
        return list(range(len(hub_keys)))
    areas = zones.loc[zones["hub_key"].isin(hub_keys)].dissolve(by="hub_key")
    geoms = {key: areas.geometry.get(key) for key in hub_keys}
    tree_keys = [k for k in hub_keys if geoms[k] is not None]
    tree = shapely.STRtree([geoms[k].buffer(1.0) for k in tree_keys])
    used = [0] * n_colours
    chosen: dict[str, int] = {}
    for key in hub_keys:
        taken: set[int] = set()
        if geoms[key] is not None:
            for j in tree.query(geoms[key], predicate="intersects"):
                other = tree_keys[int(j)]
                if other != key and other in chosen:
                    taken.add(chosen[other])
        free = [i for i in range(n_colours) if i not in taken] or list(range(n_colours))
        best = min(free, key=lambda i: (used[i], i))
        chosen[key] = best
        used[best] += 1
    return [chosen[k] for k in hub_keys]


def _classify_zones(zones: gpd.GeoDataFrame, bands: list[float], hubs: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add the class, colours and popup/tooltip texts of each zone (on the frame, which is already a copy)."""
    colours = time_band_colours(bands)
    minutes = zones["minutes"].to_numpy(dtype=float)
    reachable = np.isfinite(minutes)
    shown = np.round(np.where(reachable, minutes, 0.0), 1)  # classify what the popup shows
    band = np.searchsorted(np.asarray(bands[1:]), shown, side="right")
    zones["travel_band"] = np.where(reachable, band, -1)
    zones["travel_colour"] = [colours[b] if b >= 0 else NO_HUB_COLOUR for b in zones["travel_band"]]

    hub_colour = dict(zip(hubs["hub_key"], hubs["colour"], strict=True))
    hub_pattern = dict(zip(hubs["hub_key"], hubs["pattern"], strict=True))
    hub_fill = dict(zip(hubs["hub_key"], hubs["fill"], strict=True))
    hub_number = dict(zip(hubs["hub_key"], hubs["number"], strict=True))
    zones["catchment_colour"] = [hub_colour.get(k, NO_HUB_COLOUR) for k in zones["hub_key"]]
    zones["catchment_pattern"] = [hub_pattern.get(k, "solid") for k in zones["hub_key"]]
    zones["catchment_fill"] = [hub_fill.get(k, NO_HUB_COLOUR) for k in zones["hub_key"]]
    has_imd = "imd_decile" in zones.columns
    if has_imd:
        zones["imd_colour"] = [
            IMD_COLOURS[int(d) - 1] if not pd.isna(d) else NO_DATA_COLOUR for d in zones["imd_decile"]
        ]

    # Popup and tooltip texts, already HTML-escaped (folium puts them in the page with innerHTML).
    texts: dict[str, list[str]] = {key: [] for key in ("area", "code", "dist", "pop", "time", "hub", "imd", "tip")}
    for row in zones.itertuples(index=False):
        hub = _text(row.hub_name) if row.hub_key is not None else ""
        number = hub_number.get(row.hub_key)
        if math.isfinite(row.minutes):
            time_text = f"{row.minutes:.1f} minutes"
            tip = f"{time_text} to {_esc(hub) or 'the hub'}"
        else:
            time_text = tip = NO_HUB_LABEL
        texts["area"].append(_esc(_text(row.zone_name)))
        texts["code"].append(_esc(_text(row.zone_id)))
        texts["dist"].append(_esc(_text(row.district)))
        texts["pop"].append(_people(row.population))
        texts["time"].append(time_text)
        texts["hub"].append(f"{number}. {_esc(hub)}" if number is not None and hub else _esc(hub) or "None")
        texts["imd"].append(_imd_text(row.imd_decile) if has_imd else "")
        texts["tip"].append(tip)
    for key, values in texts.items():
        zones[f"text_{key}"] = values
    return zones


def _classify_growth(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the growth class (``growth_band``, -1 = no data), colour and popup text (on the frame, already a copy)."""
    growth = zones["growth_pct"].to_numpy(dtype=float)
    known = np.isfinite(growth)
    shown = np.round(np.where(known, growth, 0.0), 1) + 0.0  # classify what the popup shows; -0.0 -> 0.0
    band = np.searchsorted(np.asarray(GROWTH_EDGES), shown, side="right")  # 0 falling, 1 from 0 to 5 %, ...
    band = np.where(band >= 1, band + 1, band)  # room for the "No change" class
    band = np.where(shown == 0.0, GROWTH_NO_CHANGE, band)
    zones["growth_band"] = np.where(known, band, -1)
    zones["growth_colour"] = [GROWTH_COLOURS[b] if b >= 0 else NO_DATA_COLOUR for b in zones["growth_band"]]
    zones["text_growth"] = [f"{v:+.1f}%" if ok else "not available" for v, ok in zip(shown, known, strict=True)]
    return zones


def _sample_palette(palette: Sequence[str], t: float) -> str:
    """Colour at position ``t`` (0..1) along a palette, interpolated in RGB."""
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette], dtype=float)
    pos = min(max(t, 0.0), 1.0) * (len(palette) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(palette) - 1)
    mixed = rgb[lo] + (rgb[hi] - rgb[lo]) * (pos - lo)
    return "#" + "".join(f"{round(v):02x}" for v in mixed)


# --------------------------------------------------------------------------------------------------------------------
# Geometry for display
# --------------------------------------------------------------------------------------------------------------------


def _to_display(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify (20 m, BNG), convert to WGS84 and round coordinates to 5 decimals."""
    out = frame.copy()
    if not (out.geometry.geom_type == "Point").all():
        out["geometry"] = out.geometry.simplify(SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    out = out.to_crs(WGS84)
    out["geometry"] = shapely.transform(out.geometry.values, lambda xy: np.round(xy, COORD_DECIMALS))
    return out


def _catchment_outlines(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    served = zones.loc[zones["hub_key"].notna(), ["hub_key", "geometry"]]
    if served.empty:
        return gpd.GeoDataFrame({"hub_key": []}, geometry=[], crs=zones.crs)
    return _dissolve(served, "hub_key")


def _dissolve(frame: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    """Dissolve polygons by a column, dropping the tiny holes left by slivers between neighbouring zones."""
    out = frame.dissolve(by=by, as_index=False)
    out["geometry"] = [_drop_small_holes(g) for g in out.geometry]
    return out


def _drop_small_holes(geom: Any, min_area: float = 10_000.0) -> Any:
    """The polygon without interior rings smaller than ``min_area`` (square metres; 1 ha)."""
    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([_drop_small_holes(part, min_area) for part in geom.geoms])
    if geom.geom_type != "Polygon":
        return geom
    holes = [ring for ring in geom.interiors if shapely.Polygon(ring).area >= min_area]
    return shapely.Polygon(geom.exterior, holes)


def _features(frame: gpd.GeoDataFrame, properties: Sequence[str], prefix: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the given properties (short ids, no other columns)."""
    features = []
    for i, (geom, props) in enumerate(zip(frame.geometry, frame[list(properties)].to_dict("records"), strict=True)):
        features.append(
            {"type": "Feature", "id": f"{prefix}{i}", "properties": props, "geometry": shapely.geometry.mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------------------------------


_ZONE_POPUP_FIELDS = (
    ("area", "Area"),
    ("code", "Area code"),
    ("dist", "District"),
    ("pop", "Population"),
    ("time", "Travel time to hub"),
    ("hub", "Hub"),
    ("imd", "Deprivation (IMD decile)"),
    ("growth", "Population change since the base year"),
)
_ZONE_COLOUR_PROPERTIES = {"travel": "t", "catchments": "c", "deprivation": "d", "growth": "g"}
_ZONE_STYLE = {"fillOpacity": ZONE_FILL_OPACITY, "color": ZONE_OUTLINE_COLOUR, "weight": 0.6, "opacity": 0.8}


def _zone_layer(zones: gpd.GeoDataFrame, *, has_imd: bool, has_growth: bool = False) -> folium.GeoJson:
    """The zone polygons with their colours (``t``, ``c``, ``d``, ``g``) and texts; styled by travel time."""
    frame = zones.rename(
        columns={"travel_colour": "t", "catchment_fill": "c", "imd_colour": "d", "growth_colour": "g"}
    )
    frame = frame.rename(columns={f"text_{key}": key for key, _ in _ZONE_POPUP_FIELDS} | {"text_tip": "tip"})
    fields = [
        (key, alias)
        for key, alias in _ZONE_POPUP_FIELDS
        if (has_imd or key != "imd") and (has_growth or key != "growth")
    ]
    colours = ["t", "c"] + (["d"] if has_imd else []) + (["g"] if has_growth else [])
    data = _features(frame, [*colours, *(key for key, _ in fields), "tip"], "z")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return {"fillColor": feature["properties"]["t"], **_ZONE_STYLE}

    def highlight(feature: dict[str, Any]) -> dict[str, Any]:
        return {"color": "#000000", "weight": 2.5, "opacity": 1.0, "fillOpacity": min(ZONE_FILL_OPACITY + 0.15, 1.0)}

    return folium.GeoJson(
        data,
        name="Areas",
        control=False,
        style_function=style,
        highlight_function=highlight,
        tooltip=folium.GeoJsonTooltip(fields=["area", "tip"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(
            fields=[key for key, _ in fields], aliases=[alias for _, alias in fields], labels=True, max_width=340
        ),
        pane="hubopt-zones",
    )


def _catchment_boundaries(catchments: gpd.GeoDataFrame) -> folium.GeoJson:
    data = _features(catchments.assign(kind="catchment"), ["kind"], "c")
    return folium.GeoJson(
        data,
        control=False,
        style_function=lambda _: {"fill": False, "color": CATCHMENT_BOUNDARY_COLOUR, "weight": 2.5, "opacity": 0.9},
        pane="hubopt-zones",
        interactive=False,
    )


def _district_layer(districts: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """District outlines (each shared border drawn once, so the dashes stay dashes) and district names."""
    group = folium.FeatureGroup(name=LAYER_DISTRICTS, overlay=True, show=True)
    lines = shapely.line_merge(shapely.union_all(districts.geometry.boundary.values))
    outline = gpd.GeoDataFrame({"kind": ["district"]}, geometry=[lines], crs=districts.crs)
    folium.GeoJson(
        _features(_to_display(outline), ["kind"], "d"),
        control=False,
        style_function=lambda _: {"color": DISTRICT_COLOUR, "weight": 2.2, "opacity": 0.9, "dashArray": "7 4"},
        pane="hubopt-boundaries",
        interactive=False,
    ).add_to(group)
    points = districts.geometry.representative_point().to_crs(WGS84)
    for label, point in zip(districts["label"], points, strict=True):
        if pd.isna(label):
            continue
        folium.Marker(
            location=[round(point.y, COORD_DECIMALS), round(point.x, COORD_DECIMALS)],
            icon=folium.DivIcon(
                html=f'<div class="hubopt-district-label">{_esc(label)}</div>',
                icon_size=(180, 18),
                icon_anchor=(90, 9),
                class_name="hubopt-label-icon",
            ),
            interactive=False,
            keyboard=False,
            pane="hubopt-boundaries",
        ).add_to(group)
    return group


def _add_site_layers(fmap: folium.Map, sites: gpd.GeoDataFrame, hubs: pd.DataFrame) -> list[dict[str, Any]]:
    """Add one overlay per kind of site; return one style per kind drawn (for the key), in key order."""
    if sites.empty:
        return []
    points = sites.to_crs(WGS84).geometry
    hub_number = dict(zip(hubs["hub_key"], hubs["number"], strict=True))
    kinds = [s["kind"] for s in sites["style"]]
    group_of = ["unavailable" if s["greyed"] else s["kind"] for s in sites["style"]]
    drawn: list[dict[str, Any]] = []
    # Hubs come first in the layer list; their zIndexOffset keeps them on top of the other symbols.
    for group_key in _SITE_GROUP_ORDER:
        members = [i for i, g in enumerate(group_of) if g == group_key]
        if not members:
            continue
        first = sites["style"].iloc[members[0]]
        group = folium.FeatureGroup(name=first["group"], overlay=True, show=True)
        for i in sorted(members, key=lambda i: sites["style"].iloc[i]["zorder"]):
            row = sites.iloc[i]
            number = hub_number.get(row["site_key"]) if row["chosen"] else None
            _site_marker(row, points.iloc[i], number).add_to(group)
        group.add_to(fmap)
        if group_key == "unavailable":
            seen: set[str] = set()
            for i in members:
                if kinds[i] not in seen:
                    seen.add(kinds[i])
                    drawn.append(sites["style"].iloc[i])
        else:
            drawn.append(first)
    return drawn


def _site_marker(row: pd.Series, point: Any, number: int | None) -> folium.Marker | folium.CircleMarker:
    style = row["style"]
    location = [round(point.y, COORD_DECIMALS), round(point.x, COORD_DECIMALS)]
    name = _text(row["name"])
    role = f"Chosen hub {number}" if number is not None else _TYPE_LABELS[_normalise_value(row["type"], SITE_TYPES)]
    if style["greyed"]:
        role += " (not available for a hub)"
    must_open = bool(row["must_open"])
    if must_open:
        role += " (must open: required by the scenario, not chosen by the model)"
    popup_role = role if number is not None or style["greyed"] or must_open else None
    popup = folium.Popup(_site_popup_html(row, name, popup_role), max_width=340)
    tooltip = folium.Tooltip(f"<b>{_esc(name)}</b><br>{_esc(role)}")
    if style["shape"] == "circle" and not must_open:
        return folium.CircleMarker(
            location=location,
            radius=style["size"] / 2,
            color=style["stroke"],
            weight=1.2,
            fill=True,
            fill_color=style["fill"],
            fill_opacity=1.0,
            popup=popup,
            tooltip=tooltip,
            className="hubopt-site-dot",
        )
    size = style["size"]
    glyph = str(number) if number is not None else style["glyph"]
    classes = "hubopt-symbol" + (" hubopt-hub" if number is not None else "")
    classes += " hubopt-must-open" if must_open else ""
    icon_html = (
        f'<div class="{classes}" role="img" aria-label="{_esc(name)}, {_esc(role)}">'
        f"{_symbol_svg(style, glyph=glyph)}</div>"
    )
    return folium.Marker(
        location=location,
        icon=folium.DivIcon(
            html=icon_html, icon_size=(size, size), icon_anchor=(size // 2, size // 2), class_name="hubopt-site-icon"
        ),
        popup=popup,
        tooltip=tooltip,
        z_index_offset=1000 if number is not None else style["zorder"] * 10,
    )


def planned_beds_label(sites: gpd.GeoDataFrame) -> str:
    """Name of the planned-beds layer: it says the year of the beds ("Community beds planned for 2030") when known.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        Sites with an optional ``planned_beds_year`` column (one year for every site).

    Returns
    -------
    str
    """
    year = _planned_beds_year(sites)
    return f"Community beds planned for {year}" if year is not None else LAYER_PLANNED_BEDS


def _planned_beds_year(sites: pd.DataFrame) -> int | None:
    if "planned_beds_year" not in sites.columns:
        return None
    years = pd.to_numeric(sites["planned_beds_year"], errors="coerce").dropna()
    return int(years.iloc[0]) if len(years) else None


def _planned_beds_layer(sites: gpd.GeoDataFrame, fmap: folium.Map) -> bool:
    """Add a "22 beds" badge beside every site with planned community beds; return True when any was drawn."""
    if "planned_beds" not in sites.columns:
        return False
    with_beds = sites.loc[sites["planned_beds"] > 0]
    if with_beds.empty:
        return False
    year = _planned_beds_year(sites)
    when = f" in {year}" if year is not None else ""
    group = folium.FeatureGroup(name=planned_beds_label(sites), overlay=True, show=True)
    points = with_beds.to_crs(WGS84).geometry
    for (_, row), point in zip(with_beds.iterrows(), points, strict=True):
        beds = _beds_text(row["planned_beds"])
        offset = int(row["style"]["size"]) // 2 + (9 if row["must_open"] else 3)  # right of the symbol (and ring)
        folium.Marker(
            location=[round(point.y, COORD_DECIMALS), round(point.x, COORD_DECIMALS)],
            icon=folium.DivIcon(
                html=f'<div class="hubopt-beds" data-offset="{offset}">{beds}</div>',
                icon_size=(70, 18),
                icon_anchor=(-offset, 9),
                class_name="hubopt-label-icon",
            ),
            tooltip=folium.Tooltip(f"<b>{_esc(_text(row['name']))}</b><br>{beds} planned{when} (community beds)"),
            z_index_offset=900,
        ).add_to(group)
    group.add_to(fmap)
    return True


def _beds_text(beds: float) -> str:
    return f"{_count(beds)} {'bed' if float(beds) == 1 else 'beds'}"


def _housing_size(dwellings: object, largest: float) -> int:
    """Symbol width in pixels: the area grows with the number of dwellings."""
    number = _as_number(dwellings)
    if number is None or largest <= 0:
        return HOUSING_MIN_SIZE
    share = math.sqrt(max(number, 0.0) / largest)
    return round(HOUSING_MIN_SIZE + (HOUSING_MAX_SIZE - HOUSING_MIN_SIZE) * share)


def _housing_layer(housing: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """New housing sites as orange houses sized by dwellings, below the site symbols."""
    group = folium.FeatureGroup(name=LAYER_HOUSING, overlay=True, show=True)
    points = housing.to_crs(WGS84).geometry
    largest = float(housing["dwellings"].max()) if housing["dwellings"].notna().any() else 0.0
    has_people = "people" in housing.columns
    for (_, row), point in zip(housing.iterrows(), points, strict=True):
        name = _text(row["name"])
        dwellings = _count(row["dwellings"]) if _is_number(row["dwellings"]) else "not known"
        rows = [("Dwellings (up to this year)", dwellings)]
        if has_people:
            rows.append(("People expected to live there", _people(row["people"])))
        size = _housing_size(row["dwellings"], largest)
        folium.Marker(
            location=[round(point.y, COORD_DECIMALS), round(point.x, COORD_DECIMALS)],
            icon=folium.DivIcon(
                html=(
                    f'<div class="hubopt-symbol" role="img" aria-label="{_esc(name)}, new housing site">'
                    f"{_house_svg(size)}</div>"
                ),
                icon_size=(size, size),
                icon_anchor=(size // 2, size // 2),
                class_name="hubopt-site-icon",
            ),
            popup=folium.Popup(_popup_html(name, rows, role="New housing site"), max_width=340),
            tooltip=folium.Tooltip(f"<b>{_esc(name)}</b><br>New housing: {dwellings} dwellings"),
            z_index_offset=-500,
        ).add_to(group)
    return group


def _isochrone_layer(isochrones: gpd.GeoDataFrame, label: str) -> folium.FeatureGroup:
    """Drive-time polygons, longest band first (so the shorter, darker bands lie on top); off at first."""
    group = folium.FeatureGroup(name=_esc(label), overlay=True, show=False)
    data = _features(_to_display(isochrones), ["colour", "tip"], "i")

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return {
            "fillColor": feature["properties"]["colour"],
            "fillOpacity": ISOCHRONE_FILL_OPACITY,
            "color": ISOCHRONE_OUTLINE_COLOUR,
            "weight": 0.8,
            "opacity": 0.8,
        }

    folium.GeoJson(
        data,
        control=False,
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    ).add_to(group)
    return group


def _house_svg(size: int) -> str:
    """Inline SVG of the housing-site symbol: a small house."""
    s = float(size)
    roof, base = s * 0.45, s - 1.5
    points = f"{s / 2:g},1.5 {s - 1.5:g},{roof:g} {s - 1.5:g},{base:g} 1.5,{base:g} 1.5,{roof:g}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s:g}" height="{s:g}" viewBox="0 0 {s:g} {s:g}" '
        f'aria-hidden="true"><polygon points="{points}" fill="{HOUSING_COLOUR}" stroke="{SITE_OUTLINE_COLOUR}" '
        f'stroke-width="1.3" stroke-linejoin="round"/></svg>'
    )


# --------------------------------------------------------------------------------------------------------------------
# HTML pieces: popups, symbols, title, key
# --------------------------------------------------------------------------------------------------------------------


def _popup_html(heading: str, rows: Sequence[tuple[str, str]], role: str | None = None) -> str:
    """A popup: escaped heading, optional role line and a table of (label, already-escaped value) rows."""
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    role_html = f'<p class="hubopt-role">{_esc(role)}</p>' if role else ""
    return f'<div class="hubopt-popup"><h3>{_esc(heading)}</h3>{role_html}<table>{body}</table></div>'


def _site_popup_html(row: pd.Series, name: str, role: str | None) -> str:
    site_type = _normalise_value(row["type"], SITE_TYPES)
    status = _normalise_value(row["status"], SITE_STATUSES)
    rows = [
        ("Site code", _esc(_text(row["site_id"]))),
        ("Type", _TYPE_LABELS[site_type]),
        ("Status", _STATUS_LABELS[status]),
    ]
    if row["chosen"] and "served_population" in row.index and _is_number(row["served_population"]):
        rows.append(("Population served", _people(row["served_population"])))
    if "beds" in row.index and _is_number(row["beds"]):
        rows.append(("Beds", _count(row["beds"])))
    if "list_size" in row.index and _is_number(row["list_size"]):
        rows.append(("Registered patients (list size)", _count(row["list_size"])))
    if "planned_beds" in row.index and _is_number(row["planned_beds"]) and row["planned_beds"] > 0:
        year = row.get("planned_beds_year")
        label = f"Community beds planned for {int(year)}" if _is_number(year) else "Planned community beds"
        rows.append((label, _count(row["planned_beds"])))
    return _popup_html(name, rows, role=role)


def _symbol_svg(style: dict[str, Any], *, glyph: str = "", size: int | None = None) -> str:
    """Inline SVG of a site symbol (the same drawing on the map and in the key)."""
    s = float(size or style["size"])
    c = s / 2
    fill, stroke = style["fill"], style["stroke"]
    shape = style["shape"]
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="{2 if shape == "star" else 1.5}"'
    if shape == "circle":
        body = f'<circle cx="{c:g}" cy="{c:g}" r="{c - 1:g}" {common}/>'
    elif shape == "square":
        body = f'<rect x="1" y="1" width="{s - 2:g}" height="{s - 2:g}" rx="2" {common}/>'
    elif shape == "diamond":
        body = f'<polygon points="{c:g},1 {s - 1:g},{c:g} {c:g},{s - 1:g} 1,{c:g}" {common}/>'
    elif shape == "triangle":
        body = f'<polygon points="{c:g},1 {s - 1:g},{s - 1.5:g} 1,{s - 1.5:g}" {common}/>'
    elif shape == "star":
        outer, inner = c - 1.5, (c - 1.5) * 0.58
        pts = []
        for k in range(10):
            r = outer if k % 2 == 0 else inner
            a = math.pi * k / 5 - math.pi / 2
            pts.append(f"{c + r * math.cos(a):.1f},{c + s * 0.045 + r * math.sin(a):.1f}")
        body = f'<polygon points="{" ".join(pts)}" {common}/>'
    else:  # pragma: no cover - all shapes are listed above
        raise ValueError(f"unknown symbol shape {shape!r}")
    if glyph:
        font = max(8.0, s * (0.4 if shape == "star" else 0.62))
        if shape == "star" and len(glyph) > 1:
            font *= 0.85
        y = c + (s * 0.06 if shape == "star" else 0.5)
        body += (
            f'<text x="{c:g}" y="{y:g}" text-anchor="middle" dominant-baseline="central" '
            f'font-family="{_FONT}" font-weight="bold" font-size="{font:.1f}" fill="{style["glyph_colour"]}">'
            f"{_esc(glyph)}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s:g}" height="{s:g}" viewBox="0 0 {s:g} {s:g}" '
        f'aria-hidden="true">{body}</svg>'
    )


def _swatch_background(colour: str, pattern: str) -> str:
    """CSS background of a key swatch that looks like the catchment's fill (colour and pattern)."""
    if pattern == "stripes":
        return f"repeating-linear-gradient(45deg, {colour} 0 4px, #ffffff 4px 6px)"
    if pattern == "crosshatch":
        return (
            "repeating-linear-gradient(45deg, transparent 0 4px, #ffffff 4px 5.5px), "
            f"repeating-linear-gradient(-45deg, {colour} 0 4px, #ffffff 4px 5.5px)"
        )
    if pattern == "dots":
        return f"radial-gradient(#ffffff 1.6px, transparent 2px) 0 0 / 6px 6px, {colour}"
    return colour


def _pattern_defs_html(hubs: pd.DataFrame) -> str:
    """An invisible SVG that defines the fill patterns of the patterned catchments (referenced by url(#id))."""
    defs = []
    for colour, pattern in dict.fromkeys(zip(hubs["colour"], hubs["pattern"], strict=True)):
        if pattern == "solid":
            continue
        if pattern == "stripes":
            marks = '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="2.2"/>'
        elif pattern == "crosshatch":
            marks = (
                '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4 M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="#ffffff" '
                'stroke-width="1.6"/>'
            )
        else:
            marks = '<circle cx="4" cy="4" r="1.8" fill="#ffffff"/>'
        defs.append(
            f'<pattern id="{_pattern_id(colour, pattern)}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
        )
    if not defs:
        return ""
    return (
        '<svg class="hubopt-pattern-defs" width="0" height="0" aria-hidden="true" '
        f'style="position:absolute;width:0;height:0"><defs>{"".join(defs)}</defs></svg>'
    )


def _line_svg(colour: str, weight: float, dash: str | None = None) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="12" aria-hidden="true">'
        f'<line x1="1" y1="6" x2="23" y2="6" stroke="{colour}" stroke-width="{weight}"{dash_attr}/></svg>'
    )


def _title_html(title: str, caption: str) -> str:
    return (
        f"<h1>{_esc(title)}</h1>"
        f'<p class="hubopt-caption">{_esc(caption)}</p>'
        '<p class="hubopt-hint">Click an area or a site for details. '
        "Use the list at the top right to change what the colours show.</p>"
    )


def _legend_html(
    zones: gpd.GeoDataFrame,
    bands: list[float],
    hubs: pd.DataFrame,
    site_kinds: list[dict[str, Any]],
    views: dict[str, folium.FeatureGroup],
    *,
    has_districts: bool,
    has_beds: bool = False,
    beds_label: str = "Planned community beds",
    housing: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    isochrone_label: str = "",
    growth_base_year: int | None = None,
    has_must_open: bool = False,
) -> str:
    total = zones["population"].sum(min_count=1)

    def share(people: float) -> str:
        if not _is_number(people) or not _is_number(total) or total <= 0:
            return ""
        pct = 100 * people / total
        pct_text = "under 1%" if 0 < pct < 0.5 else f"{pct:.0f}%"
        return f'<span class="hubopt-note">{_people(people)} ({pct_text})</span>'

    def swatch(colour: str, extra: str = "") -> str:
        return f'<span class="hubopt-swatch{extra}" style="background:{colour}"></span>'

    parts: list[str] = []
    # Travel time to hub.
    items = []
    for b, (label, colour) in enumerate(zip(time_band_labels(bands), time_band_colours(bands), strict=True)):
        people = zones.loc[zones["travel_band"] == b, "population"].sum()
        items.append(f"<li>{swatch(colour)}<span>{label}</span>{share(people)}</li>")
    unreachable = zones["travel_band"] == -1
    if unreachable.any():
        people = zones.loc[unreachable, "population"].sum()
        items.append(f"<li>{swatch(NO_HUB_COLOUR)}<span>{NO_HUB_LABEL}</span>{share(people)}</li>")
    parts.append(
        '<section data-hubopt-view="travel"><h2>Travel time to the nearest chosen hub (minutes)</h2>'
        f"<ul>{''.join(items)}</ul></section>"
    )
    # Catchments.
    items = []
    if (zones["catchment_colour"] == NO_HUB_COLOUR).any():
        people = zones.loc[zones["catchment_colour"] == NO_HUB_COLOUR, "population"].sum()
        items.append(f"<li>{swatch(NO_HUB_COLOUR)}<span>{NO_HUB_LABEL}</span>{share(people)}</li>")
    items.append(f"<li>{_line_svg(CATCHMENT_BOUNDARY_COLOUR, 2.5)}<span>Catchment boundary</span></li>")
    parts.append(
        '<section data-hubopt-view="catchments"><h2>Catchments</h2>'
        '<p class="hubopt-small">Each area has the colour of the hub that serves it (see the list of hubs).</p>'
        f"<ul>{''.join(items)}</ul></section>"
    )
    # Deprivation.
    if "deprivation" in views:
        ramp = "".join(
            f'<span style="background:{c};color:{"#ffffff" if i < 5 else "#1a1a1a"}">{i + 1}</span>'
            for i, c in enumerate(IMD_COLOURS)
        )
        no_data = ""
        if zones["imd_decile"].isna().any():
            no_data = f"<ul><li>{swatch(NO_DATA_COLOUR)}<span>No data</span></li></ul>"
        parts.append(
            '<section data-hubopt-view="deprivation"><h2>Deprivation (IMD decile)</h2>'
            f'<div class="hubopt-ramp">{ramp}</div>'
            '<div class="hubopt-ramp-ends"><span>1 = most deprived 10% in England</span>'
            "<span>10 = least deprived</span></div>"
            f"{no_data}</section>"
        )
    # Population growth.
    if "growth" in views:
        growth_band = zones["growth_band"]
        since = f" since {growth_base_year}" if growth_base_year is not None else " since the base year"
        held_flat = bool((growth_band >= 0).any() and (growth_band[growth_band >= 0] == GROWTH_NO_CHANGE).all())
        items = []
        for b, (label, colour) in enumerate(zip(GROWTH_LABELS, GROWTH_COLOURS, strict=True)):
            if (held_flat and b != GROWTH_NO_CHANGE) or (b == GROWTH_NO_CHANGE and not (growth_band == b).any()):
                continue  # a flat population has one class; "No change" is listed only when some area has it
            people = zones.loc[growth_band == b, "population"].sum()
            items.append(f"<li>{swatch(colour)}<span>{label}</span>{share(people)}</li>")
        if (growth_band == -1).any():
            people = zones.loc[growth_band == -1, "population"].sum()
            items.append(f"<li>{swatch(NO_DATA_COLOUR)}<span>No data</span>{share(people)}</li>")
        if held_flat:
            at = f" at {growth_base_year}" if growth_base_year is not None else " (no change since the base year)"
            heading = f"Population held flat{at}"
            note = "The population is not projected: every area keeps the same number of people."
        else:
            heading = f"Population growth{since}"
            note = "Change in the number of people living in each area (people now)."
        parts.append(
            f'<section data-hubopt-view="growth"><h2>{_esc(heading)}</h2><p class="hubopt-small">{note}</p>'
            f"<ul>{''.join(items)}</ul></section>"
        )
    # Hubs (the list of hubs is also the key of the catchment colours).
    if len(hubs):
        items = []
        for hub in hubs.itertuples(index=False):
            people = f'<span class="hubopt-note">{_people(hub.people)}</span>' if _is_number(hub.people) else ""
            must = ' <span class="hubopt-must-tag">(must open)</span>' if hub.must_open else ""
            items.append(
                f'<li data-hubopt-hub="{hub.number}"><span class="hubopt-swatch hubopt-cswatch" '
                f'data-hubopt-style="{hub.colour}/{hub.pattern}" '
                f'style="background:{_swatch_background(hub.colour, hub.pattern)}"></span>'
                f'<span class="hubopt-badge">{hub.number}</span>'
                f"<span>{_esc(_text(hub.name))}{must}</span>{people}</li>"
            )
        parts.append(
            '<section><h2>Chosen hubs <span class="hubopt-small">(people living in each catchment)</span></h2>'
            f"<ul>{''.join(items)}</ul></section>"
        )
    # Site symbols.
    items = []
    greyed = [style for style in site_kinds if style["greyed"]]
    for style in site_kinds:
        if style["greyed"]:
            continue
        glyph = "1" if style["kind"] == "hub" else style["glyph"]
        sym = _symbol_svg(style, glyph=glyph, size=min(int(style["size"]), 28))
        items.append(f'<li><span class="hubopt-sym">{sym}</span><span>{_esc(style["label"])}</span></li>')
    if has_must_open:
        sym = _symbol_svg(_SYMBOLS["hub"], glyph="", size=20)
        items.append(
            f'<li data-hubopt-key="must-open"><span class="hubopt-sym"><span class="hubopt-symbol hubopt-must-open">'
            f"{sym}</span></span><span>{_esc(MUST_OPEN_LABEL)}</span></li>"
        )
    if greyed:
        syms = "".join(_symbol_svg(style, glyph=style["glyph"], size=min(int(style["size"]), 14)) for style in greyed)
        items.append(f'<li><span class="hubopt-syms">{syms}</span><span>{_esc(_UNAVAILABLE_LABEL)}</span></li>')
    if has_beds:
        items.append(
            '<li><span class="hubopt-syms"><span class="hubopt-beds">22 beds</span></span>'
            f"<span>{_esc(beds_label)} (number of beds)</span></li>"
        )
    if housing is not None and not housing.empty:
        largest = housing["dwellings"].max()
        note = f'<span class="hubopt-note">up to {_count(largest)} dwellings</span>' if _is_number(largest) else ""
        items.append(
            f'<li><span class="hubopt-syms">{_house_svg(HOUSING_MIN_SIZE)}{_house_svg(18)}</span>'
            f"<span>New housing site (bigger = more homes)</span>{note}</li>"
        )
    if items:
        parts.append(f"<section><h2>Sites</h2><ul>{''.join(items)}</ul></section>")
    if isochrones is not None and not isochrones.empty:
        band_colour = dict(zip(isochrones["band_minutes"], isochrones["colour"], strict=True))
        items = [
            f"<li>{swatch(band_colour[b])}<span>Within {_num(b)} minutes of a chosen hub</span></li>"
            for b in _isochrone_bands(isochrones)
        ]
        parts.append(
            f"<section><h2>{_esc(isochrone_label)}</h2>"
            '<p class="hubopt-small">Switch on in the layer list; point at an area to see its hub.</p>'
            f"<ul>{''.join(items)}</ul></section>"
        )
    if has_districts:
        parts.append(
            f"<section><ul><li>{_line_svg(DISTRICT_COLOUR, 2.2, '7 4')}<span>District boundary</span></li></ul>"
            "</section>"
        )
    return f"<details open><summary>Key</summary>{''.join(parts)}</details>"


_CSS = """
.hubopt-box { background: rgba(255,255,255,0.95); border-radius: 6px; box-shadow: 0 1px 6px rgba(0,0,0,0.35);
  padding: 8px 11px; font: 13px/1.35 Arial, Helvetica, sans-serif; color: #1a1a1a; }
.hubopt-title { max-width: min(440px, calc(100vw - 300px)); min-width: 200px; }
.hubopt-title h1 { font-size: 18px; line-height: 1.25; margin: 0 0 4px; }
.hubopt-title p { margin: 0 0 4px; }
.hubopt-title .hubopt-hint { color: #4d4d4d; font-size: 12px; margin: 0; }
.hubopt-legend { max-height: calc(100vh - 230px); overflow-y: auto; max-width: 320px; box-sizing: border-box; }
.hubopt-legend summary { font-weight: bold; font-size: 14px; cursor: pointer; }
.hubopt-legend section { margin-top: 6px; }
.hubopt-legend h2 { font-size: 13px; margin: 4px 0 3px; }
.hubopt-legend ul { list-style: none; margin: 0; padding: 0; }
.hubopt-legend li { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.hubopt-legend.hubopt-hide-cswatch .hubopt-cswatch { display: none; }
.hubopt-swatch { display: inline-block; width: 18px; height: 13px; flex: 0 0 18px; border: 1px solid #7a7a7a; }
.hubopt-sym { display: inline-flex; width: 28px; flex: 0 0 28px; justify-content: center; align-items: center; }
.hubopt-badge { display: inline-flex; width: 20px; height: 20px; flex: 0 0 20px; border-radius: 50%;
  background: #1a1a1a; color: #fff; font-weight: bold; font-size: 12px; justify-content: center;
  align-items: center; }
.hubopt-note { color: #4d4d4d; font-size: 12px; margin-left: auto; padding-left: 8px; white-space: nowrap; }
.hubopt-small { color: #4d4d4d; font-size: 12px; font-weight: normal; margin: 0 0 3px; }
.hubopt-ramp { display: flex; }
.hubopt-ramp span { flex: 1; text-align: center; font-size: 11px; padding: 1px 0; }
.hubopt-ramp-ends { display: flex; justify-content: space-between; gap: 8px; color: #4d4d4d; font-size: 11px; }
.hubopt-site-icon, .hubopt-label-icon { background: none; border: none; }
.hubopt-beds { display: inline-block; background: #fff; color: #1a1a1a; border: 1.5px solid #009e73;
  border-radius: 8px; padding: 0 5px; font: bold 11px/15px Arial, Helvetica, sans-serif; white-space: nowrap;
  box-shadow: 0 1px 2px rgba(0,0,0,0.4); }
.hubopt-syms { display: inline-flex; gap: 2px; align-items: center; justify-content: center; flex: 0 0 auto;
  min-width: 28px; }
.hubopt-symbol svg { display: block; }
.hubopt-hub svg { filter: drop-shadow(0 1px 2px rgba(0,0,0,0.6)); }
.hubopt-must-open { border-radius: 50%; box-shadow: 0 0 0 2px #ffffff, 0 0 0 5px #d55e00; }
.hubopt-must-tag { color: #a04000; font-weight: bold; white-space: nowrap; }
.hubopt-district-label { font: bold 12px Arial, Helvetica, sans-serif; color: #2b2b2b; text-align: center;
  white-space: nowrap; text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff; }
.foliumtooltip tr:first-child td, .foliumpopup tr:first-child td { font-weight: bold; }
.foliumpopup th { font-weight: normal; color: #4d4d4d; }
.hubopt-popup h3 { font-size: 14px; margin: 0 0 4px; }
.hubopt-popup .hubopt-role { margin: 0 0 4px; font-weight: bold; }
.hubopt-popup table { border-collapse: collapse; }
.hubopt-popup th { text-align: left; font-weight: normal; color: #4d4d4d; padding: 1px 10px 1px 0;
  vertical-align: top; }
.hubopt-popup td { padding: 1px 0; }
@media (max-width: 640px) {
  .hubopt-title { max-width: calc(100vw - 90px); }
  .hubopt-legend { max-width: calc(100vw - 80px); }
  .hubopt-title .hubopt-caption { font-size: 11.5px; line-height: 1.3; }
  .leaflet-container .leaflet-control-attribution { font-size: 10px; line-height: 1.3; }
  .hubopt-title h1 { font-size: 15px; }
  .hubopt-title .hubopt-hint { display: none; }
}
"""


class _MapFurniture(MacroElement):
    """Title box, key, CSS and the small script that places them and keeps the key in step with the layers.

    The title and key are plain HTML in the page (readable even if the map's scripts cannot load); the script
    moves them into Leaflet control corners so that they never overlap the zoom, layer and attribution controls.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div id="{{ this.get_name() }}_title" class="hubopt-box hubopt-title">{{ this.title_html }}</div>
            <div id="{{ this.get_name() }}_legend" class="hubopt-box hubopt-legend" role="region"
                 aria-label="Map key">{{ this.legend_html }}</div>
            {{ this.defs_html }}
        {% endmacro %}

        {% macro script(this, kwargs) %}
            (function () {
                var map = {{ this._parent.get_name() }};
                var legend = document.getElementById("{{ this.get_name() }}_legend");
                function place(id, position) {
                    var el = document.getElementById(id);
                    if (!el) { return; }
                    var Box = L.Control.extend({ onAdd: function () {
                        L.DomEvent.disableClickPropagation(el);
                        L.DomEvent.disableScrollPropagation(el);
                        return el;
                    } });
                    new Box({ position: position }).addTo(map);
                }
                // On a phone the key goes under the title, folded into its "Key" button; elsewhere it stands in
                // the lower left corner, above the scale bar.
                var narrow = window.innerWidth < 640;
                var title = document.getElementById("{{ this.get_name() }}_title");
                place("{{ this.get_name() }}_title", "topleft");
                place("{{ this.get_name() }}_legend", narrow ? "topleft" : "bottomleft");
                var details = legend.querySelector("details");
                if (narrow && details) { details.open = false; }
                var views = {
                    {%- for key, layer in this.views.items() %}
                    {{ key|tojson }}: {{ layer.get_name() }},
                    {%- endfor %}
                };
                var colourProperty = {{ this.colour_properties|tojson }};
                var zones = {{ this.zone_layer.get_name() }};
                var zoneStyle = {{ this.zone_style|tojson }};
                function showView(layer) {
                    Object.keys(views).forEach(function (key) {
                        var section = legend.querySelector('[data-hubopt-view="' + key + '"]');
                        if (section) { section.style.display = views[key] === layer ? "" : "none"; }
                        if (views[key] === layer) {
                            var prop = colourProperty[key];
                            var styler = function (feature) {
                                return Object.assign({ fillColor: feature.properties[prop] }, zoneStyle);
                            };
                            zones.options.style = styler;  // also used by resetStyle after a highlight
                            zones.setStyle(styler);
                        }
                    });
                    legend.classList.toggle("hubopt-hide-cswatch", layer !== views["catchments"]);
                }
                map.on("baselayerchange", function (e) { showView(e.layer); });
                showView(views["travel"]);
                var control = {{ this.control.get_name() }}.getContainer();
                function heading(selector, text) {
                    var list = control.querySelector(selector);
                    if (!list) { return; }
                    var h = document.createElement("div");
                    h.className = "hubopt-control-heading";
                    h.textContent = text;
                    h.style.fontWeight = "bold";
                    h.style.margin = "2px 0 3px";
                    list.parentNode.insertBefore(h, list);
                }
                heading(".leaflet-control-layers-base", "Colour the areas by");
                heading(".leaflet-control-layers-overlays", "Show on the map");
                if (window.innerWidth < 640) {
                    // On a phone the open layer list would hide the title: fold it into its button.
                    var layers = {{ this.control.get_name() }};
                    layers.collapse();
                    map.on("click", function () { layers.collapse(); });
                }
                map.attributionControl.addAttribution({{ this.attribution_js }});
                // Keep the title, key, layer list, scale bar, zoom buttons and credits clear of one another at any
                // window size: the credits wrap beside the left-hand column, and the key and the layer list get
                // the height left to them (and scroll within it).
                var mapBox = map.getContainer();
                var credits = map.attributionControl.getContainer();
                var scale = mapBox.querySelector(".leaflet-control-scale");
                var zoom = map.zoomControl ? map.zoomControl.getContainer() : null;
                function layout() {
                    var box = mapBox.getBoundingClientRect();
                    var leftColumn = Math.max(scale ? scale.offsetWidth : 0, narrow ? 0 : legend.offsetWidth);
                    credits.style.maxWidth = Math.max(120, box.width - leftColumn - 40) + "px";
                    credits.style.whiteSpace = "normal";
                    var key = legend.getBoundingClientRect();
                    var room;
                    if (narrow) {
                        var scaleTop = scale ? scale.getBoundingClientRect().top : box.bottom;
                        var floor = Math.min(credits.getBoundingClientRect().top, scaleTop);
                        room = floor - key.top - 10;
                    } else {
                        room = key.bottom - title.getBoundingClientRect().bottom - 10;
                    }
                    legend.style.maxHeight = Math.max(40, Math.floor(room)) + "px";
                    if (control.classList.contains("leaflet-control-layers-expanded")) {
                        var below = zoom ? zoom.getBoundingClientRect().top : credits.getBoundingClientRect().top;
                        var top = control.getBoundingClientRect().top;
                        control.style.maxHeight = Math.max(60, Math.floor(below - top - 10)) + "px";
                        control.style.overflowY = "auto";
                    } else {
                        control.style.maxHeight = "";
                    }
                }
                layout();
                map.on("resize", layout);
                if (details) { details.addEventListener("toggle", layout); }
                control.addEventListener("click", function () { window.setTimeout(layout, 0); });
                window.huboptLayout = layout;
                // Fit the zones, keeping them clear of the key and the layer list when the screen is wide enough.
                var size = map.getSize();
                var left = legend.offsetWidth + 20;
                var right = control.offsetWidth + 20;
                var fitOptions = size.x - left - right > 420
                    ? { paddingTopLeft: [left, 10], paddingBottomRight: [right, 10], animate: false }
                    : { padding: [10, 10], animate: false };
                map.fitBounds({{ this.bounds|tojson }}, fitOptions);
                // Labels (bed badges, then district names) never cover one another or a site's symbol: each is
                // tried at its place and a few nudges away; one with no free place is hidden at this zoom (its
                // facts stay in the tooltips and popups). Redone after every zoom and layer switch.
                function overlaps(a, b) {
                    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
                }
                function grown(r, by) {
                    return { left: r.left - by, right: r.right + by, top: r.top - by, bottom: r.bottom + by };
                }
                function moves(kind, label, home) {
                    if (kind === "hubopt-district-label") {
                        return [[0, 0], [0, -18], [0, 18], [0, -36], [0, 36], [-60, 0], [60, 0], [0, -54], [0, 54]];
                    }
                    // A bed badge: right of its site's symbol, left of it, above, below, then further up or down.
                    var gap = Number(label.getAttribute("data-offset") || 0);
                    var left = -(home.width + 2 * gap), centre = -(gap + home.width / 2);
                    var up = -(gap + home.height) + home.height / 2, down = gap + home.height / 2;
                    return [[0, 0], [left, 0], [centre, up], [centre, down], [0, -17], [0, 17], [left, -17],
                            [left, 17], [centre, up - 17], [centre, down + 17], [0, -34], [0, 34], [left, -34],
                            [left, 34]];
                }
                function declutter() {
                    var taken = [];
                    mapBox.querySelectorAll(".hubopt-site-icon, .hubopt-site-dot").forEach(function (icon) {
                        var r = icon.getBoundingClientRect();
                        if (r.width > 0) {
                            taken.push(grown(r, icon.querySelector(".hubopt-must-open") ? 5 : 1));
                        }
                    });
                    ["hubopt-beds", "hubopt-district-label"].forEach(function (kind) {
                        mapBox.querySelectorAll("." + kind).forEach(function (label) {
                            if (legend.contains(label)) { return; }
                            label.style.transform = "";
                            label.style.visibility = "";
                            var home = label.getBoundingClientRect();
                            if (home.width === 0) { return; }
                            var best = null, fewest = Infinity;
                            moves(kind, label, home).some(function (d) {
                                var box = { left: home.left + d[0], right: home.right + d[0],
                                            top: home.top + d[1], bottom: home.bottom + d[1] };
                                var hits = taken.filter(function (t) { return overlaps(box, t); }).length;
                                if (hits < fewest) { best = { box: box, d: d }; fewest = hits; }
                                return hits === 0;
                            });
                            if (fewest > 0 && kind === "hubopt-district-label") {
                                label.style.visibility = "hidden";  // a name yields; the outlines remain
                                return;
                            }
                            // a badge is always shown: where nothing is covered, else where least is
                            label.style.transform = "translate(" + best.d[0] + "px," + best.d[1] + "px)";
                            taken.push(best.box);
                        });
                    });
                }
                declutter();
                map.on("zoomend overlayadd overlayremove", declutter);
            })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        title_html: str,
        legend_html: str,
        defs_html: str,
        views: dict[str, folium.FeatureGroup],
        zone_layer: folium.GeoJson,
        control: folium.LayerControl,
        attribution: str,
        bounds: list[list[float]],
    ) -> None:
        super().__init__()
        self._name = "HuboptFurniture"
        self.css = _CSS
        self.title_html = title_html
        self.legend_html = legend_html
        self.defs_html = defs_html
        self.views = views
        self.colour_properties = {key: _ZONE_COLOUR_PROPERTIES[key] for key in views}
        self.zone_layer = zone_layer
        self.zone_style = _ZONE_STYLE
        self.control = control
        self.attribution_js = _js_string(attribution)
        self.bounds = [[float(v) for v in corner] for corner in bounds]


# --------------------------------------------------------------------------------------------------------------------
# Small formatting helpers
# --------------------------------------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    """HTML-escape user text, and make it inert inside folium's JavaScript template strings too."""
    text = html.escape(str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _js_string(text: str) -> str:
    """A JavaScript string literal that is safe inside a <script> block (non-ASCII text kept readable)."""
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def _text(value: object) -> str:
    """User text for display: missing values become an empty string."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _key(value: object) -> str | None:
    """Identifier used to match hubs between zones and sites (as text; missing -> None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _normalise_value(value: object, allowed: Sequence[str], column: str = "") -> str:
    text = _text(value).strip().lower()
    if text not in allowed:
        raise InputError(
            f"unknown site {column or 'value'} {_text(value)!r}",
            column=column or None,
            hint=f"use one of: {', '.join(allowed)}",
        )
    return text


def _as_number(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not one (missing, not a number, NaN or infinite)."""
    if not isinstance(value, SupportsFloat | SupportsIndex | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_number(value: object) -> bool:
    return _as_number(value) is not None


def _num(value: float) -> str:
    return f"{value:g}"


def _count(value: float) -> str:
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def _people(value: object) -> str:
    number = _as_number(value)
    if number is None:
        return "not known"
    return f"{round(number):,} {'person' if round(number) == 1 else 'people'}"


def _imd_text(value: object) -> str:
    number = _as_number(value)
    if number is None:
        return "not available"
    return f"{int(number)} of 10 (1 = most deprived)"
