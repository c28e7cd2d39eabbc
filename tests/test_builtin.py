"""Built-in studies and scenarios (hubopt.builtin): ``builtin:`` references, and defaults that never write inside
the package."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hubopt import builtin
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.scenario import load_scenario

PACKAGE = Path(builtin.__file__).resolve().parent


def test_the_built_in_studies_and_scenarios_are_inside_the_package() -> None:
    assert builtin.study_names() == ["mid_south_essex", "west_kent"]
    assert builtin.scenario_names() == ["mid_south_essex_hubs", "west_kent_hubs"]
    assert builtin.DEMO_SCENARIO.is_file()
    assert builtin.DEMO_SCENARIO.is_relative_to(PACKAGE)
    assert builtin.study_path("builtin:west_kent") == PACKAGE / "studies" / "west_kent"
    assert builtin.study_path("builtin:west_kent/housing_illustrative.csv").is_file()


def test_the_demo_scenario_reads_from_anywhere_and_writes_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sc = load_scenario("builtin:west_kent_hubs")
    assert sc.path == builtin.DEMO_SCENARIO
    assert sc.study == PACKAGE / "studies" / "west_kent"
    assert sc.housing_file == PACKAGE / "studies" / "west_kent" / "housing_illustrative.csv"
    assert sc.output_folder == tmp_path / "maps" / "west_kent_hubs"
    assert sc.travel_cache == tmp_path / ".hubopt-cache"
    for path in (sc.output_folder, sc.travel_cache):
        assert not path.is_relative_to(PACKAGE)


def test_a_copied_scenario_keeps_its_built_in_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the demo scenario anywhere still finds its study; its own relative paths stay relative to it."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    data = yaml.safe_load(builtin.DEMO_SCENARIO.read_text())
    data["outputs"]["folder"] = "runs/mine"
    copy = tmp_path / "models" / "mine.yaml"
    copy.parent.mkdir()
    copy.write_text(yaml.safe_dump(data))
    sc = load_scenario(copy)
    assert sc.study == PACKAGE / "studies" / "west_kent"
    assert sc.output_folder == tmp_path / "models" / "runs" / "mine"
    del data["outputs"]["folder"]
    copy.write_text(yaml.safe_dump(data))
    assert load_scenario(copy).output_folder == work / "maps" / "mine"


def test_an_unknown_built_in_study_names_the_file_and_the_choices(tmp_path: Path) -> None:
    data = yaml.safe_load(builtin.DEMO_SCENARIO.read_text())
    data["study"] = "builtin:west_kentt"
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert f"file {path}" in message
    assert "there is no built-in study 'west_kentt' (the built-in studies: mid_south_essex, west_kent)" in message


def test_an_unknown_built_in_scenario_is_a_plain_error() -> None:
    result = CliRunner().invoke(main, ["run", "builtin:nosuch"])
    assert result.exit_code == 2, result.output
    assert "there is no built-in scenario 'nosuch'" in result.output
    assert "mid_south_essex_hubs, west_kent_hubs" in result.output
    assert "Traceback" not in result.output


def test_a_network_for_a_built_in_study_is_saved_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    west_kent = builtin.study_path("builtin:west_kent")
    assert builtin.default_network_file(west_kent, "walk") == tmp_path / "west_kent_network_walk.graphml"
    mine = tmp_path / "my_study"
    assert builtin.default_network_file(mine, "drive") == mine / "network_drive.graphml"


def test_the_download_cache_defaults_to_the_working_folder() -> None:
    fetch_data = main.commands["fetch"].commands["data"]  # type: ignore[attr-defined]
    cache = next(p for p in fetch_data.params if p.name == "cache")
    assert cache.default == Path(".hubopt-cache") / "sources"
    assert not Path(cache.default).is_absolute()


def test_scenario_copy_writes_an_editable_scenario_that_runs_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["scenario", "copy", "west_kent_hubs", "models/my_plan.yaml"])
    assert result.exit_code == 0, result.output
    copy = tmp_path / "models" / "my_plan.yaml"
    assert copy.read_text(encoding="utf-8") == builtin.DEMO_SCENARIO.read_text(encoding="utf-8")
    sc = load_scenario(copy)
    assert sc.study == PACKAGE / "studies" / "west_kent"
    assert sc.output_folder == tmp_path / "maps" / "my_plan"


def test_scenario_copy_never_replaces_a_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("my own work\n")
    result = CliRunner().invoke(main, ["scenario", "copy", "builtin:west_kent_hubs", str(mine)])
    assert result.exit_code == 2, result.output
    assert f"Error: file {mine}: the file already exists; hubopt never replaces it" in result.output
    assert mine.read_text() == "my own work\n"
    unknown = CliRunner().invoke(main, ["scenario", "copy", "kent", str(tmp_path / "k.yaml")])
    assert unknown.exit_code == 2 and "there is no built-in scenario 'kent'" in unknown.output
    assert not (tmp_path / "k.yaml").exists()


def test_a_built_in_reference_stays_inside_its_study() -> None:
    with pytest.raises(InputError, match="points outside the built-in study 'west_kent'"):
        builtin.study_path("builtin:west_kent/../mid_south_essex/zones.csv")
