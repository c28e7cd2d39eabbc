"""The public Python API: ``import hubopt`` gives the documented names, scenarios from files or dicts, and a run that
returns its result without writing files unless asked."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import inspect
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import yaml

import hubopt
from hubopt import pipeline
from hubopt.analysis.frontier import cost_access_frontier
from hubopt.analysis.workforce import workforce_limits
from hubopt.locate.frontier import efficient_hub_sets
from hubopt.pipeline import model_step
from hubopt.scenario.schema import _SCHEMA
from hubopt.travel.osm_tags import add_travel_times
from hubopt.workbench import Workbench

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"


def demo_values() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def light_values(out: Path) -> dict:
    """The demo's question without the slow extras (sweep, swaps, beds, options); output in ``out``."""
    values = demo_values()
    values["study"] = str(WEST_KENT)
    values["demand"]["housing"]["file"] = str(WEST_KENT / "housing_illustrative.csv")
    values["model"].update(sweep=None, explain=False)
    values["beds"] = {"enabled": False}
    values["appraisal"] = {}
    values["outputs"].update(folder=str(out), static_maps=False, report=False, workbook=False)
    return values


def test_every_public_name_imports_from_its_home_and_is_documented() -> None:
    assert len(hubopt.__all__) == len(set(hubopt.__all__))
    for name in hubopt.__all__:
        obj = getattr(hubopt, name)
        if name == "__version__":
            continue
        assert (inspect.getdoc(obj) or "").strip(), f"hubopt.{name} has no docstring"
        home = obj.__module__
        assert home.startswith("hubopt.") and home != "hubopt", f"hubopt.{name} is defined in the root package"
    for name in ("load_study", "Scenario", "run", "evaluate_option", "solve_p_median", "write_hub_map", "InputError"):
        assert name in hubopt.__all__


def test_every_public_name_is_in_the_api_reference() -> None:
    reference = (REPO / "docs" / "api" / "reference.rst").read_text(encoding="utf-8")
    missing = [n for n in hubopt.__all__ if f":: {n}\n" not in reference]
    assert missing == []


def test_version_comes_from_the_package_metadata() -> None:
    try:
        expected = importlib.metadata.version("hubopt")
    except importlib.metadata.PackageNotFoundError:
        expected = "0+unknown"
    assert hubopt.__version__ == expected


def test_input_error_is_a_value_error_and_names_a_parameter() -> None:
    assert issubclass(hubopt.InputError, ValueError)
    assert issubclass(hubopt.InputError, hubopt.HuboptError)
    cost = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=r"parameter 'time_limit': the time limit must be a positive") as info:
        hubopt.solve_p_median(cost, np.ones(2), 1, options=hubopt.SolverOptions(time_limit=-1))
    assert info.value.parameter == "time_limit" and info.value.setting is None


def test_from_dict_equals_from_yaml_for_the_demo_scenario() -> None:
    from_yaml = hubopt.Scenario.from_yaml(DEMO)
    values = demo_values()
    from_dict = hubopt.Scenario.from_dict(values, base_dir=DEMO.parent)
    assert values == demo_values()  # the caller's dict is left as it was
    assert from_dict.path is None and from_yaml.path == DEMO
    assert from_dict.study == from_yaml.study == WEST_KENT.resolve()  # builtin: references read the same
    # Default folders: a file's in the working folder, a dict's in base_dir.
    assert from_yaml.travel_cache == Path.cwd() / ".hubopt-cache"
    assert from_dict.travel_cache == DEMO.parent.resolve() / ".hubopt-cache"
    assert from_dict.output_folder == DEMO.parent.resolve() / "maps" / "west_kent_local_care_hubs"
    same = dataclasses.replace(
        from_dict, path=from_yaml.path, travel_cache=from_yaml.travel_cache, output_folder=from_yaml.output_folder
    )
    assert same == from_yaml
    assert hubopt.load_scenario(DEMO) == from_yaml


def test_from_dict_checks_like_a_file_and_names_the_setting(tmp_path: Path) -> None:
    values = demo_values()
    values["model"]["hubs"] = "five"
    must_be_whole = r"^setting 'model.hubs': 'model.hubs' must be a whole number"
    with pytest.raises(hubopt.InputError, match=must_be_whole) as info:
        hubopt.Scenario.from_dict(values, base_dir=DEMO.parent)
    assert info.value.path is None
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(values), encoding="utf-8")
    with pytest.raises(hubopt.InputError) as from_file:
        hubopt.Scenario.from_yaml(tmp_path / "bad.yaml")
    assert (from_file.value.setting, from_file.value.problem) == (info.value.setting, info.value.problem)
    with pytest.raises(hubopt.InputError, match=r"setting 'name': the setting 'name' is required"):
        hubopt.Scenario.from_dict({"study": "x", "year": 2030})


def test_from_dict_defaults_go_to_base_dir(tmp_path: Path) -> None:
    values = {"name": "Five hubs: a test!", "study": "study", "year": 2030, "model": {"hubs": 5}}
    scenario = hubopt.Scenario.from_dict(values, base_dir=tmp_path)
    assert scenario.study == tmp_path.resolve() / "study"
    assert scenario.output_folder == tmp_path.resolve() / "maps" / "five_hubs_a_test"
    assert scenario.source == "(a Python dict)"


def test_run_without_write_writes_nothing_and_equals_the_written_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "out"
    scenario = hubopt.Scenario.from_dict(light_values(out), base_dir=tmp_path)
    quiet = hubopt.run(scenario)
    assert not out.exists() and list(cwd.iterdir()) == []
    assert quiet.folder is None and quiet.outputs == []
    assert quiet.zones.crs.to_epsg() == 27700 and quiet.sites.crs.to_epsg() == 27700
    written = hubopt.run(scenario, write=True)
    assert written.folder == out and (out / "zones.csv").is_file() and (out / "map.html").is_file()
    assert list(cwd.iterdir()) == []
    assert sorted(quiet.result.open_sites) == sorted(written.result.open_sites)
    assert quiet.access == pytest.approx(written.access, rel=1e-12)
    np.testing.assert_allclose(quiet.zones["minutes"], written.zones["minutes"], rtol=1e-12)


