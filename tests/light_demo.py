"""The West Kent demo scenario as a dict, and a lighter run of it, for the tests that run the whole pipeline.

Imported by the tests as ``light_demo`` (pytest puts ``tests/`` on the import path).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hubopt.pipeline import run_scenario
from hubopt.results import RunResult
from hubopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"


def demo_values() -> dict:
    """The demo scenario's settings, its study named by path (so a copy written anywhere reads the same study)."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["study"] = str(WEST_KENT)
    return data


def run_light(tmp: Path, data: dict) -> RunResult:
    """Run ``data`` (demo settings) without beds, options appraisal or maps, writing into ``tmp / "out"``."""
    data["demand"]["housing"]["file"] = str(WEST_KENT / "housing_illustrative.csv")
    data["beds"]["enabled"] = False
    data["appraisal"] = {}
    data["outputs"].update(static_maps=False, map=False, geopackage=False)
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return run_scenario(load_scenario(path), out=tmp / "out")


def model_scenario_file(tmp_path: Path, **model: object) -> Path:
    """The demo scenario with ``model`` settings changed and no services section, written into ``tmp_path``.

    For the tests whose synthetic demand has people but no age bands (no appointments to count)."""
    data = demo_values()
    data["model"].update(model)
    data.pop("services")
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
