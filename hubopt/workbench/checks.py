"""The checks of a question before it is solved: each impossible combination is refused with a plain message that
says what to change (the web page shows it and keeps the previous answer)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubopt.errors import InputError
from hubopt.locate.solution import name_list, site_label
from hubopt.workbench.question import WORKBENCH_MODELS, Question

__all__ = [
    "QuestionContext",
    "check_model_mode_year",
    "check_model_settings",
    "check_question",
    "check_site_ids",
]


@dataclass(frozen=True)
class QuestionContext:
    """What a question is checked against: the workbench's sites, modes and years.

    Attributes
    ----------
    sites : pandas.DataFrame
        The candidate sites (``site_id``, ``name``, ``status``).
    modes : sequence of str
        The scenario's travel modes.
    first_year, last_year : int
        The years the study's population covers (base year to the last projected, or held, year).
    """

    sites: pd.DataFrame
    modes: Sequence[str]
    first_year: int
    last_year: int

    def label(self, site_id: str) -> str:
        """A site by name, its code second."""
        names = dict(zip(self.sites["site_id"].astype(str), self.sites["name"].astype(str), strict=True))
        return site_label(names.get(site_id, site_id), site_id)


def check_site_ids(site_ids: Sequence[str], known: Sequence[str], *, what: str = "the question") -> None:
    """Refuse site IDs that name no candidate site.

    Raises
    ------
    InputError
        Naming the unknown IDs.
    """
    index = set(known)
    unknown = [s for s in dict.fromkeys(map(str, site_ids)) if s not in index]
    if unknown:
        raise InputError(
            f"{what} names unknown site ID(s): {name_list(unknown)}",
            hint="choose sites from the site list (IDs of the site_id column of the site register)",
        )


def _hubs(n: int) -> str:
    """``"1 hub is"``, ``"5 hubs are"``: the number of hubs as a sentence's subject."""
    return "1 hub is" if n == 1 else f"{n} hubs are"


def check_model_mode_year(question: Question, context: QuestionContext) -> None:
    """Refuse an unknown model or travel mode, and a year the study's population does not cover.

    Raises
    ------
    InputError
        Naming the choices there are.
    """
    if question.model not in WORKBENCH_MODELS:
        raise InputError(f"unknown model {question.model!r}", hint=f"choose one of: {', '.join(WORKBENCH_MODELS)}")
    if question.mode not in context.modes:
        raise InputError(
            f"the scenario has no travel mode {question.mode!r}",
            hint=f"choose one of: {', '.join(context.modes)}",
        )
    if not context.first_year <= question.year <= context.last_year:
        raise InputError(
            f"the study's population covers {context.first_year} to {context.last_year}, not {question.year}",
            hint=f"choose a year from {context.first_year} to {context.last_year}",
        )


def check_question(question: Question, context: QuestionContext) -> tuple[list[int], list[int]]:
    """Check what can be checked without solving; return the must-open and unavailable sites' positions.

    Parameters
    ----------
    question : Question
        The question.
    context : QuestionContext
        The workbench's sites, modes and years.

    Returns
    -------
    must_open, unavailable : list of int
        Positions of the sites (in ``context.sites``).

    Raises
    ------
    InputError
        On an unknown model, mode or site; a year the population does not cover; a number of hubs below 1 or above
        the sites available; a site both forced open and ruled out; more forced sites than hubs; a site the site
        register's status forces open or rules out set otherwise.
    """
    check_model_mode_year(question, context)
    ids = context.sites["site_id"].astype(str).tolist()
    check_site_ids([*question.must_open, *question.unavailable], ids)
    both = sorted(set(question.must_open) & set(question.unavailable))
    if both:
        raise InputError(
            f"{name_list([context.label(s) for s in both])} cannot be both a must-open site and unavailable",
            hint="set the site to one of free, must open or unavailable",
        )
    _check_register_status(question, context)
    # Other areas' services at the border (status external) are always open and never one of the hubs.
    external = set(context.sites.loc[context.sites["status"].astype(str).eq("external"), "site_id"].astype(str))
    available = len(ids) - len(set(question.unavailable) - external) - len(external)
    if not 1 <= question.hubs <= available:
        raise InputError(
            f"{_hubs(question.hubs).rsplit(' ', 1)[0]} cannot be chosen from {available} available sites",
            hint=f"choose from 1 to {available} hubs, or make more sites available",
        )
    if len(question.must_open) > question.hubs:
        raise InputError(
            f"{len(question.must_open)} sites must open but only {_hubs(question.hubs)} asked for",
            hint=f"ask for at least {len(question.must_open)} hubs, or set some must-open sites back to free",
        )
    index = {s: i for i, s in enumerate(ids)}
    return [index[s] for s in question.must_open], [index[s] for s in question.unavailable]


