"""New housing: read a housing trajectory, turn dwellings into people by age band, and place them in zones.

Three steps, each a plain function:

1. :func:`hubopt.demand.trajectory.read_housing_trajectory` reads a CSV file of housing sites (or phases) and the
   dwellings completed at each per year, and returns a :class:`~hubopt.demand.trajectory.HousingTrajectory` (a long
   table: one row per site and year).
2. :func:`housing_people` counts the dwellings completed after the population's base year up to a year, and turns
   them into people by age band (persons per dwelling times an age profile).
3. :func:`allocate_housing` adds those people to the zone that holds each site, either *within* the district
   projections (the projection already counts the planned housing; the file only says where it goes) or
   *additional* to them (growth above plan).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from shapely import points

from hubopt.demand.projection import zone_population
from hubopt.demand.trajectory import HousingTrajectory
from hubopt.errors import InputError
from hubopt.io.age_bands import STANDARD_BANDS, AgeBands
from hubopt.study import Study

__all__ = [
    "DEFAULT_PERSONS_PER_DWELLING",
    "HOUSING_MODES",
    "HousingAllocation",
    "allocate_housing",
    "check_age_profile",
    "housing_people",
    "locate_in_zones",
]

#: People per new dwelling. Source: ONS, Census 2021 ("Household and resident characteristics, England and Wales:
#: Census 2021", 2 November 2022): the average household size in England and Wales in 2021 was 2.4 people per
#: household, the same as in 2011. Caveats: it is an average over all occupied households (not new-build
#: dwellings, and vacant dwellings are ignored); local new-build occupancy may differ. Override it with a local
#: figure (e.g. from the council's housing or infrastructure evidence) when there is one.
DEFAULT_PERSONS_PER_DWELLING = 2.4

#: How new housing relates to the district projections.
HOUSING_MODES = ("within", "additional")

#: Most people per new dwelling accepted (the England and Wales average is 2.4; large family homes hold about 5).
MAX_PERSONS_PER_DWELLING = 10.0


# ----------------------------------------------------------------------------------------------------------------
# zones of points
# ----------------------------------------------------------------------------------------------------------------
def locate_in_zones(
    study: Study,
    easting: Sequence[float] | np.ndarray,
    northing: Sequence[float] | np.ndarray,
    *,
    names: Sequence[str] | None = None,
    rows: Sequence[int | None] | None = None,
    path: str | Path | None = None,
    max_distance_m: float | None = None,
) -> pd.DataFrame:
    """The zone that holds each point; a point outside every zone goes to the nearest zone within a distance.

    Parameters
    ----------
    study : Study
        Its ``zones`` polygons (EPSG:27700).
    easting, northing : array-like of float
        The points, British National Grid metres.
    names : sequence of str, optional
        Names of the points, for messages.
    rows : sequence of int, optional
        File rows of the points, for messages.
    path : str or Path, optional
        The file the points come from, for messages.
    max_distance_m : float, optional
        Largest distance (metres) from a point outside every zone to the nearest zone that is still accepted. None
        (the default) accepts no point outside the zones: hubopt has no sourced tolerance to offer, so snapping a
        point into a zone is the analyst's explicit choice.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``zone_pos`` (position in ``study.zones``), ``zone_id``, ``district_code``,
        ``inside`` (bool: inside a zone polygon), ``distance_m`` (0 inside, else distance to the zone chosen).

    Raises
    ------
    InputError
        Naming the point (and its row) that lies farther than ``max_distance_m`` from every zone.
    """
    xs = np.asarray(easting, dtype=float)
    ys = np.asarray(northing, dtype=float)
    if max_distance_m is not None and (not math.isfinite(float(max_distance_m)) or max_distance_m < 0):
        raise InputError(
            "max_distance_m must be a distance in metres, zero or more", setting="demand.housing.max_distance_m"
        )
    zones = study.zones
    geoms = zones.geometry.to_numpy()
    pts = points(xs, ys)
    zone_pos = np.full(len(xs), -1, dtype=int)
    if len(xs):
        pt_idx, zone_idx = zones.sindex.query(pts, predicate="intersects")
        order = np.lexsort((zone_idx, pt_idx))
        pt_idx, zone_idx = pt_idx[order], zone_idx[order]
        first = np.unique(pt_idx, return_index=True)[1]
        zone_pos[pt_idx[first]] = zone_idx[first]
    inside = zone_pos >= 0
    distance = np.zeros(len(xs))
    for i in np.flatnonzero(~inside).tolist():
        d = np.array([g.distance(pts[i]) for g in geoms])
        j = int(np.argmin(d))
        label = repr(names[i]) if names is not None else f"point {i + 1}"
        if max_distance_m is None or d[j] > max_distance_m:
            limit = (
                "no point outside the zones is accepted (max_distance_m is not set)"
                if max_distance_m is None
                else f"farther than max_distance_m = {max_distance_m:,.0f} m"
            )
            swapped = min(g.distance(points(ys[i], xs[i])) for g in geoms)
            check = (
                f"its easting and northing look swapped: ({ys[i]:.0f}, {xs[i]:.0f}) is "
                + ("inside the study area" if swapped == 0 else f"{swapped:,.0f} m from it")
                if swapped < min(d[j], 1_000.0)
                else "check the site's coordinates or postcode (is it in the study area?)"
            )
            raise InputError(
                f"the site {label} at ({xs[i]:.0f}, {ys[i]:.0f}) lies outside every zone of the study, "
                f"{d[j]:,.0f} m from the nearest ({zones['zone_id'].iloc[j]}); {limit}",
                path=path,
                row=None if rows is None else rows[i],
                hint=f"{check}; to assign sites just outside the zone boundaries to the nearest zone, set "
                "demand.housing.max_distance_m",
            )
        zone_pos[i] = j
        distance[i] = float(d[j])
    return pd.DataFrame(
        {
            "zone_pos": zone_pos,
            "zone_id": zones["zone_id"].to_numpy()[zone_pos] if len(xs) else [],
            "district_code": zones["district_code"].to_numpy()[zone_pos] if len(xs) else [],
            "inside": inside,
            "distance_m": distance,
        }
    )


# ----------------------------------------------------------------------------------------------------------------
# people
# ----------------------------------------------------------------------------------------------------------------
def check_age_profile(
    profile: Mapping[str, float], *, setting: str = "housing.age_profile", bands: AgeBands = STANDARD_BANDS
) -> dict[str, float]:
    """Validate an age profile: a share (0-1) for every age band, summing to 1 (within 1e-6).

    Parameters
    ----------
    profile : mapping of str to float
        Band label (``"0-64"``, ``"65-74"``, ``"75-84"``, ``"85+"``) to the share of new residents in that band.
    setting : str
        The scenario setting, for messages.
    bands : AgeBands
        The age bands (the scenario's ``demand.age_bands``; hubopt's standard bands by default).

    Returns
    -------
    dict of str to float, in band order
    """
    if not isinstance(profile, Mapping):
        raise InputError("the age profile must be a mapping of age band to share", setting=setting)
    keys = {str(k).strip(): v for k, v in profile.items()}
    missing = [b for b in bands.labels if b not in keys]
    extra = sorted(set(keys) - set(bands.labels))
    if missing or extra:
        raise InputError(
            "the age profile must give a share for exactly the bands "
            + bands.describe()
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else ""),
            setting=setting,
            hint="give a share for each band of demand.age_bands"
            + ("" if bands.is_standard else f" ({bands.describe()})")
            + ", the shares summing to 1",
        )
    out: dict[str, float] = {}
    for band in bands.labels:
        try:
            share = float(keys[band])
        except (TypeError, ValueError):
            raise InputError(f"the share for band {band} is not a number: {keys[band]!r}", setting=setting) from None
        if not math.isfinite(share) or share < 0 or share > 1:
            raise InputError(
                f"the share for band {band} must be between 0 and 1, not {keys[band]!r}", setting=setting
            )
        out[band] = share
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError(
            f"the age-profile shares add up to {total:.6g}, not 1",
            setting=setting,
            hint="give the share of new residents in each band so that the shares sum to 1",
        )
    return out


def _persons_per_dwelling(value: float) -> float:
    """Persons per dwelling checked: a number above 0 and at most :data:`MAX_PERSONS_PER_DWELLING`."""
    try:
        ppd = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"persons per dwelling must be a number, not {value!r}", setting="demand.housing.persons_per_dwelling"
        ) from None
    if not math.isfinite(ppd) or ppd <= 0 or ppd > MAX_PERSONS_PER_DWELLING:
        raise InputError(
            f"persons per dwelling must be above zero and at most {MAX_PERSONS_PER_DWELLING:g}, not {value!r}",
            setting="demand.housing.persons_per_dwelling",
        )
    return ppd


def housing_people(
    trajectory: HousingTrajectory,
    year: int,
    *,
    base_year: int,
    persons_per_dwelling: float = DEFAULT_PERSONS_PER_DWELLING,
    age_profile: Mapping[str, float] | None = None,
    study: Study | None = None,
    max_distance_m: float | None = None,
    beyond: str = "refuse",
    bands: AgeBands = STANDARD_BANDS,
) -> pd.DataFrame:
    """People added by new housing by ``year``, per site and age band.

    ``people = dwellings × persons_per_dwelling``, where ``dwellings`` are those completed in the years after
    ``base_year`` up to and including ``year`` (dwellings completed up to the base year are already in the base
    population). People are split by age band with an age profile: given (``age_profile``), or, by default, the
    age profile of the district the site lies in, in ``year``, from the study's projected population
    (:func:`hubopt.demand.projection.zone_population`): no shares are assumed. Newly built homes often house
    younger people than the district as a whole; give a local profile when there is evidence for one.

    Parameters
    ----------
    trajectory : HousingTrajectory
        From :func:`hubopt.demand.trajectory.read_housing_trajectory`.
    year : int
        The year wanted.
    base_year : int
        The year of the population estimates the housing is added to (the study's base year).
    persons_per_dwelling : float
        People per new dwelling; default :data:`DEFAULT_PERSONS_PER_DWELLING` (2.4, ONS Census 2021 average
        household size, England and Wales).
    age_profile : mapping of str to float, optional
        Share of new residents in each band (``"0-64"``, ``"65-74"``, ``"75-84"``, ``"85+"``), summing to 1.
    study : Study, optional
        Required when ``age_profile`` is not given (the district profiles); when given, each site's zone and
        district are added to the result.
    max_distance_m : float, optional
        See :func:`locate_in_zones` (used with ``study``).

    beyond : {"refuse", "hold"}
        For the default age profile: what to do for a year the study's projections do not cover (see
        :func:`hubopt.demand.projection.zone_population`).
    bands : AgeBands
        The age bands to split the people into (hubopt's standard bands by default).

    Returns
    -------
    pandas.DataFrame
        One row per site, in file order: ``name``, ``easting``, ``northing``, ``row``, ``dwellings`` (counted),
        ``persons_per_dwelling``, ``people``, one column per band (``pop_0_64`` ...), ``profile`` (where the
        band split came from) and, with ``study``, ``zone_id``, ``district_code``, ``inside``, ``distance_m``.
        ``attrs`` holds ``source``, ``year`` and ``base_year``.
    """
    year, base_year = int(year), int(base_year)
    if year < base_year:
        raise InputError(
            f"year {year} is before the base year {base_year}", setting="year", hint="choose a later year"
        )
    ppd = _persons_per_dwelling(persons_per_dwelling)
    given = check_age_profile(age_profile, bands=bands) if age_profile is not None else None
    if given is None and study is None:
        raise InputError(
            "no age profile for the new residents: give the study (each site then takes its district's projected "
            "age profile) or an age profile",
            setting="demand.housing.age_profile",
            hint=f"give age_profile: a share for each band ({bands.describe()}), the shares summing to 1",
        )
    table = trajectory.table
    counted = table[(table["year"] > base_year) & (table["year"] <= year)]
    sites = trajectory.sites
    dwellings = counted.groupby("name", sort=False)["dwellings"].sum().reindex(sites["name"]).fillna(0.0)
    out = sites[["name", "easting", "northing", "row"]].copy()
    out["dwellings"] = dwellings.to_numpy()
    out["persons_per_dwelling"] = ppd
    out["people"] = out["dwellings"] * ppd
    if study is not None:
        where = locate_in_zones(
            study,
            out["easting"].to_numpy(),
            out["northing"].to_numpy(),
            names=out["name"].tolist(),
            rows=out["row"].tolist(),
            path=trajectory.path,
            max_distance_m=max_distance_m,
        )
    if given is not None:
        shares = np.tile([given[b] for b in bands.labels], (len(out), 1))
        out_profile = ["given age profile"] * len(out)
    else:
        assert study is not None  # checked above: without an age profile the study is required
        population, _ = zone_population(study, year, beyond=beyond, bands=bands)
        totals = population.groupby("district_code")[bands.columns].sum()
        profile = totals.div(totals.sum(axis=1).where(totals.sum(axis=1) > 0), axis=0)
        codes = where["district_code"].to_numpy()
        empty = [c for c in set(codes) if c not in profile.index or profile.loc[c].isna().any()]
        if empty:
            raise InputError(f"district(s) {', '.join(sorted(empty))} have no projected population in {year}")
        shares = profile.loc[codes, bands.columns].to_numpy(dtype=float)
        out_profile = [f"district {c} projected population, {year}" for c in codes]
    for k, col in enumerate(bands.columns):
        out[col] = out["people"].to_numpy() * shares[:, k]
    out["profile"] = out_profile
    if study is not None:
        for col in ("zone_id", "district_code", "inside", "distance_m"):
            out[col] = where[col].to_numpy()
    out = out.reset_index(drop=True)
    out.attrs.update({"source": str(trajectory.path), "year": year, "base_year": base_year, "age_bands": bands})
    return out


# ----------------------------------------------------------------------------------------------------------------
# allocation to zones
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HousingAllocation:
    """What :func:`allocate_housing` did.

    Attributes
    ----------
    mode : str
        ``"within"`` or ``"additional"``.
    sites : pandas.DataFrame
        One row per site: ``name``, ``row``, ``zone_id``, ``district_code``, ``inside`` (in a zone polygon),
        ``distance_m`` (to the zone, 0 inside), ``people`` and the band columns.
    snapped : pandas.DataFrame
        The sites outside every zone polygon that were given to the nearest zone: ``name``, ``row``, ``zone_id``,
        ``distance_m``.
    by_district : pandas.DataFrame
        Per district: the housing people per band (``pop_0_64`` ...), ``people``, and, in mode "within", the
        factor by which the rest of the district's population was scaled in each band (``scale_0_64`` ...).
    method : str
        Plain-English statement of the rule applied.
    """

    mode: str
    sites: pd.DataFrame
    snapped: pd.DataFrame
    by_district: pd.DataFrame
    method: str
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """A few lines for a summary."""
        verb = "redistributed within the projections" if self.mode == "within" else "added to the projections"
        lines = [f"New housing ({self.mode}): {self.sites['people'].sum():,.0f} people {verb}"]
        for code, row in self.by_district.iterrows():
            lines.append(f"  {code}: {row['people']:,.0f} people")
        for _, s in self.snapped.iterrows():
            lines.append(
                f"  site {s['name']!r} lies outside every zone: given to the nearest zone {s['zone_id']} "
                f"({s['distance_m']:,.0f} m away)"
            )
        lines.extend(f"  {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for manifests."""
        return {
            "mode": self.mode,
            "method": self.method,
            "people": float(self.sites["people"].sum()),
            "people_by_district": {str(k): float(v) for k, v in self.by_district["people"].items()},
            "snapped": [
                {"name": str(r["name"]), "zone_id": str(r["zone_id"]), "distance_m": float(r["distance_m"])}
                for _, r in self.snapped.iterrows()
            ],
            "notes": list(self.notes),
        }


def _check_allocation_columns(
    population_by_zone: pd.DataFrame, people_by_site: pd.DataFrame, columns: list[str]
) -> None:
    """An InputError naming the columns :func:`allocate_housing`'s tables lack."""
    for frame, what, cols in (
        (population_by_zone, "zone population table", ["zone_id", "district_code", *columns]),
        (people_by_site, "housing people table", ["name", "easting", "northing", *columns]),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputError(f"the {what} has no column {', '.join(map(repr, missing))}")


def _scale_within_districts(
    values: np.ndarray, codes: np.ndarray, housing: pd.DataFrame, by_district: pd.DataFrame, bands: AgeBands
) -> None:
    """Scale each district's zones (rows of ``values``, in place) so that the district's band totals, once its
    ``housing`` people are added, equal the projection; record each factor in ``by_district``'s ``scale_`` columns.
    """
    for d in housing.index:
        members = codes == d
        for k, (label, col) in enumerate(zip(bands.labels, bands.columns, strict=True)):
            projected = float(values[members, k].sum())
            added = float(housing.loc[d, col])
            if added > projected * (1 + 1e-12):
                raise InputError(
                    f"new housing adds {added:,.1f} people aged {label} in district {d}, more "
                    f"than the district's projected total of {projected:,.1f} for that band, so it cannot be "
                    "redistributed within the projection",
                    setting="demand.housing.mode",
                    hint="check the dwellings and persons per dwelling, or use mode 'additional' if the "
                    "housing is growth above the projection",
                )
            factor = (projected - added) / projected if projected > 0 else 1.0
            values[members, k] *= max(factor, 0.0)
            by_district.loc[d, "scale_" + col.removeprefix("pop_")] = factor


def _site_table(
    people_by_site: pd.DataFrame,
    rows: list[object] | None,
    where: pd.DataFrame,
    district_of_site: np.ndarray,
    people: np.ndarray,
    columns: list[str],
) -> pd.DataFrame:
    """Each housing site with its zone, district, whether it lies inside the zone, and its people by band."""
    sites = pd.DataFrame(
        {
            "name": people_by_site["name"].to_numpy(),
            "row": rows if rows is not None else [None] * len(people_by_site),
            "zone_id": where["zone_id"].to_numpy(),
            "district_code": district_of_site,
            "inside": where["inside"].to_numpy(),
            "distance_m": where["distance_m"].to_numpy(),
            "people": people.sum(axis=1),
        }
    )
    for k, col in enumerate(columns):
        sites[col] = people[:, k]
    return sites


def allocate_housing(
    study: Study,
    population_by_zone: pd.DataFrame,
    people_by_site: pd.DataFrame,
    *,
    mode: str = "within",
    max_distance_m: float | None = None,
    bands: AgeBands = STANDARD_BANDS,
) -> tuple[pd.DataFrame, HousingAllocation]:
    """Add the people of new housing to the zones that hold the sites.

    Each site goes to the zone whose polygon contains it (on a shared boundary: the first such zone in the
    study's order). A site outside every zone goes to the nearest zone if it is within ``max_distance_m``, and is
    reported; farther away it is an error.

    Mode ``"within"`` (default): the district projection already counts the planned housing (the WK plan's
    forecasts follow each council's housing requirement), and the file says where it goes. For every district
    ``d`` and band ``b``, with ``P[z,b]`` the projected population of zone ``z``, ``P[d,b] = Σ_{z in d} P[z,b]``
    and ``H[d,b]`` the housing people of band ``b`` at sites in ``d``::

        new P[z,b] = P[z,b] × (P[d,b] − H[d,b]) / P[d,b] + H[z,b]

    i.e. every zone's projected population is scaled down by the same factor (the housing growth the projection
    spread pro rata over the district is taken back everywhere, host zones included) and the housing people are
    added where the sites are, so each district's band totals equal the projection exactly. ``H[d,b] > P[d,b]``
    is an error. Note that ONS subnational projections are trend-based: whether they include a council's housing
    plan is a judgement for the analyst; use ``"additional"`` when the housing is growth above the projection.

    Mode ``"additional"``: ``new P[z,b] = P[z,b] + H[z,b]`` (district totals rise by the housing people).

    Parameters
    ----------
    study : Study
        Zones and their polygons.
    population_by_zone : pandas.DataFrame
        ``zone_id``, ``district_code`` and the band columns (e.g. from
        :func:`hubopt.demand.projection.zone_population`). Not changed.
    people_by_site : pandas.DataFrame
        From :func:`housing_people`: ``name``, ``easting``, ``northing``, the band columns and optionally ``row``.
    mode : {"within", "additional"}
        See above.
    max_distance_m : float, optional
        See :func:`locate_in_zones`.
    bands : AgeBands
        The age bands of both tables (hubopt's standard bands by default).

    Returns
    -------
    population : pandas.DataFrame
        A copy of ``population_by_zone`` with the band columns (and ``population``, when present) updated.
    report : HousingAllocation
    """
    if mode not in HOUSING_MODES:
        raise InputError(
            f"unknown housing mode {mode!r}", setting="demand.housing.mode", hint="use 'within' or 'additional'"
        )
    columns = bands.columns
    _check_allocation_columns(population_by_zone, people_by_site, columns)
    path = people_by_site.attrs.get("source")
    rows = people_by_site["row"].tolist() if "row" in people_by_site.columns else None
    where = locate_in_zones(
        study,
        people_by_site["easting"].to_numpy(dtype=float),
        people_by_site["northing"].to_numpy(dtype=float),
        names=people_by_site["name"].astype(str).tolist(),
        rows=rows,
        path=path,
        max_distance_m=max_distance_m,
    )
    out = population_by_zone.copy()
    zone_ids = out["zone_id"].astype(str)
    position = pd.Series(np.arange(len(out)), index=zone_ids.to_numpy())
    if not position.index.is_unique:
        raise InputError("the zone population table repeats a zone_id")
    absent = sorted(set(where["zone_id"]) - set(position.index))
    if absent:
        raise InputError(
            f"housing sites lie in zone(s) {', '.join(absent)}, which are not in the zone population table"
        )
    zone_of_site = position.loc[where["zone_id"].to_numpy()].to_numpy()
    district_of_site = out["district_code"].to_numpy()[zone_of_site]
    people = people_by_site[columns].to_numpy(dtype=float)
    if not np.isfinite(people).all() or (people < 0).any():
        raise InputError("housing people must be finite and zero or positive")

    values = out[columns].to_numpy(dtype=float).copy()
    districts = pd.unique(district_of_site)
    housing = pd.DataFrame(people, columns=columns).groupby(district_of_site, sort=False).sum()
    housing = housing.reindex(districts)
    by_district = housing.copy()
    by_district["people"] = by_district[columns].sum(axis=1)
    notes: list[str] = []
    if mode == "within":
        _scale_within_districts(values, out["district_code"].to_numpy(), housing, by_district, bands)
        method = (
            "new housing redistributed within the district projections: in each district and age band, every "
            "zone's projected population was scaled by (projected − housing) / projected and the housing people "
            "were added to the zones holding the sites, so district totals equal the projection"
        )
    else:
        method = "new housing added on top of the district projections (growth above plan)"
    np.add.at(values, zone_of_site, people)
    out[columns] = values
    if "population" in out.columns:
        out["population"] = values.sum(axis=1)

    sites = _site_table(people_by_site, rows, where, district_of_site, people, columns)
    snapped = sites.loc[~sites["inside"], ["name", "row", "zone_id", "distance_m"]].reset_index(drop=True)
    if len(snapped):
        notes.append(
            f"{len(snapped)} site(s) outside every zone polygon were given to the nearest zone "
            f"(within max_distance_m = {max_distance_m:,.0f} m)"
        )
    by_district.index.name = "district_code"
    return out, HousingAllocation(
        mode=mode, sites=sites, snapped=snapped, by_district=by_district, method=method, notes=notes
    )
