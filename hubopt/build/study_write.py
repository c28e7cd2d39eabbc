"""Write a built study's files: its tables, ``study.yaml``, ``ATTRIBUTION.md`` and ``build_report.json``."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from hubopt.build.areas import AreaSpec
from hubopt.build.sources import BuildSources
from hubopt.build.study_tables import BuildReport
from hubopt.files.cell_text import to_csv
from hubopt.io._coords import CRS_BNG, CRS_LONLAT
from hubopt.io.sites import write_site_register
from hubopt.io.zone_ages import ZONE_AGES_FILE

#: What the land mask is made from (see hubopt.travel.land_source), for ATTRIBUTION.md.
LAND_LABEL = (
    "LSOA 2011 generalised clipped boundaries, and district clipped boundaries for neighbouring districts "
    "(100 m cells; the Dartford Crossing added as land)"
)

#: The files ``study build`` writes: the only files it replaces in a study folder it built before.
STUDY_FILES = (
    "zones.csv",
    "zone_ages.csv",
    "zone_boundaries.geojson",
    "sites.csv",
    "projections.csv",
    "districts.geojson",
    "land_mask.bin",
    "study.yaml",
    "ATTRIBUTION.md",
    "build_report.json",
)


def built_study_files(folder: Path) -> set[str] | None:
    """The files of a study that hubopt built in ``folder`` (its ``study.yaml`` says ``built_by: hubopt ...``).

    Returns None when ``folder`` holds no study built by hubopt: such a folder is never replaced.
    """
    try:
        meta = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(meta, dict) or not str(meta.get("built_by", "")).startswith("hubopt"):
        return None
    return set(STUDY_FILES)


ATTRIBUTION = """# Sources and attribution: {name} study

This folder was written by `hubopt study build` from the published files below. The tables are hubopt's
own compact schema (see `data/README.md`), computed from those files; no source file is copied.

