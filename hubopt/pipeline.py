"""The run pipeline: scenario → study → demand → travel times → model → outputs.

Each step is a plain function call on plain objects; nothing reaches back up the chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.bed_plan import BedResult, bed_baseline, plan_beds
from hubopt.cell_text import to_csv
from hubopt.demand import ZoneDemand
from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.io.postcodes import PostcodeLookup
from hubopt.io.sites import read_site_register
from hubopt.locate.measure import result_measure
from hubopt.locate.solution import LocationResult, access_measures
from hubopt.manifest import build_manifest, write_manifest
from hubopt.map_layers import growth_pct, housing_sites, hub_isochrones
from hubopt.model_step import ModelOutcome, solve_scenario_model
from hubopt.output_folder import prepare as prepare_output
from hubopt.render.pdf import pdf_printer_missing
from hubopt.scenario import Scenario
from hubopt.scenario_demand import scenario_demand
from hubopt.study import Study, load_study
from hubopt.travel.modes import ModeTimes, mode_times


@dataclass
class CandidateSites:
    """The sites a model may choose from, with the rules that apply to them."""

    sites: gpd.GeoDataFrame
    must_open: list[int]
    unavailable: list[int]
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything a run produced."""

    scenario: Scenario
    study: Study
    demand: ZoneDemand
    candidates: CandidateSites
    minutes: np.ndarray
    travel_method: str
    result: LocationResult
    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    access: dict[str, float]
    beds: BedResult | None = None
    outcome: ModelOutcome | None = None
    appraisal: pd.DataFrame | None = None
    housing_sites: gpd.GeoDataFrame | None = None
    isochrones: gpd.GeoDataFrame | None = None
    isochrone_label: str | None = None
    modes: dict[str, ModeTimes] = field(default_factory=dict)
    mode_access: dict[str, dict[str, float]] = field(default_factory=dict)
    folder: Path | None = None
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def select_sites(study: Study, scenario: Scenario) -> CandidateSites:
    """The study's sites plus any extra register, filtered by type, with must-open and unavailable rules.

    Sites with status ``must-keep`` must open; ``unavailable`` ones may not. The scenario's ``sites.must_open`` and
    ``sites.unavailable`` add to those; an ID that names no site is an error, not ignored.
    """
    sites = study.sites
    notes = study.check_sites_near(sites, path=study.files.get("sites.csv"))
    if scenario.extra_register is not None:
        lookup = None if scenario.site_postcodes is None else PostcodeLookup.from_nspl_latlon(scenario.site_postcodes)
        extra = read_site_register(scenario.extra_register, postcodes=lookup)
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
    left_out: dict[str, int] = {}
    if scenario.site_types is not None:
        keep = sites["type"].isin(scenario.site_types)
        if (~keep).sum():
            left_out["sites of types not in sites.types"] = int((~keep).sum())
        sites = sites[keep]
    sites = gpd.GeoDataFrame(sites.reset_index(drop=True), crs=study.sites.crs)
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
    unavailable = sorted(
        {index[s] for s in scenario.unavailable} | set(np.flatnonzero(sites["status"] == "unavailable").tolist())
    )
    return CandidateSites(sites=sites, must_open=must, unavailable=unavailable, left_out=left_out, notes=notes)


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
            progress=progress,
        )
        for name in order
    }


#: Decimals of the zone columns in zones.csv. The run keeps the exact figures: every total, share and mean (the
#: summary, sites.csv, the workbook, the report, the sweep and the appraisal) is worked out from them, and only the
#: written table is rounded.
ZONE_DECIMALS: dict[str, int] = {
    "population": 1,
    **{band_column(b): 1 for b in AGE_BANDS},
    "demand": 2,
    "minutes": 2,
    "growth_pct": 2,
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
        **{band_column(b): demand.population[band_column(b)].to_numpy(dtype=float) for b in AGE_BANDS},
        "demand": np.asarray(demand.demand, dtype=float),
        "hub_id": np.where(assigned >= 0, hub_ids[np.maximum(assigned, 0)], ""),
        "hub_name": np.where(assigned >= 0, hub_names[np.maximum(assigned, 0)], ""),
        "minutes": np.asarray(result.assigned_cost, dtype=float),
        "imd_decile": z["imd_decile"].to_numpy(),
    }
    return gpd.GeoDataFrame(data, geometry=z.geometry.to_numpy(), crs=z.crs)


