"""The furniture of the interactive map page: the CSS, and the script that places the title box and key in Leaflet's
corners and keeps the key in step with the chosen view.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from hubopt.render.map_layers import _ZONE_COLOUR_PROPERTIES, _ZONE_STYLE
from hubopt.render.map_text import _js_string

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
