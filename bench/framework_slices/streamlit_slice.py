"""The framework slice in Streamlit + streamlit-folium (bench only; needs its own venv, see measure.py).

The same map and toggle as the Starlette slice: a Streamlit toggle, the script re-runs, re-solves with
``slice_data`` (hubopt's public functions) and draws a new folium map; streamlit-folium sends it to its component,
which draws it in an iframe. The map holds a marker whose HTML carries ``data-hubs`` (the measurement waits for it).

Offline: folium and streamlit-folium load Leaflet from CDNs; here Leaflet comes from the app's static folder
(``server.enableStaticServing``), which measure.py fills with hubopt's embedded copy (Streamlit will not serve a
file reached through a symlink out of that folder).

Run (from a temporary folder holding this file and static/leaflet.js, static/leaflet.css):
    PYTHONPATH=REPO:REPO/bench/framework_slices streamlit run streamlit_slice.py --server.enableStaticServing true
"""

from __future__ import annotations

import folium
import streamlit as st
from slice_data import SliceData, load
from streamlit_folium import st_folium

#: Where Streamlit serves the app's static folder.
STATIC = "/app/static"


@st.cache_resource
def slice_data() -> SliceData:
    """Loaded once per server process, shared by every session (read-only)."""
    return load()


def hub_map(data: SliceData, answer: dict) -> folium.Map:
    """The zones coloured by minutes to their hub, every site, the hubs, and the signal marker."""
    (south, west), (north, east) = data.bounds
    fmap = folium.Map(tiles=None, prefer_canvas=False)
    fmap.default_js = [("leaflet", f"{STATIC}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{STATIC}/leaflet.css")]
    fmap.fit_bounds([[south, west], [north, east]])
    colours = answer["colours"]
    colour_of = {f["properties"]["zone_id"]: colours[i] for i, f in enumerate(data.zones_geojson["features"])}
    folium.GeoJson(
        data.zones_geojson,
        style_function=lambda f: {
            "color": "#555",
            "weight": 0.5,
            "fillOpacity": 0.7,
            "fillColor": colour_of[f["properties"]["zone_id"]],
        },
        tooltip=folium.GeoJsonTooltip(fields=["zone_name"], labels=False),
    ).add_to(fmap)
    for site in data.sites:
        folium.CircleMarker([site["lat"], site["lon"]], radius=3, color="#333", weight=1).add_to(fmap)
    for s in answer["hub_sites"]:
        site = data.sites[s]
        folium.CircleMarker(
            [site["lat"], site["lon"]],
            radius=8,
            color="#000",
            fill=True,
            fill_color="#fff",
            fill_opacity=1,
            tooltip=site["name"],
        ).add_to(fmap)
    hubs, seconds = ",".join(answer["hubs"]), answer["seconds"]
    signal = f'<div class="hubs-signal" data-solve-seconds="{seconds}" data-hubs="{hubs}"></div>'
    folium.Marker([south, west], icon=folium.DivIcon(html=signal)).add_to(fmap)
    return fmap


def main() -> None:
    data = slice_data()
    st.set_page_config(page_title="hubopt slice: Streamlit + folium", layout="wide")
    toggled_off = st.toggle(data.toggle_label)
    answer = data.solve(toggled_off)
    st.write(f"Hubs: {', '.join(answer['hubs'])}; mean {answer['mean_minutes']} min")
    st_folium(hub_map(data, answer), height=640, use_container_width=True, returned_objects=[])


main()
