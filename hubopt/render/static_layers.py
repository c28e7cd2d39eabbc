"""The geography of the static maps, drawn with matplotlib: zone polygons, boundary lines and site symbols, fitted
to the map box.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from hubopt.render.map_style import (
    MUST_OPEN_COLOUR,
)
from hubopt.render.static_frames import _Prepared
from hubopt.render.static_style import _FONT, _MAP_BOX, _MARKER_SCALE


def _fit(ax: Any, fig: Figure, bounds: np.ndarray) -> None:
    """Show ``bounds`` (with a margin) at equal scale, widening one side to the shape of the map box."""
    x0, y0, x1, y1 = (float(v) for v in bounds)
    pad = 0.05 * max(x1 - x0, y1 - y0, 1.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad * 1.6, x1 + pad, y1 + pad  # room for the scale bar at the foot
    width_in = _MAP_BOX[2] * fig.get_figwidth()
    height_in = _MAP_BOX[3] * fig.get_figheight()
    box_ratio = width_in / height_in
    w, h = x1 - x0, y1 - y0
    if w / h < box_ratio:
        extra = (h * box_ratio - w) / 2
        x0, x1 = x0 - extra, x1 + extra
    else:
        extra = (w / box_ratio - h) / 2
        y0, y1 = y0 - extra, y1 + extra
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _polygon_path(geom: Any) -> MplPath | None:
    """A matplotlib path of a (multi)polygon, holes included."""
    if geom is None or geom.is_empty:
        return None
    parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    paths = []
    for poly in parts:
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            codes[0] = MplPath.MOVETO
            codes[-1] = MplPath.CLOSEPOLY
            paths.append(MplPath(xy, codes))
    return MplPath.make_compound_path(*paths) if paths else None


def _draw_polygons(
    ax: Any, geoms: Any, colours: list[str], edge: str, width: float, *, zorder: int, hatch: str | None = None
) -> None:
    patches, faces = [], []
    for geom, colour in zip(geoms, colours, strict=True):
        path = _polygon_path(geom)
        if path is not None:
            patches.append(PathPatch(path))
            faces.append(colour)
    collection = PatchCollection(
        patches, facecolors=faces, edgecolors=edge, linewidths=width, zorder=zorder, hatch=hatch
    )
    ax.add_collection(collection)


def _draw_lines(
    ax: Any, geoms: Any, colour: str, width: float, *, zorder: float, dashes: tuple[float, float] | None = None
) -> None:
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        lines = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        for line in lines:
            xy = np.asarray(line.coords)
            artist = Line2D(xy[:, 0], xy[:, 1], color=colour, linewidth=width, zorder=zorder, solid_capstyle="round")
            if dashes is not None:
                artist.set_dashes(dashes)
            ax.add_line(artist)


def _marker_size(style: Mapping[str, Any]) -> float:
    return max(5.0, float(style["size"]) * _MARKER_SCALE)


def _draw_sites(ax: Any, p: _Prepared) -> tuple[list[tuple[Any, str, float]], list[Any]]:
    """Draw the site symbols (with a ring round the sites that must open).

    Returns each hub's (marker, number, size), and every symbol drawn (labels keep clear of them). The hubs'
    numbers are placed later by :func:`_place_labels`, once the map's extent is fixed.
    """
    sites = p.sites
    symbols: list[Any] = []
    if sites.empty:
        return [], symbols
    numbers = dict(zip(p.hubs["hub_key"], p.hubs["number"], strict=True))
    order = sorted(range(len(sites)), key=lambda i: sites["style"].iloc[i]["zorder"])
    hubs: list[tuple[Any, str, float]] = []
    for i in order:
        row = sites.iloc[i]
        style = row["style"]
        point = row.geometry
        size = _marker_size(style)
        zorder = 6 + style["zorder"] / 10
        if row["must_open"]:
            # A ring round the symbol: required by the scenario, not one of the model's free choices.
            (ring,) = ax.plot(
                [point.x],
                [point.y],
                marker="o",
                markersize=size * 1.5,
                markerfacecolor="none",
                markeredgecolor=MUST_OPEN_COLOUR,
                markeredgewidth=1.8,
                linestyle="none",
                zorder=zorder - 0.01,
            )
            symbols.append(ring)
        (marker,) = ax.plot(
            [point.x],
            [point.y],
            marker=style["mpl_marker"],
            markersize=size,
            markerfacecolor=style["fill"],
            markeredgecolor=style["stroke"] if style["kind"] != "hub" else "#ffffff",
            markeredgewidth=0.9 if style["shape"] != "star" else 0.8,
            linestyle="none",
            zorder=zorder,
        )
        symbols.append(marker)
        if row["chosen"] and row["site_key"] in numbers:
            hubs.append((marker, str(numbers[row["site_key"]]), size * (1.5 if row["must_open"] else 1.0)))
        elif style["glyph"]:
            ax.text(
                point.x,
                point.y,
                style["glyph"],
                fontsize=size * 0.58,
                fontweight="bold",
                color=style["glyph_colour"],
                ha="center",
                va="center",
                zorder=zorder + 0.05,
                family=_FONT,
            )
    return hubs, symbols
