"""The tables of a study built from the published files: zones, sites, projections and district outlines.

Each ``build_*`` function reads its sources with hubopt's loaders and returns one table in hubopt's study schema
(see ``data/README.md``), recording in a :class:`BuildReport` what it read, kept and left out.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.build.areas import AreaSpec, HospitalSite
from hubopt.build.sources import BuildSources
from hubopt.build.study_ages import apportion_ages, syoa_age_columns
from hubopt.build.vintages import SmallAreaSource, check_vintages, population_to_zones, source_vintage
from hubopt.errors import InputError
from hubopt.io._coords import CRS_BNG
from hubopt.io.age_bands import AGE_BANDS, band_column, parse_band, to_age_bands
from hubopt.io.boundaries import read_lad_boundaries
from hubopt.io.deprivation import read_imd2019
from hubopt.io.forecast_groups import finest_age_groups
from hubopt.io.forecasts import read_snpp, read_snpp_files, snpp_age_bands
from hubopt.io.hospitals import read_nhs_hospitals, read_stroke_units
from hubopt.io.lsoa_lookup import lsoa_vintage
from hubopt.io.population import read_population_weighted_centroids, read_sape_syoa, sape_mid_year
from hubopt.io.practices import read_epraccur, read_list_sizes
from hubopt.study import PROJECTION_COLUMNS, ZONE_COLUMNS

#: How ATTRIBUTION.md and sites.csv name the files of the ``../shared/data`` layout that the files themselves do
#: not date (facts from its SOURCES.md). A download cache's files are named from its manifest instead.
FOLDER_LABELS: dict[str, str] = {
    "districts": "Local Authority Districts (December 2017) super-generalised clipped boundaries",
    "districts_licence": "OGL v3",
    "epraccur": "ODS epraccur (December 2023 release)",
    "epraccur_short": "ODS epraccur Dec 2023",
    "pcn": "NHS ODS ePCN, practice-to-PCN relationships (October 2024 release)",
    "hospitals": "NHS website organisation data, Hospital list (about 2022)",
    "projections": "2022-based subnational population projections, migration category variant",
    "projections_publisher": "ONS (24 June 2025)",
}
#: District outlines of a build from a download cache (no district boundary file is downloaded).
DISSOLVED_DISTRICTS = "LSOA 2011 generalised clipped boundaries, dissolved per district"
DISSOLVED_NOTE = (
    "District outlines (districts.geojson) are the study's LSOA 2011 polygons dissolved per district: "
    "hubopt fetch data downloads no district boundary file."
)


@dataclass
class BuildReport:
    """What the build read, kept and left out."""

    counts: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lsoa_conversions: list[dict[str, object]] = field(default_factory=list)
    #: The mid-year of the population estimates: the study's base year.
    base_year: int | None = None
    #: How ATTRIBUTION.md and sites.csv name each source read (keys of :data:`FOLDER_LABELS` and more).
    labels: dict[str, str] = field(default_factory=dict)
    #: The zones' geography, and for LSOA 2021 zones what the conversion did (:mod:`hubopt.build.zones2021`).
    zone_geography: str = "LSOA 2011"
    zones2021: dict[str, object] | None = None

    def lines(self) -> list[str]:
        """The report as text lines for the terminal."""
        out = [f"  {k}: {v:,}" for k, v in self.counts.items()]
        for source, reasons in self.excluded.items():
            for reason, n in reasons.items():
                out.append(f"  left out of {source}: {n:,} ({reason})")
        out.extend(f"  note: {n}" for n in self.notes)
        return out


def build_zones(
    sources: BuildSources, area: AreaSpec, report: BuildReport, lsoa_lookup: Path | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, str]]:
    """Zones of the area: LSOA 2011 codes, names, districts, centroids, age bands, IMD and polygons; and their
    single years of age.

    The LSOA geography of each small-area source is read from its column names first: a population table keyed by
    LSOA 2021 is converted to the zones with ``lsoa_lookup`` (recorded in ``report.lsoa_conversions``), and is
    refused without one, as are LSOA 2021 centroids or boundaries. The mid-year of the population estimates is
    the study's base year (``report.base_year``).

    Returns the zones, their single years of age (``zone_id`` and the population file's age columns, ``age_0``
    ... ``age_90_plus``, rows in the zones' order, adding up to the zones' age bands: see
    :mod:`hubopt.build.study_ages`) and the district names (from the IMD file where the area does not name them).
    """
    imd_path = sources.path("imd")
    imd = read_imd2019(imd_path)
    zones_source = SmallAreaSource("the study's zones, IMD 2019", imd_path, lsoa_vintage(imd.attrs["columns"]))
    with sources.readable("sape") as (sape_file, sape_name):
        population_source = SmallAreaSource(
            "population estimates", Path(sape_name), source_vintage(sape_file), counts=True
        )
        check_vintages(
            zones_source,
            [
                population_source,
                SmallAreaSource.read("population-weighted centroids", sources.path("centroids")),
                SmallAreaSource.read("LSOA boundaries", sources.path("lsoa_boundaries")),
            ],
            lsoa_lookup,
        )
        syoa = read_sape_syoa(sape_file)
    packed_name = sources.path("sape").name
    year = syoa.attrs.get("mid_year") or sape_mid_year([packed_name])
    if year is None:
        raise InputError(
            "the population estimates do not say which mid-year they are for: no 'Mid-YYYY' in a sheet name, in "
            "the titles above the table or in the file name",
            path=sape_name,
            hint="give the file a name with its mid-year, as ONS does (e.g. mid-2020-lsoa-population-estimates.csv)",
        )
    report.base_year = int(year)
    table = syoa.attrs.get("table") or _table_code(packed_name)
    report.labels["population"] = f"Lower layer Super Output Area population estimates, mid-{year}" + (
        f" ({table})" if table else ""
    )
    codes_wanted = list(area.districts)
    unknown = sorted(set(codes_wanted) - set(imd["lad_code"]))
    if unknown:
        raise InputError(
            f"district code(s) {', '.join(unknown)} have no LSOAs in the IMD file",
            path=imd_path,
            column="Local Authority District code (2019)",
            hint="check the codes (ONS LAD codes such as E07000110), or use a source folder that covers them",
        )
    names = {
        code: area.districts[code] or str(imd.loc[imd["lad_code"] == code, "lad_name"].iloc[0])
        for code in codes_wanted
    }
    inside = imd[imd["lad_code"].isin(codes_wanted)].copy()
    report.excluded["IMD file"] = {f"LSOAs outside {area.name}": len(imd) - len(inside)}
    bands = to_age_bands(syoa)
    age_cols = syoa_age_columns(syoa)
    ages = syoa[["lsoa_code", *age_cols]]
    if population_source.vintage == "2021":
        assert lsoa_lookup is not None  # check_vintages refused the table otherwise
        band_cols = [band_column(b) for b in AGE_BANDS]
        converted, conversion = population_to_zones(
            bands.join(syoa[age_cols]),
            [*band_cols, *age_cols],
            list(inside["lsoa_code"]),
            lsoa_lookup,
            path=population_source.path,
        )
        bands = converted[["lsoa_code", *band_cols]].copy()
        bands[band_cols] = bands[band_cols].round(3)
        ages = pd.concat([bands[["lsoa_code"]], apportion_ages(bands[band_cols], converted[age_cols])], axis=1)
        report.lsoa_conversions.append(conversion.record())
        report.notes.append(conversion.note())
    centroids = read_population_weighted_centroids(sources.path("centroids"))
    polys = sources.lsoa_polygons(codes_wanted, inside["lsoa_code"])

    codes = set(inside["lsoa_code"])
    for label, other in (("population estimates", bands), ("centroids", centroids), ("boundaries", polys)):
        missing = sorted(codes - set(other["lsoa_code"]))
        if missing:
            raise InputError(f"{len(missing)} {area.name} LSOAs have no {label}: {', '.join(missing[:5])}")
    extra = sorted(set(polys["lsoa_code"]) - codes)
    if extra:
        raise InputError(
            f"{len(extra)} LSOA polygons in the {area.name} files are not {area.name} LSOAs in the IMD file"
        )

    zones = inside.rename(columns={"lsoa_code": "zone_id", "lsoa_name": "zone_name", "lad_code": "district_code"})
    zones["district_name"] = zones["district_code"].map(names)
    zones = zones.merge(
        bands.drop(columns=["lsoa_name"], errors="ignore"), left_on="zone_id", right_on="lsoa_code", how="left"
    )
    cent = centroids.set_index("lsoa_code").geometry
    zones["centroid_easting"] = zones["zone_id"].map(cent.x).round(1)
    zones["centroid_northing"] = zones["zone_id"].map(cent.y).round(1)
    zones["population"] = zones[[band_column(b) for b in AGE_BANDS]].sum(axis=1).round(3)
    zones = zones.sort_values("zone_id").reset_index(drop=True)
    geometry = polys.set_index("lsoa_code").geometry.reindex(zones["zone_id"]).to_numpy()
    out = gpd.GeoDataFrame(zones[ZONE_COLUMNS], geometry=geometry, crs=CRS_BNG)
    zone_ages = ages.set_index("lsoa_code").loc[out["zone_id"].to_numpy(), age_cols].rename_axis("zone_id")
    report.counts["zones (LSOA 2011)"] = len(out)
    report.counts[f"population (mid-{year})"] = int(out["population"].sum())
    return out, zone_ages.reset_index(), names


def _table_code(name: str) -> str | None:
    """The ONS table code in a file name (``sape23dt2mid2020...`` -> ``SAPE23DT2``), or None."""
    m = re.search(r"sape\d+dt\d+", name, flags=re.IGNORECASE)
    return m.group(0).upper() if m else None


def _locate_hospital(
    h: HospitalSite, hospitals: gpd.GeoDataFrame | None, stroke: gpd.GeoDataFrame | None, sources: BuildSources
) -> tuple[object, str, str]:
    """Point, postcode and location source of a hospital of the estate."""
    if h.locate_by == "stroke_units":
        assert stroke is not None
        match = stroke[stroke["postcode_key"] == h.key]
        if match.empty:
            raise InputError(
                f"the stroke-unit list has no unit at postcode {h.key} ({h.name})",
                path=sources.path("stroke_units"),
                column="hospital",
            )
        key = h.key
        return match.geometry.iloc[0], f"{key[:-3]} {key[-3:]}", "location: stroke-unit list (postcode point)"
    assert hospitals is not None
    code = h.key or h.site_id
    if code not in hospitals.index:
        raise InputError(
            f"the NHS hospital list has no site with code {code} ({h.name})",
            path=sources.path("hospitals"),
            column="OrganisationCode",
        )
    rec = hospitals.loc[code]
    return rec.geometry, rec["postcode"], "location: NHS website hospital list"


_MONTHS_LONG = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTHS_SHORT = [m[:3] for m in _MONTHS_LONG]


def _list_size_labels(sizes: pd.DataFrame, name: str, report: BuildReport) -> str:
    """Name the list sizes by their extract month (``Patients Registered at a GP Practice, January 2021``);
    returns the phrase for practices without one (``January 2021 list size``)."""
    dates = pd.to_datetime(sizes["extract_date"]).dropna()
    if len(dates):
        last = dates.max()
        month = f"{_MONTHS_LONG[last.month - 1]} {last.year}"
        report.labels["list_sizes"] = f"Patients Registered at a GP Practice, {month}"
        report.labels["list_sizes_short"] = f"NHS Digital {_MONTHS_SHORT[last.month - 1]} {last.year}"
        return f"{month} list size"
    report.labels["list_sizes"] = f"Patients Registered at a GP Practice ({name})"
    report.labels["list_sizes_short"] = "NHS Digital"
    return "list size in the file"


def _postcode_labels(files: list[str], sources: BuildSources, report: BuildReport) -> None:
    """Name the postcode lookup by its edition (``NSPL_MAY_2025_UK.csv`` -> May 2025) where the cache's file says;
    the edition's year is that of its Royal Mail statement."""
    if not sources.cache:
        report.labels["postcodes"] = "National Statistics Postcode Lookup, May 2025 (postcode points)"
        report.labels["postcodes_short"] = "NSPL May 2025"
        report.labels["postcodes_year"] = " 2025"
        return
    for f in files:
        m = re.search(r"NSPL\w*?_([A-Z]{3})_(\d{4})", f, flags=re.IGNORECASE)
        if m and m.group(1).title() in _MONTHS_SHORT:
            month = _MONTHS_LONG[_MONTHS_SHORT.index(m.group(1).title())]
            report.labels["postcodes"] = (
                f"National Statistics Postcode Lookup, {month} {m.group(2)} (postcode points)"
            )
            report.labels["postcodes_short"] = f"NSPL {month[:3]} {m.group(2)}"
            report.labels["postcodes_year"] = f" {m.group(2)}"
            return
    report.labels["postcodes"] = f"National Statistics Postcode Lookup ({Path(files[0]).name}) (postcode points)"
    report.labels["postcodes_short"] = "NSPL"
    report.labels["postcodes_year"] = ""  # the edition is not known: the statement is given without a year


