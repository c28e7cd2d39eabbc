"""Distance along land: the shortest path between two points that stays on a land mask (round estuaries).

The land cells of a :class:`~hubopt.travel.land_mask.LandMask` form a graph in which each cell is joined to its 16
nearest directions (the 8 neighbours and the 8 "knight's moves", which makes a path at most 2.7 % longer than the
straight line in open country, against 8.2 % for 8 neighbours). A diagonal step needs one of the two cells it
passes between to be land, a knight's move both cells it crosses, so no path slips through a channel's corner.
Shortest paths are computed with :func:`scipy.sparse.csgraph.dijkstra` from each destination's cell.

The grid path is then turned into a distance without the grid's bias: the straight-line distance times the
path's *water detour factor*, its length over the length of the shortest grid path in open country between the
same cells (exactly 1 when nothing is in the way). Two points in sight of each other across land are thus exactly
their straight-line distance apart; a path round an estuary is longer by the detour it makes.

Points in a water cell (a coastal centroid, a pier) are first moved to the nearest land cell, and the move is
added to the distance. A pair with no land path on the mask (an island with no bridge on the mask, or a point
off the mask's grid) keeps its straight-line distance (:class:`LandDistances` marks it;
:func:`hubopt.travel.land_times.land_path_notes` says so in words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial.distance import cdist

from hubopt.travel.land_mask import LandMask

__all__ = ["LandDistances", "land_distances", "open_country_cells"]

#: The moves of the grid graph (row step, column step); each is also taken backwards.
_STEPS = ((0, 1), (1, 0), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1))
#: Destinations whose shortest paths are computed together (bounds memory: chunk x land cells x 8 bytes).
_CHUNK = 8


@dataclass(frozen=True)
class LandDistances:
    """Distances along land between origins and destinations.

    Attributes
    ----------
    km : numpy.ndarray
        Shape (n, m): distance along land in km; the straight-line distance where there is no land path.
    straight_km : numpy.ndarray
        Shape (n, m): straight-line distance in km.
    no_land_path : numpy.ndarray
        Shape (n, m), bool: pairs with no land path on the mask (they keep the straight line).
    origin_snap_m, destination_snap_m : numpy.ndarray
        How far each point was moved to reach land (0 for points on land; NaN for points off the grid).
    """

    km: np.ndarray
    straight_km: np.ndarray
    no_land_path: np.ndarray
    origin_snap_m: np.ndarray
    destination_snap_m: np.ndarray


def open_country_cells(d_rows: np.ndarray, d_cols: np.ndarray) -> np.ndarray:
    """Length, in cells, of the shortest 16-direction grid path between cells with nothing in the way."""
    a = np.maximum(np.abs(d_rows), np.abs(d_cols)).astype(np.float64)
    b = np.minimum(np.abs(d_rows), np.abs(d_cols)).astype(np.float64)
    knight_and_straight = np.sqrt(5.0) * b + (a - 2.0 * b)
    knight_and_diagonal = np.sqrt(5.0) * (a - b) + np.sqrt(2.0) * (2.0 * b - a)
    return np.where(2.0 * b <= a, knight_and_straight, knight_and_diagonal)


def _grid_graph(land: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
    """The land cells' graph (edge weights in cells) and the node of each cell (-1 for water)."""
    n_rows, n_cols = land.shape
    node = np.full(land.shape, -1, dtype=np.int64)
    node[land] = np.arange(int(land.sum()))
    pad = 2
    padded = np.pad(land, pad, constant_values=False)
    padded_node = np.pad(node, pad, constant_values=-1)

    def at(dr: int, dc: int, grid: np.ndarray) -> np.ndarray:
        return grid[pad + dr : pad + dr + n_rows, pad + dc : pad + dc + n_cols]

    heads, tails, weights = [], [], []
    for dr, dc in _STEPS:
        ok = land & at(dr, dc, padded)
        if abs(dr) + abs(dc) == 2:  # diagonal: one of the two cells it passes between must be land
            ok &= at(0, dc, padded) | at(dr, 0, padded)
        elif abs(dr) + abs(dc) == 3:  # knight's move: both cells it crosses must be land
            mid_r, mid_c = dr / 2.0, dc / 2.0
            ok &= at(int(np.floor(mid_r)), int(np.floor(mid_c)), padded)
            ok &= at(int(np.ceil(mid_r)), int(np.ceil(mid_c)), padded)
        heads.append(node[ok])
        tails.append(at(dr, dc, padded_node)[ok])
        weights.append(np.full(int(ok.sum()), float(np.hypot(dr, dc))))
    head = np.concatenate(heads)
    tail = np.concatenate(tails)
    weight = np.concatenate(weights)
    n = int(land.sum())
    graph = csr_matrix(
        (np.concatenate([weight, weight]), (np.concatenate([head, tail]), np.concatenate([tail, head]))), shape=(n, n)
    )
    return graph, node


