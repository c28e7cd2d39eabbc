"""Shortest grid paths along land from one cell to many, exactly, without searching the whole grid.

The grid distance between two land cells is never shorter than their open-country distance
(:func:`~hubopt.travel.land_grid.open_country_cells`), and equals it when one of the shortest open-country paths
between them is legal on the mask. Most pairs are in sight of each other across land, so:

1. :func:`open_path_is_legal` walks one such path for every target at once (vectorised on the raster): the moves of
   the shortest open-country path, interleaved to follow the straight line; where all its moves are legal, the grid
   distance *is* the open-country distance (exact: a lower bound that a legal path reaches).
2. The other targets are searched for (:class:`BoundedSearch`): a Dijkstra search from the source over the tiles
   where a path no longer than a bound ``U`` could run (a cell ``v`` is on such a path only if
   ``open(source, v) + open(v, target) <= U``, by the triangle inequality), stopped at distance ``U``. A target
   reached within its bound has its exact distance (the shortest path is no longer than the one found, so it lies in
   the tiles searched). A target not reached within it is searched again with the distance found as its bound, or
   over the whole graph when it was not reached at all: that second answer is exact.

The first bound is ``1.05 x open-country distance + 3`` cells (:data:`BOUNDS`; measured on the Mid and South Essex
matrix against tighter, looser and stepped bounds: bench/RESULTS.md).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from hubopt.travel.land_grid import MOVES, TILE_CELLS, LandGraph, open_country_cells

__all__ = ["BOUNDS", "BoundedSearch", "open_path_is_legal"]

#: The successive searches' bounds on a path's length: (factor on the open-country distance, cells added); the bound
#: is never above the shortest path found by the searches before. A last search takes that shortest path's length.
BOUNDS: tuple[tuple[float, float], ...] = ((1.05, 3.0),)
#: Steps walked at once by :func:`open_path_is_legal` (bounds memory: about 100 bytes a step).
_STEPS_AT_ONCE = 2_000_000
#: Open-country distances from tile centres to targets held at once (bounds memory: 4 bytes each).
_TILE_DISTANCES_AT_ONCE = 25_000_000
#: Slack on distance comparisons, in cells (distances are sums of a few hundred moves; tile distances are float32).
_TOLERANCE = 1e-3
#: The number of each move in MOVES by its (row step, column step).
_MOVE_NUMBER = {move: k for k, move in enumerate(MOVES)}


def open_path_is_legal(legal: np.ndarray, source: tuple[int, int], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Whether a shortest open-country path from ``source`` (row, column) to each target cell is legal on the mask.

    The path from (0, 0) to a step (d_rows, d_cols) whose larger side is ``a`` and smaller ``b`` takes ``b`` knight's
    moves and ``a - 2b`` straight ones when ``2b <= a``, else ``a - b`` knight's moves and ``2b - a`` diagonal ones;
    after ``i`` of its ``n`` moves, ``round(i p / n)`` are knight's moves (``p`` of them in all), so it follows the
    straight line. True means it is legal, so its length is the grid distance; False means another path may be
    needed.

    Parameters
    ----------
    legal : numpy.ndarray
        :func:`hubopt.travel.land_grid.legal_moves` of the mask.
    source : tuple of int
        The source cell (a land cell).
    rows, cols : numpy.ndarray
        The target cells.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    ok = np.zeros(rows.size, dtype=bool)
    moves = np.cumsum(_path_moves(rows - source[0], cols - source[1]))
    start = 0
    while start < rows.size:
        done_before = moves[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(moves, done_before + _STEPS_AT_ONCE, side="right")))
        ok[start:stop] = _walk(legal, source, rows[start:stop], cols[start:stop])
        start = stop
    return ok


def _path_moves(d_rows: np.ndarray, d_cols: np.ndarray) -> np.ndarray:
    """Number of moves of the shortest open-country path of each step."""
    a = np.maximum(np.abs(d_rows), np.abs(d_cols))
    b = np.minimum(np.abs(d_rows), np.abs(d_cols))
    return np.where(2 * b <= a, a - b, b)


def _walk(legal: np.ndarray, source: tuple[int, int], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """:func:`open_path_is_legal` for a batch of targets (all the paths' moves held at once)."""
    n_rows, n_cols = legal.shape[1:]
    d_rows, d_cols = rows - source[0], cols - source[1]
    rows_major = np.abs(d_rows) >= np.abs(d_cols)
    a = np.where(rows_major, np.abs(d_rows), np.abs(d_cols))
    b = np.where(rows_major, np.abs(d_cols), np.abs(d_rows))
    narrow = 2 * b <= a  # knight's and straight moves; else knight's and diagonal ones
    knights = np.where(narrow, b, a - b)
    n = np.where(narrow, a - b, b)
    total = int(n.sum())
    if total == 0:
        return np.ones(rows.size, dtype=bool)
    # One step along the larger side and one along the smaller, as moves and as flat cell offsets.
    sign_r, sign_c = np.sign(d_rows), np.sign(d_cols)
    along_r, along_c = np.where(rows_major, sign_r, 0), np.where(rows_major, 0, sign_c)
    across_r, across_c = np.where(rows_major, 0, sign_r), np.where(rows_major, sign_c, 0)
    knight_move = _move_numbers(2 * along_r + across_r, 2 * along_c + across_c)
    other_move = _move_numbers(along_r + ~narrow * across_r, along_c + ~narrow * across_c)  # straight or diagonal
    pair = np.repeat(np.arange(rows.size, dtype=np.int32), n)
    step = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)  # moves already made: 0 .. n - 1
    n_p, p_p = n[pair], knights[pair]
    done = (2 * step * p_p + n_p) // (2 * n_p)  # knight's moves among them: round(step * p / n)
    knight = (2 * (step + 1) * p_p + n_p) // (2 * n_p) > done
    across = np.where(narrow[pair], done, step)
    along = step + done
    cell = (source[0] * n_cols + source[1]) + along * (along_r * n_cols + along_c)[pair]
    cell += across * (across_r * n_cols + across_c)[pair]
    move = np.where(knight, knight_move[pair], other_move[pair])
    good = legal.reshape(-1)[move * (n_rows * n_cols) + cell]
    return np.bincount(pair[~good], minlength=rows.size) == 0


