"""Build the built-in West Kent study (``data/west_kent``) from the real published files.

Run as ``hubopt data build-west-kent --source ../shared/data``. It reads the national/ODS/ONS files in their own
formats with hubopt's loaders and writes compact tables in hubopt's study schema (see ``data/README.md``). Nothing is
copied: every output value is computed from the sources named in ``ATTRIBUTION.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml

from hubopt.errors import InputError
from hubopt.io._validate import CRS_BNG, CRS_LONLAT
from hubopt.io.boundaries import read_lad_boundaries, read_lsoa_boundaries
from hubopt.io.deprivation import read_imd2019
from hubopt.io.forecasts import read_snpp, snpp_age_bands
from hubopt.io.hospitals import read_nhs_hospitals
from hubopt.io.population import (
    AGE_BANDS,
    band_column,
    read_population_weighted_centroids,
    read_sape_syoa,
    to_age_bands,
)
from hubopt.io.postcodes import PostcodeLookup
from hubopt.io.practices import read_epraccur, read_list_sizes
from hubopt.io.sites import write_site_register
from hubopt.study import PROJECTION_COLUMNS, ZONE_COLUMNS

#: West Kent's districts (WK plan; ONS LAD codes).
WEST_KENT_DISTRICTS: dict[str, str] = {
    "E07000110": "Maidstone",
    "E07000111": "Sevenoaks",
    "E07000115": "Tonbridge and Malling",
    "E07000116": "Tunbridge Wells",
}

#: Source files, relative to the source folder (the layout of ``../shared/data``).
SOURCE_FILES: dict[str, str] = {
    "imd": "deprivation/IMD2019_File1_westkent_mse.csv",
    "sape": "population/mid-2017-lsoa-pop-estimates_SAPE20DT1_persons_westkent_mse.csv",
    "centroids": "population/Lower_Layer_Super_Output_Areas_December_2011_Population_Weighted_Centroids_westkent_mse.csv",
    "lsoa_boundaries": "boundaries/lsoa2011_bgc_by_lad",
    "lad_boundaries": "boundaries/Local_Authority_Districts_December_2017_SGC_UK_WGS84_westkent_mse_25km.geojson",
    "epraccur": "gp_practices/epraccur_dec2023_westkent_mse.csv",
    "list_sizes": "gp_practices/gp-reg-pat-prac-all_jan2021_westkent_mse.csv",
    "hospitals": "hospitals/NHS_Hospital_list_within25km_westkent_mse.csv",
    "postcodes": "postcodes/nspl_may2025_latlon",
    "snpp": "projections/2022-based_SNPP_migration_category_variant_2023geog_persons_westkent_age65plus_and_allages.csv",
}

_WK_PLAN = "NHS West Kent CCG, Local Care Plan v1.5 (31 July 2017)"

#: Hospital sites of the West Kent estate. Locations come from the NHS hospital list (by ODS code); bed numbers and
#: plan statuses are typed from the WK plan's table of community hospitals and carry that source.
HOSPITAL_SITES: list[dict[str, Any]] = [
    {
        "ods": "RYYD6",
        "name": "Hawkhurst Community Hospital",
        "type": "community_hospital",
        "beds": 22,
        "plan_status": "unlikely to change",
        "source": f"beds and status: {_WK_PLAN}",
    },
    {
        "ods": "RYYDC",
        "name": "Tonbridge Cottage Hospital",
        "type": "community_hospital",
        "beds": 14,
        "plan_status": "lease expiring; consultation on its future; +8 therapy-led beds piloted",
        "source": f"beds and status: {_WK_PLAN}",
    },
    {
        "ods": "RYYD9",
        "name": "Sevenoaks Community Hospital",
        "type": "community_hospital",
        "beds": 18,
        "plan_status": "wider site only 34 % utilised; options for beds to be reviewed",
        "source": f"beds and status: {_WK_PLAN}",
    },
    {
        "ods": "RYYD4",
        "name": "Edenbridge Community Hospital",
        "type": "community_hospital",
        "beds": 14,
        "plan_status": "consultation completed; recommendations pending",
        "source": f"beds and status: {_WK_PLAN}",
    },
    {
        "ods": "RWF03",
        "name": "Maidstone Hospital",
        "type": "acute_hospital",
        "beds": None,
        "plan_status": "acute hospital",
        "source": f"role: {_WK_PLAN}",
    },
    {
        "ods": "RWFTW",
        "name": "Tunbridge Wells Hospital at Pembury",
        "type": "acute_hospital",
        "beds": None,
        "plan_status": "acute hospital",
        "source": f"role: {_WK_PLAN}",
    },
]

ATTRIBUTION = """# Sources and attribution: West Kent study

