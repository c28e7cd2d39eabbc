"""A map of what changed between two runs: zones shaded by people added (after minus before) and by the change in
travel time to their hub, hubs kept, added and removed marked with their load before and after. One self-contained
HTML file (Leaflet embedded, see :mod:`hubopt.render.offline`)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure

from hubopt.analysis.compare import CHANGE_LABELS, PEOPLE_LABELS, Comparison
from hubopt.locate.solution import signed_number
from hubopt.render.folium_map import DEFAULT_ATTRIBUTION, OSM_ATTRIBUTION, TILE_URL
from hubopt.render.offline import inline_assets

#: Diverging colours for CHANGE_LABELS (ColorBrewer RdBu, blue = better off, red = worse off, grey = unchanged).
CHANGE_COLOURS = ("#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f0f0f0", "#fddbc7", "#f4a582", "#d6604d", "#b2182b")
#: Diverging colours for PEOPLE_LABELS (ColorBrewer BrBG: brown = people removed, teal = people added, grey = none).
PEOPLE_COLOURS = ("#8c510a", "#bf812d", "#dfc27d", "#f6e8c3", "#f0f0f0", "#c7eae5", "#80cdc1", "#35978f", "#01665e")
#: Names of the map's zone layers.
PEOPLE_LAYER = "People added (after minus before)"
TIME_LAYER = "Change in travel time to hub"
#: Marker colours of hubs kept, added and removed.
HUB_COLOURS = {"Hub kept": "#ffffff", "Hub added": "#1b7837", "Hub removed": "#762a83"}


def _text(value: object) -> str:
    return html.escape(str(value)).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def people_added_colours(comparison: Comparison) -> pd.Series:
    """The fill colour of each zone on the people-added layer (indexed like ``comparison.zones``)."""
    colour = dict(zip(PEOPLE_LABELS, PEOPLE_COLOURS, strict=True))
    return comparison.zones["people_band"].astype(str).map(colour).fillna("#999999")


def _zone_popup(row: Any, comparison: Comparison) -> str:
    """``row`` is one row of the comparison's zones from ``itertuples`` (a namedtuple of its columns)."""
    hub_a = comparison.label(row.hub_id_a) if row.hub_id_a else "none reachable"
    hub_b = comparison.label(row.hub_id_b) if row.hub_id_b else "none reachable"
    return (
        f"<b>{_text(row.zone_name)}</b> ({_text(row.zone_id)})<br>{_text(row.district)}<br>"
        f"People: {row.population_a:,.0f} → {row.population_b:,.0f} ({signed_number(row.people_added)})<br>"
        f"Demand: {row.demand_a:,.0f} → {row.demand_b:,.0f} ({signed_number(row.demand_added)})<br>"
        f"Hub: {_text(hub_a)} → {_text(hub_b)}<br>"
        f"Minutes: {row.minutes_a:.1f} → {row.minutes_b:.1f} ({signed_number(row.minutes_change, '.1f')})"
    )


def _legend_rows(labels: tuple[str, ...], colours: tuple[str, ...], counts: dict[str, str], keep: set[str]) -> str:
    return "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};border:1px solid #999;'
        f'margin-right:6px;vertical-align:middle"></span>{_text(lab)}: {counts.get(lab, "")}</div>'
        for lab, c in zip(labels, colours, strict=True)
        if lab in keep
    )


