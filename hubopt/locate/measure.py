"""What an explanation is measured in: each location model in its own measure, and which way is worse.

============  =======================================================  ======  ===================================
model         measure                                                  better  ``increase_pct`` is a % of
============  =======================================================  ======  ===================================
p-median      demand-weighted minutes (to the nearest open hub)        lower   the chosen answer's value
capacitated   demand-weighted minutes (+ cost weight x fixed costs)    lower   the chosen answer's value
mclp          demand covered within T min                              higher  all demand (lost demand, as a share)
p-center      longest travel time (min) among zones with demand        lower   the chosen answer's longest time
lscp          swaps: demand left beyond T min (0 = a valid             lower   all demand
              alternative); next-best and re-optimised: hubs needed
============  =======================================================  ======  ===================================

The model's measure comes from its registry entry (:attr:`hubopt.locate.registry.LocationModel.measure`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hubopt.errors import InputError
from hubopt.locate import registry
from hubopt.locate.solution import LocationResult


@dataclass(frozen=True)
class Measure:
    """What an explanation table's ``objective`` is measured in, and which way is worse.

    Attributes
    ----------
    key : str
        ``"travel"``, ``"objective"`` (capacitated with costs), ``"covered"`` (MCLP), ``"uncovered"`` (LSCP swaps),
        ``"hubs"`` (LSCP next-best and re-solves) or ``"radius"`` (p-center).
    name : str
        The measure in words, e.g. "demand covered within 10 min".
    better : {"lower", "higher"}
        Which way is better; ``increase`` is always "worse by", so it is the fall in a "higher" measure.
    pct_of : str
        What ``increase_pct`` is a percentage of.
    max_minutes : float or None
        The coverage standard T, for the coverage measures.
    """

    key: str
    name: str
    better: str
    pct_of: str
    max_minutes: float | None = None

    def worse_by(self, value: float, reference: float) -> float:
        """How much worse ``value`` is than ``reference`` in this measure (negative: better)."""
        return value - reference if self.better == "lower" else reference - value

    def pct(self, increase: float, reference: float, total_demand: float) -> float:
        """``increase`` as a percentage of what :attr:`pct_of` names (NaN when that is zero)."""
        base = total_demand if self.key in ("covered", "uncovered") else reference
        return 100.0 * increase / base if base > 0 else math.nan

    def phrase(self, increase: float, increase_pct: float) -> str:
        """A short phrase for a summary line: how much worse, in this measure's words."""
        t = f"{self.max_minutes:g} min" if self.max_minutes is not None else ""
        if self.key == "travel":
            return f"{_signed(increase_pct, 2)}% travel"
        if self.key == "objective":
            return f"{_signed(increase_pct, 2)}% on the objective (travel plus weighted fixed costs)"
        if self.key == "covered":
            return f"{increase:,.0f} less demand within {t} ({increase_pct:.2f}% of all demand)"
        if self.key == "uncovered":
            if increase <= 0:
                return f"still everyone within {t}"
            return f"{increase:,.0f} demand left beyond {t} ({increase_pct:.2f}% of all demand)"
        if self.key == "hubs":
            n = round(increase)
            return "the same number of hubs" if n == 0 else f"{n:+d} hub{'s' if abs(n) != 1 else ''}"
        return f"{_signed(increase, 1)} min on the longest journey"

    def compare_line(
        self, increases: Sequence[float], pcts: Sequence[float], mean_extra: Sequence[float] | None = None
    ) -> str:
        """How much worse several answers are than the best, as the predicate of a summary sentence.

        ``mean_extra`` (the change in the demand-weighted mean travel time of each) is added for the p-center,
        whose ties on the longest journey are broken by the mean.
        """
        t = f"{self.max_minutes:g} min" if self.max_minutes is not None else ""
        if self.key in ("travel", "objective"):
            what = (
                "more travel" if self.key == "travel" else "more on the objective (travel plus weighted fixed costs)"
            )
            return f"cost {', '.join(f'{_signed(p, 2)}%' for p in pcts)} {what}"
        if self.key in ("covered", "uncovered"):
            amounts = ", ".join(f"{x:,.0f}" for x in increases)
            shares = ", ".join(f"{p:.2f}%" for p in pcts)
            verb = "cover" if self.key == "covered" else "leave"
            where = "less demand within" if self.key == "covered" else "more demand beyond"
            return f"{verb} {amounts} {where} {t} ({shares} of all demand)"
        if self.key == "hubs":
            extra = [round(x) for x in increases]
            if not any(extra):
                return f"need the same number of hubs to bring everyone within {t}"
            return f"need {', '.join(f'{n:+d}' for n in extra)} hubs vs the best to bring everyone within {t}"
        text = f"lengthen the longest journey by {', '.join(f'{x:.1f}' for x in increases)} min"
        if mean_extra is not None:
            text += f" (and the mean journey by {', '.join(_signed(x, 2) for x in mean_extra)} min)"
        return text


def _signed(value: float, digits: int) -> str:
    """``value`` with its sign, rounded to ``digits``; a rounding error around zero reads "+0.00", not "+-0.00"."""
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:+.{digits}f}"


def model_measure(
    model: str, *, max_minutes: float | None = None, with_costs: bool = False, hubs: bool = False
) -> Measure:
    """The measure a model's explanation tables are in.

    Parameters
    ----------
    model : str
        A registered model (:mod:`hubopt.locate.registry`), whose ``measure`` decides; any other name (e.g. a
        multi-year p-median) is measured in demand-weighted minutes.
    max_minutes : float, optional
        The coverage standard T (MCLP and LSCP).
    with_costs : bool
        Capacitated model whose objective adds weighted fixed costs to the travel.
    hubs : bool
        LSCP: the number of hubs (next-best and re-solves) rather than the demand a swap leaves uncovered.
    """
    best = "the chosen answer's value"
    entry = registry.find(model)
    kind = "travel" if entry is None else entry.measure
    if kind in ("covered", "cover all"):
        if max_minutes is None:
            raise InputError(f"the {model} explanation needs the travel-time standard (max_minutes)")
        t = float(max_minutes)
        if kind == "covered":
            return Measure("covered", f"demand covered within {t:g} min", "higher", "all demand", t)
        if hubs:
            return Measure(
                "hubs", f"hubs needed for everyone within {t:g} min", "lower", "the chosen number of hubs", t
            )
        return Measure("uncovered", f"demand left beyond {t:g} min", "lower", "all demand", t)
    if kind == "radius":
        return Measure("radius", "longest travel time (min)", "lower", "the chosen answer's longest time")
    if kind == "travel and cost" and with_costs:
        return Measure("objective", "demand-weighted minutes plus cost weight x fixed costs", "lower", best)
    return Measure("travel", "demand-weighted minutes", "lower", best)


def result_measure(result: LocationResult, *, hubs: bool = False) -> Measure:
    """The measure of a solved model's explanation tables (``hubs``: the LSCP's next-best and re-solve measure)."""
    p = result.parameters
    costs = bool(p.get("cost_weight")) and bool(p.get("fixed_cost_total"))
    return model_measure(result.model, max_minutes=p.get("max_minutes"), with_costs=costs, hubs=hubs)
