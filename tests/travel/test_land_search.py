"""The bounded searches along land give the same distances as searching the whole grid: checked against a brute-force
Dijkstra written from the grid's rules (16 moves; a diagonal needs one of the two cells it passes between, a knight's
move both cells it crosses), on hand-made masks with water to go round and on random masks."""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import box

from hubopt.travel import land_search
from hubopt.travel.land_distance import land_distances
from hubopt.travel.land_grid import TILE_CELLS, land_graph, legal_moves, open_country_cells
from hubopt.travel.land_mask import LandMask, rasterise_land
from hubopt.travel.land_search import BoundedSearch, open_path_is_legal

KING = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]
KNIGHT = [(dr, dc) for dr in (-2, -1, 1, 2) for dc in (-2, -1, 1, 2) if abs(dr) != abs(dc)]


def allowed(land: np.ndarray, r: int, c: int, dr: int, dc: int) -> bool:
    """Whether the move (dr, dc) from land cell (r, c) is in the grid graph, by the rules written out."""
    n_rows, n_cols = land.shape

    def is_land(rr: int, cc: int) -> bool:
        return 0 <= rr < n_rows and 0 <= cc < n_cols and bool(land[rr, cc])

    if not is_land(r + dr, c + dc):
        return False
    if abs(dr) == 1 and abs(dc) == 1:  # diagonal: one of the two cells it passes between
        return is_land(r, c + dc) or is_land(r + dr, c)
    if abs(dr) == 1 and abs(dc) == 2:  # knight's move: the two cells it crosses
        return is_land(r, c + dc // 2) and is_land(r + dr, c + dc // 2)
    if abs(dr) == 2 and abs(dc) == 1:
        return is_land(r + dr // 2, c) and is_land(r + dr // 2, c + dc)
    return True


def brute_force_cells(land: np.ndarray, source: tuple[int, int]) -> np.ndarray:
    """Grid distances (cells) from ``source`` to every cell, by a plain Dijkstra over the rules written out."""
    dist = np.full(land.shape, np.inf)
    dist[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, (r, c) = heapq.heappop(heap)
        if d > dist[r, c]:
            continue
        for dr, dc in KING + KNIGHT:
            if allowed(land, r, c, dr, dc) and d + math.hypot(dr, dc) < dist[r + dr, c + dc]:
                dist[r + dr, c + dc] = d + math.hypot(dr, dc)
                heapq.heappush(heap, (dist[r + dr, c + dc], (r + dr, c + dc)))
    return dist


def random_land(seed: int, shape: tuple[int, int] = (40, 50), water: float = 0.35) -> np.ndarray:
    """Land with blobs and channels of water: smoothed noise, thresholded."""
    rng = np.random.default_rng(seed)
    noise = rng.random((shape[0] // 4 + 2, shape[1] // 4 + 2))
    smooth = np.kron(noise, np.ones((4, 4)))[: shape[0], : shape[1]]
    smooth += 0.3 * rng.random(shape)
    return smooth > np.quantile(smooth, water)


# A 3 km square of land with a channel 200 m wide cut down from its northern edge to 1 km above its southern edge.
U_LAND = rasterise_land(
    [box(0, 0, 3000, 3000).difference(box(1400, 1000, 1600, 3000))], (0.0, 0.0, 3000.0, 3000.0), bridge_cells=0
).land


def test_the_graph_has_the_edges_of_the_rules() -> None:
    land = random_land(1, (20, 24))
    graph = land_graph(land)
    coo = graph.csr().tocoo()
    cell_of = {int(graph.node[r, c]): (int(r), int(c)) for r, c in zip(*np.nonzero(land), strict=True)}
    edges = {(cell_of[int(i)], cell_of[int(j)]): w for i, j, w in zip(coo.row, coo.col, coo.data, strict=True)}
    expected = {
        ((int(r), int(c)), (int(r) + dr, int(c) + dc)): math.hypot(dr, dc)
        for r, c in zip(*np.nonzero(land), strict=True)
        for dr, dc in KING + KNIGHT
        if allowed(land, int(r), int(c), dr, dc)
    }
    assert edges.keys() == expected.keys()
    assert all(edges[key] == pytest.approx(w, rel=1e-12) for key, w in expected.items())
    legal = legal_moves(land)
    assert legal.sum() == len(expected)


def test_the_open_country_distance_is_the_grid_distance_without_water() -> None:
    land = np.ones((15, 17), dtype=bool)
    brute = brute_force_cells(land, (7, 8))
    rows, cols = np.indices(land.shape)
    np.testing.assert_allclose(open_country_cells(rows - 7, cols - 8), brute, rtol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_a_legal_open_path_is_a_shortest_path(seed: int) -> None:
    # Never claims a pair in sight when the grid path is longer; and in open country claims every pair.
    land = random_land(seed)
    source = tuple(int(v) for v in np.argwhere(land)[seed * 37 % int(land.sum())])
    rows, cols = np.nonzero(land)
    in_sight = open_path_is_legal(legal_moves(land), source, rows, cols)
    brute = brute_force_cells(land, source)[rows, cols]
    open_cells = open_country_cells(rows - source[0], cols - source[1])
    np.testing.assert_allclose(brute[in_sight], open_cells[in_sight], rtol=1e-9)
    assert 0 < in_sight.sum() < in_sight.size  # some pairs in sight, some hidden by water
    everywhere = np.ones_like(land)
    assert open_path_is_legal(legal_moves(everywhere), (3, 4), *np.nonzero(everywhere)).all()


def test_bounded_search_goes_round_the_channel() -> None:
    # From west of the channel (row 2, col 5) to east of it (row 2, col 24): 19 cells apart as the crow flies, round
    # the channel's southern end (rows 20-29 are land under it) about 2 x hypot(9, 18) + 2 cells; the first bound
    # (1.05 x 19 + 3 cells) holds no path at all, so the whole graph is searched.
    land = U_LAND
    graph = land_graph(land)
    targets = np.array([[2, 24], [2, 13], [25, 25], [2, 16]])
    search = BoundedSearch(graph, targets[:, 0], targets[:, 1])
    found = search.distances((2, 5), np.arange(len(targets)))
    brute = brute_force_cells(land, (2, 5))[targets[:, 0], targets[:, 1]]
    np.testing.assert_allclose(found, brute, rtol=1e-9)
    assert found[0] > 2 * math.hypot(9, 18) > 1.05 * 19 + 3


def test_a_longer_path_found_within_another_targets_bound_is_searched_again() -> None:
    # A wall of water (columns 180-189, rows 30-180) between the source (96, 20) and target A (96, 240): round its
    # northern end is shorter (270 cells on the grid) than round its southern end (291). Target B (191, 399), far to
    # the south-east, has a bound (1.05 x 401 + 3 cells) wide enough to hold the southern path to A, but not the
    # northern one; A's own bound (1.05 x 220 + 3) holds neither. The first search finds A by the south, longer
    # than A's bound, so A is searched again with that length as its bound, and is then found by the north.
    land = np.ones((192, 400), dtype=bool)
    land[30:181, 180:190] = False
    graph = land_graph(land)
    targets = np.array([[96, 240], [191, 399]])
    calls = []

    def counting_dijkstra(csgraph, **kw):
        calls.append(kw.get("limit", np.inf))
        return dijkstra(csgraph, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(land_search, "dijkstra", counting_dijkstra)
        found = BoundedSearch(graph, targets[:, 0], targets[:, 1]).distances((96, 20), np.arange(2))
    reference = dijkstra(graph.csr(), directed=True, indices=int(graph.node[96, 20]))[graph.node[96, 240]]
    assert found[0] == pytest.approx(reference, rel=1e-9)
    assert 265.0 < found[0] < 275.0
    assert len(calls) == 2 and 285.0 < calls[1] < 295.0  # searched again, bounded by the southern path


def test_the_tiles_searched_hold_every_cell_of_a_path_within_the_bound() -> None:
    land = random_land(11, (120, 150), water=0.2)
    graph = land_graph(land)
    rng = np.random.default_rng(3)
    cells = np.argwhere(land)
    targets = cells[rng.choice(len(cells), size=6, replace=False)]
    source = (int(cells[0][0]), int(cells[0][1]))
    search = BoundedSearch(graph, targets[:, 0], targets[:, 1])
    open_to = open_country_cells(targets[:, 0] - source[0], targets[:, 1] - source[1])
    bound = open_to * rng.uniform(1.0, 1.3, size=6) + 2.0
    tiles = set(search._tiles_within(source, np.arange(6), bound).tolist())
    rows, cols = np.nonzero(land)
    via = open_country_cells(rows - source[0], cols - source[1])[None, :] + open_country_cells(
        rows[None, :] - targets[:, :1], cols[None, :] - targets[:, 1:]
    )
    needed = (via <= bound[:, None]).any(axis=0)
    tile_of = (rows // TILE_CELLS) * graph.tile_columns + cols // TILE_CELLS
    assert set(tile_of[needed].tolist()) <= tiles
    assert len(tiles) < graph.tile_start.size - 1  # and not every tile


@pytest.mark.parametrize("seed", range(8))
def test_bounded_search_equals_brute_force_on_random_masks(seed: int) -> None:
    # Large enough for the tiles (TILE_CELLS a side) to leave some of the land out of the searches.
    land = random_land(100 + seed, (96, 128), water=0.3 + 0.03 * seed)
    graph = land_graph(land)
    piece_land = np.argwhere(land)
    rng = np.random.default_rng(seed)
    source = tuple(int(v) for v in piece_land[rng.integers(len(piece_land))])
    brute = brute_force_cells(land, source)
    reachable = np.argwhere(np.isfinite(brute))
    targets = reachable[rng.choice(len(reachable), size=min(60, len(reachable)), replace=False)]
    search = BoundedSearch(graph, targets[:, 0], targets[:, 1])
    found = search.distances(source, np.arange(len(targets)))
    np.testing.assert_allclose(found, brute[targets[:, 0], targets[:, 1]], rtol=1e-9)


@pytest.mark.parametrize("bounds", [((1.0, 0.0),), ((1.05, 3.0), (1.3, 5.0)), ((3.0, 50.0),)])
def test_any_first_bound_gives_the_same_distances(bounds, monkeypatch: pytest.MonkeyPatch) -> None:
    # Too tight (searched again with the path found), stepped, or loose: the bound changes the work, not the answer.
    monkeypatch.setattr(land_search, "BOUNDS", bounds)
    land = random_land(7, (36, 44), water=0.4)
    graph = land_graph(land)
    source = tuple(int(v) for v in np.argwhere(land)[5])
    brute = brute_force_cells(land, source)
    targets = np.argwhere(np.isfinite(brute))
    found = BoundedSearch(graph, targets[:, 0], targets[:, 1]).distances(source, np.arange(len(targets)))
    np.testing.assert_allclose(found, brute[targets[:, 0], targets[:, 1]], rtol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_land_distances_bounded_equals_the_full_search(seed: int) -> None:
    # Points anywhere on (and off) a random 100 m mask, some in water, some on islands: the same answers.
    land = random_land(200 + seed, (45, 55), water=0.45)
    mask = LandMask(land=land, x_min=0.0, y_max=4500.0, cell_m=100.0, bridge_cells=0)
    rng = np.random.default_rng(seed)
    origins = rng.uniform([-200.0, -200.0], [5700.0, 4700.0], size=(40, 2))
    destinations = rng.uniform([0.0, 0.0], [5500.0, 4500.0], size=(9, 2))
    bounded = land_distances(origins, destinations, mask)
    full = land_distances(origins, destinations, mask, search="full")
    np.testing.assert_allclose(bounded.km, full.km, rtol=1e-9)
    np.testing.assert_array_equal(bounded.no_land_path, full.no_land_path)
    assert bounded.no_land_path.any() and not bounded.no_land_path.all()
    assert (bounded.km > bounded.straight_km * 1.02).any()  # some paths go round water


def test_an_unknown_search_is_refused() -> None:
    with pytest.raises(ValueError, match="bounded, full"):
        land_distances(np.zeros((1, 2)), np.zeros((1, 2)), LandMask(np.ones((2, 2), bool), 0.0, 200.0, 100.0),
                       search="fast")  # fmt: skip
