"""Demand: small-area population by age band, projected to a year, weighted by how much each age uses a service.

Projection: each zone's population in an age band is scaled by its district's projected change in that band, so
that the zones of a district add up to the district projection for every band and year. Years between the study's
base year and the projection's first year are interpolated linearly between the base-year district totals and the
first projected year. Years after the last projected year are refused unless ``beyond="hold"`` is chosen, which holds
the population at the last projected year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.housing import (
    DEFAULT_PERSONS_PER_DWELLING,
    HousingAllocation,
    HousingTrajectory,
    allocate_housing,
    housing_people,
)
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.registration import apply_registration_share
from hubopt.study import Study

#: Relative use of a local care hub per person, by age band. ILLUSTRATIVE defaults, not measured rates: older people
#: use frailty, long-term-condition and dementia services more (WK plan, "Local care hubs"); replace them in the
#: scenario file with local activity rates per head (e.g. appointments per person per year by age).
DEFAULT_BAND_WEIGHTS: dict[str, float] = {"0-64": 1.0, "65-74": 2.0, "75-84": 3.0, "85+": 4.0}

BEYOND_CHOICES = ("refuse", "hold")


@dataclass(frozen=True)
class HousingOptions:
    """New housing to add to the projection (see :mod:`hubopt.housing`).

    Attributes
    ----------
    trajectory : HousingTrajectory
        Dwellings completed per site and year.
    mode : {"within", "additional"}
        ``within``: the projection already includes planned housing and the file places it (district totals are
        preserved); ``additional``: growth above the projection.
    persons_per_dwelling : float
        People per new dwelling.
    age_profile : dict or None
        Shares of new residents by age band (None: the district's own profile).
    max_distance_m : float or None
        How far outside every zone a site may lie and still be placed in the nearest zone.
    """

    trajectory: HousingTrajectory
    mode: str = "within"
    persons_per_dwelling: float = DEFAULT_PERSONS_PER_DWELLING
    age_profile: Mapping[str, float] | None = None
    max_distance_m: float | None = None


@dataclass(frozen=True)
class ZoneDemand:
    """Population and demand of every zone for one year.

    Attributes
    ----------
    year : int
        The year.
    population : pandas.DataFrame
        ``zone_id, district_code`` and one column per age band, plus ``population`` (people).
    demand : numpy.ndarray
        Weighted demand per zone (``sum_b population_b * weight_b``).
    weights : dict
        The age-band weights used.
    method : str
        Plain-English statement of how the year's population was obtained.
    """

    year: int
    population: pd.DataFrame
    demand: np.ndarray
    weights: dict[str, float]
    method: str
    housing: HousingAllocation | None = None
    notes: list[str] = field(default_factory=list)
    summary: str = ""
    housing_trajectory: HousingTrajectory | None = None


#: The largest age-band weight accepted: a weight is a relative use per person (1 to a few dozen in practice); a
#: much larger one is a mistake, and multiplied by populations and travel times it overflows.
MAX_BAND_WEIGHT = 1e6


def check_band_weights(weights: Mapping[str, float] | None, *, where: str = "demand.weights") -> dict[str, float]:
    """Validate age-band weights: every band present, each a finite number from 0 to MAX_BAND_WEIGHT, not all zero."""
    if weights is None:
        return dict(DEFAULT_BAND_WEIGHTS)
    if not isinstance(weights, Mapping):
        raise InputError("age-band weights must be a mapping of band to number", setting=where)
    keys = {str(k).strip() for k in weights}
    missing = [b for b in AGE_BANDS if b not in keys]
    extra = sorted(keys - set(AGE_BANDS))
    if missing or extra:
        raise InputError(
            "the age-band weights must cover exactly the bands "
            + ", ".join(AGE_BANDS)
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else ""),
            setting=where,
        )
    out: dict[str, float] = {}
    for key, value in weights.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(f"the weight for band {key} is not a number: {value!r}", setting=where) from None
        if not np.isfinite(number) or number < 0:
            raise InputError(f"the weight for band {key} must be zero or positive, not {value!r}", setting=where)
        if number > MAX_BAND_WEIGHT:
            raise InputError(
                f"the weight for band {key} is {value!r}, above the largest accepted ({MAX_BAND_WEIGHT:g}): weights "
                "are relative use per person, and one this large overflows when multiplied by populations and "
                "travel times",
                setting=where,
                hint="give relative weights such as 1, 2, 3, 4",
            )
        out[str(key).strip()] = number
    if sum(out.values()) <= 0:
        raise InputError("at least one age-band weight must be above zero", setting=where)
    return {b: out[b] for b in AGE_BANDS}


def zone_population(study: Study, year: int, *, beyond: str = "refuse") -> tuple[pd.DataFrame, str]:
    """Population of every zone by age band in ``year``.

    Parameters
    ----------
    study : Study
        The study (base-year zone populations and district projections).
    year : int
        The year wanted.
    beyond : {"refuse", "hold"}
        What to do for a year after the last projected year.

    Returns
    -------
    population : pandas.DataFrame
        ``zone_id, district_code``, one column per band, ``population``.
    method : str
        How the figures were obtained.
    """
    if beyond not in BEYOND_CHOICES:
        raise InputError(
            f"unknown choice {beyond!r}",
            setting="demand.beyond_projection",
            hint=f"use one of: {', '.join(BEYOND_CHOICES)}",
        )
    cols = [band_column(b) for b in AGE_BANDS]
    base = study.zones[["zone_id", "district_code", *cols]].copy()
    year = int(year)
    if year == study.base_year:
        base["population"] = base[cols].sum(axis=1)
        return base, f"ONS small-area estimates for {study.base_year} (the study's base year)"
    proj = study.projections
    districts = sorted(base["district_code"].unique())
    missing = sorted(set(districts) - set(proj["district_code"]))
    if missing and beyond != "hold":
        raise InputError(
            f"the study has no population projections for district(s) {', '.join(missing)}, so it cannot give {year}",
            setting="year",
            hint=f"use the base year {study.base_year}, add projections.csv to the study, or set "
            f"'demand.beyond_projection: hold' to hold it at {study.base_year} (stated in every output)",
        )
    if len(missing) == len(districts):
        base["population"] = base[cols].sum(axis=1)
        return base, (
            f"ONS small-area estimates for {study.base_year} held flat to {year}: the study has no population "
            "projections (demand.beyond_projection: hold)"
        )
    first, last = int(proj["year"].min()), int(proj["year"].max())
    if year < study.base_year:
        raise InputError(
            f"year {year} is before the study's base year {study.base_year}",
            setting="year",
            hint=f"choose a year from {study.base_year} to {last}",
        )
    method = f"ONS small-area estimates for {study.base_year} scaled to district projections for {year}"
    if missing:
        method += (
            f"; districts without projections ({', '.join(missing)}) held at {study.base_year} "
            "(demand.beyond_projection: hold)"
        )
    target_year = year
    if year > last:
        if beyond == "refuse":
            raise InputError(
                f"year {year} is beyond the projections, which end in {last}",
                setting="year",
                hint=f"choose a year up to {last}, or set 'demand.beyond_projection: hold' to hold it at {last}",
            )
        target_year = last
        method = (
            f"ONS small-area estimates for {study.base_year} scaled to district projections for {last}, "
            f"held flat to {year} (beyond the projection)"
        )
    base_totals = base.groupby("district_code")[cols].sum()
    districts = [d for d in districts if d not in missing]
    table = proj.pivot_table(index=["district_code", "year"], columns="band", values="population", aggfunc="sum")
    if target_year < first:
        t = (target_year - study.base_year) / (first - study.base_year)
        first_tab = table.xs(first, level="year")
        target = base_totals.rename(columns=dict(zip(cols, AGE_BANDS, strict=True))) * (1 - t) + first_tab * t
        method = (
            f"ONS small-area estimates for {study.base_year} scaled to district totals interpolated linearly "
            f"between {study.base_year} and the first projected year {first}"
        )
    else:
        try:
            target = table.xs(target_year, level="year")
        except KeyError:
            raise InputError(f"the projections have no figures for {target_year}", setting="year") from None
    target = target.reindex(index=districts, columns=list(AGE_BANDS))
    if target.isna().any().any():
        bad = target.stack(future_stack=True)
        bad = bad[bad.isna()].index[0]
        raise InputError(f"no projection for district {bad[0]}, band {bad[1]}, year {target_year}")
    out = base.copy()
    for band, col in zip(AGE_BANDS, cols, strict=True):
        denom = out["district_code"].map(base_totals[col])
        numer = out["district_code"].map(target[band])
        numer = numer.where(~out["district_code"].isin(missing), denom)  # held at the base year
        factor = np.where(denom > 0, numer / denom.where(denom > 0, 1.0), 0.0)
        out[col] = out[col].to_numpy(dtype=float) * factor
    out["population"] = out[cols].sum(axis=1)
    return out, method


def zone_demand(
    study: Study,
    year: int,
    weights: Mapping[str, float] | None = None,
    *,
    beyond: str = "refuse",
    housing: HousingOptions | None = None,
    registration_share: Mapping[str, float] | None = None,
) -> ZoneDemand:
    """Weighted demand of every zone in ``year``.

    Steps, each stated in the returned ``method``: the zones' population projected to ``year``
    (:func:`zone_population`); new housing placed in its zones (:func:`hubopt.housing.allocate_housing`); the
    registration share of each district applied (:func:`hubopt.registration.apply_registration_share`); then
    population by band times the band's weight.
    """
    w = check_band_weights(weights)
    population, method = zone_population(study, year, beyond=beyond)
    if "no population projections" in method:
        short = [f"ONS {study.base_year} small-area estimates HELD FLAT to {year} (the study has no projections)"]
    else:
        short = [
            f"ONS {study.base_year} small-area estimates"
            + ("" if int(year) == study.base_year else f" projected to {year}")
            + (" (held flat beyond the projection)" if "held flat" in method else "")
            + ("; some districts held flat (no projections)" if "without projections" in method else "")
        ]
    notes: list[str] = []
    allocation = None
    if housing is not None:
        people = housing_people(
            housing.trajectory,
            int(year),
            base_year=study.base_year,
            persons_per_dwelling=housing.persons_per_dwelling,
            age_profile=housing.age_profile,
            study=study,
            max_distance_m=housing.max_distance_m,
            beyond=beyond,
        )
        population, allocation = allocate_housing(
            study, population, people, mode=housing.mode, max_distance_m=housing.max_distance_m
        )
        method += f"; {allocation.method}"
        notes.extend(allocation.notes)
        added = float(people[[band_column(b) for b in AGE_BANDS]].to_numpy().sum()) if len(people) else 0.0
        short.append(f"{added:,.0f} people in new housing from {housing.trajectory.path.name} ({housing.mode})")
    if registration_share:
        population = apply_registration_share(population, registration_share, setting="demand.registration_share")
        listed = ", ".join(f"{code} {share:.1%}" for code, share in registration_share.items())
        method += f"; registration share applied ({listed})"
        names = study.metadata.get("districts", {})
        short.append(
            "registration share "
            + ", ".join(f"{names.get(code, code)} {share:.1%}" for code, share in registration_share.items())
        )
        note = population.attrs.get("registration_note")
        if note:
            notes.append(str(note))
    demand = np.zeros(len(population))
    for band, weight in w.items():
        demand += population[band_column(band)].to_numpy(dtype=float) * weight
    return ZoneDemand(
        year=int(year),
        population=population,
        demand=demand,
        weights=w,
        method=method,
        housing=allocation,
        notes=notes,
        summary="; ".join(short),
        housing_trajectory=None if housing is None else housing.trajectory,
    )
