"""Small-area population by age band projected to a year.

Projection: a zone's people are split into the finest age groups both its own figures (single years of age from the
study's ``zone_ages.csv``, else hubopt's standard bands) and the district projection give; each group is scaled by
its district's projected change, so that the zones of a district add up to the district projection in every group
and year. The scenario's bands (``demand.age_bands``) are then sums of those pieces: a band inside one projection
group (e.g. 0-4 inside the projection's 0-64) grows as that group does, which is as well as the projection file
allows, and the method says so. Years between the study's base year and the projection's first year are
interpolated linearly between the base-year district totals and the first projected year. Years after the last
projected year are refused unless ``beyond="hold"`` is chosen, which holds the population at the last projected
year.

Both :mod:`hubopt.demand.zones` (demand) and :mod:`hubopt.demand.housing` (the age profile of new residents) use it,
so it sits below both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands, AgeRange, age_columns, format_ages
from hubopt.study import Study

__all__ = ["BEYOND_CHOICES", "AgePieces", "age_pieces", "describe_groups", "shared_growth", "zone_population"]

#: What to do for a year after the last projected year: refuse it, or hold the population at the last year.
BEYOND_CHOICES = ("refuse", "hold")


@dataclass(frozen=True)
class AgePieces:
    """Each zone's people in pieces of age that nest in both a scenario band and one growth group.

    Attributes
    ----------
    people : numpy.ndarray
        Zones x pieces, people in the study's base year.
    band_of_piece, group_of_piece : numpy.ndarray
        For each piece, the index of its scenario band and of its growth group.
    groups : list of (int, int or None)
        The growth groups: the finest groups that both the zones' figures and the projection give.
    group_labels : list of list of str
        The projection's age-group labels inside each growth group.
    ranges : list of (int, int or None)
        The ages of each piece.
    zone_detail : str
        What the zones' figures are ("single years of age" or the bands).
    """

    people: np.ndarray
    band_of_piece: np.ndarray
    group_of_piece: np.ndarray
    groups: list[AgeRange]
    group_labels: list[list[str]]
    zone_detail: str
    ranges: list[AgeRange]


def _starts(ranges: list[AgeRange]) -> list[int]:
    return sorted({lo for lo, _ in ranges})


def _ranges_from_starts(starts: list[int]) -> list[AgeRange]:
    return [(lo, (starts[i + 1] - 1) if i + 1 < len(starts) else None) for i, lo in enumerate(starts)]


def _zone_figures(study: Study) -> tuple[list[AgeRange], np.ndarray, str]:
    """The zones' own age detail: single years from ``zone_ages`` when the study has them, else its band columns."""
    ages = study.zone_ages
    if ages is not None:
        cols = age_columns(ages)
        return (
            [(lo, hi) for _, lo, hi in cols],
            ages[[c for c, _, _ in cols]].to_numpy(dtype=float),
            "single years of age",
        )
    ranges = list(STANDARD_BANDS.ranges.values())
    return ranges, study.zones[STANDARD_BANDS.columns].to_numpy(dtype=float), f"the bands {STANDARD_BANDS.describe()}"


def age_pieces(study: Study, bands: AgeBands = STANDARD_BANDS) -> AgePieces:
    """Split every zone's base-year people into pieces that each lie in one scenario band and one growth group.

    Parameters
    ----------
    study : Study
        The study (its zones' single years of age, or band columns, and its projections' age groups).
    bands : AgeBands
        The scenario's bands.

    Returns
    -------
    AgePieces

    Raises
    ------
    InputError
        When a band cannot be made from the zones' figures (e.g. ``0-4`` from a study holding only standard bands,
        or ``95+`` from single years that stop at 90 and over).
    """
    zone_ranges, zone_people, detail = _zone_figures(study)
    zone_starts = _starts(zone_ranges)
    for label, lo, hi in bands.intervals:
        if lo not in zone_starts or (hi is not None and hi + 1 not in zone_starts):
            oldest = zone_starts[-1]
            hint = (
                f"start the oldest band at or below {oldest} (the population file's oldest group is "
                f"{format_ages([zone_ranges[-1]])})"
                if lo > oldest or (hi is not None and hi >= oldest)
                else "rebuild the study with `hubopt study build` (it keeps every zone's single years of age in "
                "zone_ages.csv), or choose bands made of " + detail.removeprefix("the bands ")
            )
            raise InputError(
                f"age band {label!r} cannot be made from the study's zone figures, which give {detail}",
                setting="demand.age_bands",
                hint=hint,
            )
    projection = study.projection_bands.ranges
    group_starts = sorted(set(_starts(list(projection.values()))) & set(zone_starts))
    groups = _ranges_from_starts(group_starts)
    piece_starts = sorted(set(group_starts) | {lo for _, lo, _ in bands.intervals})
    pieces = _ranges_from_starts(piece_starts)
    band_lows = np.array([lo for _, lo, _ in bands.intervals])
    piece_lows = np.array([lo for lo, _ in pieces])
    zone_lows = np.array([lo for lo, _ in zone_ranges])
    piece_of_zone_col = np.searchsorted(piece_lows, zone_lows, side="right") - 1
    people = np.zeros((zone_people.shape[0], len(pieces)))
    np.add.at(people.T, piece_of_zone_col, zone_people.T)
    group_labels: list[list[str]] = [[] for _ in groups]
    for label, (lo, _) in projection.items():
        group_labels[int(np.searchsorted(group_starts, lo, side="right")) - 1].append(label)
    return AgePieces(
        people=people,
        band_of_piece=np.searchsorted(band_lows, piece_lows, side="right") - 1,
        group_of_piece=np.searchsorted(np.array(group_starts), piece_lows, side="right") - 1,
        groups=groups,
        group_labels=group_labels,
        zone_detail=detail,
        ranges=pieces,
    )


