"""Keep the earlier hubs, or re-optimise? Both hub sets measured under the new demand.

A rerun (new housing, a later year) is optimised for its own demand. Whether that moves any hub, and what moving
gains over keeping the earlier run's hubs, is answered by measuring both hub sets the same way on the rerun's
travel times and demand (:func:`hubopt.analysis.appraise.evaluate_option`: each zone served by its nearest hub of
the set).
The travel-time matrix lives only in a run in memory, so :func:`hubopt.pipeline.appraisal.reoptimisation_for_run`
calls :func:`evaluate_reoptimisation` with the rerun's arrays; :func:`hubopt.analysis.compare.compare_runs` then
reports the result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubopt.analysis.appraise import evaluate_option
from hubopt.locate.solution import signed_number, site_label

__all__ = ["HubSetMeasures", "Reoptimisation", "evaluate_reoptimisation"]


@dataclass
class HubSetMeasures:
    """Access from one set of hubs, each zone served by its nearest hub of the set.

    Attributes
    ----------
    site_ids : list of str
        The hubs.
    mean_minutes : float
        Mean travel time per person (over people who can reach a hub).
    weighted_minutes : float
        Age-weighted travel: the sum over zones of demand × minutes (the p-median's objective).
    demand_mean_minutes : float
        ``weighted_minutes`` divided by the demand that can reach a hub.
    within_share : dict of float to float
        Share of people within each threshold (minutes).
    unreachable_population : float
        People who can reach none of the hubs.
    """

    site_ids: list[str]
    mean_minutes: float
    weighted_minutes: float
    demand_mean_minutes: float
    within_share: dict[float, float]
    unreachable_population: float


@dataclass
class Reoptimisation:
    """Keeping the earlier run's hubs against the later run's re-optimised hubs, both under the later run's demand.

    ``kept`` is None when the earlier hubs cannot be evaluated on the later run's travel times (the notes say
    why).
    """

    kept: HubSetMeasures | None
    optimised: HubSetMeasures
    names: dict[str, str]
    thresholds: list[float]
    model: str = "p-median"
    notes: list[str] = field(default_factory=list)

    def label(self, site_id: str) -> str:
        """The site's name and code."""
        return site_label(self.names.get(site_id, site_id), site_id)

    @property
    def opened(self) -> list[str]:
        """Hubs the re-optimised set has and the earlier set has not."""
        kept = set(self.kept.site_ids) if self.kept is not None else set()
        return [s for s in self.optimised.site_ids if s not in kept]

    @property
    def closed(self) -> list[str]:
        """Earlier hubs the re-optimised set drops."""
        if self.kept is None:
            return []
        new = set(self.optimised.site_ids)
        return [s for s in self.kept.site_ids if s not in new]

    @property
    def same_hubs(self) -> bool:
        """Whether re-optimising picks exactly the earlier hubs."""
        return self.kept is not None and set(self.kept.site_ids) == set(self.optimised.site_ids)

    def gain(self) -> dict[str, float]:
        """What re-optimising gains over keeping the earlier hubs (positive: re-optimising is better).

        Returns
        -------
        dict
            ``weighted_minutes`` (kept minus re-optimised), ``weighted_minutes_pct`` (of the kept hubs'),
            ``mean_minutes`` (kept minus re-optimised, per person), ``within_<T>_points`` (re-optimised minus kept
            share, in percentage points), ``unreachable_population`` (kept minus re-optimised); empty when the
            earlier hubs could not be evaluated.
        """
        k, o = self.kept, self.optimised
        if k is None:
            return {}
        out = {
            "weighted_minutes": k.weighted_minutes - o.weighted_minutes,
            "weighted_minutes_pct": (k.weighted_minutes - o.weighted_minutes) / k.weighted_minutes * 100.0
            if k.weighted_minutes > 0
            else math.nan,
            "mean_minutes": k.mean_minutes - o.mean_minutes,
            "unreachable_population": k.unreachable_population - o.unreachable_population,
        }
        for t in self.thresholds:
            out[f"within_{t:g}_points"] = (o.within_share[t] - k.within_share[t]) * 100.0
        return out

    def table(self) -> pd.DataFrame:
        """One row per hub set (earlier hubs kept, re-optimised) and a row of the gain."""
        rows = []
        for what, m in (("earlier hubs kept", self.kept), ("re-optimised hubs", self.optimised)):
            if m is None:
                continue
            rows.append(
                {
                    "hub_set": what,
                    "hubs": "; ".join(self.label(s) for s in m.site_ids),
                    "weighted_minutes": round(m.weighted_minutes, 2),
                    "demand_mean_minutes": round(m.demand_mean_minutes, 4),
                    "mean_minutes": round(m.mean_minutes, 4),
                    **{f"within_{t:g}_share": round(m.within_share[t], 6) for t in self.thresholds},
                    "unreachable_population": round(m.unreachable_population, 1),
                }
            )
        g = self.gain()
        if g and self.kept is not None:
            k_mean = self.kept.demand_mean_minutes
            rows.append(
                {
                    "hub_set": "gain from re-optimising",
                    "hubs": "opens: "
                    + ("; ".join(self.label(s) for s in self.opened) or "none")
                    + " | closes: "
                    + ("; ".join(self.label(s) for s in self.closed) or "none"),
                    "weighted_minutes": round(g["weighted_minutes"], 2),
                    "demand_mean_minutes": round(k_mean - self.optimised.demand_mean_minutes, 4),
                    "mean_minutes": round(g["mean_minutes"], 4),
                    **{f"within_{t:g}_share": round(g[f"within_{t:g}_points"] / 100.0, 6) for t in self.thresholds},
                    "unreachable_population": round(g["unreachable_population"], 1),
                }
            )
        return pd.DataFrame(rows)

    def lines(self) -> list[str]:
        """Plain-text account: does re-optimising pick other hubs, and what would it gain?"""
        n = len(self.optimised.site_ids)
        if self.kept is None:
            why = "; ".join(self.notes)
            return [f"  Re-optimising for the new demand: not compared with the earlier hubs ({why})"]
        if self.same_hubs:
            out = [
                f"  Re-optimising for the new demand picks the same {'hub' if n == 1 else f'{n} hubs'}: no hub would "
                "move, nothing to gain from moving one."
            ]
        else:
            g = self.gain()
            k, o = self.kept, self.optimised
            travel = (
                f"age-weighted travel {k.weighted_minutes:,.0f} → {o.weighted_minutes:,.0f} minutes "
                f"({_less_or_more(g['weighted_minutes'], 'minutes')}, {abs(g['weighted_minutes_pct']):.2f}% "
                f"{'less' if g['weighted_minutes'] >= 0 else 'more'}); mean time per person {k.mean_minutes:.2f} → "
                f"{o.mean_minutes:.2f} min"
            )
            for t in self.thresholds[:1]:
                travel += (
                    f"; within {t:g} min {k.within_share[t]:.1%} → {o.within_share[t]:.1%} "
                    f"({signed_number(g[f'within_{t:g}_points'], '.1f')} points)"
                )
            out = [
                "  Re-optimising for the new demand picks other hubs: opens "
                f"{', '.join(self.label(s) for s in self.opened) or 'none'}; closes "
                f"{', '.join(self.label(s) for s in self.closed) or 'none'}.",
                f"    Keeping the earlier hubs → re-optimised: {travel} (comparison_reoptimisation.csv).",
            ]
            if abs(g["unreachable_population"]) >= 0.5:
                none_before, none_after = k.unreachable_population, o.unreachable_population
                out.append(f"    People who can reach no hub: {none_before:,.0f} → {none_after:,.0f}.")
        out.extend(f"    Note: {note}" for note in self.notes)
        return out


