"""Small-area population by age band projected to a year.

Projection: each zone's population in an age band is scaled by its district's projected change in that band, so
that the zones of a district add up to the district projection for every band and year. Years between the study's
base year and the projection's first year are interpolated linearly between the base-year district totals and the
first projected year. Years after the last projected year are refused unless ``beyond="hold"`` is chosen, which holds
the population at the last projected year.

Both :mod:`hubopt.demand.zones` (demand) and :mod:`hubopt.demand.housing` (the age profile of new residents) use it,
so it sits below both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.study import Study

__all__ = ["BEYOND_CHOICES", "zone_population"]

#: What to do for a year after the last projected year: refuse it, or hold the population at the last year.
BEYOND_CHOICES = ("refuse", "hold")


def _in_standard_bands(study: Study) -> pd.DataFrame:
    """The study's projections with each age group labelled by the standard band holding it (the groups of one band
    are added up by the pivot below); refused when a group spans two standard bands."""
    proj = study.projections
    if study.projection_bands.is_standard:
        return proj
    standard = {}
    for label, lo, hi in study.projection_bands.intervals:
        holder = next(
            (
                b
                for b, (b_lo, b_hi) in AGE_BANDS.items()
                if b_lo <= lo and (b_hi is None or (hi is not None and hi <= b_hi))
            ),
            None,
        )
        if holder is None:
            raise InputError(
                f"the study's projections have the age group {label}, which spans two of the bands "
                f"{', '.join(AGE_BANDS)}",
                path=study.files.get("projections.csv"),
                column="band",
                hint="rebuild the study (hubopt study build) so that its projections hold groups within these bands",
            )
        standard[label] = holder
    return proj.assign(band=proj["band"].map(standard))


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
    proj = _in_standard_bands(study)
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
