"""A run: scenario → study → demand → travel times → model → outputs.

:mod:`~hubopt.pipeline.steps` holds the steps, :func:`run` (the result, written only when asked) and
:func:`run_scenario` (run and write); :mod:`~hubopt.pipeline.demand` the scenario's
demand, :mod:`~hubopt.pipeline.model_step` the model it asks for, :mod:`~hubopt.pipeline.beds` the bed plan,
:mod:`~hubopt.pipeline.appraisal` the analyses of a run, :mod:`~hubopt.pipeline.map_layers` the map's extra layers,
:mod:`~hubopt.pipeline.outputs` the output folder, :mod:`~hubopt.pipeline.manifest` its manifest and
:mod:`~hubopt.pipeline.summary` the printed summary, :mod:`~hubopt.pipeline.scenario_errors` the restating of a
library error as the scenario setting to change. The result types are in :mod:`hubopt.results`.
"""

from hubopt.pipeline.scenario_errors import SETTING_OF_PARAMETER, scenario_error
from hubopt.pipeline.steps import run, run_scenario
from hubopt.pipeline.summary import summary_lines

__all__ = ["SETTING_OF_PARAMETER", "run", "run_scenario", "scenario_error", "summary_lines"]