def _less_or_more(saving: float, unit: str) -> str:
    """``"1,234 minutes less"`` for a saving, ``"1,234 minutes more"`` for a loss."""
    return f"{abs(saving):,.0f} {unit} {'less' if saving >= 0 else 'more'}"


def _measure_hub_set(
    hub_ids: Sequence[str],
    *,
    minutes: np.ndarray,
    site_ids: Sequence[str],
    population: np.ndarray,
    demand: np.ndarray,
    imd_decile: np.ndarray | Sequence[float | None],
    sites: pd.DataFrame,
    thresholds: Sequence[float],
) -> HubSetMeasures:
    measures = evaluate_option(
        hub_ids, minutes, site_ids, population, demand, imd_decile, sites, thresholds=thresholds
    )
    index = {s: j for j, s in enumerate(site_ids)}
    reachable = np.isfinite(np.asarray(minutes, dtype=float)[:, [index[s] for s in hub_ids]].min(axis=1))
    served_demand = float(np.asarray(demand, dtype=float)[reachable].sum())
    return HubSetMeasures(
        site_ids=list(hub_ids),
        mean_minutes=measures["mean_minutes"],
        weighted_minutes=measures["demand_mean_minutes"] * served_demand if served_demand > 0 else 0.0,
        demand_mean_minutes=measures["demand_mean_minutes"],
        within_share={float(t): measures[f"within_{float(t):g}_share"] for t in thresholds},
        unreachable_population=measures["unreachable_population"],
    )