This folder was written by `hubopt data build-west-kent` from the published files below. The tables are hubopt's
own compact schema (see `data/README.md`), computed from those files; no source file is copied.

| table | built from | publisher | licence |
|---|---|---|---|
| zones.csv (codes, names, districts) | English Indices of Deprivation 2019, File 1 | MHCLG (2019) | OGL v3 |
| zones.csv (population by age band) | Lower layer Super Output Area population estimates, mid-2017 (SAPE20DT1) | ONS | OGL v3 |
| zones.csv (centroids) | LSOA (December 2011) population-weighted centroids | ONS Open Geography Portal | OGL v3 |
| zones.csv (IMD rank, decile) | English Indices of Deprivation 2019, File 1 | MHCLG | OGL v3 |
| zone_boundaries.geojson | LSOA 2011 generalised clipped boundaries | ONS | OGL v3, OS OpenData |
| districts.geojson | Local Authority Districts (December 2017) super-generalised clipped boundaries | ONS | OGL v3 |
| sites.csv (GP practices) | ODS epraccur (December 2023 release) | NHS England Organisation Data Service | OGL v3 |
| sites.csv (list sizes) | Patients Registered at a GP Practice, January 2021 | NHS Digital | OGL v3 |
| sites.csv (practice locations) | National Statistics Postcode Lookup, May 2025 (postcode points) | ONS | OGL v3 |
| sites.csv (hospital locations) | NHS website organisation data, Hospital list (about 2022) | NHS website (NHS.uk) | OGL v3 |
| sites.csv (community hospital beds, plan status) | NHS West Kent CCG, Local Care Plan v1.5 (31 July 2017) | NHS West Kent CCG | figures quoted from the plan |
| projections.csv | 2022-based subnational population projections, migration category variant | ONS (24 June 2025) | OGL v3 |

Attribution statements that must be kept with any use of these tables:

- Contains public sector information licensed under the Open Government Licence v3.0.
- Contains National Statistics data © Crown copyright and database right {year_ons}.
- Contains OS data © Crown copyright and database right {year_os}.
- Contains Royal Mail data © Royal Mail copyright and database right 2025.
- Source: Office for National Statistics licensed under the Open Government Licence v.3.0.
- Contains NHS England (Organisation Data Service) and NHS Digital data, licensed under the Open Government
  Licence v3.0.
- Contains Ordnance Survey and Office for National Statistics data © Crown copyright and database right.

Notes:
- Practices are main practice sites only (ODS has no branch surgeries); the WK plan counts 86 premises.
- Population is mid-2017 (the newest small-area single-year-of-age file available to the build); projections are
  2022-based. hubopt scales zones to the district projections for later years (see `hubopt/demand.py`).
- Two practices opened or re-coded since January 2021 have no list size.
"""


@dataclass
class BuildReport:
    """What the build read, kept and left out."""

    counts: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as text lines for the terminal."""
        out = [f"  {k}: {v:,}" for k, v in self.counts.items()]
        for source, reasons in self.excluded.items():
            for reason, n in reasons.items():
                out.append(f"  left out of {source}: {n:,} ({reason})")
        out.extend(f"  note: {n}" for n in self.notes)
        return out


def _source(source: Path, key: str) -> Path:
    path = source / SOURCE_FILES[key]
    if not path.exists():
        raise InputError(
            f"the source folder has no {SOURCE_FILES[key]}",
            path=source,
            hint="point --source at the folder of real data laid out as ../shared/data (see its SOURCES.md)",
        )
    return path