def describe_groups(groups: list[AgeRange]) -> str:
    """Growth groups in words, runs of single years shortened: ``0-64, each single year 65-89, 90+``."""
    parts: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if len(run) > 2:
            parts.append(f"each single year {run[0]}-{run[-1]}")
        else:
            parts.extend(str(a) for a in run)
        run.clear()

    for lo, hi in groups:
        if hi == lo:
            run.append(lo)
            continue
        flush()
        parts.append(format_ages([(lo, hi)]))
    flush()
    return ", ".join(parts)


def shared_growth(pieces: AgePieces, bands: AgeBands) -> list[str]:
    """The bands (or parts of bands) that grow as a wider projection group does, in words (``"bands 0-4, 5-64 grow
    as the group 0-64"``, ``"ages 60-64 of band 0-64 grow as the group 60-69"``); empty when every band is made of
    whole projection groups."""
    shared = []
    for g, (lo, hi) in enumerate(pieces.groups):
        parts = []
        for k in np.flatnonzero(pieces.group_of_piece == g):
            label, b_lo, b_hi = bands.intervals[int(pieces.band_of_piece[k])]
            if _band_covers(bands.intervals[int(pieces.band_of_piece[k])], (lo, hi)):
                continue
            piece = pieces.ranges[int(k)]
            parts.append(label if piece == (b_lo, b_hi) else f"ages {format_ages([piece])} of band {label}")
        if parts:
            whole = all(not p.startswith("ages ") for p in parts)
            subject = (f"band{'s' if len(parts) > 1 else ''} " if whole else "") + ", ".join(parts)
            shared.append(f"{subject} grow{'s' if len(parts) == 1 else ''} as the group {format_ages([(lo, hi)])}")
    return shared


def _how_bands_grow(pieces: AgePieces, bands: AgeBands) -> str:
    """How the scenario's bands are projected, for the method statement."""
    text = f"each zone's people in the projection's age groups ({describe_groups(pieces.groups)}) scaled by its " + (
        "district's projected change in that group"
    )
    shared = shared_growth(pieces, bands)
    if shared:
        text += "; the projection gives no finer split, so " + "; ".join(shared)
    return text


def _band_covers(band: tuple[str, int, int | None], group: AgeRange) -> bool:
    _, b_lo, b_hi = band
    g_lo, g_hi = group
    return b_lo <= g_lo and (b_hi is None or (g_hi is not None and g_hi <= b_hi))


def _check_beyond(beyond: str) -> None:
    if beyond not in BEYOND_CHOICES:
        raise InputError(
            f"unknown choice {beyond!r}",
            setting="demand.beyond_projection",
            hint=f"use one of: {', '.join(BEYOND_CHOICES)}",
        )


def _by_band(pieces: AgePieces, people: np.ndarray, n_bands: int) -> np.ndarray:
    out = np.zeros((people.shape[0], n_bands))
    np.add.at(out.T, pieces.band_of_piece, people.T)
    return out


