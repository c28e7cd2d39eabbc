"""The scenario file: what an analyst edits to ask hubopt a question.

A scenario is a YAML file (:meth:`Scenario.from_yaml`) or the same settings as a Python dict
(:meth:`Scenario.from_dict`); one validator checks both. Every key is checked: a misspelt key, a wrong type or an
impossible value stops with a message naming the key (e.g. ``model.hubs``) and what to write instead. Relative paths
are read from the scenario file's folder; ``builtin:NAME`` names a built-in study (see :mod:`hubopt.builtin`). See
``hubopt/scenarios/west_kent_hubs.yaml`` for a commented example, and the README for every key.

The package: :mod:`~hubopt.scenario.settings` (the validated settings of the sections),
:mod:`~hubopt.scenario.schema` (every key, its type and default), :mod:`~hubopt.scenario.sections` (the checks of
each section) and :mod:`~hubopt.scenario.load` (:class:`Scenario`, its two constructors and :func:`load_scenario`).
"""

from hubopt.scenario.load import Scenario, as_scenario, load_scenario
from hubopt.scenario.settings import (
    BED_NEED_METHODS,
    BED_SITE_CHOICES,
    TRAVEL_METHODS,
    TRAVEL_MODES,
    BedSettings,
    CostSettings,
    ModelSettings,
    ServiceSettings,
    TravelMode,
    WorkforceSettings,
)

__all__ = [
    "BED_NEED_METHODS",
    "BED_SITE_CHOICES",
    "TRAVEL_METHODS",
    "TRAVEL_MODES",
    "BedSettings",
    "CostSettings",
    "ModelSettings",
    "Scenario",
    "ServiceSettings",
    "TravelMode",
    "WorkforceSettings",
    "as_scenario",
    "load_scenario",
]
