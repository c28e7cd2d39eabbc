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

This module puts the page together; the parts live beside it: :mod:`~hubopt.render.map_style` (layer names,
colours, site symbols, travel-time classes; shared with the static map), :mod:`~hubopt.render.map_frames` (checking
and preparing the inputs), :mod:`~hubopt.render.map_layers` (the folium layers), :mod:`~hubopt.render.map_popups`,
:mod:`~hubopt.render.map_symbols` (SVG symbols), :mod:`~hubopt.render.map_key` (title box and key),
:mod:`~hubopt.render.map_page` (CSS and the script that places the boxes) and :mod:`~hubopt.render.map_text`
(escaping and number formatting).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
from branca.element import Figure

from hubopt.render.map_frames import (
    _catchment_outlines,
    _classify_growth,
    _classify_zones,
    _districts_from_zones,
    _hub_table,
    _prepare_districts,
    _prepare_housing,
    _prepare_isochrones,
    _prepare_sites,
    _prepare_zones,
    _to_display,
)
from hubopt.render.map_key import _legend_html, _title_html
from hubopt.render.map_layers import (
    _add_site_layers,
    _catchment_boundaries,
    _cluster_layer,
    _district_layer,
    _housing_layer,
    _isochrone_layer,
    _planned_beds_layer,
    _planned_beds_year,
    _zone_layer,
    planned_beds_label,
)
from hubopt.render.map_page import _MapFurniture
from hubopt.render.map_style import (
    ACUTE_HOSPITAL_COLOUR,
    CANDIDATE_COLOUR,
    CATCHMENT_COLOURS,
    CATCHMENT_PATTERNS,
    COMMUNITY_HOSPITAL_COLOUR,
    DEFAULT_ATTRIBUTION,
    DISTRICT_COLOUR,
    GP_PRACTICE_COLOUR,
    GROWTH_COLOURS,
    GROWTH_EDGES,
    GROWTH_LABELS,
    GROWTH_NO_CHANGE,
    HOUSING_COLOUR,
    HUB_COLOUR,
    IMD_COLOURS,
    ISOCHRONE_COLOURS,
    LAYER_CATCHMENTS,
    LAYER_CLUSTERS,
    LAYER_DEPRIVATION,
    LAYER_DISTRICTS,
    LAYER_GROWTH,
    LAYER_HOUSING,
    LAYER_PLANNED_BEDS,
    LAYER_STREET_MAP,
    LAYER_TRAVEL_TIME,
    MUST_OPEN_COLOUR,
    MUST_OPEN_LABEL,
    NO_DATA_COLOUR,
    NO_HUB_COLOUR,
    NO_HUB_LABEL,
    OSM_ATTRIBUTION,
    OTHER_SITE_COLOUR,
    SITE_OUTLINE_COLOUR,
    SITE_STATUSES,
    SITE_TYPES,
    TILE_URL,
    TRAVEL_TIME_COLOURS,
    UNAVAILABLE_COLOUR,
    UNAVAILABLE_OUTLINE_COLOUR,
    _check_time_bands,
    site_style,
    time_band_colours,
    time_band_labels,
)
from hubopt.render.map_symbols import _pattern_defs_html
from hubopt.render.map_text import _esc
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
    clusters: gpd.GeoDataFrame | None = None,
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
    clusters : geopandas.GeoDataFrame, optional
        One polygon per cluster of practices (Primary Care Network; any CRS) with ``pcn_code``, ``pcn_name``,
        ``practices``, ``people`` and ``hubs`` (text: the hubs serving its people), as made by
        :func:`hubopt.pipeline.clusters.cluster_outlines`; drawn as named outlines with popups in the layer
        "Clusters (Primary Care Networks)", off at first.

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
        clusters=clusters,
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
    clusters: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Build the interactive map of :func:`write_hub_map` without writing it (e.g. to show it in a notebook).

    Parameters
    ----------
    zones, sites, title, caption, districts, attribution, time_bands, housing, isochrones, isochrone_label
        As for :func:`write_hub_map`.
    growth_base_year, clusters
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
    fmap = _base_map(title, west=west, south=south, east=east, north=north)
    # The zones are drawn once; the three views are radio-button (base) layers that recolour them (see
    # _MapFurniture), which keeps the file a third of the size of three copies of the polygons.
    has_imd = "imd_decile" in zone_frame.columns
    zone_layer = _zone_layer(zones_wgs, has_imd=has_imd, has_growth=has_growth)
    zone_layer.add_to(fmap)
    views = _view_layers(catchments_wgs, has_imd=has_imd, has_growth=has_growth)
    for layer in views.values():
        layer.add_to(fmap)

    site_kinds = _add_site_layers(fmap, site_frame, hubs)
    has_beds = _planned_beds_layer(site_frame, fmap)
    if housing_frame is not None and not housing_frame.empty:
        _housing_layer(housing_frame).add_to(fmap)
    if isochrone_frame is not None and not isochrone_frame.empty:
        _isochrone_layer(isochrone_frame, isochrone_label).add_to(fmap)
    has_clusters = clusters is not None and not clusters.empty
    if clusters is not None and has_clusters:
        _cluster_layer(_to_display(clusters)).add_to(fmap)
    if district_frame is not None:
        _district_layer(district_frame).add_to(fmap)
    _street_map_layer().add_to(fmap)

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
        has_clusters=has_clusters,
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


def _base_map(title: str, *, west: float, south: float, east: float, north: float) -> folium.Map:
    """An empty map centred on the bounds, with only the scripts it needs and the panes of zones and boundaries."""
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
    return fmap


def _view_layers(
    catchments_wgs: gpd.GeoDataFrame, *, has_imd: bool, has_growth: bool
) -> dict[str, folium.FeatureGroup]:
    """The radio-button layers of the views, by key; the catchment view carries the catchment boundaries."""
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
    return views


def _street_map_layer() -> folium.TileLayer:
    """The OpenStreetMap background layer.

    It can be switched off: where its tiles do not load, the polygons carry the geography.
    """
    return folium.TileLayer(
        tiles=TILE_URL,
        attr=OSM_ATTRIBUTION,
        name=LAYER_STREET_MAP,
        overlay=True,
        control=True,
        show=True,
        max_zoom=19,
        referrerPolicy="strict-origin-when-cross-origin",
    )