def _move_numbers(d_rows: np.ndarray, d_cols: np.ndarray) -> np.ndarray:
    """The number in MOVES of each move (-1 for a pair with no such move: a step of zero length)."""
    return np.array([_MOVE_NUMBER.get((r, c), -1) for r, c in zip(d_rows.tolist(), d_cols.tolist(), strict=True)])


class BoundedSearch:
    """Exact grid distances from source cells to some of a fixed set of target cells, searching little.

    Parameters
    ----------
    graph : LandGraph
        The mask's graph.
    rows, cols : numpy.ndarray
        The target cells (land cells).
    """

    def __init__(self, graph: LandGraph, rows: np.ndarray, cols: np.ndarray) -> None:
        self.graph = graph
        self.rows = np.asarray(rows, dtype=np.int64)
        self.cols = np.asarray(cols, dtype=np.int64)
        half = (TILE_CELLS - 1) / 2.0
        self._tiles = np.flatnonzero(np.diff(graph.tile_start) > 0)  # the tiles with land
        self._centre_r = (self._tiles // graph.tile_columns) * TILE_CELLS + half
        self._centre_c = (self._tiles % graph.tile_columns) * TILE_CELLS + half
        # A cell of a tile is at most `reach` (open-country) from the tile's centre.
        self._reach = float(open_country_cells(np.array([half]), np.array([half]))[0])
        self._to_targets: np.ndarray | None = None
        if self.rows.size * self._tiles.size <= _TILE_DISTANCES_AT_ONCE:
            self._to_targets = self._tile_distances(np.arange(self.rows.size))

    def _tile_distances(self, which: np.ndarray) -> np.ndarray:
        """Shape (targets, tiles with land), float32: open-country distances from the tiles' centres."""
        d_rows = self._centre_r[None, :] - self.rows[which, None]
        d_cols = self._centre_c[None, :] - self.cols[which, None]
        return open_country_cells(d_rows, d_cols).astype(np.float32)

    def distances(self, source: tuple[int, int], which: np.ndarray) -> np.ndarray:
        """Grid distances (cells) from ``source`` to the targets ``which`` (indices), on the source's piece of land.

        The whole graph is searched for a target not found within its bound (see the module's notes).
        """
        which = np.asarray(which, dtype=np.int64)
        cells = np.full(which.size, np.inf)
        graph = self.graph
        start = int(graph.node[source])
        targets = graph.node[self.rows[which], self.cols[which]]
        open_cells = open_country_cells(self.rows[which] - source[0], self.cols[which] - source[1])
        todo = np.arange(which.size)
        found_before = np.full(which.size, np.inf)  # the shortest path found so far: an upper bound
        for attempt, (factor, added) in enumerate((*BOUNDS, (np.inf, np.inf))):
            if todo.size == 0:
                break
            bound = np.minimum(factor * open_cells[todo] + added, found_before[todo])
            if np.isfinite(bound).all():
                tiles = self._tiles_within(source, which[todo], bound)
                limit = float(bound.max()) + _TOLERANCE
                dist = dijkstra(graph.within(tiles), directed=True, indices=start, limit=limit)
            else:  # not found in the tiles searched: search the whole graph
                dist = dijkstra(graph.csr(), directed=True, indices=start)
            found = dist[targets[todo]]
            # The last search's bound is a path's length, or the whole graph is searched: its answer is exact.
            exact = (found <= bound + _TOLERANCE) | (attempt == len(BOUNDS))
            cells[todo[exact]] = found[exact]
            found_before[todo] = np.minimum(found_before[todo], found)
            todo = todo[~exact]
        return cells

    def _tiles_within(self, source: tuple[int, int], which: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """The tiles holding a cell v with open(source, v) + open(v, target) <= bound (+ slack) for some target."""
        from_source = open_country_cells(self._centre_r - source[0], self._centre_c - source[1])
        # Twice the tolerance: every cell within bound + tolerance is kept, float32 rounding (1e-4 cells) included.
        slack = (bound + 2.0 * self._reach + 2.0 * _TOLERANCE).astype(np.float32)
        keep = np.zeros(self._tiles.size, dtype=bool)
        chunk = max(1, _TILE_DISTANCES_AT_ONCE // 8 // max(self._tiles.size, 1))
        for first in range(0, which.size, chunk):
            part = slice(first, first + chunk)
            if self._to_targets is not None:
                to_target = self._to_targets[which[part]]
            else:
                to_target = self._tile_distances(which[part])
            keep |= (from_source.astype(np.float32)[None, :] + to_target <= slack[part, None]).any(axis=0)
        return self._tiles[keep]