def evaluate_reoptimisation(
    earlier_hubs: Sequence[str],
    optimised_hubs: Sequence[str],
    *,
    minutes: np.ndarray,
    site_ids: Sequence[str],
    population: np.ndarray,
    demand: np.ndarray,
    imd_decile: np.ndarray | Sequence[float | None],
    sites: pd.DataFrame,
    thresholds: Sequence[float] = (15, 30),
    model: str = "p-median",
    unavailable: Sequence[str] = (),
) -> Reoptimisation:
    """Evaluate the earlier hubs and the re-optimised hubs on the same (new) demand and travel times.

    Both sets are measured the same way, by :func:`hubopt.analysis.appraise.evaluate_option` (each zone served by its
    nearest hub of the set), so the gain is the difference of two evaluations of one function.

    Parameters
    ----------
    earlier_hubs : sequence of str
        The hubs of the earlier run (site IDs).
    optimised_hubs : sequence of str
        The hubs the later run chose for its demand.
    minutes : numpy.ndarray, shape (n_zones, n_sites)
        The later run's travel times; columns in the order of ``site_ids``.
    site_ids : sequence of str
        The site of every column of ``minutes``.
    population, demand : numpy.ndarray, shape (n_zones,)
        The later run's people and age-weighted demand per zone.
    imd_decile : array, shape (n_zones,)
        IMD decile per zone (NaN when not known).
    sites : pandas.DataFrame
        The later run's site register (``site_id``, ``name``, ``type``, ``status``).
    thresholds : sequence of float
        Minutes of the "share within T" measures.
    model : str
        The later run's model, in words (the optimised hubs are best for that model, which the notes say when it
        is not the p-median's travel time).
    unavailable : sequence of str
        Sites the later run may not use; an earlier hub among them is noted (keeping it is then not an option).

    Returns
    -------
    Reoptimisation
    """
    ids = [str(s) for s in site_ids]
    names = dict(zip(ids, sites["name"].astype(str), strict=False)) if "name" in sites else {}
    earlier = list(dict.fromkeys(str(s) for s in earlier_hubs))
    optimised = list(dict.fromkeys(str(s) for s in optimised_hubs))
    args = {
        "minutes": minutes,
        "site_ids": ids,
        "population": population,
        "demand": demand,
        "imd_decile": imd_decile,
        "sites": sites,
        "thresholds": list(thresholds),
    }
    thresholds_f = [float(t) for t in thresholds]
    notes: list[str] = []
    best = _measure_hub_set(optimised, **args)
    known = set(ids)
    missing = [s for s in earlier if s not in known]
    if missing or not earlier:
        what = ", ".join(site_label(names.get(s, s), s) for s in missing) or "no hubs"
        notes.append(f"the earlier run's hubs include {what}, not among this run's candidate sites")
        return Reoptimisation(None, best, names, thresholds_f, model, notes)
    kept = _measure_hub_set(earlier, **args)
    barred_ids = set(map(str, unavailable))
    barred = [s for s in earlier if s in barred_ids]
    if barred:
        notes.append(
            f"{', '.join(site_label(names.get(s, s), s) for s in barred)} may not be a hub in this run, so keeping "
            "the earlier hubs is not an option here"
        )
    if not model.startswith("p-median"):
        notes.append(
            f"the re-optimised hubs are the best for this run's model ({model}), not for travel time, so they may "
            "travel more than the earlier hubs"
        )
    return Reoptimisation(kept, best, names, thresholds_f, model, notes)
