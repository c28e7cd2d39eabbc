"""The answer to "how many hubs?" in a run: the frontier (access and cost, :mod:`hubopt.pipeline.frontier`), the
workforce's marks on it (:mod:`hubopt.pipeline.workforce`) and the appointments' capacity by N, in one table
(:func:`hubopt.analysis.how_many.how_many_table`), with the N every limit allows and what binds."""

from __future__ import annotations

import numpy as np

from hubopt.analysis.appointments import capacity_by_hubs
from hubopt.analysis.how_many import how_many_table
from hubopt.results import ModelOutcome

__all__ = ["apply_how_many"]


def apply_how_many(
    outcome: ModelOutcome,
    thresholds: list[float],
    minutes: np.ndarray,
    site_ids: list[str],
    must_open: list[int],
    unavailable: list[int],
) -> None:
    """Set ``outcome.how_many`` (nothing without a frontier, i.e. without a sweep) and, when any limit is set, the
    frontier's ``how_many`` sentence to the table's."""
    frontier = outcome.frontier
    if frontier is None or outcome.sweep is None:
        return
    plan = outcome.services
    capacity = (
        None
        if plan is None
        else capacity_by_hubs(
            plan,
            outcome.sweep,
            site_ids,
            minutes,
            must_open,
            unavailable,
            external=[int(j) for j in outcome.result.external],
        )
    )
    table, sentence = how_many_table(
        frontier.table,
        thresholds,
        economic_n=frontier.worth_funding_n,
        limits=outcome.workforce,
        capacity=capacity,
    )
    outcome.how_many = table
    if sentence:
        frontier.how_many = sentence
