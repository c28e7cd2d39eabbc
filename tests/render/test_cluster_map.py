"""The map's clusters layer (Primary Care Networks): named outlines, off at first, switched on and off in the layer
list, with a popup of each PCN's practices, people and hubs; checked in headless Chromium and in the HTML."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from browser_page import needs_chromium, screenshot
from map_grid import many_hubs

from hubopt.analysis.clusters import cluster_table
from hubopt.pipeline.clusters import cluster_outlines
from hubopt.render.folium_map import LAYER_CLUSTERS, write_hub_map

#: A name with markup, to check that it is escaped.
ALPHA = "ALPHA & <b>RIVER</b> PCN"
BETA = "BETA PCN"


def _map(tmp_path: Path) -> tuple[Path, gpd.GeoDataFrame]:
    """Ten 1 km zones, each its own hub; the first row of five zones is ALPHA, the second BETA."""
    zones, sites = many_hubs(10)
    zones["pcn_code"] = ["U1"] * 5 + ["U2"] * 5
    zones["pcn_name"] = [ALPHA] * 5 + [BETA] * 5
    practices = pd.DataFrame({"pcn_code": ["U1", "U1", "U2"], "pcn_name": [ALPHA, ALPHA, BETA]})
    table = cluster_table(zones["pcn_code"], zones["population"], zones["hub_id"], zones["hub_name"], practices)
    outlines = cluster_outlines(zones, table)
    path = write_hub_map(
        zones, sites.assign(chosen=True), tmp_path / "map.html", title="T", caption="C", clusters=outlines
    )
    return path, outlines


def test_cluster_outlines_one_polygon_per_pcn(tmp_path: Path) -> None:
    _, outlines = _map(tmp_path)
    assert outlines["pcn_code"].tolist() == ["U1", "U2"]
    assert outlines["practices"].tolist() == [2, 1]
    assert outlines["people"].tolist() == pytest.approx([500.0, 500.0], rel=1e-12)
    assert outlines.geometry.area.tolist() == pytest.approx([5e6, 5e6], rel=1e-9)  # five 1 km squares each
    assert outlines.loc[0, "hubs"] == "Hub 0 (20%); Hub 1 (20%); Hub 2 (20%); Hub 3 (20%); Hub 4 (20%)"


def test_cluster_layer_in_the_html_is_escaped_and_off_at_first(tmp_path: Path) -> None:
    path, _ = _map(tmp_path)
    html = path.read_text(encoding="utf-8")
    assert LAYER_CLUSTERS in html
    assert "ALPHA &amp; &lt;b&gt;RIVER&lt;/b&gt; PCN" in html
    assert "<b>RIVER</b>" not in html
    assert "Zones nearest each PCN" in html  # its key entry


_TOGGLE = """
(async function () {
  function wait() { return new Promise(function (r) { setTimeout(r, 400); }); }
  function labels() {
    return Array.from(document.querySelectorAll('.hubopt-cluster-label')).map(function (e) { return e.innerText; });
  }
  var entry = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
    .find(function (l) { return l.innerText.indexOf('Clusters (Primary Care Networks)') >= 0; });
  if (!entry) { return {found: false}; }
  var box = entry.querySelector('input');
  var before = {checked: box.checked, labels: labels()};
  box.click(); await wait();
  var on = {checked: box.checked, labels: labels()};
  var outline = document.querySelector('path[stroke="#cc79a7"]');
  var popup = '';
  if (outline) {
    outline.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 10, clientY: 10}));
    await wait();
    var content = document.querySelector('.leaflet-popup-content');
    popup = content ? content.innerText : '';
  }
  box.click(); await wait();
  var off = {checked: box.checked, labels: labels()};
  return {found: true, before: before, on: on, popup: popup, off: off};
})()
"""


@needs_chromium
def test_cluster_layer_toggles_and_names_appear(tmp_path: Path) -> None:
    path, _ = _map(tmp_path)
    result = screenshot(path, tmp_path / "clusters.png", evaluate=_TOGGLE)
    assert result.rendered, result.error
    assert result.console_errors == []
    facts = result.evaluated
    assert facts["found"], "no 'Clusters (Primary Care Networks)' entry in the layer list"
    assert facts["before"] == {"checked": False, "labels": []}  # off at first
    assert facts["on"]["checked"] is True
    assert sorted(facts["on"]["labels"]) == sorted([ALPHA, BETA])  # the names, as text (not markup)
    assert "Cluster (Primary Care Network)" in facts["popup"]
    assert "Practices" in facts["popup"] and "Hubs serving them" in facts["popup"]
    assert facts["off"] == {"checked": False, "labels": []}
