"""The hubopt command: help on every subcommand, and errors as plain messages with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hubopt.cli import main


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["run"],
        ["demo"],
        ["data"],
        ["data", "fit-travel-model"],
        ["fetch", "data"],
        ["study", "build"],
        ["scenario", "copy"],
        ["app"],
    ],
)
def test_help_on_every_command(args: list[str]) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_errors_are_plain_messages(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "Error: file" in result.output and "the scenario file does not exist" in result.output
    assert "Traceback" not in result.output


def test_run_prints_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "builtin:west_kent_hubs", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.output
    assert (tmp_path / "out" / "map.html").exists()


def test_demand_command_writes_tables(tmp_path: Path) -> None:
    import pandas as pd

    out = tmp_path / "demand"
    result = CliRunner().invoke(
        main,
        [
            "demand",
            "builtin:west_kent_hubs",
            "--years",
            "2025",
            "2030",
            "2035",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "demand_by_zone.csv")
    assert sorted(table["year"].unique()) == [2025, 2030, 2035]
    assert len(table) == 3 * 309
    growth = pd.read_csv(out / "growth_by_district.csv")
    assert set(growth["district"]) == {"Maidstone", "Sevenoaks", "Tonbridge and Malling", "Tunbridge Wells"}
    # 85+ grows faster than all ages in every district (ONS SNPP 2022-based)
    pivot = growth.pivot(index="district", columns="band", values="change_pct")
    assert (pivot["85+"] > pivot["all ages"]).all()
    assert "Zones whose demand grows most" in result.output
    again = CliRunner().invoke(main, ["demand", "builtin:west_kent_hubs", "--years", "2025", "--out", str(out)])
    assert again.exit_code == 2 and "already holds a demand table" in again.output


def test_fetch_network_downloads_the_study_area_only_when_asked(tmp_path: Path, monkeypatch) -> None:
    import networkx as nx

    import hubopt.travel.download as download

    calls = {}

    def fake_download(polygon, *, mode, buffer_m, cache_dir, out_path):
        calls.update(polygon=polygon, mode=mode, buffer_m=buffer_m, out_path=out_path)
        g = nx.MultiDiGraph()
        g.add_edge(1, 2)
        return g

    monkeypatch.setattr(download, "download_network", fake_download)
    out = tmp_path / "wk_walk.graphml"
    result = CliRunner().invoke(
        main, ["fetch", "network", "builtin:west_kent_hubs", "--mode", "walk", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert calls["mode"] == "walk" and calls["buffer_m"] == 2000 and calls["out_path"] == out
    # the polygon is West Kent's 309 zones (about 1,250 km²), in British National Grid
    assert 1.0e9 < calls["polygon"].area < 1.6e9
    assert "method: network" in result.output


def test_fetch_data_checks_layout_and_districts(tmp_path: Path, monkeypatch) -> None:
    import hubopt.build.fetch as fetch

    recorded = Path(__file__).parent / "data" / "recorded"
    epraccur = next(p for p in recorded.iterdir() if "epraccur" in p.name and "header" not in p.name)

    def fake_fetch(keys, cache_dir, *, urls=None, refresh=False, progress=None, session=None):
        progress("epraccur", 10, 10)
        return {"epraccur": epraccur}

    monkeypatch.setattr(fetch, "fetch_sources", fake_fetch)
    result = CliRunner().invoke(main, ["fetch", "data", "--only", "epraccur", "--cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Downloaded and checked 1 file(s)" in result.output
    bad = CliRunner().invoke(main, ["fetch", "data", "--only", "nosuch", "--cache", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown source(s): nosuch" in bad.output


def test_own_area_route_in_readme_uses_real_options() -> None:
    """Every command and option the README's "Your own area" route shows exists in that command's --help."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("**Your own area.**") : readme.index("## Data and licences")]
    commands = [
        " ".join(block.replace("\\\n", " ").split())
        for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    ]
    assert any(c.startswith(".venv/bin/hubopt fetch data") for c in commands)
    assert any(c.startswith(".venv/bin/hubopt study build") for c in commands)
    mentioned = {
        ("fetch", "data"): {"--only", "--cache", "--url", "--refresh", "--districts"},
        ("study", "build"): {"--lsoa-lookup", "--source", "--out", "--districts", "--name"},
    }
    for command in commands:
        words = command.split()
        mentioned[(words[1], words[2])] |= {w.split("=")[0] for w in words if w.startswith("--")}
    for (group, sub), options in mentioned.items():
        assert f"hubopt {group} {sub}" in section
        result = CliRunner().invoke(main, [group, sub, "--help"])
        assert result.exit_code == 0
        for option in options:
            assert option in result.output, f"{option} is not an option of hubopt {group} {sub}"


REPO = Path(__file__).resolve().parents[1]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"


