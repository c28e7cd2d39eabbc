"""Placing the labels of the static maps (hub numbers, district names) so that they do not overlap each other or
the symbols.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

from hubopt.render.static_frames import _Prepared
from hubopt.render.static_style import _FONT, LABEL_GID

_DIRECTIONS = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
"""Directions tried around a point, in order of preference."""


class _Space:
    """The display boxes taken on the map, and whether a new box is free (inside the map, overlapping none)."""

    def __init__(self, axes_box: Any, taken: list[Any]) -> None:
        self.axes_box = axes_box
        self.taken = taken

    def free(self, box: Any, ignore: Any = None) -> bool:
        axes_box = self.axes_box
        inside = box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1 and box.y0 >= axes_box.y0 and box.y1 <= axes_box.y1
        return inside and not any(box.overlaps(b) for b in self.taken if b is not ignore)


def _place_labels(
    ax: Any, fig: Figure, p: _Prepared, hubs: list[tuple[Any, str, float]], obstacles: list[Any]
) -> None:
    """Place the hub numbers and district names so that no two labels overlap, nor cover a symbol (greedy).

    Each hub's number goes to the first free place of eight around its star, then further out with a leader line;
    the site symbols, the scale bar and the north arrow count as taken. District names go at their district's
    centre, or nudged within the district, or failing that just outside it with a leader line; a name with no
    free place at all is left off (the districts are drawn as outlines).
    """
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # _draw gives every figure an Agg canvas, which measures text
    renderer = canvas.get_renderer()
    taken = [a.get_window_extent(renderer) for a in obstacles]
    own = {id(a): box for a, box in zip(obstacles, taken, strict=True)}  # a hub's own star is not in its way
    space = _Space(ax.get_window_extent(renderer), taken)
    for marker, number, size in hubs:
        label = _hub_number(ax, renderer, space, marker, number, size, star=own[id(marker)])
        taken.append(_text_box(label, renderer))

    if p.districts is None or p.districts.empty:
        return
    for label, geom in zip(p.districts["label"], p.districts.geometry, strict=True):
        if pd.isna(label) or geom is None or geom.is_empty:
            continue
        _place_district_name(ax, renderer, space, str(label), geom)


def _hub_number(ax: Any, renderer: Any, space: _Space, marker: Any, number: str, size: float, *, star: Any) -> Any:
    """The label of one hub's number: the first free place around its star, else beside it as before."""
    xy = (marker.get_xdata()[0], marker.get_ydata()[0])
    for ring in (0.5, 1.3, 2.2, 3.2, 4.5):
        for dx, dy in _DIRECTIONS:
            r = size * ring
            offset = (dx * r * 0.9, dy * r * 0.75)
            leader = ring > 0.5
            candidate = ax.annotate(
                number,
                xy=xy,
                xytext=offset,
                textcoords="offset points",
                fontsize=10,
                fontweight="bold",
                color="#1a1a1a",
                ha="left" if dx > 0 else "right" if dx < 0 else "center",
                va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                zorder=30,
                family=_FONT,
                gid=LABEL_GID,
                path_effects=[patheffects.withStroke(linewidth=2.8, foreground="white")],
                arrowprops={"arrowstyle": "-", "color": "#1a1a1a", "linewidth": 0.7, "shrinkA": 1, "shrinkB": 4}
                if leader
                else None,
            )
            box = _text_box(candidate, renderer)
            if space.free(box, ignore=star):
                return candidate
            candidate.remove()
    # nowhere free: beside the star, as before, and say nothing more
    return ax.annotate(
        number,
        xy=xy,
        xytext=(size * 0.42, size * 0.32),
        textcoords="offset points",
        fontsize=10,
        fontweight="bold",
        color="#1a1a1a",
        ha="left",
        va="bottom",
        zorder=30,
        family=_FONT,
        gid=LABEL_GID,
        path_effects=[patheffects.withStroke(linewidth=2.8, foreground="white")],
    )


def _place_district_name(ax: Any, renderer: Any, space: _Space, label: str, geom: Any) -> None:
    """Place one district's name within the district, or else just outside it with a leader line, or leave it off."""
    centre = geom.representative_point()
    x0, x1 = ax.get_xlim()
    step = (x1 - x0) / 60
    if _district_name_inside(ax, renderer, space, label, geom, centre, step):
        return
    for k in range(2, 16):  # just outside the district, tied to its centre by a thin line
        for dx, dy in _DIRECTIONS:
            candidate = ax.annotate(
                label,
                xy=(centre.x, centre.y),
                xytext=(centre.x + dx * k * step, centre.y + dy * k * step * 0.6),
                fontsize=8.5,
                fontweight="bold",
                color="#2b2b2b",
                ha="center",
                va="center",
                zorder=5,
                family=_FONT,
                gid=LABEL_GID,
                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
                arrowprops={"arrowstyle": "-", "color": "#2b2b2b", "linewidth": 0.6, "shrinkA": 2, "shrinkB": 0},
            )
            if space.free(_text_box(candidate, renderer)):
                space.taken.append(_text_box(candidate, renderer))
                return
            candidate.remove()


def _district_name_inside(
    ax: Any, renderer: Any, space: _Space, label: str, geom: Any, centre: Any, step: float
) -> bool:
    """Put a district's name at its centre or nudged within the district; False (and nothing drawn) if no place."""
    text = ax.text(
        centre.x,
        centre.y,
        label,
        fontsize=8.5,
        fontweight="bold",
        color="#2b2b2b",
        ha="center",
        va="center",
        zorder=5,
        family=_FONT,
        gid=LABEL_GID,
        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
    )
    for k in range(0, 13):
        for dx, dy in [(0, 0)] if k == 0 else _DIRECTIONS:
            x, y = centre.x + dx * k * step, centre.y + dy * k * step * 0.6
            if k and not geom.contains(shapely.Point(x, y)):
                continue
            text.set_position((x, y))
            box = text.get_window_extent(renderer)
            if space.free(box):
                space.taken.append(text.get_window_extent(renderer))
                return True
    text.remove()
    return False


def _text_box(text: Any, renderer: Any) -> Any:
    """The display box of a label's text alone (an annotation's own extent also spans its leader line)."""
    if isinstance(text, Annotation):
        text.update_positions(renderer)  # places the text at its offset from the point
    return Text.get_window_extent(text, renderer)
