"""``model.explain_time_limit``: the scenario setting that bounds the explanation, and how a run says it was cut
short (the ``clock`` fixture runs the limit out at a chosen moment, never real timing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from light_demo import model_scenario_file

from hubopt.demand.zones import ZoneDemand
from hubopt.errors import InputError
from hubopt.pipeline.model_step import solve_scenario_model
from hubopt.scenario import load_scenario


def test_the_setting_is_optional_and_checked(tmp_path: Path) -> None:
    assert load_scenario(model_scenario_file(tmp_path)).model.explain_time_limit is None
    assert load_scenario(model_scenario_file(tmp_path, explain_time_limit=3)).model.explain_time_limit == 3.0
    for bad in (0, -1):
        with pytest.raises(InputError, match="positive number of seconds") as info:
            load_scenario(model_scenario_file(tmp_path, explain_time_limit=bad))
        assert info.value.setting == "model.explain_time_limit"
    with pytest.raises(InputError) as info:
        load_scenario(model_scenario_file(tmp_path, explain_time_limit="soon"))
    assert info.value.setting == "model.explain_time_limit"


def _solve(path: Path, progress: Any):
    rng = np.random.default_rng(5)
    zones_xy, sites_xy = rng.uniform(0, 40, (30, 2)), rng.uniform(0, 40, (10, 2))
    minutes = np.hypot(*(zones_xy[:, None, :] - sites_xy[None, :, :]).transpose(2, 0, 1))
    weights = rng.uniform(1, 50, 30)
    zones = [f"Z{i}" for i in range(30)]
    demand = ZoneDemand(2025, pd.DataFrame({"zone_id": zones, "population": weights * 10}), weights, {}, "test")
    sites = pd.DataFrame(
        {"site_id": [f"S{j}" for j in range(10)], "name": [f"Site {j}" for j in range(10)], "type": "x"}
    ).assign(status="existing")
    sc = load_scenario(path)
    return solve_scenario_model(sc, minutes, demand, sites, [], [], zones, lambda _y: demand, progress)


def test_a_run_says_what_the_limit_cut_short(tmp_path: Path, clock: Any) -> None:
    def progress(message: str) -> None:
        if message == "Explaining: next-best solutions, 2 of 4 solves":
            clock.run_out()

    whole = _solve(model_scenario_file(tmp_path, hubs=3, sweep=None), lambda _m: None)  # first: the clock is on time
    assert len(whole.next_best) == 4 and not any("cut short" in n for n in whole.notes)
    out = _solve(model_scenario_file(tmp_path, hubs=3, sweep=None, explain_time_limit=5), progress)
    assert out.next_best is not None and len(out.next_best) == 2 and out.next_best.attrs["cut_short"]
    assert out.swaps is not None and not out.swaps.attrs["cut_short"]  # closed form: always whole
    assert out.notes[-1] == (
        "explanation cut short by model.explain_time_limit (5 s): "
        "next-best solutions: 2 of 4 found before the time budget ran out"
    )
    pd.testing.assert_frame_equal(out.next_best, whole.next_best.iloc[:2], check_exact=False, rtol=1e-9)
