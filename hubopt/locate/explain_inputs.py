"""What the explanation's tables (:mod:`hubopt.locate.explain`, :mod:`hubopt.locate.next_best`) share: the keyword
arguments they set themselves, site names, and a result's demand-weighted minutes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hubopt.errors import InputError
from hubopt.locate.options import SiteRules
from hubopt.locate.solution import LocationResult

#: Keyword arguments the explanation sets itself, dropped from ``model_kwargs``.
OWN_KEYWORDS = (
    "n_hubs",
    "rules",
    "options",
    "solver",
    "time_limit",
    "mip_gap",
    "msg",
    "diagnose",
    "exclude_solutions",
)


def names_of(site_ids: Sequence[str], site_names: Sequence[str] | None) -> list[str]:
    if site_names is None:
        return list(site_ids)
    names = [str(x) for x in site_names]
    if len(names) != len(site_ids):
        raise InputError(f"{len(names)} site names for {len(site_ids)} sites")
    return names


def result_travel(result: LocationResult, w: np.ndarray) -> float:
    """Demand-weighted minutes of a result: as it reports them (the capacitated model's, to the assigned hubs), or
    to each zone's assigned site."""
    if "travel" in result.parameters:
        return float(result.parameters["travel"])
    cost = np.where(np.isfinite(result.assigned_cost), result.assigned_cost, 0.0)
    return float(np.dot(w, cost))


def split_kwargs(model_kwargs: Mapping[str, Any] | None, rules: SiteRules) -> tuple[dict[str, Any], SiteRules]:
    """The model's own keyword arguments, and the site rules with any given among them added."""
    kwargs = dict(model_kwargs or {})
    given = kwargs.pop("rules", None) or SiteRules()
    rules = rules.also(
        (*given.must_open, *kwargs.pop("must_open", ())), (*given.unavailable, *kwargs.pop("unavailable", ()))
    )
    for key in OWN_KEYWORDS:
        kwargs.pop(key, None)
    return kwargs, rules
