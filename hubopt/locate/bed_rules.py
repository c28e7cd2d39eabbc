"""The rules of the community-bed model, checked: every input of :func:`hubopt.locate.beds.place_beds` and
:func:`hubopt.locate.beds.place_beds_phased` is validated here, and rules that cannot all be met are reported before
solving where they can be checked directly (total site maxima below the need, a must-keep site that cannot host
beds, a zone with bed demand that can reach no site able to host beds)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hubopt.errors import InputError, ModelError
from hubopt.locate.solution import MAX_TOTAL


def _whole_numbers(values: Any, m: int, *, name: str, nan_as: float | None) -> np.ndarray:
    arr = np.asarray(values, dtype=float).reshape(-1) if values is not None else None
    if arr is None or arr.shape != (m,):
        got = "nothing" if arr is None else f"{arr.size} values"
        raise InputError(f"{name} must give one value per site ({m} sites), not {got}", parameter=name)
    if nan_as is not None:
        arr = np.where(np.isnan(arr), nan_as, arr)
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise InputError(f"{name} must be whole numbers of zero or more", parameter=name)
    if (arr != np.round(arr)).any():
        j = int(np.flatnonzero(arr != np.round(arr))[0])
        raise InputError(f"{name} must be whole beds; site {j} has {arr[j]:g}", parameter=name)
    return arr.astype(int)


@dataclass
class BedRules:
    """The checked inputs of the bed model: matrix, demand and need per year, and each site's limits."""

    cost: np.ndarray
    demand: np.ndarray  # (T, n)
    need: np.ndarray  # (T,)
    cap: np.ndarray  # effective maximum per site (0 = cannot host)
    lower: np.ndarray  # must-keep floor per site (0 elsewhere)
    keep: np.ndarray  # must-keep mask
    hostable: np.ndarray
    available: np.ndarray  # (T, m): the site can host beds that year (its availability)
    min_unit: int
    site_ids: list[str]
    zone_ids: list[str]
    parameters: dict[str, Any]
    notes: list[str]


def _check_totals(c: np.ndarray, demand: np.ndarray, cap: np.ndarray, costs: tuple[float, float, float]) -> None:
    """Refuse travel and cost totals too large to compute with (they would lose precision or overflow)."""
    travel_weight, cost_per_bed, cost_per_unit = costs
    longest = float(np.max(c, where=np.isfinite(c), initial=0.0))
    with np.errstate(over="ignore"):
        travel = travel_weight * float(demand.sum(axis=1).max(initial=0.0)) * max(longest, 1.0)
        spend = cost_per_bed * float(cap.sum()) + cost_per_unit * cap.size
    if not travel < MAX_TOTAL:
        raise InputError(
            f"the bed demand x travel time is too large to compute with ({travel:.3g}, above {MAX_TOTAL:.0e})",
            parameter="travel_weight",
            hint="scale the bed demand or the travel weight down, or look for a wrong, huge value",
        )
    if not spend < MAX_TOTAL:
        raise InputError(
            f"the costs of beds and units are too large to compute with ({spend:.3g} if every site were full, "
            f"above {MAX_TOTAL:.0e})",
            parameter="cost_per_bed",
            hint="give costs in thousands of pounds, or look for a wrong, huge value",
        )


