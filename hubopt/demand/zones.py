"""Demand: each zone's population in a year, plus new housing and registration shares, weighted by age band.

The population projection itself is :func:`hubopt.demand.projection.zone_population`; this module adds new housing
(:mod:`hubopt.demand.housing`) and registration shares (:mod:`hubopt.demand.registration`) and weights the bands by
how much each age uses a service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hubopt.demand.housing import (
    DEFAULT_PERSONS_PER_DWELLING,
    HousingAllocation,
    allocate_housing,
    housing_people,
)
from hubopt.demand.projection import age_pieces, shared_growth, zone_population
from hubopt.demand.registration import apply_registration_share
from hubopt.demand.trajectory import HousingTrajectory
from hubopt.demand.zone_shares import ZoneShares
from hubopt.errors import InputError
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands
from hubopt.study import Study

#: Relative use of a local care hub per person, by age band. ILLUSTRATIVE defaults, not measured rates: older people
#: use frailty, long-term-condition and dementia services more (WK plan, "Local care hubs"); replace them in the
#: scenario file with local activity rates per head (e.g. appointments per person per year by age).
DEFAULT_BAND_WEIGHTS: dict[str, float] = {"0-64": 1.0, "65-74": 2.0, "75-84": 3.0, "85+": 4.0}


@dataclass(frozen=True)
class HousingOptions:
    """New housing to add to the projection (see :mod:`hubopt.demand.housing`).

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
    bands : AgeBands
        The age bands of ``population`` and ``weights`` (the scenario's ``demand.age_bands``).
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
    bands: AgeBands = STANDARD_BANDS


#: The largest age-band weight accepted: a weight is a relative use per person (1 to a few dozen in practice); a
#: much larger one is a mistake, and multiplied by populations and travel times it overflows.
MAX_BAND_WEIGHT = 1e6


def check_band_weights(
    weights: Mapping[str, float] | None, *, where: str = "demand.weights", bands: AgeBands = STANDARD_BANDS
) -> dict[str, float]:
    """Validate age-band weights: every band present, each a finite number from 0 to MAX_BAND_WEIGHT, not all zero.

    Parameters
    ----------
    weights : mapping of str to float, or None
        Band label to weight; None gives :data:`DEFAULT_BAND_WEIGHTS` (only for hubopt's standard bands).
    where : str
        The scenario setting, for messages.
    bands : AgeBands
        The age bands the weights must cover (the scenario's ``demand.age_bands``).

    Returns
    -------
    dict of str to float
        Band label to weight, youngest band first.
    """
    if weights is None:
        if bands.is_standard:
            return dict(DEFAULT_BAND_WEIGHTS)
        raise InputError(
            f"the scenario chooses its own age bands ({bands.describe()}), so it must give a weight for each",
            setting=where,
            hint="give "
            + where
            + " with one number per band, e.g. {"
            + ", ".join(f'"{b}": 1' for b in bands.labels)
            + "}",
        )
    if not isinstance(weights, Mapping):
        raise InputError("age-band weights must be a mapping of band to number", setting=where)
    keys = {str(k).strip() for k in weights}
    missing = [b for b in bands.labels if b not in keys]
    extra = sorted(keys - set(bands.labels))
    if missing or extra:
        raise InputError(
            "the figures by age band must cover exactly the bands "
            + bands.describe()
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else ""),
            setting=where,
            hint="use the bands of demand.age_bands"
            + ("" if bands.is_standard else f" ({bands.describe()})")
            + ", or set demand.age_bands to the bands you want",
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
    return {b: out[b] for b in bands.labels}


def zone_demand(
    study: Study,
    year: int,
    weights: Mapping[str, float] | None = None,
    *,
    beyond: str = "refuse",
    housing: HousingOptions | None = None,
    registration_share: Mapping[str, float] | None = None,
    zone_shares: ZoneShares | None = None,
    bands: AgeBands = STANDARD_BANDS,
) -> ZoneDemand:
    """Weighted demand of every zone in ``year``.

    Steps, each stated in the returned ``method``: the zones' population projected to ``year``
    (:func:`zone_population`); new housing placed in its zones (:func:`hubopt.demand.housing.allocate_housing`); the
    registration share of each district applied (:func:`hubopt.demand.registration.apply_registration_share`),
    with ``zone_shares`` (a file of shares by zone, :func:`hubopt.demand.zone_shares.read_zone_shares`) replacing
    it for the zones listed; then population by band (``bands``, hubopt's standard bands by default) times the
    band's weight.
    """
    w = check_band_weights(weights, bands=bands)
    population, method = zone_population(study, year, beyond=beyond, bands=bands)
    if "no population projections" in method:
        short = [f"ONS {study.base_year} small-area estimates HELD FLAT to {year} (the study has no projections)"]
    else:
        short = [
            f"ONS {study.base_year} small-area estimates"
            + ("" if int(year) == study.base_year else f" projected to {year}")
            + (" (held flat beyond the projection)" if "held flat" in method else "")
            + ("; some districts held flat (no projections)" if "without projections" in method else "")
        ]
    if not bands.is_standard:
        grows = shared_growth(age_pieces(study, bands), bands)
        short.append(f"age bands {bands.describe()}" + (f" ({'; '.join(grows)})" if grows else ""))
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
            bands=bands,
        )
        population, allocation = allocate_housing(
            study, population, people, mode=housing.mode, max_distance_m=housing.max_distance_m, bands=bands
        )
        method += f"; {allocation.method}"
        notes.extend(allocation.notes)
        added = float(people[bands.columns].to_numpy().sum()) if len(people) else 0.0
        short.append(f"{added:,.0f} people in new housing from {housing.trajectory.path.name} ({housing.mode})")
    if registration_share or zone_shares is not None:
        district_shares = dict(registration_share or {})
        population = apply_registration_share(
            population, district_shares, setting="demand.registration_share",
            zone_shares=None if zone_shares is None else zone_shares.share, bands=bands,
        )  # fmt: skip
        names = study.metadata.get("districts", {})
        if district_shares:
            listed = ", ".join(f"{code} {share:.1%}" for code, share in district_shares.items())
            method += f"; registration share applied ({listed})"
            short.append(
                "registration share "
                + ", ".join(f"{names.get(code, code)} {share:.1%}" for code, share in district_shares.items())
            )
        if zone_shares is not None:
            method += f"; {zone_shares.describe()}"
            short.append(f"registration share by zone for {len(zone_shares.share)} zones ({zone_shares.path.name})")
        note = population.attrs.get("registration_note")
        if note:
            notes.append(str(note))
    demand = np.zeros(len(population))
    for band, weight in w.items():
        demand += population[bands.column_of(band)].to_numpy(dtype=float) * weight
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
        bands=bands,
    )
