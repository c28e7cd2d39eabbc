"""The keyword blocks every location model shares, as small frozen option objects.

:class:`SiteRules` (which sites must open, which may not) and :class:`SolverOptions` (which solver, how long, how
close to optimal) travel together through the registry (:mod:`hubopt.locate.registry`), the explanation and the
sweep instead of the same five parameters repeated in every call. :class:`CapacitySettings` holds the capacitated
model's own block (sizes, capacities, costs, budget, new builds) in the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hubopt.errors import InputError


def _indices(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({int(j) for j in values}))


@dataclass(frozen=True)
class SiteRules:
    """Which candidate sites must open, which may not, and which are other areas' services (column indices of the
    travel-time matrix).

    An **external** site is a service outside the study area (a neighbouring area's hub near the border): always
    open, serving the zones nearest to it, but not one of the area's N hubs and costing nothing. The models see it
    as one more must-open site with N raised by the number of external sites (:meth:`for_solver`,
    :meth:`total_hubs`), so each zone still goes to its nearest open site and the N internal hubs are the best N
    given the border services.

    Attributes
    ----------
    must_open : tuple of int
        Sites every answer opens (counted in N).
    unavailable : tuple of int
        Sites no answer may open.
    external : tuple of int
        Other areas' services: always open, not counted in N.
    """

    must_open: tuple[int, ...] = ()
    unavailable: tuple[int, ...] = ()
    external: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        clash = sorted(set(self.external) & (set(self.must_open) | set(self.unavailable)))
        if clash:
            raise InputError(
                f"site(s) at column(s) {', '.join(map(str, clash))} are external (another area's service) and also "
                "must-open or unavailable",
                parameter="external",
                hint="an external site is always open and not one of the area's hubs: leave it out of must_open "
                "and unavailable, or change its status",
            )

    @classmethod
    def of(
        cls, must_open: Iterable[int] = (), unavailable: Iterable[int] = (), external: Iterable[int] = ()
    ) -> SiteRules:
        """Rules from any iterables of site indices (sorted, duplicates dropped)."""
        return cls(_indices(must_open), _indices(unavailable), _indices(external))

    def also(self, must_open: Iterable[int] = (), unavailable: Iterable[int] = ()) -> SiteRules:
        """These rules with more must-open and unavailable sites (e.g. a swap forced for a re-solve)."""
        return SiteRules.of((*self.must_open, *must_open), (*self.unavailable, *unavailable), self.external)

    def for_solver(self) -> SiteRules:
        """The rules a solver sees: external sites added to the must-open ones (N is raised by :meth:`total_hubs`)."""
        return SiteRules.of((*self.must_open, *self.external), self.unavailable)

    def total_hubs(self, n_hubs: int | None) -> int | None:
        """The number of open sites a solver is asked for: the area's ``n_hubs`` plus the external sites."""
        return None if n_hubs is None else int(n_hubs) + len(self.external)

    def keywords(self) -> dict[str, Any]:
        """The rules as the solver functions' ``must_open`` and ``unavailable`` keyword arguments (externals among
        the must-open sites)."""
        rules = self.for_solver()
        return {"must_open": list(rules.must_open), "unavailable": list(rules.unavailable)}


@dataclass(frozen=True)
class SolverOptions:
    """How a model is solved.

    Attributes
    ----------
    solver : {"highs", "cbc"}
        The MILP solver.
    time_limit : float or None
        Seconds per solve (None: no limit); a time-limited answer is labelled so, never as optimal.
    mip_gap : float
        Relative optimality gap at which to stop (0: prove optimality).
    msg : bool
        Show the solver's log.
    """

    solver: str = "highs"
    time_limit: float | None = None
    mip_gap: float = 0.0
    msg: bool = False

    def keywords(self) -> dict[str, Any]:
        """The options as the solver functions' keyword arguments."""
        return {"solver": self.solver, "time_limit": self.time_limit, "mip_gap": self.mip_gap, "msg": self.msg}


@dataclass(frozen=True, eq=False)
class CapacitySettings:
    """The capacitated model's limits and costs (:func:`hubopt.locate.capacitated.solve_facility_location`).

    Attributes
    ----------
    min_demand : float, optional
        Least demand an open hub must serve (viability: "bigger than cluster level").
    max_demand : float, optional
        Most demand any hub may serve (staffing); combined with ``capacity`` by taking the smaller.
    capacity : array of float, optional
        Per-site maximum demand; NaN = no limit.
    single_assignment : bool
        True: each zone is served by exactly one hub. False: a zone's demand may be split between hubs.
    fixed_cost : array of float, optional
        Running cost of each site if open (e.g. lower for existing estate than for a new build).
    capital_cost : array of float, optional
        Capital cost of opening each site; with ``budget``, the open sites' total must not exceed it.
    budget : float, optional
        Capital budget.
    cost_weight : float
        Trade-off weight: how many demand-weighted minutes one unit of fixed cost is worth. The objective is
        ``travel + cost_weight * fixed costs``.
    is_new_build : array of bool, optional
        Sites that would be new builds.
    max_new_build : int, optional
        At most this many new-build sites may open.
    """

    min_demand: float | None = None
    max_demand: float | None = None
    capacity: Sequence[float] | np.ndarray | None = None
    single_assignment: bool = True
    fixed_cost: Sequence[float] | np.ndarray | None = None
    capital_cost: Sequence[float] | np.ndarray | None = None
    budget: float | None = None
    cost_weight: float = 0.0
    is_new_build: Sequence[bool] | np.ndarray | None = None
    max_new_build: int | None = None


#: No site rules: every site may open, none must.
NO_RULES = SiteRules()

#: Told of progress through a long step: ``(done, total)`` after each item (a number of hubs, a solution...).
StepCallback = Callable[[int, int], None]

#: The default solver options: HiGHS, no time limit, proven optimal, quiet.
DEFAULT_OPTIONS = SolverOptions()

#: No capacitated limits or costs: every site may serve any demand, single assignment, travel only.
NO_CAPACITY_LIMITS = CapacitySettings()
