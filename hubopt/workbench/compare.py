"""Options side by side: pinned answers against the optimiser's, and who is better or worse off between two answers.

Computing only: :func:`shift_between` works on plain arrays (each zone's journey in two answers, its people and IMD
decile), :func:`comparison_table` and :func:`option_sentences` on :class:`~hubopt.workbench.answer.Answer` values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubopt.analysis.equity import DEPRIVED_DECILES
from hubopt.locate.solution import signed_number
from hubopt.workbench.answer import Answer, json_number
from hubopt.workbench.question import Question

__all__ = [
    "MAX_OPTIONS",
    "OPTIMISER_COLUMN",
    "Comparison",
    "PinnedOption",
    "Shift",
    "comparison_table",
    "option_sentences",
    "people_text",
    "shift_between",
]

#: Options compared at once, beside the optimiser's answer.
MAX_OPTIONS = 4

#: The comparison table's first column.
OPTIMISER_COLUMN = "Optimiser's answer"

#: Changes of journey time smaller than this (minutes) are no change (rounding of the travel times).
NO_CHANGE_MINUTES = 1e-9


def people_text(people: float) -> str:
    """A number of people as a sentence gives it: ``"3,100"`` (to the hundred from a thousand, to the ten from a
    hundred, halves up)."""
    value = float(people)
    step = 100 if value >= 1000 else 10 if value >= 100 else 1
    return f"{math.floor(value / step + 0.5) * step:,.0f}"


def _cell(value: Any) -> Any:
    """A table cell as a JSON value: numbers rounded, NaN and infinity as None."""
    if isinstance(value, np.generic):
        value = value.item()
    return json_number(value, 4) if isinstance(value, float) else value


def _table_json(table: pd.DataFrame) -> dict[str, Any]:
    """A table as ``{"columns": [...], "rows": [[...], ...]}`` with numbers rounded and NaN as None."""
    rows = [[_cell(v) for v in row] for row in table.itertuples(index=False)]
    return {"columns": [str(c) for c in table.columns], "rows": rows}


@dataclass(frozen=True)
class PinnedOption:
    """An answer pinned as a named option.

    Attributes
    ----------
    name : str
        The name the user gave it.
    question : Question
        The question it answered.
    site_ids : tuple of str
        Its hubs.
    """

    name: str
    question: Question
    site_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The option as plain JSON values."""
        return {"name": self.name, "question": self.question.to_json(), "site_ids": list(self.site_ids)}


@dataclass(frozen=True)
class Shift:
    """Who is better or worse off from answer ``a`` to answer ``b``.

    Attributes
    ----------
    by_decile : pandas.DataFrame
        One row per IMD decile (1 = most deprived; "No IMD data" last when some zones lack one): ``imd_decile``,
        ``people``, ``people_better``, ``people_worse`` (any change), ``people_much_better``,
        ``people_much_worse`` (by more than the threshold) and ``mean_change_minutes`` (per person of the decile).
    zones : pandas.DataFrame
        The zones whose journey changes, the largest rise first: ``zone_id``, ``zone_name``, ``imd_decile``,
        ``population``, ``minutes_a``, ``minutes_b``, ``change``.
    sentences : list of str
        The shift in words.
    threshold_minutes : float
        What "much" means, in minutes.
    """

    by_decile: pd.DataFrame
    zones: pd.DataFrame
    sentences: list[str]
    threshold_minutes: float = 5.0

    def to_json(self) -> dict[str, Any]:
        """The shift as plain JSON values."""
        return {
            "by_decile": _table_json(self.by_decile),
            "zones": _table_json(self.zones),
            "sentences": list(self.sentences),
            "threshold_minutes": self.threshold_minutes,
        }


def _change(minutes_a: np.ndarray, minutes_b: np.ndarray) -> np.ndarray:
    """``b - a`` per zone: 0 where both are unreachable, +inf where only b is, -inf where only a is."""
    a, b = np.asarray(minutes_a, dtype=float), np.asarray(minutes_b, dtype=float)
    with np.errstate(invalid="ignore"):
        change = b - a
    change[np.isinf(a) & np.isinf(b)] = 0.0
    change[np.abs(change) < NO_CHANGE_MINUTES] = 0.0
    return change


