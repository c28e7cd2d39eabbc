"""Build a study folder for any set of districts from the real published files.

Run as ``hubopt study build --districts E07000066 ... --source CACHE`` on the download cache of ``hubopt fetch
data`` (the national files as published), or ``--source ../shared/data`` on a folder of filtered extracts (see
:mod:`hubopt.build.sources`). It reads the national/ODS/ONS files in their own formats with hubopt's loaders and
writes compact tables in hubopt's study schema (see ``data/README.md``). Nothing is copied: every output value is
computed from the sources named in ``ATTRIBUTION.md``. The built-in West Kent study (``hubopt/studies/west_kent``,
``builtin:west_kent`` in a scenario) is rebuilt by the same code. The study's base year is the mid-year of its
population estimates.

The tables are assembled in :mod:`hubopt.build.study_tables` and written in :mod:`hubopt.build.study_write`.

The zones are LSOA 2011 (IMD 2019's geography). A population table keyed by LSOA 2021 (ONS estimates from mid-2021
on) is converted to them with an ONS lookup given as ``--lsoa-lookup FILE`` (see :mod:`hubopt.build.vintages`);
without one, mixing the two geographies is refused.

With ``zones="2021"`` (``--zones 2021``) the study's zones are LSOA 2021 instead: the LSOA 2011 zones are built as
above and converted with the ONS lookup (see :mod:`hubopt.build.zones2021`: Census 2021 totals, age profiles and
IMD 2019 carried from the 2011 parents, stated in ``ATTRIBUTION.md`` and ``build_report.json``). The sites, the
district outlines and the land mask are the same as on LSOA 2011.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hubopt.build.areas import AreaSpec
from hubopt.build.estates import add_estate_figures
from hubopt.build.land import build_land_mask
from hubopt.build.sources import SOURCE_FILES, BuildSources
from hubopt.build.study_pcn import attach_pcns
from hubopt.build.study_tables import (
    FOLDER_LABELS,
    BuildReport,
    build_districts,
    build_projections,
    build_sites,
    build_zones,
)
from hubopt.build.study_write import STUDY_FILES, built_study_files, write_study
from hubopt.build.zones2021 import AGE_RULE, IMD_RULE, POLYGON_RULE, read_lsoa2021_centroids, zones_to_lsoa2021
from hubopt.errors import InputError
from hubopt.files.output_folder import prepare
from hubopt.io.lsoa_lookup import read_lsoa_lookup
from hubopt.travel.land_mask import LAND_MASK_FILE

__all__ = [
    "SOURCE_FILES",
    "STUDY_FILES",
    "BuildReport",
    "build_districts",
    "build_projections",
    "build_sites",
    "build_study",
    "build_zones",
]


def build_study(
    source: str | Path,
    out: str | Path,
    area: AreaSpec,
    *,
    lsoa_lookup: str | Path | None = None,
    zones: str = "2011",
    progress: Callable[[str], None] = lambda _m: None,
) -> BuildReport:
    """Build a study folder for ``area`` from the real source files.

    Parameters
    ----------
    source : str or Path
        The download cache of ``hubopt fetch data`` (national files as published, found through its
        ``fetch_manifest.json``), or a folder laid out as ``../shared/data`` (see its SOURCES.md); see
        :mod:`hubopt.build.sources`.
    out : str or Path
        Folder to write. It is built in a staging folder beside it and moved into place only when complete (see
        :mod:`hubopt.files.output_folder`); a study that hubopt built there before is replaced (its files only: other
        files, such as a housing trajectory or a network file, are kept); a folder holding anything else is
        refused.
    area : AreaSpec
        The districts and the typed facts of the area (see :mod:`hubopt.build.areas`).
    lsoa_lookup : str or Path, optional
        The ONS "LSOA (2011) to LSOA (2021)" lookup CSV, to convert a population table keyed by LSOA 2021 to the
        study's LSOA 2011 zones (``--lsoa-lookup``). Not needed when every small-area source is on LSOA 2011.
        With ``zones="2021"``, the lookup that turns the zones into LSOA 2021 (default: the source folder's).
    zones : {"2011", "2021"}
        The zones' LSOA geography (``--zones``): ``"2021"`` also reads the Census 2021 usual residents and the
        LSOA 2021 population-weighted centroids (see :mod:`hubopt.build.zones2021`).
    progress : callable, optional
        Told of each build step with its count ("Building the study: sites (2 of 5)").

    Returns
    -------
    BuildReport
        Its ``lsoa_conversions`` say which file was converted and how many zones were split or merged; they are
        also written to ``study.yaml`` (``lsoa_conversions``) and ``build_report.json``.

    Raises
    ------
    InputError
        On a missing source file (for a download cache: naming the source and the ``hubopt fetch data`` command
        that downloads it) or lookup, a zip file or workbook without the expected table, population estimates
        that do not name their mid-year, sources keyed by different LSOA geographies without a lookup, or any
        problem a loader finds in a file.
    """
    if zones not in ("2011", "2021"):
        raise InputError(f"zones must be 2011 or 2021, not {zones!r}", setting="--zones")
    sources = BuildSources.at(source)
    lookup = None if lsoa_lookup is None else Path(lsoa_lookup)
    if lookup is not None and not lookup.is_file():
        raise InputError(
            "the LSOA lookup file does not exist",
            path=lookup,
            setting="--lsoa-lookup",
            hint="download it with: hubopt fetch data --only lsoa_lookup (it is then in the cache folder)",
        )
    needed = ["imd", "sape", "centroids", "lsoa_boundaries", "epraccur", "list_sizes", "postcodes", "snpp", "pcn"]
    if not sources.cache:
        needed.append("lad_boundaries")
    if any(h.locate_by != "stroke_units" for h in area.hospitals):
        needed.append("hospitals")
    if any(h.locate_by == "stroke_units" for h in area.hospitals):
        needed.append("stroke_units")
    if zones == "2021":
        needed += ["census2021", "lsoa21_centroids"] + ([] if lookup is not None else ["lsoa21_lookup"])
    sources.require(needed)
    with prepare(out, overwrite=True, what="study", owned=built_study_files) as target:
        report = BuildReport(labels={} if sources.cache else dict(FOLDER_LABELS))
        steps = ("zones", "sites", "projections", "district outlines", "land mask", "writing the files")

        def step(number: int) -> None:
            progress(f"Building the study: {steps[number - 1]} ({number} of {len(steps)})")

        step(1)
        zones11, ages11, districts = build_zones(sources, area, report, None if zones == "2021" else lookup)
        step(2)
        sites = attach_pcns(sources, build_sites(sources, area, zones11, report), report)
        sites = add_estate_figures(sites, sources, report)
        step(3)
        projections = build_projections(sources, districts, report)
        step(4)
        district_outlines = build_districts(sources, districts, zones11, report)
        step(5)
        land = build_land_mask(sources, zones11)
        step(6)
        study_zones, study_ages = (
            (zones11, ages11) if zones == "2011" else _to_lsoa2021(sources, zones11, ages11, lookup, report)
        )
        with target.writing() as staging:
            write_study(
                staging,
                area,
                report,
                sources,
                study_zones,
                districts,
                sites,
                projections,
                district_outlines,
                zone_ages=study_ages,
            )
            land.write(staging / LAND_MASK_FILE)
        target.commit()
    return report


def _to_lsoa2021(
    sources: BuildSources, zones11: gpd.GeoDataFrame, ages11: pd.DataFrame, lookup: Path | None, report: BuildReport
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The study's LSOA 2011 zones turned into LSOA 2021 zones, with their single years of age; the rules and
    counts recorded in ``report``."""
    lookup_path = lookup if lookup is not None else sources.path("lsoa21_lookup")
    centroids_path = sources.path("lsoa21_centroids")
    census_path = sources.path("census2021")
    converted = zones_to_lsoa2021(
        zones11,
        read_lsoa_lookup(lookup_path),
        read_lsoa2021_centroids(centroids_path),
        census_path,
        lookup_path=lookup_path,
        centroids_path=centroids_path,
        ages11=ages11,
    )
    year = report.base_year
    rules = [AGE_RULE.format(year=year), IMD_RULE.format(year=year), POLYGON_RULE]
    converted.record["rules"] = rules
    report.zone_geography = "LSOA 2021"
    report.zones2021 = converted.record
    report.notes.extend(rules)
    report.notes.append(
        f"Zones are LSOA 2021 ({len(converted.zones)}: {converted.changes['U']} unchanged, {converted.changes['S']} "
        f"split from a 2011 LSOA, {converted.changes['M']} merged from 2011 LSOAs); the base year is 2021 (Census "
        f"day, 21 March 2021, taken as mid-2021); the mid-{year} estimates give only the age profiles."
    )
    report.labels["population"] = (
        "Census 2021 usual residents per LSOA 2021 (ONS, Nomis; most likely TS001), age bands shared by the "
        f"mid-{year} LSOA 2011 estimates' profiles"
    )
    report.labels["zone_centroids"] = "LSOA (December 2021) population-weighted centroids V3"
    report.labels["zone_polygons"] = (
        "LSOA 2011 generalised clipped boundaries, joined for merged LSOA 2021s and cut by Voronoi cells for "
        "split ones"
    )
    report.labels["population_note"] = (
        f"Population is the Census 2021 count (21 March 2021, taken as mid-2021), by age band in the mid-{year} "
        "profiles of the LSOA 2011 parents (see the notes below)"
    )
    # The LSOA 2011 counts describe the profiles' zones, not the study's: study.yaml's counts are checked against it
    report.counts.pop("zones (LSOA 2011)", None)
    profiles = report.counts.pop(f"population (mid-{year})", None)
    if profiles is not None:
        report.counts[f"LSOA 2011 age profiles' population, mid-{year}"] = profiles
    report.base_year = 2021
    report.counts["zones (LSOA 2021)"] = len(converted.zones)
    report.counts["population (Census 2021)"] = round(float(converted.zones["population"].sum()))
    assert converted.ages is not None  # given ages11
    return converted.zones, converted.ages
