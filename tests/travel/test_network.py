"""Loading road and walking networks: OSM PBF (real Rutland extract), OSM XML, GraphML; speeds; SCC; coverage."""

from __future__ import annotations

import bz2
import socket
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import requests
import shapely

from hubopt.errors import InputError
from hubopt.io._files import file_sha256
from hubopt.travel.download import download_network
from hubopt.travel.network import check_coverage, load_network, network_info
from hubopt.travel.osm_tags import (
    DEFAULT_SPEEDS_KPH,
    FALLBACK_SPEED_KPH,
    MPH_TO_KPH,
    edge_speed_kph,
    parse_maxspeed,
    way_allowed,
)

RUTLAND = Path("osm/format_sample_not_westkent/rutland-latest.osm.pbf")

# A small OSM XML file (near Oakham): nodes 1-9 along a line, about 68 m apart.
#   way 10: 1-2-3 residential, 20 mph, two-way     way 11: 3-4 primary, oneway, maxspeed national
#   way 12: 4-5-3 tertiary, oneway (closes a loop) way 13: 5-6 unclassified, oneway (6 is a dead end)
#   way 14: 2-7 footway                            way 15: 1-8 service driveway
#   way 16: 8-9 a building outline (no highway tag)
_NODES = "\n".join(f'  <node id="{i}" lat="52.6700000" lon="{-0.7300000 + 0.001 * i:.7f}"/>' for i in range(1, 10))
OSM_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
{_NODES}
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="maxspeed" v="20 mph"/><tag k="name" v="Mill &amp; Lane"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="national"/></way>
  <way id="12"><nd ref="4"/><nd ref="5"/><nd ref="3"/><tag k="highway" v="tertiary"/><tag k="oneway" v="yes"/></way>
  <way id="13"><nd ref="5"/><nd ref="6"/><tag k="highway" v="unclassified"/><tag k="oneway" v="yes"/></way>
  <way id="14"><nd ref="2"/><nd ref="7"/><tag k="highway" v="footway"/></way>
  <way id="15"><nd ref="1"/><nd ref="8"/><tag k="highway" v="service"/><tag k="service" v="driveway"/></way>
  <way id="16"><nd ref="8"/><nd ref="9"/><nd ref="8"/><tag k="building" v="yes"/></way>
