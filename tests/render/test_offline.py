"""Maps are self-contained: Leaflet and jQuery are embedded, no script or stylesheet is fetched from the internet."""

from __future__ import annotations

import re

import pytest

from hubopt.render.offline import inline_assets

FOLIUM_HEAD = (
    '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>\n'
    '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>\n'
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>\n'
)


def test_cdn_tags_are_replaced_by_embedded_copies() -> None:
    html = inline_assets(FOLIUM_HEAD)
    assert not re.search(r'<script src="https?://|<link rel="stylesheet" href="https?://', html)
    assert "leafletjs.com" in html  # Leaflet's own banner, kept with its licence notice
    assert "jQuery v3.7.1" in html
    # images referenced by Leaflet's CSS (the layer-control icon) are embedded too
    assert "url(images/" not in html
    assert re.search(r"url\(data:image/png;base64,[A-Za-z0-9+/=]{100,}\)", html)


def test_unknown_leaflet_source_is_refused() -> None:
    with pytest.raises(RuntimeError, match="still loads Leaflet"):
        inline_assets('<script src="https://unpkg.com/leaflet@2.0/dist/leaflet-custom.js"></script>')
