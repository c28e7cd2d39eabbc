"""Tests of the interactive hub map (hubopt.render.folium_map), on small frames built here (no files, no network)."""

from __future__ import annotations

import html
import itertools
import re
import socket
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
from geopandas.testing import assert_geodataframe_equal
from map_grid import many_hubs
from shapely.geometry import Point, box

from hubopt.errors import InputError
from hubopt.render import folium_map as fm
from hubopt.render import map_layers, map_style
from hubopt.render.folium_map import (
    DEFAULT_ATTRIBUTION,
    LAYER_CATCHMENTS,
    LAYER_DEPRIVATION,
    LAYER_DISTRICTS,
    LAYER_TRAVEL_TIME,
    NO_HUB_COLOUR,
    NO_HUB_LABEL,
    UNAVAILABLE_COLOUR,
    hub_map,
    site_style,
    time_band_colours,
    time_band_labels,
    write_hub_map,
)

EVIL = '<script>alert("x")</script>'
X0, Y0 = 560_000, 150_000


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to open a network connection while a test runs."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the map tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def make_zones() -> gpd.GeoDataFrame:
    """Four 1 km squares in a row (two districts); the last one no hub can reach."""
    return gpd.GeoDataFrame(
        {
            "zone_id": ["E01000001", "E01000002", "E01000003", "E01000004"],
            "zone_name": ["Ashford 001A", "Ashford 001B", "Bexley 002A", "Bexley 002B"],
            "district": ["Ashford", "Ashford", "Bexley", "Bexley"],
            "population": [1500.0, 1600.0, 1700.0, 1800.0],
            "demand": [1.2, 1.0, 0.9, 1.1],
            "hub_id": ["S1", "S1", "S2", None],
            "hub_name": ["Hub One Hospital", "Hub One Hospital", "Hub Two Centre", None],
            "minutes": [4.0, 12.34, 31.0, np.inf],
            "imd_decile": [1, 5, np.nan, 10],
        },
        geometry=[box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(4)],
        crs="EPSG:27700",
    )


def make_sites() -> gpd.GeoDataFrame:
    """Two chosen hubs and one site of every other kind, one of them unavailable and badly named."""
    rows = [
        ("S1", "Hub One Hospital", "community_hospital", "candidate", True, 3100.0, 20.0, np.nan, 500),
        ("S2", "Hub Two Centre", "acute_hospital", "existing", True, 1700.0, 450.0, np.nan, 2500),
        ("S3", EVIL, "gp_practice", "unavailable", False, np.nan, np.nan, 9000.0, 1200),
        ("S4", "Riverside Surgery", "gp_practice", "existing", False, np.nan, np.nan, 12000.0, 3500),
        ("S5", "Orchard Way (proposed)", "new_build", "candidate", False, np.nan, np.nan, np.nan, 1800),
        ("S6", "Library Health Room", "community_site", "existing", False, np.nan, np.nan, np.nan, 2900),
        ("S7", "Old Cottage Hospital", "community_hospital", "unavailable", False, np.nan, 10.0, np.nan, 3800),
        ("S8", "County General Hospital", "acute_hospital", "must-keep", False, np.nan, 600.0, np.nan, 2200),
    ]
    columns = ["site_id", "name", "type", "status", "chosen", "served_population", "beds", "list_size", "x"]
    frame = gpd.GeoDataFrame(
        [dict(zip(columns, row, strict=True)) for row in rows],
        geometry=[Point(X0 + row[-1], Y0 + 500) for row in rows],
        crs="EPSG:27700",
    )
    return frame.drop(columns="x")


def make_districts() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lad_code": ["E07000001", "E07000002"], "lad_name": ["Ashford", "Bexley"]},
        geometry=[box(X0, Y0, X0 + 2000, Y0 + 1000), box(X0 + 2000, Y0, X0 + 4000, Y0 + 1000)],
        crs="EPSG:27700",
    )


