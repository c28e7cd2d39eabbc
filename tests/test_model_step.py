"""The model step names a missing model setting instead of failing deep inside a solver."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hubopt.errors import InputError
from hubopt.pipeline.model_step import solve_scenario_model


def _scenario(kind: str, *, hubs: int | None, max_minutes: float | None) -> SimpleNamespace:
    """A scenario as a library user might build it by hand, skipping the file validation."""
    model = SimpleNamespace(years=None, max_minutes=max_minutes, sweep=None, explain=False)
    return SimpleNamespace(model=model, model_type=kind, hubs=hubs, solver="highs", time_limit=None, mip_gap=0.0)


def _solve(scenario: SimpleNamespace):
    minutes = np.array([[5.0, 20.0], [15.0, 10.0], [30.0, 8.0]])
    demand = SimpleNamespace(demand=np.array([10.0, 20.0, 30.0]), population=pd.DataFrame({"population": [1, 2, 3]}))
    sites = pd.DataFrame({"site_id": ["A", "B"], "name": ["Site A", "Site B"]})
    return solve_scenario_model(scenario, minutes, demand, sites, [], [], ["z1", "z2", "z3"], lambda _y: demand)


@pytest.mark.parametrize(
    ("kind", "hubs", "max_minutes", "setting"),
    [
        ("p-median", None, None, "model.hubs"),
        ("p-center", None, None, "model.hubs"),
        ("mclp", None, 15.0, "model.hubs"),
        ("mclp", 1, None, "model.max_minutes"),
        ("lscp", None, None, "model.max_minutes"),
    ],
)
def test_a_missing_model_setting_is_named(kind: str, hubs: int | None, max_minutes: float | None, setting: str):
    with pytest.raises(InputError) as info:
        _solve(_scenario(kind, hubs=hubs, max_minutes=max_minutes))
    assert info.value.setting == setting
    assert kind in str(info.value)


def test_the_settings_given_solve_as_before():
    outcome = _solve(_scenario("p-median", hubs=1, max_minutes=None))
    # One hub: A costs 10*5 + 20*15 + 30*30 = 1250, B costs 10*20 + 20*10 + 30*8 = 640.
    assert outcome.result.open_sites.tolist() == [1]
    assert outcome.result.objective == pytest.approx(640.0, rel=1e-9)
