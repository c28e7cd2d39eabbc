"""The demand a scenario asks for: one code path for ``hubopt run`` and ``hubopt demand``.

A scenario's demand is :func:`hubopt.demand.zones.zone_demand` with the scenario's age-band weights, its choice for
years beyond the projection, its housing trajectory and its registration share. Both commands build it here, so the
population and demand a run models for a year are the ones ``hubopt demand`` tabulates for that year.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hubopt.demand.housing import DEFAULT_PERSONS_PER_DWELLING
from hubopt.demand.trajectory import check_housing_years, read_housing_trajectory
from hubopt.demand.zone_shares import read_zone_shares
from hubopt.demand.zones import HousingOptions, ZoneDemand, zone_demand
from hubopt.errors import InputError, quote
from hubopt.io.postcodes import PostcodeLookup
from hubopt.scenario import Scenario
from hubopt.study import Study

__all__ = ["demand_options", "scenario_demand"]


def demand_options(study: Study, scenario: Scenario) -> dict[str, Any]:
    """Keyword arguments for :func:`hubopt.demand.zones.zone_demand` from the scenario.

    Parameters
    ----------
    study : Study
        The scenario's study (it holds the registration shares of ``demand.registration_share: study``).
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    dict
        ``beyond``, ``housing`` (:class:`hubopt.demand.zones.HousingOptions` or None), ``registration_share``
        (district code to share, or None) and ``zone_shares`` (the shares by zone of
        ``demand.registration_share: {file: ...}``, :class:`hubopt.demand.zone_shares.ZoneShares`, or None).
    """
    share = scenario.registration_share
    zone_shares = None
    if scenario.registration_share_file is not None:
        zone_shares = read_zone_shares(scenario.registration_share_file, study.zones)
    if share == "study":
        share = study.metadata.get("registration_share")
        if not share and zone_shares is not None:
            share = None  # shares by zone; the other zones count in full (the study gives no district shares)
        elif not share:
            raise InputError(
                "the study gives no registration shares",
                path=scenario.path,
                setting="demand.registration_share",
                hint="give the shares in the scenario ('district code: share'), or use none",
            )
        else:
            share = _study_shares(share, study)
    housing = None
    if scenario.housing_file is not None:
        lookup = None
        if scenario.housing_postcodes is not None:
            lookup = PostcodeLookup.from_nspl_latlon(scenario.housing_postcodes)
        trajectory = read_housing_trajectory(scenario.housing_file, postcodes=lookup)
        last = None if study.projections.empty else int(study.projections["year"].max())
        check_housing_years(trajectory, base_year=study.base_year, last_year=last)
        housing = HousingOptions(
            trajectory=trajectory,
            mode=scenario.housing_mode,
            persons_per_dwelling=scenario.housing_persons_per_dwelling or DEFAULT_PERSONS_PER_DWELLING,
            age_profile=scenario.housing_age_profile,
            max_distance_m=scenario.housing_max_distance_m,
        )
    return {
        "beyond": scenario.beyond_projection,
        "housing": housing,
        "registration_share": share or None,
        "zone_shares": zone_shares,
        "bands": scenario.age_bands,
    }


def scenario_demand(study: Study, scenario: Scenario) -> Callable[[int], ZoneDemand]:
    """The scenario's demand for any year: a function of the year, each year worked out once.

    The housing trajectory is read and checked once, here, so a bad file stops before any year is worked out.

    Parameters
    ----------
    study : Study
        The scenario's study.
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    callable
        ``demand_for_year(year) -> ZoneDemand``.
    """
    options = demand_options(study, scenario)
    demands: dict[int, ZoneDemand] = {}

    def demand_for_year(year: int) -> ZoneDemand:
        year = int(year)
        if year not in demands:
            demands[year] = zone_demand(study, year, scenario.demand_weights, **options)
        return demands[year]

    return demand_for_year


def _study_shares(shares: object, study: Study) -> dict[str, float]:
    """The registration shares of study.yaml, each a number above 0 and at most 1 for a district of the study."""
    meta = study.files.get("study.yaml")
    if not isinstance(shares, dict):
        raise InputError(
            "registration_share must list 'district code: share' lines",
            path=meta,
            setting="registration_share",
            hint="e.g. registration_share: {E07000111: 0.594}",
        )
    out: dict[str, float] = {}
    districts = set(study.zones["district_code"].astype(str))
    for code, value in shares.items():
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None or not np.isfinite(number) or not 0 < number <= 1:
            raise InputError(
                f"the registration share of {code} must be a number above 0 and at most 1, not {quote(value)}",
                path=meta,
                setting=f"registration_share.{code}",
                hint="give the share of the district's residents registered with the area's practices, e.g. 0.594",
            )
        if str(code) not in districts:
            raise InputError(
                f"the registration share names district {code}, which has no zone in the study",
                path=meta,
                setting=f"registration_share.{code}",
                hint=f"use district codes of the study: {', '.join(sorted(set(study.zones['district_code'])))}",
            )
        out[str(code)] = float(number)
    return out
