"""The result of a location model, and the access measures a board asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hubopt.errors import InputError
from hubopt.locate.solve import SolveReport


@dataclass
class LocationResult:
    """Which sites a model opened and which open site serves each zone.

    Attributes
    ----------
    model : str
        Model name, e.g. "p-median".
    open_sites : numpy.ndarray of int
        Column indices (into the cost matrix) of the open sites, ascending.
    assignment : numpy.ndarray of int
        For each zone, the column index of the open site that serves it (-1: none reachable).
    assigned_cost : numpy.ndarray of float
        For each zone, its cost (travel time) to the serving site (inf when none).
    objective : float
        Objective value recomputed from the assignment (e.g. demand-weighted minutes).
    report : SolveReport
        What the solver achieved.
    parameters : dict
        The model's parameters, for manifests.
    external : numpy.ndarray of int
        The open sites that are other areas' services (status ``external``): open, serving their nearest zones,
        but not among the area's hubs (see :attr:`hubs`).
    """

    model: str
    open_sites: np.ndarray
    assignment: np.ndarray
    assigned_cost: np.ndarray
    objective: float
    report: SolveReport
    parameters: dict[str, Any] = field(default_factory=dict)
    external: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def hubs(self) -> np.ndarray:
        """The area's own hubs: the open sites that are not external services (ascending column indices)."""
        return np.setdiff1d(np.asarray(self.open_sites, dtype=int), np.asarray(self.external, dtype=int))


