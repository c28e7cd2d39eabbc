"""Print-quality static maps (PNG at 200 dpi and PDF) of a hub-location result, for reports and consultation papers.

The same three views as the interactive map (:mod:`hubopt.render.folium_map`): **travel time to the hub** (the
same classes and colours), **catchments** (the same hub colours and numbers) and **deprivation** (IMD decile); the
same site symbols (:func:`~hubopt.render.folium_map.site_style`), district boundaries with their names, a key, a
scale bar in British National Grid metres, a north arrow, a title, a caption and the data credits.

No background tiles are drawn (nothing is downloaded): the zone polygons and district boundaries carry the
geography. Figures are drawn with matplotlib's object API on an Agg canvas (pyplot is never imported, so the
caller's backend and global state are left alone).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Annotation, Text

from hubopt.errors import InputError
from hubopt.render import folium_map as fm
from hubopt.render.folium_map import (
    CATCHMENT_BOUNDARY_COLOUR,
    DEFAULT_ATTRIBUTION,
    DISTRICT_COLOUR,
    IMD_COLOURS,
    MUST_OPEN_COLOUR,
    MUST_OPEN_LABEL,
    NO_DATA_COLOUR,
    NO_HUB_COLOUR,
    NO_HUB_LABEL,
    ZONE_OUTLINE_COLOUR,
    time_band_colours,
    time_band_labels,
)
from hubopt.render.plot_text import plain_text, save_figure

__all__ = ["DPI", "LABEL_GID", "VIEWS", "MapFrames", "draw_static_map", "write_static_maps"]

DPI = 200
"""Resolution of the PNG files (dots per inch)."""

#: The views, by key: (file-name part, heading of the key).
VIEWS: dict[str, tuple[str, str]] = {
    "travel": ("travel_time", "Travel time to the nearest chosen hub"),
    "catchments": ("catchments", "Catchments: the hub that serves each area"),
    "deprivation": ("deprivation", "Deprivation (IMD 2019 decile)"),
}

_A4_LANDSCAPE = (11.69, 8.27)
_FONT = "DejaVu Sans"
_MAP_BOX = (0.025, 0.15, 0.635, 0.73)  # left, bottom, width, height (figure fraction)
_KEY_BOX = (0.675, 0.15, 0.31, 0.73)
_MARKER_SCALE = 0.6  # pixel size of the interactive symbols -> points on paper
#: Matplotlib hatches of the catchment patterns (see :data:`hubopt.render.folium_map.CATCHMENT_PATTERNS`).
_HATCHES = {"solid": "", "stripes": "////", "crosshatch": "xxxx", "dots": ".."}
LABEL_GID = "hubopt-label"
"""``gid`` of the labels placed on the map (hub numbers, district names), which never overlap one another."""


@dataclass(frozen=True)
class MapFrames:
    """The frames a static map needs, when there is no :class:`~hubopt.pipeline.RunResult` to hand.

    Attributes
    ----------
    zones : geopandas.GeoDataFrame
        As for :func:`hubopt.render.folium_map.write_hub_map`.
    sites : geopandas.GeoDataFrame
        As for :func:`hubopt.render.folium_map.write_hub_map`.
    districts : geopandas.GeoDataFrame, optional
        District polygons with ``lad_code``, ``lad_name``.
    """

    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame | None = None


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
# Inputs
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame | None
    catchments: gpd.GeoDataFrame
    hubs: pd.DataFrame
    bands: list[float]
    has_imd: bool


def _frames(obj: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    if isinstance(obj, MapFrames):
        return obj.zones, obj.sites, obj.districts
    if isinstance(obj, Mapping):
        if "zones" not in obj or "sites" not in obj:
            raise InputError("the frames must include 'zones' and 'sites'")
        return obj["zones"], obj["sites"], obj.get("districts")
    if isinstance(obj, tuple | list):
        if len(obj) not in (2, 3):
            raise InputError("give the frames as (zones, sites) or (zones, sites, districts)")
        return obj[0], obj[1], obj[2] if len(obj) == 3 else None
    if hasattr(obj, "zones") and hasattr(obj, "sites"):
        study = getattr(obj, "study", None)
        districts = getattr(study, "districts", None) if study is not None else getattr(obj, "districts", None)
        return obj.zones, obj.sites, districts
    raise InputError(f"cannot draw a map of a {type(obj).__name__}: give a RunResult or the zones and sites frames")


def _prepare(
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame | None,
    time_bands: Sequence[float],
) -> _Prepared:
    # The interactive map's own preparation, so that classes, hub numbers and colours are the same on both.
    bands = fm._check_time_bands(time_bands)
    zone_frame = fm._prepare_zones(zones)
    site_frame = fm._prepare_sites(sites)
    hubs = fm._hub_table(zone_frame, site_frame)
    zone_frame = fm._classify_zones(zone_frame, bands, hubs)
    district_frame = (
        fm._prepare_districts(districts) if districts is not None else fm._districts_from_zones(zone_frame)
    )
    return _Prepared(
        zones=zone_frame,
        sites=site_frame,
        districts=district_frame,
        catchments=fm._catchment_outlines(zone_frame),
        hubs=hubs,
        bands=bands,
        has_imd="imd_decile" in zone_frame.columns,
    )


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
    axes_box = ax.get_window_extent(renderer)

    def free(box: Any, ignore: Any = None) -> bool:
        inside = box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1 and box.y0 >= axes_box.y0 and box.y1 <= axes_box.y1
        return inside and not any(box.overlaps(b) for b in taken if b is not ignore)

    directions = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    for marker, number, size in hubs:
        star = own[id(marker)]
        xy = (marker.get_xdata()[0], marker.get_ydata()[0])
        label = None
        for ring in (0.5, 1.3, 2.2, 3.2, 4.5):
            for dx, dy in directions:
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
                if free(box, ignore=star):
                    label = candidate
                    break
                candidate.remove()
            if label is not None:
                break
        if label is None:  # nowhere free: beside the star, as before, and say nothing more
            label = ax.annotate(
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
        taken.append(_text_box(label, renderer))

    if p.districts is None or p.districts.empty:
        return
    for label, geom in zip(p.districts["label"], p.districts.geometry, strict=True):
        if pd.isna(label) or geom is None or geom.is_empty:
            continue
        centre = geom.representative_point()
        text = ax.text(
            centre.x,
            centre.y,
            str(label),
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
        placed = False
        x0, x1 = ax.get_xlim()
        step = (x1 - x0) / 60
        for k in range(0, 13):
            for dx, dy in [(0, 0)] if k == 0 else directions:
                x, y = centre.x + dx * k * step, centre.y + dy * k * step * 0.6
                if k and not geom.contains(shapely.Point(x, y)):
                    continue
                text.set_position((x, y))
                box = text.get_window_extent(renderer)
                if free(box):
                    placed = True
                    break
            if placed:
                break
        if placed:
            taken.append(text.get_window_extent(renderer))
            continue
        text.remove()
        outside: Annotation | None = None
        for k in range(2, 16):  # just outside the district, tied to its centre by a thin line
            for dx, dy in directions:
                candidate = ax.annotate(
                    str(label),
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
                if free(_text_box(candidate, renderer)):
                    outside = candidate
                    break
                candidate.remove()
            if outside is not None:
                taken.append(_text_box(outside, renderer))
                break


def _text_box(text: Any, renderer: Any) -> Any:
    """The display box of a label's text alone (an annotation's own extent also spans its leader line)."""
    if isinstance(text, Annotation):
        text.update_positions(renderer)  # places the text at its offset from the point
    return Text.get_window_extent(text, renderer)


def _nice_length(span: float) -> float:
    """A round length (1, 2 or 5 x 10^k metres) near a fifth of ``span``."""
    target = max(span / 5.0, 1.0)
    power = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return step * power
    return power  # pragma: no cover - step 1 always fits


def _scale_bar(ax: Any) -> list[Any]:
    """A two-segment scale bar in the lower left corner (British National Grid metres); returns its backing box."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    height = 0.012 * (y1 - y0)
    left = x0 + 0.035 * (x1 - x0)
    base = y0 + 0.045 * (y1 - y0)
    unit, scale = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    backing = ax.add_patch(
        Rectangle(
            (left - 0.015 * (x1 - x0), base - 0.032 * (y1 - y0)),
            length + 0.05 * (x1 - x0),
            height + 0.075 * (y1 - y0),
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=20,
        )
    )
    half = length / 2
    for k, colour in enumerate(("#1a1a1a", "#ffffff")):
        ax.add_patch(
            Rectangle(
                (left + k * half, base),
                half,
                height,
                facecolor=colour,
                edgecolor="#1a1a1a",
                linewidth=0.8,
                zorder=21,
            )
        )
    for value in (0.0, half, length):
        text = f"{value / scale:g}"
        if value == length:
            text += f" {unit}"
        ax.text(
            left + value,
            base + height + 0.008 * (y1 - y0),
            text,
            fontsize=7.5,
            ha="center",
            va="bottom",
            zorder=22,
            family=_FONT,
        )
    return [backing]