def shift_between(
    minutes_a: np.ndarray,
    minutes_b: np.ndarray,
    population: np.ndarray,
    imd_decile: np.ndarray,
    zone_ids: Sequence[str],
    zone_names: Sequence[str],
    *,
    threshold_minutes: float = 5.0,
) -> Shift:
    """Who is better or worse off when each zone's journey goes from ``minutes_a`` to ``minutes_b``.

    Parameters
    ----------
    minutes_a, minutes_b : numpy.ndarray
        Each zone's journey to its hub in the two answers (inf: none).
    population : numpy.ndarray
        People per zone.
    imd_decile : numpy.ndarray
        IMD decile per zone (NaN: not known).
    zone_ids, zone_names : sequence of str
        The zones' codes and names.
    threshold_minutes : float
        Changes larger than this count as "much" better or worse.

    Returns
    -------
    Shift
    """
    change = _change(minutes_a, minutes_b)
    people = np.asarray(population, dtype=float)
    decile = np.asarray(imd_decile, dtype=float)
    worse, better = change > 0, change < 0
    much_worse, much_better = change > threshold_minutes, change < -threshold_minutes
    finite = np.isfinite(change)
    rows = []
    groups: list[tuple[Any, np.ndarray]] = [(int(d), decile == d) for d in range(1, 11) if (decile == d).any()]
    if np.isnan(decile).any():
        groups.append(("No IMD data", np.isnan(decile)))
    for key, mask in groups:
        weight = people[mask & finite]
        rows.append(
            {
                "imd_decile": key,
                "people": float(people[mask].sum()),
                "people_better": float(people[mask & better].sum()),
                "people_worse": float(people[mask & worse].sum()),
                "people_much_better": float(people[mask & much_better].sum()),
                "people_much_worse": float(people[mask & much_worse].sum()),
                "mean_change_minutes": float(np.average(change[mask & finite], weights=weight))
                if weight.sum() > 0
                else math.nan,
            }
        )
    by_decile = pd.DataFrame(rows)
    moved = np.flatnonzero(change != 0)
    zones = pd.DataFrame(
        {
            "zone_id": [str(zone_ids[int(i)]) for i in moved],
            "zone_name": [str(zone_names[int(i)]) for i in moved],
            "imd_decile": decile[moved],
            "population": people[moved],
            "minutes_a": np.asarray(minutes_a, dtype=float)[moved],
            "minutes_b": np.asarray(minutes_b, dtype=float)[moved],
            "change": change[moved],
        }
    )
    zones = zones.sort_values("change", ascending=False, kind="stable").reset_index(drop=True)
    sentences = _shift_sentences(change, people, decile, threshold_minutes)
    return Shift(by_decile, zones, sentences, float(threshold_minutes))


def _shift_sentences(change: np.ndarray, people: np.ndarray, decile: np.ndarray, threshold: float) -> list[str]:
    """The shift in words: who travels longer and who less, and the most deprived fifth against the rest."""
    worse, better = change > 0, change < 0
    if not (worse | better).any():
        return ["Nobody's journey changes."]
    out = []
    for mask, much, verb in (
        (worse, change > threshold, "travel longer"),
        (better, change < -threshold, "travel less"),
    ):
        if mask.any():
            zones = int(mask.sum())
            out.append(
                f"{people_text(people[mask].sum())} people in {zones} zone{'s' if zones != 1 else ''} {verb}"
                f"; {people_text(people[much].sum())} of them by more than {threshold:g} minutes."
            )
    finite = np.isfinite(change)
    deprived = np.isin(decile, DEPRIVED_DECILES) & finite
    rest = ~np.isnan(decile) & ~np.isin(decile, DEPRIVED_DECILES) & finite
    if people[deprived].sum() > 0 and people[rest].sum() > 0:
        d = float(np.average(change[deprived], weights=people[deprived]))
        r = float(np.average(change[rest], weights=people[rest]))
        out.append(
            f"On average the most deprived fifth's journey changes by {signed_number(d, '.2f')} minutes, "
            f"the rest's by {signed_number(r, '.2f')} minutes."
        )
    if not finite.all():
        out.append(f"{people_text(people[~finite].sum())} people gain or lose any reachable hub.")
    return out


