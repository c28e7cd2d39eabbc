"""hubopt: where should local care hubs and community beds go?

Geospatial loaders for NHS and ONS open data, travel-time estimates, facility-location models and maps, for estates
teams planning local care hubs and community beds.

The public API (everything below is documented in the API reference)::

    import hubopt

    scenario = hubopt.Scenario.from_yaml("builtin:west_kent_hubs")
    result = hubopt.run(scenario)  # nothing is written unless asked: run(scenario, write=True)
    result.zones  # a GeoDataFrame in EPSG:27700: each zone's hub and minutes to it
    hubopt.write_hub_map(result.zones, result.sites, "map.html", title="West Kent", caption="5 hubs")

Every name is imported from the module it lives in; this file holds no logic, and no module inside hubopt imports it
(it is above every layer: see docs/ARCHITECTURE.md).
"""

# The public names, each from its home module (one block, so a move of a module changes only a line here).
from hubopt._version import __version__
from hubopt.analysis.appraise import evaluate_option
from hubopt.errors import HuboptError, InputError, ModelError
from hubopt.locate.beds import BedPlan, place_beds, place_beds_phased
from hubopt.locate.capacitated import solve_facility_location
from hubopt.locate.center import solve_p_center
from hubopt.locate.coverage import solve_lscp, solve_mclp
from hubopt.locate.median import solve_p_median
from hubopt.locate.multiyear import solve_multiyear
from hubopt.locate.options import CapacitySettings, SiteRules, SolverOptions
from hubopt.locate.solution import LocationResult
from hubopt.locate.sweep import sweep_hubs
from hubopt.pipeline.steps import run, run_scenario
from hubopt.render.folium_map import write_hub_map
from hubopt.render.report import write_report
from hubopt.render.static_map import write_static_maps
from hubopt.render.workbook import write_workbook
from hubopt.results import RunResult
from hubopt.scenario.load import Scenario, load_scenario
from hubopt.study import Study, load_study

__all__ = [
    "BedPlan",
    "CapacitySettings",
    "HuboptError",
    "InputError",
    "LocationResult",
    "ModelError",
    "RunResult",
    "Scenario",
    "SiteRules",
    "SolverOptions",
    "Study",
    "__version__",
    "evaluate_option",
    "load_scenario",
    "load_study",
    "place_beds",
    "place_beds_phased",
    "run",
    "run_scenario",
    "solve_facility_location",
    "solve_lscp",
    "solve_mclp",
    "solve_multiyear",
    "solve_p_center",
    "solve_p_median",
    "sweep_hubs",
    "write_hub_map",
    "write_report",
    "write_static_maps",
    "write_workbook",
]
