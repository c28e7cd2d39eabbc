"""Scenario numbers too large to compute with (issue 12): refused when the file is read, naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hubopt.errors import InputError
from hubopt.scenario import load_scenario

DEMO = Path(__file__).resolve().parents[1] / "hubopt" / "scenarios" / "west_kent_hubs.yaml"


def _write(tmp_path: Path, section: str, key: str, value: object) -> Path:
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(DEMO.parent / data["study"])
    data["demand"]["housing"]["file"] = str(DEMO.parent / data["demand"]["housing"]["file"])
    data.setdefault(section, {})[key] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("huge", [1e300, 1e7])
def test_huge_demand_weight_is_refused_at_load(tmp_path: Path, huge: float) -> None:
    path = _write(tmp_path, "demand", "weights", {"0-64": 1, "65-74": 2, "75-84": huge, "85+": 4})
    # 1e300 is past every number a setting may hold; 1e7 past the largest band weight: both name the band.
    with pytest.raises(
        InputError, match=r"(?s)setting 'demand\.weights.*75-84.*(too large|above the largest)"
    ) as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_huge_bed_weight_is_refused_at_load(tmp_path: Path) -> None:
    path = _write(tmp_path, "beds", "weights", {"0-64": 1, "65-74": 4, "75-84": 10, "85+": 1e300})
    with pytest.raises(InputError, match=r"(?s)setting 'beds\.weights.*85\+.*too large"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("model", "time_limit", float("inf"), r"'model\.time_limit' must be a finite number"),
        ("model", "mip_gap", float("nan"), r"'model\.mip_gap' must be a finite number"),
        ("beds", "cost_per_bed", 1e300, r"'beds\.cost_per_bed' is 1e\+300, too large to compute with"),
        ("model", "budget", 10**400, r"'model\.budget' must be a finite number"),
    ],
)
def test_non_finite_or_huge_numbers_name_the_setting(
    tmp_path: Path, section: str, key: str, value: object, message: str
) -> None:
    path = _write(tmp_path, section, key, value)
    with pytest.raises(InputError, match="(?s)" + message):
        load_scenario(path)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        (
            "beds",
            "admission_rates_per_1000",
            {"0-64": 1, "85+": float("inf")},
            r"'beds\.admission_rates_per_1000\.85\+'",
        ),
        ("outputs", "thresholds", [15, 1e300], r"'outputs\.thresholds\[1\]' is 1e\+300, too large"),
    ],
)
def test_numbers_inside_lists_and_sections_are_checked(
    tmp_path: Path, section: str, key: str, value: object, message: str
) -> None:
    path = _write(tmp_path, section, key, value)
    with pytest.raises(InputError, match="(?s)" + message):
        load_scenario(path)
