"""The analyses of a run in memory: its options appraisal and the re-optimisation check against an earlier run.

Each takes a :class:`~hubopt.results.RunResult` and calls the computing functions of :mod:`hubopt.analysis` with
the run's plain arrays and tables (travel times, people, demand, deprivation, sites).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubopt.analysis.appraise import CriterionSpec, OptionSpec, appraise, default_criteria
from hubopt.analysis.reoptimise import Reoptimisation, evaluate_reoptimisation
from hubopt.locate import registry
from hubopt.results import RunResult

__all__ = ["appraise_run", "model_weights", "reoptimisation_for_run"]


def appraise_run(
    run: RunResult,
    options: Sequence[OptionSpec],
    criteria: Sequence[CriterionSpec] | None = None,
    *,
    min_population: float | None = None,
    max_population: float | None = None,
) -> pd.DataFrame:
    """:func:`appraise` on a run: its travel times, people, demand and deprivation, its hubs as the optimum.

    Parameters
    ----------
    run : hubopt.results.RunResult
        A finished run.
    options : sequence of OptionSpec
        The options to compare with the run's hubs.
    criteria : sequence of CriterionSpec, optional
        Default: :func:`default_criteria` for the run's thresholds.
    min_population, max_population : float, optional
        The viable population range of a hub.

    Returns
    -------
    pandas.DataFrame
        As :func:`appraise`.
    """
    thresholds = list(run.scenario.thresholds)
    chosen = run.sites.loc[run.sites["chosen"].astype(bool), "site_id"].astype(str).tolist()
    return appraise(
        options,
        chosen,
        default_criteria(thresholds) if criteria is None else criteria,
        minutes=run.minutes,
        site_ids_all=run.candidates.sites["site_id"].astype(str).tolist(),
        population=run.zones["population"].to_numpy(dtype=float),
        demand=model_weights(run),
        imd_decile=run.zones["imd_decile"].to_numpy(),
        sites=pd.DataFrame(run.sites.drop(columns="geometry")),
        thresholds=thresholds,
        min_population=min_population,
        max_population=max_population,
    )


def model_weights(run: RunResult) -> np.ndarray:
    """The weights the run's model was solved with (age-weighted demand, or appointments with ``services``): the
    weights its objective is in, so that an option's or a re-optimised set's weighted minutes compare with it."""
    if run.outcome is not None:
        return np.asarray(run.outcome.weights, dtype=float)
    return np.asarray(run.demand.demand, dtype=float)


def reoptimisation_for_run(run: RunResult, earlier_hubs: Sequence[str]) -> Reoptimisation:
    """:func:`evaluate_reoptimisation` for a run just made: its travel times, demand and hubs, against
    ``earlier_hubs`` (the hubs of the run it is compared with).

    Parameters
    ----------
    run : hubopt.results.RunResult
        The later run (re-optimised for its own demand).
    earlier_hubs : sequence of str
        The earlier run's hubs (site IDs), e.g. ``read_run(folder).hub_ids()``.

    Returns
    -------
    Reoptimisation
    """
    sites = run.candidates.sites
    site_ids = sites["site_id"].astype(str).tolist()
    check = evaluate_reoptimisation(
        earlier_hubs,
        [site_ids[j] for j in run.result.hubs],
        minutes=run.minutes,
        site_ids=site_ids,
        population=run.zones["population"].to_numpy(dtype=float),
        demand=model_weights(run),
        imd_decile=run.zones["imd_decile"].to_numpy(),
        sites=pd.DataFrame(sites.drop(columns="geometry")),
        thresholds=list(run.scenario.thresholds),
        model=run.outcome.description if run.outcome is not None else run.result.model,
        unavailable=[site_ids[j] for j in run.candidates.unavailable],
    )
    entry = registry.find(run.scenario.model_type)
    if entry is not None and entry.capacity_settings:  # the capacitated and clusters models (and their aliases)
        rules = "capacities and whole clusters are" if entry.needs_clusters else "capacities are"
        check.notes.append(f"both hub sets are measured with each zone at its nearest hub; {rules} not applied")
    if run.scenario.model.years:
        check.notes.append(
            f"the re-optimised hubs are one set for the years {run.scenario.model.years}; both sets are measured "
            f"for {run.demand.year} only"
        )
    return check