def render(tmp_path: Path, zones: gpd.GeoDataFrame | None = None, sites: gpd.GeoDataFrame | None = None, **kw) -> str:
    kw.setdefault("title", "Local care hubs: test area")
    kw.setdefault("caption", "Scenario A, 2030, by car; p-median on age-weighted demand.")
    path = write_hub_map(
        make_zones() if zones is None else zones, make_sites() if sites is None else sites, tmp_path / "m.html", **kw
    )
    return path.read_text(encoding="utf-8")


def legend_html(page: str) -> str:
    start = page.index('class="hubopt-box hubopt-legend"')
    return page[start : page.index("</details>", start)]


def zone_features(fmap: folium.Map) -> list[dict]:
    (layer,) = [c for c in fmap._children.values() if isinstance(c, folium.GeoJson) and c.layer_name == "Areas"]
    return layer.data["features"]


def layers_by_name(fmap: folium.Map) -> dict[str, folium.map.Layer]:
    return {c.layer_name: c for c in fmap._children.values() if isinstance(c, folium.map.Layer)}


# --------------------------------------------------------------------------------------------------------------------


def test_writes_one_html_file_and_creates_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "hubs.html"
    out = write_hub_map(make_zones(), make_sites(), str(target), title="T", caption="C")
    assert out == target
    assert isinstance(out, Path)
    assert out.is_file()
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "L.map(" in page
    assert "fitBounds" in page


def test_page_has_title_caption_layers_and_credits(tmp_path: Path) -> None:
    page = render(tmp_path)
    assert "<title>Local care hubs: test area</title>" in page
    assert "<h1>Local care hubs: test area</h1>" in page
    assert "Scenario A, 2030, by car; p-median on age-weighted demand." in page
    for name in (LAYER_TRAVEL_TIME, LAYER_CATCHMENTS, LAYER_DEPRIVATION, LAYER_DISTRICTS):
        assert name in page
    for group in ("Chosen hubs", "Acute hospitals", "GP practices", "Candidate and new-build sites"):
        assert group in page
    assert "Other community sites" in page and "Unavailable sites" in page
    assert "L.control.layers(" in page
    assert "OpenStreetMap" in page and "contributors" in page
    assert DEFAULT_ATTRIBUTION in page


def test_custom_attribution_is_shown_escaped(tmp_path: Path) -> None:
    page = render(tmp_path, attribution="Source: West <Kent> ICB & partners")
    assert "Source: West &lt;Kent&gt; ICB &amp; partners" in page
    assert "West <Kent>" not in page


def test_legend_lists_time_bands_symbols_and_hub_names(tmp_path: Path) -> None:
    legend = legend_html(render(tmp_path))
    assert "minutes" in legend
    for label in time_band_labels((0, 10, 15, 20, 30, 45)):
        assert label in legend
    assert NO_HUB_LABEL in legend
    for args in [
        ("community_hospital", "existing", True),
        ("acute_hospital", "existing", False),
        ("gp_practice", "existing", False),
        ("new_build", "candidate", False),
        ("community_site", "existing", False),
        ("gp_practice", "unavailable", False),
    ]:
        label = site_style(*args)["label"]
        assert html.escape(label) in legend, label
    assert "Hub One Hospital" in legend and "Hub Two Centre" in legend
    assert "District boundary" in legend
    # colour classes are drawn as swatches in the legend
    for colour in time_band_colours((0, 10, 15, 20, 30, 45)):
        assert colour in legend


def test_time_band_labels_and_colours() -> None:
    assert time_band_labels((0, 10, 15, 20, 30, 45)) == [
        "Under 10 minutes",
        "10 to 15 minutes",
        "15 to 20 minutes",
        "20 to 30 minutes",
        "30 to 45 minutes",
        "45 minutes or more",
    ]
    assert time_band_labels([0, 7.5, 15]) == ["Under 7.5 minutes", "7.5 to 15 minutes", "15 minutes or more"]
    colours = time_band_colours((0, 10, 15, 20, 30, 45))
    assert len(colours) == 6 and len(set(colours)) == 6
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert NO_HUB_COLOUR not in colours
    for bad in [(10, 5), (0,), (0, float("inf")), (-5, 10)]:
        with pytest.raises(InputError):
            time_band_labels(bad)


