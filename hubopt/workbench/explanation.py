"""Why this answer: the cheapest swap for each hub and the next-best distinct answers, within a time budget, in words.

The tables are :func:`hubopt.locate.explain.swap_table` and :func:`~hubopt.locate.explain.next_best_solutions`
(what ``hubopt run`` writes when ``model.explain`` is on); :func:`bounded_explanation` is the one place that calls
them with the budget, so it is the one place to change when they take a time budget themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hubopt.errors import ModelError
from hubopt.locate import _clock
from hubopt.locate.explain import next_best_solutions, swap_table
from hubopt.locate.options import SiteRules, SolverOptions
from hubopt.locate.solution import LocationResult
from hubopt.workbench.answer import json_number

__all__ = ["ExplainInputs", "Explanation", "bounded_explanation", "explanation_sentences"]

#: Alternatives listed per hub, and distinct answers listed (the best included), as ``hubopt run`` lists them.
N_ALTERNATIVES = 3
N_SOLUTIONS = 4


@dataclass(frozen=True)
class Explanation:
    """Why an answer is what it is.

    Attributes
    ----------
    swaps : pandas.DataFrame
        :func:`hubopt.locate.explain.swap_table`'s table (empty when not worked out).
    next_best : pandas.DataFrame
        :func:`hubopt.locate.explain.next_best_solutions`'s table (empty when not worked out).
    sentences : list of str
        The tables in words, sites by name with their codes second.
    cut_short : bool
        The time budget ran out before everything was worked out; the sentences say so.
    seconds : float
        Seconds taken.
    """

    swaps: pd.DataFrame
    next_best: pd.DataFrame
    sentences: list[str]
    cut_short: bool
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The explanation as plain JSON values (the tables as lists of records)."""
        return {
            "sentences": list(self.sentences),
            "cut_short": self.cut_short,
            "seconds": json_number(self.seconds, 3),
            "swaps": _records(self.swaps),
            "next_best": _records(self.next_best),
        }


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON records: numbers rounded, NaN and infinity as None."""
    out = []
    for row in table.to_dict("records"):
        rec = {}
        for key, value in row.items():
            if isinstance(value, np.generic):
                value = value.item()
            rec[str(key)] = json_number(value, 4) if isinstance(value, float) else value
        out.append(rec)
    return out


@dataclass(frozen=True)
class ExplainInputs:
    """What the explanation of one solved model needs.

    Attributes
    ----------
    minutes : numpy.ndarray
        The travel times it was solved on.
    weights : numpy.ndarray
        The weights it was solved with.
    result : LocationResult
        The solved model.
    rules : SiteRules
        Its must-open and unavailable sites.
    site_ids, site_names : sequence of str
        Every candidate site's code and name.
    n_hubs : int or None
        The number of hubs (None: the model's own choice).
    max_minutes : float or None
        The MCLP's standard.
    model_kwargs : mapping or None
        The model's own settings, for a model whose swaps are re-solved (the capacitated model).
    options : SolverOptions
        Solver, time limit (per solve) and gap.
    """

    minutes: np.ndarray
    weights: np.ndarray
    result: LocationResult
    rules: SiteRules
    site_ids: Sequence[str]
    site_names: Sequence[str]
    n_hubs: int | None
    max_minutes: float | None = None
    model_kwargs: Mapping[str, Any] | None = None
    options: SolverOptions = field(default_factory=SolverOptions)


def bounded_explanation(inputs: ExplainInputs, budget_seconds: float) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """The swap table and the next-best answers, within ``budget_seconds``.

    The one place the explanation functions are called with the budget: both get the same absolute ``deadline``
    (read from :func:`hubopt.locate._clock.now`, the clock of every solver deadline), stop cleanly when it comes,
    keep only whole rows, and say so in ``attrs["cut_short"]``. The next-best ranking starts from the answer being
    explained (``incumbent``), and each of its solves runs with the scenario's own solver options, capped by the
    functions at the time left. A next-best answer not proven in its place is labelled so in its ``status`` column,
    and counts as cut short.

    Parameters
    ----------
    inputs : ExplainInputs
        The solved model.
    budget_seconds : float
        Seconds to spend.

    Returns
    -------
    swaps, next_best : pandas.DataFrame
        The tables (``next_best`` empty when the budget ran out first).
    cut_short : bool
        True when the budget ran out before both tables were complete.
    """
    deadline = _clock.now() + float(budget_seconds)
    kw: dict[str, Any] = {
        "rules": inputs.rules,
        "site_ids": inputs.site_ids,
        "site_names": inputs.site_names,
        "deadline": deadline,
    }
    own: dict[str, Any] = {"model_kwargs": inputs.model_kwargs} if inputs.model_kwargs is not None else {}
    swaps = swap_table(
        inputs.minutes, inputs.weights, inputs.result, n_alternatives=N_ALTERNATIVES,
        options=SolverOptions(inputs.options.solver, inputs.options.time_limit), **kw, **own,
    )  # fmt: skip
    if swaps.attrs.get("cut_short") or _clock.now() >= deadline:
        return swaps, pd.DataFrame(), True
    try:
        next_best = next_best_solutions(
            inputs.minutes, inputs.weights, inputs.n_hubs, n_solutions=N_SOLUTIONS, model=inputs.result.model,
            max_minutes=inputs.max_minutes, options=inputs.options,
            incumbent=[int(j) for j in inputs.result.open_sites], **kw, **own,
        )  # fmt: skip
    except ModelError:
        # The first of the list (the answer itself, found again) was not found in the time left: the list is empty.
        return swaps, pd.DataFrame(), True
    stopped = next_best.attrs.get("stopped") is not None or bool(next_best.attrs.get("cut_short"))
    unproven = "status" in next_best and bool((next_best["status"] != "optimal").any())
    return swaps, next_best, stopped or unproven


def _worse(measure_key: str, row: Mapping[str, Any], max_minutes: float | None) -> str:
    """How much worse an alternative is, in the model's own words."""
    pct = row.get("increase_pct", math.nan)
    if measure_key == "covered":
        t = f"{max_minutes:g}" if max_minutes is not None else "T"
        return f"leaves {abs(pct):.1f} % more of the need beyond {t} minutes"
    if measure_key == "radius":
        if row["increase"] < 0.05:
            return "leaves the longest journey as it is"
        return f"adds {row['increase']:.1f} minutes to the longest journey"
    extra = float(row.get("extra_minutes", math.nan))
    if not math.isfinite(extra):
        return "is worse"
    verb = "adds" if extra >= 0 else "saves"
    return f"{verb} {abs(extra):.2f} minutes to the average journey ({pct:+.1f} %)"


def explanation_sentences(
    swaps: pd.DataFrame,
    next_best: pd.DataFrame,
    label: Callable[[str], str],
    *,
    cut_short: bool,
    budget_seconds: float,
    max_minutes: float | None = None,
) -> list[str]:
    """The explanation in plain words, sites by name (codes second).

    Parameters
    ----------
    swaps, next_best : pandas.DataFrame
        The tables of :func:`bounded_explanation`.
    label : callable
        A site's code to its name with the code second.
    cut_short : bool
        Whether the budget ran out; the last sentence says so.
    budget_seconds : float
        The budget, for that sentence.
    max_minutes : float, optional
        The MCLP's standard.

    Returns
    -------
    list of str
    """
    out: list[str] = []
    measure = swaps.attrs.get("measure") if len(swaps) else next_best.attrs.get("measure")
    key = getattr(measure, "key", "travel")
    if len(swaps):
        for chosen, rows in swaps.groupby("chosen_site", sort=False):
            best = rows.sort_values("rank").iloc[0]
            out.append(
                f"Swapping {label(str(chosen))} for {label(str(best['alternative_site']))} "
                f"{_worse(key, best, max_minutes)}."
            )
    for sid in swaps.attrs.get("not_swapped", []):
        out.append(f"{label(sid)} must open, so it is not swapped.")
    if len(next_best) > 1:
        for _, row in next_best.iloc[1:].iterrows():
            gone = [label(s) for s in str(row["swapped_out"]).split(", ") if s]
            new = [label(s) for s in str(row["swapped_in"]).split(", ") if s]
            proven = "" if row["status"] == "optimal" else " (not proven: stopped by its time limit)"
            out.append(
                f"Next best #{int(row['rank'])}: {', '.join(new) or 'the same sites'} instead of "
                f"{', '.join(gone) or 'none'}, {_worse_next(key, row, max_minutes)}{proven}."
            )
    elif len(next_best) == 1 and next_best.attrs.get("exhausted"):
        out.append("No other set of sites meets the rules: this answer is the only one.")
    for table in (swaps, next_best):
        note = table.attrs.get("cut_short_note")  # what a budget-aware explanation says it left out
        if note:
            text = str(note).rstrip(".")
            out.append(f"{text[:1].upper()}{text[1:]}.")
    if cut_short:
        out.append(
            f"The explanation was cut short at its time budget of {budget_seconds:g} seconds: "
            "what is listed is right, but the list may be incomplete."
        )
    return out


def _worse_next(key: str, row: Mapping[str, Any], max_minutes: float | None) -> str:
    """How much worse a next-best answer is than the best, in words."""
    if key == "covered":
        t = f"{max_minutes:g}" if max_minutes is not None else "T"
        return f"{abs(row['increase_pct']):.1f} % more of the need beyond {t} minutes"
    if key == "radius":
        return f"+{row['increase']:.1f} minutes on the longest journey"
    return f"+{row['increase_pct']:.2f} % on the average journey"
