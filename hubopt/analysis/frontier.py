"""How many hubs can be supported economically: the cost-access frontier over the number of hubs.

From a how-many-hubs sweep (one row per N, :func:`hubopt.locate.sweep.sweep_hubs`) and each site's annual running
cost and capital cost, :func:`cost_access_frontier` tabulates, for each N, the best access, the running cost and
capital of the hubs chosen, and what each extra hub buys per £100,000 a year of extra running cost: mean minutes
saved per person, and people brought within each threshold. :func:`hubs_worth_funding` names the N beyond which an
extra hub buys less than a threshold.

Each N's hubs are those of the best access (the sweep's answer), so the running cost may fall as well as rise
from one N to the next (the best five sites need not contain the best four). A step that costs nothing more (or
less) has no "per £" figure: it is marked free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["PER_POUNDS", "Frontier", "cost_access_frontier", "hubs_worth_funding"]

#: The "per £" figures are per this many pounds a year of extra running cost.
PER_POUNDS = 100_000.0


@dataclass
class Frontier:
    """The cost-access answer of a run.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per number of hubs (:func:`cost_access_frontier`).
    options : pandas.DataFrame or None
        The efficient cost-vs-access sets at the run's number of hubs (best access first), when computed.
    options_n : int or None
        The number of hubs of ``options``.
    answer : str
        The sentence naming the N beyond which an extra hub buys less than the threshold (or why none is named).
    cost_basis : str
        Where the running costs come from (sources, defaults; "ILLUSTRATIVE" beside a default without a source).
    threshold_basis : str
        The threshold and its source ("ILLUSTRATIVE" without one; "" when no threshold is set).
    illustrative : bool
        Whether a cost or the threshold is an assumption without a source.
    notes : list of str
        What the reader should know (sites without a cost, options not complete, ...).
    worth_funding_n : int or None
        The N beyond which an extra hub buys less than the threshold.
    how_many : str
        The N every limit allows and what binds (with a workforce; see :mod:`hubopt.analysis.workforce`).
    """

    table: pd.DataFrame
    options: pd.DataFrame | None
    options_n: int | None
    answer: str
    cost_basis: str
    threshold_basis: str
    illustrative: bool
    notes: list[str] = field(default_factory=list)
    #: The N beyond which an extra hub buys less than the threshold (None: no threshold, or costs unknown).
    worth_funding_n: int | None = None
    #: The N every limit (cost threshold, staffing, hub size) allows, and what binds ("" without a workforce).
    how_many: str = ""


def cost_access_frontier(
    sweep: pd.DataFrame,
    site_ids: Sequence[str],
    annual_cost: np.ndarray,
    capital_cost: np.ndarray,
    total_population: float,
    thresholds: Sequence[float],
) -> pd.DataFrame:
    """The cost-access frontier: one row per N of the sweep.

    Parameters
    ----------
    sweep : pandas.DataFrame
        The how-many-hubs table (``n_hubs``, ``mean_minutes``, ``within_<T>_share``, ``sites`` as comma-separated
        IDs); rows without an answer give rows without figures.
    site_ids : sequence of str
        The candidate sites' IDs, in the order of ``annual_cost`` and ``capital_cost``.
    annual_cost : numpy.ndarray
        Each site's annual running cost (£; NaN where unknown).
    capital_cost : numpy.ndarray
        Each site's capital cost to open a hub there (£; NaN where none is given, counted as 0: say so beside
        the table).
    total_population : float
        People in the study, to turn shares within a threshold into people.
    thresholds : sequence of float
        Minutes of the ``within_<T>_share`` columns.

    Returns
    -------
    pandas.DataFrame
        ``n_hubs``, ``mean_minutes``, ``within_<T>_share``, ``people_within_<T>``, ``annual_cost`` (NaN when a
        chosen site has no cost), ``capital_cost``, ``extra_annual_cost``, ``minutes_saved`` (drop in mean minutes
        from the previous N with an answer), ``people_within_<T>_gained``, ``minutes_saved_per_100k`` and
        ``people_within_<T>_per_100k`` (per £100,000 a year of extra running cost; NaN when the step costs
        nothing more, or a cost is unknown), ``step`` ("free" for such a step), ``sites`` and ``cost_note``
        (the chosen sites without a running cost).
    """
    index = {str(s): j for j, s in enumerate(site_ids)}
    annual = np.asarray(annual_cost, dtype=float)
    capital = np.asarray(capital_cost, dtype=float)
    rows: list[dict[str, object]] = []
    previous: dict[str, object] | None = None
    for _, s in sweep.iterrows():
        row: dict[str, object] = {"n_hubs": int(s["n_hubs"])}
        mean = s.get("mean_minutes")
        if mean is None or pd.isna(mean):
            rows.append(row)
            continue
        chosen = [index[x.strip()] for x in str(s["sites"]).split(",") if x.strip()]
        row["mean_minutes"] = float(mean)
        for t in thresholds:
            share = float(s[f"within_{t:g}_share"])
            row[f"within_{t:g}_share"] = share
            row[f"people_within_{t:g}"] = share * total_population
        unknown = [str(site_ids[j]) for j in chosen if np.isnan(annual[j])]
        row["annual_cost"] = np.nan if unknown else float(annual[chosen].sum())
        row["capital_cost"] = float(np.nansum(capital[chosen]))
        row["cost_note"] = f"no running cost for {', '.join(unknown)}" if unknown else ""
        row["sites"] = str(s["sites"])
        if previous is not None:
            _marginal(row, previous, thresholds)
        rows.append(row)
        previous = row
    return _ordered(pd.DataFrame(rows), thresholds)


def _marginal(row: dict[str, object], previous: dict[str, object], thresholds: Sequence[float]) -> None:
    """What the step from the previous N bought, and per £100,000 a year of extra running cost."""
    extra = float(row["annual_cost"]) - float(previous["annual_cost"])  # type: ignore[arg-type]
    row["extra_annual_cost"] = extra
    row["minutes_saved"] = float(previous["mean_minutes"]) - float(row["mean_minutes"])  # type: ignore[arg-type]
    for t in thresholds:
        key = f"people_within_{t:g}"
        row[f"{key}_gained"] = float(row[key]) - float(previous[key])  # type: ignore[arg-type]
    if np.isnan(extra):
        return
    if extra <= 0:
        row["step"] = "free"
        return
    per = PER_POUNDS / extra
    row["minutes_saved_per_100k"] = float(row["minutes_saved"]) * per  # type: ignore[arg-type]
    for t in thresholds:
        row[f"people_within_{t:g}_per_100k"] = float(row[f"people_within_{t:g}_gained"]) * per  # type: ignore[arg-type]


def _ordered(table: pd.DataFrame, thresholds: Sequence[float]) -> pd.DataFrame:
    order = [
        "n_hubs",
        "mean_minutes",
        *[f"within_{t:g}_share" for t in thresholds],
        *[f"people_within_{t:g}" for t in thresholds],
        "annual_cost",
        "capital_cost",
        "extra_annual_cost",
        "minutes_saved",
        *[f"people_within_{t:g}_gained" for t in thresholds],
        "minutes_saved_per_100k",
        *[f"people_within_{t:g}_per_100k" for t in thresholds],
        "step",
        "sites",
        "cost_note",
    ]
    for col in order:
        if col not in table:
            table[col] = "" if col in ("step", "sites", "cost_note") else np.nan
    table[["step", "sites", "cost_note"]] = table[["step", "sites", "cost_note"]].fillna("")
    return table[order].reset_index(drop=True)


def hubs_worth_funding(frontier: pd.DataFrame, min_minutes_saved_per_100k: float) -> tuple[int | None, str]:
    """The N beyond which an extra hub saves less than ``min_minutes_saved_per_100k`` mean minutes per £100,000.

    Steps are read in order of N: the answer is the N before the first step that costs more and saves less than
    the threshold per £100,000. A free step (no extra running cost) always passes.

    Returns
    -------
    (int or None, str)
        The N (None when no N can be named: costs unknown, or fewer than two N with an answer) and a sentence.
    """
    rows = frontier[frontier["mean_minutes"].notna()]
    if len(rows) < 2:
        return None, "the sweep has fewer than two numbers of hubs with an answer: no extra hub to weigh"
    if rows["annual_cost"].isna().any():
        missing = rows.loc[rows["annual_cost"].isna(), "n_hubs"].astype(int).tolist()
        return None, (
            f"no running cost is known for every hub chosen with {', '.join(map(str, missing))} hubs: give the "
            "sites' annual_cost in the register or costs.annual_cost_per_hub in the scenario"
        )
    steps = rows.iloc[1:]
    for k, (_, row) in enumerate(steps.iterrows()):
        rate = row["minutes_saved_per_100k"]
        if row["step"] != "free" and not rate >= min_minutes_saved_per_100k:
            before = int(rows.iloc[k]["n_hubs"])
            return before, (
                f"beyond {before} hubs an extra hub saves less than {min_minutes_saved_per_100k:g} mean minutes per "
                f"£100k a year (hub {int(row['n_hubs'])}: {rate:.3g}, for £{row['extra_annual_cost']:,.0f} a year "
                "more)"
            )
    last = int(rows.iloc[-1]["n_hubs"])
    return last, (
        f"every extra hub up to {last} saves at least {min_minutes_saved_per_100k:g} mean minutes per £100k a year "
        f"(widen model.sweep to look further)"
    )
