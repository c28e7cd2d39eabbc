"""The "how many hubs?" chart: access against the number of hubs, for a board paper.

It draws a sweep table (one row per number of hubs N, as :func:`hubopt.locate.sweep.sweep_hubs` makes): mean and
95th-percentile travel time (minutes, left axis) and the share of people within each threshold (right axis). Any
frame with the columns ``n_hubs``, ``mean_minutes``, ``p95_minutes`` and ``within_<T>_share`` will do.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from hubopt.errors import InputError
from hubopt.render.plot_text import plain_text, save_figure

__all__ = ["check_sweep", "hubs_chart", "hubs_chart_svg", "write_hubs_chart"]

_REQUIRED = ("n_hubs", "mean_minutes", "p95_minutes")
_SHARE = re.compile(r"^within_(\d+(?:\.\d+)?)_share$")
_MINUTE_COLOURS = ("#0072b2", "#d55e00")  # Okabe-Ito blue and vermilion
_SHARE_COLOURS = ("#009e73", "#cc79a7", "#e69f00", "#56b4e9")
_FONT = "DejaVu Sans"


def _share_minutes(column: str) -> str:
    """The T of a ``within_<T>_share`` column, as written in its name."""
    found = _SHARE.match(column)
    if found is None:
        raise ValueError(f"{column!r} is not a within_<T>_share column")
    return found[1]


def check_sweep(sweep: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Validate a sweep table; return its usable rows (sorted by N) and its share columns.

    Parameters
    ----------
    sweep : pandas.DataFrame
        One row per number of hubs with ``n_hubs``, ``mean_minutes``, ``p95_minutes`` and at least one
        ``within_<T>_share`` column (0-1).

    Returns
    -------
    rows : pandas.DataFrame
        Rows with an answer (a missing ``mean_minutes`` marks an N that could not be solved), sorted by N.
    share_columns : list of str
        The ``within_<T>_share`` columns, by increasing T.

    Raises
    ------
    InputError
        On a missing column, a non-whole or repeated N, or no row with an answer.
    """
    if not isinstance(sweep, pd.DataFrame):
        raise InputError(f"the sweep must be a table (DataFrame), not {type(sweep).__name__}")
    missing = [c for c in _REQUIRED if c not in sweep.columns]
    shares = sorted((c for c in sweep.columns if _SHARE.match(str(c))), key=lambda c: float(_share_minutes(c)))
    if missing or not shares:
        need = [*missing, *([] if shares else ["within_<T>_share"])]
        raise InputError(
            f"the sweep table lacks the column(s) {', '.join(need)}",
            column=need[0],
            hint="it needs n_hubs, mean_minutes, p95_minutes and within_<T>_share (e.g. within_15_share)",
        )
    n = pd.to_numeric(sweep["n_hubs"], errors="coerce")
    if n.isna().any() or (n != n.round()).any() or (n < 1).any():
        raise InputError("n_hubs must be whole numbers of hubs, 1 or more", column="n_hubs")
    if n.duplicated().any():
        dupes = sorted({int(v) for v in n[n.duplicated()]})
        raise InputError(f"n_hubs is repeated: {', '.join(map(str, dupes))}", column="n_hubs")
    rows = sweep.assign(n_hubs=n.astype(int))
    for column in (*_REQUIRED[1:], *shares):
        rows[column] = pd.to_numeric(rows[column], errors="coerce").astype(float)
    rows = rows[np.isfinite(rows["mean_minutes"])].sort_values("n_hubs").reset_index(drop=True)
    if rows.empty:
        raise InputError("no row of the sweep table has an answer (mean_minutes is missing in every row)")
    return rows, shares


