"""The clusters model in a run: each zone's cluster is its Primary Care Network by the rule of clusters.csv (the
nearest practice's PCN), a hub serves whole clusters and at least ``model.min_clusters`` of them, within the size
bounds; a study without PCNs stops with a clear message; ``model.min_clusters`` is validated."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from test_pipeline import REPO, scenario_file

from hubopt.errors import InputError
from hubopt.pipeline import run_scenario
from hubopt.pipeline.appraisal import reoptimisation_for_run
from hubopt.pipeline.model_step import solve_scenario_model
from hubopt.scenario import load_scenario

#: Bounds West Kent's ten PCNs can meet with 5 hubs of 2 PCNs each (found with the solver: the largest hub serves
#: 129,479 people, the smallest 81,258).
BOUNDS = {"model__min_population": 80_000, "model__max_population": 130_000}


def _clusters_scenario(tmp_path: Path, **changes) -> Path:
    # Without the demo's border service (status external): the cluster rule sends every cluster to the area's hubs.
    settings = {"sites__extra_register": None, **changes}
    return scenario_file(
        tmp_path, light=True, model__type="clusters", model__hubs=5, model__min_clusters=2, **BOUNDS, **settings
    )


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clusters")
    return run_scenario(load_scenario(_clusters_scenario(tmp)), out=tmp / "out")


def test_west_kent_clusters_run_serves_whole_pcns_proven_optimal(cluster_run) -> None:
    result = cluster_run.result
    assert result.report.is_optimal
    assert len(result.open_sites) == 5
    zones = pd.read_csv(cluster_run.folder / "zones.csv", dtype={"pcn_code": str, "hub_id": str})
    assert (zones["pcn_code"].fillna("") != "").all()
    # No PCN is split between hubs: every zone of a PCN goes to the same hub (zones.csv and clusters.csv agree).
    assert (zones.groupby("pcn_code")["hub_id"].nunique() == 1).all()
    clusters = pd.read_csv(cluster_run.folder / "clusters.csv", keep_default_na=False, na_values=[""])
    assert clusters["pcn_code"].nunique() == 10
    assert (clusters["hubs"] == 1).all() and not clusters["pcn_code"].duplicated().any()
    # Each hub serves at least two PCNs and 80,000-130,000 people.
    per_hub = zones.groupby("hub_id").agg(pcns=("pcn_code", "nunique"), people=("population", "sum"))
    assert len(per_hub) == 5
    assert (per_hub["pcns"] >= 2).all()
    assert per_hub["people"].min() >= 80_000 * (1 - 1e-9)
    assert per_hub["people"].max() <= 130_000 * (1 + 1e-9)
    summary = (cluster_run.folder / "summary.txt").read_text()
    assert "a hub serves whole clusters, at least 2 each" in summary
    assert "residents located by their nearest practice's PCN" in summary
    assert "0 split between hubs (clusters.csv)" in summary


def test_the_cluster_rule_refuses_border_services(tmp_path: Path) -> None:
    path = _clusters_scenario(
        tmp_path, sites__extra_register=str(REPO / "hubopt" / "studies" / "west_kent" / "border_services.csv")
    )
    with pytest.raises(InputError) as info:
        run_scenario(load_scenario(path), out=tmp_path / "out")
    assert info.value.setting == "model.type"
    assert "border services" in str(info.value) and "external" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_a_study_without_pcns_names_what_to_do(tmp_path: Path) -> None:
    study = tmp_path / "west_kent_no_pcn"
    shutil.copytree(REPO / "hubopt" / "studies" / "west_kent", study)
    sites = pd.read_csv(study / "sites.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sites["pcn_code"] = ""
    sites["pcn_name"] = ""
    sites.to_csv(study / "sites.csv", index=False)
    path = _clusters_scenario(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["study"] = str(study)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError) as info:
        run_scenario(load_scenario(path), out=tmp_path / "out")
    assert info.value.setting == "model.type"
    assert "no GP practice of this study has a PCN" in str(info.value)
    assert "ePCN" in info.value.hint and "another model.type" in info.value.hint
    assert not (tmp_path / "out").exists()


def test_the_model_step_refuses_the_clusters_model_without_zone_clusters() -> None:
    model = SimpleNamespace(
        years=None, max_minutes=None, sweep=None, explain=False, min_population=None, max_population=None,
        min_clusters=2, capacity_measure="population", budget=None, max_new_build=None,
    )  # fmt: skip
    scenario = SimpleNamespace(
        model=model, model_type="clusters", hubs=1, solver="highs", time_limit=None, mip_gap=0.0, services=None
    )
    minutes = np.array([[5.0, 20.0], [15.0, 10.0]])
    demand = SimpleNamespace(demand=np.array([10.0, 20.0]), population=pd.DataFrame({"population": [1, 2]}))
    sites = pd.DataFrame({"site_id": ["A", "B"], "name": ["Site A", "Site B"]})
    args = (scenario, minutes, demand, sites, [], [], ["z1", "z2"], lambda _y: demand)
    with pytest.raises(InputError) as info:
        solve_scenario_model(*args)
    assert info.value.setting == "model.type"
    # Given the zones' clusters (two clusters, one hub serving both), the same request solves.
    outcome = solve_scenario_model(*args, zone_clusters=["P1", "P2"])
    assert len(outcome.result.open_sites) == 1
    assert "residents located by their nearest practice's PCN" in outcome.description


def test_min_clusters_defaults_to_two(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, light=True, model__type="clusters", model__hubs=5))
    assert sc.model.min_clusters == 2


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"model__type": "clusters", "model__min_clusters": 0}, "at least 1"),
        ({"model__type": "clusters", "model__min_clusters": 1.5}, "min_clusters"),
        ({"model__type": "clusters", "model__min_clusters": True}, "min_clusters"),
        ({"model__type": "p-median", "model__min_clusters": 2}, "applies to the clusters model"),
    ],
)
def test_min_clusters_is_validated(tmp_path: Path, changes: dict, words: str) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(scenario_file(tmp_path, light=True, model__hubs=5, **changes))
    assert info.value.setting == "model.min_clusters"
    assert words in str(info.value)


def test_reoptimisation_check_says_clusters_are_not_applied(cluster_run) -> None:
    hubs = cluster_run.sites.loc[cluster_run.sites["chosen"], "site_id"].astype(str).tolist()
    check = reoptimisation_for_run(cluster_run, hubs)
    assert any("capacities and whole clusters are not applied" in note for note in check.notes)
