"""The community-beds step of a run: how many beds each year, and where they go.

Bed need comes from :mod:`hubopt.demand.bed_need` (today's beds grown with the age-weighted population, or admission
rates × length of stay); placement from :mod:`hubopt.locate.beds`. Zones' bed demand is the need shared in proportion
to their age-weighted population, so the beds sit where the people who will use them live.

Today's beds are the study's own (:func:`bed_baseline`): the ``beds`` and ``piloted_beds`` of its sites, or
``beds.baseline_beds`` given in the scenario with its source. A study whose sites record no beds gets no other
area's figure: the baseline method then stops and asks for one.

Beds needed are whole beds (:attr:`hubopt.demand.bed_need.BedNeed.beds_rounded_up`, the computed need rounded up):
the plan must meet that figure, and :meth:`BedResult.need_table` and the run summary show it.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.analysis.site_risk import available_by_year
from hubopt.demand.bed_need import BedNeed, BedsToday, bed_need_from_baseline, bed_need_from_rates, beds_today
from hubopt.demand.zones import ZoneDemand
from hubopt.errors import InputError
from hubopt.locate.beds import place_beds, place_beds_phased
from hubopt.locate.options import SolverOptions
from hubopt.results import BedResult
from hubopt.scenario import BedSettings, Scenario
from hubopt.study import Study

HOSPITAL_TYPES = ("community_hospital", "acute_hospital")


def bed_baseline(study: Study, scenario: Scenario, sites: pd.DataFrame | None = None) -> BedsToday:
    """Today's community beds for a run: the scenario's ``beds.baseline_beds``, else the study's sites' beds.

    Parameters
    ----------
    study : Study
        The study; its site register's ``beds`` and ``piloted_beds`` give today's beds.
    scenario : Scenario
        The scenario, with ``beds`` enabled.
    sites : pandas.DataFrame, optional
        The run's sites (e.g. with the scenario's extra register); rows not in the study's register add their beds.

    Returns
    -------
    BedsToday
        ``beds`` is None only for ``need_method: rates`` on a study whose sites record no beds.

    Raises
    ------
    InputError
        When ``need_method`` is ``baseline`` and there is no figure for today: no site records beds and the
        scenario gives no ``beds.baseline_beds``. Another area's beds are never used instead.
    """
    settings = scenario.beds
    assert settings is not None
    if settings.baseline_beds is not None:
        return BedsToday(
            beds=int(settings.baseline_beds),
            piloted=int(settings.piloted_beds or 0),
            source=f"scenario setting beds.baseline_beds (source: {settings.baseline_source})",
        )
    register = study.sites
    if sites is not None and "site_id" in sites.columns:
        extra = sites[~sites["site_id"].astype(str).isin(register["site_id"].astype(str))]
        if len(extra):
            register = pd.concat([register, extra], ignore_index=True)
    where = f"{study.name}'s site register (sites.csv)"
    today = beds_today(register, where=where)
    if today.beds is None and settings.need_method == "baseline":
        raise InputError(
            f"the baseline method grows today's community beds, but no site of {study.name} records any beds "
            "(the beds column of its site register is blank or 0 for every site), and hubopt will not use another "
            "area's figure",
            path=scenario.path,
            setting="beds.baseline_beds",
            hint="give today's beds in the scenario with where the figure comes from (beds.baseline_beds: N and "
            "beds.baseline_source: '...'), or fill in the beds column of the study's sites.csv for the sites that "
            "have beds; or use need_method: rates with local admission rates and length of stay; or set "
            "beds.enabled: false",
        )
    return today


def bed_sites(sites: gpd.GeoDataFrame, chosen: np.ndarray, settings: BedSettings) -> np.ndarray:
    """Indices of the sites that may host beds under ``beds.sites``."""
    is_hospital = sites["type"].isin(HOSPITAL_TYPES).to_numpy()
    is_hub = np.zeros(len(sites), dtype=bool)
    is_hub[chosen] = True
    allowed = {
        "hubs_and_hospitals": is_hub | is_hospital,
        "hospitals": is_hospital,
        "hubs": is_hub,
        "any": np.ones(len(sites), dtype=bool),
    }[settings.sites]
    # Unavailable sites take no beds; nor do external ones (other areas' services, not the area's to plan).
    allowed &= ~sites["status"].isin(["unavailable", "external"]).to_numpy()
    return np.flatnonzero(allowed)


def _available_bed_sites(
    sites: gpd.GeoDataFrame, idx: np.ndarray, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The possible bed sites available in at least one of ``beds.years``, their availability by year (years x
    those sites), and notes on the sites left out or closing during the plan (``sites.renewed`` lifts an end)."""
    settings = scenario.beds
    assert settings is not None
    years = list(settings.years)
    available = available_by_year(sites.iloc[idx], years, scenario.site_facts.renewed)
    notes = []
    never = ~available.any(axis=0)
    names = sites["name"].astype(str).to_numpy()
    if never.any():
        notes.append(
            f"{int(never.sum())} site(s) may not host beds: not available in any year of the bed plan: "
            + ", ".join(names[idx[never]][:5])
        )
    some = ~never & ~available.all(axis=0)
    for k in np.flatnonzero(some):
        j = int(idx[k])
        out = [str(y) for y, a in zip(years, available[:, k], strict=True) if not a]
        src = sites["availability_source"].iloc[j] if "availability_source" in sites.columns else None
        until = sites["available_until"].iloc[j] if "available_until" in sites.columns else pd.NA
        notes.append(
            f"{names[j]} ({sites['site_id'].iloc[j]}) has no beds in {', '.join(out)}: outside its availability"
            + (f" (available until {int(until)}" if pd.notna(until) else " (")
            + (f"; {src})" if isinstance(src, str) and src else ")")
            + "; its beds are placed elsewhere then"
        )
    return idx[~never], available[:, ~never], notes


