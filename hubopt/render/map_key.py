"""The key (legend) of the interactive map, one section per view and per kind of symbol, and the title box."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from hubopt.render.map_frames import _isochrone_bands
from hubopt.render.map_style import (
    _SYMBOLS,
    _UNAVAILABLE_LABEL,
    CATCHMENT_BOUNDARY_COLOUR,
    CLUSTER_COLOUR,
    DISTRICT_COLOUR,
    GROWTH_COLOURS,
    GROWTH_LABELS,
    GROWTH_NO_CHANGE,
    HOUSING_MIN_SIZE,
    IMD_COLOURS,
    LAYER_CLUSTERS,
    MUST_OPEN_LABEL,
    NO_DATA_COLOUR,
    NO_HUB_COLOUR,
    NO_HUB_LABEL,
    time_band_colours,
    time_band_labels,
)
from hubopt.render.map_symbols import _house_svg, _line_svg, _swatch_background, _symbol_svg
from hubopt.render.map_text import _count, _esc, _is_number, _num, _people, _text


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
    transit_bands: gpd.GeoDataFrame | None = None,
    transit_label: str = "",
    growth_base_year: int | None = None,
    has_must_open: bool = False,
    has_clusters: bool = False,
) -> str:
    total = zones["population"].sum(min_count=1)
    parts = [_travel_key(zones, bands, total), _catchments_key(zones, total)]
    if "deprivation" in views:
        parts.append(_deprivation_key(zones))
    if "growth" in views:
        parts.append(_growth_key(zones, total, growth_base_year))
    if len(hubs):
        parts.append(_hubs_key(hubs))
    items = _site_key_items(site_kinds, has_must_open=has_must_open, has_beds=has_beds, beds_label=beds_label)
    if housing is not None and not housing.empty:
        items.append(_housing_key_item(housing))
    if items:
        parts.append(f"<section><h2>Sites</h2><ul>{''.join(items)}</ul></section>")
    if isochrones is not None and not isochrones.empty:
        parts.append(_isochrones_key(isochrones, isochrone_label))
    if transit_bands is not None and not transit_bands.empty:
        parts.append(
            _isochrones_key(
                transit_bands,
                transit_label,
                item="Zones within {} minutes of a chosen hub",
                note="Timed from each zone's point by the public-transport router (the scenario's percentile over "
                "its departure window); a whole zone is shaded when its point is within the band.",
            )
        )
    if has_clusters:
        parts.append(
            f"<section><h2>{_esc(LAYER_CLUSTERS)}</h2>"
            '<p class="hubopt-small">Switch on in the layer list; click an outline for the PCN\'s people and '
            "hubs.</p>"
            f"<ul><li>{_line_svg(CLUSTER_COLOUR, 3)}<span>Zones nearest each PCN's practices</span></li></ul>"
            "</section>"
        )
    if has_districts:
        parts.append(
            f"<section><ul><li>{_line_svg(DISTRICT_COLOUR, 2.2, '7 4')}<span>District boundary</span></li></ul>"
            "</section>"
        )
    return f"<details open><summary>Key</summary>{''.join(parts)}</details>"


def _share(people: float, total: float) -> str:
    """People in a class and their share of ``total``, as a note beside a key entry (empty when not known)."""
    if not _is_number(people) or not _is_number(total) or total <= 0:
        return ""
    pct = 100 * people / total
    pct_text = "under 1%" if 0 < pct < 0.5 else f"{pct:.0f}%"
    return f'<span class="hubopt-note">{_people(people)} ({pct_text})</span>'


def _swatch(colour: str, extra: str = "") -> str:
    return f'<span class="hubopt-swatch{extra}" style="background:{colour}"></span>'


def _travel_key(zones: gpd.GeoDataFrame, bands: list[float], total: float) -> str:
    """Key of the travel-time view: one entry per class, then the areas no hub reaches."""
    items = []
    for b, (label, colour) in enumerate(zip(time_band_labels(bands), time_band_colours(bands), strict=True)):
        people = zones.loc[zones["travel_band"] == b, "population"].sum()
        items.append(f"<li>{_swatch(colour)}<span>{label}</span>{_share(people, total)}</li>")
    unreachable = zones["travel_band"] == -1
    if unreachable.any():
        people = zones.loc[unreachable, "population"].sum()
        items.append(f"<li>{_swatch(NO_HUB_COLOUR)}<span>{NO_HUB_LABEL}</span>{_share(people, total)}</li>")
    return (
        '<section data-hubopt-view="travel"><h2>Travel time to the nearest chosen hub (minutes)</h2>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _catchments_key(zones: gpd.GeoDataFrame, total: float) -> str:
    """Key of the catchment view (the hub colours themselves are in the list of hubs)."""
    items = []
    if (zones["catchment_colour"] == NO_HUB_COLOUR).any():
        people = zones.loc[zones["catchment_colour"] == NO_HUB_COLOUR, "population"].sum()
        items.append(f"<li>{_swatch(NO_HUB_COLOUR)}<span>{NO_HUB_LABEL}</span>{_share(people, total)}</li>")
    items.append(f"<li>{_line_svg(CATCHMENT_BOUNDARY_COLOUR, 2.5)}<span>Catchment boundary</span></li>")
    return (
        '<section data-hubopt-view="catchments"><h2>Catchments</h2>'
        '<p class="hubopt-small">Each area has the colour of the hub that serves it (see the list of hubs).</p>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _deprivation_key(zones: gpd.GeoDataFrame) -> str:
    """Key of the deprivation view: the ten deciles as a ramp, and "No data" when some area has none."""
    ramp = "".join(
        f'<span style="background:{c};color:{"#ffffff" if i < 5 else "#1a1a1a"}">{i + 1}</span>'
        for i, c in enumerate(IMD_COLOURS)
    )
    no_data = ""
    if zones["imd_decile"].isna().any():
        no_data = f"<ul><li>{_swatch(NO_DATA_COLOUR)}<span>No data</span></li></ul>"
    return (
        '<section data-hubopt-view="deprivation"><h2>Deprivation (IMD decile)</h2>'
        f'<div class="hubopt-ramp">{ramp}</div>'
        '<div class="hubopt-ramp-ends"><span>1 = most deprived 10% in England</span>'
        "<span>10 = least deprived</span></div>"
        f"{no_data}</section>"
    )


def _growth_key(zones: gpd.GeoDataFrame, total: float, growth_base_year: int | None) -> str:
    """Key of the population-growth view; a population held flat gets one class and says so."""
    bands = zones["growth_band"]
    since = f" since {growth_base_year}" if growth_base_year is not None else " since the base year"
    held_flat = bool((bands >= 0).any() and (bands[bands >= 0] == GROWTH_NO_CHANGE).all())
    items = []
    for b, (label, colour) in enumerate(zip(GROWTH_LABELS, GROWTH_COLOURS, strict=True)):
        if (held_flat and b != GROWTH_NO_CHANGE) or (b == GROWTH_NO_CHANGE and not (bands == b).any()):
            continue  # a flat population has one class; "No change" is listed only when some area has it
        people = zones.loc[bands == b, "population"].sum()
        items.append(f"<li>{_swatch(colour)}<span>{label}</span>{_share(people, total)}</li>")
    if (bands == -1).any():
        people = zones.loc[bands == -1, "population"].sum()
        items.append(f"<li>{_swatch(NO_DATA_COLOUR)}<span>No data</span>{_share(people, total)}</li>")
    if held_flat:
        at = f" at {growth_base_year}" if growth_base_year is not None else " (no change since the base year)"
        heading = f"Population held flat{at}"
        note = "The population is not projected: every area keeps the same number of people."
    else:
        heading = f"Population growth{since}"
        note = "Change in the number of people living in each area (people now)."
    return (
        f'<section data-hubopt-view="growth"><h2>{_esc(heading)}</h2><p class="hubopt-small">{note}</p>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _hubs_key(hubs: pd.DataFrame) -> str:
    """The list of chosen hubs, which is also the key of the catchment colours."""
    items = []
    for hub in hubs.itertuples(index=False):
        people = f'<span class="hubopt-note">{_people(hub.people)}</span>' if _is_number(hub.people) else ""
        must = ' <span class="hubopt-must-tag">(must open)</span>' if hub.must_open else ""
        if getattr(hub, "external", False):
            must = ' <span class="hubopt-must-tag">(border service: another area\'s, not one of the hubs)</span>'
        items.append(
            f'<li data-hubopt-hub="{hub.number}"><span class="hubopt-swatch hubopt-cswatch" '
            f'data-hubopt-style="{hub.colour}/{hub.pattern}" '
            f'style="background:{_swatch_background(hub.colour, hub.pattern)}"></span>'
            f'<span class="hubopt-badge">{hub.number}</span>'
            f"<span>{_esc(_text(hub.name))}{must}</span>{people}</li>"
        )
    return (
        '<section><h2>Chosen hubs <span class="hubopt-small">(people living in each catchment)</span></h2>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _site_key_items(
    site_kinds: list[dict[str, Any]], *, has_must_open: bool, has_beds: bool, beds_label: str
) -> list[str]:
    """Key entries of the site symbols: one per kind shown, must-open hubs, unavailable sites, planned beds."""
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
    return items


def _housing_key_item(housing: gpd.GeoDataFrame) -> str:
    """Key entry of the new housing sites (two house sizes and the largest site's dwellings)."""
    largest = housing["dwellings"].max()
    note = f'<span class="hubopt-note">up to {_count(largest)} dwellings</span>' if _is_number(largest) else ""
    return (
        f'<li><span class="hubopt-syms">{_house_svg(HOUSING_MIN_SIZE)}{_house_svg(18)}</span>'
        f"<span>New housing site (bigger = more homes)</span>{note}</li>"
    )


def _isochrones_key(
    isochrones: gpd.GeoDataFrame,
    isochrone_label: str,
    *,
    item: str = "Within {} minutes of a chosen hub",
    note: str = "",
) -> str:
    """Key of the drive-time (or public-transport) bands (a layer that is off at first)."""
    colour = dict(zip(isochrones["band_minutes"], isochrones["colour"], strict=True))
    items = [
        f"<li>{_swatch(colour[b])}<span>{_esc(item.format(_num(b)))}</span></li>"
        for b in _isochrone_bands(isochrones)
    ]
    extra = f" {_esc(note)}" if note else ""
    return (
        f"<section><h2>{_esc(isochrone_label)}</h2>"
        f'<p class="hubopt-small">Switch on in the layer list; point at an area to see its hub.{extra}</p>'
        f"<ul>{''.join(items)}</ul></section>"
    )
