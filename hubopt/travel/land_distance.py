"""Distance along land: the shortest path between two points that stays on a land mask (round estuaries).

The land cells of a :class:`~hubopt.travel.land_mask.LandMask` form a graph in which each cell is joined to its 16
nearest directions (the 8 neighbours and the 8 "knight's moves", which makes a path at most 2.7 % longer than the
straight line in open country, against 8.2 % for 8 neighbours). A diagonal step needs one of the two cells it
passes between to be land, a knight's move both cells it crosses, so no path slips through a channel's corner
(:mod:`hubopt.travel.land_grid`).

The grid distances are found exactly in one of two ways (:data:`SEARCHES`), which give the same distances:

- ``"bounded"`` (the default): a pair in sight across land, whose shortest open-country path is legal on the mask,
  has that path's length (no search); the other pairs of each destination cell are found by
  :func:`scipy.sparse.csgraph.dijkstra` searches (one, and a second for the pairs not found within their bound)
  over only the tiles their paths can run through (:mod:`hubopt.travel.land_search`): the same distances, about
  2.5 times faster on the Mid and South Essex matrix (bench/RESULTS.md).
- ``"full"``: one Dijkstra search over the whole grid from each destination cell (the method before; kept as the
  reference the bounded searches are checked against).

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
from scipy.sparse.csgraph import dijkstra
from scipy.spatial.distance import cdist

from hubopt.travel.land_grid import land_graph, legal_moves, open_country_cells
from hubopt.travel.land_mask import LandMask
from hubopt.travel.land_search import BoundedSearch, open_path_is_legal

__all__ = ["SEARCHES", "LandDistances", "land_distances", "open_country_cells"]

#: The ways of finding the grid distances (see the module's notes); both give the same distances.
SEARCHES = ("bounded", "full")
#: Destinations whose whole-grid searches are made together (bounds memory: chunk x land cells x 8 bytes).
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
    search: str = "bounded",
) -> LandDistances:
    """Distance along land between every origin and every destination.

    Parameters
    ----------
    origins_xy, destinations_xy : numpy.ndarray
        Shapes (n, 2) and (m, 2): eastings and northings in metres (EPSG:27700).
    mask : LandMask
        The land.
    on_step : callable, optional
        Told (destination cells done, destination cells in all) as the shortest paths progress.
    search : str
        How the grid distances are found, one of :data:`SEARCHES` (the same distances either way).

    Returns
    -------
    LandDistances
    """
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {', '.join(SEARCHES)}, not {search!r}")
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
    origins = _Cells.of(mask, o_rows, o_cols, ~np.isnan(o_snap))
    destinations = _Cells.of(mask, d_rows, d_cols, ~np.isnan(d_snap))
    find = _bounded_cells if search == "bounded" else _full_search_cells
    grid_cells = find(mask, origins, destinations, on_step)[np.ix_(origins.index, destinations.index)]
    grid_cells[~origins.ok, :] = np.inf
    grid_cells[:, ~destinations.ok] = np.inf
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


@dataclass(frozen=True)
class _Cells:
    """The distinct land cells of some points: point i is on cell ``index[i]`` (when ``ok[i]``).

    Attributes
    ----------
    rows, cols : numpy.ndarray
        The distinct cells; ``real`` is False for the placeholder cell of the points that are not ``ok``.
    """

    rows: np.ndarray
    cols: np.ndarray
    real: np.ndarray
    index: np.ndarray
    ok: np.ndarray

    @classmethod
    def of(cls, mask: LandMask, rows: np.ndarray, cols: np.ndarray, on_grid: np.ndarray) -> _Cells:
        ok = on_grid & mask.land[rows, cols]  # points in water were moved to land; off-grid ones cannot be
        key = np.where(ok, rows * mask.shape[1] + cols, -1)
        distinct, index = np.unique(key, return_inverse=True)
        real = distinct >= 0
        distinct = np.where(real, distinct, 0)
        return cls(distinct // mask.shape[1], distinct % mask.shape[1], real, index.reshape(-1), ok)


def _full_search_cells(
    mask: LandMask, origins: _Cells, destinations: _Cells, on_step: Callable[[int, int], None]
) -> np.ndarray:
    """Grid distances (cells) between the distinct cells: one search over the whole graph per destination cell."""
    graph = land_graph(mask.land)
    csr = graph.csr()
    cells = np.full((origins.rows.size, destinations.rows.size), np.inf)
    o_node = graph.node[origins.rows, origins.cols]
    o_real = np.flatnonzero(origins.real)
    d_real = np.flatnonzero(destinations.real)
    d_node = graph.node[destinations.rows[d_real], destinations.cols[d_real]]
    for start in range(0, d_real.size, _CHUNK):
        dist = dijkstra(csr, directed=True, indices=d_node[start : start + _CHUNK])
        cells[np.ix_(o_real, d_real[start : start + _CHUNK])] = dist[:, o_node[o_real]].T
        on_step(min(start + _CHUNK, d_real.size), d_real.size)
    return cells


def _bounded_cells(
    mask: LandMask, origins: _Cells, destinations: _Cells, on_step: Callable[[int, int], None]
) -> np.ndarray:
    """Grid distances (cells) between the distinct cells: open-country paths where legal, else bounded searches."""
    legal = legal_moves(mask.land)
    graph = land_graph(mask.land, legal)
    piece, _ = ndimage.label(mask.land)  # the graph's pieces: land cells joined side to side
    o_piece = np.where(origins.real, piece[origins.rows, origins.cols], 0)
    search = BoundedSearch(graph, origins.rows, origins.cols)
    cells = np.full((origins.rows.size, destinations.rows.size), np.inf)
    d_real = np.flatnonzero(destinations.real)
    for done, j in enumerate(d_real.tolist(), start=1):
        source = (int(destinations.rows[j]), int(destinations.cols[j]))
        same = np.flatnonzero(o_piece == piece[source])
        rows, cols = origins.rows[same], origins.cols[same]
        in_sight = open_path_is_legal(legal, source, rows, cols)
        cells[same[in_sight], j] = open_country_cells(rows[in_sight] - source[0], cols[in_sight] - source[1])
        hidden = ~in_sight
        cells[same[hidden], j] = search.distances(source, same[hidden])
        on_step(done, d_real.size)
    return cells
