"""Community bed need: how many beds a population needs in a year.

Two methods, both returning a :class:`BedNeed`:

- :func:`bed_need_from_rates` builds need from activity: for each age band,
  ``beds_b = population_b × (admissions per 1,000_b / 1000) × mean length of stay_b / (365 × target occupancy)``.
  hubopt holds no published community-bed admission rates by age band, so the rates and the length of stay must be
  given (from local activity data).
- :func:`bed_need_from_baseline` grows today's beds with the age-weighted population:
  ``beds = baseline beds × Σ_b w_b population_then_b / Σ_b w_b population_now_b``, optionally adjusted from today's
  occupancy to a target occupancy (``× baseline occupancy / target occupancy``).

Today's beds are the study's own: :func:`beds_today` adds up the ``beds`` (and ``piloted_beds``) of the sites in the
study's site register, each row carrying its source (in West Kent, Hawkhurst 22, Tonbridge Cottage 14, Sevenoaks 18
and Edenbridge 14 = 68, plus 8 therapy-led beds piloted at Tonbridge Cottage, from NHS West Kent CCG, *Local Care
Plan* v1.5, 31 July 2017). No area's figures stand in for another's: a study whose sites record no beds has no
figure for today, and the baseline method then needs one given with its source.

Beds needed are whole beds: :attr:`BedNeed.beds_rounded_up` (the computed need rounded up) is the one figure every
table, summary and the bed placement use; :attr:`BedNeed.beds` keeps the arithmetic before rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hubopt.errors import InputError
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands

__all__ = [
    "DEFAULT_TARGET_OCCUPANCY",
    "BedNeed",
    "BedsToday",
    "band_population",
    "bed_need_from_baseline",
    "bed_need_from_rates",
    "beds_today",
    "whole_beds",
]

#: Target mean bed occupancy. Source: Bagust A, Place M, Posnett JW. Dynamics of bed use in accommodating emergency
#: admissions: stochastic simulation model. BMJ 1999;319:155-158: in a simulated acute hospital in England, risks
#: (no bed for a patient needing immediate admission) "are discernible when average bed occupancy rates exceed about
#: 85%", with regular bed shortages and periodic crises at 90 % or more. Caveat: the model is of emergency admissions
#: to an acute hospital; community beds with planned step-down admissions may run at a different occupancy.
DEFAULT_TARGET_OCCUPANCY = 0.85

#: Days per year in the bed-day arithmetic.
DAYS_PER_YEAR = 365.0

_LOS_HINT = (
    "give the mean length of stay in community beds (days), from local activity data (e.g. the community "
    "hospitals' discharges); note the WK plan's 7.4 days is the average length of stay of *emergency acute* "
    "admissions, not of community beds"
)


@dataclass(frozen=True)
class BedsToday:
    """Community beds today, and where the figure comes from.

    Attributes
    ----------
    beds : int or None
        Beds today; None when there is no figure (the sites record no beds and none was given).
    piloted : int
        Beds piloted on top of ``beds`` (reported beside them, not counted in them).
    source : str
        Where the figures come from, in plain words (the sites and their sources, or the scenario setting).
    by_site : dict of str to int
        Beds today per site (site name to beds), when the figure comes from the site register.
    """

    beds: int | None
    piloted: int = 0
    source: str = ""
    by_site: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """Plain sentence: the beds today, the piloted beds and the source."""
        if self.beds is None:
            return f"no community beds recorded today ({self.source})" if self.source else "no beds recorded today"
        pilot = f" (+{self.piloted} piloted)" if self.piloted else ""
        return f"{self.beds} beds today{pilot}: {self.source}"


@dataclass(frozen=True)
class BedNeed:
    """Community beds needed in a year.

    Attributes
    ----------
    year : int or None
        The year the need is for.
    beds : float
        The computed need, before rounding (the arithmetic; not a number of beds to plan for).
    beds_rounded_up : int
        Beds needed: ``beds`` rounded up to a whole bed (:func:`whole_beds`). The one figure every output shows and
        the bed plan must meet.
    by_band : dict of str to float
        Beds attributable to each age band (they add up to ``beds``).
    method : str
        How the figure was worked out, with the inputs used.
    today_beds : int or None
        Community beds today (from the study's sites, or given in the scenario); None when there is no figure.
    piloted_beds : int
        Beds piloted on top of ``today_beds`` (e.g. West Kent's 8 therapy-led beds at Tonbridge Cottage).
    today_source : str
        Where ``today_beds`` and ``piloted_beds`` come from.
    inputs : dict
        The parameters used, for manifests.
    """

    year: int | None
    beds: float
    beds_rounded_up: int
    by_band: dict[str, float]
    method: str
    today_beds: int | None = None
    piloted_beds: int = 0
    today_source: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def change_from_today(self) -> int | None:
        """Beds needed (rounded up) minus today's beds; None without a figure for today."""
        return None if self.today_beds is None else self.beds_rounded_up - self.today_beds

    @property
    def change_from_today_with_pilot(self) -> int | None:
        """Beds needed (rounded up) minus today's beds and the piloted beds; None without a figure for today."""
        return None if self.today_beds is None else self.beds_rounded_up - self.today_beds - self.piloted_beds

    def comparison(self) -> str:
        """Plain sentence comparing the need with today's beds."""
        year = f" in {self.year}" if self.year is not None else ""
        head = f"{self.beds_rounded_up} beds needed{year} ({self.beds:.1f} before rounding up)"
        if self.today_beds is None or self.change_from_today is None:
            return f"{head}; no figure for today's beds to compare with"

        def signed(n: int) -> str:
            return f"{n:+d}" if n else "no change"

        text = f"{head}: {signed(self.change_from_today)} against today's {self.today_beds} beds"
        if self.piloted_beds and self.change_from_today_with_pilot is not None:
            text += (
                f", {signed(self.change_from_today_with_pilot)} against {self.today_beds + self.piloted_beds} with "
                f"the {self.piloted_beds} piloted beds"
            )
        return text

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
            "today_source": self.today_source,
            "comparison": self.comparison(),
            "inputs": dict(self.inputs),
        }


def whole_beds(beds: float) -> int:
    """Beds needed as whole beds: the computed need rounded up, ignoring floating-point noise (68.0000000001 is 68).

    A need of 86.4 beds is met only by 87 whole beds, so 87 is the figure to plan for and to report.
    """
    return math.ceil(round(float(beds), 9))


def _bed_sources(text: str) -> list[str]:
    """The sources of a register row's bed figures: its ``source`` parts labelled with beds, else all of it.

    ``"location: NHS website hospital list; beds and status: WK plan"`` gives ``["WK plan"]``.
    """
    parts = [p.strip() for p in text.split(";") if p.strip()]
    about_beds = [p for p in parts if ":" in p and "bed" in p.split(":", 1)[0].lower()]
    return [p.split(":", 1)[1].strip() for p in about_beds] if about_beds else ([text.strip()] if parts else [])


def beds_today(sites: pd.DataFrame, *, where: str = "the site register") -> BedsToday:
    """Community beds today from a site register's ``beds`` and ``piloted_beds`` columns.

    Parameters
    ----------
    sites : pandas.DataFrame
        Sites with ``name`` and, optionally, ``beds``, ``piloted_beds`` and ``source`` (the register's schema;
        blank is no beds).
    where : str
        What the register is, for the source text (e.g. "West Kent's site register (sites.csv)").

    Returns
    -------
    BedsToday
        ``beds`` is None when no site records a bed (every ``beds`` blank or 0): there is no figure for today.
    """

    def column(name: str) -> pd.Series:
        if name not in sites.columns:
            return pd.Series(0, index=sites.index, dtype=int)
        return pd.to_numeric(sites[name], errors="coerce").fillna(0).astype(int)

    beds, piloted = column("beds"), column("piloted_beds")
    held = (beds > 0) | (piloted > 0)
    if not (beds > 0).any():
        return BedsToday(beds=None, piloted=int(piloted.sum()), source=f"no site in {where} records beds")
    names = sites["name"].astype(str) if "name" in sites.columns else pd.Series(sites.index.astype(str))
    parts = [
        f"{name} {b}" + (f" (+{p} piloted)" if p else "")
        for name, b, p in zip(names[held], beds[held], piloted[held], strict=True)
    ]
    sources: list[str] = []
    if "source" in sites.columns:
        for text in sites.loc[held, "source"].dropna().astype(str):
            for item in _bed_sources(text):
                if item not in sources:
                    sources.append(item)
    source = f"{where}: {', '.join(parts)}" + (f" (source: {'; '.join(sources)})" if sources else "")
    return BedsToday(
        beds=int(beds.sum()),
        piloted=int(piloted.sum()),
        source=source,
        by_site={str(n): int(b) for n, b in zip(names[held], beds[held], strict=True)},
    )


def band_population(
    population: pd.DataFrame | pd.Series | Mapping[str, float],
    *,
    what: str = "population",
    bands: AgeBands = STANDARD_BANDS,
) -> dict:
    """Total population per age band from a zone table, a series or a mapping.

    Parameters
    ----------
    population : pandas.DataFrame, pandas.Series or mapping
        A table with the band columns (``pop_0_64`` ...; summed over rows), or a series/mapping keyed by band label
        (``"0-64"`` ...) or band column.
    what : str
        What the population is, for messages.
    bands : AgeBands
        The age bands (the scenario's ``demand.age_bands``; hubopt's standard bands by default).

    Returns
    -------
    dict of str to float
        Band label to people.
    """
    if isinstance(population, pd.DataFrame):
        missing = [c for c in bands.columns if c not in population.columns]
        if missing:
            raise InputError(f"the {what} table has no column {', '.join(map(repr, missing))}")
        values = {
            b: float(population[c].to_numpy(dtype=float).sum())
            for b, c in zip(bands.labels, bands.columns, strict=True)
        }
    elif isinstance(population, pd.Series | Mapping):
        items = {str(k).strip(): v for k, v in dict(population).items()}
        values = {}
        for band, col in zip(bands.labels, bands.columns, strict=True):
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
    bands: AgeBands = STANDARD_BANDS,
) -> dict[str, float]:
    """A number for every age band (each finite and >= 0, or > 0 with ``positive``); fail naming the setting."""
    if values is None:
        raise InputError(f"the {what} must be given (hubopt has no sourced default)", setting=setting, hint=hint)
    if not isinstance(values, Mapping):
        raise InputError(f"the {what} must be a mapping of age band to number", setting=setting, hint=hint)
    keys = {str(k).strip(): v for k, v in values.items()}
    missing = [b for b in bands.labels if b not in keys]
    extra = sorted(set(keys) - set(bands.labels))
    if missing or extra:
        raise InputError(
            f"the {what} must cover exactly the age bands {bands.describe()}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else ""),
            setting=setting,
            hint=hint,
        )
    out = {}
    for band in bands.labels:
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
    not_a_number = InputError(f"the occupancy must be a number between 0 and 1, not {value!r}", setting=setting)
    if value is None:
        raise not_a_number
    try:
        occ = float(value)
    except (TypeError, ValueError):
        raise not_a_number from None
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
    today: BedsToday | None = None,
    bands: AgeBands = STANDARD_BANDS,
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
    today : BedsToday, optional
        Today's beds, to compare the need with (not used in the arithmetic); default: no figure for today.
    bands : AgeBands
        The age bands of the population, rates and lengths of stay (hubopt's standard bands by default).

    Returns
    -------
    BedNeed
    """
    pop = band_population(population, bands=bands)
    rates = _band_numbers(
        admission_rates_per_1000,
        setting="beds.admission_rates_per_1000",
        what="community-bed admission rates per 1,000 people",
        hint=f"give admissions per 1,000 people per year for each age band ({bands.describe()}) from local "
        "community-hospital activity data",
        bands=bands,
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
            bands=bands,
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
        los = dict.fromkeys(bands.labels, one)
    occ = _occupancy(target_occupancy, setting="beds.target_occupancy")
    by_band = {b: pop[b] * rates[b] / 1000.0 * los[b] / (DAYS_PER_YEAR * occ) for b in bands.labels}
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
        beds_rounded_up=whole_beds(beds),
        by_band=by_band,
        method=method,
        today_beds=None if today is None else today.beds,
        piloted_beds=0 if today is None else today.piloted,
        today_source="" if today is None else today.source,
        inputs={
            "method": "rates",
            "population": pop,
            "admission_rates_per_1000": rates,
            "mean_length_of_stay_days": los,
            "target_occupancy": occ,
        },
    )


def _baseline_beds(baseline_beds: float, piloted_beds: int) -> float:
    """Today's beds checked (a whole number above zero), and the piloted beds (a whole number of zero or more)."""
    try:
        base = float(baseline_beds)
    except (TypeError, ValueError):
        raise InputError(
            f"baseline beds must be a number, not {baseline_beds!r}", setting="beds.baseline_beds"
        ) from None
    if not math.isfinite(base) or base <= 0 or base != int(base):
        raise InputError(
            f"baseline beds must be a whole number of beds above zero, not {baseline_beds!r}",
            setting="beds.baseline_beds",
            hint="give today's community beds (growing zero beds gives zero); without a figure for today, use "
            "need_method: rates",
        )
    if isinstance(piloted_beds, bool) or not isinstance(piloted_beds, int) or piloted_beds < 0:
        raise InputError(
            f"piloted beds must be a whole number of zero or more, not {piloted_beds!r}", setting="beds.piloted_beds"
        )
    return base


def bed_need_from_baseline(
    population_now: pd.DataFrame | pd.Series | Mapping[str, float],
    population_then: pd.DataFrame | pd.Series | Mapping[str, float],
    weights: Mapping[str, float] | None,
    *,
    baseline_beds: float,
    piloted_beds: int = 0,
    baseline_source: str = "",
    baseline_occupancy: float | None = None,
    target_occupancy: float | None = None,
    year: int | None = None,
    bands: AgeBands = STANDARD_BANDS,
) -> BedNeed:
    """Today's beds grown with the age-weighted population.

    ``beds = baseline_beds × W_then / W_now`` with ``W = Σ_b w_b × population_b``; when both occupancies are
    given, also ``× baseline_occupancy / target_occupancy`` (the beds today's occupied bed-days would need at the
    target occupancy). The beds of each band are ``beds × w_b population_then_b / W_then``.

    Parameters
    ----------
    population_now : pandas.DataFrame, pandas.Series or mapping
        People by age band in the year of ``baseline_beds`` (the study's base year: for West Kent's 68 beds, 2017,
        the WK plan's year). Use the same population definition (e.g. registration shares) as for ``then``.
    population_then : pandas.DataFrame, pandas.Series or mapping
        People by age band in the year wanted.
    weights : mapping of str to float
        Relative bed use per person in each band (every band, each >= 0, not all zero). Required: hubopt has no
        sourced bed-use weights by age; take them from local activity data (e.g. bed-days per person by age).
    baseline_beds : float
        Whole beds today, above zero: the study's own (see :func:`beds_today`; in West Kent 68 = Hawkhurst 22 +
        Tonbridge Cottage 14 + Sevenoaks 18 + Edenbridge 14, WK plan v1.5) or a figure given with its source.
        Required: no area's beds stand in for another's.
    piloted_beds : int
        Beds piloted on top of ``baseline_beds``, reported beside them and not grown (West Kent: 8 therapy-led beds
        at Tonbridge Cottage; pass ``baseline_beds=76`` to grow them too).
    baseline_source : str
        Where ``baseline_beds`` comes from, for the outputs.
    baseline_occupancy, target_occupancy : float, optional
        Today's mean occupancy and the target (each in (0, 1]); both or neither.
    year : int, optional
        The year of ``population_then``.
    bands : AgeBands
        The age bands of the populations and weights (hubopt's standard bands by default).

    Returns
    -------
    BedNeed
    """
    w = _band_numbers(
        weights,
        setting="beds.weights",
        what="age-band weights for bed use",
        hint=f"give the relative bed use per person in each band ({bands.describe()}), e.g. bed-days per "
        "person by age from local activity data",
        bands=bands,
    )
    if sum(w.values()) <= 0:
        raise InputError("at least one age-band weight for bed use must be above zero", setting="beds.weights")
    now = band_population(population_now, what="population now", bands=bands)
    then = band_population(population_then, what="population then", bands=bands)
    base = _baseline_beds(baseline_beds, piloted_beds)
    w_now = sum(w[b] * now[b] for b in bands.labels)
    w_then = sum(w[b] * then[b] for b in bands.labels)
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
    by_band = {b: (beds * w[b] * then[b] / w_then if w_then > 0 else 0.0) for b in bands.labels}
    method = (
        f"today's {base:g} beds × weighted population then / now ({w_then:,.1f} / {w_now:,.1f} = "
        f"{w_then / w_now:.4f}){occ_text}; weights {', '.join(f'{b}: {v:g}' for b, v in w.items())}"
    )
    return BedNeed(
        year=None if year is None else int(year),
        beds=float(beds),
        beds_rounded_up=whole_beds(beds),
        by_band=by_band,
        method=method,
        today_beds=int(base),
        piloted_beds=int(piloted_beds),
        today_source=baseline_source,
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