def _bed_demand(demand: ZoneDemand, weights: dict[str, float] | None, settings: BedSettings) -> np.ndarray:
    """Relative bed use per zone: population by band times the bed weights (or admissions × stay)."""
    pop = demand.population
    if settings.need_method == "baseline":
        assert weights is not None
        return sum(pop[demand.bands.column_of(b)].to_numpy(dtype=float) * weights[b] for b in demand.bands.labels)
    rates = settings.admission_rates_per_1000 or {}
    los = settings.mean_length_of_stay_days
    out = np.zeros(len(pop))
    for b in demand.bands.labels:
        stay = los.get(b, 0.0) if isinstance(los, dict) else float(los or 0.0)
        out += pop[demand.bands.column_of(b)].to_numpy(dtype=float) * float(rates.get(b, 0.0)) * stay
    return out


def _needs_and_shares(
    settings: BedSettings, demand_for_year: Callable[[int], ZoneDemand], base_year: int, today: BedsToday
) -> tuple[list[BedNeed], list[np.ndarray]]:
    """Each year's bed need (by the scenario's method) and each zone's share of that year's bed use."""
    base = demand_for_year(base_year)
    needs: list[BedNeed] = []
    shares = []
    for year in settings.years:
        d = demand_for_year(year)
        if settings.need_method == "baseline":
            assert today.beds is not None  # bed_baseline refuses the baseline method without a figure
            need = bed_need_from_baseline(
                base.population,
                d.population,
                settings.weights,
                baseline_beds=today.beds,
                piloted_beds=today.piloted,
                baseline_source=today.source,
                baseline_occupancy=settings.baseline_occupancy,
                target_occupancy=settings.target_occupancy,
                year=year,
                bands=d.bands,
            )
        else:
            kwargs = {} if settings.target_occupancy is None else {"target_occupancy": settings.target_occupancy}
            need = bed_need_from_rates(
                d.population,
                settings.admission_rates_per_1000,
                settings.mean_length_of_stay_days,
                year=year,
                today=today,
                bands=d.bands,
                **kwargs,
            )
        needs.append(need)
        use = _bed_demand(d, settings.weights, settings)
        shares.append(use / use.sum() if use.sum() > 0 else use)
    return needs, shares


def _register_max_beds(candidates: pd.DataFrame, settings: BedSettings, scenario: Scenario) -> np.ndarray:
    """Each possible bed site's most beds: the register's ``max_beds``, else ``beds.max_beds_per_site``."""
    register_max = pd.to_numeric(candidates.get("max_beds"), errors="coerce") if "max_beds" in candidates else None
    max_beds = np.full(len(candidates), np.nan)
    if register_max is not None:
        max_beds = register_max.to_numpy(dtype=float)
    missing = np.isnan(max_beds)
    if missing.any():
        if settings.max_beds_per_site is None:
            names = ", ".join(candidates["name"].iloc[np.flatnonzero(missing)[:5]])
            raise InputError(
                f"{int(missing.sum())} possible bed sites have no max_beds in the register (e.g. {names})",
                path=scenario.path,
                setting="beds.max_beds_per_site",
                hint="set beds.max_beds_per_site, or give max_beds for each site in the site register",
            )
        max_beds[missing] = settings.max_beds_per_site
    return max_beds


