"""The scenario's settings on the sites' availability and risk: ``sites.renewed``, ``sites.availability`` and
``sites.at_risk`` (see :mod:`hubopt.analysis.site_risk` for what they mean)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubopt.analysis.site_risk import RiskRules
from hubopt.io.site_facts import MAX_YEAR, MIN_YEAR
from hubopt.scenario.schema import _fail

__all__ = ["SiteFacts", "site_fact_settings"]


@dataclass(frozen=True)
class SiteFacts:
    """The scenario's own facts on sites' availability and what makes a site at risk.

    Attributes
    ----------
    renewed : dict of str to str
        Site IDs whose lease or availability end the scenario takes as renewed, each with its reason.
    availability : dict of str to dict
        Per site ID, the scenario's ``available_from`` / ``available_until`` (years, or None) and ``source``: they
        replace the register's years for this run.
    risk : RiskRules
        The thresholds of "at risk".
    """

    renewed: dict[str, str] = field(default_factory=dict)
    availability: dict[str, dict[str, Any]] = field(default_factory=dict)
    risk: RiskRules = field(default_factory=RiskRules)


def _year(value: Any, key: str, p: Path | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        _fail(key, f"{value!r} is not a year", p, f"give a four-digit year from {MIN_YEAR} to {MAX_YEAR}")
    return int(value)


def site_fact_settings(sites: dict[str, Any], base_year: int | None, p: Path | None) -> SiteFacts:
    """``sites.renewed``, ``sites.availability`` and ``sites.at_risk`` checked.

    ``base_year`` (when known) refuses an ``available_until`` before it. The study's base year is not known when
    the scenario is read, so the run checks it again (:func:`hubopt.pipeline.availability.apply_site_facts`).
    """
    renewed: dict[str, str] = {}
    for site, reason in (sites["renewed"] or {}).items():
        if not isinstance(reason, str) or not reason.strip():
            _fail(
                f"sites.renewed.{site}",
                "a renewed site needs its reason",
                p,
                "write 'SITE_ID: reason', e.g. RYYDC: \"lease renewed to 2045 (board decision, March 2026)\"",
            )
        renewed[str(site)] = reason.strip()
    availability: dict[str, dict[str, Any]] = {}
    for site, given in (sites["availability"] or {}).items():
        key = f"sites.availability.{site}"
        if not isinstance(given, dict) or not set(given) <= {"available_from", "available_until", "source"}:
            _fail(key, "give available_from and/or available_until (years) and source", p,
                  "e.g. RYYDC: {available_until: 2030, source: \"ILLUSTRATIVE lease end\"}")  # fmt: skip
        start = _year(given.get("available_from"), f"{key}.available_from", p)
        end = _year(given.get("available_until"), f"{key}.available_until", p)
        source = given.get("source")
        if not isinstance(source, str) or not source.strip():
            _fail(f"{key}.source", "say where the years come from (or that they are ILLUSTRATIVE)", p)
        if start is None and end is None:
            _fail(key, "give available_from or available_until", p)
        if start is not None and end is not None and start > end:
            _fail(f"{key}.available_until", f"available_from ({start}) is after available_until ({end})", p)
        if end is not None and base_year is not None and end < base_year:
            _fail(f"{key}.available_until", f"{end} is before the study's base year {base_year}", p)
        availability[str(site)] = {"available_from": start, "available_until": end, "source": source.strip()}
    risk = sites["at_risk"]
    poor = risk["poor_conditions"]
    if not isinstance(poor, list) or not all(isinstance(c, str) for c in poor):
        _fail("sites.at_risk.poor_conditions", "list the conditions counted as poor, e.g. [C, D]", p)
    limit = risk["max_backlog_per_m2"]
    if limit is not None and limit < 0:
        _fail("sites.at_risk.max_backlog_per_m2", "the backlog per m² must be zero or more (£ per m²)", p)
    rules = RiskRules(tuple(poor), None if limit is None else float(limit), risk["source"])
    return SiteFacts(renewed, availability, rules)
