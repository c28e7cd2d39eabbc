"""Checks of the capacitated model's settings that need no solver: per-site arrays, cost totals and rule values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hubopt.errors import InputError, ModelError
from hubopt.locate.solution import MAX_TOTAL


def fmt_amount(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.4g}"


def site_array(values: Sequence[float] | np.ndarray | None, m: int, name: str, *, nan_ok: bool) -> np.ndarray | None:
    if values is None:
        return None
    a = np.asarray(values, dtype=float)
    if a.shape != (m,):
        raise InputError(f"{name} must have one value per site ({m}), not shape {a.shape}", parameter=name)
    if not nan_ok and np.isnan(a).any():
        raise InputError(f"{name} has missing values (NaN)", parameter=name, hint="give every site a value")
    if (a[~np.isnan(a)] < 0).any() or np.isinf(a).any():
        raise InputError(f"{name} must be finite and zero or positive", parameter=name)
    return a


def check_cost_totals(
    fixed: np.ndarray | None, capital: np.ndarray | None, budget: float | None, cost_weight: float
) -> None:
    """Refuse costs and a budget too large to compute with (products lose precision or overflow)."""
    with np.errstate(over="ignore"):
        totals = [
            ("fixed_cost", None if fixed is None else cost_weight * float(np.nansum(fixed))),
            ("capital_cost", None if capital is None else float(np.nansum(capital))),
            ("budget", None if budget is None else abs(float(budget))),
        ]
    for name, total in totals:
        if total is not None and not total < MAX_TOTAL:
            what = "the capital budget" if name == "budget" else f"{name} (x the cost weight, summed over the sites)"
            raise InputError(
                f"{what} is too large to compute with ({total:.3g}, above {MAX_TOTAL:.0e})",
                parameter=name,
                hint="give costs in thousands of pounds, or look for a wrong, huge value",
            )


def check_rule_values(
    fixed: np.ndarray | None,
    capital: np.ndarray | None,
    cost_weight: float,
    min_demand: float | None,
    max_demand: float | None,
    budget: float | None,
    max_new_build: int | None,
    is_new_build: Sequence[bool] | np.ndarray | None,
) -> None:
    """Refuse rule values that are invalid on their own (negative, missing what they need, or contradictory)."""
    if cost_weight < 0 or not np.isfinite(cost_weight):
        raise InputError("the cost weight must be zero or positive", parameter="cost_weight")
    check_cost_totals(fixed, capital, budget, float(cost_weight))
    if min_demand is not None and (min_demand < 0 or not np.isfinite(min_demand)):
        raise InputError("the minimum demand per hub must be zero or positive", parameter="min_demand")
    if max_demand is not None and not max_demand > 0:
        raise InputError("the maximum demand per hub must be positive", parameter="max_demand")
    if min_demand is not None and max_demand is not None and min_demand > max_demand:
        raise ModelError(
            f"the minimum demand per hub ({fmt_amount(min_demand)}) is above the maximum ({fmt_amount(max_demand)}); "
            "no hub can satisfy both"
        )
    if budget is not None and capital is None:
        raise InputError("a capital budget needs a capital cost for each site", parameter="budget")
    if budget is not None and budget < 0:
        raise InputError("the capital budget must be zero or positive", parameter="budget")
    if max_new_build is not None and is_new_build is None:
        raise InputError("a new-build limit needs the sites flagged as new builds", parameter="max_new_build")
    if max_new_build is not None and max_new_build < 0:
        raise InputError("the new-build limit must be zero or positive", parameter="max_new_build")


@dataclass
class CapacitySpec:
    """The capacitated model's checked inputs: costs, demand, names, bounds per site, rules and costs."""

    cost: np.ndarray
    w: np.ndarray
    zids: list[str]
    sids: list[str]
    n_hubs: int | None
    lower: float
    upper: np.ndarray  # effective max demand per site (inf = no limit)
    single: bool
    fixed: np.ndarray
    capital: np.ndarray | None
    budget: float | None
    new_build: np.ndarray
    max_new_build: int | None
    cost_weight: float
    openable: np.ndarray
    forced: np.ndarray
    exclude: list[list[int]]
