"""Scenario files: the demo scenario reads; every kind of mistake names its key and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hubopt.errors import InputError
from hubopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"


def test_demo_scenario_reads_with_resolved_paths() -> None:
    sc = load_scenario(DEMO)
    assert sc.name == "West Kent local care hubs"
    assert sc.study == (REPO / "hubopt" / "studies" / "west_kent").resolve()
    assert sc.hubs == 5 and sc.solver == "highs" and sc.mip_gap == 0.0
    assert sc.demand_weights == {"0-64": 1.0, "65-74": 2.0, "75-84": 3.0, "85+": 4.0}
    assert sc.must_open == ["RYYD9"]
    assert sc.thresholds == [15.0, 30.0]


def write(tmp_path: Path, changes: dict, remove: tuple[str, ...] = ()) -> Path:
    data = yaml.safe_load(DEMO.read_text())
    for dotted in remove:
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[last]
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("changes", "remove", "message"),
    [
        ({"model.hubz": 3}, (), r"unknown setting 'model.hubz'.*did you mean 'model.hubs'"),
        ({"model.hubs": "five"}, (), r"'model.hubs' must be a whole number, not 'five'"),
        ({"model.hubs": 0}, (), r"setting 'model.hubs'.*1 or more"),
        ({}, ("model.hubs",), r"setting 'model.hubs': the p-median model needs the number of hubs"),
        ({"model.type": "lscp", "model.max_minutes": 20}, (), r"finds the fewest hubs itself; remove model.hubs"),
        ({"model.type": "mclp"}, (), r"the mclp model needs the travel-time standard"),
        ({"model.min_population": 40000}, (), r"applies to the capacitated model"),
        ({"model.sweep": [5, 2]}, (), r"\[first, last\]"),
        ({"appraisal.options": [{"name": "A"}]}, (), r"needs a name and a list of site IDs"),
        ({"model.solver": "gurobi"}, (), r"unknown solver 'gurobi'.*highs, cbc"),
        ({"model.type": "p-centre"}, (), r"unknown model 'p-centre'"),
        ({"model.time_limit": -1}, (), r"time limit must be a positive"),
        ({"model.mip_gap": 2}, (), r"MIP gap"),
        ({"year": 3030}, (), r"the year 3030 is not plausible"),
        ({"demand.weights": {"0-64": 1, "65-74": 2, "75-84": 3}}, (), r"missing: 85\+"),
        ({"demand.weights": {"0-64": 1, "65-74": -2, "75-84": 3, "85+": 4}}, (), r"zero or positive"),
        ({"demand.beyond_projection": "extrapolate"}, (), r"unknown choice 'extrapolate'"),
        ({"sites.types": ["gp_practice", "hospital"]}, (), r"unknown site type\(s\): hospital"),
        ({"travel.method": "teleport"}, (), r"unknown travel-time method 'teleport'"),
        ({"outputs.thresholds": [15, -30]}, (), r"positive minutes"),
        ({"sites": "all"}, (), r"setting 'sites'.*section"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, changes: dict, remove: tuple, message: str) -> None:
    path = write(tmp_path, changes, remove)
    with pytest.raises(InputError, match="(?s)" + message) as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the scenario file does not exist"):
        load_scenario(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmodel:\n  hubs: 3\n hubs: 4\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_scenario(bad)
