"""Cost against access with a fixed number of hubs: every efficient set of hubs, by the epsilon-constraint method.

With N hubs, each set of sites has an access figure (demand-weighted minutes to the nearest hub, the p-median
objective) and a running cost (the sum of its sites' annual costs). A set is **efficient** when no other set of N
hubs is at least as good on both and better on one. A weighted sum of the two finds only the *supported* efficient
sets (the corners of the convex hull); the epsilon-constraint method finds every one, supported or not:

1. solve the exact p-median MIP with N hubs: the best access ``T1``; then the cheapest set with that access,
   ``C1`` (a second solve with ``travel <= T1``, so a tie in access never yields a dominated set);
2. add ``cost <= C1 - step`` and repeat, until no set is cheaper or ``max_points`` sets are found.

Each point is the best access for its cost ceiling, so the list runs from the best access (dearest) to the cheapest.
Costs are compared after scaling by the dearest site's cost: two costs closer than ``1e-6`` of it (£2 in £2 million)
count as equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from hubopt.errors import InputError
from hubopt.locate._highs import run_highs
from hubopt.locate.options import DEFAULT_OPTIONS, NO_RULES, SiteRules, SolverOptions

__all__ = ["EfficientSets", "efficient_hub_sets"]

#: Smallest cost step between two efficient sets, as a share of the dearest site's cost.
COST_STEP = 1e-6
#: HiGHS's feasibility tolerances, well below :data:`COST_STEP`, so that a set no cheaper than the last one never
#: passes for one (HiGHS's default, 1e-6, equals the step).
_TOLERANCE = 1e-9
_TOLERANCES: dict[str, bool | int | float | str] = {
    "mip_feasibility_tolerance": _TOLERANCE,
    "primal_feasibility_tolerance": _TOLERANCE,
}
#: Slack on the access figure when the cheapest set of the best access is sought (relative, and absolute).
_ACCESS_SLACK = (1e-9, 1e-7)


@dataclass
class EfficientSets:
    """The efficient sets of one number of hubs.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per efficient set, best access first: ``option`` (1, 2, ...), ``travel`` (demand-weighted
        minutes to the nearest hub), ``annual_cost``, ``sites`` (indices, tuple), ``status`` ("optimal" when both
        solves were proven).
    complete : bool
        Whether the list holds every efficient set (False when ``max_points`` stopped it, or a solve was not
        proven).
    note : str
        Why the list may be incomplete ("" when complete).
    """

    table: pd.DataFrame
    complete: bool
    note: str = ""


def efficient_hub_sets(
    cost: np.ndarray,
    weights: np.ndarray,
    n_hubs: int,
    site_cost: Sequence[float] | np.ndarray,
    *,
    rules: SiteRules = NO_RULES,
    options: SolverOptions = DEFAULT_OPTIONS,
    max_points: int = 12,
) -> EfficientSets:
    """Every efficient (access, running cost) set of ``n_hubs`` sites, by the epsilon-constraint method.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_zones, n_sites)
        Travel minutes; ``inf`` where a site cannot be reached.
    weights : numpy.ndarray, shape (n_zones,)
        Demand per zone.
    n_hubs : int
        Number of hubs (exactly).
    site_cost : array of float, shape (n_sites,)
        Annual running cost of a hub at each site (>= 0, every site known).
    rules : SiteRules
        Sites that must be chosen, and sites that may not.
    options : SolverOptions
        Time limit per solve (HiGHS).
    max_points : int
        Most efficient sets to list.

    Returns
    -------
    EfficientSets

    Raises
    ------
    InputError
        When a site's cost is missing or negative (naming the ``site_cost`` argument), ``n_hubs`` is out of range,
        or no set of ``n_hubs`` sites reaches every zone.
    """
    c = np.asarray(cost, dtype=float)
    w = np.asarray(weights, dtype=float)
    price = np.array(site_cost, dtype=float)
    m = c.shape[1]
    if rules.external:  # other areas' services: always open, not among the n_hubs, costing nothing
        if price.shape == (m,):
            price[list(rules.external)] = 0.0
        n_hubs = int(rules.total_hubs(n_hubs) or 0)
        rules = rules.for_solver()
    if price.shape != (m,) or not np.all(np.isfinite(price)) or np.any(price < 0):
        raise InputError(
            "every site needs a running cost of zero or more to compare sets by cost",
            parameter="site_cost",
            hint="give annual_cost for each candidate site (or a default per hub)",
        )
    allowed = np.ones(m, dtype=bool)
    allowed[list(rules.unavailable)] = False
    if not 1 <= n_hubs <= int(allowed.sum()) or len(rules.must_open) > n_hubs:
        raise InputError(f"{n_hubs} hubs cannot be chosen from {int(allowed.sum())} usable sites", parameter="n_hubs")
    keep = w > 0
    c, w = c[keep], w[keep]
    scale = float(price.max()) or 1.0
    problem = _Problem(c, w, n_hubs, price / scale, allowed, rules.must_open)
    rows: list[dict[str, object]] = []
    ceiling = np.inf
    complete, note = True, ""
    while len(rows) < max_points:
        best = problem.solve(options, cost_ceiling=ceiling)
        if best is None:
            break
        travel, _, status = best
        cheapest = problem.solve(options, cost_ceiling=ceiling, travel_ceiling=travel)
        if cheapest is None:  # pragma: no cover - the first solve's answer satisfies the second's rows
            break
        _, chosen, status2 = cheapest
        proven = status == "optimal" and status2 == "optimal"
        rows.append(
            {
                "option": len(rows) + 1,
                "travel": float(w @ np.min(c[:, chosen], axis=1)),
                "annual_cost": float(price[chosen].sum()),
                "sites": tuple(int(j) for j in chosen),
                "status": "optimal" if proven else "not proven optimal",
            }
        )
        if not proven:
            complete, note = False, "a solve stopped before proving its answer optimal; sets may be missing"
            break
        ceiling = float(price[chosen].sum()) / scale - COST_STEP
    else:
        if problem.solve(options, cost_ceiling=ceiling) is not None:
            complete, note = False, f"only the first {max_points} efficient sets are listed"
    table = pd.DataFrame(rows, columns=["option", "travel", "annual_cost", "sites", "status"])
    return EfficientSets(table=table, complete=complete, note=note)


class _Problem:
    """The p-median MIP with N hubs over the reachable zone-site pairs, with a cost row and an access row."""

    def __init__(
        self,
        c: np.ndarray,
        w: np.ndarray,
        n_hubs: int,
        price: np.ndarray,
        allowed: np.ndarray,
        must_open: Sequence[int],
    ) -> None:
        n, m = c.shape
        usable = np.isfinite(c) & allowed[None, :]
        if not usable.any(axis=1).all():
            raise InputError("a zone with demand cannot reach any usable site", parameter="cost")
        zone, site = np.nonzero(usable)
        k = zone.size
        self.zone, self.site, self.m = zone, site, m
        self.travel_coef = w[zone] * c[zone, site]
        # columns: y (m sites), then x (k pairs). Rows: assign (n), link (k), count (1), cost (1), access (1).
        pairs = np.arange(k)
        assign = sparse.csr_matrix((np.ones(k), (zone, m + pairs)), shape=(n, m + k))
        link = sparse.csr_matrix(
            (np.r_[np.ones(k), -np.ones(k)], (np.r_[pairs, pairs], np.r_[m + pairs, site])), shape=(k, m + k)
        )
        count = sparse.csr_matrix((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, m + k))
        price_row = sparse.csr_matrix(np.r_[price, np.zeros(k)][None, :])
        access_row = sparse.csr_matrix(np.r_[np.zeros(m), self.travel_coef][None, :])
        self.matrix = sparse.vstack([assign, link, count, price_row, access_row]).tocsc()
        self.n, self.k, self.n_hubs = n, k, n_hubs
        self.price = price
        self.col_lower = np.zeros(m + k)
        self.col_lower[list(must_open)] = 1.0
        self.col_upper = np.r_[allowed.astype(float), np.ones(k)]
        self.integer = np.r_[np.ones(m, dtype=bool), np.zeros(k, dtype=bool)]

    def solve(
        self, options: SolverOptions, *, cost_ceiling: float, travel_ceiling: float | None = None
    ) -> tuple[float, np.ndarray, str] | None:
        """Best access under ``cost_ceiling`` (or, with ``travel_ceiling``, the cheapest set within it): the
        access figure, the chosen sites and the status; None when no set fits."""
        n, k = self.n, self.k
        row_lower = np.r_[np.ones(n), np.full(k, -np.inf), self.n_hubs, -np.inf, -np.inf]
        slack = 0.0 if travel_ceiling is None else max(_ACCESS_SLACK[0] * travel_ceiling, _ACCESS_SLACK[1])
        row_upper = np.r_[
            np.ones(n),
            np.zeros(k),
            self.n_hubs,
            cost_ceiling,
            np.inf if travel_ceiling is None else travel_ceiling + slack,
        ]
        objective = (
            np.r_[np.zeros(self.m), self.travel_coef] if travel_ceiling is None else np.r_[self.price, np.zeros(k)]
        )
        out = run_highs(
            objective,
            self.matrix,
            self.col_lower,
            self.col_upper,
            row_lower,
            row_upper,
            integer=self.integer,
            time_limit=options.time_limit,
            mip_gap=options.mip_gap,
            options=_TOLERANCES,
        )
        if out.x is None:
            return None
        chosen = np.flatnonzero(out.x[: self.m] > 0.5)
        if chosen.size != self.n_hubs or self.price[chosen].sum() > cost_ceiling + _TOLERANCE:
            return None  # within HiGHS's tolerance only: no set is cheaper by a whole step
        travel = float(self.travel_coef @ out.x[self.m :])
        return travel, chosen, out.status