def zones_csv(zones: pd.DataFrame) -> pd.DataFrame:
    """The zone table as written to zones.csv: no geometry, figures rounded (:data:`ZONE_DECIMALS`)."""
    out = pd.DataFrame(zones.drop(columns="geometry", errors="ignore"))
    for col in out.columns:
        decimals = ZONE_DECIMALS.get(col, 2 if str(col).startswith("minutes_") else None)
        if decimals is not None:
            out[col] = out[col].astype(float).round(decimals)
    return out


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
    scenario: Scenario,
    *,
    out: Path | None = None,
    overwrite: bool = False,
    refresh: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
) -> RunResult:
    """Run a scenario end to end and write its outputs.

    The output folder is checked and reserved before anything is computed (see :mod:`hubopt.output_folder`): a
    path that is a file, a folder holding files hubopt did not write, or a folder another run is writing to is
    refused at once. Outputs are written to a staging folder of this run beside the destination and moved into
    place only when complete, so a failed run never leaves half-written files. An earlier run in the folder is
    replaced only with ``overwrite=True``, and only the files its manifest lists: a user's other files are kept.
    A PDF of the report (``outputs.report_pdf``) on a machine that cannot print one is refused at once too.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`hubopt.scenario.load_scenario`).
    out : Path, optional
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
            _write_outputs(run, staging)
        run.folder = target.commit()
        if target.kept:
            progress(f"Kept {len(target.kept)} file(s) of yours from the earlier run: {', '.join(target.kept)}")
    run.seconds = time.perf_counter() - start
    return run


def _compute(scenario: Scenario, *, refresh: bool, progress: Callable[[str], None]) -> RunResult:
    """Every step of a run but writing: study, demand, sites, travel times, model, beds, appraisal, map layers."""
    progress(f"Reading the study at {scenario.study}")
    study = load_study(scenario.study)
    progress(f"Demand for {scenario.year}")
    demand_for_year = scenario_demand(study, scenario)
    demand = demand_for_year(scenario.year)
    candidates = select_sites(study, scenario)
    # Today's beds are checked before the slow steps: a study with no bed figures stops here, never borrowing.
    beds_today = bed_baseline(study, scenario, candidates.sites) if scenario.beds is not None else None
    progress(f"Travel times: {len(study.zones)} zones x {len(candidates.sites)} sites")
    modes = travel_times(study, candidates.sites, scenario, refresh=refresh, progress=progress)
    minutes, travel_method = modes[scenario.travel_use].minutes, modes[scenario.travel_use].description
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
    )
    result = outcome.result
    zones = zone_table(study, demand, candidates.sites, result)
    mode_access: dict[str, dict[str, float]] = {}
    rows = np.arange(len(zones))
    hub = np.maximum(result.assignment, 0)
    for name, mt in modes.items():
        to_hub = np.where(result.assignment >= 0, mt.minutes[rows, hub], np.inf)
        if name != scenario.travel_use:
            zones[f"minutes_{name}"] = to_hub
        mode_access[name] = access_measures(to_hub, zones["population"].to_numpy(), scenario.thresholds)
    sites = site_table(candidates.sites, zones, result, candidates.must_open)
    beds = None
    if scenario.beds is not None:
        progress(f"Community beds for {', '.join(map(str, scenario.beds.years))}")
        beds = plan_beds(
            study, scenario, candidates.sites, result.open_sites, minutes, demand_for_year, today=beds_today
        )
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
    )
    if scenario.options:
        progress(f"Appraising {len(scenario.options)} site options")
        from hubopt.appraise import appraise_run

        try:
            run.appraisal = appraise_run(
                run,
                scenario.options,
                scenario.criteria,
                min_population=scenario.model.min_population,
                max_population=scenario.model.max_population,
            )
        except InputError as exc:
            raise InputError(exc.problem, path=scenario.path, setting="appraisal", hint=exc.hint) from None
    run.zones["growth_pct"] = growth_pct(demand, demand_for_year(study.base_year))
    run.housing_sites = housing_sites(demand, study)
    if scenario.write_map:
        run.isochrones, run.isochrone_label = hub_isochrones(scenario, candidates.sites, result.open_sites, progress)
    return run


def _write_outputs(run: RunResult, staging: Path) -> None:
    """Write every output of ``run`` into the (staging) folder ``staging``; ``run.outputs`` lists them."""
    from hubopt.render.folium_map import write_hub_map
    from hubopt.render.report import write_report
    from hubopt.render.static_map import write_static_maps
    from hubopt.render.workbook import write_workbook

    outputs: list[str] = []
    sc = run.scenario
    if sc.write_tables:
        to_csv(zones_csv(run.zones), staging / "zones.csv")
        site_cols = [c for c in run.sites.columns if c != "geometry"]
        sites = pd.DataFrame(run.sites[site_cols])
        sites.insert(4, "easting", run.sites.geometry.x.round(1))
        sites.insert(5, "northing", run.sites.geometry.y.round(1))
        to_csv(sites, staging / "sites.csv")
        outputs += ["zones.csv", "sites.csv"]
    oc = run.outcome
    if oc is not None:
        for name, table in (("sweep.csv", oc.sweep), ("swaps.csv", oc.swaps), ("next_best.csv", oc.next_best)):
            if table is not None:
                to_csv(table, staging / name)
                outputs.append(name)
    if run.beds is not None:
        to_csv(run.beds.table(), staging / "beds.csv")
        to_csv(run.beds.need_table(), staging / "bed_need.csv")
        outputs += ["beds.csv", "bed_need.csv"]
    if run.appraisal is not None:
        to_csv(run.appraisal, staging / "appraisal.csv")
        outputs.append("appraisal.csv")
    static: list[Path] = []
    if sc.write_static_maps:
        static = write_static_maps(
            run,
            staging,
            title=f"{sc.name}: {len(run.result.open_sites)} local care hubs",
            caption=map_caption(run),
        )
        outputs += [f.name for f in static]
    sweep = run.outcome.sweep if run.outcome is not None else None
    if sc.write_report:
        pngs = [f for f in static if f.suffix == ".png"]
        report = write_report(
            run,
            staging,
            sweep=sweep,
            appraisal=run.appraisal,
            static_maps=pngs if pngs else False,
            pdf=sc.write_report_pdf,
        )
        outputs.append(report.name)
        if sc.write_report_pdf:
            outputs.append(report.with_suffix(".pdf").name)
    if sc.write_workbook:
        outputs.append(write_workbook(run, staging / "results.xlsx", sweep=sweep, appraisal=run.appraisal).name)
    if sc.write_map:
        write_hub_map(
            run.zones,
            run.sites,
            staging / "map.html",
            title=f"{sc.name}: {len(run.result.open_sites)} local care hubs",
            caption=map_caption(run),
            districts=run.study.districts,
            housing=run.housing_sites,
            isochrones=run.isochrones,
            isochrone_label=run.isochrone_label or "Drive-time bands",
            growth_base_year=run.study.base_year,
        )
        outputs.append("map.html")
    if run.isochrones is not None:
        run.isochrones.to_crs("EPSG:4326").to_file(staging / "isochrones.geojson", driver="GeoJSON")
        outputs.append("isochrones.geojson")
    (staging / "summary.txt").write_text("\n".join(summary_lines(run)) + "\n", encoding="utf-8")
    outputs += ["manifest.json", "summary.txt"]
    run.outputs = outputs
    write_manifest(_manifest(run), staging / "manifest.json")  # last: the mark of a finished run


def map_caption(run: RunResult) -> str:
    """Plain-English caption: scenario, year, travel mode and method, optimality."""
    sc = run.scenario
    return (
        f"{len(run.result.open_sites)} hubs chosen from {len(run.candidates.sites)} sites "
        f"({run.outcome.description if run.outcome else run.result.model}) for {run.demand.year} "
        f"({run.demand.summary}). Travel times: "
        f"{run.travel_method}. Solver: {run.result.report.describe()}. Scenario: {sc.path.name}."
    )


def _manifest(run: RunResult) -> dict[str, Any]:
    sc = run.scenario
    inputs = {f"study/{k}": v for k, v in run.study.files.items()}
    inputs["scenario"] = sc.path
    if sc.extra_register is not None:
        inputs["extra_register"] = sc.extra_register
    if sc.housing_file is not None:
        inputs["housing"] = sc.housing_file
    hubs = run.sites[run.sites["chosen"]]
    return build_manifest(
        scenario={"path": str(sc.path), "values": sc.raw},
        inputs=inputs,
        parameters={
            "year": sc.year,
            "demand_weights": sc.demand_weights,
            "model": run.result.model,
            **run.result.parameters,
            "thresholds_minutes": sc.thresholds,
        },
        solve=run.result.report.to_dict(),
        methods={
            "demand": run.demand.method,
            "travel": run.travel_method,
            "travel_modes": {name: m.description for name, m in run.modes.items()},
            **({"beds": run.beds.needs[0].method} if run.beds is not None else {}),
        },
        results={
            "objective_weighted_minutes": run.result.objective,
            "hubs": [
                {
                    "site_id": r.site_id,
                    "name": r.name,
                    "served_population": r.served_population,
                    "mean_minutes": r.mean_minutes,
                }
                for r in hubs.itertuples()
            ],
            "access": run.access,
            "model": None
            if run.outcome is None
            else {
                "description": run.outcome.description,
                "notes": run.outcome.notes,
                "parameters": run.result.parameters,
                "next_best": None
                if run.outcome.next_best is None
                else run.outcome.next_best.to_dict(orient="records"),
                "sweep": None if run.outcome.sweep is None else run.outcome.sweep.to_dict(orient="records"),
            },
            "access_by_mode": run.mode_access,
            "travel_notes": [n for m in run.modes.values() for n in m.notes],
            "sites_left_out": run.candidates.left_out,
            "site_notes": run.candidates.notes,
            "demand_notes": run.demand.notes,
            "housing": run.demand.housing.to_dict() if run.demand.housing is not None else None,
            "beds": None
            if run.beds is None
            else {
                "need": _records(run.beds.need_table()),
                "plan": run.beds.table().to_dict(orient="records"),
                "solve": run.beds.plan.report.to_dict(),
                "notes": run.beds.notes,
            },
            "study_build_exclusions": run.study.metadata.get("build_report", {}),
        },
        outputs=run.outputs,
    )


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a table as plain dictionaries for JSON, missing values (NA) as None."""
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def summary_lines(run: RunResult) -> list[str]:
    """The one-screen summary printed at the end of a run."""
    sc = run.scenario
    a = run.access
    rep = run.result.report
    lines = [
        f"{sc.name} — {run.study.name}, {run.demand.year}",
        f"  Demand: {a['population']:,.0f} people in {len(run.zones)} zones; {run.demand.summary}",
        f"  Travel: {run.travel_method}",
        f"  Model: {run.outcome.description if run.outcome else run.result.model}; {len(run.result.open_sites)} "
        f"hubs from {len(run.candidates.sites)} sites ({len(run.candidates.must_open)} must open, "
        f"{len(run.candidates.unavailable)} unavailable)",
        f"  Solver: {rep.describe()}",
    ]
    if not rep.is_optimal:
        lines.append("  WARNING: this answer is NOT proven optimal; see the gap above.")
    lines.append("")
    lines.append(f"  {'Hub':<46} {'ID':<7} {'People served':>14} {'Mean min':>9}")
    hubs = run.sites[run.sites["chosen"]].sort_values("served_population", ascending=False)
    for r in hubs.itertuples():
        tag = " (must open)" if r.Index in run.candidates.must_open else ""
        lines.append(
            f"  {(str(r.name) + tag)[:46]:<46} {r.site_id:<7} {r.served_population:>14,.0f} {r.mean_minutes:>9.1f}"
        )
    lines.append("")
    shares = "  ".join(f"within {t:g} min: {a[f'within_{t:g}_share']:.1%}" for t in sc.thresholds)
    lines.append(
        f"  Travel time to hub: mean {a['mean_minutes']:.1f} min, 95th percentile {a['p95_minutes']:.1f} min, "
        f"longest {a['max_minutes']:.1f} min"
    )
    lines.append(f"  Share of people {shares}")
    if a["unreachable_population"] > 0:
        lines.append(f"  People with no reachable hub: {a['unreachable_population']:,.0f}")
    for name, other in run.mode_access.items():
        if name == sc.travel_use:
            continue
        within = ", ".join(f"{other[f'within_{t:g}_share']:.1%} within {t:g} min" for t in sc.thresholds)
        lines.append(
            f"  By {name} to the same hubs: mean {other['mean_minutes']:.1f} min, 95th percentile "
            f"{other['p95_minutes']:.1f} min; {within}"
            + (
                f"; {other['unreachable_population']:,.0f} people cannot reach their hub"
                if other["unreachable_population"] > 0
                else ""
            )
        )
    lines.extend(f"  Note: {n}" for n in run.candidates.notes)
    if run.outcome is not None:
        lines.extend(model_extra_lines(run.outcome, sc.thresholds))
    if run.beds is not None:
        lines.extend(bed_summary_lines(run.beds))
    if run.appraisal is not None and len(run.appraisal):
        ranked = "; ".join(
            f"{int(r['rank'])}. {r['option']} (score {r['score']:.2f}, {r['gap_to_optimum_pct']:+.1f}% travel)"
            for _, r in run.appraisal.iterrows()
        )
        lines.append(f"  Options appraisal: {ranked}")
    excluded = run.study.metadata.get("build_report", {}).get("excluded", {})
    left = [
        f"{source}: {n:,} {reason}"
        if len(reasons) == 1
        else f"{source}: {sum(reasons.values()):,} rows, {len(reasons)} reasons"
        for source, reasons in excluded.items()
        if reasons
        for reason, n in list(reasons.items())[:1]
    ]
    left += [f"{n:,} {reason}" for reason, n in run.candidates.left_out.items()]
    if left:
        lines.append("  Left out on purpose (by reason in manifest.json): " + "; ".join(left))
    if run.folder is not None:
        lines.append(f"  Outputs: {run.folder}/ ({', '.join(run.outputs)})")
    return lines