def _snap(mask: LandMask, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's land cell (row, col) and how far it was moved to reach it (NaN when off the grid)."""
    rows, cols, inside = mask.cells_of(xy)
    snap = np.where(inside, 0.0, np.nan)
    in_water = inside & ~mask.land[rows, cols]
    if in_water.any() and mask.land.any():
        _, (near_r, near_c) = ndimage.distance_transform_edt(~mask.land, return_indices=True)
        rows = rows.copy()
        cols = cols.copy()
        w = np.flatnonzero(in_water)
        rows[w], cols[w] = near_r[rows[w], cols[w]], near_c[rows[w], cols[w]]
        snap[w] = np.hypot(*(mask.cell_centres(rows[w], cols[w]) - xy[w]).T)
    elif in_water.any():
        snap[in_water] = np.nan
    return rows, cols, snap


def land_distances(
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray,
    mask: LandMask,
    *,
    on_step: Callable[[int, int], None] = lambda _done, _total: None,
) -> LandDistances:
    """Distance along land between every origin and every destination.

    Parameters
    ----------
    origins_xy, destinations_xy : numpy.ndarray
        Shapes (n, 2) and (m, 2): eastings and northings in metres (EPSG:27700).
    mask : LandMask
        The land.
    on_step : callable, optional
        Told (destinations done, destinations in all) as the shortest paths progress.

    Returns
    -------
    LandDistances
    """
    a = np.asarray(origins_xy, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(destinations_xy, dtype=np.float64).reshape(-1, 2)
    straight_m = cdist(a, b)
    n, m = straight_m.shape
    o_rows, o_cols, o_snap = _snap(mask, a)
    d_rows, d_cols, d_snap = _snap(mask, b)
    km = straight_m / 1000.0
    no_path = np.zeros((n, m), dtype=bool)
    if n == 0 or m == 0:
        return LandDistances(km, km.copy(), no_path, o_snap, d_snap)
    graph, node = _grid_graph(mask.land)
    o_ok = ~np.isnan(o_snap)
    o_node = np.where(o_ok, node[o_rows, o_cols], -1)
    d_node = np.where(~np.isnan(d_snap), node[d_rows, d_cols], -1)
    # From each distinct destination cell once.
    sources, source_of = np.unique(d_node, return_inverse=True)
    cells = np.full((n, sources.size), np.inf)
    valid = np.flatnonzero(sources >= 0)
    for start in range(0, valid.size, _CHUNK):
        chunk = valid[start : start + _CHUNK]
        dist = dijkstra(graph, directed=True, indices=sources[chunk])
        cells[np.ix_(o_ok, chunk)] = dist[:, o_node[o_ok]].T
        on_step(min(start + _CHUNK, valid.size), valid.size)
    grid_cells = cells[:, source_of]
    open_cells = open_country_cells(o_rows[:, None] - d_rows[None, :], o_cols[:, None] - d_cols[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        detour = np.where(open_cells > 0, grid_cells / open_cells, 1.0)
    detour = np.maximum(detour, 1.0)
    no_path = ~np.isfinite(grid_cells)
    o_xy = np.where((o_snap > 0)[:, None], mask.cell_centres(o_rows, o_cols), a)
    d_xy = np.where((d_snap > 0)[:, None], mask.cell_centres(d_rows, d_cols), b)
    along_m = cdist(o_xy, d_xy) * np.where(no_path, 1.0, detour)
    along_m += np.nan_to_num(o_snap)[:, None] + np.nan_to_num(d_snap)[None, :]
    land_km = np.where(no_path, straight_m, np.maximum(along_m, straight_m)) / 1000.0
    return LandDistances(land_km, km, no_path, o_snap, d_snap)
