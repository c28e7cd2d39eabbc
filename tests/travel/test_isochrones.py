"""Isochrones: polygons contain the nodes within each band and none of the nodes well beyond it."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely

from hubopt.errors import InputError
from hubopt.travel.isochrones import isochrones
from hubopt.travel.matrix import compile_network
from hubopt.travel.network import prepare_graph


@pytest.fixture(scope="module")
def grid() -> nx.MultiDiGraph:
    """A 15 × 15 grid of residential roads 250 m apart (32 km/h: 28.1 s per block)."""
    graph = nx.MultiDiGraph(crs="EPSG:27700")
    n = 15
    for i in range(n):
        for j in range(n):
            graph.add_node(i * n + j, x=480_000.0 + 250 * i, y=300_000.0 + 250 * j)
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    a, b = i * n + j, (i + di) * n + j + dj
                    graph.add_edge(a, b, highway="residential", length=250.0)
                    graph.add_edge(b, a, highway="residential", length=250.0)
    return prepare_graph(graph, mode="drive")


def test_polygons_contain_nodes_within_band(grid: nx.MultiDiGraph) -> None:
    net = compile_network(grid)
    centre = net.xy[7 * 15 + 7]
    sites = np.array([centre + np.array([10.0, 0.0]), net.xy[0]])
    gdf = isochrones(grid, sites, ["mid", "corner"], bands_minutes=(2, 4))
    assert list(gdf.columns) == ["site_id", "band_minutes", "nodes_reached", "geometry"]
    assert gdf.crs.to_epsg() == 27700 and len(gdf) == 4
    assert list(gdf["band_minutes"]) == [2.0, 4.0, 2.0, 4.0]
    for (sid, xy), node in zip([("mid", sites[0]), ("corner", sites[1])], [7 * 15 + 7, 0], strict=True):
        access_s = np.hypot(*(xy - net.xy[node])) / (15 / 3.6)
        times = nx.single_source_dijkstra_path_length(grid.reverse(), net.nodes[node], weight="travel_time")
        t = np.array([times[n] for n in net.nodes]) + access_s
        for band in (2, 4):
            row = gdf[(gdf.site_id == sid) & (gdf.band_minutes == band)].iloc[0]
            inside = shapely.contains_xy(row.geometry.buffer(1e-6), net.xy[:, 0], net.xy[:, 1])
            within = t <= band * 60
            assert within.sum() == row.nodes_reached > 0
            assert inside[within].all()  # every node within the band is inside its polygon
            beyond = t > band * 60 + 250 / (32 / 3.6) * 2  # two blocks beyond the band: 500 m > the 200 m buffer
            assert not inside[beyond].any()
    mid = gdf[gdf.site_id == "mid"]
    assert mid.iloc[1].geometry.contains(mid.iloc[0].geometry.buffer(-1))  # nested bands
    # 2 minutes at 32 km/h reach about 1 km along the roads; the polygon is bounded accordingly
    x0, _, x1, _ = mid.iloc[0].geometry.bounds
    assert 1_500 < x1 - x0 < 2 * (1_067 + 200) + 50


def test_cut_segments_and_errors(grid: nx.MultiDiGraph) -> None:
    net = compile_network(grid)
    # 20 s band: less than one 28.1 s block, so the polygon is the partly reached roads around the site's node
    gdf = isochrones(net, net.xy[[112]], bands_minutes=(20 / 60,), buffer_m=10)
    geom = gdf.geometry.iloc[0]
    assert gdf.nodes_reached.iloc[0] == 1
    reach = 20 * 32 / 3.6  # metres of road reached in 20 s
    assert geom.bounds[2] - net.xy[112, 0] == pytest.approx(reach + 10, abs=1)
    with pytest.raises(InputError, match="bands"):
        isochrones(net, net.xy[[0]], bands_minutes=(0, 10))
    walk = isochrones(net, net.xy[[0]], bands_minutes=(5,), mode="walk")
    assert walk.nodes_reached.iloc[0] > 0
