"""The cost-access frontier of a run with a how-many-hubs sweep: each site's running cost (the register's
``annual_cost``, else ``fixed_cost``, else the scenario's ``costs.annual_cost_per_hub``), the frontier over N
(:func:`hubopt.analysis.frontier.cost_access_frontier`), the efficient cost-vs-access sets at the scenario's number
of hubs (:func:`hubopt.locate.frontier.efficient_hub_sets`) and the answer to "how many can be supported
economically"."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from hubopt.analysis.frontier import Frontier, cost_access_frontier, hubs_worth_funding
from hubopt.locate import registry
from hubopt.locate.frontier import efficient_hub_sets
from hubopt.locate.options import SiteRules, SolverOptions
from hubopt.locate.solution import access_measures, nearest_open_assignment
from hubopt.scenario import Scenario

__all__ = ["ILLUSTRATIVE", "run_frontier", "site_running_costs"]

ILLUSTRATIVE = "ILLUSTRATIVE"


def site_running_costs(sites: pd.DataFrame, scenario: Scenario) -> tuple[np.ndarray, str, bool]:
    """Each candidate site's annual running cost (NaN where none is known), where the costs come from, and whether
    any is an assumption without a source.

    The register's ``annual_cost`` comes first (e.g. NHS Digital ERIC for the community hospitals), then its
    ``fixed_cost`` (the yearly cost of running a hub there), then ``costs.annual_cost_per_hub``. External sites
    (other areas' services) cost 0.
    """
    n = len(sites)
    # Other areas' services at the border (status external) cost the area nothing and are not counted below.
    external = sites["status"].astype(str).eq("external").to_numpy() if "status" in sites else np.zeros(n, bool)
    annual = np.where(external, np.nan, _column(sites, "annual_cost", n))
    from_register = int(np.isfinite(annual).sum())
    fixed = np.where(external, np.nan, _column(sites, "fixed_cost", n))
    use_fixed = ~np.isfinite(annual) & np.isfinite(fixed)
    annual = np.where(use_fixed, fixed, annual)
    parts = []
    if from_register:
        sources = (
            sorted({_source_kind(s) for s in sites["annual_cost_source"].dropna()})
            if ("annual_cost_source" in sites)
            else []
        )
        parts.append(f"{from_register} sites' annual_cost from the register ({'; '.join(sources) or 'no source'})")
    if use_fixed.any():
        parts.append(f"{int(use_fixed.sum())} sites' fixed_cost from the register")
    illustrative = False
    default = scenario.costs.annual_cost_per_hub
    rest = ~np.isfinite(annual) & ~external
    annual = np.where(external, 0.0, annual)
    if external.any():
        parts.append(f"nothing for {int(external.sum())} external site(s) (other areas' services)")
    if default is not None and rest.any():
        annual = np.where(rest, default, annual)
        source = scenario.costs.source
        illustrative = source is None
        parts.append(
            f"£{default:,.0f} a year for each of the other {int(rest.sum())} sites (costs.annual_cost_per_hub, "
            + (f"source: {source})" if source else f"no source given: {ILLUSTRATIVE})")
        )
    elif rest.any():
        parts.append(f"no running cost for {int(rest.sum())} sites (give costs.annual_cost_per_hub)")
    return annual, "; ".join(parts), illustrative


def _column(sites: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in sites:
        return np.full(n, np.nan)
    return pd.to_numeric(sites[name], errors="coerce").to_numpy(dtype=float)


def _source_kind(source: str) -> str:
    """A source label without its site: "NHS Digital ERIC 2016-17, site RYYD9, OGL v3" -> "NHS Digital ERIC
    2016-17, OGL v3"."""
    return ", ".join(part for part in str(source).split(", ") if not part.startswith("site "))


def run_frontier(
    scenario: Scenario,
    sites: pd.DataFrame,
    sweep: pd.DataFrame,
    minutes: np.ndarray,
    weights: np.ndarray,
    population: np.ndarray,
    rules: SiteRules,
    options: SolverOptions,
    chosen: list[int],
    progress: Callable[[str], None] = lambda _m: None,
) -> Frontier:
    """The run's cost-access frontier over the sweep's N, and the efficient sets at the scenario's N.

    Parameters
    ----------
    chosen : list of int
        The model's hubs (site indices), marked among the efficient sets.
    """
    costs = scenario.costs
    site_ids = sites["site_id"].astype(str).tolist()
    annual, basis, illustrative = site_running_costs(sites, scenario)
    capital = _column(sites, "capital_cost", len(sites))
    table = cost_access_frontier(sweep, site_ids, annual, capital, float(np.sum(population)), scenario.thresholds)
    table.insert(
        int(table.columns.get_loc("annual_cost")),
        "largest_hub_population",
        _largest_hubs(table, site_ids, minutes, population, list(rules.external)),
    )
    notes: list[str] = []
    with_capital = int(np.isfinite(capital).sum())
    notes.append(
        f"Capital: {with_capital} of {len(sites)} candidate sites give a capital_cost in the register; the others "
        "count as 0 (existing estate used as it is)."
    )
    if registry.lookup(scenario.model_type).name != "p-median":
        notes.append(
            "Hub sizes (largest_hub_population) and the efficient options put each zone at its nearest hub, as the "
            f"p-median model does; the {scenario.model_type} model may assign zones differently."
        )
    threshold = costs.min_minutes_saved_per_100k
    threshold_basis = ""
    worth_funding_n = None
    if threshold is None:
        answer = "no threshold set (costs.min_minutes_saved_per_100k): the frontier is tabulated, no N is named"
    else:
        worth_funding_n, answer = hubs_worth_funding(table, threshold)
        threshold_basis = f"{threshold:g} mean minutes per £100k a year, " + (
            f"source: {costs.threshold_source}"
            if costs.threshold_source
            else f"no source given (costs.threshold_source): {ILLUSTRATIVE}"
        )
        illustrative = illustrative or costs.threshold_source is None
    options_table, options_n = None, scenario.hubs
    if costs.efficient_options and options_n is not None:
        usable = np.ones(len(sites), dtype=bool)
        usable[list(rules.unavailable)] = False
        if np.isfinite(annual[usable]).all():
            progress(f"Cost against access: the efficient sets of {options_n} hubs")
            sets = efficient_hub_sets(
                minutes, weights, options_n, np.where(usable, annual, 0.0),
                rules=rules, options=options, max_points=costs.max_options,
            )  # fmt: skip
            options_table = _options_table(sets.table, minutes, population, scenario.thresholds, site_ids, chosen)
            options_table["capital_cost"] = [float(np.nansum(capital[list(s)])) for s in sets.table["sites"]]
            if sets.note:
                notes.append(f"Efficient options: {sets.note}.")
        else:
            notes.append(
                "Efficient cost-vs-access options need a running cost for every candidate site: give "
                "costs.annual_cost_per_hub (with its source) for the sites the register gives none."
            )
    return Frontier(
        table=table,
        options=options_table,
        options_n=options_n if options_table is not None else None,
        answer=answer,
        cost_basis=basis,
        threshold_basis=threshold_basis,
        illustrative=illustrative,
        notes=notes,
        worth_funding_n=worth_funding_n,
    )


def _largest_hubs(
    table: pd.DataFrame, site_ids: list[str], minutes: np.ndarray, population: np.ndarray, external: list[int]
) -> list[float]:
    """People served by the largest hub of each N, each zone going to its nearest hub or external site (another
    area's service, open for every N and not a hub) (NaN where no answer)."""
    index = {s: j for j, s in enumerate(site_ids)}
    out = []
    for sites in table["sites"]:
        hubs = [index[s.strip()] for s in str(sites).split(",") if s.strip()]
        if not hubs:
            out.append(float("nan"))
            continue
        assignment, _ = nearest_open_assignment(minutes, np.asarray(sorted({*hubs, *external})))
        reached = assignment >= 0
        served = np.bincount(assignment[reached], weights=population[reached], minlength=len(site_ids))
        out.append(float(served[hubs].max()))
    return out


def _options_table(
    sets: pd.DataFrame,
    minutes: np.ndarray,
    population: np.ndarray,
    thresholds: list[float],
    site_ids: list[str],
    chosen: list[int],
) -> pd.DataFrame:
    """The efficient sets with their access measured per person (nearest hub), as the sweep measures it."""
    rows = []
    for _, s in sets.iterrows():
        hubs = list(s["sites"])
        _, to_hub = nearest_open_assignment(minutes, np.asarray(hubs))
        access = access_measures(to_hub, population, thresholds)
        rows.append(
            {
                "option": int(s["option"]),
                "n_hubs": len(hubs),
                "mean_minutes": access["mean_minutes"],
                **{f"within_{t:g}_share": access[f"within_{t:g}_share"] for t in thresholds},
                "annual_cost": float(s["annual_cost"]),
                "weighted_travel": float(s["travel"]),
                "model_answer": sorted(hubs) == sorted(chosen),
                "status": s["status"],
                "sites": ", ".join(site_ids[j] for j in hubs),
            }
        )
    return pd.DataFrame(rows)