def bed_summary_lines(beds: BedResult) -> list[str]:
    """Summary lines for community beds: need per year against today, and the sites with beds.

    The figures are those of :meth:`BedResult.need_table` and :meth:`BedResult.table` (``bed_need.csv`` and
    ``beds.csv``): whole beds needed, the figure the plan meets.
    """
    need = beds.need_table()
    needs = ", ".join(f"{int(r.year)}: {int(r.beds_needed)}" for r in need.itertuples())
    first = beds.needs[0]
    if first.today_beds is None:
        today = "no community beds recorded today"
    else:
        today = f"{first.today_beds} today" + (f" (+{first.piloted_beds} piloted)" if first.piloted_beds else "")
    lines = [f"  Community beds needed ({needs}) vs {today}; solver: {beds.plan.report.describe().split(';')[0]}"]
    table = beds.table()
    cols = [c for c in table.columns if c.startswith("beds_") and c != "beds_today"]
    with_beds = table[(table[cols] > 0).any(axis=1) | (table["beds_today"] > 0)]
    plan = "; ".join(
        f"{r['name']} {r['beds_today']}→{'→'.join(str(r[c]) for c in cols)}" for _, r in with_beds.iterrows()
    )
    lines.append(f"  Beds by site (today→{'→'.join(c[5:] for c in cols)}): {plan}")
    return lines


