"""Sites' availability and risk in a run: the scenario's own years applied to the register, the sites a model may
not use in its years, and the sites the answer leans on that are at risk (see :mod:`hubopt.analysis.site_risk`)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.analysis.site_risk import available_by_year, risk_table
from hubopt.errors import InputError
from hubopt.scenario import Scenario

__all__ = ["apply_site_facts", "at_risk_columns", "model_years", "plan_last_year", "unavailable_in_years"]


def model_years(scenario: Scenario) -> list[int]:
    """The years the location model's hubs must be usable in: the run's year and every one of ``model.years``."""
    return sorted({scenario.year, *(scenario.model.years or [])})


def plan_last_year(scenario: Scenario) -> int:
    """The plan's last year: the latest of the run's year, ``model.years`` and ``beds.years``."""
    years = [scenario.year, *(scenario.model.years or [])]
    if scenario.beds is not None:
        years += list(scenario.beds.years)
    return max(years)


def apply_site_facts(
    sites: gpd.GeoDataFrame, scenario: Scenario, base_year: int, known: set[str]
) -> gpd.GeoDataFrame:
    """The sites with the scenario's ``sites.availability`` years in place of the register's (a copy).

    ``known`` holds every site ID of the study's and the extra register (before ``sites.types``): an ID of
    ``sites.renewed`` or ``sites.availability`` outside it is an error; one left out by ``sites.types`` is ignored.

    Raises
    ------
    InputError
        An unknown site ID, or a scenario ``available_until`` before the study's base year.
    """
    facts = scenario.site_facts
    for key, listed in (("sites.renewed", facts.renewed), ("sites.availability", facts.availability)):
        unknown = [s for s in listed if s not in known]
        if unknown:
            raise InputError(
                f"unknown site ID(s): {', '.join(unknown)}",
                path=scenario.path,
                setting=key,
                hint="use IDs from the site register (the site_id column of sites.csv)",
            )
    out = sites.copy()
    for col, dtype in (("available_from", "Int64"), ("available_until", "Int64"), ("availability_source", "object")):
        if col not in out.columns:
            out[col] = pd.Series(pd.NA, index=out.index, dtype=dtype)
    ids = out["site_id"].astype(str)
    for site, given in facts.availability.items():
        end = given["available_until"]
        if end is not None and end < base_year:
            raise InputError(
                f"site {site} is available only until {end}, before the study's base year {base_year}",
                path=scenario.path,
                setting=f"sites.availability.{site}.available_until",
                hint="give a year from the base year on, or make the site unavailable (sites.unavailable)",
            )
        rows = ids == site
        for col in ("available_from", "available_until"):
            out.loc[rows, col] = pd.NA if given[col] is None else given[col]
        out.loc[rows, "availability_source"] = f"scenario sites.availability: {given['source']}"
    return out


def unavailable_in_years(
    sites: pd.DataFrame, years: Sequence[int], scenario: Scenario, must_open: Sequence[int]
) -> tuple[list[int], list[str]]:
    """Sites that may not be hubs because they are not available in every one of ``years``, and a note on them.

    Raises
    ------
    InputError
        When a site that must open (``sites.must_open`` or status ``must-keep``) is not available in those years.
    """
    renewed = scenario.site_facts.renewed
    available = available_by_year(sites, years, renewed).all(axis=0)
    out = np.flatnonzero(~available).tolist()
    notes = []
    when = f"in {years[0]}" if len(years) == 1 else f"in every year of {', '.join(map(str, years))}"
    forced = sorted(set(out) & set(must_open))
    if forced:
        j = forced[0]
        raise InputError(
            f"site {sites['site_id'].iloc[j]} ({sites['name'].iloc[j]}) must open but is not available {when} "
            f"(available {_span(sites, j)})",
            path=scenario.path,
            setting="sites.must_open",
            hint="take it out of sites.must_open (or its must-keep status), or say it is renewed: "
            "sites.renewed: {SITE_ID: reason}",
        )
    if out:
        names = ", ".join(f"{sites['name'].iloc[j]} ({_span(sites, j)})" for j in out[:5])
        notes.append(
            f"{len(out)} site(s) may not be hubs: not available {when} by their available_from/available_until "
            f"years: {names}{' ...' if len(out) > 5 else ''}"
        )
    if renewed:
        notes.append("renewed (sites.renewed): " + "; ".join(f"{s}: {r}" for s, r in renewed.items()))
    return out, notes


def _span(sites: pd.DataFrame, j: int) -> str:
    start = sites["available_from"].iloc[j] if "available_from" in sites.columns else pd.NA
    end = sites["available_until"].iloc[j] if "available_until" in sites.columns else pd.NA
    text = f"{'' if pd.isna(start) else int(start)}-{'' if pd.isna(end) else int(end)}"
    src = sites["availability_source"].iloc[j] if "availability_source" in sites.columns else None
    return text + (f", {src}" if isinstance(src, str) and src else "")


def at_risk_columns(sites: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """The run's site table with ``at_risk``, ``at_risk_reason`` and ``renewed_because`` (a copy)."""
    table = risk_table(sites, plan_last_year(scenario), scenario.site_facts.renewed, scenario.site_facts.risk)
    out = sites.copy()
    for col in table.columns:
        out[col] = table[col].to_numpy()
    return out
