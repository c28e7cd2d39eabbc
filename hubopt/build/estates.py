"""The community hospitals' running cost, floor area and backlog, from the NHS estates returns (ERIC).

``study build`` fills the site register's :data:`hubopt.io.sites.ESTATE_COLUMNS` for each community hospital that
the ERIC site returns in the source folder (``estates_eric/``, see :mod:`hubopt.io.eric`) hold: each figure from
the latest year that gives it, with a column naming its source and year
(``NHS Digital ERIC 2016-17, site RYYD9, OGL v3``). Acute hospitals are left blank on purpose: their returns cover
the whole hospital, not the part a hub would use. Without ERIC files the columns stay blank and the build report
says so.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from hubopt.build.sources import BuildSources
from hubopt.build.study_tables import BuildReport
from hubopt.io.eric import eric_source_label, latest_figures, read_eric_folder
from hubopt.io.sites import ESTATE_COLUMNS

__all__ = ["ERIC_LABEL", "add_estate_figures"]

#: How ATTRIBUTION.md names the ERIC returns.
ERIC_LABEL = "Hospital Estates and Facilities Statistics (ERIC), Site Data, {years}"
#: Which register column takes each figure group's source.
_SOURCE_COLUMN = {
    "annual_cost": "annual_cost_source",
    "floor_area": "floor_area_source",
    "backlog_cost": "backlog_cost_source",
}
#: Which register columns each figure group fills.
_FILLS = {
    "annual_cost": ("annual_cost",),
    "floor_area": ("floor_area_m2", "occupied_m2"),
    "backlog_cost": ("backlog_cost",),
}


def add_estate_figures(sites: gpd.GeoDataFrame, sources: BuildSources, report: BuildReport) -> gpd.GeoDataFrame:
    """The register with the community hospitals' ERIC figures filled in (a copy; other rows blank).

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        The study's site register (:func:`hubopt.build.study_tables.build_sites`).
    sources : BuildSources
        The build's sources; ERIC is read from ``estates_eric/`` under its root when that folder is there.
    report : BuildReport
        Told how many community hospitals got figures, which did not, the years read and what ``annual_cost`` is
        made of; ``labels["eric"]`` names the returns for ATTRIBUTION.md when a community hospital got figures.

    Raises
    ------
    InputError
        When an ERIC file is bad (see :func:`hubopt.io.eric.read_eric_sites`).
    """
    out = sites.copy()
    for col in ESTATE_COLUMNS:
        out[col] = pd.Series(pd.NA, index=out.index, dtype="object" if col.endswith("_source") else "Float64")
    hospitals = out.index[out["type"] == "community_hospital"]
    if not len(hospitals):
        return out
    folder = sources.optional("eric")
    if folder is None:
        report.notes.append(
            "No NHS estates returns (ERIC) in the source: the community hospitals carry no running cost, floor "
            "area or backlog."
        )
        return out
    eric = read_eric_folder(folder)
    figures = latest_figures(eric)
    years = sorted(eric["year"].unique())
    left_out = ", ".join(f"{n} {reason}" for reason, n in eric.attrs["excluded"].items() if n)
    if left_out:  # totals of a trust, not sites: noted, not listed with the study's own exclusions
        report.notes.append(f"NHS estates returns (ERIC): rows that are not sites were left out: {left_out}")
    found, missing, cost_years = 0, [], set()
    for i in hospitals:
        code = str(out.at[i, "site_id"])
        if code not in figures.index:
            missing.append(f"{code} ({out.at[i, 'name']})")
            continue
        found += 1
        for group, columns in _FILLS.items():
            year = figures.at[code, f"{group}_year"]
            if not isinstance(year, str):
                continue
            for col in columns:
                out.at[i, col] = float(figures.at[code, col])
            out.at[i, _SOURCE_COLUMN[group]] = eric_source_label(year, code)
            if group == "annual_cost":
                cost_years.add(year)
    report.counts["community hospitals with ERIC figures"] = found
    if found:  # ATTRIBUTION.md names the returns only when a figure of the register comes from them
        report.labels["eric"] = ERIC_LABEL.format(years=f"{years[0]} to {years[-1]}" if len(years) > 1 else years[0])
    if missing:
        report.notes.append(f"{len(missing)} community hospital(s) have no ERIC return: {', '.join(missing)}")
    if cost_years:
        report.notes.append(_cost_note({y: eric.attrs["cost_columns"][y] for y in sorted(cost_years)}))
    return out


def _cost_note(cost_columns: dict[str, list[str]]) -> str:
    """What the community hospitals' ``annual_cost`` is made of, for the years it was taken from."""
    years = " | ".join(f"{year}: {'; '.join(cols)}" for year, cols in cost_columns.items())
    return (
        "annual_cost is the site's ERIC estates and facilities running cost, the sum of the return's cost lines "
        f"({years}). Each figure (running cost; floor areas; backlog) is from the latest year that gives it."
    )
