"""Many-to-many travel times: equal to networkx's, snapping legs, unreachable pairs, cutoff."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from hubopt.errors import InputError
from hubopt.travel import matrix as matmod
from hubopt.travel.matrix import CompiledNetwork, TravelMatrix, compile_network, travel_time_matrix
from hubopt.travel.network import prepare_graph


def line_graph(times: dict[tuple[int, int], float], xy: dict[int, tuple[float, float]]) -> nx.MultiDiGraph:
    """A graph with given node coordinates (BNG) and edge travel times (seconds)."""
    graph = nx.MultiDiGraph(crs="EPSG:27700", hubopt_mode="drive")
    for n, (x, y) in xy.items():
        graph.add_node(n, x=x, y=y)
    for (u, v), t in times.items():
        graph.add_edge(u, v, travel_time=t)
    return graph


def road_grid(n: int = 12, seed: int = 3) -> nx.MultiDiGraph:
    """An n × n grid of roads 200 m apart with mixed road types, one-way streets and parallel edges."""
    rng = np.random.default_rng(seed)
    graph = nx.MultiDiGraph(crs="EPSG:27700")
    kinds = ["residential", "tertiary", "primary", "unclassified"]
    for i in range(n):
        for j in range(n):
            graph.add_node(i * n + j, x=480_000.0 + 200 * i + rng.normal(0, 20), y=300_000.0 + 200 * j)
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    a, b = i * n + j, (i + di) * n + j + dj
                    attrs = {"highway": kinds[rng.integers(4)], "length": float(rng.uniform(180, 320))}
                    if rng.random() < 0.3:
                        attrs["maxspeed"] = f"{rng.choice([20, 30, 40])} mph"
                    oneway = rng.random() < 0.15
                    graph.add_edge(a, b, **attrs)
                    if not oneway:
                        graph.add_edge(b, a, **attrs)
                    if rng.random() < 0.05:  # a slower parallel road
                        graph.add_edge(a, b, highway="living_street", length=attrs["length"] * 1.2)
    return prepare_graph(graph, mode="drive")


@pytest.fixture(scope="module")
def grid() -> nx.MultiDiGraph:
    return road_grid()


def test_matrix_equals_networkx(grid: nx.MultiDiGraph) -> None:
    nodes = list(grid.nodes)
    rng = np.random.default_rng(0)
    sites = [nodes[i] for i in rng.choice(len(nodes), 7, replace=False)]
    xy = {n: (grid.nodes[n]["x"], grid.nodes[n]["y"]) for n in nodes}
    tm = travel_time_matrix(
        grid, [xy[n] for n in nodes], [xy[s] for s in sites], origin_ids=nodes, destination_ids=sites
    )
    assert isinstance(tm, TravelMatrix) and tm.shape == (len(nodes), 7)
    assert np.all(tm.origin_snap_m == 0) and tm.n_unreachable == 0
    for k, origin in enumerate(nodes):
        dist = nx.single_source_dijkstra_path_length(grid, origin, weight="travel_time")
        expected = np.array([dist[s] for s in sites]) / 60.0
        np.testing.assert_allclose(tm.minutes[k], expected, rtol=0, atol=1e-6)
    assert list(tm.origin_ids) == [str(n) for n in nodes] and tm.mode == "drive"
    assert "Dijkstra" in tm.method and "15 km/h" in tm.method


def test_chunks_and_shared_site_nodes_give_same_result(
    grid: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = compile_network(grid)
    sites = net.xy[[3, 3, 50, 7, 99]] + [[5, 0], [0, 5], [0, 0], [1, 1], [2, 2]]
    whole = travel_time_matrix(net, net.xy, sites)
    monkeypatch.setattr(matmod, "_CHUNK_BYTES", 8 * net.n_nodes * 2)  # two sites per Dijkstra call
    chunked = travel_time_matrix(net, net.xy, sites)
    np.testing.assert_array_equal(whole.minutes, chunked.minutes)
    assert list(whole.destination_nodes[:2]) == [net.nodes[3]] * 2


def test_parallel_edges_keep_the_fastest() -> None:
    graph = line_graph({(1, 2): 100.0, (2, 1): 100.0}, {1: (0.0, 0.0), 2: (1000.0, 0.0)})
    graph.add_edge(1, 2, travel_time=40.0)
    graph.add_edge(1, 1, travel_time=1.0)  # self-loop ignored
    tm = travel_time_matrix(graph, [(0.0, 0.0)], [(1000.0, 0.0)])
    assert tm.minutes[0, 0] == pytest.approx(40.0 / 60.0)


def test_snapping_access_legs_hand_checked() -> None:
    # 1 --60 s--> 2 --60 s--> 3 on a line 1 km apart; both ways
    xy = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (2000.0, 0.0)}
    graph = line_graph({(1, 2): 60.0, (2, 1): 60.0, (2, 3): 60.0, (3, 2): 60.0}, xy)
    zone = [(0.0, 300.0)]  # 300 m from node 1
    site = [(2000.0, -150.0)]  # 150 m from node 3
    tm = travel_time_matrix(graph, zone, site, origin_ids=["Z"], destination_ids=["S"])
    # drive default access speed 15 km/h = 4.1667 m/s: 300 m = 72 s, 150 m = 36 s; network 120 s
    assert tm.minutes[0, 0] == pytest.approx((72 + 120 + 36) / 60)
    assert tm.origin_snap_m[0] == pytest.approx(300) and tm.destination_snap_m[0] == pytest.approx(150)
    assert list(tm.origin_nodes) == [1] and list(tm.destination_nodes) == [3]
    walk = travel_time_matrix(graph, zone, site, mode="walk")
    # walking 4.8 km/h = 4/3 m/s: 300 m = 225 s, 150 m = 112.5 s
    assert walk.minutes[0, 0] == pytest.approx((225 + 120 + 112.5) / 60)
    fast = travel_time_matrix(graph, zone, site, access_speed_kph=36.0)  # 10 m/s
    assert fast.minutes[0, 0] == pytest.approx((30 + 120 + 15) / 60)
    # a zone between nodes snaps to the nearer one
    mid = travel_time_matrix(graph, [(1400.0, 0.0), (1600.0, 0.0)], site)
    assert list(mid.origin_nodes) == [2, 3]
    assert mid.minutes[1, 0] == pytest.approx((400 / (15 / 3.6) + 0 + 36) / 60)


def test_unreachable_pairs_are_inf_and_reported() -> None:
    # 1 -> 2 one way only, and an island 3 <-> 4 with no link to the rest
    xy = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (0.0, 5000.0), 4: (1000.0, 5000.0)}
    graph = line_graph({(1, 2): 60.0, (3, 4): 30.0, (4, 3): 30.0}, xy)
    tm = travel_time_matrix(
        graph, [xy[1], xy[2], xy[3]], [xy[2], xy[4]], origin_ids=["A", "B", "C"], destination_ids=["S1", "S2"]
    )
    assert tm.minutes[0, 0] == pytest.approx(1.0) and tm.minutes[2, 1] == pytest.approx(0.5)
    assert tm.minutes[1, 0] == 0.0
    assert set(tm.unreachable) == {("A", "S2"), ("B", "S2"), ("C", "S1")}
    assert np.isinf(tm.minutes[[0, 1, 2], [1, 1, 0]]).all()
    text = tm.describe_unreachable()
    assert "3 zone-site pairs" in text and "A, B, C" in text and "S1, S2" in text
    long = tm.to_long()
    assert len(long) == 6 and np.isinf(long["minutes"]).sum() == 3


def test_cutoff_and_max_snap() -> None:
    xy = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (2000.0, 0.0)}
    graph = line_graph({(1, 2): 300.0, (2, 1): 300.0, (2, 3): 300.0, (3, 2): 300.0}, xy)
    tm = travel_time_matrix(graph, [xy[1], xy[2]], [xy[3]], origin_ids=["far", "near"], cutoff_minutes=7.0)
    assert np.isinf(tm.minutes[0, 0]) and tm.minutes[1, 0] == pytest.approx(5.0)
    assert tm.unreachable == (("far", "0"),) and tm.cutoff_minutes == 7.0
    assert "within 7 minutes" in tm.describe_unreachable() and "longer than 7 minutes" in tm.method
    # access legs count towards the cutoff: 5 min network + 150 m at 15 km/h (0.6 min) > 5.5
    tm = travel_time_matrix(graph, [(1000.0, 150.0)], [xy[3]], cutoff_minutes=5.5)
    assert np.isinf(tm.minutes[0, 0])
    tm = travel_time_matrix(graph, [(0.0, 3000.0), xy[2]], [xy[3]], max_snap_m=1000.0)
    assert np.isinf(tm.minutes[0, 0]) and np.isfinite(tm.minutes[1, 0]) and tm.n_unreachable == 1


def test_input_checks() -> None:
    xy = {1: (0.0, 0.0), 2: (1000.0, 0.0)}
    graph = line_graph({(1, 2): 60.0, (2, 1): 60.0}, xy)
    with pytest.raises(InputError, match="access speed"):
        travel_time_matrix(graph, [xy[1]], [xy[2]], access_speed_kph=0)
    with pytest.raises(InputError, match="cutoff"):
        travel_time_matrix(graph, [xy[1]], [xy[2]], cutoff_minutes=-5)
    with pytest.raises(InputError, match="point 2 has no valid coordinates"):
        travel_time_matrix(graph, [xy[1], (np.nan, 1.0)], [xy[2]])
    with pytest.raises(ValueError, match="ids"):
        travel_time_matrix(graph, [xy[1]], [xy[2]], origin_ids=["a", "b"])
    graph.add_edge(2, 1, travel_time=None)
    with pytest.raises(InputError, match="no valid 'travel_time'"):
        compile_network(graph)
    empty = travel_time_matrix(compile_network(line_graph({(1, 2): 1.0}, xy)), np.zeros((0, 2)), [xy[2]])
    assert empty.shape == (0, 1)
    assert isinstance(compile_network(line_graph({(1, 2): 1.0}, xy)), CompiledNetwork)


def test_shortest_paths_count_the_distinct_site_nodes(grid: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    net = compile_network(grid)
    sites = net.xy[[3, 3, 50, 7, 99]]  # 4 distinct site nodes
    monkeypatch.setattr(matmod, "_CHUNK_SITES", 3)
    steps: list[tuple[int, int]] = []
    counted = travel_time_matrix(net, net.xy, sites, on_step=lambda d, t: steps.append((d, t)))
    assert steps == [(3, 4), (4, 4)]
    np.testing.assert_array_equal(counted.minutes, travel_time_matrix(net, net.xy, sites).minutes)