def _group_targets(
    study: Study, pieces: AgePieces, districts: list[str], base_totals: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Each district's projected people in each growth group in ``year`` (interpolated before the first year)."""
    proj = study.projections
    first = int(proj["year"].min())
    label_group = {label: g for g, labels in enumerate(pieces.group_labels) for label in labels}
    rows = proj[proj["district_code"].isin(districts)]
    sums = (
        rows.assign(group=rows["band"].astype(str).map(label_group))
        .pivot_table(index=["district_code", "year"], columns="group", values="population", aggfunc="sum")
        .reindex(columns=range(len(pieces.groups)))
    )
    at = first if year < first else year
    try:
        target = sums.xs(at, level="year").reindex(index=districts)
    except KeyError:
        raise InputError(f"the projections have no figures for {at}", setting="year") from None
    if target.isna().any().any():
        d, g = next((d, g) for d in target.index for g in target.columns if pd.isna(target.at[d, g]))
        raise InputError(
            f"no projection for district {d}, ages {format_ages([pieces.groups[g]])}, year {at}",
            hint="rebuild the study from the complete projections file (hubopt study build)",
        )
    if year < first:
        t = (year - study.base_year) / (first - study.base_year)
        target = base_totals * (1 - t) + target * t
    return target


def zone_population(
    study: Study, year: int, *, beyond: str = "refuse", bands: AgeBands = STANDARD_BANDS
) -> tuple[pd.DataFrame, str]:
    """Population of every zone by age band in ``year``.

    Parameters
    ----------
    study : Study
        The study (base-year zone populations and district projections).
    year : int
        The year wanted.
    beyond : {"refuse", "hold"}
        What to do for a year after the last projected year.
    bands : AgeBands
        The age bands wanted (the scenario's ``demand.age_bands``; hubopt's standard bands by default).

    Returns
    -------
    population : pandas.DataFrame
        ``zone_id, district_code``, one column per band, ``population``.
    method : str
        How the figures were obtained.
    """
    _check_beyond(beyond)
    pieces = age_pieces(study, bands)
    year = int(year)
    base = study.zones[["zone_id", "district_code"]].copy()
    if year == study.base_year:
        return _frame(base, _by_band(pieces, pieces.people, len(bands.labels)), bands), (
            f"ONS small-area estimates for {study.base_year} (the study's base year)"
        )
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
        return _frame(base, _by_band(pieces, pieces.people, len(bands.labels)), bands), (
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
    if target_year < first:
        method = (
            f"ONS small-area estimates for {study.base_year} scaled to district totals interpolated linearly "
            f"between {study.base_year} and the first projected year {first}"
        )
    if missing:
        method += (
            f"; districts without projections ({', '.join(missing)}) held at {study.base_year} "
            "(demand.beyond_projection: hold)"
        )
    people, notes = _scaled(study, pieces, base["district_code"].to_numpy(), missing, target_year)
    method += "; " + _how_bands_grow(pieces, bands) + "".join(f"; {n}" for n in notes)
    return _frame(base, _by_band(pieces, people, len(bands.labels)), bands), method


def _scaled(
    study: Study, pieces: AgePieces, zone_district: np.ndarray, missing: list[str], year: int
) -> tuple[np.ndarray, list[str]]:
    """The pieces' people scaled, zone by zone, by their district's projected change in their growth group."""
    n_groups = len(pieces.groups)
    group_people = np.zeros((len(zone_district), n_groups))
    np.add.at(group_people.T, pieces.group_of_piece, pieces.people.T)
    base_totals = pd.DataFrame(group_people).groupby(zone_district).sum()
    districts = [d for d in base_totals.index if d not in missing]
    target = _group_targets(study, pieces, districts, base_totals.loc[districts], year)
    factor = pd.DataFrame(1.0, index=base_totals.index, columns=range(n_groups))
    notes = []
    for d in districts:
        for g in range(n_groups):
            have, want = float(base_totals.at[d, g]), float(target.at[d, g])
            if have > 0:
                factor.at[d, g] = want / have
            else:
                factor.at[d, g] = 0.0
                if want > 0:
                    notes.append(
                        f"district {d} has no residents aged {format_ages([pieces.groups[g]])} in "
                        f"{study.base_year}, so its {want:,.0f} projected people of those ages cannot be placed in "
                        "zones and are left out"
                    )
    zone_factor = factor.loc[zone_district].to_numpy()
    return pieces.people * zone_factor[:, pieces.group_of_piece], notes


def _frame(base: pd.DataFrame, values: np.ndarray, bands: AgeBands) -> pd.DataFrame:
    out = base.copy()
    for k, col in enumerate(bands.columns):
        out[col] = values[:, k]
    out["population"] = values.sum(axis=1)
    return out