def quick_scenario(tmp_path: Path, **outputs: object) -> Path:
    """A small West Kent scenario (no sweep, beds, appraisal or explanations) writing only what ``outputs`` says."""
    import yaml

    data = {
        "name": "Quick",
        "study": str(WEST_KENT),
        "year": 2030,
        "model": {"type": "p-median", "hubs": 3, "explain": False},
        "outputs": {
            "folder": str(tmp_path / "out"),
            "map": False,
            "static_maps": False,
            "report": False,
            "workbook": False,
            **outputs,
        },
    }
    path = tmp_path / "quick.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_no_map_means_no_open_map_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(quick_scenario(tmp_path))])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out" / "map.html").exists()
    assert "map.html" not in result.output
    assert f"Written to {tmp_path / 'out'}/ (no map: outputs.map is false)" in result.output


def test_compare_with_a_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    result = CliRunner().invoke(main, ["run", str(quick_scenario(tmp_path)), "--compare-with", str(missing)])
    assert result.exit_code == 2, result.output
    assert f"Error: file {missing}, setting '--compare-with': there is no earlier run to compare with here" in (
        result.output
    )
    assert "the folder does not exist" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", "west_kent", "--districts", "E07000066"], "both --area west_kent and --districts E07000066"),
        (["--area", "west_kent", "--name", "Mine"], "--name 'Mine' was given with --area west_kent"),
    ],
)
def test_study_build_refuses_area_with_districts_or_name(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        main, ["study", "build", *args, "--source", str(tmp_path), "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def copy_study(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "study"
    shutil.copytree(WEST_KENT, folder)
    return folder


def test_corrupt_districts_geojson_is_a_plain_error(tmp_path: Path) -> None:
    study = copy_study(tmp_path)
    text = (study / "districts.geojson").read_text(encoding="utf-8")
    (study / "districts.geojson").write_text(text[: len(text) // 2], encoding="utf-8")
    scenario = quick_scenario(tmp_path)
    scenario.write_text(scenario.read_text().replace(str(WEST_KENT), str(study)))
    result = CliRunner().invoke(main, ["run", str(scenario)])
    assert result.exit_code == 2, result.output
    assert (
        f"Error: file {study / 'districts.geojson'}: the district outlines (districts.geojson) could not be read"
        in (result.output)
    )
    assert "Traceback" not in result.output and "pyogrio" not in result.output


def test_study_yaml_and_zones_of_different_studies_are_refused(tmp_path: Path) -> None:
    from hubopt.errors import InputError
    from hubopt.study import load_study

    study = copy_study(tmp_path)
    meta = study / "study.yaml"
    original = meta.read_text(encoding="utf-8")
    meta.write_text(original.replace("zones (LSOA 2011): 309", "zones (LSOA 2011): 705"), encoding="utf-8")
    with pytest.raises(
        InputError, match=r"study.yaml, setting 'counts.zones \(LSOA 2011\)': study.yaml records 705 "
    ):
        load_study(study)
    meta.write_text(original.replace("  E07000116: Tunbridge Wells\n", ""), encoding="utf-8")
    with pytest.raises(InputError, match=r"zones.csv has districts study.yaml does not list: E07000116"):
        load_study(study)
    meta.write_text(original.replace("base_year: 2017", "base_year: 2020"), encoding="utf-8")
    with pytest.raises(InputError, match=r"base_year 2020 but counts the population of mid-2017"):
        load_study(study)


def test_run_prints_no_solver_banner(tmp_path: Path) -> None:
    """A fresh process (HiGHS prints its banner once per process), its standard output read at the file level."""
    scenario = quick_scenario(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "hubopt.cli", "run", str(scenario)],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Running HiGHS" not in done.stdout + done.stderr
    assert "Welcome to the CBC" not in done.stdout + done.stderr
    assert "Quick" in done.stdout


def test_progress_lines_count_in_place_on_a_terminal_and_line_by_line_elsewhere(monkeypatch, capsys) -> None:
    from hubopt.cli import _ProgressLines

    def show(tty: bool) -> str:
        monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
        lines = _ProgressLines()
        for message in ("Demand for 2030", "How many hubs: 1 of 2 solved", "How many hubs: 2 of 2 solved", "Done"):
            lines(message)
        return capsys.readouterr().err

    elsewhere = click.unstyle(show(False)).splitlines()
    assert elsewhere == [
        "· Demand for 2030",
        "· How many hubs: 1 of 2 solved",
        "· How many hubs: 2 of 2 solved",
        "· Done",
    ]
    # On a terminal the counting line is rewritten in place (carriage return, clear the line) until its last count.
    on_terminal = show(True)
    assert on_terminal.count("\r\x1b[K") == 2
    parts = [click.unstyle(line.replace("\r\x1b[K", "|")) for line in on_terminal.split("\n")]
    assert parts == [
        "· Demand for 2030",
        "|· How many hubs: 1 of 2 solved|· How many hubs: 2 of 2 solved",
        "· Done",
        "",
    ]
