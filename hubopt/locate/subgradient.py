"""The step control of a subgradient ascent on a Lagrangian bound, shared by the p-median's bound
(:mod:`hubopt.locate.lagrangian`) and the capacitated model's (:mod:`hubopt.locate.capacitated_bound`).

It keeps the best bound found and its multipliers, halves the step factor after :data:`STALL` iterations without a
better bound (the ascent ends once the factor is below :data:`MIN_FACTOR`), and sizes each step as Polyak's rule
does: towards the incumbent's cost, or 5 % above the bound when there is no incumbent.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MIN_FACTOR", "STALL", "AscentSteps"]

#: The step factor is halved after this many iterations without a better bound; the ascent stops below MIN_FACTOR.
STALL = 20
MIN_FACTOR = 1e-3


class AscentSteps:
    """The best bound of an ascent so far, and the size of its next step.

    Parameters
    ----------
    u : numpy.ndarray
        The starting multipliers (the best ones until a bound improves on ``-inf``).
    upper : float
        The incumbent's cost (``inf`` when there is none): the steps aim at it.
    """

    def __init__(self, u: np.ndarray, upper: float) -> None:
        self.best = -math.inf
        self.best_u = u.copy()
        self.upper = upper
        self.factor = 2.0
        self._stall = 0

    def record(self, value: float, u: np.ndarray) -> None:
        """Note the bound ``value`` at multipliers ``u``: keep it when better, else count a stalled iteration."""
        if value > self.best + 1e-12 * max(1.0, abs(value)):
            self.best, self.best_u, self._stall = value, u.copy(), 0
        else:
            self._stall += 1
            if self._stall >= STALL:
                self.factor, self._stall = self.factor / 2.0, 0

    @property
    def exhausted(self) -> bool:
        """True once the step factor has shrunk below :data:`MIN_FACTOR`."""
        return self.factor < MIN_FACTOR

    def length(self, value: float, norm: float) -> float:
        """The Polyak step length for a subgradient of squared norm ``norm`` at bound ``value``."""
        aim = self.upper - value if math.isfinite(self.upper) else 0.05 * max(1.0, abs(value))
        return self.factor * max(aim, 1e-9 * max(1.0, abs(value))) / norm
