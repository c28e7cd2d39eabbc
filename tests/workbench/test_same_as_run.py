"""The workbench's answers are the answers of ``hubopt run`` on the same settings (the central promise of issue 14).

For each question, :meth:`Workbench.answer` is compared with :func:`hubopt.run` on
:meth:`Workbench.scenario_for`'s scenario: the same hubs, the same journey for every zone, the same headline figures.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import hubopt
from hubopt.analysis.appraise import evaluate_option
from hubopt.analysis.equity import equity_table
from hubopt.workbench.answer import Answer
from hubopt.workbench.session import Workbench

REL = 1e-9


def _questions(wb: Workbench) -> dict[str, object]:
    q = wb.default_question()
    return {
        "default": q,
        "forced and ruled out": replace(q, hubs=4, must_open=("RYYD9", "RWFTW"), unavailable=("G82041",)),
        "mclp 15 minutes": replace(q, model="mclp", max_minutes=15.0),
        "p-center": replace(q, model="p-center"),
        "capacitated": replace(q, model="capacitated", hubs=5, min_population=50_000.0, max_population=220_000.0),
        "another year": replace(q, year=2040, hubs=6),
    }


def _check_same(answer: Answer, run: hubopt.RunResult) -> None:
    chosen = run.sites.loc[run.sites["chosen"].astype(bool), "site_id"].astype(str).tolist()
    assert list(answer.open_site_ids) == chosen
    np.testing.assert_allclose(answer.zone_minutes, run.zones["minutes"].to_numpy(dtype=float), rtol=REL)
    hubs = run.candidates.sites["site_id"].astype(str).tolist()
    assert [hubs[j] if j >= 0 else "" for j in answer.zone_hub] == run.zones["hub_id"].tolist()
    f = answer.figures
    assert f.mean_minutes == pytest.approx(run.access["mean_minutes"], rel=REL)
    assert f.p95_minutes == pytest.approx(run.access["p95_minutes"], rel=REL)
    for t in (15.0, 30.0):
        assert f.within[t] == pytest.approx(run.access[f"within_{t:g}_share"], rel=REL)
    equity = equity_table(run.zones).set_index("group_key")
    assert f.deprived_mean_minutes == pytest.approx(equity.loc["deprived_fifth", "mean_minutes"], rel=REL)
    assert f.rest_mean_minutes == pytest.approx(equity.loc["rest", "mean_minutes"], rel=REL)
    served = run.zones.groupby("hub_id")["population"].sum()
    assert f.people_per_hub == pytest.approx({s: float(served[s]) for s in answer.open_site_ids}, rel=REL)
    # The demo's border service (Darent Valley Hospital, status external) is reported apart, as the run reports it.
    external = run.sites.loc[run.sites["external"].astype(bool), "site_id"].astype(str)
    border = {s: float(served[s]) for s in external if s in served.index}
    assert f.people_per_border_service == pytest.approx(border, rel=REL)
    assert f.population == pytest.approx(float(run.zones["population"].sum()), rel=REL)


@pytest.mark.parametrize(
    "name", ["default", "forced and ruled out", "mclp 15 minutes", "p-center", "capacitated", "another year"]
)
def test_answer_equals_hubopt_run(west_kent: Workbench, name: str) -> None:
    question = _questions(west_kent)[name]
    answer = west_kent.answer(question)  # type: ignore[arg-type]
    run = hubopt.run(west_kent.scenario_for(question))  # type: ignore[arg-type]
    _check_same(answer, run)
    assert answer.proof.proven == run.result.report.is_optimal


def test_forced_and_ruled_out_sites_are_honoured(west_kent: Workbench) -> None:
    question = _questions(west_kent)["forced and ruled out"]
    answer = west_kent.answer(question)  # type: ignore[arg-type]
    assert {"RYYD9", "RWFTW"} <= set(answer.open_site_ids)
    assert "G82041" not in answer.open_site_ids
    assert len(answer.open_site_ids) == 4


def test_evaluate_equals_evaluate_option_and_the_runs_appraisal(west_kent: Workbench) -> None:
    question = replace(west_kent.default_question(), year=2035)
    option = ["RYYD9", "RWF03", "RWFTW"]
    answer = west_kent.evaluate(question, option, label="Option A")
    demand = west_kent.demand(2035)
    expected = evaluate_option(
        option,
        west_kent.modes["drive"].minutes,
        west_kent.site_ids,
        demand.population["population"].to_numpy(dtype=float),
        np.asarray(demand.demand, dtype=float),
        west_kent.study.zones["imd_decile"].to_numpy(),
        pd.DataFrame(west_kent.candidates.sites.drop(columns="geometry")),
        west_kent.thresholds,
    )
    f = answer.figures
    assert f.mean_minutes == pytest.approx(expected["mean_minutes"], rel=REL)
    assert f.p95_minutes == pytest.approx(expected["p95_minutes"], rel=REL)
    assert f.within[15.0] == pytest.approx(expected["within_15_share"], rel=REL)
    assert f.deprived_mean_minutes == pytest.approx(expected["deprived_mean_minutes"], rel=REL)
    assert f.rest_mean_minutes == pytest.approx(expected["rest_mean_minutes"], rel=REL)
    assert max(f.people_per_hub.values()) == pytest.approx(expected["max_hub_population"], rel=REL)
    assert answer.proof.status == "fixed" and not answer.proof.proven
    # the run of scenario_for(question, option) appraises the same option, and its hubs are the option
    run = hubopt.run(west_kent.scenario_for(question, option, name="Option A"))
    assert sorted(answer.open_site_ids) == sorted(run.sites.loc[run.sites["chosen"], "site_id"])
    row = run.appraisal.set_index("option").loc["Option A"]
    assert f.mean_minutes == pytest.approx(row["mean_minutes"], rel=REL)
    assert f.deprived_mean_minutes == pytest.approx(row["deprived_mean_minutes"], rel=REL)
    _check_same(answer, run)


def test_the_border_service_is_reported_apart_from_the_hubs(west_kent: Workbench) -> None:
    answer = west_kent.answer(west_kent.default_question())
    f = answer.figures
    assert "RN707" not in answer.open_site_ids and "RN707" not in f.people_per_hub  # Darent Valley: not a hub
    assert f.people_per_border_service["RN707"] > 0
    everyone = sum(f.people_per_hub.values()) + sum(f.people_per_border_service.values())
    assert everyone == pytest.approx(f.population - f.unserved_population, rel=REL)
    assert answer.to_json()["figures"]["people_per_border_service"]["RN707"] > 0
