"""Which sites can be used in which year, and which are at risk.

A site is **available** in a year from its register's ``available_from`` to its ``available_until`` (both
inclusive; a blank year is no limit), unless the scenario lists it as renewed (``sites.renewed``, with a reason):
a renewed site has no end year.

A site is **at risk** (:func:`risk_table`) when any of these holds, each stated in its reason:

* its availability ends within the plan's years: ``available_until`` at or before the plan's last year (the
  latest of the run's year, ``model.years`` and ``beds.years``) and it is not renewed;
* its condition is poor: ``condition`` is one of :attr:`RiskRules.poor_conditions` (default ERIC categories
  ``C`` and ``D``);
* its backlog maintenance is high: ``backlog_cost / floor_area_m2`` above :attr:`RiskRules.max_backlog_per_m2`
  (default £100 per m² of floor area: an ILLUSTRATIVE threshold, not a national standard; set your own).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_MAX_BACKLOG_PER_M2", "RiskRules", "at_risk_in_answer", "available_by_year", "risk_table"]

#: Default backlog per m² of floor area (£) above which a site is at risk: ILLUSTRATIVE, hubopt's own choice.
DEFAULT_MAX_BACKLOG_PER_M2 = 100.0


@dataclass(frozen=True)
class RiskRules:
    """What makes a site at risk (see the module notes).

    Attributes
    ----------
    poor_conditions : tuple of str
        Values of ``condition`` counted as poor (compared ignoring case and spaces).
    max_backlog_per_m2 : float or None
        Backlog cost per m² of floor area (£) above which a site is at risk; None: not judged on backlog.
    source : str or None
        Where the thresholds come from (None: hubopt's documented defaults).
    """

    poor_conditions: tuple[str, ...] = ("C", "D")
    max_backlog_per_m2: float | None = DEFAULT_MAX_BACKLOG_PER_M2
    source: str | None = None


def _years(sites: pd.DataFrame, column: str) -> np.ndarray:
    if column not in sites.columns:
        return np.full(len(sites), np.nan)
    return pd.to_numeric(sites[column], errors="coerce").to_numpy(dtype=float)


def available_by_year(sites: pd.DataFrame, years: Sequence[int], renewed: Collection[str] = ()) -> np.ndarray:
    """Whether each site can be used in each year.

    Parameters
    ----------
    sites : pandas.DataFrame
        Sites with ``site_id`` and, optionally, ``available_from`` and ``available_until`` (years; blank: no limit).
    years : sequence of int
        The years asked about.
    renewed : collection of str
        Site IDs whose end year does not apply (the scenario's ``sites.renewed``).

    Returns
    -------
    numpy.ndarray of bool, shape (len(years), len(sites))
    """
    start = _years(sites, "available_from")
    end = _years(sites, "available_until")
    end = np.where(sites["site_id"].astype(str).isin([str(s) for s in renewed]).to_numpy(), np.nan, end)
    y = np.asarray(list(years), dtype=float)[:, None]
    return (np.isnan(start) | (start <= y)) & (np.isnan(end) | (y <= end))


def _source(value: object) -> str:
    return f" ({value})" if isinstance(value, str) and value.strip() else ""


def risk_table(
    sites: pd.DataFrame, last_year: int, renewed: Mapping[str, str], rules: RiskRules = RiskRules()
) -> pd.DataFrame:
    """Each site's ``at_risk`` flag and ``at_risk_reason`` (blank when not at risk), in the order of ``sites``.

    Parameters
    ----------
    sites : pandas.DataFrame
        The sites, with ``site_id`` and any of ``available_until``, ``availability_source``, ``condition``,
        ``condition_source``, ``backlog_cost``, ``floor_area_m2``.
    last_year : int
        The plan's last year: an availability ending at or before it is a risk.
    renewed : mapping of str to str
        Renewed sites and why: their end year is no risk (the reason is kept in ``renewed_because``).
    rules : RiskRules
        The thresholds.

    Returns
    -------
    pandas.DataFrame
        ``at_risk`` (bool), ``at_risk_reason`` (text, "" when not at risk) and ``renewed_because`` (text).
    """
    n = len(sites)
    ids = sites["site_id"].astype(str).tolist()
    until = _years(sites, "available_until")
    poor = {p.replace(" ", "").upper() for p in rules.poor_conditions}
    condition = sites["condition"] if "condition" in sites.columns else pd.Series([None] * n)
    backlog = pd.to_numeric(sites.get("backlog_cost", pd.Series(np.nan, index=sites.index)), errors="coerce")
    area = pd.to_numeric(sites.get("floor_area_m2", pd.Series(np.nan, index=sites.index)), errors="coerce")
    per_m2 = (backlog / area.where(area > 0)).to_numpy(dtype=float)
    reasons: list[str] = []
    for i in range(n):
        why = []
        if not np.isnan(until[i]) and until[i] <= last_year and ids[i] not in renewed:
            why.append(
                f"available only until {int(until[i])}, within the plan's years (to {last_year})"
                + _source(sites["availability_source"].iloc[i] if "availability_source" in sites.columns else None)
            )
        cond = condition.iloc[i]
        if isinstance(cond, str) and cond.replace(" ", "").upper() in poor:
            src = sites["condition_source"].iloc[i] if "condition_source" in sites.columns else None
            why.append(f"condition {cond.strip()}{_source(src)}")
        limit = rules.max_backlog_per_m2
        if limit is not None and not np.isnan(per_m2[i]) and per_m2[i] > limit:
            why.append(f"backlog £{per_m2[i]:,.0f} per m² (above £{limit:,.0f})")
        reasons.append("; ".join(why))
    return pd.DataFrame(
        {
            "at_risk": [bool(r) for r in reasons],
            "at_risk_reason": reasons,
            "renewed_because": [renewed.get(s, "") for s in ids],
        },
        index=sites.index,
    )


def at_risk_in_answer(sites: pd.DataFrame, beds: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sites at risk that the answer leans on: chosen hubs, and sites with beds in any year of the bed plan.

    Parameters
    ----------
    sites : pandas.DataFrame
        The run's site table: ``site_id``, ``name``, ``chosen``, ``at_risk`` and ``at_risk_reason``.
    beds : pandas.DataFrame, optional
        The bed plan's table (``site_id`` and ``beds_<year>`` columns; :meth:`hubopt.results.BedResult.table`).

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``name``, ``role`` ("hub", "beds in 2025, 2030" ...) and ``reason``, one row per site.
    """
    columns = ["site_id", "name", "role", "reason"]
    if "at_risk" not in sites.columns:
        return pd.DataFrame(columns=columns)
    bed_years: dict[str, list[str]] = {}
    if beds is not None:
        cols = [c for c in beds.columns if c.startswith("beds_") and c != "beds_today"]
        for _, r in beds.iterrows():
            years = [c[5:] for c in cols if r[c] > 0]
            if years:
                bed_years[str(r["site_id"])] = years
    rows = []
    for _, r in sites[sites["at_risk"].astype(bool)].iterrows():
        site = str(r["site_id"])
        roles = (["hub"] if bool(r.get("chosen", False)) else []) + (
            [f"beds in {', '.join(bed_years[site])}"] if site in bed_years else []
        )
        if roles:
            rows.append({"site_id": site, "name": str(r["name"]), "role": " and ".join(roles),
                         "reason": str(r["at_risk_reason"])})  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