</osm>
"""


@pytest.fixture(scope="module")
def osm_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("osm") / "small.osm"
    p.write_text(OSM_XML, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def rutland(shared_data: Path) -> tuple[Path, nx.MultiDiGraph]:
    path = shared_data / RUTLAND
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path, load_network(path, mode="drive")


# ----------------------------------------------------------------------------------------------- maxspeed / speeds


@pytest.mark.parametrize(
    ("value", "highway", "kph", "national"),
    [
        ("30 mph", None, 30 * MPH_TO_KPH, False),
        ("50", None, 50.0, False),
        ("48 km/h", None, 48.0, False),
        (" 40mph ", None, 40 * MPH_TO_KPH, False),
        (70, None, 70.0, False),
        ("national", "primary", 60 * MPH_TO_KPH, True),
        ("national", "motorway", 70 * MPH_TO_KPH, True),
        ("GB:nsl_single", None, 60 * MPH_TO_KPH, True),
        ("UK:nsl_dual", None, 70 * MPH_TO_KPH, True),
        ("GB:nsl_restricted", None, 30 * MPH_TO_KPH, False),
        ("30 mph;40 mph", None, 35 * MPH_TO_KPH, False),
        (["30 mph", "50 mph"], None, 40 * MPH_TO_KPH, False),
        ("['20 mph', '30 mph']", None, 25 * MPH_TO_KPH, False),
        ("signals", None, None, False),
        ("none", None, None, False),
        ("", None, None, False),
        (None, None, None, False),
        (float("nan"), None, None, False),
        ("0", None, None, False),
    ],
)
def test_parse_maxspeed(value: object, highway: str | None, kph: float | None, national: bool) -> None:
    got, is_national = parse_maxspeed(value, highway)
    if kph is None:
        assert got is None
    else:
        assert got == pytest.approx(kph)
        assert is_national is national


def test_edge_speed_uses_tag_default_and_caps_national() -> None:
    speeds = dict(DEFAULT_SPEEDS_KPH)
    assert edge_speed_kph({"highway": "residential", "maxspeed": "20 mph"}, speeds) == (
        pytest.approx(20 * MPH_TO_KPH),
        True,
    )
    assert edge_speed_kph({"highway": "residential"}, speeds) == (32.0, False)
    # national limit 60 mph (96.6 km/h) on an unclassified lane: the lane's default (48) is lower
    assert edge_speed_kph({"highway": "unclassified", "maxspeed": "national"}, speeds) == (48.0, True)
    assert edge_speed_kph({"highway": "mystery_road"}, speeds) == (FALLBACK_SPEED_KPH, False)
    assert edge_speed_kph({"highway": ["primary", "secondary"]}, speeds)[0] == pytest.approx((77 + 64) / 2)


def test_way_filters_follow_osmnx_rules() -> None:
    assert way_allowed({"highway": "primary"}, "drive")
    assert not way_allowed({"highway": "footway"}, "drive")
    assert way_allowed({"highway": "footway"}, "walk")
    assert not way_allowed({"highway": "motorway"}, "walk")
    assert not way_allowed({"highway": "service", "service": "driveway"}, "drive")
    assert not way_allowed({"highway": "residential", "access": "private"}, "drive")
    assert not way_allowed({"highway": "residential", "motor_vehicle": "no"}, "drive")
    assert not way_allowed({"building": "yes"}, "walk")
    with pytest.raises(InputError, match="unknown network mode"):
        way_allowed({"highway": "primary"}, "bus")


# ----------------------------------------------------------------------------------------------- OSM XML


def test_osm_xml_drive(osm_xml: Path) -> None:
    graph = load_network(osm_xml, mode="drive")
    info = network_info(graph)
    assert set(graph.nodes) == {1, 2, 3, 4, 5}  # footway, driveway and building left out; dead end 6 dropped
    assert info.dropped_nodes == 1 and info.dropped_edges == 1
    assert info.source_format == "osm_xml" and info.sha256 == file_sha256(osm_xml)
    assert graph.graph["crs"] == "EPSG:27700"
    assert 480_000 < graph.nodes[1]["x"] < 490_000 and 300_000 < graph.nodes[1]["y"] < 315_000
    assert graph.nodes[1]["lon"] == pytest.approx(-0.729)
    # oneway: 3 -> 4 exists, 4 -> 3 only through 5
    assert graph.has_edge(3, 4) and not graph.has_edge(4, 3)
    assert graph.has_edge(1, 2) and graph.has_edge(2, 1)
    e = graph.edges[1, 2, 0]
    assert e["speed_kph"] == pytest.approx(20 * MPH_TO_KPH)
    assert e["travel_time"] == pytest.approx(e["length"] / (20 * MPH_TO_KPH / 3.6))
    assert 60 < e["length"] < 75
    assert graph.edges[3, 4, 0]["speed_kph"] == pytest.approx(77.0)  # national limit capped at the primary default
    assert graph.edges[4, 5, 0]["speed_kph"] == pytest.approx(56.0)  # tertiary default
    assert info.share_edges_with_maxspeed == pytest.approx(5 / 7)  # 4 residential + 1 primary of 7 edges
    assert "5 nodes" in info.describe()


def test_osm_xml_walk_and_speed_overrides(osm_xml: Path) -> None:
    graph = load_network(osm_xml, mode="walk", walk_speed_kph=6.0)
    assert set(graph.nodes) == {1, 2, 3, 4, 5, 6, 7, 8}  # every way both ways on foot; building left out
    assert network_info(graph).dropped_nodes == 0
    assert graph.has_edge(4, 3) and graph.has_edge(7, 2)
    assert {d["speed_kph"] for _, _, d in graph.edges(data=True)} == {6.0}
    drive = load_network(osm_xml, mode="drive", speeds_kph={"tertiary": 30.0})
    assert drive.edges[4, 5, 0]["speed_kph"] == 30.0
    assert network_info(drive).speeds_kph["tertiary"] == 30.0
    with pytest.raises(InputError, match="speeds"):
        load_network(osm_xml, mode="drive", speeds_kph={"tertiary": -1})


def test_compressed_osm_xml(tmp_path: Path) -> None:
    p = tmp_path / "small.osm.bz2"
    p.write_bytes(bz2.compress(OSM_XML.encode("utf-8")))
    assert set(load_network(p, mode="drive").nodes) == {1, 2, 3, 4, 5}


def test_graphml_round_trip(osm_xml: Path, tmp_path: Path) -> None:
    raw = ox.graph_from_xml(osm_xml, simplify=False, retain_all=True)
    p = tmp_path / "net.graphml"
    ox.save_graphml(raw, p)
    graph = load_network(p, mode="drive")
    xml_graph = load_network(osm_xml, mode="drive")
    assert network_info(graph).source_format == "graphml"
    assert sorted(graph.edges(keys=False)) == sorted(xml_graph.edges(keys=False))
    for u, v in [(1, 2), (3, 4)]:
        assert graph.edges[u, v, 0]["travel_time"] == pytest.approx(xml_graph.edges[u, v, 0]["travel_time"])


def test_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(InputError, match="does not exist") as err:
        load_network(missing, mode="drive")
    assert str(missing) in str(err.value) and "fetch network" in str(err.value)
    csv = tmp_path / "zones.osm"
    csv.write_text("zone,x,y\nA,1,2\n")
    with pytest.raises(InputError, match="not an OpenStreetMap") as err:
        load_network(csv, mode="drive")
    assert "Geofabrik" in str(err.value)
    fake_pbf = tmp_path / "fake.osm.pbf"
    fake_pbf.write_bytes(b"PK\x03\x04 this is a zip")
    with pytest.raises(InputError, match="not an OpenStreetMap PBF"):
        load_network(fake_pbf, mode="drive")
    empty = tmp_path / "empty.graphml"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        load_network(empty, mode="walk")
    bad_xml = tmp_path / "broken.osm"
    bad_xml.write_text('<?xml version="1.0"?><osm><node id="1" lat="52.6" lon="-0.7"></osm>')
    with pytest.raises(InputError, match="could not be read as OpenStreetMap XML") as err:
        load_network(bad_xml, mode="drive")
    assert str(bad_xml) in str(err.value)
    no_roads = tmp_path / "no_roads.osm"
    no_roads.write_text(OSM_XML.replace('k="highway"', 'k="waterway"'))
    with pytest.raises(InputError, match="no ways usable"):
        load_network(no_roads, mode="drive")
    with pytest.raises(InputError, match="unknown network mode"):
        load_network(no_roads, mode="transit")


# ----------------------------------------------------------------------------------------------- real PBF


def test_rutland_pbf(rutland: tuple[Path, nx.MultiDiGraph]) -> None:
    path, graph = rutland
    info = network_info(graph)
    assert info.source_format == "osm_pbf" and info.sha256 == file_sha256(path)
    # the extract has 4,461 highway ways; the unsimplified drive network has some 10-20 thousand nodes
    assert 10_000 < info.n_nodes < 20_000 and 1.5 < info.n_edges / info.n_nodes < 2.5
    assert info.n_nodes == graph.number_of_nodes() and info.n_edges == graph.number_of_edges()
    assert 0 < info.dropped_nodes < 0.1 * info.n_nodes
    assert nx.is_strongly_connected(graph)
    xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    assert xy[:, 0].min() > 470_000 and xy[:, 0].max() < 510_000  # Rutland in British National Grid
    assert xy[:, 1].min() > 290_000 and xy[:, 1].max() < 325_000
    tt = np.array([d["travel_time"] for _, _, d in graph.edges(data=True)])
    kph = np.array([d["speed_kph"] for _, _, d in graph.edges(data=True)])
    assert np.isfinite(tt).all() and (tt >= 0).all()
    assert kph.min() >= 5 and kph.max() <= 115
    assert 0.05 < info.share_edges_with_maxspeed < 0.9
    highways = {d["highway"] for _, _, d in graph.edges(data=True) if isinstance(d["highway"], str)}
    assert "footway" not in highways and "residential" in highways


def test_coverage(rutland: tuple[Path, nx.MultiDiGraph]) -> None:
    _, graph = rutland
    node_xy = np.array([(d["x"], d["y"]) for _, d in list(graph.nodes(data=True))[:20]])
    inside = node_xy + 50.0
    report = check_coverage(graph, inside, [f"Z{i}" for i in range(20)])
    assert report.n_far == 0 and report.share_far == 0 and report.max_distance_m < 100
    far = np.vstack([inside, [[530_000.0, 180_000.0]] * 5])  # five points in London, far outside Rutland
    ids = [f"Z{i}" for i in range(25)]
    with pytest.raises(InputError, match="does not cover the study area") as err:
        check_coverage(graph, far, ids)
    assert "5 of 25 points (20.0%)" in str(err.value) and "Z20" in str(err.value)
    assert "extract" in str(err.value)
    report = check_coverage(graph, far, ids, raise_error=False)
    assert report.far_ids == tuple(ids[20:]) and report.share_far == pytest.approx(0.2)
    assert check_coverage(graph, far, ids, max_share_far=0.25).n_far == 5


# ----------------------------------------------------------------------------------------------- download


def test_download_network_uses_osmnx_cache_and_saves_graphml(
    osm_xml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = ox.graph_from_xml(osm_xml, simplify=False, retain_all=True)
    calls = []

    def fake_graph_from_polygon(polygon: object, **kwargs: object) -> nx.MultiDiGraph:
        calls.append((polygon, kwargs, ox.settings.use_cache, ox.settings.cache_folder))
        return recorded

    monkeypatch.setattr(ox, "graph_from_polygon", fake_graph_from_polygon)
    before = (ox.settings.use_cache, ox.settings.cache_folder)
    boundary = shapely.box(486_000, 308_000, 487_000, 309_000)
    out = tmp_path / "net.graphml"
    graph = download_network(boundary, mode="drive", buffer_m=500, cache_dir=tmp_path / "cache", out_path=out)
    (polygon, kwargs, use_cache, folder) = calls[0]
    assert kwargs["network_type"] == "drive" and kwargs["simplify"] is False
    assert use_cache is True and Path(folder) == tmp_path / "cache" / "osmnx"
    assert (ox.settings.use_cache, ox.settings.cache_folder) == before  # settings restored
    x0, y0, x1, y1 = polygon.bounds  # buffered boundary, in degrees
    assert -0.75 < x0 < x1 < -0.7 and 52.6 < y0 < y1 < 52.7
    assert out.exists() and len(graph) == len(recorded)
    loaded = load_network(out, mode="drive")
    assert set(loaded.nodes) == {1, 2, 3, 4, 5}


def test_download_network_offline_gives_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise requests.exceptions.ConnectionError("network is switched off in tests")

    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror("no DNS in tests")

    # block every way out: HTTP adapters, DNS and raw sockets; no HTTP request can leave
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", no_network)
    monkeypatch.setattr(socket, "gethostbyname", no_dns)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    boundary = shapely.box(486_000, 308_000, 487_000, 309_000)
    with pytest.raises(InputError, match="could not download the drive network") as err:
        download_network(boundary, mode="drive", cache_dir=tmp_path)
    assert "Geofabrik" in str(err.value)
    with pytest.raises(InputError, match="British National Grid"):
        download_network(shapely.box(-0.8, 52.6, -0.7, 52.7), mode="drive", cache_dir=tmp_path)
