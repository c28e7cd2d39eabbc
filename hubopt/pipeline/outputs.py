"""Writing a run's folder: its tables, maps, report, workbook, summary and (last) its manifest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hubopt.files.cell_text import to_csv
from hubopt.pipeline.clusters import cluster_outlines
from hubopt.pipeline.manifest import build_manifest, write_manifest
from hubopt.pipeline.summary import summary_lines
from hubopt.render.folium_map import write_hub_map
from hubopt.render.geopackage import GEOPACKAGE_NAME, write_geopackage
from hubopt.render.report import write_report
from hubopt.render.static_map import write_static_maps
from hubopt.render.workbook import write_workbook
from hubopt.results import RunResult, hub_count, map_caption

#: Decimals of the zone columns in zones.csv. The run keeps the exact figures: every total, share and mean (the
#: summary, sites.csv, the workbook, the report, the sweep and the appraisal) is worked out from them, and only the
#: written table is rounded.
ZONE_DECIMALS: dict[str, int] = {
    "population": 1,
    "demand": 2,
    "appointments": 1,
    "minutes": 2,
    "growth_pct": 2,
}


def zones_csv(zones: pd.DataFrame) -> pd.DataFrame:
    """The zone table as written to zones.csv: no geometry, figures rounded (:data:`ZONE_DECIMALS`)."""
    out = pd.DataFrame(zones.drop(columns="geometry", errors="ignore"))
    for col in out.columns:
        decimals = ZONE_DECIMALS.get(
            col, 2 if str(col).startswith("minutes_") else 1 if str(col).startswith("pop_") else None
        )
        if decimals is not None:
            out[col] = out[col].astype(float).round(decimals)
    return out


def sites_csv(sites: pd.DataFrame) -> pd.DataFrame:
    """The site table as written to sites.csv: no geometry, its easting and northing (metres, 0.1 m) as columns."""
    site_cols = [c for c in sites.columns if c != "geometry"]
    out = pd.DataFrame(sites[site_cols])
    out.insert(4, "easting", sites.geometry.x.round(1))
    out.insert(5, "northing", sites.geometry.y.round(1))
    return out


def clusters_csv(clusters: pd.DataFrame) -> pd.DataFrame:
    """The cluster table as written to clusters.csv: people to 1 decimal, shares to 4."""
    out = pd.DataFrame(clusters)
    for col in ("people", "hub_people"):
        out[col] = out[col].astype(float).round(1)
    out["hub_share"] = out["hub_share"].astype(float).round(4)
    return out


def write_outputs(run: RunResult, staging: Path, progress: Callable[[str], None] = lambda _m: None) -> None:
    """Write every output of ``run`` into the (staging) folder ``staging``; ``run.outputs`` lists them.

    ``progress`` is told of each slow output (maps, report, workbook) before it is written.
    """
    outputs: list[str] = []
    sc = run.scenario
    if sc.write_tables:
        to_csv(zones_csv(run.zones), staging / "zones.csv")
        to_csv(sites_csv(run.sites), staging / "sites.csv")
        outputs += ["zones.csv", "sites.csv"]
    oc = run.outcome
    if oc is not None:
        for name, table in (("sweep.csv", oc.sweep), ("swaps.csv", oc.swaps), ("next_best.csv", oc.next_best)):
            if table is not None:
                to_csv(table, staging / name)
                outputs.append(name)
        if oc.frontier is not None:
            to_csv(oc.frontier.table, staging / "frontier.csv")
            outputs.append("frontier.csv")
            if oc.frontier.options is not None:
                to_csv(oc.frontier.options, staging / "frontier_options.csv")
                outputs.append("frontier_options.csv")
        if oc.how_many is not None:
            to_csv(oc.how_many, staging / "how_many.csv")
            outputs.append("how_many.csv")
    if run.clusters is not None:
        to_csv(clusters_csv(run.clusters), staging / "clusters.csv")
        outputs.append("clusters.csv")
    if run.beds is not None:
        to_csv(run.beds.table(), staging / "beds.csv")
        to_csv(run.beds.need_table(), staging / "bed_need.csv")
        outputs += ["beds.csv", "bed_need.csv"]
    if run.appraisal is not None:
        to_csv(run.appraisal, staging / "appraisal.csv")
        outputs.append("appraisal.csv")
    outlines = None if run.clusters is None else cluster_outlines(run.zones, run.clusters)
    static: list[Path] = []
    if sc.write_static_maps:
        progress("Writing outputs: static maps")
        static = write_static_maps(
            run,
            staging,
            title=f"{sc.name}: {hub_count(run)} local care hubs",
            caption=map_caption(run),
        )
        outputs += [f.name for f in static]
    sweep = run.outcome.sweep if run.outcome is not None else None
    if sc.write_report:
        progress("Writing outputs: report")
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
        progress("Writing outputs: workbook")
        outputs.append(write_workbook(run, staging / "results.xlsx", sweep=sweep, appraisal=run.appraisal).name)
    if sc.write_map:
        progress("Writing outputs: map")
        write_hub_map(
            run.zones,
            run.sites,
            staging / "map.html",
            title=f"{sc.name}: {hub_count(run)} local care hubs",
            caption=map_caption(run),
            districts=run.study.districts,
            housing=run.housing_sites,
            isochrones=run.isochrones,
            isochrone_label=run.isochrone_label or "Drive-time bands",
            transit_bands=run.transit_bands,
            transit_label=run.transit_label or "Public-transport time bands",
            growth_base_year=run.study.base_year,
            clusters=outlines,
        )
        outputs.append("map.html")
    if run.isochrones is not None:
        run.isochrones.to_crs("EPSG:4326").to_file(staging / "isochrones.geojson", driver="GeoJSON")
        outputs.append("isochrones.geojson")
    if sc.write_geopackage:
        write_geopackage(
            staging / GEOPACKAGE_NAME,
            zones=run.zones,
            sites=gpd.GeoDataFrame(sites_csv(run.sites), geometry=run.sites.geometry.to_numpy(), crs=run.sites.crs),
            isochrones=run.isochrones,
            districts=run.study.districts,
            clusters=outlines,
            transit_bands=run.transit_bands,
        )
        outputs.append(GEOPACKAGE_NAME)
    (staging / "summary.txt").write_text("\n".join(summary_lines(run)) + "\n", encoding="utf-8")
    outputs += ["manifest.json", "summary.txt"]
    run.outputs = outputs
    write_manifest(_manifest(run), staging / "manifest.json")  # last: the mark of a finished run


def _manifest(run: RunResult) -> dict[str, Any]:
    sc = run.scenario
    inputs = {f"study/{k}": v for k, v in run.study.files.items()}
    if sc.path is not None:  # a scenario made from a dict has no file; its values are in the manifest
        inputs["scenario"] = sc.path
    if sc.extra_register is not None:
        inputs["extra_register"] = sc.extra_register
    if sc.housing_file is not None:
        inputs["housing"] = sc.housing_file
    if sc.travel_combine is not None:
        inputs["no_car_share"] = sc.travel_combine.no_car_share
    if sc.registration_share_file is not None:
        inputs["registration_shares"] = sc.registration_share_file
    hubs = run.sites[run.sites["chosen"]]
    return build_manifest(
        scenario={"path": None if sc.path is None else str(sc.path), "values": sc.raw},
        inputs=inputs,
        parameters={
            "year": sc.year,
            "age_bands": list(sc.age_bands.labels),
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
                "frontier": _frontier(run),
                "how_many": None if run.outcome.how_many is None else _records(run.outcome.how_many),
                "services": _services(run),
            },
            "access_by_mode": run.mode_access,
            "travel_notes": [n for m in run.modes.values() for n in m.notes],
            "clusters": None
            if run.clusters is None
            else {
                "rule": run.clusters.attrs.get("rule"),
                "pcns": int(run.clusters["pcn_code"].nunique()),
                "practices": run.clusters.attrs.get("practices"),
                "practices_without_pcn": run.clusters.attrs.get("practices_without_pcn"),
            },
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


def _frontier(run: RunResult) -> dict[str, Any] | None:
    """The cost-access frontier for the manifest: its answer, cost basis, notes and tables."""
    f = run.outcome.frontier if run.outcome is not None else None
    if f is None:
        return None
    return {
        "answer": f.answer,
        "cost_basis": f.cost_basis,
        "threshold_basis": f.threshold_basis,
        "illustrative": f.illustrative,
        "notes": f.notes,
        "table": _records(f.table),
        "how_many": f.how_many,
        "workforce": None
        if run.outcome is None or run.outcome.workforce is None
        else {"limits": run.outcome.workforce.describe(), "notes": run.outcome.workforce.notes},
        "options_hubs": f.options_n,
        "options": None if f.options is None else _records(f.options),
    }


def _services(run: RunResult) -> dict[str, Any] | None:
    """The appointments against capacity for the manifest: the figures' sources and how capacity was kept."""
    plan = run.outcome.services if run.outcome is not None else None
    if plan is None:
        return None
    return {
        "appointments_a_year": plan.total,
        "appointments_per_head": plan.rates,
        "rate_basis": plan.rate_basis,
        "capacity_basis": plan.capacity_basis,
        "illustrative": plan.illustrative,
        "enforcement": plan.enforcement,
    }
