"""The run pipeline: scenario → study → demand → travel times → model → outputs.

Each step is a plain function call on plain objects; nothing reaches back up the chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.demand.bed_need import BedsToday
from hubopt.demand.zones import ZoneDemand
from hubopt.errors import InputError
from hubopt.files.output_folder import prepare as prepare_output
from hubopt.io.no_car_share import read_no_car_share
from hubopt.io.postcodes import PostcodeLookup
from hubopt.io.site_facts import check_lease_ends
from hubopt.io.sites import read_site_register
from hubopt.locate.solution import LocationResult, access_measures
from hubopt.pipeline.appraisal import appraise_run
from hubopt.pipeline.availability import apply_site_facts, at_risk_columns, model_years, unavailable_in_years
from hubopt.pipeline.beds import bed_baseline, plan_beds
from hubopt.pipeline.clusters import run_clusters, zone_pcn_codes
from hubopt.pipeline.demand import scenario_demand
from hubopt.pipeline.how_many import apply_how_many
from hubopt.pipeline.map_layers import growth_pct, housing_sites, hub_isochrones, transit_bands
from hubopt.pipeline.model_step import external_sites, solve_scenario_model
from hubopt.pipeline.outputs import write_outputs
from hubopt.pipeline.scenario_errors import named_for
from hubopt.pipeline.services import add_appointments
from hubopt.pipeline.workforce import apply_workforce
from hubopt.render.pdf import pdf_printer_missing
from hubopt.results import CandidateSites, RunResult
from hubopt.scenario import Scenario, as_scenario
from hubopt.study import Study, load_study
from hubopt.travel.combine import combined_minutes
from hubopt.travel.modes import ModeTimes, mode_times


def select_sites(study: Study, scenario: Scenario) -> CandidateSites:
    """The study's sites plus any extra register, filtered by type, with must-open and unavailable rules.

    Sites with status ``must-keep`` must open; ``unavailable`` ones may not; ``external`` ones (other areas'
    services) are always open and not counted among the hubs. The scenario's ``sites.must_open`` and
    ``sites.unavailable`` add to those; an ID that names no site is an error, not ignored. The scenario's
    ``sites.availability`` years replace the register's, and a site not available in the model's years (the run's
    year and every one of ``model.years``) may not be a hub unless ``sites.renewed`` names it (noted, counted).
    """
    sites = study.sites
    notes = study.check_sites_near(sites, path=study.files.get("sites.csv"))
    if scenario.extra_register is not None:
        lookup = None if scenario.site_postcodes is None else PostcodeLookup.from_nspl_latlon(scenario.site_postcodes)
        extra = read_site_register(scenario.extra_register, postcodes=lookup)
        check_lease_ends(extra, study.base_year, path=scenario.extra_register)
        clash = sorted(set(extra["site_id"]) & set(sites["site_id"]))
        if clash:
            raise InputError(
                f"site ID(s) {', '.join(clash[:5])} are already in the study's site register",
                path=scenario.extra_register,
                column="site_id",
                hint="give the extra sites their own IDs",
            )
        extra = extra.to_crs(sites.crs)
        notes += study.check_sites_near(extra, path=scenario.extra_register)
        sites = pd.concat([sites, extra], ignore_index=True)
    known = set(sites["site_id"].astype(str))
    left_out: dict[str, int] = {}
    if scenario.site_types is not None:
        keep = sites["type"].isin(scenario.site_types)
        if (~keep).sum():
            left_out["sites of types not in sites.types"] = int((~keep).sum())
        sites = sites[keep]
    sites = gpd.GeoDataFrame(sites.reset_index(drop=True), crs=study.sites.crs)
    sites = apply_site_facts(sites, scenario, study.base_year, known)
    ids = sites["site_id"].astype(str).tolist()
    index = {s: i for i, s in enumerate(ids)}
    all_ids = set(study.sites["site_id"].astype(str))
    for key, listed in (("sites.must_open", scenario.must_open), ("sites.unavailable", scenario.unavailable)):
        unknown = [s for s in listed if s not in index]
        if unknown:
            filtered = [s for s in unknown if s in all_ids]
            hint = (
                "these sites are left out by sites.types; add their type"
                if filtered
                else "use IDs from the site register (the site_id column of sites.csv)"
            )
            raise InputError(f"unknown site ID(s): {', '.join(unknown)}", path=scenario.path, setting=key, hint=hint)
    must = sorted(
        {index[s] for s in scenario.must_open} | set(np.flatnonzero(sites["status"] == "must-keep").tolist())
    )
    external = external_sites(sites)
    out_of_years, year_notes = unavailable_in_years(sites, model_years(scenario), scenario, must)
    notes += year_notes
    unavailable = sorted(
        {index[s] for s in scenario.unavailable}
        | set(np.flatnonzero(sites["status"] == "unavailable").tolist())
        | (set(out_of_years) - set(external))  # another area's service: its years are not the area's to decide
    )
    _check_external_rules(scenario, ids, external)
    return CandidateSites(
        sites=sites, must_open=must, unavailable=unavailable, left_out=left_out, notes=notes, external=external
    )


def _check_external_rules(scenario: Scenario, ids: list[str], external: list[int]) -> None:
    """An external site (another area's service) is always open and not one of the hubs: it cannot be listed in
    ``sites.must_open`` or ``sites.unavailable``."""
    names = {ids[j] for j in external}
    for key, listed in (("sites.must_open", scenario.must_open), ("sites.unavailable", scenario.unavailable)):
        clash = [s for s in listed if s in names]
        if clash:
            raise InputError(
                f"site(s) {', '.join(clash)} have status external (another area's service, always open and not "
                f"one of the area's hubs), so they cannot be listed in {key}",
                path=scenario.path,
                setting=key,
                hint="remove them from the list, or change their status in the site register",
            )


def travel_times(
    study: Study,
    sites: gpd.GeoDataFrame,
    scenario: Scenario,
    *,
    refresh: bool = False,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, ModeTimes]:
    """Zone × site travel times for every mode of the scenario (the model's mode first)."""
    xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    zone_ids = study.zones["zone_id"].astype(str).tolist()
    site_ids = sites["site_id"].astype(str).tolist()
    order = [scenario.travel_use] + [m for m in scenario.travel_modes if m != scenario.travel_use]
    return {
        name: mode_times(
            scenario.travel_modes[name],
            study.zone_points(),
            zone_ids,
            xy,
            site_ids,
            cache_dir=scenario.travel_cache,
            refresh=refresh,
            land_mask=study.files.get("land_mask.bin"),
            progress=progress,
        )
        for name in order
    }


def zone_table(study: Study, demand: ZoneDemand, sites: gpd.GeoDataFrame, result: LocationResult) -> gpd.GeoDataFrame:
    """One row per zone: who lives there, their demand, their hub and travel time (exact; see :func:`zones_csv`)."""
    z = study.zones
    hub_ids = sites["site_id"].astype(str).to_numpy()
    hub_names = sites["name"].astype(str).to_numpy()
    assigned = result.assignment
    data = {
        "zone_id": z["zone_id"].to_numpy(),
        "zone_name": z["zone_name"].to_numpy(),
        "district": z["district_name"].to_numpy(),
        "population": demand.population["population"].to_numpy(dtype=float),
        **{col: demand.population[col].to_numpy(dtype=float) for col in demand.bands.columns},
        "demand": np.asarray(demand.demand, dtype=float),
        "hub_id": np.where(assigned >= 0, hub_ids[np.maximum(assigned, 0)], ""),
        "hub_name": np.where(assigned >= 0, hub_names[np.maximum(assigned, 0)], ""),
        "minutes": np.asarray(result.assigned_cost, dtype=float),
        "imd_decile": z["imd_decile"].to_numpy(),
    }
    if len(result.external):  # zones served by another area's service at the border
        data["served_by_external"] = np.isin(assigned, np.asarray(result.external, dtype=int))
    return gpd.GeoDataFrame(data, geometry=z.geometry.to_numpy(), crs=z.crs)


def site_table(
    sites: gpd.GeoDataFrame, zones: pd.DataFrame, result: LocationResult, must_open: Sequence[int] = ()
) -> gpd.GeoDataFrame:
    """One row per candidate site: chosen or not, required to open or not, and for hubs what they serve.

    ``must_open`` holds the positions of the sites the scenario (or the register's ``must-keep`` status) requires
    to open; the column ``must_open`` marks them, so that maps and reports can tell them from the model's choices.
    """
    out = sites.copy()
    chosen = np.zeros(len(sites), dtype=bool)
    chosen[result.open_sites] = True
    out["chosen"] = chosen
    required = np.zeros(len(sites), dtype=bool)
    required[np.asarray(list(must_open), dtype=int)] = True
    out["must_open"] = required
    if len(result.external):  # other areas' services: open, but not among the area's hubs
        external = np.zeros(len(sites), dtype=bool)
        external[np.asarray(result.external, dtype=int)] = True
        out["external"] = external
        out["chosen"] = chosen & ~external  # open, but not chosen as one of the area's hubs
    by_hub = zones.groupby("hub_id").apply(
        lambda g: pd.Series(
            {
                "served_population": g["population"].sum(),
                "served_demand": g["demand"].sum(),
                "zones_served": len(g),
                "mean_minutes": np.average(g["minutes"], weights=g["population"])
                if g["population"].sum() > 0
                else 0.0,
            }
        ),
        include_groups=False,
    )
    ids = out["site_id"].astype(str)
    for col in ("served_population", "served_demand", "zones_served", "mean_minutes"):
        out[col] = ids.map(by_hub[col]) if len(by_hub) else np.nan
    out["served_population"] = out["served_population"].round(0)
    out["served_demand"] = out["served_demand"].round(1)
    out["mean_minutes"] = out["mean_minutes"].round(2)
    return out


def run_scenario(
    scenario: Scenario | str | Path,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    refresh: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> RunResult:
    """Run a scenario end to end and write its outputs.

    The output folder is checked and reserved before anything is computed (see :mod:`hubopt.files.output_folder`): a
    path that is a file, a folder holding files hubopt did not write, or a folder another run is writing to is
    refused at once. Outputs are written to a staging folder of this run beside the destination and moved into
    place only when complete, so a failed run never leaves half-written files. An earlier run in the folder is
    replaced only with ``overwrite=True``, and only the files its manifest lists: a user's other files are kept.
    A PDF of the report (``outputs.report_pdf``) on a machine that cannot print one is refused at once too.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A validated scenario (see :func:`hubopt.scenario.load_scenario`), or a scenario file's path.
    out : str or Path, optional
        Output folder (default: the scenario's ``outputs.folder``).
    overwrite : bool
        Replace an earlier run in the output folder.
    refresh : bool
        Recompute cached network travel times.
    progress : callable
        Called with a short message at each step.

    Returns
    -------
    RunResult
    """
    start = time.perf_counter()
    scenario = as_scenario(scenario)
    if scenario.write_report_pdf and (missing := pdf_printer_missing()) is not None:
        raise InputError(
            f"a PDF of the report is asked for, but {missing}",
            setting="outputs.report_pdf",
            hint="install what is named, or set outputs.report_pdf: false (report.html prints from any browser too)",
        )
    folder = Path(out) if out is not None else scenario.output_folder
    with prepare_output(folder, overwrite=overwrite, what="run") as target:
        run = _compute(scenario, refresh=refresh, progress=progress)
        progress(f"Writing outputs to {folder}")
        with target.writing() as staging:
            write_outputs(run, staging, progress)
        run.folder = target.commit()
        if target.kept:
            progress(f"Kept {len(target.kept)} file(s) of yours from the earlier run: {', '.join(target.kept)}")
    run.seconds = time.perf_counter() - start
    return run


def run(
    scenario: Scenario | str | Path,
    *,
    write: bool = False,
    out: str | Path | None = None,
    overwrite: bool = False,
    refresh: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> RunResult:
    """Run a scenario and return its result; write the output files only when asked.

    Without ``write`` (and without ``out``) nothing is written: no output folder is made or checked, and the result
    holds everything the files would (``zones`` and ``sites`` are GeoDataFrames in EPSG:27700, British National
    Grid). Travel-time caches of a network run are still read and kept, as in every run.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A validated scenario (see :meth:`~hubopt.scenario.Scenario.from_yaml` and
        :meth:`~hubopt.scenario.Scenario.from_dict`), or a scenario file's path (read with ``from_yaml``).
    write : bool
        Write the outputs (map, tables, report, workbook, manifest) as ``hubopt run`` does; see
        :func:`run_scenario` for how the output folder is protected.
    out : str or Path, optional
        Output folder (default: the scenario's ``outputs.folder``). Giving one implies ``write``.
    overwrite : bool
        Replace an earlier run in the output folder (when writing).
    refresh : bool
        Recompute cached network travel times.
    progress : callable
        Called with a short message at each step.

    Returns
    -------
    RunResult
        The run; ``folder`` and ``outputs`` are set only when it wrote its files.

    Examples
    --------
    >>> import hubopt
    >>> result = hubopt.run(hubopt.Scenario.from_yaml("builtin:west_kent_hubs"))  # doctest: +SKIP
    >>> result.zones.crs.to_epsg()  # doctest: +SKIP
    27700
    """
    scenario = as_scenario(scenario)
    if write or out is not None:
        return run_scenario(
            scenario,
            out=None if out is None else Path(out),
            overwrite=overwrite,
            refresh=refresh,
            progress=progress,
        )
    start = time.perf_counter()
    result = _compute(scenario, refresh=refresh, progress=progress)
    result.seconds = time.perf_counter() - start
    return result


@dataclass
class PreparedRun:
    """What a run computes before its model: the study, its demand by year, the candidate sites and travel times.

    Attributes
    ----------
    study : Study
        The scenario's study.
    demand_for_year : callable
        ``demand_for_year(year) -> ZoneDemand`` (see :func:`hubopt.pipeline.demand.scenario_demand`); the scenario's
        own year is already worked out.
    candidates : CandidateSites
        The candidate sites with the scenario's must-open and unavailable rules (:func:`select_sites`).
    modes : dict of str to ModeTimes
        Zone x site travel times of every travel mode, the model's mode first (:func:`travel_times`).
    beds_today : BedsToday or None
        Today's beds, when the scenario plans beds and ``beds`` was asked for.
    """

    study: Study
    demand_for_year: Callable[[int], ZoneDemand]
    candidates: CandidateSites
    modes: dict[str, ModeTimes]
    beds_today: BedsToday | None = None


def prepare_run(
    scenario: Scenario,
    *,
    refresh: bool = False,
    beds: bool = True,
    progress: Callable[[str], None] = lambda _m: None,
) -> PreparedRun:
    """The steps of a run before its model: study, demand, candidate sites, (today's beds,) travel times.

    A run (:func:`run`, :func:`run_scenario`) and the workbench (:class:`hubopt.workbench.session.Workbench`) both
    start here, so they model the same people, sites and journeys.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    refresh : bool
        Recompute cached network travel times.
    beds : bool
        Read today's beds when the scenario plans beds (checked before the slow travel times: a study with no bed
        figures stops here). False skips them (the workbench plans no beds).
    progress : callable
        Called with a short message at each step.

    Returns
    -------
    PreparedRun
    """
    progress(f"Reading the study at {scenario.study}")
    study = load_study(scenario.study)
    progress(f"Demand for {scenario.year}")
    demand_for_year = scenario_demand(study, scenario)
    demand_for_year(scenario.year)
    candidates = select_sites(study, scenario)
    # Today's beds are checked before the slow steps: a study with no bed figures stops here, never borrowing.
    beds_today = bed_baseline(study, scenario, candidates.sites) if beds and scenario.beds is not None else None
    progress(f"Travel times: {len(study.zones)} zones x {len(candidates.sites)} sites")
    modes = travel_times(study, candidates.sites, scenario, refresh=refresh, progress=progress)
    return PreparedRun(study, demand_for_year, candidates, modes, beds_today)


def model_minutes(scenario: Scenario, study: Study, modes: dict[str, ModeTimes]) -> tuple[np.ndarray, str]:
    """The zone × site minutes the model optimises, and how they were made.

    The model's mode (``travel.use``), or with ``travel.combine`` each zone's car and public-transport times
    weighed by its share of households without a car (:func:`hubopt.travel.combine.combined_minutes`).
    """
    combine = scenario.travel_combine
    if combine is None:
        return modes[scenario.travel_use].minutes, modes[scenario.travel_use].description
    with named_for(scenario, setting="travel.combine.no_car_share"):
        shares = read_no_car_share(combine.no_car_share, study.zones["zone_id"].astype(str).tolist())
    minutes = combined_minutes(modes[combine.drive].minutes, modes[combine.public_transport].minutes, shares.share)
    described = (
        f"combined: (1 - s) x {combine.drive} + s x {combine.public_transport}, where s is each zone's share of "
        f"households without a car (mean {shares.share.mean():.3f}; {combine.no_car_share.name}, source: "
        f"{'; '.join(shares.sources)}). {combine.drive}: {modes[combine.drive].description}. "
        f"{combine.public_transport}: {modes[combine.public_transport].description}"
    )
    return minutes, described


def _compute(scenario: Scenario, *, refresh: bool, progress: Callable[[str], None]) -> RunResult:
    """Every step of a run but writing: study, demand, sites, travel times, model, beds, appraisal, map layers."""
    prepared = prepare_run(scenario, refresh=refresh, progress=progress)
    study, demand_for_year, candidates, modes = (
        prepared.study, prepared.demand_for_year, prepared.candidates, prepared.modes
    )  # fmt: skip
    demand, beds_today = demand_for_year(scenario.year), prepared.beds_today
    minutes, travel_method = model_minutes(scenario, study, modes)
    progress(f"Solving the {scenario.model_type} model ({scenario.solver})")
    outcome = solve_scenario_model(
        scenario,
        minutes,
        demand,
        candidates.sites,
        candidates.must_open,
        candidates.unavailable,
        study.zones["zone_id"].astype(str).tolist(),
        demand_for_year,
        progress,
        zone_clusters=zone_pcn_codes(study),
    )
    apply_workforce(scenario, outcome, float(demand.population["population"].sum()))
    site_ids = candidates.sites["site_id"].astype(str).tolist()
    apply_how_many(outcome, scenario.thresholds, minutes, site_ids, candidates.must_open, candidates.unavailable)
    costs = scenario.costs
    if scenario.model.sweep is None and (costs.annual_cost_per_hub is not None or costs.min_minutes_saved_per_100k):
        outcome.notes.append(
            "the costs settings weigh the hubs of the how-many-hubs sweep: add model.sweep (e.g. [1, 10]) for the "
            "cost-access frontier"
        )
    result = outcome.result
    zones = zone_table(study, demand, candidates.sites, result)
    mode_access: dict[str, dict[str, float]] = {}
    rows = np.arange(len(zones))
    hub = np.maximum(result.assignment, 0)
    for name, mt in modes.items():
        to_hub = np.where(result.assignment >= 0, mt.minutes[rows, hub], np.inf)
        if name != scenario.travel_use or scenario.travel_combine is not None:
            zones[f"minutes_{name}"] = to_hub
        mode_access[name] = access_measures(to_hub, zones["population"].to_numpy(), scenario.thresholds)
    sites = at_risk_columns(site_table(candidates.sites, zones, result, candidates.must_open), scenario)
    if outcome.services is not None:
        add_appointments(zones, sites, outcome.services, result)
    clusters = run_clusters(study, zones)
    beds = None
    if scenario.beds is not None:
        progress(f"Community beds for {', '.join(map(str, scenario.beds.years))}")
        with named_for(scenario):
            beds = plan_beds(
                study, scenario, candidates.sites, result.open_sites, minutes, demand_for_year, today=beds_today,
                progress=progress,
            )  # fmt: skip
        planned = beds.table().set_index("site_id")
        # The map and the site table show the beds of the run's own year when the bed plan has it (a map of 2030
        # shows 2030's beds), else of the plan's last year; the column planned_beds_year says which, always.
        beds_year = scenario.year if scenario.year in beds.years else beds.years[-1]
        sites["planned_beds"] = sites["site_id"].astype(str).map(planned[f"beds_{beds_year}"]).fillna(0).astype(int)
        sites["planned_beds_year"] = int(beds_year)
    access = access_measures(zones["minutes"].to_numpy(), zones["population"].to_numpy(), scenario.thresholds)
    run = RunResult(
        scenario=scenario,
        study=study,
        demand=demand,
        candidates=candidates,
        minutes=minutes,
        travel_method=travel_method,
        result=result,
        zones=zones,
        sites=sites,
        access=access,
        beds=beds,
        modes=modes,
        mode_access=mode_access,
        outcome=outcome,
        clusters=clusters,
    )
    if scenario.options:
        progress(f"Appraising {len(scenario.options)} site options")
        with named_for(scenario, setting="appraisal"):
            run.appraisal = appraise_run(
                run,
                scenario.options,
                scenario.criteria,
                min_population=scenario.model.min_population,
                max_population=scenario.model.max_population,
            )
    run.zones["growth_pct"] = growth_pct(demand, demand_for_year(study.base_year))
    run.housing_sites = housing_sites(demand, study)
    if scenario.write_map:
        run.isochrones, run.isochrone_label = hub_isochrones(scenario, candidates.sites, result.open_sites, progress)
    if scenario.write_map or scenario.write_geopackage:
        run.transit_bands, run.transit_label = transit_bands(
            modes, study.zones, candidates.sites, result.open_sites, use=scenario.travel_use
        )
    return run