def test_user_text_is_escaped_everywhere(tmp_path: Path) -> None:
    zones = make_zones()
    zones.loc[0, "zone_name"] = "<img src=x onerror=alert(1)>"
    sites = make_sites()
    sites.loc[3, "name"] = "Back`tick ${alert(2)} \\ surgery"
    page = render(tmp_path, zones, sites, title="<b>Bold</b> title", caption="A & B <i>caption</i>")
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "${alert(2)}" not in page
    assert "Back`tick" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in page
    assert "A &amp; B &lt;i&gt;caption&lt;/i&gt;" in page


def test_unreachable_zone_is_in_the_no_hub_class(tmp_path: Path) -> None:
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C")
    (feature,) = [f for f in zone_features(fmap) if f["properties"]["code"] == "E01000004"]
    assert feature["properties"]["t"] == NO_HUB_COLOUR
    assert feature["properties"]["c"] == NO_HUB_COLOUR
    assert feature["properties"]["time"] == NO_HUB_LABEL
    (areas,) = [c for c in fmap._children.values() if isinstance(c, folium.GeoJson) and c.layer_name == "Areas"]
    assert areas.style_function(feature)["fillColor"] == NO_HUB_COLOUR
    # the key shows the class and how many people are in it
    legend = legend_html(render(tmp_path))
    assert re.search(NO_HUB_LABEL + r"</span><span class=\"hubopt-note\">1,800 people", legend)


def test_nan_minutes_also_count_as_unreachable() -> None:
    zones = make_zones()
    zones.loc[3, "minutes"] = np.nan
    fmap = hub_map(zones, make_sites(), title="T", caption="C")
    (feature,) = [f for f in zone_features(fmap) if f["properties"]["code"] == "E01000004"]
    assert feature["properties"]["t"] == NO_HUB_COLOUR


def test_zone_popup_and_tooltip_facts() -> None:
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C")
    props = {f["properties"]["code"]: f["properties"] for f in zone_features(fmap)}
    second = props["E01000002"]
    assert second["area"] == "Ashford 001B"
    assert second["dist"] == "Ashford"
    assert second["pop"] == "1,600 people"
    assert second["time"] == "12.3 minutes"
    assert second["hub"] == "1. Hub One Hospital"
    assert second["imd"].startswith("5 of 10")
    assert second["tip"] == "12.3 minutes to Hub One Hospital"
    assert props["E01000003"]["imd"] == "not available"
    colours = time_band_colours((0, 10, 15, 20, 30, 45))
    assert props["E01000001"]["t"] == colours[0]
    assert second["t"] == colours[1]
    assert props["E01000003"]["t"] == colours[4]


def test_inputs_are_not_mutated(tmp_path: Path) -> None:
    zones, sites, districts = make_zones(), make_sites(), make_districts()
    before = (zones.copy(deep=True), sites.copy(deep=True), districts.copy(deep=True))
    render(tmp_path, zones, sites, districts=districts)
    for after, original in zip((zones, sites, districts), before, strict=True):
        assert_geodataframe_equal(after, original)
        assert after.crs == original.crs
        assert list(after.columns) == list(original.columns)


def test_unavailable_sites_are_grey() -> None:
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C")
    group = layers_by_name(fmap)["Unavailable sites"]
    markers = list(group._children.values())
    assert len(markers) == 2  # the GP practice (circle) and the community hospital (square)
    for marker in markers:
        if isinstance(marker, folium.CircleMarker):
            assert marker.options["fillColor"] == UNAVAILABLE_COLOUR
        else:
            icon = marker.icon
            assert f'fill="{UNAVAILABLE_COLOUR}"' in icon.options["html"]
    for site_type in fm.SITE_TYPES:
        style = site_style(site_type, "unavailable", False)
        assert style["fill"] == UNAVAILABLE_COLOUR and style["greyed"]


