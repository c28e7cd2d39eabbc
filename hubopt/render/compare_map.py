"""A map of who is better or worse off between two runs: zones shaded by the change in travel time to their hub,
hubs added and removed marked. One self-contained HTML file (Leaflet embedded, see :mod:`hubopt.render.offline`)."""

from __future__ import annotations

import html
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from hubopt.compare import CHANGE_LABELS, Comparison
from hubopt.render.folium_map import DEFAULT_ATTRIBUTION, OSM_ATTRIBUTION, TILE_URL
from hubopt.render.offline import inline_assets

#: Diverging colours for CHANGE_LABELS (ColorBrewer RdBu, blue = better off, red = worse off, grey = unchanged).
CHANGE_COLOURS = ("#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f0f0f0", "#fddbc7", "#f4a582", "#d6604d", "#b2182b")


def _text(value: object) -> str:
    return html.escape(str(value)).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


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

    Parameters
    ----------
    comparison : Comparison
        From :func:`hubopt.compare.compare_runs`.
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
    gz = gpd.GeoDataFrame(z, geometry="geometry", crs=zones.crs).to_crs("EPSG:27700")
    gz["geometry"] = gz.geometry.simplify(20.0)
    gz = gz.to_crs("EPSG:4326")
    colour = dict(zip(CHANGE_LABELS, CHANGE_COLOURS, strict=True))
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    fmap.default_js = [(n, u) for n, u in folium.Map.default_js if n in ("leaflet", "jquery")]
    fmap.default_css = [(n, u) for n, u in folium.Map.default_css if n == "leaflet_css"]
    folium.TileLayer(
        TILE_URL, attr=f"{OSM_ATTRIBUTION}, {attribution}", name="Street map (OpenStreetMap)", overlay=False
    ).add_to(fmap)
    layer = folium.FeatureGroup(name="Change in travel time to hub", show=True)
    for row in gz.itertuples():
        band = str(row.change_band)
        fill = colour.get(band, "#999999")
        popup = (
            f"<b>{_text(row.zone_name)}</b> ({_text(row.zone_id)})<br>{_text(row.district)}<br>"
            f"People: {row.population_b:,.0f}<br>Hub: {_text(row.hub_a)} → {_text(row.hub_b)}<br>"
            f"Minutes: {row.minutes_a:.1f} → {row.minutes_b:.1f} ({row.minutes_change:+.1f})"
        )
        folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, c=fill: {
                "fillColor": c,
                "color": "#ffffff",
                "weight": 0.5,
                "fillOpacity": 0.75,
            },
            tooltip=f"{_text(row.zone_name)}: {row.minutes_change:+.1f} min",
            popup=folium.Popup(popup, max_width=320),
        ).add_to(layer)
    layer.add_to(fmap)
    markers = folium.FeatureGroup(name="Hubs added and removed", show=True)
    for label, ids, sites, fill in (
        ("Hub added", comparison.hubs_added, sites_b, "#1b7837"),
        ("Hub removed", comparison.hubs_removed, sites_a, "#762a83"),
    ):
        for _, s in sites[sites["site_id"].astype(str).isin(ids)].iterrows():
            lonlat = (
                gpd.GeoSeries(gpd.points_from_xy([s["easting"]], [s["northing"]]), crs="EPSG:27700")
                .to_crs("EPSG:4326")
                .iloc[0]
            )
            folium.CircleMarker(
                [lonlat.y, lonlat.x],
                radius=9,
                color="#000000",
                weight=2,
                fill=True,
                fill_color=fill,
                fill_opacity=1.0,
                tooltip=f"{label}: {_text(s['name'])}",
            ).add_to(markers)
    markers.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    b = gz.total_bounds
    fmap.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    people = comparison.by_change.set_index("change")["population"]
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};border:1px solid #999;'
        f'margin-right:6px"></span>{_text(lab)}: {people.get(lab, 0):,.0f} people</div>'
        for lab, c in zip(CHANGE_LABELS, CHANGE_COLOURS, strict=True)
    )
    rows += (
        '<div style="margin-top:6px"><span style="color:#1b7837">●</span> Hub added: '
        f"{_text(', '.join(comparison.hubs_added) or 'none')}</div>"
        '<div><span style="color:#762a83">●</span> Hub removed: '
        f"{_text(', '.join(comparison.hubs_removed) or 'none')}</div>"
    )
    box = (
        '<div style="position:fixed;top:10px;left:50px;z-index:1000;background:#fff;padding:10px 12px;'
        'border:1px solid #999;border-radius:4px;font:13px Arial,sans-serif;max-width:380px">'
        f'<div style="font-size:16px;font-weight:bold">{_text(title)}</div>'
        f'<div style="margin:4px 0 8px">Change in travel time to the hub that serves each area, from '
        f"{_text(comparison.a.name)} to {_text(comparison.b.name)}. Blue: better off; red: worse off.</div>"
        f"{rows}</div>"
    )
    fmap.get_root().html.add_child(folium.Element(box))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(inline_assets(fmap.get_root().render()), encoding="utf-8")
    return out


def comparison_zones_geometry(manifest: dict) -> gpd.GeoDataFrame | None:
    """The zone polygons named in a run's manifest (None when the file is no longer there)."""
    for item in manifest.get("inputs", []):
        if item.get("role") == "study/zone_boundaries.geojson" and Path(item["path"]).exists():
            g = gpd.read_file(item["path"])
            g["zone_id"] = g["zone_id"].astype(str)
            return g
    return None


__all__ = ["CHANGE_COLOURS", "comparison_zones_geometry", "write_comparison_map"]
