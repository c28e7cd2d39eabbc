"""The workbench's answer to a question: the hubs, each zone's hub and journey, the headline figures and how sure the
optimiser is (:class:`Proof`, read from the solver's own report, never claimed)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hubopt.analysis.equity import DEPRIVED_DECILES
from hubopt.locate.solution import access_measures
from hubopt.locate.solve import SolveReport
from hubopt.results import ModelOutcome
from hubopt.workbench.question import Question

__all__ = ["Answer", "Figures", "Proof", "figures_of", "fixed_proof", "json_number", "proof_of"]


def json_number(value: float | None, digits: int = 3) -> float | None:
    """A float for JSON: rounded to ``digits`` decimals; None for None, NaN or infinity."""
    if value is None:
        return None
    number = float(value)
    return round(number, digits) if math.isfinite(number) else None


@dataclass(frozen=True)
class Proof:
    """How sure the answer is, in the solver's own terms and in plain words.

    Attributes
    ----------
    status : str
        ``"optimal"`` (proven best), ``"time_limit"`` (stopped by the time limit: not proven), ``"gap"`` (stopped
        for another reason, not proven) or ``"fixed"`` (a site set evaluated as given: nothing optimised).
    proven : bool
        True only for a proven optimum.
    objective, bound : float or None
        The answer's objective and the solver's best bound on the optimum.
    gap : float or None
        Relative gap between them (0.008 = 0.8 %); None when unknown.
    text : str
        Plain words: ``"best possible: proven"``, ``"not proven: within 0.8 %"``, ``"time limit reached: not
        proven, within 2.1 % of the best possible"``.
    """

    status: str
    proven: bool
    objective: float | None
    bound: float | None
    gap: float | None
    text: str

    def to_json(self) -> dict[str, Any]:
        """The proof as plain JSON values."""
        return {
            "status": self.status,
            "proven": self.proven,
            "objective": json_number(self.objective, 4),
            "bound": json_number(self.bound, 4),
            "gap": json_number(self.gap, 6),
            "text": self.text,
        }


#: The largest relative gap of a proven optimum (the solvers' own tolerance when asked to prove optimality).
PROVEN_GAP = 1e-6


def _percent(gap: float) -> str:
    """A relative gap as a percentage people read: ``"0.8 %"``, ``"less than 0.1 %"``."""
    return "less than 0.1 %" if gap < 0.001 else f"{gap * 100:.1f} %"


def proof_of(report: SolveReport) -> Proof:
    """The :class:`Proof` of a solve, from its :class:`~hubopt.locate.solve.SolveReport`.

    Only a proven optimum (gap within :data:`PROVEN_GAP`) is called proven; a result stopped by its time limit
    never is, whatever its gap, nor one stopped at a gap the scenario allows (``model.mip_gap``).
    """
    gap = report.gap if report.gap is not None and math.isfinite(report.gap) else None
    if report.is_optimal and (gap is None or gap <= PROVEN_GAP):
        return Proof("optimal", True, report.objective, report.bound, gap, "best possible: proven")
    if report.is_optimal:  # stopped at the gap the scenario allows (model.mip_gap above 0)
        text = f"not proven: within {_percent(gap or 0.0)} of the best possible (the gap the scenario allows)"
        return Proof("gap", False, report.objective, report.bound, gap, text)
    within = f"within {_percent(gap)} of the best possible" if gap is not None else "the gap to the best is unknown"
    if "time limit" in (report.stopped_by or ""):
        text = f"time limit reached: not proven, {within}"
        return Proof("time_limit", False, report.objective, report.bound, gap, text)
    reason = f" ({report.stopped_by})" if report.stopped_by else ""
    text = "not proven: " + (f"within {_percent(gap)}" if gap is not None else "the gap is unknown") + reason
    return Proof("gap", False, report.objective, report.bound, gap, text)


def fixed_proof() -> Proof:
    """The :class:`Proof` of a site set evaluated as given (nothing optimised)."""
    return Proof("fixed", False, None, None, None, "a chosen set of sites: evaluated as given, not optimised")


@dataclass(frozen=True)
class Figures:
    """The headline figures of an answer (per person; travel to each zone's hub).

    Attributes
    ----------
    mean_minutes, p95_minutes, max_minutes : float
        Mean, 95th percentile and longest journey (people who can reach a hub).
    within : dict of float to float
        Threshold minutes (the scenario's ``outputs.thresholds``) to the share of people within.
    deprived_mean_minutes : float
        Mean journey of the most deprived fifth (IMD deciles 1-2).
    rest_mean_minutes : float
        Mean journey of the other deciles (3-10).
    people_per_hub : dict of str to float
        Site ID of each hub to the people it serves.
    people_per_border_service : dict of str to float
        Site ID of each border service (a neighbour's service, status ``external``: open, not a hub) to the people
        it serves, as the run's summary reports them.
    population, unserved_population : float
        Everyone, and those who can reach no hub.
    """

    mean_minutes: float
    p95_minutes: float
    within: dict[float, float]
    deprived_mean_minutes: float
    rest_mean_minutes: float
    people_per_hub: dict[str, float]
    population: float
    unserved_population: float
    max_minutes: float = math.nan
    people_per_border_service: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON values (threshold keys as text, ``"15"``)."""
        return {
            "mean_minutes": json_number(self.mean_minutes, 2),
            "p95_minutes": json_number(self.p95_minutes, 2),
            "max_minutes": json_number(self.max_minutes, 2),
            "within": {f"{t:g}": json_number(v, 4) for t, v in self.within.items()},
            "deprived_mean_minutes": json_number(self.deprived_mean_minutes, 2),
            "rest_mean_minutes": json_number(self.rest_mean_minutes, 2),
            "people_per_hub": {k: json_number(v, 0) for k, v in self.people_per_hub.items()},
            "people_per_border_service": {k: json_number(v, 0) for k, v in self.people_per_border_service.items()},
            "population": json_number(self.population, 0),
            "unserved_population": json_number(self.unserved_population, 0),
        }


def figures_of(
    zone_minutes: np.ndarray,
    zone_hub: np.ndarray,
    population: np.ndarray,
    imd_decile: np.ndarray,
    site_ids: Sequence[str],
    open_sites: Sequence[int] | np.ndarray,
    thresholds: Sequence[float],
    external: Sequence[int] | np.ndarray = (),
) -> Figures:
    """The :class:`Figures` of an assignment, measured as a run measures them.

    Access is :func:`hubopt.locate.solution.access_measures`; the most deprived fifth against the rest is measured
    as :func:`hubopt.analysis.appraise.evaluate_option` and :func:`hubopt.analysis.equity.equity_table` do.

    Parameters
    ----------
    zone_minutes : numpy.ndarray
        Each zone's journey to its hub (inf: none).
    zone_hub : numpy.ndarray of int
        Each zone's hub (index into ``site_ids``; -1: none).
    population : numpy.ndarray
        People per zone.
    imd_decile : numpy.ndarray
        IMD decile per zone (NaN when not known).
    site_ids : sequence of str
        Every candidate site, in the order ``zone_hub`` indexes.
    open_sites : sequence of int
        The hubs (indices into ``site_ids``).
    thresholds : sequence of float
        Minutes of the "share within" figures.
    external : sequence of int
        The border services open beside the hubs (indices into ``site_ids``); only those serving someone are listed.

    Returns
    -------
    Figures
    """
    people = np.asarray(population, dtype=float)
    minutes = np.asarray(zone_minutes, dtype=float)
    access = access_measures(minutes, people, thresholds)
    decile = np.asarray(imd_decile, dtype=float)
    deprived = np.isin(decile, DEPRIVED_DECILES)
    rest = ~np.isnan(decile) & ~deprived
    hub = np.asarray(zone_hub, dtype=int)
    return Figures(
        mean_minutes=access["mean_minutes"],
        p95_minutes=access["p95_minutes"],
        max_minutes=access["max_minutes"],
        within={float(t): access[f"within_{float(t):g}_share"] for t in thresholds},
        deprived_mean_minutes=access_measures(minutes[deprived], people[deprived])["mean_minutes"],
        rest_mean_minutes=access_measures(minutes[rest], people[rest])["mean_minutes"],
        people_per_hub={str(site_ids[j]): float(people[hub == j].sum()) for j in sorted(int(j) for j in open_sites)},
        people_per_border_service={
            str(site_ids[j]): float(people[hub == j].sum())
            for j in sorted(int(j) for j in external)
            if (hub == j).any()
        },
        population=access["population"],
        unserved_population=access["unreachable_population"],
    )


@dataclass(frozen=True)
class Answer:
    """The answer to a :class:`~hubopt.workbench.question.Question` (or a site set evaluated under one).

    Attributes
    ----------
    question : Question
        What was asked.
    open_site_ids : tuple of str
        The hubs, in the order of the workbench's sites.
    zone_hub : numpy.ndarray of int
        Per zone (study order): its hub's index in ``Workbench.sites``; -1 when none is reachable.
    zone_minutes : numpy.ndarray of float
        Per zone: minutes to its hub (inf when none).
    figures : Figures
        The headline figures.
    proof : Proof
        How sure the answer is.
    seconds : float
        Seconds the answer took.
    notes : tuple of str
        What the reader must know (the model's notes, sites of an option that the question rules out, ...).
    label : str
        ``"Optimiser: 5 hubs, p-median, drive, 2030"``, or an option's name.
    outcome : ModelOutcome or None
        The solved model (its result and weights), for the explanation; None for a site set evaluated as given.
    """

    question: Question
    open_site_ids: tuple[str, ...]
    zone_hub: np.ndarray
    zone_minutes: np.ndarray
    figures: Figures
    proof: Proof
    seconds: float
    notes: tuple[str, ...]
    label: str
    outcome: ModelOutcome | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The answer as plain JSON values; the zone lists follow ``Workbench.zones_geojson()``'s features."""
        return {
            "label": self.label,
            "question": self.question.to_json(),
            "open_site_ids": list(self.open_site_ids),
            "zone_hub": [int(j) for j in self.zone_hub],
            "zone_minutes": [json_number(m, 2) for m in self.zone_minutes],
            "figures": self.figures.to_json(),
            "proof": self.proof.to_json(),
            "seconds": json_number(self.seconds, 3),
            "notes": list(self.notes),
        }
