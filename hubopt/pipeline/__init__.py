"""A run: scenario → study → demand → travel times → model → outputs.

:mod:`~hubopt.pipeline.steps` holds the steps and :func:`run_scenario`; :mod:`~hubopt.pipeline.demand` the scenario's
demand, :mod:`~hubopt.pipeline.model_step` the model it asks for, :mod:`~hubopt.pipeline.beds` the bed plan,
:mod:`~hubopt.pipeline.appraisal` the analyses of a run, :mod:`~hubopt.pipeline.map_layers` the map's extra layers,
:mod:`~hubopt.pipeline.outputs` the output folder, :mod:`~hubopt.pipeline.manifest` its manifest and
:mod:`~hubopt.pipeline.summary` the printed summary. The result types are in :mod:`hubopt.results`.
"""

from hubopt.pipeline.steps import run_scenario
from hubopt.pipeline.summary import summary_lines

__all__ = ["run_scenario", "summary_lines"]