def plan_beds(
    study: Study,
    scenario: Scenario,
    sites: gpd.GeoDataFrame,
    chosen: np.ndarray,
    minutes: np.ndarray,
    demand_for_year: Callable[[int], ZoneDemand],
    today: BedsToday | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> BedResult:
    """Bed need for each of ``beds.years`` and the bed plan over the allowed sites.

    ``today`` is today's beds (default: :func:`bed_baseline` of the study and ``sites``). The plan meets each
    year's whole beds needed (:attr:`hubopt.demand.bed_need.BedNeed.beds_rounded_up`). ``progress`` is told of
    each stage (one line each).
    """
    settings = scenario.beds
    assert settings is not None
    if today is None:
        today = bed_baseline(study, scenario, sites)
    needs, shares = _needs_and_shares(settings, demand_for_year, study.base_year, today)

    idx = bed_sites(sites, chosen, settings)
    idx, available, year_notes = _available_bed_sites(sites, idx, scenario)
    if idx.size == 0:
        raise InputError(
            "no site may host beds under beds.sites",
            path=scenario.path,
            setting="beds.sites",
            hint="allow more sites (hubs_and_hospitals, hospitals, hubs or any)",
        )
    candidates = sites.iloc[idx].copy()
    ids = candidates["site_id"].astype(str).tolist()
    unknown = [s for s in settings.must_keep if s not in ids]
    if unknown:
        raise InputError(
            f"site ID(s) {', '.join(unknown)} cannot host beds under beds.sites={settings.sites!r} "
            "or are not in the register",
            path=scenario.path,
            setting="beds.must_keep",
        )
    must_keep = [ids.index(s) for s in settings.must_keep]
    for j in must_keep:
        if not available[:, j].all():
            raise InputError(
                f"site {ids[j]} must keep its beds (beds.must_keep) but is not available in every year of the bed "
                f"plan ({', '.join(str(y) for y, a in zip(settings.years, available[:, j], strict=True) if not a)})",
                path=scenario.path,
                setting="beds.must_keep",
                hint="take it out of beds.must_keep, or say the site is renewed: sites.renewed: {SITE_ID: reason}",
            )
    existing_now = pd.to_numeric(candidates["beds"], errors="coerce").fillna(0).to_numpy(dtype=int)
    if not settings.allow_moves:
        # Beds only grow where they already are: every site with beds today keeps at least those beds.
        must_keep = sorted(set(must_keep) | set(np.flatnonzero(existing_now > 0).tolist()))
    max_beds = _register_max_beds(candidates, settings, scenario)
    existing = pd.to_numeric(candidates["beds"], errors="coerce").fillna(0).to_numpy(dtype=int)
    max_beds = np.maximum(max_beds, existing)
    candidates["max_beds_used"] = max_beds
    cost = minutes[:, idx]
    common = {
        "min_unit": settings.min_unit,
        "max_beds": max_beds,
        "existing_beds": existing,
        "must_keep": must_keep,
        "allow_new_sites": settings.allow_new_sites,
        "cost_per_bed": settings.cost_per_bed,
        "cost_per_unit": settings.cost_per_unit,
        "priority": settings.priority,
        "options": SolverOptions(scenario.solver, scenario.time_limit, scenario.mip_gap),
        "site_ids": ids,
        "zone_ids": study.zones["zone_id"].tolist(),
    }
    # The plan meets the whole beds needed, the one figure every output shows.
    progress(f"Community beds: one plan for {len(needs)} year(s) over {len(ids)} sites")
    if len(settings.years) == 1:
        need = needs[0]
        plan = place_beds(cost, shares[0] * need.beds, need.beds_rounded_up, **common)
    else:
        demand_by_year = np.vstack([s * n.beds for s, n in zip(shares, needs, strict=True)])
        plan = place_beds_phased(
            cost,
            demand_by_year,
            [n.beds_rounded_up for n in needs],
            years=settings.years,
            allow_moves=settings.allow_moves,
            available=available,
            **common,
        )
    notes = list(plan.notes) + year_notes
    in_plan = int(existing.sum())
    if today.beds is not None and settings.baseline_beds is None and in_plan < today.beds:
        notes.append(
            f"{today.beds - in_plan} of today's {today.beds} beds are at sites that may not host beds in this run "
            f"(beds.sites: {settings.sites}, sites.types or status unavailable), so the plan does not keep them"
        )
    return BedResult(needs=needs, plan=plan, sites=candidates, years=list(settings.years), notes=notes)