def test_site_style_symbols() -> None:
    hub = site_style("gp_practice", "candidate", True)
    assert hub["shape"] == "star" and hub["group"] == "Chosen hubs" and hub["mpl_marker"] == "*"
    assert site_style("acute_hospital", "existing", False)["glyph"] == "H"
    assert site_style("community_hospital", "must-keep", False)["shape"] == "square"
    assert site_style("gp_practice", "existing", False)["shape"] == "circle"
    assert site_style("new_build", "committed", False)["group"] == "Candidate and new-build sites"
    assert site_style("other", "candidate", False)["group"] == "Candidate and new-build sites"
    assert site_style("other", "existing", False)["group"] == "Other community sites"
    fills = {site_style(t, "existing", False)["fill"] for t in ("acute_hospital", "community_hospital", "other")}
    assert len(fills) == 3 and UNAVAILABLE_COLOUR not in fills
    style = site_style("acute_hospital", "existing", False)
    style["fill"] = "#000000"  # a copy: changing it leaves the next call alone
    assert site_style("acute_hospital", "existing", False)["fill"] == fm.ACUTE_HOSPITAL_COLOUR
    with pytest.raises(InputError, match="unavailable"):
        site_style("gp_practice", "unavailable", True)
    with pytest.raises(InputError, match="hospice"):
        site_style("hospice", "existing", False)


def test_views_are_radio_layers_with_deprivation_off() -> None:
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C")
    layers = layers_by_name(fmap)
    assert not layers[LAYER_TRAVEL_TIME].overlay and layers[LAYER_TRAVEL_TIME].show
    assert not layers[LAYER_CATCHMENTS].overlay and not layers[LAYER_CATCHMENTS].show
    assert not layers[LAYER_DEPRIVATION].overlay and not layers[LAYER_DEPRIVATION].show
    for name in ("Chosen hubs", "GP practices", "Unavailable sites", LAYER_DISTRICTS):
        assert layers[name].overlay and layers[name].show


def test_hub_markers_are_numbered_stars(tmp_path: Path) -> None:
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C")
    hubs = list(layers_by_name(fmap)["Chosen hubs"]._children.values())
    assert len(hubs) == 2
    htmls = sorted(m.icon.options["html"] for m in hubs)
    assert all("<polygon" in h for h in htmls)
    assert any(">1</text>" in h for h in htmls) and any(">2</text>" in h for h in htmls)
    assert all(m.options["z_index_offset"] == 1000 for m in hubs)


def test_site_popup_facts(tmp_path: Path) -> None:
    page = render(tmp_path)
    assert "Population served</th><td>3,100 people" in page
    assert "Beds</th><td>450" in page
    assert "Registered patients (list size)</th><td>12,000" in page
    assert "Candidate (considered for a hub)" in page


def district_labels(fmap: folium.Map) -> list[str]:
    group = layers_by_name(fmap)[LAYER_DISTRICTS]
    return [m.icon.options["html"] for m in group._children.values() if isinstance(m, folium.Marker)]


def test_districts_are_drawn_and_named() -> None:
    districts = make_districts()
    districts.loc[1, "lad_name"] = "Bexley & <Co>"
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C", districts=districts)
    labels = district_labels(fmap)
    assert '<div class="hubopt-district-label">Ashford</div>' in labels
    assert '<div class="hubopt-district-label">Bexley &amp; &lt;Co&gt;</div>' in labels
    (outline,) = [
        c for c in layers_by_name(fmap)[LAYER_DISTRICTS]._children.values() if isinstance(c, folium.GeoJson)
    ]
    assert outline.options["interactive"] is False
    # without district polygons the zones' district column gives the outlines and names
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C")
    assert '<div class="hubopt-district-label">Bexley</div>' in district_labels(fmap)


