"""A land mask: which cells of a regular British National Grid raster are land, for distances along land.

Land is the union of boundary polygons clipped to the coastline (ONS "clipped" boundaries: BGC for LSOAs, SGC for
districts), so estuaries and the sea are cut out of them. A cell is land when its centre lies in one of the polygons.
Channels at most :data:`DEFAULT_BRIDGE_CELLS` cells wide are then closed (a morphological closing), because the
narrow creeks between islands such as Canvey and the mainland are bridged by roads, while the estuaries (the Crouch,
the Thames, the Medway) are far wider and stay water. The mask knows no bridge or tunnel over a wider gap (such as
the Dartford Crossing over the Thames): a distance across one is measured around it.

A mask is stored in a study folder as ``land_mask.bin``, hubopt's own compact form, written by ``hubopt study
build``: a first line ``hubopt land mask``, a second line of JSON (the grid's origin, shape and cell size, the
settings and the sources), then the cells as packed bits (1 = land, row by row from the north-west corner),
zlib-compressed. The same mask always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from hubopt.errors import InputError
from hubopt.files.atomic import atomic_path

__all__ = [
    "DEFAULT_BRIDGE_CELLS",
    "DEFAULT_CELL_M",
    "LAND_MASK_FILE",
    "LandMask",
    "rasterise_land",
]

#: The file name of a study's land mask.
LAND_MASK_FILE = "land_mask.bin"
#: Default cell size in metres: 100 m keeps the Crouch estuary (200-600 m wide below Battlesbridge) as water, and
#: the MSE matrix in seconds.
DEFAULT_CELL_M = 100.0
#: Channels up to this many cells wide are treated as bridged (Benfleet Creek, Canvey Island's road bridges).
DEFAULT_BRIDGE_CELLS = 1
#: Largest grid accepted (cells), to bound memory: 4,000 x 4,000 cells is a 400 km square at 100 m.
MAX_CELLS = 16_000_000

_SCHEMA = "hubopt.land_mask/1"
_MAGIC = b"hubopt land mask\n"


@dataclass(frozen=True)
class LandMask:
    """Which cells of a British National Grid raster are land.

    Attributes
    ----------
    land : numpy.ndarray
        Boolean, shape (rows, columns); row 0 is the northern edge, column 0 the western edge.
    x_min, y_max : float
        Easting of the western edge and northing of the northern edge, in metres (EPSG:27700).
    cell_m : float
        Cell size in metres.
    bridge_cells : int
        Channels up to this many cells wide were closed (treated as bridged).
    source : str
        The boundary files the mask was made from, with their attribution.
    """

    land: np.ndarray
    x_min: float
    y_max: float
    cell_m: float
    bridge_cells: int = DEFAULT_BRIDGE_CELLS
    source: str = ""

    def __post_init__(self) -> None:
        land = np.ascontiguousarray(np.asarray(self.land, dtype=bool))
        if land.ndim != 2 or land.size == 0:
            raise ValueError(f"a land mask must be a non-empty 2-D grid; got shape {land.shape}")
        if not (np.isfinite(self.cell_m) and self.cell_m > 0):
            raise ValueError(f"the land mask's cell size must be a positive number of metres, not {self.cell_m}")
        land.setflags(write=False)
        object.__setattr__(self, "land", land)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (int(self.land.shape[0]), int(self.land.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max) in metres."""
        rows, cols = self.shape
        return (self.x_min, self.y_max - rows * self.cell_m, self.x_min + cols * self.cell_m, self.y_max)

    def cell_centres(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Shape (k, 2): eastings and northings of the centres of cells (rows[i], cols[i])."""
        x = self.x_min + (np.asarray(cols, dtype=np.float64) + 0.5) * self.cell_m
        y = self.y_max - (np.asarray(rows, dtype=np.float64) + 0.5) * self.cell_m
        return np.column_stack([x, y])

    def cells_of(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cell of each point: (rows, cols, inside) where ``inside`` is False for points off the grid."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        cols = np.floor((pts[:, 0] - self.x_min) / self.cell_m).astype(np.int64)
        rows = np.floor((self.y_max - pts[:, 1]) / self.cell_m).astype(np.int64)
        n_rows, n_cols = self.shape
        inside = (rows >= 0) & (rows < n_rows) & (cols >= 0) & (cols < n_cols)
        return np.clip(rows, 0, n_rows - 1), np.clip(cols, 0, n_cols - 1), inside

    def describe(self) -> str:
        """The mask in words: cell size, extent and land share, for outputs."""
        rows, cols = self.shape
        return (
            f"{self.cell_m:g} m land grid ({cols * self.cell_m / 1000:g} x {rows * self.cell_m / 1000:g} km, "
            f"{100 * self.land.mean():.0f} % land; channels up to {self.bridge_cells * self.cell_m:g} m wide "
            "treated as bridged)"
        )

    def sha256(self) -> str:
        """SHA-256 of the cells and the grid's placement (for cache keys)."""
        h = hashlib.sha256()
        h.update(json.dumps(self._meta(), sort_keys=True).encode("utf-8"))
        h.update(np.packbits(self.land, axis=None).tobytes())
        return h.hexdigest()

    def _meta(self) -> dict[str, Any]:
        return {
            "schema": _SCHEMA,
            "crs": "EPSG:27700",
            "shape": list(self.shape),
            "x_min": float(self.x_min),
            "y_max": float(self.y_max),
            "cell_m": float(self.cell_m),
            "bridge_cells": int(self.bridge_cells),
        }

    def write(self, path: str | Path) -> Path:
        """Write the mask in hubopt's compact form (see the module's notes), whole or not at all; return the path."""
        target = Path(path)
        meta = {**self._meta(), "source": self.source}
        header = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
        body = zlib.compress(np.packbits(self.land, axis=None).tobytes(), 9)
        with atomic_path(target) as tmp:
            tmp.write_bytes(_MAGIC + header + body)
        return target

    @classmethod
    def read(cls, path: str | Path) -> LandMask:
        """Read a mask written by :meth:`write`.

        Raises
        ------
        InputError
            When the file cannot be read or is not a hubopt land mask.
        """
        p = Path(path)
        hint = "rebuild the study with `hubopt study build`, or delete the file to use straight-line distances"
        try:
            data = p.read_bytes()
            if not data.startswith(_MAGIC):
                raise ValueError("it does not start with 'hubopt land mask'")
            header, _, body = data[len(_MAGIC) :].partition(b"\n")
            meta = json.loads(header.decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("schema") != _SCHEMA or meta.get("crs") != "EPSG:27700":
                raise ValueError(f'expected "schema": "{_SCHEMA}" in British National Grid (EPSG:27700)')
            rows, cols = (int(v) for v in meta["shape"])
            if rows <= 0 or cols <= 0 or rows * cols > MAX_CELLS:
                raise ValueError(f"a {rows} x {cols} grid is empty or too large")
            packed = np.frombuffer(zlib.decompress(body, bufsize=(rows * cols + 7) // 8), dtype=np.uint8)
            if packed.size != (rows * cols + 7) // 8:
                raise ValueError(f"the cells do not fill a {rows} x {cols} grid")
            land = np.unpackbits(packed, count=rows * cols).astype(bool).reshape(rows, cols)
            return cls(
                land=land,
                x_min=float(meta["x_min"]),
                y_max=float(meta["y_max"]),
                cell_m=float(meta["cell_m"]),
                bridge_cells=int(meta.get("bridge_cells", 0)),
                source=str(meta.get("source", "")),
            )
        except FileNotFoundError:
            raise InputError("the land mask file does not exist", path=p, hint=hint) from None
        except (OSError, KeyError, ValueError, TypeError, UnicodeDecodeError, zlib.error) as exc:
            reason = "its cells are damaged" if isinstance(exc, zlib.error) else f"{type(exc).__name__}: {exc}"
            problem = f"the land mask cannot be read ({reason})"
            raise InputError(problem, path=p, hint=hint) from None


def rasterise_land(
    polygons: Sequence[BaseGeometry],
    bounds: tuple[float, float, float, float],
    *,
    cell_m: float = DEFAULT_CELL_M,
    bridge_cells: int = DEFAULT_BRIDGE_CELLS,
    source: str = "",
) -> LandMask:
    """A land mask from polygons in British National Grid metres: a cell is land when its centre is in one of them.

    Parameters
    ----------
    polygons : sequence of shapely geometries
        Land polygons (EPSG:27700), e.g. clipped LSOA and district boundaries; their union is land.
    bounds : tuple of float
        (x_min, y_min, x_max, y_max) of the grid in metres; widened outwards to whole cells.
    cell_m : float
        Cell size in metres (the grid resolution).
    bridge_cells : int
        Close channels up to this many cells wide (0: none).
    source : str
        The polygons' source and attribution, kept with the mask.

    Returns
    -------
    LandMask
    """
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be a positive number of metres, not {cell_m}")
    x0 = np.floor(bounds[0] / cell_m) * cell_m
    y1 = np.ceil(bounds[3] / cell_m) * cell_m
    n_cols = int(np.ceil((bounds[2] - x0) / cell_m))
    n_rows = int(np.ceil((y1 - bounds[1]) / cell_m))
    if n_cols <= 0 or n_rows <= 0 or n_cols * n_rows > MAX_CELLS:
        raise ValueError(f"a {n_rows} x {n_cols} land grid is empty or too large (at most {MAX_CELLS:,} cells)")
    land_union = shapely.union_all(np.asarray(list(polygons), dtype=object))
    shapely.prepare(land_union)
    xs = x0 + (np.arange(n_cols) + 0.5) * cell_m
    ys = y1 - (np.arange(n_rows) + 0.5) * cell_m
    gx, gy = np.meshgrid(xs, ys)
    land = shapely.contains_xy(land_union, gx.ravel(), gy.ravel()).reshape(n_rows, n_cols)
    if bridge_cells > 0:
        structure = ndimage.generate_binary_structure(2, 2)
        # Pad so the closing does not treat the grid's edge as water.
        padded = np.pad(land, bridge_cells, mode="edge")
        closed = ndimage.binary_closing(padded, structure=structure, iterations=bridge_cells)
        land = land | closed[bridge_cells:-bridge_cells, bridge_cells:-bridge_cells]
    return LandMask(
        land=land, x_min=float(x0), y_max=float(y1), cell_m=float(cell_m), bridge_cells=bridge_cells, source=source
    )
