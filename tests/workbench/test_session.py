"""The workbench as the web app uses it: choices and JSON, the zones' GeoJSON, several threads at once, the
explanation in words within its budget, and the consultation pack written by ``hubopt run``'s own code."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hubopt.builtin import scenario_path, study_path
from hubopt.scenario import Scenario
from hubopt.workbench.geojson import SIMPLIFY_METRES
from hubopt.workbench.question import Question
from hubopt.workbench.session import Workbench


def test_choices_and_answers_are_plain_json(west_kent: Workbench) -> None:
    choices = west_kent.choices()
    text = json.dumps(choices, allow_nan=False)
    assert choices["modes"] == ["drive"]
    assert choices["years"]["first"] == 2017 and choices["years"]["last"] == 2047
    assert choices["hubs"] == {"min": 1, "max": 59}
    assert [m["name"] for m in choices["models"]] == ["p-median", "mclp", "p-center", "capacitated"]
    assert (
        choices["default_question"]["query"] == "hubs=5&model=p-median&mode=drive&year=2030&must=RYYD9&unavailable="
    )
    # 59 sites of the area and the demo's border service (Darent Valley, external: locked, never a hub)
    assert len(choices["sites"]) == 60 and "Pembury" in text
    sites = west_kent.sites.set_index("site_id")
    assert sites.loc["RYYD9", "default_state"] == "must_open" and sites.loc["RWFTW", "default_state"] == "free"
    assert sites.loc["RWFTW", "label"] == "Tunbridge Wells Hospital at Pembury (RWFTW)"
    assert sites["lon"].min() > 0 and sites["lon"].max() < 1 and 50.9 < sites["lat"].min() < sites["lat"].max() < 51.5
    answer = west_kent.answer(west_kent.default_question())
    data = json.loads(json.dumps(answer.to_json(), allow_nan=False))
    assert data["open_site_ids"] == list(answer.open_site_ids)
    assert len(data["zone_hub"]) == len(data["zone_minutes"]) == 309
    assert data["figures"]["within"]["15"] == pytest.approx(answer.figures.within[15.0], abs=1e-4)
    assert data["proof"]["text"] == "best possible: proven"


def test_zones_geojson_is_wgs84_simplified_and_in_zone_order(west_kent: Workbench) -> None:
    collection = west_kent.zones_geojson()
    text = json.dumps(collection, separators=(",", ":"), allow_nan=False)
    features = collection["features"]
    zones = west_kent.study.zones
    assert [f["properties"]["zone_id"] for f in features] == zones["zone_id"].tolist()
    assert [f["id"] for f in features] == list(range(len(zones)))
    assert set(features[0]["properties"]) == {
        "zone_id",
        "zone_name",
        "district",
        "population",
        "imd_decile",
        "growth_pct",
    }
    assert collection["simplified_metres"] == SIMPLIFY_METRES
    points = np.array([xy for f in features for ring in _rings(f["geometry"]) for xy in ring])
    assert points[:, 0].min() > 0.0 and points[:, 0].max() < 1.0  # longitude: West Kent
    assert points[:, 1].min() > 50.9 and points[:, 1].max() < 51.5  # latitude
    assert len(text) < 400_000  # small enough for the browser (about 340 kB before HTTP compression)
    population = west_kent.demand(2030).population["population"].to_numpy()
    assert [f["properties"]["population"] for f in features] == pytest.approx(population, abs=0.5)


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def test_two_threads_at_once_give_the_sequential_answers() -> None:
    scenario = Scenario.from_yaml("builtin:west_kent_hubs")
    shared = Workbench.open(scenario)
    base = shared.default_question()
    questions = [
        replace(base, hubs=6, year=2035),
        replace(base, model="mclp", max_minutes=15.0, year=2040),
        replace(base, model="p-center", hubs=4),
        replace(base, hubs=3, unavailable=("G82041",)),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(shared.answer, questions))
    alone = Workbench.open(scenario)
    for question, answer in zip(questions, together, strict=True):
        expected = alone.answer(question)
        assert answer.question == question
        assert answer.open_site_ids == expected.open_site_ids
        np.testing.assert_allclose(answer.zone_minutes, expected.zone_minutes, rtol=1e-12)
        assert answer.figures.mean_minutes == pytest.approx(expected.figures.mean_minutes, rel=1e-12)


def test_explanation_in_words_with_site_names(west_kent: Workbench) -> None:
    answer = west_kent.answer(replace(west_kent.default_question(), model="mclp", max_minutes=15.0))
    explanation = west_kent.explain(answer, budget_seconds=600)
    assert not explanation.cut_short
    swaps = explanation.swaps
    assert set(swaps["chosen_site"]) == set(answer.open_site_ids) - {"RYYD9"}  # the must-open site is not swapped
    first = swaps.iloc[0]
    name = west_kent.sites.set_index("site_id")["name"]
    assert explanation.sentences[0].startswith(
        f"Swapping {name[first['chosen_site']]} ({first['chosen_site']}) for "
        f"{name[first['alternative_site']]} ({first['alternative_site']}) leaves "
    )
    assert "Sevenoaks Community Hospital (RYYD9) must open, so it is not swapped." in explanation.sentences
    assert len(explanation.next_best) == 4
    assert sum(s.startswith("Next best #") for s in explanation.sentences) == 3
    assert not any("cut short" in s for s in explanation.sentences)
    json.dumps(explanation.to_json(), allow_nan=False)


def test_explanation_cut_short_by_its_budget_says_so(west_kent: Workbench, clock: Any) -> None:
    answer = west_kent.answer(west_kent.default_question())
    clock.run_out()  # the budget has passed once the swaps are worked out, however fast the machine
    explanation = west_kent.explain(answer, budget_seconds=3.0)
    assert explanation.cut_short
    assert explanation.next_best.empty
    swaps = explanation.swaps
    best = swaps[swaps["chosen_site"] == "G82041"].sort_values("rank").iloc[0]
    alternative = west_kent.label_of(best["alternative_site"])
    assert (
        f"Swapping Grosvenor & St James Medical Centre (G82041) for {alternative} adds "
        f"{best['extra_minutes']:.2f} minutes to the average journey"
    ) in " ".join(explanation.sentences)
    assert explanation.sentences[-1].startswith("The explanation was cut short at its time budget of 3 seconds")


def test_export_pack_writes_the_run_folder_with_the_answers_figures(west_kent: Workbench, tmp_path: Path) -> None:
    question = replace(west_kent.default_question(), hubs=4, year=2035)
    answer = west_kent.answer(question)
    folder = west_kent.export_pack(question, tmp_path / "pack", name="Four hubs in 2035")
    for name in ("map.html", "report.html", "results.xlsx", "manifest.json", "results.gpkg", "zones.csv"):
        assert (folder / name).is_file(), name
    zones = pd.read_csv(folder / "zones.csv")
    assert zones["zone_id"].tolist() == west_kent.zone_ids
    np.testing.assert_allclose(zones["minutes"], answer.zone_minutes, rtol=1e-6, atol=0.006)  # written to 2 decimals
    assert sorted(set(zones["hub_id"])) == sorted([*answer.open_site_ids, "RN707"])  # and the border service
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["values"]["name"] == "Four hubs in 2035"


def test_question_from_default_states_of_the_scenario() -> None:
    q = Question(hubs=2, model="p-median", mode="drive", year=2030)
    assert q.to_query() == "hubs=2&model=p-median&mode=drive&year=2030&must=&unavailable="


def test_a_scenario_files_relative_paths_are_kept_by_scenario_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user's scenario file names its housing file relative to its own folder; the scenario a question stands for
    # reads the same file wherever hubopt runs from.
    text = scenario_path("builtin:west_kent_hubs").read_text(encoding="utf-8")
    housing = study_path("builtin:west_kent") / "housing_illustrative.csv"
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "housing.csv").write_bytes(housing.read_bytes())
    text = text.replace("file: builtin:west_kent/housing_illustrative.csv", "file: inputs/housing.csv")
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path.parent)
    wb = Workbench.open(Scenario.from_yaml(tmp_path / "mine.yaml"))
    scenario = wb.scenario_for(replace(wb.default_question(), hubs=3))
    assert scenario.housing_file == (tmp_path / "inputs" / "housing.csv").resolve()
    assert scenario.study == wb.scenario.study
    assert scenario.output_folder == wb.scenario.output_folder and scenario.travel_cache == wb.scenario.travel_cache
    assert scenario.hubs == 3 and scenario.beds is None and not scenario.options and scenario.model.sweep is None
