"""The key (legend) of the static maps, beside the map."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hubopt.render import map_style
from hubopt.render.map_style import (
    CATCHMENT_BOUNDARY_COLOUR,
    DISTRICT_COLOUR,
    IMD_COLOURS,
    MUST_OPEN_COLOUR,
    MUST_OPEN_LABEL,
    NO_DATA_COLOUR,
    NO_HUB_COLOUR,
    NO_HUB_LABEL,
    time_band_colours,
    time_band_labels,
)
from hubopt.render.static_frames import _Prepared
from hubopt.render.static_layers import _marker_size
from hubopt.render.static_style import _FONT, _HATCHES


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
            if getattr(hub, "external", False):
                must = " (border service, not one of the hubs)"
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
        for key in map_style._SITE_GROUP_ORDER:
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