def test_run_with_out_writes_there(tmp_path: Path) -> None:
    scenario = hubopt.Scenario.from_dict(light_values(tmp_path / "unused"), base_dir=tmp_path)
    run = hubopt.run(scenario, out=tmp_path / "elsewhere")
    assert run.folder == tmp_path / "elsewhere" and (run.folder / "manifest.json").is_file()
    manifest = json.loads((run.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"]["path"] is None  # a dict has no file; its values are recorded
    assert manifest["scenario"]["values"]["name"] == scenario.name
    assert not (tmp_path / "unused").exists()


def test_every_parameter_maps_to_a_real_scenario_setting() -> None:
    def settings(schema: dict, prefix: str = "") -> set[str]:
        out = set()
        for key, spec in schema.items():
            out |= settings(spec, f"{prefix}{key}.") if isinstance(spec, dict) else {f"{prefix}{key}"}
        return out

    known = settings(_SCHEMA)
    models = [
        hubopt.solve_p_median,
        hubopt.solve_mclp,
        hubopt.solve_lscp,
        hubopt.solve_p_center,
        hubopt.solve_facility_location,
        hubopt.solve_multiyear,
        hubopt.place_beds,
        hubopt.place_beds_phased,
        efficient_hub_sets,  # the cost-access frontier's efficient sets (costs: settings, register annual_cost)
        cost_access_frontier,
        workforce_limits,  # workforce: settings
    ]
    arguments = {name for fn in models for name in inspect.signature(fn).parameters} | {"model"}  # sweep's model
    arguments |= {f.name for f in dataclasses.fields(hubopt.SolverOptions)}  # options=SolverOptions(time_limit=...)
    arguments |= {f.name for f in dataclasses.fields(hubopt.CapacitySettings)}  # settings=CapacitySettings(...)
    for parameter, where in pipeline.SETTING_OF_PARAMETER.items():
        assert parameter in arguments, parameter
        assert set(where) <= {"setting", "column"}
        if "setting" in where:
            assert where["setting"] in known, where


def test_the_pipeline_names_the_scenario_setting_of_a_library_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(light_values(tmp_path / "out")), encoding="utf-8")
    scenario = hubopt.Scenario.from_yaml(path)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise hubopt.InputError("the number of hubs is not allowed", parameter="n_hubs", hint="choose another")

    monkeypatch.setattr(model_step, "_solve_model", refuse)  # the model step's work, inside its restating
    with pytest.raises(hubopt.InputError) as info:
        hubopt.run(scenario)
    error = info.value
    assert (error.path, error.setting, error.parameter) == (str(path), "model.hubs", None)
    assert str(error) == (
        f"file {path}, setting 'model.hubs': the number of hubs is not allowed\n  What to do: choose another"
    )
    assert not (tmp_path / "out").exists()


def test_load_study_reads_a_builtin_study() -> None:
    study = hubopt.load_study("builtin:west_kent")
    assert study.folder.resolve() == WEST_KENT.resolve()
    assert len(study.zones) == len(hubopt.load_study(WEST_KENT).zones) > 0
    with pytest.raises(hubopt.InputError, match="no built-in study 'nowhere'"):
        hubopt.load_study("builtin:nowhere")


def test_the_from_dict_example_in_its_docstring_gives_five_hubs(tmp_path: Path) -> None:
    settings = {"name": "Five hubs", "study": "builtin:west_kent", "year": 2030}
    settings["model"] = {"type": "p-median", "hubs": 5}
    scenario = hubopt.Scenario.from_dict(settings, base_dir=tmp_path)
    assert scenario.hubs == 5 and scenario.study == WEST_KENT.resolve()
    assert scenario.output_folder == tmp_path.resolve() / "maps" / "five_hubs"


def test_travel_functions_name_their_argument_not_a_scenario_setting() -> None:
    with pytest.raises(ValueError, match=r"parameter 'walk_speed_kph'") as info:
        add_travel_times(nx.MultiDiGraph(), mode="walk", walk_speed_kph=0)
    assert info.value.setting is None
    with pytest.raises(hubopt.InputError, match=r"parameter 'mode'"):
        add_travel_times(nx.MultiDiGraph(), mode="hovercraft")


def test_run_and_the_workbench_take_a_scenario_file_path(tmp_path: Path) -> None:
    path = tmp_path / "light.yaml"
    path.write_text(yaml.safe_dump(light_values(tmp_path / "out")))
    from_path = hubopt.run(str(path))
    from_scenario = hubopt.run(hubopt.Scenario.from_yaml(path))
    assert sorted(from_path.result.open_sites) == sorted(from_scenario.result.open_sites)
    assert from_path.access == pytest.approx(from_scenario.access, rel=1e-12)
    bench = Workbench.open(path)
    assert bench.scenario.name == from_path.scenario.name and bench.default_question().hubs == 5


@pytest.mark.parametrize("wrong", [None, 5, {"name": "a dict is not a scenario"}])
def test_run_refuses_what_is_not_a_scenario_with_what_to_pass(wrong: object) -> None:
    with pytest.raises(hubopt.InputError, match=r"parameter 'scenario': expected a scenario") as err:
        hubopt.run(wrong)  # type: ignore[arg-type]
    assert "Scenario.from_yaml" in str(err.value) and "Scenario.from_dict" in str(err.value)