def _downloaded_label(title: str, key: str, sources: BuildSources) -> str:
    """``title (downloaded YYYY-MM-DD)`` from the cache's manifest, else ``title (FILE)``."""
    date = sources.downloaded(key)
    return f"{title} (downloaded {date})" if date else f"{title} ({sources.path(key).name})"


def build_sites(
    sources: BuildSources, area: AreaSpec, zones: gpd.GeoDataFrame, report: BuildReport
) -> gpd.GeoDataFrame:
    """Active GP practices located in the area with list sizes, plus the area's hospitals."""
    with sources.readable("epraccur") as (epraccur_file, epraccur_name):
        practices = read_epraccur(epraccur_file, active_gp_only=True)
    report.excluded["ODS epraccur"] = dict(practices.attrs.get("excluded", {}))
    if sources.cache:
        report.labels["epraccur"] = _downloaded_label("ODS epraccur", "epraccur", sources)
        date = sources.downloaded("epraccur")
        report.labels["epraccur_short"] = f"ODS epraccur downloaded {date}" if date else "ODS epraccur"
    lookup, _ = sources.postcode_lookup(practices["postcode"])
    _postcode_labels(lookup.files, sources, report)
    xy = lookup.locate(practices["postcode"].tolist(), path=epraccur_name, column="postcode")
    points = gpd.GeoDataFrame(practices, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS_BNG)
    joined = gpd.sjoin(
        points, zones[["zone_id", "district_code", "district_name", "geometry"]], how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    inside = joined["zone_id"].notna()
    report.excluded["ODS epraccur"][f"active GP practices outside {area.name}"] = int((~inside).sum())
    wk = joined[inside].copy()

    with sources.readable("list_sizes") as (sizes_file, sizes_name):
        sizes = read_list_sizes(sizes_file)
    no_size_phrase = _list_size_labels(sizes, Path(sizes_name).name, report)
    size_by_code = sizes.set_index("code")["patients"]
    wk["list_size"] = wk["code"].map(size_by_code)
    no_size = sorted(wk.loc[wk["list_size"].isna(), "code"])
    if no_size:
        report.notes.append(f"{len(no_size)} practice(s) have no {no_size_phrase}: {', '.join(no_size)}")

    labels = report.labels
    practice_sites = pd.DataFrame(
        {
            "site_id": wk["code"].to_numpy(),
            "name": wk["name"].map(lambda text: string.capwords(str(text).lower())).to_numpy(),
            "type": "gp_practice",
            "status": "existing",
            "postcode": wk["postcode"].to_numpy(),
            "district": wk["district_name"].to_numpy(),
            "list_size": wk["list_size"].astype("Int64").to_numpy(),
            "beds": pd.array([pd.NA] * len(wk), dtype="Int64"),
            "piloted_beds": pd.array([pd.NA] * len(wk), dtype="Int64"),
            "notes": "",
            "source": f"{labels['epraccur_short']}; list size {labels['list_sizes_short']}; location "
            f"{labels['postcodes_short']} postcode",
        }
    )
    practice_geom = wk.geometry.to_numpy()

    hospitals = None
    if any(h.locate_by != "stroke_units" for h in area.hospitals):
        hospitals = read_nhs_hospitals(sources.path("hospitals")).set_index("code")
        if sources.cache:
            report.labels["hospitals"] = _downloaded_label(
                "NHS website organisation data, Hospital list", "hospitals", sources
            )
    stroke = None
    if any(h.locate_by == "stroke_units" for h in area.hospitals):
        stroke = read_stroke_units(sources.path("stroke_units"))
    rows, geoms = [], []
    for h in area.hospitals:
        pt, postcode, located = _locate_hospital(h, hospitals, stroke, sources)
        zone = zones[zones.contains(pt)]
        district = zone["district_name"].iloc[0] if len(zone) else ""
        rows.append(
            {
                "site_id": h.site_id,
                "name": h.name,
                "type": h.type,
                "status": "existing",
                "postcode": postcode,
                "district": district,
                "list_size": pd.NA,
                "beds": h.beds if h.beds is not None else pd.NA,
                "piloted_beds": h.piloted_beds if h.piloted_beds is not None else pd.NA,
                "notes": h.plan_status,
                "source": f"{located}; {h.source}",
                **_plan_facts(h, area.hospital_facts_source),
            }
        )
        geoms.append(pt)
    hospital_sites = pd.DataFrame(
        rows,
        columns=[
            "site_id",
            "name",
            "type",
            "status",
            "postcode",
            "district",
            "list_size",
            "beds",
            "piloted_beds",
            "notes",
            "source",
            *_PLAN_FACT_COLUMNS,
        ],
    )
    for col in ("list_size", "beds", "piloted_beds"):
        hospital_sites[col] = hospital_sites[col].astype("Int64")
    sites = pd.concat([hospital_sites, practice_sites], ignore_index=True)
    geometry = np.concatenate([np.asarray(geoms, dtype=object), practice_geom])
    out = gpd.GeoDataFrame(sites, geometry=geometry, crs=CRS_BNG)
    report.counts[f"GP practices (active, in {area.name})"] = len(practice_sites)
    report.counts["hospital sites"] = len(hospital_sites)
    return out


def _read_projections(sources: BuildSources) -> pd.DataFrame:
    """The projections of every district the sources hold: a source folder's extracts (every CSV file in its
    projections folder, :func:`hubopt.io.forecasts.read_snpp_files`) or a download cache's national file."""
    path = sources.path("snpp")
    if path.is_dir():
        files = sorted(f for f in path.iterdir() if f.is_file() and f.suffix.lower() == ".csv")
        if not files:
            raise InputError(
                "the projections folder holds no CSV file",
                path=path,
                hint="put the ONS subnational population projections CSV (or extracts of it) in this folder",
            )
        return read_snpp_files(files)
    with sources.readable("snpp") as (snpp_file, _):
        return read_snpp(snpp_file)


#: The register columns a plan's typed facts fill (:func:`_plan_facts`).
_PLAN_FACT_COLUMNS = (
    "availability_source",
    "tenure",
    "tenure_source",
    "site_utilisation_pct",
    "utilisation_source",
)


def _plan_facts(h: HospitalSite, plan: str | None) -> dict[str, object]:
    """A hospital's availability, tenure and utilisation as a plan states them, each with the plan as source."""
    cite = plan or h.source
    return {
        "availability_source": f"{h.availability}: {cite}" if h.availability else pd.NA,
        "tenure": h.tenure or pd.NA,
        "tenure_source": cite if h.tenure else pd.NA,
        "site_utilisation_pct": h.site_utilisation_pct if h.site_utilisation_pct is not None else pd.NA,
        "utilisation_source": f"wider site: {cite}" if h.site_utilisation_pct is not None else pd.NA,
    }


def build_projections(sources: BuildSources, districts: dict[str, str], report: BuildReport) -> pd.DataFrame:
    """District projections by age group and year (long form), in the finest age groups the file gives
    (:func:`hubopt.io.forecast_groups.finest_age_groups`, named in the report's notes); districts the file lacks
    are reported."""
    snpp = _read_projections(sources)
    report.labels["projection_base"] = str(int(snpp["year"].min()))
    if sources.cache:
        report.labels["projections"] = (
            f"{report.labels['projection_base']}-based subnational population projections "
            f"({sources.path('snpp').name})"
        )
        report.labels["projections_publisher"] = "ONS"
    wanted = snpp[snpp["area_code"].isin(list(districts))]  # only the study's districts are summed into bands
    if len(wanted):
        groups = finest_age_groups(wanted)
        bands = snpp_age_bands(wanted, groups.bands.ranges)
        report.notes.append(groups.note())
    else:
        bands = pd.DataFrame(columns=["area_code", "area_name", *PROJECTION_COLUMNS[2:]])
    missing = sorted(set(districts) - set(bands["area_code"]))
    if missing:
        report.notes.append(
            f"no population projections for {len(missing)} of {len(districts)} districts "
            f"({', '.join(missing)}): runs for years after the base year need an explicit choice "
            "(demand.beyond_projection: hold keeps the base-year population)"
        )
    out = bands.rename(columns={"area_code": "district_code", "area_name": "district_name"})
    out["district_name"] = out["district_code"].map(districts)
    out["population"] = out["population"].round(3)
    youngest = out["band"].map(lambda label: parse_band(str(label))[0]) if len(out) else out["band"]
    out = (
        out.assign(_youngest=youngest)
        .sort_values(["district_code", "_youngest", "year"])[PROJECTION_COLUMNS]
        .reset_index(drop=True)
    )
    report.counts["projection rows"] = len(out)
    return out


def build_districts(
    sources: BuildSources, districts: dict[str, str], zones: gpd.GeoDataFrame, report: BuildReport
) -> gpd.GeoDataFrame:
    """District outlines: the source folder's district boundary file, or, for a download cache (which holds none),
    the zones' polygons dissolved per district (noted in the report)."""
    if not sources.cache:
        return read_lad_boundaries(sources.path("lad_boundaries"), codes=list(districts))
    parts = zones[["district_code", "geometry"]].dissolve(by="district_code")
    report.labels["districts"] = DISSOLVED_DISTRICTS
    report.labels["districts_licence"] = "OGL v3, OS OpenData"
    report.notes.append(DISSOLVED_NOTE)
    return gpd.GeoDataFrame(
        {"lad_code": list(districts), "lad_name": [districts[c] for c in districts]},
        geometry=[parts.geometry.loc[c] for c in districts],
        crs=CRS_BNG,
    )
