"""The cost-access chart: how many hubs can be supported economically, for a board paper.

Each number of hubs N of the sweep is a point at its hubs' annual running cost (x, £ million a year) and its mean
travel time (y, minutes), joined in order of N and labelled with N. The efficient options at the run's N (cheaper
sets for a little less access) are drawn as open circles. Drawn from a frontier table
(:func:`hubopt.analysis.frontier.cost_access_frontier`) and, optionally, the options table.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hubopt.render.plot_text import plain_text, save_figure

__all__ = ["frontier_chart", "frontier_chart_svg"]

_FONT = "DejaVu Sans"
_LINE = "#0072b2"
_OPTION = "#d55e00"


@plain_text()
def frontier_chart(
    table: pd.DataFrame,
    options: pd.DataFrame | None = None,
    *,
    chosen: int | None = None,
    footnote: str = "",
    title: str = "How many hubs can be supported? Access against running cost",
) -> Figure | None:
    """Draw the chart; None when no N has both a running cost and an answer (nothing to draw).

    Parameters
    ----------
    table : pandas.DataFrame
        The frontier table (``n_hubs``, ``annual_cost``, ``mean_minutes``).
    options : pandas.DataFrame, optional
        The efficient options at the run's N (``annual_cost``, ``mean_minutes``).
    chosen : int, optional
        The run's number of hubs, whose point is ringed.
    footnote : str
        Where the costs come from (printed under the chart).
    title : str
        Chart title.
    """
    rows = table[table["annual_cost"].notna() & table["mean_minutes"].notna()]
    if rows.empty:
        return None
    fig = Figure(figsize=(8.0, 4.6), facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.09, 0.2, 0.86, 0.62))
    x = rows["annual_cost"].to_numpy(dtype=float) / 1e6
    y = rows["mean_minutes"].to_numpy(dtype=float)
    ax.plot(x, y, "-o", color=_LINE, lw=2, ms=5, label="Best access for each number of hubs")
    for n, xi, yi in zip(rows["n_hubs"].astype(int), x, y, strict=True):
        ax.annotate(str(n), (xi, yi), xytext=(4, 5), textcoords="offset points", fontsize=8.5, family=_FONT)
    if chosen is not None and (rows["n_hubs"] == chosen).any():
        k = int(np.flatnonzero(rows["n_hubs"].to_numpy() == chosen)[0])
        ax.plot(x[k], y[k], "o", ms=12, mfc="none", mec="#4d4d4d", mew=1.2, label=f"This run: {chosen} hubs")
    if options is not None and len(options) > 1:
        ax.plot(
            options["annual_cost"].to_numpy(dtype=float) / 1e6,
            options["mean_minutes"].to_numpy(dtype=float),
            "o",
            ms=6,
            mfc="none",
            mec=_OPTION,
            mew=1.5,
            label=f"Efficient options with {int(options['n_hubs'].iloc[0])} hubs (cost against access)",
        )
    ax.set_xlabel("Running cost of the hubs (£ million a year)", family=_FONT)
    ax.set_ylabel("Mean minutes to the nearest hub", family=_FONT)
    ax.set_ylim(0, float(np.nanmax(y)) * 1.15)
    ax.grid(True, color="#e0e0e0", lw=0.8)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    fig.legend(loc="upper center", ncol=2, frameon=False, fontsize=8.5, bbox_to_anchor=(0.5, 0.93))
    fig.text(0.09, 0.975, title, fontsize=11.5, fontweight="bold", family=_FONT, va="top")
    if footnote:
        fig.text(0.09, 0.02, _wrap(footnote), fontsize=7, color="#4d4d4d", family=_FONT)
    return fig


def _wrap(text: str, width: int = 150) -> str:
    """Break a long footnote into lines of at most ``width`` characters."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line][:3])


def frontier_chart_svg(
    table: pd.DataFrame, options: pd.DataFrame | None = None, *, chosen: int | None = None, footnote: str = ""
) -> str | None:
    """The chart as an inline ``<svg>`` element scaling to its container's width; None when there is nothing to
    draw."""
    fig = frontier_chart(table, options, chosen=chosen, footnote=footnote)
    if fig is None:
        return None
    buffer = io.StringIO()
    save_figure(fig, buffer, format="svg", metadata={"Date": None, "Creator": "hubopt"}, facecolor="white")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', text, count=1)
    return text.replace("<svg", '<svg role="img" aria-label="Cost against access chart"', 1)