@plain_text()
def hubs_chart(
    sweep: pd.DataFrame,
    *,
    chosen: int | None = None,
    title: str = "How many hubs? Travel time and reach by number of hubs",
    thresholds: Sequence[float] | None = None,
) -> Figure:
    """Draw the how-many-hubs chart.

    Parameters
    ----------
    sweep : pandas.DataFrame
        The sweep table (see :func:`check_sweep`).
    chosen : int, optional
        The number of hubs of the run, marked with a vertical line.
    title : str
        Chart title.
    thresholds : sequence of float, optional
        Only draw the shares within these minutes (default: every ``within_<T>_share`` column).

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows, shares = check_sweep(sweep)
    if thresholds is not None:
        wanted = {f"within_{float(t):g}_share" for t in thresholds}
        missing = sorted(wanted - set(shares))
        if missing:
            raise InputError(f"the sweep table lacks the column(s) {', '.join(missing)}", column=missing[0])
        shares = [c for c in shares if c in wanted]
    fig = Figure(figsize=(8.0, 4.6), facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.085, 0.16, 0.72, 0.6))
    n = rows["n_hubs"].to_numpy()
    ax.plot(n, rows["mean_minutes"], "-o", color=_MINUTE_COLOURS[0], lw=2, ms=5, label="Mean travel time (minutes)")
    p95 = rows["p95_minutes"].where(np.isfinite(rows["p95_minutes"]))
    ax.plot(n, p95, "--s", color=_MINUTE_COLOURS[1], lw=2, ms=5, label="95th percentile (minutes)")
    ax.set_xlabel("Number of hubs", family=_FONT)
    ax.set_ylabel("Minutes to the nearest hub", family=_FONT)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    top = np.nanmax(np.r_[rows["mean_minutes"].to_numpy(), p95.to_numpy()])
    ax.set_ylim(0, (top if math.isfinite(top) else 1.0) * 1.12)
    ax.grid(True, axis="y", color="#e0e0e0", lw=0.8)
    ax.spines["top"].set_visible(False)

    right = ax.twinx()
    for k, column in enumerate(shares):
        minutes = _share_minutes(column)
        right.plot(
            n,
            rows[column] * 100,
            ":^",
            color=_SHARE_COLOURS[k % len(_SHARE_COLOURS)],
            lw=2,
            ms=5,
            label=f"People within {minutes} minutes (%)",
        )
    right.set_ylim(0, 105)
    right.yaxis.set_major_formatter(PercentFormatter(100))
    right.set_ylabel("Share of people within the time", family=_FONT)
    right.spines["top"].set_visible(False)

    if chosen is not None:
        ax.axvline(int(chosen), color="#4d4d4d", lw=1.2, ls="-", alpha=0.6, zorder=0)
        ax.annotate(
            f"this run: {int(chosen)} hubs",
            xy=(int(chosen), ax.get_ylim()[1]),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8.5,
            color="#4d4d4d",
            family=_FONT,
        )
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    fig.legend(handles, labels, loc="upper center", ncol=2, frameon=False, fontsize=8.5, bbox_to_anchor=(0.45, 0.92))
    fig.text(0.085, 0.02, _skipped_note(sweep, rows), fontsize=7.5, color="#4d4d4d", family=_FONT)
    fig.text(0.085, 0.975, title, fontsize=11.5, fontweight="bold", family=_FONT, va="top")
    return fig


def write_hubs_chart(
    sweep: pd.DataFrame,
    path: str | Path,
    *,
    chosen: int | None = None,
    title: str = "How many hubs? Travel time and reach by number of hubs",
    dpi: int = 200,
) -> Path:
    """Write the chart as PNG (or PDF/SVG, by the file's suffix).

    Parameters
    ----------
    sweep, chosen, title
        As for :func:`hubs_chart`.
    path : str or Path
        The file to write (folder created when missing).
    dpi : int
        Resolution of a PNG.

    Returns
    -------
    Path
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = hubs_chart(sweep, chosen=chosen, title=title)
    fmt = out.suffix.lstrip(".").lower() or "png"
    metadata = {"Software": "hubopt"} if fmt == "png" else {"Creator": "hubopt"}
    save_figure(fig, out, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return out


def hubs_chart_svg(
    sweep: pd.DataFrame,
    *,
    chosen: int | None = None,
    title: str = "How many hubs? Travel time and reach by number of hubs",
) -> str:
    """The chart as an inline ``<svg>`` element (text drawn as paths: no fonts or links needed).

    Parameters
    ----------
    sweep, chosen, title
        As for :func:`hubs_chart`.

    Returns
    -------
    str
        ``<svg ...>...</svg>`` without the XML prolog, scaling to the width of its container.
    """
    fig = hubs_chart(sweep, chosen=chosen, title=title)
    buffer = io.StringIO()
    save_figure(fig, buffer, format="svg", metadata={"Date": None, "Creator": "hubopt"}, facecolor="white")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', text, count=1)
    text = text.replace("<svg", '<svg role="img" aria-label="How many hubs chart"', 1)
    return text


def _skipped_note(sweep: pd.DataFrame, rows: pd.DataFrame) -> str:
    n_all = pd.to_numeric(sweep["n_hubs"], errors="coerce").astype(int)
    skipped = sorted(set(n_all) - set(rows["n_hubs"]))
    note = "Each point is the best placement found for that number of hubs."
    if skipped:
        note += f" No answer for {', '.join(map(str, skipped))} hubs (see the sweep table)."
    if "status" in sweep.columns:
        unproven = rows.loc[rows["status"].astype(str) != "optimal", "n_hubs"].tolist()
        if unproven:
            note += f" Not proven optimal: {', '.join(map(str, unproven))} hubs."
    return note