def check_bed_rules(
    cost: np.ndarray,
    demand: np.ndarray,
    need: np.ndarray,
    *,
    years: Sequence[int] | None,
    min_unit: int | None,
    max_beds: Any,
    available: Any = None,
    existing_beds: Any,
    must_keep: Sequence[int],
    allow_new_sites: bool,
    is_new_site: Any,
    costs: tuple[float, float, float],
    site_ids: Sequence[str] | None,
    zone_ids: Sequence[str] | None,
) -> BedRules:
    """Check the inputs of :func:`hubopt.locate.beds.place_beds` (and its phased form); return them as rules.

    Raises
    ------
    InputError
        A malformed matrix, demand, need, site value or cost, naming the setting or column.
    ModelError
        Rules that cannot all be met, found before solving: too few beds in all, a must-keep site that cannot keep
        its beds, a zone with bed demand that can reach no site able to host beds.
    """
    c, d, need_arr, sids, zids = _check_matrix_and_demand(cost, demand, need, site_ids, zone_ids)
    m = c.shape[1]
    for name, value in zip(("travel_weight", "cost_per_bed", "cost_per_unit"), costs, strict=True):
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{name} must be zero or more, not {value!r}", parameter=name)
    if max_beds is None:
        raise InputError(
            "the most beds each site could hold (max_beds) must be given",
            parameter="max_beds",
            hint="give max_beds per site in the site register; a blank or 0 means the site cannot host beds",
        )
    cap = _whole_numbers(max_beds, m, name="max_beds", nan_as=0.0)
    _check_totals(c, d, cap, costs)
    existing = _whole_numbers(
        np.zeros(m) if existing_beds is None else existing_beds, m, name="existing_beds", nan_as=0.0
    )
    unit, unit_source = _ward_minimum(min_unit, existing, sids)
    over = np.flatnonzero(existing > cap)
    if over.size:
        names = ", ".join(f"{sids[j]} ({existing[j]} beds today, max {cap[j]})" for j in over[:10])
        raise InputError(
            f"site(s) have more beds today than their maximum: {names}",
            parameter="max_beds",
            hint="max_beds is the most beds a site could hold: at least its beds today",
        )
    new = existing == 0 if is_new_site is None else np.asarray(is_new_site, dtype=bool).reshape(-1)
    if new.shape != (m,):
        raise InputError(f"is_new_site must give one value per site ({m} sites)", parameter="is_new_site")
    hostable, notes = _hostable(cap, unit, new, allow_new_sites, sids)
    keep, lower = _must_keep(must_keep, cap, existing, unit, new, allow_new_sites, sids)
    cap = np.where(hostable, cap, 0)
    usable = _availability(available, d.shape[0], m)
    _check_need_can_be_met(c, d, need_arr, cap, hostable, usable, years, allow_new_sites, zids)
    parameters = {
        "min_unit": unit,
        "min_unit_source": unit_source,
        "max_beds": cap.tolist(),
        "existing_beds": existing.tolist(),
        "must_keep": [sids[j] for j in np.flatnonzero(keep)],
        "allow_new_sites": bool(allow_new_sites),
        "travel_weight": costs[0],
        "cost_per_bed": costs[1],
        "cost_per_unit": costs[2],
    }
    return BedRules(
        cost=c,
        demand=d,
        need=need_arr,
        cap=cap,
        lower=lower,
        keep=keep,
        hostable=hostable,
        available=usable,
        min_unit=unit,
        site_ids=sids,
        zone_ids=zids,
        parameters=parameters,
        notes=notes,
    )


def _check_matrix_and_demand(
    cost: np.ndarray,
    demand: np.ndarray,
    need: np.ndarray,
    site_ids: Sequence[str] | None,
    zone_ids: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[str]]:
    c = np.asarray(cost, dtype=float)
    if c.ndim != 2:
        raise InputError(f"the travel-time matrix must have 2 dimensions (zones x sites), not {c.ndim}")
    n, m = c.shape
    if np.isnan(c).any():
        raise InputError("the travel-time matrix has missing values (NaN); use inf for 'not reachable'")
    if (c < 0).any():
        raise InputError("the travel-time matrix has negative times")
    d = np.asarray(demand, dtype=float)
    if d.ndim != 2 or d.shape[1] != n:
        raise InputError(f"bed demand must give one value per zone ({n} zones in the travel-time matrix)")
    if not np.isfinite(d).all() or (d < 0).any():
        raise InputError("bed demand must be finite and zero or positive for every zone")
    need_arr = np.asarray(need, dtype=float).reshape(-1)
    if need_arr.shape != (d.shape[0],):
        raise InputError(f"there are {d.shape[0]} years of bed demand but {need_arr.size} figures of need")
    if not np.isfinite(need_arr).all() or (need_arr < 0).any():
        raise InputError("the beds needed must be finite and zero or more", parameter="need_by_year")
    sids = [str(s) for s in site_ids] if site_ids is not None else [f"site {j}" for j in range(m)]
    zids = [str(z) for z in zone_ids] if zone_ids is not None else [f"zone {i}" for i in range(n)]
    if len(sids) != m or len(zids) != n:
        raise InputError("the zone or site identifiers do not match the travel-time matrix's shape")
    return c, d, need_arr, sids, zids


def _ward_minimum(min_unit: int | None, existing: np.ndarray, sids: list[str]) -> tuple[int, str]:
    """The minimum ward size, and where it came from (given, or the smallest ward operating today)."""
    if min_unit is None:
        today = existing[existing > 0]
        if today.size == 0:
            raise InputError(
                "the minimum ward size (min_unit) must be given: no site has beds today to take it from",
                parameter="min_unit",
                hint="give the smallest number of beds a site can safely run (a ward), from the provider",
            )
        unit = int(today.min())
        return (
            unit,
            f"smallest ward operating today ({unit} beds at {sids[int(np.flatnonzero(existing == unit)[0])]})",
        )
    if isinstance(min_unit, bool) or float(min_unit) != int(min_unit) or int(min_unit) < 1:
        raise InputError(
            f"min_unit must be a whole number of beds, 1 or more, not {min_unit!r}", parameter="min_unit"
        )
    return int(min_unit), "given"


