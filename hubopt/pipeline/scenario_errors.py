"""Library errors restated for the analyst: the scenario setting (or register column) instead of the argument.

The location models and the bed placement are library functions: their :class:`~hubopt.errors.InputError` names the
argument that is wrong (``parameter``), as a notebook user calls them. A run restates such an error with
:data:`SETTING_OF_PARAMETER`, so the analyst reads which setting of which scenario file to change. This is the one
place that knows both names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hubopt.errors import InputError
from hubopt.scenario import Scenario

__all__ = ["SETTING_OF_PARAMETER", "named_for", "scenario_error"]

#: Where each argument of the library functions a run calls (the models, the bed placement, the sweep) comes from in
#: a scenario: a scenario setting (``{"setting": ...}``), or a column of the site register (``{"column": ...}``).
SETTING_OF_PARAMETER: dict[str, dict[str, str]] = {
    "n_hubs": {"setting": "model.hubs"},
    "max_minutes": {"setting": "model.max_minutes"},
    "min_demand": {"setting": "model.min_population"},
    "max_demand": {"setting": "model.max_population"},
    "cost_weight": {"setting": "model.cost_weight"},
    "budget": {"setting": "model.budget"},
    "max_new_build": {"setting": "model.max_new_build"},
    "objective": {"setting": "model.multi_year_objective"},
    "model": {"setting": "model.type"},
    "solver": {"setting": "model.solver"},
    "time_limit": {"setting": "model.time_limit"},
    "mip_gap": {"setting": "model.mip_gap"},
    "capacity": {"column": "capacity"},
    "fixed_cost": {"column": "fixed_cost"},
    "capital_cost": {"column": "capital_cost"},
    "site_cost": {"column": "annual_cost"},
    "staff_per_team": {"setting": "workforce.staff_per_team"},
    "staff_available": {"setting": "workforce.staff_available"},
    "is_new_build": {"column": "type"},
    "min_unit": {"setting": "beds.min_unit"},
    "must_keep": {"setting": "beds.must_keep"},
    "priority": {"setting": "beds.priority"},
    "cost_per_bed": {"setting": "beds.cost_per_bed"},
    "cost_per_unit": {"setting": "beds.cost_per_unit"},
    "max_beds": {"column": "max_beds"},
    "need_by_year": {"setting": "beds.need_method"},
}


def scenario_error(exc: InputError, scenario: Scenario, *, setting: str | None = None) -> InputError:
    """A library error restated for the analyst: the scenario setting (or register column) instead of the argument.

    Parameters
    ----------
    exc : InputError
        The error a library function raised, naming its argument in ``parameter``.
    scenario : Scenario
        The scenario the run is for; its file becomes the error's path when a setting is named.
    setting : str, optional
        The setting to name when the argument has no entry in :data:`SETTING_OF_PARAMETER` (e.g. ``appraisal``).

    Returns
    -------
    InputError
        The same problem and hint, naming the scenario file and the setting (or the register column) to change;
        ``exc`` itself when there is nothing to restate.
    """
    where = SETTING_OF_PARAMETER.get(exc.parameter or "")
    if where is None and setting is not None:
        where = {"setting": setting}
    if where is None:
        return exc
    # A scenario built by hand (tests, notebooks) may lack a file: the setting is named without one.
    path = getattr(scenario, "path", None) if "setting" in where else exc.path
    return InputError(exc.problem, path=path, setting=where.get("setting"), column=where.get("column"), hint=exc.hint)


@contextmanager
def named_for(scenario: Scenario, *, setting: str | None = None) -> Iterator[None]:
    """Restate a library :class:`~hubopt.errors.InputError` raised inside the block with :func:`scenario_error`."""
    try:
        yield
    except InputError as exc:
        restated = scenario_error(exc, scenario, setting=setting)
        if restated is exc:
            raise
        raise restated from None