def _north_arrow(ax: Any) -> list[Any]:
    """An arrow pointing to grid north (British National Grid; within a degree of true north in England's south)."""
    arrow = ax.annotate(
        "",
        xy=(0.955, 0.955),
        xytext=(0.955, 0.865),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "color": "#1a1a1a", "linewidth": 1.6},
        zorder=20,
    )
    letter = ax.text(
        0.955,
        0.845,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="top",
        fontsize=11,
        fontweight="bold",
        family=_FONT,
        zorder=20,
        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
    )
    return [arrow, letter]


def _share_text(people: float, total: float) -> str:
    if not total or total <= 0 or not math.isfinite(people):
        return ""
    pct = 100 * people / total
    return f" ({'under 1' if 0 < pct < 0.5 else f'{pct:.0f}'}% of people)"


def _heading(text: str) -> tuple[Any, str, bool]:
    return Patch(facecolor="none", edgecolor="none"), text, True


def _swatch(colour: str) -> Patch:
    return Patch(facecolor=colour, edgecolor="#7a7a7a", linewidth=0.5)


def _draw_key(ax: Any, p: _Prepared, view: str) -> None:
    zones = p.zones
    total = float(zones["population"].sum())
    entries: list[tuple[Any, str, bool]] = []
    if view == "travel":
        entries.append(_heading("Travel time to the nearest chosen hub"))
        labels = time_band_labels(p.bands)
        for b, (label, colour) in enumerate(zip(labels, time_band_colours(p.bands), strict=True)):
            people = float(zones.loc[zones["travel_band"] == b, "population"].sum())
            entries.append((_swatch(colour), label + _share_text(people, total), False))
        unreachable = zones["travel_band"] == -1
        if unreachable.any():
            people = float(zones.loc[unreachable, "population"].sum())
            entries.append((_swatch(NO_HUB_COLOUR), NO_HUB_LABEL + _share_text(people, total), False))
    elif view == "catchments":
        entries.append(_heading("Catchments (colour of the serving hub)"))
        if (zones["catchment_colour"] == NO_HUB_COLOUR).any():
            people = float(zones.loc[zones["catchment_colour"] == NO_HUB_COLOUR, "population"].sum())
            entries.append((_swatch(NO_HUB_COLOUR), NO_HUB_LABEL + _share_text(people, total), False))
        entries.append((Line2D([], [], color=CATCHMENT_BOUNDARY_COLOUR, linewidth=1.3), "Catchment boundary", False))
    else:
        entries.append(_heading("Deprivation (IMD decile)"))
        for k, colour in enumerate(IMD_COLOURS, start=1):
            note = " - most deprived 10% in England" if k == 1 else " - least deprived" if k == 10 else ""
            entries.append((_swatch(colour), f"{k}{note}", False))
        if zones["imd_decile"].isna().any():
            entries.append((_swatch(NO_DATA_COLOUR), "No data", False))

    if len(p.hubs):
        entries.append(_heading("Chosen hubs (people in each catchment)"))
        for hub in p.hubs.itertuples(index=False):
            people_text = f" ({round(hub.people):,})" if math.isfinite(hub.people) else ""
            must = " (must open)" if hub.must_open else ""
            if view == "catchments":
                handle = Patch(
                    facecolor=hub.colour,
                    edgecolor="#ffffff" if _HATCHES[hub.pattern] else "#7a7a7a",
                    linewidth=0.5,
                    hatch=_HATCHES[hub.pattern] or None,
                    gid=f"hubopt-catchment-{hub.colour}/{hub.pattern}",
                )
            else:
                handle = Patch(facecolor="none", edgecolor="none")
            entries.append((handle, _wrap(f"{hub.number}. {hub.name}{must}{people_text}", 48), False))

    kinds: dict[str, dict[str, Any]] = {}
    for style in p.sites["style"]:
        key = "unavailable" if style["greyed"] else style["kind"]
        kinds.setdefault(key, style)
    if kinds:
        entries.append(_heading("Sites"))
        for key in fm._SITE_GROUP_ORDER:
            if key not in kinds:
                continue
            style = kinds[key]
            symbol = Line2D(
                [],
                [],
                marker=style["mpl_marker"],
                markersize=min(_marker_size(style), 14),
                markerfacecolor=style["fill"],
                markeredgecolor=style["stroke"] if key != "hub" else style["fill"],
                markeredgewidth=0.9,
                linestyle="none",
            )
            label = style["label"] if key != "hub" else "Chosen hub (number as in the list of hubs)"
            entries.append((symbol, _wrap(label, 48), False))
        if p.sites["must_open"].any():
            ring = Line2D(
                [],
                [],
                marker="o",
                markersize=12,
                markerfacecolor="none",
                markeredgecolor=MUST_OPEN_COLOUR,
                markeredgewidth=1.8,
                linestyle="none",
            )
            entries.append((ring, _wrap(MUST_OPEN_LABEL, 48), False))
    if p.districts is not None and not p.districts.empty:
        entries.append(
            (Line2D([], [], color=DISTRICT_COLOUR, linewidth=1.2, dashes=(5, 2.5)), "District boundary", False)
        )

    fontsize = 8.5 if len(entries) <= 30 else 7 if len(entries) <= 42 else 6
    legend = ax.legend(
        [e[0] for e in entries],
        [e[1] for e in entries],
        loc="upper left",
        frameon=False,
        handlelength=1.6,
        handleheight=1.1,
        labelspacing=0.45,
        borderaxespad=0,
        prop={"family": _FONT, "size": fontsize},
    )
    for text, (_, _, heading) in zip(legend.get_texts(), entries, strict=True):
        if heading:
            text.set_fontweight("bold")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True, replace_whitespace=False)) or text
