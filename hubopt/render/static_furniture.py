"""The furniture of the static maps: scale bar and north arrow."""

from __future__ import annotations

import math
from typing import Any

from matplotlib import patheffects
from matplotlib.patches import Rectangle

from hubopt.render.static_style import _FONT


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
