"""Services and appointments: the appointments each zone needs a year, what each hub can hold, and whether N hubs
can hold them all.

A zone needs ``sum over age bands of people_b x appointments per head_b`` appointments a year (all the services a
hub hosts together). A hub holds ``rooms x sessions per week x appointments per session x weeks per year``. N hubs
can hold every appointment only if the N largest capacities the rules allow (the must-open sites first) add up to
the zones' total: :func:`capacity_shortfall` says when they cannot, with the smallest change that makes it feasible
(more hubs of the same size, or more sessions a week in every room).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.locate.solution import nearest_open_assignment

__all__ = [
    "CapacityShortfall",
    "ServicePlan",
    "capacity_by_hubs",
    "capacity_shortfall",
    "hub_appointments",
    "largest_capacity",
    "nearest_loads",
    "smallest_feasible_hubs",
    "zone_appointments",
]


def zone_appointments(
    band_population: pd.DataFrame, rates: Mapping[str, float], columns: Mapping[str, str]
) -> np.ndarray:
    """Appointments a year each zone needs.

    Parameters
    ----------
    band_population : pandas.DataFrame
        People of each zone by age band.
    rates : mapping of band to float
        Appointments per head per year by age band (all services together).
    columns : mapping of band to str
        The column of ``band_population`` holding each band.
    """
    missing = [columns[b] for b in rates if columns[b] not in band_population]
    if missing:
        raise InputError(
            f"appointments per head need people by age band, but the demand has no column {missing[0]}",
            parameter="band_population",
            hint="give the zones' population by age band (ZoneDemand.population), or leave services out",
        )
    total = np.zeros(len(band_population), dtype=float)
    for band, rate in rates.items():
        total += band_population[columns[band]].to_numpy(dtype=float) * float(rate)
    return total


def largest_capacity(
    capacity: np.ndarray, n_hubs: int, must_open: Sequence[int], unavailable: Sequence[int]
) -> float:
    """The most appointments ``n_hubs`` hubs can hold: the must-open sites' capacity plus the largest of the others
    that may open (fewer if fewer sites may open)."""
    cap = np.asarray(capacity, dtype=float)
    must = sorted(set(must_open))
    free = np.ones(len(cap), dtype=bool)
    free[list(unavailable)] = False
    free[must] = False
    rest = np.sort(cap[free])[::-1][: max(n_hubs - len(must), 0)]
    return float(cap[must].sum() + rest.sum())


def smallest_feasible_hubs(
    capacity: np.ndarray, total: float, must_open: Sequence[int], unavailable: Sequence[int]
) -> int | None:
    """The fewest hubs whose largest capacities hold ``total`` appointments (None: not even every site may)."""
    allowed = len(capacity) - len(set(unavailable) - set(must_open))
    for n in range(max(len(set(must_open)), 1), allowed + 1):
        if largest_capacity(capacity, n, must_open, unavailable) >= total * (1 - 1e-12):
            return n
    return None


@dataclass(frozen=True)
class CapacityShortfall:
    """N hubs that cannot hold every appointment, and the smallest changes that would make them.

    Attributes
    ----------
    n_hubs : int
        Hubs asked for.
    demand : float
        Appointments a year the zones need.
    capacity : float
        The most appointments ``n_hubs`` hubs can hold.
    hubs_needed : int or None
        The fewest hubs that can hold them (None: not even every candidate site).
    sessions_now : float
        Sessions a week per room today.
    sessions_needed : float
        Sessions a week per room at which ``n_hubs`` hubs hold them (rounded up to a whole session).
    """

    n_hubs: int
    demand: float
    capacity: float
    hubs_needed: int | None
    sessions_now: float
    sessions_needed: float

    @property
    def more_pct(self) -> float:
        """How much more capacity (per cent) the hubs need."""
        return 100.0 * (self.demand / self.capacity - 1.0) if self.capacity > 0 else math.inf

    def describe(self) -> str:
        """The shortfall and the smallest changes, in one sentence."""
        more = (
            f"needs at least {self.hubs_needed} hubs of this size"
            if self.hubs_needed is not None
            else "not even every candidate site can hold them"
        )
        return (
            f"{self.n_hubs} hubs hold at most {self.capacity:,.0f} appointments a year but the zones need "
            f"{self.demand:,.0f}: {more}, or {math.ceil(self.more_pct - 1e-9):g} % more capacity (e.g. "
            f"{self.sessions_needed:g} sessions a week per room instead of {self.sessions_now:g})"
        )


def capacity_shortfall(
    capacity: np.ndarray,
    total: float,
    n_hubs: int,
    must_open: Sequence[int],
    unavailable: Sequence[int],
    sessions_per_week: float,
) -> CapacityShortfall | None:
    """None when ``n_hubs`` hubs can hold ``total`` appointments, else the shortfall and the smallest changes.

    Capacity is proportional to sessions a week, so ``n_hubs`` hubs hold them at ``sessions_per_week x total /
    capacity`` sessions (rounded up to a whole session).
    """
    held = largest_capacity(capacity, n_hubs, must_open, unavailable)
    if held >= total * (1 - 1e-12):
        return None
    needed = math.inf if held <= 0 else math.ceil(sessions_per_week * total / held - 1e-9)
    return CapacityShortfall(
        n_hubs=n_hubs,
        demand=float(total),
        capacity=held,
        hubs_needed=smallest_feasible_hubs(capacity, total, must_open, unavailable),
        sessions_now=sessions_per_week,
        sessions_needed=float(needed),
    )


def hub_appointments(appointments: np.ndarray, assignment: np.ndarray, n_sites: int) -> np.ndarray:
    """Appointments a year each site serves, every zone at its assigned hub (-1: none)."""
    reached = assignment >= 0
    return np.bincount(assignment[reached], weights=np.asarray(appointments)[reached], minlength=n_sites)


@dataclass
class ServicePlan:
    """The appointments of a run's zones against its candidate sites' capacity.

    Attributes
    ----------
    appointments : numpy.ndarray
        Appointments a year each zone needs.
    capacity : numpy.ndarray
        Appointments a year each candidate site can hold as a hub.
    rates : dict of str to float
        Appointments per head per year by age band (all services).
    rate_basis, capacity_basis : str
        Where the rates and the capacity figures come from (with "ILLUSTRATIVE" beside an assumption).
    illustrative : bool
        Whether a figure is an assumption without a source.
    enforcement : str
        How the model keeps each hub within capacity (or that it cannot, and which hubs are over), in words.
    """

    appointments: np.ndarray
    capacity: np.ndarray
    rates: dict[str, float]
    rate_basis: str
    capacity_basis: str
    illustrative: bool
    enforcement: str = ""
    #: Whether the model kept each hub within capacity (False: a model that cannot, checked after).
    kept: bool = True

    @property
    def total(self) -> float:
        """Appointments a year all zones need."""
        return float(np.sum(self.appointments))


def capacity_by_hubs(
    plan: ServicePlan,
    sweep: pd.DataFrame,
    site_ids: Sequence[str],
    minutes: np.ndarray,
    must_open: Sequence[int],
    unavailable: Sequence[int],
    external: Sequence[int] = (),
) -> pd.DataFrame:
    """For each N of a sweep: whether N hubs can hold every appointment, and the fullest of the sweep's hubs.

    ``external`` sites (other areas' services at the border, always open) take the appointments of the zones
    nearest to them; they are not among the N hubs, so their capacity is neither counted nor checked.

    Returns
    -------
    pandas.DataFrame
        ``n_hubs``, ``capacity_feasible`` (the N largest capacities the rules allow hold the zones' total),
        ``fullest_hub`` (site ID), ``fullest_hub_appointments``, ``fullest_hub_capacity``, ``fullest_hub_pct``
        (each zone at its nearest hub of the sweep's answer; blank where N has no answer).
    """
    from_id = {str(s): j for j, s in enumerate(site_ids)}
    rows = []
    for _, s in sweep.iterrows():
        n = int(s["n_hubs"])
        row: dict[str, object] = {
            "n_hubs": n,
            "capacity_feasible": largest_capacity(plan.capacity, n, must_open, [*unavailable, *external])
            >= plan.total * (1 - 1e-12),
        }
        hubs = [from_id[x.strip()] for x in str(s.get("sites") or "").split(",") if x.strip() in from_id]
        if hubs and pd.notna(s.get("mean_minutes")):
            border = [int(j) for j in external if int(j) not in hubs]
            load = nearest_loads(plan.appointments, minutes, [*hubs, *border], len(site_ids))
            use = load[hubs] / plan.capacity[hubs]
            k = hubs[int(np.argmax(use))]
            row.update(
                fullest_hub=str(site_ids[k]),
                fullest_hub_appointments=float(load[k]),
                fullest_hub_capacity=float(plan.capacity[k]),
                fullest_hub_pct=100.0 * float(use.max()),
            )
        rows.append(row)
    return pd.DataFrame(rows)


def nearest_loads(appointments: np.ndarray, minutes: np.ndarray, hubs: Sequence[int], n_sites: int) -> np.ndarray:
    """Appointments a year at each site, every zone at its nearest hub of ``hubs``."""
    assignment, _ = nearest_open_assignment(minutes, np.asarray(hubs, dtype=int))
    return hub_appointments(appointments, assignment, n_sites)
