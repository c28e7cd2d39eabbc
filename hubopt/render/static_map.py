"""Print-quality static maps (PNG at 200 dpi and PDF) of a hub-location result, for reports and consultation papers.

The same three views as the interactive map (:mod:`hubopt.render.folium_map`): **travel time to the hub** (the
same classes and colours), **catchments** (the same hub colours and numbers) and **deprivation** (IMD decile); the
same site symbols (:func:`~hubopt.render.folium_map.site_style`), district boundaries with their names, a key, a
scale bar in British National Grid metres, a north arrow, a title, a caption and the data credits.

No background tiles are drawn (nothing is downloaded): the zone polygons and district boundaries carry the
geography. Figures are drawn with matplotlib's object API on an Agg canvas (pyplot is never imported, so the
caller's backend and global state are left alone).

This module lays out the page; the parts live beside it: :mod:`~hubopt.render.static_frames` (the inputs),
:mod:`~hubopt.render.static_layers` (polygons, lines, site symbols), :mod:`~hubopt.render.static_labels` (label
placement), :mod:`~hubopt.render.static_furniture` (scale bar, north arrow), :mod:`~hubopt.render.static_key` (the
key) and :mod:`~hubopt.render.static_style` (page layout and fonts).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hubopt.errors import InputError
from hubopt.render.map_style import (
    CATCHMENT_BOUNDARY_COLOUR,
    DEFAULT_ATTRIBUTION,
    DISTRICT_COLOUR,
    ZONE_OUTLINE_COLOUR,
)
from hubopt.render.plot_text import plain_text, save_figure
from hubopt.render.static_frames import MapFrames, _frames, _prepare, _Prepared
from hubopt.render.static_furniture import _north_arrow, _scale_bar
from hubopt.render.static_key import _draw_key, _wrap
from hubopt.render.static_labels import _place_labels
from hubopt.render.static_layers import _draw_lines, _draw_polygons, _draw_sites, _fit
from hubopt.render.static_style import _A4_LANDSCAPE, _FONT, _HATCHES, _KEY_BOX, _MAP_BOX, LABEL_GID

__all__ = ["DPI", "LABEL_GID", "VIEWS", "MapFrames", "draw_static_map", "write_static_maps"]

DPI = 200
"""Resolution of the PNG files (dots per inch)."""

#: The views, by key: (file-name part, heading of the key).
VIEWS: dict[str, tuple[str, str]] = {
    "travel": ("travel_time", "Travel time to the nearest chosen hub"),
    "catchments": ("catchments", "Catchments: the hub that serves each area"),
    "deprivation": ("deprivation", "Deprivation (IMD 2019 decile)"),
}


def write_static_maps(
    run_or_frames: Any,
    folder: str | Path,
    *,
    title: str,
    caption: str,
    attribution: str = DEFAULT_ATTRIBUTION,
    views: Sequence[str] = ("travel", "catchments", "deprivation"),
    formats: Sequence[str] = ("png", "pdf"),
    time_bands: Sequence[float] = (0, 10, 15, 20, 30, 45),
    stem: str = "map",
    dpi: int = DPI,
) -> list[Path]:
    """Write the static maps: one A4-landscape PNG (200 dpi) and PDF per view.

    Parameters
    ----------
    run_or_frames : RunResult, MapFrames, mapping or tuple
        A run (its ``zones``, ``sites`` and ``study.districts`` are used), a :class:`MapFrames`, a mapping with
        keys ``zones``, ``sites`` and optionally ``districts``, or a tuple ``(zones, sites[, districts])``.
    folder : str or Path
        Folder to write to (created when missing).
    title : str
        Main title (the view's name is added under it).
    caption : str
        Plain-English caption printed under the map.
    attribution : str, default :data:`~hubopt.render.folium_map.DEFAULT_ATTRIBUTION`
        Data credits printed at the foot.
    views : sequence of {"travel", "catchments", "deprivation"}
        Views to draw; "deprivation" is left out when the zones have no ``imd_decile`` column.
    formats : sequence of {"png", "pdf", "svg"}
        File formats.
    time_bands : sequence of float
        Edges of the travel-time classes in minutes (as on the interactive map).
    stem : str
        Start of the file names: ``<stem>_travel_time.png`` and so on.
    dpi : int
        Resolution of raster formats.

    Returns
    -------
    list of Path
        The files written, view by view, in the order of ``formats``.

    Raises
    ------
    InputError
        If the frames lack columns or hold values the map cannot show, or a view or format is unknown.
    """
    zones, sites, districts = _frames(run_or_frames)
    bad_views = [v for v in views if v not in VIEWS]
    if bad_views:
        raise InputError(f"unknown map view(s): {', '.join(map(str, bad_views))}", hint=f"use {', '.join(VIEWS)}")
    bad_formats = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad_formats:
        raise InputError(f"unknown file format(s): {', '.join(map(str, bad_formats))}", hint="use png, pdf or svg")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    prepared = _prepare(zones, sites, districts, time_bands)
    written: list[Path] = []
    for view in views:
        if view == "deprivation" and not prepared.has_imd:
            continue
        fig = _draw(prepared, view, title=title, caption=caption, attribution=attribution)
        for fmt in formats:
            path = out / f"{stem}_{VIEWS[view][0]}.{fmt}"
            metadata = {"Creator": "hubopt", "CreationDate": None} if fmt == "pdf" else {"Software": "hubopt"}
            if fmt == "svg":
                metadata = {"Creator": "hubopt", "Date": None}
            save_figure(fig, path, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
            written.append(path)
    return written


def draw_static_map(
    run_or_frames: Any,
    view: str = "travel",
    *,
    title: str,
    caption: str,
    attribution: str = DEFAULT_ATTRIBUTION,
    time_bands: Sequence[float] = (0, 10, 15, 20, 30, 45),
) -> Figure:
    """Draw one view as a matplotlib :class:`~matplotlib.figure.Figure` (A4 landscape) without writing it.

    Parameters
    ----------
    run_or_frames, title, caption, attribution, time_bands
        As for :func:`write_static_maps`.
    view : {"travel", "catchments", "deprivation"}
        The view.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if view not in VIEWS:
        raise InputError(f"unknown map view {view!r}", hint=f"use {', '.join(VIEWS)}")
    zones, sites, districts = _frames(run_or_frames)
    prepared = _prepare(zones, sites, districts, time_bands)
    if view == "deprivation" and not prepared.has_imd:
        raise InputError("the zones have no imd_decile column to draw the deprivation view", column="imd_decile")
    return _draw(prepared, view, title=title, caption=caption, attribution=attribution)


# --------------------------------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------------------------------


@plain_text()
def _draw(p: _Prepared, view: str, *, title: str, caption: str, attribution: str) -> Figure:
    fig = Figure(figsize=_A4_LANDSCAPE, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(0.025, 0.975, _wrap(str(title), 95), fontsize=16, fontweight="bold", va="top", family=_FONT)
    fig.text(0.025, 0.915, VIEWS[view][1], fontsize=12.5, va="top", color="#333333", family=_FONT)

    ax = fig.add_axes(_MAP_BOX)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#9a9a9a")
        spine.set_linewidth(0.6)

    colour_column = {"travel": "travel_colour", "catchments": "catchment_colour", "deprivation": "imd_colour"}[view]
    _draw_polygons(ax, p.zones.geometry, p.zones[colour_column].tolist(), ZONE_OUTLINE_COLOUR, 0.2, zorder=1)
    if view == "catchments":
        # Past twenty hubs the colours come back striped, cross-hatched or dotted: every catchment its own style.
        for pattern, hatch in _HATCHES.items():
            chosen = p.zones["catchment_pattern"] == pattern
            if hatch and chosen.any():
                _draw_polygons(
                    ax, p.zones.geometry[chosen], ["none"] * int(chosen.sum()), "#ffffff", 0.0, zorder=1, hatch=hatch
                )
    if view == "catchments" and not p.catchments.empty:
        _draw_lines(ax, p.catchments.geometry.boundary, CATCHMENT_BOUNDARY_COLOUR, 1.3, zorder=3)
    if p.districts is not None and not p.districts.empty:
        lines = shapely.line_merge(shapely.union_all(p.districts.geometry.boundary.values))
        _draw_lines(ax, [lines], "#ffffff", 2.6, zorder=4)  # a pale casing keeps the dashes visible on dark fills
        _draw_lines(ax, [lines], DISTRICT_COLOUR, 1.2, zorder=4.1, dashes=(5, 2.5))
    hub_markers, symbols = _draw_sites(ax, p)

    _fit(ax, fig, p.zones.total_bounds)
    furniture = [*_scale_bar(ax), *_north_arrow(ax)]
    _place_labels(ax, fig, p, hub_markers, [*furniture, *symbols])

    key = fig.add_axes(_KEY_BOX)
    key.set_axis_off()
    _draw_key(key, p, view)

    fig.text(0.025, 0.125, _wrap(str(caption), 165), fontsize=8.5, va="top", family=_FONT, color="#1a1a1a")
    fig.text(
        0.025,
        0.022,
        _wrap(f"Data: {attribution}", 190),
        fontsize=7,
        va="bottom",
        family=_FONT,
        color="#4d4d4d",
    )
    return fig