def _hostable(
    cap: np.ndarray, unit: int, new: np.ndarray, allow_new_sites: bool, sids: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Sites that can host a ward, and notes on those that cannot."""
    notes: list[str] = []
    hostable = cap >= unit
    small = np.flatnonzero((cap > 0) & (cap < unit))
    if small.size:
        notes.append(
            f"{small.size} site(s) cannot host beds because their maximum is below the ward minimum of {unit}: "
            + ", ".join(sids[j] for j in small[:10])
        )
    if not allow_new_sites:
        barred = np.flatnonzero(hostable & new)
        if barred.size:
            notes.append(f"{barred.size} new site(s) may not host beds (allow_new_sites is off)")
        hostable &= ~new
    return hostable, notes


def _must_keep(
    must_keep: Sequence[int],
    cap: np.ndarray,
    existing: np.ndarray,
    unit: int,
    new: np.ndarray,
    allow_new_sites: bool,
    sids: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """The must-keep mask and each site's floor of beds; refuse a must-keep site that cannot keep its beds."""
    m = cap.size
    keep = np.zeros(m, dtype=bool)
    keep_idx = np.asarray(list(must_keep), dtype=int)
    if keep_idx.size and ((keep_idx < 0) | (keep_idx >= m)).any():
        raise InputError(f"must_keep names a site index outside 0..{m - 1}", parameter="must_keep")
    keep[keep_idx] = True
    lower = np.where(keep, np.maximum(existing, unit), 0)
    for j in np.flatnonzero(keep):
        if cap[j] == 0:
            why = "it has no max_beds (blank or 0)"
        elif cap[j] < unit:
            why = f"its maximum ({cap[j]}) is below the ward minimum of {unit}"
        elif not allow_new_sites and new[j]:
            why = "it is a new site and allow_new_sites is off"
        elif lower[j] > cap[j]:
            why = f"it must keep at least {lower[j]} beds but its maximum is {cap[j]}"
        else:
            continue
        raise ModelError(f"must-keep site {sids[j]} cannot keep its beds: {why}; change one of these rules")
    return keep, lower


def _availability(available: Any, n_years: int, m: int) -> np.ndarray:
    """Whether each site can host beds in each year: ``available`` checked (default: every year)."""
    if available is None:
        return np.ones((n_years, m), dtype=bool)
    arr = np.asarray(available)
    if arr.shape != (n_years, m) or arr.dtype != bool:
        raise InputError(
            f"available must be true/false per year and site ({n_years} x {m}), not shape {arr.shape}",
            parameter="available",
        )
    return arr.copy()


def _check_need_can_be_met(
    c: np.ndarray,
    d: np.ndarray,
    need_arr: np.ndarray,
    cap: np.ndarray,
    hostable: np.ndarray,
    usable: np.ndarray,
    years: Sequence[int] | None,
    allow_new_sites: bool,
    zids: list[str],
) -> None:
    """Refuse a need the hostable sites cannot hold, or a zone with bed demand that can reach none of them."""
    n = c.shape[0]
    label = [f"in {y}" for y in years] if years is not None else ["" for _ in need_arr]
    for t in range(len(need_arr)):
        open_t = hostable & usable[t]
        total = int(cap[open_t].sum())
        needed = max(need_arr[t], d[t].sum())
        if total < needed - 1e-9:
            short = math.ceil(needed - total - 1e-9)
            what = (
                f"the {need_arr[t]:g} beds needed"
                if need_arr[t] >= d[t].sum()
                else f"the zones' bed demand of {d[t].sum():g} beds"
            )
            raise ModelError(
                f"the sites that can host beds hold at most {total} beds in all, {short} short of {what}"
                + (f" {label[t]}" if label[t] else "")
                + (" (new sites are not allowed)" if not allow_new_sites else "")
                + "; raise some sites' max_beds, add candidate sites, or lower the need"
            )
        reach = np.isfinite(c[:, open_t]).any(axis=1) if open_t.any() else np.zeros(n, dtype=bool)
        stranded = np.flatnonzero((d[t] > 0) & ~reach)
        if stranded.size:
            names = ", ".join(zids[i] for i in stranded[:10])
            raise ModelError(
                f"{stranded.size} zone(s) with bed demand"
                + (f" {label[t]}" if label[t] else "")
                + f" cannot reach any site that can host beds: {names}; add a site they can reach or check the "
                "travel-time matrix"
            )
