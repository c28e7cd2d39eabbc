"""Who travels how far: access to the chosen hubs by deprivation (IMD decile).

The public's main concern about hubs is the time and distance to travel (Kent and Medway survey, 2016), and the
West Kent plan notes an 11.9-year life-expectancy gap between the most and least deprived areas (WK plan). A board
therefore needs the access figures of the whole population *and* of the most deprived, side by side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.locate.solution import access_measures

__all__ = ["DEPRIVED_DECILES", "equity_table"]

#: IMD deciles that make up "the most deprived fifth" (1 = most deprived 10 % of areas in England).
DEPRIVED_DECILES: tuple[int, ...] = (1, 2)


def equity_table(
    zones: pd.DataFrame,
    thresholds: Sequence[float] = (15, 30),
    *,
    minutes: str = "minutes",
    population: str = "population",
    decile: str = "imd_decile",
) -> pd.DataFrame:
    """Population-weighted travel time to the hub by deprivation decile.

    Parameters
    ----------
    zones : pandas.DataFrame
        One row per zone (a run's ``zones``): travel time to the serving hub, people, and IMD decile (1 = most
        deprived, 10 = least; missing allowed). Infinite or missing minutes mean no hub is reachable.
    thresholds : sequence of float, default (15, 30)
        Minutes for the "share of people within T" columns.
    minutes, population, decile : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per decile present (1 first), then ``"No IMD data"`` when some zones have no decile (reported, not
        dropped), then ``"Most deprived fifth (deciles 1-2)"``, ``"The rest (deciles 3-10)"`` and ``"All"``.
        Columns: ``group_key`` (``decile_1`` ... ``decile_10``, ``no_data``, ``deprived_fifth``, ``rest``,
        ``all``), ``group`` (label), ``imd_decile`` (nullable integer), ``zones``, ``population``,
        ``population_share`` (of all people), ``mean_minutes`` (over people who can reach a hub),
        ``p95_minutes`` (95 % of the group's people live within this; see
        :func:`hubopt.locate.solution.weighted_quantile`), ``max_minutes``, ``within_<T>_share`` per threshold
        (of the group's people) and ``unreachable_population``. Zones without a decile belong to "All" only.

    Raises
    ------
    InputError
        If a column is missing, a decile is not a whole number from 1 to 10, or a population is negative.
    """
    missing = [c for c in (minutes, population, decile) if c not in zones.columns]
    if missing:
        raise InputError(
            f"the zones lack the column(s) {', '.join(missing)}",
            column=missing[0],
            hint=f"the equity table needs the columns {minutes}, {population} and {decile}",
        )
    try:
        limits = [float(t) for t in thresholds]
    except (TypeError, ValueError):
        raise InputError("thresholds must be numbers of minutes", setting="outputs.thresholds") from None
    m = pd.to_numeric(zones[minutes], errors="coerce").to_numpy(dtype=float)
    m = np.where(np.isnan(m), np.inf, m)
    if (m < 0).any():
        raise InputError("travel times cannot be negative", column=minutes)
    w = pd.to_numeric(zones[population], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("population must be a number, zero or more, for every zone", column=population)
    d = pd.to_numeric(zones[decile], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isnan(d) & ~np.isin(d, np.arange(1, 11))
    if bad.any():
        shown = ", ".join(f"{v:g}" for v in np.unique(d[bad])[:5])
        raise InputError(f"IMD deciles must be whole numbers from 1 to 10 (found {shown})", column=decile)
    total = float(w.sum())

    groups: list[tuple[str, str, int | None, np.ndarray]] = []
    for k in range(1, 11):
        mask = d == k
        if mask.any():
            groups.append((f"decile_{k}", f"Decile {k}" + _decile_note(k), k, mask))
    no_data = np.isnan(d)
    if no_data.any():
        groups.append(("no_data", "No IMD data", None, no_data))
    deprived = np.isin(d, DEPRIVED_DECILES)
    rest = ~np.isnan(d) & ~deprived
    groups.append(("deprived_fifth", "Most deprived fifth (deciles 1-2)", None, deprived))
    groups.append(("rest", "The rest (deciles 3-10)", None, rest))
    groups.append(("all", "All", None, np.ones(len(m), dtype=bool)))

    rows = []
    for key, label, group_decile, mask in groups:
        measures = access_measures(m[mask], w[mask], limits)
        people = float(w[mask].sum())
        row = {
            "group_key": key,
            "group": label,
            "imd_decile": group_decile,
            "zones": int(mask.sum()),
            "population": people,
            "population_share": people / total if total > 0 else float("nan"),
            "mean_minutes": measures["mean_minutes"],
            "p95_minutes": measures["p95_minutes"] if people > 0 else float("nan"),
            "max_minutes": measures["max_minutes"],
        }
        for t in limits:
            row[f"within_{t:g}_share"] = measures[f"within_{t:g}_share"]
        row["unreachable_population"] = measures["unreachable_population"]
        rows.append(row)
    out = pd.DataFrame(rows)
    out["imd_decile"] = out["imd_decile"].astype("Int64")
    return out


def _decile_note(k: int) -> str:
    if k == 1:
        return " (most deprived)"
    if k == 10:
        return " (least deprived)"
    return ""
