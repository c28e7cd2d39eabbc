"""Make a folium map self-contained: embed Leaflet and jQuery instead of loading them from CDNs.

Maps go to estates forums and consultation documents, often opened on NHS machines that block CDNs or have no
internet at all. folium writes ``<script src="https://cdn...">`` tags; :func:`inline_assets` replaces them with the
copies shipped in ``hubopt/render/assets`` (see its README for versions and licences), with the images Leaflet's CSS
refers to embedded as data URIs. Only the background street tiles still need internet, and the maps are drawn to be
readable without them.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

ASSETS = Path(__file__).with_name("assets")

#: CDN file name → (local asset, kind).
_ASSET_FOR = {
    "leaflet.js": ("leaflet.js", "js"),
    "leaflet.css": ("leaflet.css", "css"),
    "jquery-3.7.1.min.js": ("jquery.min.js", "js"),
    "jquery.min.js": ("jquery.min.js", "js"),
}

_SCRIPT_TAG = re.compile(r'<script src="(https?://[^"]+)"></script>')
_CSS_TAG = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>')


@cache
def _asset_text(name: str) -> str:
    text = (ASSETS / name).read_text(encoding="utf-8")
    if name.endswith(".css"):

        def embed(match: re.Match[str]) -> str:
            image = ASSETS / match.group(1)
            data = base64.b64encode(image.read_bytes()).decode("ascii")
            return f"url(data:image/png;base64,{data})"

        text = re.sub(r"url\((images/[^)]+\.png)\)", embed, text)
    return text


def inline_assets(html: str) -> str:
    """Replace CDN ``<script>``/``<link>`` tags for Leaflet and jQuery by the embedded copies.

    Parameters
    ----------
    html : str
        A page rendered by folium.

    Returns
    -------
    str
        The same page with those libraries inline; other external tags are left as they are.

    Raises
    ------
    RuntimeError
        If the page loads Leaflet from a URL this function does not know (a folium upgrade changed its tags), so
        that a map is never silently written in a form that cannot work offline.
    """

    def script(match: re.Match[str]) -> str:
        name = match.group(1).rsplit("/", 1)[-1]
        if name in _ASSET_FOR and _ASSET_FOR[name][1] == "js":
            body = _asset_text(_ASSET_FOR[name][0]).replace("</script", "<\\/script")
            return f"<script>/* {name}: embedded copy, see hubopt/render/assets */\n{body}\n</script>"
        return match.group(0)

    def stylesheet(match: re.Match[str]) -> str:
        name = match.group(1).rsplit("/", 1)[-1]
        if name in _ASSET_FOR and _ASSET_FOR[name][1] == "css":
            return f"<style>/* {name}: embedded copy */\n{_asset_text(_ASSET_FOR[name][0])}\n</style>"
        return match.group(0)

    out = _CSS_TAG.sub(stylesheet, _SCRIPT_TAG.sub(script, html))
    if re.search(r'<script src="https?://[^"]*leaflet[^"]*\.js"', out):
        raise RuntimeError("the map still loads Leaflet from the internet; hubopt.render.offline needs updating")
    return out