def test_coordinates_are_rounded_and_geojson_is_wgs84() -> None:
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C")
    for feature in zone_features(fmap):
        ring = feature["geometry"]["coordinates"][0]
        for lon, lat in ring:
            assert 0.0 < lon < 1.0 and 51.0 < lat < 52.0
            assert round(lon, 5) == lon and round(lat, 5) == lat


def test_many_hubs_neighbouring_catchments_get_different_colours() -> None:
    n = 14
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(n)],
            "zone_name": [f"Zone {i}" for i in range(n)],
            "district": "D",
            "population": 100.0,
            "hub_id": [f"H{i}" for i in range(n)],
            "hub_name": [f"Hub {i}" for i in range(n)],
            "minutes": 5.0,
        },
        geometry=[box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(n)],
        crs="EPSG:27700",
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"H{i}" for i in range(n)],
            "name": [f"Hub {i}" for i in range(n)],
            "type": "gp_practice",
            "status": "candidate",
            "chosen": True,
        },
        geometry=[Point(X0 + i * 1000 + 500, Y0 + 500) for i in range(n)],
        crs="EPSG:27700",
    )
    fmap = hub_map(zones, sites, title="T", caption="C")
    colours = [f["properties"]["c"] for f in zone_features(fmap)]
    assert all(a != b for a, b in itertools.pairwise(colours))
    assert set(colours) <= set(fm.CATCHMENT_COLOURS)
    # without imd_decile the deprivation view is simply left out
    assert LAYER_DEPRIVATION not in layers_by_name(fmap)


def test_input_errors_are_helpful() -> None:
    zones, sites = make_zones(), make_sites()
    with pytest.raises(InputError, match="minutes"):
        hub_map(zones.drop(columns="minutes"), sites, title="T", caption="C")
    with pytest.raises(InputError, match="coordinate reference system"):
        hub_map(zones.set_crs(None, allow_override=True), sites, title="T", caption="C")
    bad = sites.copy()
    bad.loc[0, "type"] = "castle"
    with pytest.raises(InputError, match="site S1"):
        hub_map(zones, bad, title="T", caption="C")
    negative = zones.copy()
    negative.loc[0, "minutes"] = -1.0
    with pytest.raises(InputError, match="negative"):
        hub_map(negative, sites, title="T", caption="C")


def test_zones_in_another_crs_are_accepted(tmp_path: Path) -> None:
    page = render(tmp_path, make_zones().to_crs("EPSG:4326"), make_sites().to_crs("EPSG:3857"))
    assert "Hub One Hospital" in page


# --------------------------------------------------------------------------------------------------------------------
# Optional layers: population growth, planned beds, housing sites, isochrones


def make_housing() -> gpd.GeoDataFrame:
    """Two housing sites in WGS84 (any CRS is accepted), one with a name that must be escaped."""
    frame = gpd.GeoDataFrame(
        {"name": ["<b>x</b>", "Mill Lane"], "dwellings": [120, 850], "people": [290.0, np.nan]},
        geometry=[Point(X0 + 700, Y0 + 300), Point(X0 + 2600, Y0 + 700)],
        crs="EPSG:27700",
    )
    return frame.to_crs("EPSG:4326")


def make_isochrones() -> gpd.GeoDataFrame:
    """10- and 20-minute bands around hub S1, the shortest first (as hubopt.travel.isochrones gives them)."""
    centre = Point(X0 + 500, Y0 + 500)
    return gpd.GeoDataFrame(
        {"site_id": ["S1", "S1"], "band_minutes": [10.0, 20.0], "nodes_reached": [5, 12]},
        geometry=[centre.buffer(800), centre.buffer(1600)],
        crs="EPSG:27700",
    )


NEW_LAYERS = (fm.LAYER_GROWTH, fm.LAYER_PLANNED_BEDS, fm.LAYER_HOUSING, "Drive-time bands")