@dataclass(frozen=True)
class Comparison:
    """Pinned options beside the optimiser's answer.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows: measures (readable names, in the column ``measure``); columns: the optimiser's answer
        (:data:`OPTIMISER_COLUMN`), then each option by name.
    sentences : list of str
        Each option's cost against the optimiser's answer, in words.
    answers : list of Answer
        The optimiser's answer first, then each option's.
    """

    table: pd.DataFrame
    sentences: list[str]
    answers: list[Answer]

    def to_json(self) -> dict[str, Any]:
        """The comparison as plain JSON values."""
        return {
            "table": _table_json(self.table),
            "sentences": list(self.sentences),
            "answers": [a.to_json() for a in self.answers],
        }


def comparison_table(answers: Sequence[Answer], names: Sequence[str], label: Callable[[str], str]) -> pd.DataFrame:
    """One row per measure, one column per answer (``names``), the measure's name first.

    Parameters
    ----------
    answers : sequence of Answer
        The answers, the optimiser's first.
    names : sequence of str
        Their column names.
    label : callable
        A site's code to its name with the code second.

    Returns
    -------
    pandas.DataFrame
    """
    thresholds = list(answers[0].figures.within) if answers else []
    measures: list[tuple[str, Callable[[Answer], Any]]] = [
        ("Hubs", lambda a: len(a.open_site_ids)),
        ("Sites", lambda a: "; ".join(label(s) for s in a.open_site_ids)),
        ("Mean journey (minutes)", lambda a: a.figures.mean_minutes),
        ("95 % of people within (minutes)", lambda a: a.figures.p95_minutes),
        *[
            (f"Share within {t:g} minutes (%)", lambda a, t=t: 100.0 * a.figures.within.get(t, math.nan))
            for t in thresholds
        ],
        ("Most deprived fifth: mean journey (minutes)", lambda a: a.figures.deprived_mean_minutes),
        ("The rest: mean journey (minutes)", lambda a: a.figures.rest_mean_minutes),
        ("Largest hub (people)", lambda a: max(a.figures.people_per_hub.values(), default=math.nan)),
        ("Smallest hub (people)", lambda a: min(a.figures.people_per_hub.values(), default=math.nan)),
        ("People with no hub in reach", lambda a: a.figures.unserved_population),
        ("Proof", lambda a: a.proof.text),
    ]
    data: dict[str, list[Any]] = {"measure": [m for m, _ in measures]}
    for name, answer in zip(names, answers, strict=True):
        data[name] = [f(answer) for _, f in measures]
    return pd.DataFrame(data)


def option_sentences(
    optimiser: Answer,
    option: Answer,
    shift: Shift,
    name: str,
    label: Callable[[str], str],
) -> str:
    """One option's cost against the optimiser's answer, e.g. "Option A: forcing Pembury Hospital (RWFTW) costs
    +0.40 minutes on average; 3,100 people lose more than 5 minutes".

    The sites named are those that differ from the optimiser's set (forced in, and left out).
    """
    added = [s for s in option.open_site_ids if s not in optimiser.open_site_ids]
    dropped = [s for s in optimiser.open_site_ids if s not in option.open_site_ids]
    if not added and not dropped:
        return f"{name} is the optimiser's answer."
    what = "forcing " + ", ".join(label(s) for s in added) if added else "using fewer sites"
    if dropped:
        what += " instead of " + ", ".join(label(s) for s in dropped)
    diff = option.figures.mean_minutes - optimiser.figures.mean_minutes
    cost = f"costs {signed_number(diff, '.2f')} minutes" if diff >= 0 else f"saves {abs(diff):.2f} minutes"
    lose = float(shift.by_decile["people_much_worse"].sum()) if len(shift.by_decile) else 0.0
    gain = float(shift.by_decile["people_much_better"].sum()) if len(shift.by_decile) else 0.0
    t = f"{shift.threshold_minutes:g}"
    text = f"{name}: {what} {cost} on average; {people_text(lose)} people lose more than {t} minutes"
    if gain > 0:
        text += f" and {people_text(gain)} gain more than {t}"
    return text + "."