def write_comparison_map(
    comparison: Comparison,
    zones: gpd.GeoDataFrame,
    sites_a: pd.DataFrame,
    sites_b: pd.DataFrame,
    path: str | Path,
    *,
    title: str,
    attribution: str = DEFAULT_ATTRIBUTION,
) -> Path:
    """Write the comparison map.

    Two zone layers: people added (shown when any zone's people changed) and change in travel time to the hub
    (shown when no zone's people changed); the hubs of both runs with their load before and after.

    Parameters
    ----------
    comparison : Comparison
        From :func:`hubopt.analysis.compare.compare_runs`.
    zones : geopandas.GeoDataFrame
        Zone polygons with ``zone_id`` (any CRS).
    sites_a, sites_b : pandas.DataFrame
        The runs' sites tables (``site_id, name, chosen, easting, northing``).
    path : str or Path
        HTML file to write.
    title : str
        Title shown on the map.
    """
    z = comparison.zones.merge(zones[["zone_id", "geometry"]], on="zone_id", how="left")
    if z["geometry"].isna().any():
        missing = z.loc[z["geometry"].isna(), "zone_id"].head(5).tolist()
        raise ValueError(f"zones without a polygon: {missing}")
    z["people_fill"] = people_added_colours(comparison).to_numpy()
    time_colour = dict(zip(CHANGE_LABELS, CHANGE_COLOURS, strict=True))
    z["time_fill"] = z["change_band"].astype(str).map(time_colour).fillna("#999999")
    gz = gpd.GeoDataFrame(z, geometry="geometry", crs=zones.crs).to_crs("EPSG:27700")
    gz["geometry"] = gz.geometry.simplify(20.0)
    gz = gz.to_crs("EPSG:4326")
    people_changed = len(comparison.people_changed_zones()) > 0
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    fmap.default_js = [(n, u) for n, u in folium.Map.default_js if n in ("leaflet", "jquery")]
    fmap.default_css = [(n, u) for n, u in folium.Map.default_css if n == "leaflet_css"]
    folium.TileLayer(
        TILE_URL, attr=f"{OSM_ATTRIBUTION}, {attribution}", name="Street map (OpenStreetMap)", overlay=False
    ).add_to(fmap)
    for name, fill_column, show, tip in (
        (PEOPLE_LAYER, "people_fill", people_changed, lambda r: f"{signed_number(r.people_added)} people"),
        (TIME_LAYER, "time_fill", not people_changed, lambda r: f"{signed_number(r.minutes_change, '.1f')} min"),
    ):
        layer = folium.FeatureGroup(name=name, show=show)
        for row in gz.itertuples():
            fill = getattr(row, fill_column)
            folium.GeoJson(
                row.geometry.__geo_interface__,
                style_function=lambda _f, c=fill: {
                    "fillColor": c,
                    "color": "#ffffff",
                    "weight": 0.5,
                    "fillOpacity": 0.75,
                },
                tooltip=f"{_text(row.zone_name)}: {tip(row)}",
            ).add_child(folium.Popup(_zone_popup(row, comparison), max_width=340)).add_to(layer)
        layer.add_to(fmap)
    _add_hub_markers(fmap, comparison, sites_a, sites_b)
    folium.LayerControl(collapsed=False).add_to(fmap)
    b = gz.total_bounds
    fmap.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium Map's root is the page (a branca Figure)
    root.html.add_child(folium.Element(_legend(comparison, title)))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(inline_assets(fmap.get_root().render()), encoding="utf-8")
    return out


def _add_hub_markers(fmap: folium.Map, comparison: Comparison, sites_a: pd.DataFrame, sites_b: pd.DataFrame) -> None:
    markers = folium.FeatureGroup(name="Hubs kept, added and removed", show=True)
    loads = comparison.hubs.set_index("site_id")
    for label, ids, sites in (
        ("Hub kept", comparison.hubs_kept, sites_b),
        ("Hub added", comparison.hubs_added, sites_b),
        ("Hub removed", comparison.hubs_removed, sites_a),
    ):
        for _, s in sites[sites["site_id"].astype(str).isin(ids)].iterrows():
            sid = str(s["site_id"])
            lonlat = (
                gpd.GeoSeries(gpd.points_from_xy([s["easting"]], [s["northing"]]), crs="EPSG:27700")
                .to_crs("EPSG:4326")
                .iloc[0]
            )
            r = loads.loc[sid]
            people, demand = signed_number(r["population_change"]), signed_number(r["demand_change"])
            popup = (
                f"<b>{_text(comparison.label(sid))}</b><br>{label}<br>"
                f"People served: {r['population_a']:,.0f} → {r['population_b']:,.0f} ({people})"
                f"<br>Demand served: {r['demand_a']:,.0f} → {r['demand_b']:,.0f} ({demand})"
            )
            folium.CircleMarker(
                [lonlat.y, lonlat.x],
                radius=9,
                color="#000000",
                weight=2,
                fill=True,
                fill_color=HUB_COLOURS[label],
                fill_opacity=1.0,
                tooltip=f"{label}: {_text(comparison.label(sid))}",
                popup=folium.Popup(popup, max_width=340),
            ).add_to(markers)
    markers.add_to(fmap)