def build_zones(source: Path, report: BuildReport) -> gpd.GeoDataFrame:
    """Zones of West Kent: LSOA 2011 codes, names, districts, centroids, age bands, IMD and polygons."""
    imd = read_imd2019(_source(source, "imd"))
    wk = imd[imd["lad_code"].isin(list(WEST_KENT_DISTRICTS))].copy()
    report.excluded["IMD file"] = {"LSOAs outside West Kent": len(imd) - len(wk)}
    syoa = read_sape_syoa(_source(source, "sape"))
    bands = to_age_bands(syoa)
    centroids = read_population_weighted_centroids(_source(source, "centroids"))
    boundary_files = [_source(source, "lsoa_boundaries") / f"{code}.json" for code in WEST_KENT_DISTRICTS]
    polys = read_lsoa_boundaries(boundary_files)

    codes = set(wk["lsoa_code"])
    for label, other in (("population estimates", bands), ("centroids", centroids), ("boundaries", polys)):
        missing = sorted(codes - set(other["lsoa_code"]))
        if missing:
            raise InputError(f"{len(missing)} West Kent LSOAs have no {label}: {', '.join(missing[:5])}")
    extra = sorted(set(polys["lsoa_code"]) - codes)
    if extra:
        raise InputError(f"{len(extra)} LSOA polygons in the West Kent files are not West Kent LSOAs in the IMD file")

    zones = wk.rename(columns={"lsoa_code": "zone_id", "lsoa_name": "zone_name", "lad_code": "district_code"})
    zones["district_name"] = zones["district_code"].map(WEST_KENT_DISTRICTS)
    zones = zones.merge(
        bands.drop(columns=["lsoa_name"], errors="ignore"), left_on="zone_id", right_on="lsoa_code", how="left"
    )
    cent = centroids.set_index("lsoa_code").geometry
    zones["centroid_easting"] = zones["zone_id"].map(cent.x).round(1)
    zones["centroid_northing"] = zones["zone_id"].map(cent.y).round(1)
    zones["population"] = zones[[band_column(b) for b in AGE_BANDS]].sum(axis=1)
    zones = zones.sort_values("zone_id").reset_index(drop=True)
    geometry = polys.set_index("lsoa_code").geometry.reindex(zones["zone_id"]).to_numpy()
    out = gpd.GeoDataFrame(zones[ZONE_COLUMNS], geometry=geometry, crs=CRS_BNG)
    report.counts["zones (LSOA 2011)"] = len(out)
    report.counts["population (mid-2017)"] = int(out["population"].sum())
    return out


