"""Demand over several years: a long table per zone and year, and a short summary of growth.

Used by ``hubopt demand SCENARIO --years 2025 2030 2035``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd

from hubopt.demand.zones import ZoneDemand
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands
from hubopt.study import Study


def _bands(table: pd.DataFrame) -> AgeBands:
    """The age bands of a :func:`demand_table` (kept in its ``attrs``)."""
    bands = table.attrs.get("age_bands")
    return bands if isinstance(bands, AgeBands) else STANDARD_BANDS


def demand_table(study: Study, demands: Sequence[ZoneDemand]) -> pd.DataFrame:
    """Long table: one row per zone and year with population by age band, population and weighted demand.

    The bands are the demands' (the scenario's ``demand.age_bands``), kept in ``attrs["age_bands"]``.
    """
    bands = demands[0].bands if demands else STANDARD_BANDS
    names = study.zones.set_index("zone_id")[["zone_name", "district_name"]]
    frames = []
    for d in demands:
        f = d.population.copy()
        f.insert(0, "year", d.year)
        f["demand"] = d.demand
        frames.append(f)
    table = pd.concat(frames, ignore_index=True)
    table = table.join(names, on="zone_id")
    cols = [
        "year",
        "zone_id",
        "zone_name",
        "district_code",
        "district_name",
        *bands.columns,
        "population",
        "demand",
    ]
    out = table[cols].copy()
    for col in [*bands.columns, "population", "demand"]:
        out[col] = out[col].astype(float).round(2)
    out.attrs["age_bands"] = bands
    return out


def growth_by_district(table: pd.DataFrame) -> pd.DataFrame:
    """Population by district and age band in the first and last year, with the change in per cent."""
    first, last = int(table["year"].min()), int(table["year"].max())
    bands = _bands(table)
    cols = [*bands.columns, "population", "demand"]
    sums = table.groupby(["district_name", "year"])[cols].sum()
    rows = []
    for district in sorted(table["district_name"].unique()):
        a, b = sums.loc[(district, first)], sums.loc[(district, last)]
        for col, label in zip(cols, [*bands.labels, "all ages", "weighted demand"], strict=True):
            rows.append(
                {
                    "district": district,
                    "band": label,
                    f"{first}": round(a[col], 1),
                    f"{last}": round(b[col], 1),
                    "change_pct": round(100 * (b[col] - a[col]) / a[col], 1) if a[col] else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def fastest_growing_zones(table: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` zones whose weighted demand grows most (absolute) between the first and last year."""
    first, last = int(table["year"].min()), int(table["year"].max())
    a = table[table["year"] == first].set_index("zone_id")
    b = table[table["year"] == last].set_index("zone_id")
    out = pd.DataFrame(
        {
            "zone_name": a["zone_name"],
            "district": a["district_name"],
            f"demand_{first}": a["demand"].round(1),
            f"demand_{last}": b["demand"].round(1),
        }
    )
    out["change"] = (b["demand"] - a["demand"]).round(1)
    out["change_pct"] = (100 * out["change"] / a["demand"]).round(1)
    return out.sort_values("change", ascending=False).head(n).reset_index()


def summary_lines(
    table: pd.DataFrame, methods: Sequence[str], echo: Callable[[str], None] | None = None
) -> list[str]:
    """A short plain-text summary: totals per year, growth by district and band, fastest-growing zones."""
    first, last = int(table["year"].min()), int(table["year"].max())
    lines = ["Population and weighted demand by year:"]
    totals = table.groupby("year")[["population", "demand"]].sum()
    bands = _bands(table)
    old = [(label, lo) for label, lo, _ in bands.intervals if lo >= 65]
    older = table.groupby("year")[[bands.column_of(label) for label, _ in old]].sum().sum(axis=1)
    for year, row in totals.iterrows():
        lines.append(
            f"  {year}: {row['population']:>10,.0f} people"
            + (f" ({older[year]:>8,.0f} aged {old[0][1]}+)" if old else "")
            + f", demand {row['demand']:>10,.0f}"
        )
    if first != last:
        growth = growth_by_district(table)
        lines.append(f"Change {first} to {last} by district (per cent):")
        pivot = growth.pivot(index="district", columns="band", values="change_pct")
        order = [*bands.labels, "all ages"]
        lines.append("  " + f"{'district':<24}" + "".join(f"{b:>10}" for b in order))
        for district, row in pivot.iterrows():
            lines.append("  " + f"{district:<24}" + "".join(f"{row[b]:>+9.1f}%" for b in order))
        lines.append(f"Zones whose demand grows most, {first} to {last}:")
        for r in fastest_growing_zones(table, 5).itertuples():
            lines.append(f"  {r.zone_name:<24} {r.district:<22} {r.change:>+8.0f} ({r.change_pct:+.1f}%)")
    generic = [re.sub(r"\b(?:19|20)\d\d\b(?!.*\b(?:19|20)\d\d\b)", "each year", m) for m in methods]
    lines.append("Method: " + "; ".join(dict.fromkeys(generic)))
    return lines