| table | built from | publisher | licence |
|---|---|---|---|
| zones.csv (codes, names, districts) | English Indices of Deprivation 2019, File 1 | MHCLG (2019) | OGL v3 |
| zones.csv (population by age band) | {population} | ONS | OGL v3 |
| zone_ages.csv (population by single year of age) | {population} | ONS | OGL v3 |
| zones.csv (centroids) | {zone_centroids} | ONS Open Geography Portal | OGL v3 |
| zones.csv (IMD rank, decile) | English Indices of Deprivation 2019, File 1 | MHCLG | OGL v3 |
| zone_boundaries.geojson | {zone_polygons} | ONS | OGL v3, OS OpenData |
| districts.geojson | {districts} | ONS | {districts_licence} |
| land_mask.bin (land cells, for travel along land) | {land} | ONS | OGL v3, OS OpenData |
| sites.csv (GP practices) | {epraccur} | NHS England Organisation Data Service | OGL v3 |
| sites.csv (list sizes) | {list_sizes} | NHS Digital | OGL v3 |
| sites.csv (practices' Primary Care Networks: pcn_code, pcn_name) | {pcn} | NHS England Organisation Data Service | OGL v3 |
| sites.csv (practice locations) | {postcodes} | ONS | OGL v3 |
{hospital_row}{hospital_facts_row}{estates_row}{lookup_row}{projections_row}

Attribution statements that must be kept with any use of these tables:

- Contains public sector information licensed under the Open Government Licence v3.0.
- Contains National Statistics data © Crown copyright and database right {year_ons}.
- Contains OS data © Crown copyright and database right {year_os}.
- Contains Royal Mail data © Royal Mail copyright and database right{postcodes_year}.
- Source: Office for National Statistics licensed under the Open Government Licence v.3.0.
- Contains NHS England (Organisation Data Service) and NHS Digital data, licensed under the Open Government
  Licence v3.0.
- Contains NHS England ODS data (ePCN: practices' Primary Care Networks), OGL v3.
- Contains Ordnance Survey and Office for National Statistics data © Crown copyright and database right.

Notes:
- Practices are main practice sites only (ODS has no branch surgeries).
- Each practice's `pcn_code` and `pcn_name` are its current Primary Care Network in the ePCN release (the plan's
  "clusters" of practices today); a practice the release does not list keeps them blank (counted and named in
  `build_report.json`).
- {population_note}; projections are
  {projection_base}-based. {scaling}
{notes}"""


def scaling_note(base_year: int | None, projection_base: str, *, has_projections: bool = True) -> str:
    """How a run projects the base-year zones to a later year, for ATTRIBUTION.md (see
    :func:`hubopt.demand.projection.zone_population`); for a study without projections, that it cannot."""
    if not has_projections:
        return (
            "The projections read hold none of the study's districts: a run for a year after the base year needs "
            "demand.beyond_projection: hold, which keeps the base-year population (see the notes below)."
        )
    text = (
        f"For a later year hubopt scales each zone's mid-{base_year} population in each of the projections' age "
        f"groups (each single year of age where the projections give it) by its district's change in that group, so "
        f"every zone keeps its mid-{base_year} share of its district's group; a scenario's own age bands "
        "(demand.age_bands) are sums of those, and a band inside a wider group grows as the group does"
    )
    if base_year is not None and projection_base.isdigit() and int(projection_base) > base_year:
        text += (
            f"; the district totals are the projections' from {projection_base} on, and are interpolated linearly "
            f"between the mid-{base_year} totals and {projection_base} for the years in between"
        )
    return text + " (see `hubopt/demand/projection.py`)."


def _round_geometry(gdf: gpd.GeoDataFrame, simplify_m: float = 5.0, decimals: int = 6) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out["geometry"] = out.geometry.simplify(simplify_m, preserve_topology=True)
    out = out.to_crs(CRS_LONLAT)
    out["geometry"] = shapely.set_precision(out.geometry.to_numpy(), 10.0**-decimals)
    return out


def write_study(
    dest: Path,
    area: AreaSpec,
    report: BuildReport,
    sources: BuildSources,
    zones: gpd.GeoDataFrame,
    districts: dict[str, str],
    sites: gpd.GeoDataFrame,
    projections: pd.DataFrame,
    district_outlines: gpd.GeoDataFrame,
    zone_ages: pd.DataFrame,
) -> None:
    """Write the study's files (:data:`STUDY_FILES`) into the (staging) folder ``dest``; ``zone_ages`` is
    ``zone_id`` and the single years of age, rows in the order of ``zones``."""
    zone_table = pd.DataFrame(zones.drop(columns="geometry"))
    to_csv(zone_table, dest / "zones.csv")
    assert zone_ages["zone_id"].astype(str).tolist() == zone_table["zone_id"].astype(str).tolist()
    to_csv(zone_ages.round(3), dest / ZONE_AGES_FILE)
    boundaries = _round_geometry(zones[["zone_id", "geometry"]])
    (dest / "zone_boundaries.geojson").write_text(boundaries.to_json(drop_id=True), encoding="utf-8")
    write_site_register(sites, dest / "sites.csv")
    to_csv(projections, dest / "projections.csv")
    dist = _round_geometry(district_outlines[["lad_code", "lad_name", "geometry"]], simplify_m=20.0, decimals=5)
    (dest / "districts.geojson").write_text(dist.to_json(drop_id=True), encoding="utf-8")
    metadata: dict[str, object] = {
        "name": area.name,
        "description": area.description,
        "base_year": report.base_year,
        "zone_geography": report.zone_geography,
        "crs": CRS_BNG,
        "districts": districts,
    }
    if area.registration_share:
        metadata["registration_share"] = dict(area.registration_share)
        metadata["registration_share_source"] = area.registration_share_source
    missing = sorted(set(districts) - set(projections["district_code"]))
    if missing:
        metadata["projections_missing_for"] = missing
    if report.zones2021:
        metadata["zones_lsoa2021"] = report.zones2021
    if report.lsoa_conversions:
        metadata["lsoa_conversions"] = report.lsoa_conversions
    metadata["built_by"] = "hubopt study build"
    metadata["counts"] = report.counts
    (dest / "study.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True), encoding="utf-8")
    facts_row = (
        f"| sites.csv (hospitals' roles, beds and plan status, where the plan gives them) | "
        f"{area.hospital_facts_source} | the plan's authors | figures quoted from the plan |\n"
        if area.hospital_facts_source
        else ""
    )
    lookup_row = (
        "| zones.csv (population converted from LSOA 2021 to LSOA 2011) | LSOA (2011) to LSOA (2021) lookup | ONS "
        "Open Geography Portal | OGL v3 |\n"
        if report.lsoa_conversions
        else ""
    )
    if report.zones2021:
        lookup_row += (
            "| zones.csv (LSOA 2021 zones: age profiles and IMD carried from LSOA 2011, see the notes) | LSOA (2011) "
            "to LSOA (2021) to Local Authority District (2022) lookup | ONS Open Geography Portal | OGL v3 |\n"
        )
    hospital_row = (
        f"| sites.csv (hospital locations) | {report.labels['hospitals']} | NHS website (NHS.uk) | OGL v3 |\n"
        if any(h.locate_by != "stroke_units" for h in area.hospitals)
        else ""
    )
    estates_row = (
        f"| sites.csv (community hospitals' annual_cost, floor areas, backlog_cost) | {report.labels['eric']} | "
        "HSCIC / NHS Digital | OGL v3 |\n"
        if "eric" in report.labels
        else ""
    )
    notes = "".join(f"- {n}\n" for n in [*area.notes, *report.notes])
    labels = {k: v for k, v in report.labels.items() if not k.endswith("_short")}
    labels.setdefault("zone_centroids", "LSOA (December 2011) population-weighted centroids")
    labels.setdefault("zone_polygons", "LSOA 2011 generalised clipped boundaries")
    labels.setdefault(
        "population_note",
        f"Population is mid-{report.base_year} (the newest small-area single-year-of-age file available to the build)",
    )
    projections_row = (
        f"| projections.csv | {labels.pop('projections')} | {labels.pop('projections_publisher')} | OGL v3 |"
        if not projections.empty
        else "| projections.csv (empty) | none: the projections read hold none of the study's districts | | |"
    )
    (dest / "ATTRIBUTION.md").write_text(
        ATTRIBUTION.format(
            name=area.name,
            year_ons=2019,
            year_os=2019,
            base_year=report.base_year,
            hospital_row=hospital_row,
            hospital_facts_row=facts_row,
            estates_row=estates_row,
            lookup_row=lookup_row,
            notes=notes,
            projections_row=projections_row,
            scaling=scaling_note(
                report.base_year, report.labels.get("projection_base", ""), has_projections=not projections.empty
            ),
            land=LAND_LABEL,
            **labels,
        ),
        encoding="utf-8",
    )
    build_record: dict[str, object] = {"counts": report.counts, "excluded": report.excluded, "notes": report.notes}
    if report.zones2021:
        build_record["zones_lsoa2021"] = report.zones2021
    if report.lsoa_conversions:
        build_record["lsoa_conversions"] = report.lsoa_conversions
    if sources.cache:
        build_record["source"] = {"download_cache": str(sources.root), "files": sources.provenance()}
    (dest / "build_report.json").write_text(json.dumps(build_record, indent=2) + "\n", encoding="utf-8")