def test_without_the_optional_inputs_there_are_no_new_layers(tmp_path: Path) -> None:
    page = render(tmp_path)
    for name in NEW_LAYERS:
        assert name not in page, name
    assert "New housing site" not in page and "Planned community beds" not in page


def test_population_growth_view(tmp_path: Path) -> None:
    zones = make_zones()
    zones["growth_pct"] = [-2.0, 4.96, np.nan, 25.0]
    fmap = hub_map(zones, make_sites(), title="T", caption="C")
    layer = layers_by_name(fmap)[fm.LAYER_GROWTH]
    assert not layer.overlay and not layer.show
    props = {f["properties"]["code"]: f["properties"] for f in zone_features(fmap)}
    assert props["E01000001"]["g"] == fm.GROWTH_COLOURS[0]
    assert props["E01000002"]["g"] == fm.GROWTH_COLOURS[3]  # 4.96 shows as +5.0%, so it is in "5% to 10%"
    assert props["E01000003"]["g"] == fm.NO_DATA_COLOUR
    assert props["E01000004"]["g"] == fm.GROWTH_COLOURS[5]
    assert props["E01000001"]["growth"] == "-2.0%"
    assert props["E01000002"]["growth"] == "+5.0%"
    assert props["E01000003"]["growth"] == "not available"
    page = render(tmp_path, zones)
    legend = legend_html(page)
    assert 'data-hubopt-view="growth"' in legend
    for b, label in enumerate(fm.GROWTH_LABELS):
        # "No change" is listed only when some area has it
        assert (label in legend) == (b != fm.GROWTH_NO_CHANGE), label
    assert re.search(r"Up 20% or more</span><span class=\"hubopt-note\">1,800 people", legend)
    assert "No data" in legend
    assert "Population change since the base year" in page
    assert f'"growth": {map_layers._ZONE_COLOUR_PROPERTIES["growth"]!r}'.replace("'", '"') in page


def test_planned_beds_badges(tmp_path: Path) -> None:
    sites = make_sites()
    sites["planned_beds"] = [22, 0, 0, 0, 1, 0, 0, 0]
    fmap = hub_map(make_zones(), sites, title="T", caption="C")
    badges = [m.icon.options["html"] for m in layers_by_name(fmap)[fm.LAYER_PLANNED_BEDS]._children.values()]
    assert sorted(re.sub(r' data-offset="\d+"', "", b) for b in badges) == [
        '<div class="hubopt-beds">1 bed</div>',
        '<div class="hubopt-beds">22 beds</div>',
    ]
    page = render(tmp_path, sites=sites)
    assert "Planned community beds</th><td>22" in page
    assert fm.LAYER_PLANNED_BEDS in page
    assert "Planned community beds (number of beds)" in legend_html(page)
    sites["planned_beds"] = 0
    assert fm.LAYER_PLANNED_BEDS not in layers_by_name(hub_map(make_zones(), sites, title="T", caption="C"))
    sites.loc[0, "planned_beds"] = -3
    with pytest.raises(InputError, match="planned beds"):
        hub_map(make_zones(), sites, title="T", caption="C")


def test_housing_sites_layer(tmp_path: Path) -> None:
    housing = make_housing()
    before = housing.copy(deep=True)
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C", housing=housing)
    layer = layers_by_name(fmap)[fm.LAYER_HOUSING]
    assert layer.overlay and layer.show
    sizes = sorted(m.icon.options["icon_size"][0] for m in layer._children.values())
    assert sizes[0] < sizes[1] == map_style.HOUSING_MAX_SIZE
    page = render(tmp_path, housing=housing)
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "Dwellings (up to this year)</th><td>850" in page
    assert "People expected to live there</th><td>290 people" in page
    legend = legend_html(page)
    assert "New housing site" in legend and "up to 850 dwellings" in legend
    assert_geodataframe_equal(housing, before)
    with pytest.raises(InputError, match="dwellings"):
        hub_map(make_zones(), make_sites(), title="T", caption="C", housing=housing.drop(columns="dwellings"))