def _check_register_status(question: Question, context: QuestionContext) -> None:
    """Sites the register marks ``must-keep`` stay must-open, ``unavailable`` ones unavailable (as in a run)."""
    status = dict(zip(context.sites["site_id"].astype(str), context.sites["status"].astype(str), strict=True))
    freed = [s for s, v in status.items() if v == "must-keep" and s not in question.must_open]
    opened = [s for s, v in status.items() if v == "unavailable" and s not in question.unavailable]
    for listed, what, state in ((freed, "must-keep", "must open"), (opened, "unavailable", "unavailable")):
        if listed:
            raise InputError(
                f"the site register marks {name_list([context.label(s) for s in listed])} {what}",
                hint=f"keep it {state}, or change its status in the site register (the status column of sites.csv)",
            )


def check_model_settings(
    question: Question, minutes: np.ndarray, unavailable: Sequence[int], total: float, unit: str = "people"
) -> None:
    """The MCLP's minutes and the capacitated model's population bounds, checked against the journeys and people.

    Parameters
    ----------
    question : Question
        The question.
    minutes : numpy.ndarray, shape (n_zones, n_sites)
        Travel times of the question's mode.
    unavailable : sequence of int
        Positions of the sites ruled out.
    total : float
        Everyone the hubs serve in the question's year: people, or demand when the bounds are in demand.
    unit : str
        What ``total`` counts ("people" or "demand").

    Raises
    ------
    InputError
        When the MCLP has no minutes, or no available site is within them of any zone; when the hubs cannot share
        the people within the bounds (each hub between the minimum and the maximum).
    """
    if question.model == "mclp":
        limit = question.max_minutes
        if limit is None or not limit > 0:
            raise InputError("the MCLP needs its minutes (the travel-time standard)", hint="give e.g. 15 minutes")
        allowed = np.setdiff1d(np.arange(minutes.shape[1]), np.asarray(unavailable, dtype=int))
        if not (minutes[:, allowed] <= limit).any():
            nearest = float(np.min(minutes[:, allowed])) if allowed.size else float("nan")
            raise InputError(
                f"no available site is within {limit:g} minutes of any zone (the nearest is {nearest:.1f} minutes)",
                hint=f"raise the MCLP minutes above {nearest:.1f}, or make more sites available",
            )
    if question.model == "capacitated":
        low, high = question.min_population, question.max_population
        if low is not None and high is not None and low > high:
            raise InputError(
                f"the minimum population per hub ({low:,.0f}) is above the maximum ({high:,.0f})",
                hint="lower the minimum or raise the maximum",
            )
        n = question.hubs
        if low is not None and n * low > total:
            raise InputError(
                f"{n} hubs of at least {low:,.0f} {unit} each need {n * low:,.0f} {unit}, but the area has only "
                f"{total:,.0f}",
                hint=f"lower the minimum to {total / n:,.0f} or less, or ask for fewer hubs",
            )
        if high is not None and n * high < total:
            raise InputError(
                f"{n} hubs of at most {high:,.0f} {unit} each serve {n * high:,.0f} {unit}, but the area has "
                f"{total:,.0f}",
                hint=f"raise the maximum to {total / n:,.0f} or more, or ask for more hubs",
            )
