"""The answer to "how many hubs?": one table putting each N of the sweep against access, cost, staffing and
capacity, with the N every limit allows and what binds.

Nothing is recomputed here: access and cost are the cost-access frontier's (:mod:`hubopt.analysis.frontier`, from
the sweep), staffing the workforce's marks on it (:func:`hubopt.analysis.workforce.staffing_verdict`), capacity the
appointments' (:func:`hubopt.analysis.appointments.capacity_by_hubs`). Limits come in two kinds: the cost threshold
and the staff put a ceiling on N; the largest hub the staff allow and the appointments' capacity put a floor.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hubopt.analysis.workforce import WorkforceLimits

__all__ = ["how_many_table"]


def how_many_table(
    frontier: pd.DataFrame,
    thresholds: Sequence[float],
    *,
    economic_n: int | None = None,
    limits: WorkforceLimits | None = None,
    capacity: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """The how-many table and the sentence naming the N every limit allows and what binds.

    Parameters
    ----------
    frontier : pandas.DataFrame
        The frontier table (:func:`hubopt.analysis.frontier.cost_access_frontier`), with ``within_staff`` and
        ``within_hub_size`` when a workforce marked it.
    thresholds : sequence of float
        Minutes of its ``within_<T>_share`` columns.
    economic_n : int, optional
        The N beyond which an extra hub buys less than the cost threshold.
    limits : WorkforceLimits, optional
        The workforce's limits (the frontier then carries its marks).
    capacity : pandas.DataFrame, optional
        One row per N (:func:`hubopt.analysis.appointments.capacity_by_hubs`).

    Returns
    -------
    (pandas.DataFrame, str)
        ``n_hubs``, ``mean_minutes``, ``within_<T>_share``, ``annual_cost``, ``worth_funding``, ``within_staff``,
        ``within_hub_size``, ``capacity_feasible``, ``fullest_hub``, ``fullest_hub_pct``, ``allowed`` and ``sites``
        (a limit not set leaves its column blank and allows every N); the sentence.
    """
    n = frontier["n_hubs"].astype(int)
    answered = frontier["mean_minutes"].notna()
    out = pd.DataFrame({"n_hubs": n})
    out["mean_minutes"] = frontier["mean_minutes"]
    for t in thresholds:
        out[f"within_{t:g}_share"] = frontier[f"within_{t:g}_share"]
    out["annual_cost"] = frontier["annual_cost"]
    checks: dict[str, pd.Series] = {}
    if economic_n is not None:
        checks["worth_funding"] = answered & (n <= economic_n)
    if limits is not None:
        if limits.max_hubs is not None:
            checks["within_staff"] = frontier["within_staff"].astype(bool)
        if limits.max_hub_population is not None:
            checks["within_hub_size"] = frontier["within_hub_size"].astype(bool)
    by_n = None if capacity is None else capacity.set_index("n_hubs").reindex(n.to_numpy())
    if by_n is not None:
        checks["capacity_feasible"] = pd.Series(by_n["capacity_feasible"].fillna(False).astype(bool).to_numpy())
    for col in ("worth_funding", "within_staff", "within_hub_size", "capacity_feasible"):
        out[col] = checks[col].to_numpy() if col in checks else pd.NA
    for col in ("fullest_hub", "fullest_hub_pct"):
        out[col] = by_n[col].to_numpy() if by_n is not None and col in by_n else pd.NA
    allowed = answered.copy()
    for check in checks.values():
        allowed &= check.to_numpy()
    out["allowed"] = allowed.to_numpy()
    out["sites"] = frontier["sites"]
    return out, _sentence(out, checks, economic_n, limits)


def _sentence(
    table: pd.DataFrame, checks: dict[str, pd.Series], economic_n: int | None, limits: WorkforceLimits | None
) -> str:
    n = table["n_hubs"]
    parts: list[str] = []
    ceilings: dict[str, int] = {}
    if limits is not None and limits.max_hubs is not None:
        ceilings["staffing"] = limits.max_hubs
        parts.append(f"staffing at most {limits.max_hubs} hubs ({limits.binding_role} binds)")
    floors = {
        "hub size": _floor(n, checks.get("within_hub_size")),
        "capacity": _floor(n, checks.get("capacity_feasible")),
    }
    if "within_hub_size" in checks and limits is not None and limits.max_hub_population is not None:
        parts.append(f"hubs of at most {limits.max_hub_population:,.0f} people ({_where(floors['hub size'])})")
    if economic_n is not None:
        ceilings["cost"] = economic_n
        parts.append(f"the cost threshold at most {economic_n} hubs")
    if "capacity_feasible" in checks:
        parts.append(f"room for every appointment ({_where(floors['capacity'])})")
    if not checks:
        return ""
    allowed = n[table["allowed"].to_numpy()].tolist()
    if not allowed:
        return f"no number of hubs in the sweep meets every limit: {'; '.join(parts)}"
    span = f"{min(allowed)} to {max(allowed)}" if len(allowed) > 1 else str(allowed[0])
    sentence = f"every limit allows {span} hubs ({'; '.join(parts)})"
    upper = [k for k, v in sorted(ceilings.items(), key=lambda kv: (kv[1], kv[0])) if v == max(allowed)][:1]
    lower = [k for k, v in sorted(floors.items()) if v is not None and v == min(allowed) and v > int(n.min())][:1]
    if upper and lower:
        sentence += f"; the {upper[0]} limit binds (at most {max(allowed)}), the {lower[0]} limit (at least "
        sentence += f"{min(allowed)})"
    elif upper:
        sentence += f"; the {upper[0]} limit binds"
    elif lower:
        sentence += f"; the {lower[0]} limit binds (at least {min(allowed)})"
    return sentence


def _floor(n: pd.Series, check: pd.Series | None) -> int | None:
    """The smallest N that passes ``check`` (None: none, or no such check)."""
    if check is None:
        return None
    fits = n[check.to_numpy()].tolist()
    return min(fits) if fits else None


def _where(floor: int | None) -> str:
    return f"{floor} hubs or more" if floor is not None else "no N of the sweep"
