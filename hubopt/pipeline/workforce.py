"""How many hubs can be safely staffed, in a run: the scenario's ``workforce:`` limits
(:func:`hubopt.analysis.workforce.workforce_limits`) and, with a sweep, the N every limit allows
(:func:`hubopt.analysis.workforce.staffing_verdict`)."""

from __future__ import annotations

from hubopt.analysis.workforce import staffing_verdict, workforce_limits
from hubopt.results import ModelOutcome
from hubopt.scenario import Scenario

__all__ = ["apply_workforce"]


def apply_workforce(scenario: Scenario, outcome: ModelOutcome, population: float) -> None:
    """Set ``outcome.workforce`` from the scenario's workforce (nothing when none is set); with a frontier, mark
    its N against the limits and say which N every limit allows (``frontier.how_many``)."""
    wf = scenario.workforce
    if not wf.given:
        return
    limits = workforce_limits(
        population,
        population_per_team=wf.population_per_team,
        max_teams_per_hub=wf.max_teams_per_hub,
        staff_per_team=wf.staff_per_team,
        staff_available=wf.staff_available,
    )
    outcome.workforce = limits
    frontier = outcome.frontier
    if frontier is not None:
        frontier.table, frontier.how_many = staffing_verdict(frontier.table, limits, frontier.worth_funding_n)