def _legend(comparison: Comparison, title: str) -> str:
    by_people = comparison.by_people.set_index("people_added_band") if comparison.by_people is not None else None
    people_counts: dict[str, str] = {}
    shown: set[str] = {"no change"}
    if by_people is not None:
        for lab in PEOPLE_LABELS:
            n, added = int(by_people.loc[lab, "zones"]), float(by_people.loc[lab, "people_added"])
            people = f", {signed_number(added)} people" if n and lab != "no change" else ""
            people_counts[lab] = f"{n} zone{'s' if n != 1 else ''}{people}"
            if n:
                shown.add(lab)
    people = comparison.by_change.set_index("change")["population"]
    time_counts = {lab: f"{people.get(lab, 0):,.0f} people" for lab in CHANGE_LABELS}
    if len(comparison.changed_zones()):
        time_rows = (
            '<div style="margin-bottom:2px">Blue: better off; red: worse off (switch layers at the right).</div>'
            + _legend_rows(CHANGE_LABELS, CHANGE_COLOURS, time_counts, set(CHANGE_LABELS))
        )
    else:
        time_rows = f"<div>No zone's hub or travel time changed ({people.sum():,.0f} people unchanged).</div>"
    z = comparison.zones
    total_a, total_b = z["population_a"].sum(), z["population_b"].sum()

    def hubs(ids: list[str]) -> str:
        return _text(", ".join(comparison.label(s) for s in ids) or "none")

    return (
        '<div style="position:fixed;top:10px;left:50px;z-index:1000;background:#fff;padding:10px 12px;'
        "border:1px solid #999;border-radius:4px;font:13px Arial,sans-serif;max-width:400px;max-height:85vh;"
        'overflow:auto">'
        f'<div style="font-size:16px;font-weight:bold">{_text(title)}</div>'
        f'<div style="margin:4px 0 8px">From {_text(comparison.a.name)} (before) to {_text(comparison.b.name)} '
        f"(after). People: {total_a:,.0f} → {total_b:,.0f} ({signed_number(total_b - total_a)}).</div>"
        f'<div style="font-weight:bold;margin-top:4px">{_text(PEOPLE_LAYER)}</div>'
        f"{_legend_rows(PEOPLE_LABELS, PEOPLE_COLOURS, people_counts, shown)}"
        f'<div style="font-weight:bold;margin-top:8px">Who is better or worse off: {_text(TIME_LAYER.lower())}</div>'
        f"{time_rows}"
        '<div style="margin-top:8px"><span style="color:#000">○</span> Hubs kept: '
        f"{hubs(comparison.hubs_kept)}</div>"
        f'<div><span style="color:#1b7837">●</span> Hub added: {hubs(comparison.hubs_added)}</div>'
        f'<div><span style="color:#762a83">●</span> Hub removed: {hubs(comparison.hubs_removed)}</div>'
        "</div>"
    )


def comparison_zones_geometry(manifest: dict) -> gpd.GeoDataFrame | None:
    """The zone polygons named in a run's manifest (None when the file is no longer there)."""
    for item in manifest.get("inputs", []):
        if item.get("role") == "study/zone_boundaries.geojson" and Path(item["path"]).exists():
            g = gpd.read_file(item["path"])
            g["zone_id"] = g["zone_id"].astype(str)
            return g
    return None


__all__ = [
    "CHANGE_COLOURS",
    "PEOPLE_COLOURS",
    "PEOPLE_LAYER",
    "TIME_LAYER",
    "comparison_zones_geometry",
    "people_added_colours",
    "write_comparison_map",
]
