"""The grid graph of a land mask: its 16 moves, which of them each cell may take, and the graph in tiles.

Each land cell is joined to its 16 nearest directions: the 8 neighbours and the 8 "knight's moves". A diagonal step
needs one of the two cells it passes between to be land, a knight's move both cells it crosses, so no path slips
through a channel's corner (see :mod:`hubopt.travel.land_distance`). :func:`legal_moves` says, for each move and each
cell, whether the move may be taken from that cell; :class:`LandGraph` is the same graph as a sparse matrix whose
nodes are numbered tile by tile (squares of :data:`TILE_CELLS` cells), so the part of the graph inside some tiles is
a few slices of it (:meth:`LandGraph.within`), for searches that need only part of the land.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

__all__ = ["MOVES", "MOVE_CELLS", "TILE_CELLS", "LandGraph", "land_graph", "legal_moves", "open_country_cells"]

#: The 16 moves (row step, column step): 8 forward, then the same 8 backward.
MOVES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 0), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1),
    (0, -1), (-1, 0), (-1, -1), (-1, 1), (-1, -2), (-2, -1), (-1, 2), (-2, 1),
)  # fmt: skip
#: Length of each move, in cells.
MOVE_CELLS = np.array([float(np.hypot(dr, dc)) for dr, dc in MOVES])
#: Side of the tiles the graph's nodes are numbered by, in cells.
TILE_CELLS = 12
#: Widest move, in cells (the padding round the grid).
_REACH = 2


def open_country_cells(d_rows: np.ndarray, d_cols: np.ndarray) -> np.ndarray:
    """Length, in cells, of the shortest 16-direction grid path between cells with nothing in the way.

    The formula is a norm of the step (d_rows, d_cols), so it also bounds distances between any points of the plane
    (the triangle inequality holds), which the searches of :mod:`hubopt.travel.land_search` rely on.
    """
    a = np.maximum(np.abs(d_rows), np.abs(d_cols)).astype(np.float64)
    b = np.minimum(np.abs(d_rows), np.abs(d_cols)).astype(np.float64)
    knight_and_straight = np.sqrt(5.0) * b + (a - 2.0 * b)
    knight_and_diagonal = np.sqrt(5.0) * (a - b) + np.sqrt(2.0) * (2.0 * b - a)
    return np.where(2.0 * b <= a, knight_and_straight, knight_and_diagonal)


def legal_moves(land: np.ndarray) -> np.ndarray:
    """Shape (16, rows, columns), bool: whether move k of :data:`MOVES` may be taken from each cell.

    A move is legal from a land cell to a land cell; a diagonal step also needs one of the two cells it passes
    between to be land, a knight's move both cells it crosses. Legal moves come in pairs: a move from a cell is
    legal exactly when the opposite move from the cell it reaches is.
    """
    n_rows, n_cols = land.shape
    padded = np.pad(land, _REACH, constant_values=False)

    def at(dr: int, dc: int) -> np.ndarray:
        return padded[_REACH + dr : _REACH + dr + n_rows, _REACH + dc : _REACH + dc + n_cols]

    legal = np.empty((len(MOVES), n_rows, n_cols), dtype=bool)
    for k, (dr, dc) in enumerate(MOVES):
        ok = land & at(dr, dc)
        if abs(dr) + abs(dc) == 2:  # diagonal: one of the two cells it passes between must be land
            ok &= at(0, dc) | at(dr, 0)
        elif abs(dr) + abs(dc) == 3:  # knight's move: both cells it crosses must be land
            ok &= at(dr // 2, dc // 2) & at(-(-dr // 2), -(-dc // 2))
        legal[k] = ok
    return legal


@dataclass(frozen=True)
class LandGraph:
    """The land cells' graph (edge weights in cells), its nodes numbered tile by tile.

    Attributes
    ----------
    node : numpy.ndarray
        Shape (rows, columns), int32: the node of each cell (-1 for water).
    indptr, indices, weights : numpy.ndarray
        The graph in compressed sparse rows (int32 indices).
    tile_start : numpy.ndarray
        The nodes of tile t are ``tile_start[t]`` to ``tile_start[t + 1] - 1``; tile t covers rows
        ``(t // tile_columns) * TILE_CELLS`` onwards and columns ``(t % tile_columns) * TILE_CELLS`` onwards.
    tile_columns : int
        Tiles across the grid.
    """

    node: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    tile_start: np.ndarray
    tile_columns: int

    @property
    def n_nodes(self) -> int:
        """Number of land cells."""
        return int(self.indptr.size - 1)

    def csr(self) -> csr_matrix:
        """The whole graph."""
        n = self.n_nodes
        return csr_matrix((self.weights, self.indices, self.indptr), shape=(n, n))

    def within(self, tiles: np.ndarray) -> csr_matrix:
        """The graph with only the edges that leave the nodes of ``tiles`` (sorted tile numbers).

        Every node stays (so node numbers are unchanged); a path in it runs through those tiles' nodes only, and may
        end on a node next to them. The tiles' nodes are a few runs of node numbers, copied slice by slice.
        """
        tiles = np.asarray(tiles, dtype=np.int64)
        breaks = np.flatnonzero(np.diff(tiles) != 1) + 1
        run_first = self.tile_start[tiles[np.r_[0, breaks]]].tolist() if tiles.size else []
        run_last = self.tile_start[tiles[np.r_[breaks - 1, tiles.size - 1]] + 1].tolist() if tiles.size else []
        indptr = np.empty(self.n_nodes + 1, dtype=np.int32)
        indptr[0] = 0
        weights, indices = [], []
        edges, after = 0, 0  # edges copied so far; nodes whose indptr entry is set: 0 .. after
        for first, last in zip(run_first, run_last, strict=True):
            indptr[after + 1 : first + 1] = edges
            e0, e1 = int(self.indptr[first]), int(self.indptr[last])
            indptr[first + 1 : last + 1] = self.indptr[first + 1 : last + 1] - (e0 - edges)
            weights.append(self.weights[e0:e1])
            indices.append(self.indices[e0:e1])
            edges += e1 - e0
            after = last
        indptr[after + 1 :] = edges
        n = self.n_nodes
        data = np.concatenate(weights) if weights else np.zeros(0)
        columns = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32)
        return csr_matrix((data, columns, indptr), shape=(n, n))


def land_graph(land: np.ndarray, legal: np.ndarray | None = None) -> LandGraph:
    """The graph of the land cells of ``land`` (bool, rows x columns), from its :func:`legal_moves`."""
    legal = legal_moves(land) if legal is None else legal
    n_rows, n_cols = land.shape
    tile_cols = -(-n_cols // TILE_CELLS)
    n_tiles = -(-n_rows // TILE_CELLS) * tile_cols
    rows, cols = np.nonzero(land)
    tile = (rows // TILE_CELLS) * tile_cols + cols // TILE_CELLS
    order = np.lexsort((cols, rows, tile))
    rows, cols, tile = rows[order], cols[order], tile[order]
    n = rows.size
    width = n_cols + 2 * _REACH
    node_padded = np.full((n_rows + 2 * _REACH, width), -1, dtype=np.int32)
    node_padded[rows + _REACH, cols + _REACH] = np.arange(n, dtype=np.int32)
    at = (rows + _REACH) * width + cols + _REACH
    cell = rows * n_cols + cols
    flat_node = node_padded.ravel()
    flat_legal = legal.reshape(len(MOVES), -1)
    neighbours = np.empty((n, len(MOVES)), dtype=np.int32)
    for k, (dr, dc) in enumerate(MOVES):
        neighbours[:, k] = np.where(flat_legal[k, cell], flat_node[at + dr * width + dc], -1)
    has = neighbours >= 0
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(has.sum(axis=1), out=indptr[1:])
    weights = np.broadcast_to(MOVE_CELLS, (n, len(MOVES)))[has]
    return LandGraph(
        node=node_padded[_REACH:-_REACH, _REACH:-_REACH].copy(),
        indptr=indptr,
        indices=neighbours[has],
        weights=weights,
        tile_start=np.searchsorted(tile, np.arange(n_tiles + 1)).astype(np.int64),
        tile_columns=tile_cols,
    )