def test_isochrone_layer(tmp_path: Path) -> None:
    isochrones = make_isochrones().to_crs("EPSG:3857")
    fmap = hub_map(make_zones(), make_sites(), title="T", caption="C", isochrones=isochrones)
    layer = layers_by_name(fmap)["Drive-time bands"]
    assert layer.overlay and not layer.show
    (geojson,) = layer._children.values()
    features = geojson.data["features"]
    assert [f["properties"]["tip"] for f in features] == [
        "20 minutes from Hub One Hospital",  # the largest band is drawn first
        "10 minutes from Hub One Hospital",
    ]
    colours = [f["properties"]["colour"] for f in features]
    assert colours[0] != colours[1] and set(colours) <= set(fm.ISOCHRONE_COLOURS)
    for lon, lat in features[0]["geometry"]["coordinates"][0]:
        assert round(lon, 5) == lon and round(lat, 5) == lat
    sites = make_sites()
    sites.loc[0, "name"] = "Hub <One>"
    fmap = hub_map(make_zones(), sites, title="T", caption="C", isochrones=isochrones)
    (geojson,) = layers_by_name(fmap)["Drive-time bands"]._children.values()
    assert geojson.data["features"][1]["properties"]["tip"] == "10 minutes from Hub &lt;One&gt;"
    page = render(tmp_path, sites=sites, isochrones=isochrones, isochrone_label="Walking & bus bands")
    assert "Hub <One>" not in page
    assert "Walking &amp; bus bands" in page and "Drive-time bands" not in page
    legend = legend_html(page)
    assert "Within 10 minutes of a chosen hub" in legend and "Within 20 minutes of a chosen hub" in legend


def test_all_new_layers_are_in_the_layer_control(tmp_path: Path) -> None:
    zones, sites = make_zones(), make_sites()
    zones["growth_pct"] = 3.0
    sites["planned_beds"] = [22, 0, 0, 0, 0, 0, 0, 0]
    page = render(tmp_path, zones, sites, housing=make_housing(), isochrones=make_isochrones())
    control = re.search(r"_layers = \{(.*?)\};\s*let layer_control_\w+ = L\.control\.layers\(", page, re.S)
    assert control is not None
    base, overlays = control.group(1).split("overlays")
    assert f'"{fm.LAYER_GROWTH}"' in base
    for name in NEW_LAYERS[1:]:
        assert f'"{name}"' in overlays, name
    legend = legend_html(page)
    for entry in ("Population growth since the base year", "Planned community beds", "New housing site", "Within"):
        assert entry in legend, entry


# --- Issue 12: outputs that tell the truth --------------------------------------------------------------------------


def test_must_open_sites_are_marked_on_the_map_and_in_the_key(tmp_path: Path) -> None:
    sites = make_sites()
    sites["must_open"] = [False, True, False, False, False, False, False, False]  # hub 2 was required to open
    page = render(tmp_path, sites=sites)
    legend = legend_html(page)
    assert fm.MUST_OPEN_LABEL in legend and 'data-hubopt-key="must-open"' in legend
    # the required hub is listed with "(must open)"; the free choice is not
    assert re.search(r'data-hubopt-hub="2".*?Hub Two Centre <span class="hubopt-must-tag">\(must open\)', legend)
    assert not re.search(r'data-hubopt-hub="1"[^\n]*?Hub One Hospital <span class="hubopt-must-tag"', legend)
    # its symbol has the ring, its tooltip and popup say so; the register's must-keep site (S8) is ringed too
    ringed = re.findall(r'hubopt-must-open\\?" role=\\?"img\\?" aria-label=\\?"([^"\\]*)', page)
    assert sorted(ringed) == [
        "County General Hospital, Acute hospital (must open: required by the scenario, not chosen by the model)",
        "Hub Two Centre, Chosen hub 2 (must open: required by the scenario, not chosen by the model)",
    ]
    assert page.count("not chosen by the model") >= 6  # key, and tooltip, popup and label of both sites
    # without any required site there is no ring and no key entry
    sites["must_open"] = False
    sites["status"] = sites["status"].replace("must-keep", "existing")
    page = render(tmp_path, sites=sites)
    assert "hubopt-must-open\\" not in page and fm.MUST_OPEN_LABEL not in legend_html(page)


