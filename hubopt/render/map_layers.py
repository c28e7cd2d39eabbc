"""The layers of the interactive map: zones (one set of polygons recoloured by each view), catchment and district
boundaries, one layer per kind of site, planned community beds, new housing and drive-time bands.
"""

from __future__ import annotations

import math
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from hubopt.render.map_frames import _features, _to_display
from hubopt.render.map_popups import _popup_html, _site_popup_html
from hubopt.render.map_style import (
    _SITE_GROUP_ORDER,
    _TYPE_LABELS,
    CATCHMENT_BOUNDARY_COLOUR,
    CLUSTER_COLOUR,
    COORD_DECIMALS,
    DISTRICT_COLOUR,
    HOUSING_MAX_SIZE,
    HOUSING_MIN_SIZE,
    ISOCHRONE_FILL_OPACITY,
    ISOCHRONE_OUTLINE_COLOUR,
    LAYER_CLUSTERS,
    LAYER_DISTRICTS,
    LAYER_HOUSING,
    LAYER_PLANNED_BEDS,
    SITE_TYPES,
    WGS84,
    ZONE_FILL_OPACITY,
    ZONE_OUTLINE_COLOUR,
)
from hubopt.render.map_symbols import _house_svg, _symbol_svg
from hubopt.render.map_text import _as_number, _count, _esc, _is_number, _normalise_value, _people, _text

__all__ = ["planned_beds_label"]


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
    if style["kind"] == "external":
        role += " (border service: another area's, serves its nearest zones, not one of the hubs)"
    must_open = bool(row["must_open"])
    if must_open:
        role += " (must open: required by the scenario, not chosen by the model)"
    popup_role = role if number is not None or style["greyed"] or must_open or style["kind"] == "external" else None
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


def _cluster_layer(clusters: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Each cluster's (Primary Care Network's) outline with its name, and a popup of its practices, people and
    hubs; off at first.

    ``clusters`` (WGS84) has ``pcn_code``, ``pcn_name``, ``practices``, ``people`` and ``hubs`` (text).
    """
    group = folium.FeatureGroup(name=LAYER_CLUSTERS, overlay=True, show=False)
    style = {"color": CLUSTER_COLOUR, "weight": 3, "opacity": 0.95, "fill": True, "fillOpacity": 0.0}
    points = clusters.geometry.representative_point()
    for (_, row), point in zip(clusters.iterrows(), points, strict=True):
        name = _text(row["pcn_name"])
        rows = [
            ("PCN code", _esc(_text(row["pcn_code"]))),
            ("Practices", _count(row["practices"])),
            ("People (zones nearest its practices)", _people(row["people"])),
            ("Hubs serving them", _esc(_text(row["hubs"])) or "none"),
        ]
        outline = gpd.GeoDataFrame({"kind": ["cluster"]}, geometry=[row.geometry], crs=clusters.crs)
        shape = folium.GeoJson(
            _features(outline, ["kind"], "k"),
            control=False,
            style_function=lambda _, s=style: s,
            tooltip=folium.Tooltip(f"<b>{_esc(name)}</b>"),
        )
        folium.Popup(_popup_html(name, rows, role="Cluster (Primary Care Network)"), max_width=360).add_to(shape)
        shape.add_to(group)
        folium.Marker(
            location=[round(point.y, COORD_DECIMALS), round(point.x, COORD_DECIMALS)],
            icon=folium.DivIcon(
                html=f'<div class="hubopt-cluster-label" style="color:{CLUSTER_COLOUR};font-weight:bold;'
                "font-size:12px;text-align:center;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;"
                f'white-space:nowrap">{_esc(name)}</div>',
                icon_size=(200, 16),
                icon_anchor=(100, 8),
                class_name="hubopt-label-icon",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(group)
    return group
