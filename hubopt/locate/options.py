"""The keyword blocks every location model shares, as small frozen option objects.

:class:`SiteRules` (which sites must open, which may not) and :class:`SolverOptions` (which solver, how long, how
close to optimal) travel together through the registry (:mod:`hubopt.locate.registry`), the explanation and the
sweep instead of the same five parameters repeated in every call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


def _indices(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({int(j) for j in values}))


@dataclass(frozen=True)
class SiteRules:
    """Which candidate sites must open and which may not (column indices of the travel-time matrix).

    Attributes
    ----------
    must_open : tuple of int
        Sites every answer opens.
    unavailable : tuple of int
        Sites no answer may open.
    """

    must_open: tuple[int, ...] = ()
    unavailable: tuple[int, ...] = ()

    @classmethod
    def of(cls, must_open: Iterable[int] = (), unavailable: Iterable[int] = ()) -> SiteRules:
        """Rules from any iterables of site indices (sorted, duplicates dropped)."""
        return cls(_indices(must_open), _indices(unavailable))

    def also(self, must_open: Iterable[int] = (), unavailable: Iterable[int] = ()) -> SiteRules:
        """These rules with more must-open and unavailable sites (e.g. a swap forced for a re-solve)."""
        return SiteRules.of((*self.must_open, *must_open), (*self.unavailable, *unavailable))

    def keywords(self) -> dict[str, Any]:
        """The rules as the solver functions' ``must_open`` and ``unavailable`` keyword arguments."""
        return {"must_open": list(self.must_open), "unavailable": list(self.unavailable)}


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


#: No site rules: every site may open, none must.
NO_RULES = SiteRules()

#: The default solver options: HiGHS, no time limit, proven optimal, quiet.
DEFAULT_OPTIONS = SolverOptions()