def test_planned_beds_say_their_year(tmp_path: Path) -> None:
    sites = make_sites()
    sites["planned_beds"] = [22, 0, 0, 0, 1, 0, 0, 0]
    sites["planned_beds_year"] = 2035
    page = render(tmp_path, sites=sites)
    assert '"Community beds planned for 2035"' in page  # the layer's name
    assert "Community beds planned for 2035 (number of beds)" in legend_html(page)
    assert "22 beds planned in 2035 (community beds)" in page  # the badge's tooltip
    assert "Community beds planned for 2035</th><td>22" in page  # the site's popup
    sites["planned_beds_year"] = [2030, 2035, 2035, 2035, 2035, 2035, 2035, 2035]
    with pytest.raises(InputError, match="several years"):
        hub_map(make_zones(), sites, title="T", caption="C")


def test_growth_held_flat_says_so(tmp_path: Path) -> None:
    zones = make_zones()
    zones["growth_pct"] = [0.0, 0.0, -0.0, 0.01]  # a population held at the base year (0.01 % shows as +0.0 %)
    page = render(tmp_path, zones, growth_base_year=2017)
    growth = re.search(r'data-hubopt-view="growth">(.*?)</section>', legend_html(page)).group(1)
    assert "Population held flat at 2017" in growth
    assert "Up" not in growth and "Falling" not in growth  # no class range that holds only 0 %
    assert "No change (0%)" in growth
    fmap = hub_map(zones, make_sites(), title="T", caption="C")
    colours = {f["properties"]["g"] for f in zone_features(fmap)}
    assert colours == {fm.GROWTH_COLOURS[fm.GROWTH_NO_CHANGE]}
    # a mixed population: zero growth is "No change", never in the class "Up by less than 5%"
    zones["growth_pct"] = [0.0, 2.0, 7.0, -1.0]
    growth = re.search(r'data-hubopt-view="growth">(.*?)</section>', legend_html(render(tmp_path, zones))).group(1)
    assert "Population growth since the base year" in growth
    assert re.search(r"No change \(0%\)</span><span class=\"hubopt-note\">1,500 people", growth)
    assert re.search(r"Up by less than 5%</span><span class=\"hubopt-note\">1,600 people", growth)


def test_every_catchment_has_its_own_style_and_key_entry(tmp_path: Path) -> None:
    zones, sites = many_hubs(25)
    fmap = hub_map(zones, sites, title="T", caption="C")
    fills = [f["properties"]["c"] for f in zone_features(fmap)]
    assert len(set(fills)) == 25  # one fill per catchment: 20 colours, then the same colours striped
    assert len(set(fm.CATCHMENT_COLOURS)) == len(fm.CATCHMENT_COLOURS) == 20
    patterned = [f for f in fills if f.startswith("url(#")]
    assert len(patterned) == 5
    page = render(tmp_path, zones, sites)
    for fill in patterned:
        assert f'<pattern id="{fill[5:-1]}"' in page  # the page defines every pattern it uses
    legend = legend_html(page)
    styles = re.findall(r'data-hubopt-style="([^"]+)"', legend)
    assert len(styles) == 25 and len(set(styles)) == 25
    for i in range(25):
        assert legend.count(f"<span>Hub {i}</span>") == 1, i  # every hub named once in the key
    assert re.findall(r'data-hubopt-hub="(\d+)"', legend) == [str(i) for i in range(1, 26)]
