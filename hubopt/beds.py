"""Community bed need: how many beds a population needs in a year.

Two methods, both returning a :class:`BedNeed`:

- :func:`bed_need_from_rates` builds need from activity: for each age band,
  ``beds_b = population_b × (admissions per 1,000_b / 1000) × mean length of stay_b / (365 × target occupancy)``.
  hubopt holds no published community-bed admission rates by age band, so the rates and the length of stay must be
  given (from local activity data).
- :func:`bed_need_from_baseline` grows today's beds with the age-weighted population:
  ``beds = baseline beds × Σ_b w_b population_then_b / Σ_b w_b population_now_b``, optionally adjusted from today's
  occupancy to a target occupancy (``× baseline occupancy / target occupancy``).

Today's West Kent community beds (NHS West Kent CCG, *Local Care Plan* v1.5, 31 July 2017): Hawkhurst 22, Tonbridge
Cottage 14, Sevenoaks 18, Edenbridge 14 = 68, plus 8 therapy-led beds piloted at Tonbridge Cottage (reported
alongside, not counted in the 68).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hubopt.errors import InputError
from hubopt.io.population import AGE_BANDS, band_column

__all__ = [
    "DEFAULT_TARGET_OCCUPANCY",
    "WK_COMMUNITY_BEDS",
    "WK_PILOTED_BEDS",
    "WK_TODAY_BEDS",
    "BedNeed",
    "band_population",
    "bed_need_from_baseline",
    "bed_need_from_rates",
]

#: Community hospital beds in West Kent by hospital. Source: NHS West Kent CCG, Local Care Plan v1.5 (31 July 2017).
WK_COMMUNITY_BEDS: dict[str, int] = {
    "Hawkhurst Community Hospital": 22,
    "Tonbridge Cottage Hospital": 14,
    "Sevenoaks Community Hospital": 18,
    "Edenbridge Community Hospital": 14,
}
#: Today's West Kent community beds: 22 + 14 + 18 + 14 = 68 (WK plan v1.5).
WK_TODAY_BEDS = sum(WK_COMMUNITY_BEDS.values())
#: Therapy-led beds piloted at Tonbridge Cottage Hospital (WK plan v1.5): reported alongside, not in the 68.
WK_PILOTED_BEDS = 8

#: Target mean bed occupancy. Source: Bagust A, Place M, Posnett JW. Dynamics of bed use in accommodating emergency
#: admissions: stochastic simulation model. BMJ 1999;319:155-158: in a simulated acute hospital in England, risks
#: (no bed for a patient needing immediate admission) "are discernible when average bed occupancy rates exceed about
#: 85%", with regular bed shortages and periodic crises at 90 % or more. Caveat: the model is of emergency admissions
#: to an acute hospital; community beds with planned step-down admissions may run at a different occupancy.
DEFAULT_TARGET_OCCUPANCY = 0.85

#: Days per year in the bed-day arithmetic.
DAYS_PER_YEAR = 365.0

_BAND_COLUMNS = [band_column(b) for b in AGE_BANDS]
_LOS_HINT = (
    "give the mean length of stay in community beds (days), from local activity data (e.g. the community "
    "hospitals' discharges); note the WK plan's 7.4 days is the average length of stay of *emergency acute* "
    "admissions, not of community beds"
)


@dataclass(frozen=True)
class BedNeed:
    """Community beds needed in a year.

    Attributes
    ----------
    year : int or None
        The year the need is for.
    beds : float
        Beds needed (unrounded).
    beds_rounded_up : int
        ``beds`` rounded up to a whole bed.
    by_band : dict of str to float
        Beds attributable to each age band (they add up to ``beds``).
    method : str
        How the figure was worked out, with the inputs used.
    today_beds : int
        Community beds today (68 in West Kent, WK plan v1.5).
    piloted_beds : int
        Beds piloted on top of ``today_beds`` (8 therapy-led beds at Tonbridge Cottage, WK plan v1.5).
    inputs : dict
        The parameters used, for manifests.
    """

    year: int | None
    beds: float
    beds_rounded_up: int
    by_band: dict[str, float]
    method: str
    today_beds: int = WK_TODAY_BEDS
    piloted_beds: int = WK_PILOTED_BEDS
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def change_from_today(self) -> int:
        """Beds needed (rounded up) minus today's beds."""
        return self.beds_rounded_up - self.today_beds

    @property
    def change_from_today_with_pilot(self) -> int:
        """Beds needed (rounded up) minus today's beds and the piloted beds."""
        return self.beds_rounded_up - self.today_beds - self.piloted_beds

    def comparison(self) -> str:
        """Plain sentence comparing the need with today's beds."""
        year = f" in {self.year}" if self.year is not None else ""

        def signed(n: int) -> str:
            return f"{n:+d}" if n else "no change"

        return (
            f"{self.beds_rounded_up} beds needed{year} ({self.beds:.1f} before rounding up): "
            f"{signed(self.change_from_today)} against today's {self.today_beds} beds, "
            f"{signed(self.change_from_today_with_pilot)} against {self.today_beds + self.piloted_beds} with the "
            f"{self.piloted_beds} piloted beds"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for manifests."""
        return {
            "year": self.year,
            "beds": self.beds,
            "beds_rounded_up": self.beds_rounded_up,
            "by_band": dict(self.by_band),
            "method": self.method,
            "today_beds": self.today_beds,
            "piloted_beds": self.piloted_beds,
            "comparison": self.comparison(),
            "inputs": dict(self.inputs),
        }


def _round_up(beds: float) -> int:
    """Round up to a whole bed, ignoring floating-point noise (68.0000000001 is 68)."""
    return math.ceil(round(beds, 9))


def band_population(population: pd.DataFrame | pd.Series | Mapping[str, float], *, what: str = "population") -> dict:
    """Total population per age band from a zone table, a series or a mapping.

    Parameters
    ----------
    population : pandas.DataFrame, pandas.Series or mapping
        A table with the band columns (``pop_0_64`` ...; summed over rows), or a series/mapping keyed by band label
        (``"0-64"`` ...) or band column.
    what : str
        What the population is, for messages.

    Returns
    -------
    dict of str to float
        Band label to people.
    """
    if isinstance(population, pd.DataFrame):
        missing = [c for c in _BAND_COLUMNS if c not in population.columns]
        if missing:
            raise InputError(f"the {what} table has no column {', '.join(map(repr, missing))}")
        values = {
            b: float(population[c].to_numpy(dtype=float).sum()) for b, c in zip(AGE_BANDS, _BAND_COLUMNS, strict=True)
        }
    elif isinstance(population, pd.Series | Mapping):
        items = {str(k).strip(): v for k, v in dict(population).items()}
        values = {}
        for band, col in zip(AGE_BANDS, _BAND_COLUMNS, strict=True):
            if band in items:
                raw = items[band]
            elif col in items:
                raw = items[col]
            else:
                raise InputError(f"the {what} has no figure for age band {band}")
            try:
                values[band] = float(raw)
            except (TypeError, ValueError):
                raise InputError(f"the {what} of band {band} is not a number: {raw!r}") from None
    else:
        raise InputError(f"the {what} must be a table of zones or a mapping of age band to people")
    for band, v in values.items():
        if not math.isfinite(v) or v < 0:
            raise InputError(f"the {what} of band {band} must be a finite number of zero or more, not {v!r}")
    return values


def _band_numbers(
    values: Mapping[str, float] | None,
    *,
    setting: str,
    what: str,
    positive: bool = False,
    hint: str | None = None,
) -> dict[str, float]:
    """A number for every age band (each finite and >= 0, or > 0 with ``positive``); fail naming the setting."""
    if values is None:
        raise InputError(f"the {what} must be given (hubopt has no sourced default)", setting=setting, hint=hint)
    if not isinstance(values, Mapping):
        raise InputError(f"the {what} must be a mapping of age band to number", setting=setting, hint=hint)
    keys = {str(k).strip(): v for k, v in values.items()}
    missing = [b for b in AGE_BANDS if b not in keys]
    extra = sorted(set(keys) - set(AGE_BANDS))
    if missing or extra:
        raise InputError(
            f"the {what} must cover exactly the age bands {', '.join(AGE_BANDS)}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else ""),
            setting=setting,
            hint=hint,
        )
    out = {}
    for band in AGE_BANDS:
        try:
            number = float(keys[band])
        except (TypeError, ValueError):
            raise InputError(f"the {what} for band {band} is not a number: {keys[band]!r}", setting=setting) from None
        if not math.isfinite(number) or number < 0 or (positive and number == 0):
            limit = "above zero" if positive else "zero or more"
            raise InputError(f"the {what} for band {band} must be {limit}, not {keys[band]!r}", setting=setting)
        out[band] = number
    return out


def _occupancy(value: float | None, *, setting: str) -> float:
    try:
        occ = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"the occupancy must be a number between 0 and 1, not {value!r}", setting=setting) from None
    if not math.isfinite(occ) or not 0 < occ <= 1:
        raise InputError(
            f"the occupancy must be above 0 and at most 1, not {value!r}",
            setting=setting,
            hint="give it as a fraction (85 % is 0.85)",
        )
    return occ


def bed_need_from_rates(
    population: pd.DataFrame | pd.Series | Mapping[str, float],
    admission_rates_per_1000: Mapping[str, float] | None = None,
    mean_length_of_stay_days: float | Mapping[str, float] | None = None,
    target_occupancy: float = DEFAULT_TARGET_OCCUPANCY,
    *,
    year: int | None = None,
) -> BedNeed:
    """Beds needed from admission rates, length of stay and a target occupancy.

    ``beds = Σ_b population_b × (rate_b / 1000) × LOS_b / (365 × occupancy)``: occupied bed-days per year divided
    by the bed-days one bed offers at the target occupancy.

    Parameters
    ----------
    population : pandas.DataFrame, pandas.Series or mapping
        People by age band: a zone table with the band columns (summed) or a mapping of band to people.
    admission_rates_per_1000 : mapping of str to float
        Community-bed admissions per 1,000 people per year, for every band. Required: hubopt has no published
        source for community-bed admission rates by age band; take them from local activity data.
    mean_length_of_stay_days : float or mapping of str to float
        Mean length of stay (days), one figure or one per band. Required: the WK plan's 7.4 days is the average
        length of stay of emergency (acute) admissions, not of community beds, so it is not used as a default.
    target_occupancy : float
        Target mean occupancy in (0, 1]; default 0.85 (Bagust, Place and Posnett, BMJ 1999;319:155: risks become
        discernible above about 85 % average occupancy in a simulated acute hospital; see
        :data:`DEFAULT_TARGET_OCCUPANCY`).
    year : int, optional
        The year the population is for.

    Returns
    -------
    BedNeed
    """
    pop = band_population(population)
    rates = _band_numbers(
        admission_rates_per_1000,
        setting="beds.admission_rates_per_1000",
        what="community-bed admission rates per 1,000 people",
        hint="give admissions per 1,000 people per year for each age band (0-64, 65-74, 75-84, 85+) from local "
        "community-hospital activity data",
    )
    if mean_length_of_stay_days is None:
        raise InputError(
            "the mean length of stay must be given (hubopt has no sourced default for community beds)",
            setting="beds.mean_length_of_stay_days",
            hint=_LOS_HINT,
        )
    if isinstance(mean_length_of_stay_days, Mapping):
        los = _band_numbers(
            mean_length_of_stay_days,
            setting="beds.mean_length_of_stay_days",
            what="mean length of stay (days)",
            positive=True,
            hint=_LOS_HINT,
        )
    else:
        try:
            one = float(mean_length_of_stay_days)
        except (TypeError, ValueError):
            raise InputError(
                f"the mean length of stay must be a number of days, not {mean_length_of_stay_days!r}",
                setting="beds.mean_length_of_stay_days",
            ) from None
        if not math.isfinite(one) or one <= 0:
            raise InputError(
                f"the mean length of stay must be above zero, not {mean_length_of_stay_days!r}",
                setting="beds.mean_length_of_stay_days",
            )
        los = dict.fromkeys(AGE_BANDS, one)
    occ = _occupancy(target_occupancy, setting="beds.target_occupancy")
    by_band = {b: pop[b] * rates[b] / 1000.0 * los[b] / (DAYS_PER_YEAR * occ) for b in AGE_BANDS}
    beds = float(sum(by_band.values()))
    los_text = (
        f"{next(iter(los.values())):g} days"
        if len(set(los.values())) == 1
        else ", ".join(f"{b}: {v:g} d" for b, v in los.items())
    )
    method = (
        "beds = Σ population × admissions per 1,000 / 1000 × length of stay / (365 × occupancy); admissions per "
        f"1,000: {', '.join(f'{b}: {v:g}' for b, v in rates.items())}; length of stay {los_text}; target "
        f"occupancy {occ:.0%}"
    )
    return BedNeed(
        year=None if year is None else int(year),
        beds=beds,
        beds_rounded_up=_round_up(beds),
        by_band=by_band,
        method=method,
        inputs={
            "method": "rates",
            "population": pop,
            "admission_rates_per_1000": rates,
            "mean_length_of_stay_days": los,
            "target_occupancy": occ,
        },
    )


def bed_need_from_baseline(
    population_now: pd.DataFrame | pd.Series | Mapping[str, float],
    population_then: pd.DataFrame | pd.Series | Mapping[str, float],
    weights: Mapping[str, float] | None,
    *,
    baseline_beds: float = WK_TODAY_BEDS,
    baseline_occupancy: float | None = None,
    target_occupancy: float | None = None,
    year: int | None = None,
) -> BedNeed:
    """Today's beds grown with the age-weighted population.

    ``beds = baseline_beds × W_then / W_now`` with ``W = Σ_b w_b × population_b``; when both occupancies are
    given, also ``× baseline_occupancy / target_occupancy`` (the beds today's occupied bed-days would need at the
    target occupancy). The beds of each band are ``beds × w_b population_then_b / W_then``.

    Parameters
    ----------
    population_now : pandas.DataFrame, pandas.Series or mapping
        People by age band in the year of ``baseline_beds`` (for West Kent's 68 beds: 2017, the WK plan's year and
        the study's base year). Use the same population definition (e.g. registration shares) as for ``then``.
    population_then : pandas.DataFrame, pandas.Series or mapping
        People by age band in the year wanted.
    weights : mapping of str to float
        Relative bed use per person in each band (every band, each >= 0, not all zero). Required: hubopt has no
        sourced bed-use weights by age; take them from local activity data (e.g. bed-days per person by age).
    baseline_beds : float
        Beds today; default 68 = Hawkhurst 22 + Tonbridge Cottage 14 + Sevenoaks 18 + Edenbridge 14 (WK plan
        v1.5). The 8 therapy-led beds piloted at Tonbridge Cottage are not included (pass 76 to include them).
    baseline_occupancy, target_occupancy : float, optional
        Today's mean occupancy and the target (each in (0, 1]); both or neither.
    year : int, optional
        The year of ``population_then``.

    Returns
    -------
    BedNeed
    """
    w = _band_numbers(
        weights,
        setting="beds.weights",
        what="age-band weights for bed use",
        hint="give the relative bed use per person in each band (0-64, 65-74, 75-84, 85+), e.g. bed-days per "
        "person by age from local activity data",
    )
    if sum(w.values()) <= 0:
        raise InputError("at least one age-band weight for bed use must be above zero", setting="beds.weights")
    now = band_population(population_now, what="population now")
    then = band_population(population_then, what="population then")
    try:
        base = float(baseline_beds)
    except (TypeError, ValueError):
        raise InputError(
            f"baseline beds must be a number, not {baseline_beds!r}", setting="beds.baseline_beds"
        ) from None
    if not math.isfinite(base) or base < 0:
        raise InputError(f"baseline beds must be zero or more, not {baseline_beds!r}", setting="beds.baseline_beds")
    w_now = sum(w[b] * now[b] for b in AGE_BANDS)
    w_then = sum(w[b] * then[b] for b in AGE_BANDS)
    if w_now <= 0:
        raise InputError("the weighted population now is zero, so today's beds cannot be scaled")
    if (baseline_occupancy is None) != (target_occupancy is None):
        given = "baseline_occupancy" if baseline_occupancy is not None else "target_occupancy"
        lacking = "target_occupancy" if given == "baseline_occupancy" else "baseline_occupancy"
        raise InputError(
            f"{given} is given but {lacking} is not: the occupancy adjustment needs both",
            setting=f"beds.{lacking}",
            hint="give today's mean occupancy and the target occupancy, or neither",
        )
    adjust = 1.0
    occ_text = ""
    if baseline_occupancy is not None:
        occ_now = _occupancy(baseline_occupancy, setting="beds.baseline_occupancy")
        occ_target = _occupancy(target_occupancy, setting="beds.target_occupancy")
        adjust = occ_now / occ_target
        occ_text = f" × occupancy today {occ_now:.0%} / target {occ_target:.0%}"
    beds = base * w_then / w_now * adjust
    by_band = {b: (beds * w[b] * then[b] / w_then if w_then > 0 else 0.0) for b in AGE_BANDS}
    method = (
        f"today's {base:g} beds × weighted population then / now ({w_then:,.1f} / {w_now:,.1f} = "
        f"{w_then / w_now:.4f}){occ_text}; weights {', '.join(f'{b}: {v:g}' for b, v in w.items())}"
    )
    return BedNeed(
        year=None if year is None else int(year),
        beds=float(beds),
        beds_rounded_up=_round_up(beds),
        by_band=by_band,
        method=method,
        inputs={
            "method": "baseline",
            "baseline_beds": base,
            "weights": w,
            "population_now": now,
            "population_then": then,
            "baseline_occupancy": baseline_occupancy,
            "target_occupancy": target_occupancy,
        },
    )