def nearest_open_assignment(
    cost: np.ndarray, open_sites: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Assign every zone to its nearest open site.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel times; ``inf`` where a site cannot be reached.
    open_sites : sequence or numpy.ndarray of int
        Column indices of the open sites.

    Returns
    -------
    assignment : numpy.ndarray of int
        Column index of the nearest open site per zone (lowest index on ties), -1 where none is reachable.
    assigned_cost : numpy.ndarray of float
        The zone's travel time to that site (inf where none is reachable).
    """
    cols = np.asarray(sorted(int(j) for j in open_sites), dtype=int)
    if cols.size == 0:
        n = cost.shape[0]
        return np.full(n, -1, dtype=int), np.full(n, np.inf)
    sub = cost[:, cols]
    best = np.argmin(sub, axis=1)
    best_cost = sub[np.arange(sub.shape[0]), best]
    assignment = np.where(np.isfinite(best_cost), cols[best], -1)
    return assignment, best_cost


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value below or at which a share ``q`` of the total weight lies.

    For population-weighted percentiles: "95 % of people live within X minutes" is ``weighted_quantile(minutes,
    population, 0.95)``. Infinite values (no reachable site) are allowed and sort last.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if v.size == 0 or w.sum() <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    idx = int(np.searchsorted(cum, q * cum[-1] - 1e-9 * cum[-1], side="left"))
    return float(v[order][min(idx, v.size - 1)])


def access_measures(
    minutes: np.ndarray, population: np.ndarray, thresholds: Sequence[float] = (15, 30)
) -> dict[str, float]:
    """Population-weighted access to the serving hub.

    Parameters
    ----------
    minutes : numpy.ndarray
        Travel time of each zone to its hub (inf for none reachable).
    population : numpy.ndarray
        People in each zone.
    thresholds : sequence of float
        Minutes for "share within T".

    Returns
    -------
    dict
        ``mean_minutes`` (over people who can reach a hub), ``p95_minutes``, ``max_minutes``,
        ``within_<T>_share`` for each threshold, ``unreachable_population``.
    """
    m = np.asarray(minutes, dtype=float)
    w = np.asarray(population, dtype=float)
    finite = np.isfinite(m)
    total = float(w.sum())
    out: dict[str, float] = {
        "population": total,
        "mean_minutes": float(np.average(m[finite], weights=w[finite])) if w[finite].sum() > 0 else float("nan"),
        "p95_minutes": weighted_quantile(m, w, 0.95),
        "max_minutes": float(m.max()) if m.size else float("nan"),
        "unreachable_population": float(w[~finite].sum()),
    }
    for t in thresholds:
        out[f"within_{t:g}_share"] = float(w[m <= t].sum() / total) if total > 0 else float("nan")
    return out


#: The largest total of demand x travel time (or of demand, or of money) hubopt computes with. A float64 carries
#: about 16 significant digits, so beyond 1e15 totals can no longer be told apart to the unit (a relative gap of
#: 1e-9 stops meaning anything), and HiGHS treats coefficients of 1e20 or more as infinite; far beyond, products
#: overflow to inf and inf - inf is NaN.
MAX_TOTAL = 1e15


def check_weighted_total(weights: np.ndarray, max_time: float, *, what: str = "demand") -> None:
    """Refuse demand whose total, times the longest finite travel time, is too large to compute with.

    Parameters
    ----------
    weights : numpy.ndarray
        Demand of each zone (finite, zero or positive: checked before).
    max_time : float
        The longest finite travel time (minutes) in the matrix.
    what : str
        What the weights are, for the message.

    Raises
    ------
    hubopt.errors.InputError
        When ``sum(weights) * max(max_time, 1)`` is not below :data:`MAX_TOTAL`.
    """
    with np.errstate(over="ignore"):
        total_w = float(np.sum(weights, dtype=float))
    total = total_w * max(float(max_time), 1.0)
    if not total < MAX_TOTAL:
        raise InputError(
            f"the {what} is too large to compute with: total {what} {total_w:.3g} x longest travel time "
            f"{max_time:.3g} minutes = {total:.3g}, above {MAX_TOTAL:.0e} (products this large lose precision or "
            "overflow)",
            hint=f"scale the {what} down (e.g. count thousands of people) or look for a wrong, huge value",
        )


#: Matrix elements scanned at once when checking or gathering (bounds the temporary memory of dense scans).
SCAN_BLOCK = 1 << 20


def row_step(n_cols: int) -> int:
    """Rows of a matrix with ``n_cols`` columns to scan at once (about :data:`SCAN_BLOCK` elements)."""
    return max(1, SCAN_BLOCK // max(n_cols, 1))


def check_cost_and_weights(
    cost: np.ndarray,
    weights: np.ndarray | None,
    zone_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Validate a zone × site travel-time matrix and zone demand; return them as float arrays with names.

    The one input check every location model uses. The matrix is scanned block by block (about
    :data:`SCAN_BLOCK` elements at a time), so checking a large matrix needs little memory beyond it.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Minutes; ``inf`` where a site cannot be reached. NaN and negative times are refused.
    weights : numpy.ndarray, shape (n_zones,), or None
        Demand per zone, finite and zero or positive (None: one per zone, e.g. to count zones).
    zone_ids, site_ids : sequence of str, optional
        Names used in messages ("zone 0", "site 0", ... when not given).

    Returns
    -------
    cost, weights : numpy.ndarray
    zone_ids, site_ids : list of str

    Raises
    ------
    hubopt.errors.InputError
        On a badly shaped matrix, missing or negative times, or bad demand.
    """
    c = np.asarray(cost, dtype=float)  # no copy for a float64 array
    if c.ndim != 2:
        raise InputError(f"the travel-time matrix must have 2 dimensions (zones x sites), not {c.ndim}")
    n, m = c.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise InputError(f"there are {n} zones in the travel-time matrix but {w.size} demand values")
    step = row_step(m)
    max_time = 0.0
    for r0 in range(0, n, step):
        block = c[r0 : r0 + step]
        if np.isnan(block).any():
            raise InputError("the travel-time matrix has missing values (NaN); use inf for 'not reachable'")
        if (block < 0).any():
            raise InputError("the travel-time matrix has negative times")
        max_time = max(max_time, float(np.max(block, where=np.isfinite(block), initial=0.0)))
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("demand must be finite and zero or positive for every zone")
    check_weighted_total(w, max_time)
    zids = [str(z) for z in zone_ids] if zone_ids is not None else [f"zone {i}" for i in range(n)]
    sids = [str(s) for s in site_ids] if site_ids is not None else [f"site {j}" for j in range(m)]
    if len(zids) != n or len(sids) != m:
        raise InputError("the zone or site identifiers do not match the travel-time matrix's shape")
    return c, w, zids, sids


def name_list(names: Sequence[str], limit: int = 10) -> str:
    """``"a, b, c"``, cut after ``limit`` names with "and K more"."""
    shown = ", ".join(str(x) for x in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def site_label(name: object, site_id: object) -> str:
    """A site as people read it: its name, then its code, e.g. ``"Tonbridge Cottage Hospital (RYYDC)"``."""
    n, s = str(name if name is not None else "").strip(), str(site_id if site_id is not None else "").strip()
    if not s:
        return n
    return f"{n} ({s})" if n and n != s and n.lower() != "nan" else s


def signed_number(value: float, fmt: str = ",.0f") -> str:
    """A change with its sign, ``"+1,234"`` or ``"-56"``; a change that rounds to zero is ``"+0"``, never ``"-0"``."""
    text = format(value, "+" + fmt)
    return "+" + text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text