def model_extra_lines(outcome: ModelOutcome, thresholds: list[float]) -> list[str]:
    """Summary lines for the how-many-hubs sweep and the explanation of the answer."""
    lines: list[str] = [f"  Note: {n}" for n in outcome.notes]
    sw = outcome.sweep
    if sw is not None and len(sw):
        t = thresholds[0]
        col = f"within_{t:g}_share"
        lines.append(
            f"  How many hubs: {'N':>3} {'mean min':>9} {'95th pct':>9} {'within ' + format(t, 'g'):>10}"
            f" {'status':>10}"
        )
        for r in sw.itertuples():
            row = r._asdict()
            share = row.get(col)
            lines.append(
                f"  {'':14}{row['n_hubs']:>3} {row['mean_minutes']:>9.1f} {row['p95_minutes']:>9.1f} "
                f"{share:>10.1%} {row['status']!s:>10}"
                if share is not None and share == share
                else f"  {'':14}{row['n_hubs']:>3} {row['status']!s:>10}"
            )
    nb = outcome.next_best
    if nb is not None and len(nb) > 1:
        m = nb.attrs.get("measure") or result_measure(outcome.result, hubs=True)
        mean_extra = (nb["mean_minutes"].iloc[1:] - nb["mean_minutes"].iloc[0]).tolist()
        worse = m.compare_line(nb["increase"].iloc[1:].tolist(), nb["increase_pct"].iloc[1:].tolist(), mean_extra)
        lines.append(f"  Next-best distinct answers {worse} (see next_best.csv)")
    sw2 = outcome.swaps
    if sw2 is not None and len(sw2):
        m = sw2.attrs.get("measure") or result_measure(outcome.result)
        cheapest = sw2.iloc[int(np.lexsort((sw2["extra_minutes"].fillna(np.inf), sw2["increase"]))[0])]
        lines.append(
            f"  Cheapest swap: {cheapest['alternative_name']} instead of {cheapest['chosen_name']} "
            f"({m.phrase(cheapest['increase'], cheapest['increase_pct'])}; every hub's alternatives in swaps.csv)"
        )
    return lines