def build_sites(source: Path, zones: gpd.GeoDataFrame, report: BuildReport) -> gpd.GeoDataFrame:
    """Active GP practices located in West Kent with list sizes, plus the community and acute hospitals."""
    practices = read_epraccur(_source(source, "epraccur"), active_gp_only=True)
    report.excluded["ODS epraccur"] = dict(practices.attrs.get("excluded", {}))
    lookup = PostcodeLookup.from_nspl_latlon(_source(source, "postcodes"))
    xy = lookup.locate(practices["postcode"].tolist(), path=_source(source, "epraccur"), column="postcode")
    points = gpd.GeoDataFrame(practices, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS_BNG)
    joined = gpd.sjoin(
        points, zones[["zone_id", "district_code", "district_name", "geometry"]], how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    inside = joined["zone_id"].notna()
    report.excluded["ODS epraccur"]["active GP practices outside West Kent"] = int((~inside).sum())
    wk = joined[inside].copy()

    sizes = read_list_sizes(_source(source, "list_sizes"))
    size_by_code = sizes.set_index("code")["patients"]
    wk["list_size"] = wk["code"].map(size_by_code)
    no_size = sorted(wk.loc[wk["list_size"].isna(), "code"])
    if no_size:
        report.notes.append(f"{len(no_size)} practice(s) have no January 2021 list size: {', '.join(no_size)}")

    practice_sites = pd.DataFrame(
        {
            "site_id": wk["code"].to_numpy(),
            "name": wk["name"].str.title().to_numpy(),
            "type": "gp_practice",
            "status": "existing",
            "postcode": wk["postcode"].to_numpy(),
            "district": wk["district_name"].to_numpy(),
            "list_size": wk["list_size"].astype("Int64").to_numpy(),
            "beds": pd.array([pd.NA] * len(wk), dtype="Int64"),
            "notes": "",
            "source": "ODS epraccur Dec 2023; list size NHS Digital Jan 2021; location NSPL May 2025 postcode",
        }
    )
    practice_geom = wk.geometry.to_numpy()

    hospitals = read_nhs_hospitals(_source(source, "hospitals")).set_index("code")
    rows, geoms = [], []
    for h in HOSPITAL_SITES:
        if h["ods"] not in hospitals.index:
            raise InputError(
                f"the NHS hospital list has no site with code {h['ods']} ({h['name']})",
                path=_source(source, "hospitals"),
                column="OrganisationCode",
            )
        rec = hospitals.loc[h["ods"]]
        pt = rec.geometry
        zone = zones[zones.contains(pt)]
        district = zone["district_name"].iloc[0] if len(zone) else ""
        rows.append(
            {
                "site_id": h["ods"],
                "name": h["name"],
                "type": h["type"],
                "status": "existing",
                "postcode": rec["postcode"],
                "district": district,
                "list_size": pd.NA,
                "beds": h["beds"] if h["beds"] is not None else pd.NA,
                "notes": h["plan_status"],
                "source": f"location: NHS website hospital list; {h['source']}",
            }
        )
        geoms.append(pt)
    hospital_sites = pd.DataFrame(rows)
    hospital_sites["list_size"] = hospital_sites["list_size"].astype("Int64")
    hospital_sites["beds"] = hospital_sites["beds"].astype("Int64")
    sites = pd.concat([hospital_sites, practice_sites], ignore_index=True)
    geometry = np.concatenate([np.asarray(geoms, dtype=object), practice_geom])
    out = gpd.GeoDataFrame(sites, geometry=geometry, crs=CRS_BNG)
    report.counts["GP practices (active, in West Kent)"] = len(practice_sites)
    report.counts["hospital sites"] = len(hospital_sites)
    return out


def build_projections(source: Path, report: BuildReport) -> pd.DataFrame:
    """District projections by age band and year (long form)."""
    snpp = read_snpp(_source(source, "snpp"))
    bands = snpp_age_bands(snpp)
    bands = bands[bands["area_code"].isin(list(WEST_KENT_DISTRICTS))]
    out = bands.rename(columns={"area_code": "district_code", "area_name": "district_name"})
    out["district_name"] = out["district_code"].map(WEST_KENT_DISTRICTS)
    out["population"] = out["population"].round(3)
    out = out[PROJECTION_COLUMNS].sort_values(["district_code", "band", "year"]).reset_index(drop=True)
    report.counts["projection rows"] = len(out)
    return out


def build_districts(source: Path) -> gpd.GeoDataFrame:
    """District outlines."""
    return read_lad_boundaries(_source(source, "lad_boundaries"), codes=list(WEST_KENT_DISTRICTS))


def _round_geometry(gdf: gpd.GeoDataFrame, simplify_m: float = 5.0, decimals: int = 6) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out["geometry"] = out.geometry.simplify(simplify_m, preserve_topology=True)
    out = out.to_crs(CRS_LONLAT)
    out["geometry"] = shapely.set_precision(out.geometry.to_numpy(), 10.0**-decimals)
    return out


def build_west_kent(source: str | Path, out: str | Path) -> BuildReport:
    """Build the West Kent study folder from the real source files.

    Parameters
    ----------
    source : str or Path
        Folder laid out as ``../shared/data`` (see its SOURCES.md).
    out : str or Path
        Folder to write (created; existing study files are replaced).

    Returns
    -------
    BuildReport
    """
    src = Path(source)
    if not src.is_dir():
        raise InputError(
            "the source folder does not exist",
            path=src,
            hint="give the folder of real data, e.g. --source ../shared/data",
        )
    dest = Path(out)
    report = BuildReport()
    zones = build_zones(src, report)
    sites = build_sites(src, zones, report)
    projections = build_projections(src, report)
    districts = build_districts(src)

    dest.mkdir(parents=True, exist_ok=True)
    zone_table = pd.DataFrame(zones.drop(columns="geometry"))
    zone_table.to_csv(dest / "zones.csv", index=False)
    boundaries = _round_geometry(zones[["zone_id", "geometry"]])
    (dest / "zone_boundaries.geojson").write_text(boundaries.to_json(drop_id=True), encoding="utf-8")
    write_site_register(sites, dest / "sites.csv")
    projections.to_csv(dest / "projections.csv", index=False)
    dist = _round_geometry(districts[["lad_code", "lad_name", "geometry"]], simplify_m=20.0, decimals=5)
    (dest / "districts.geojson").write_text(dist.to_json(drop_id=True), encoding="utf-8")
    metadata = {
        "name": "West Kent",
        "description": "NHS West Kent CCG area: Maidstone, Sevenoaks, Tonbridge and Malling, Tunbridge Wells",
        "base_year": 2017,
        "zone_geography": "LSOA 2011",
        "crs": CRS_BNG,
        "districts": WEST_KENT_DISTRICTS,
        "registration_share": {"E07000111": 0.594},
        "registration_share_source": f"{_WK_PLAN}: 59.4 % of Sevenoaks residents register with West Kent practices",
        "built_by": "hubopt data build-west-kent",
        "counts": report.counts,
    }
    (dest / "study.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (dest / "ATTRIBUTION.md").write_text(ATTRIBUTION.format(year_ons=2019, year_os=2019), encoding="utf-8")
    (dest / "build_report.json").write_text(
        json.dumps({"counts": report.counts, "excluded": report.excluded, "notes": report.notes}, indent=2) + "\n",
        encoding="utf-8",
    )
    return report
