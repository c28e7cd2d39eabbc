"""External sites in the register and the run: read, allowed outside the area within a stated distance, never
must-open or unavailable, and the demo's real border service (Darent Valley Hospital, from the NHS hospital list)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from test_pipeline import scenario_file

from hubopt.errors import InputError
from hubopt.io.sites import read_site_register
from hubopt.pipeline.steps import select_sites
from hubopt.scenario import load_scenario
from hubopt.study import EXTERNAL_SITE_DISTANCE_M, SITE_NOTE_DISTANCE_M, load_study

REPO = Path(__file__).resolve().parents[1]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"
BORDER = WEST_KENT / "border_services.csv"


def _sites(study, rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": [r[0] for r in rows], "name": [r[0] for r in rows], "status": [r[1] for r in rows]},
        geometry=[Point(r[2], r[3]) for r in rows],
        crs=study.sites.crs,
    )


def test_external_site_may_lie_outside_the_area_within_the_stated_distance() -> None:
    study = load_study(WEST_KENT)
    assert SITE_NOTE_DISTANCE_M < EXTERNAL_SITE_DISTANCE_M == 30_000
    # 29.2 km north of the area (easting 557,097, northing 200,000): an ordinary site is noted, an external one not.
    far = _sites(study, [("ordinary", "candidate", 557_097, 200_000), ("border", "external", 557_097, 200_000)])
    notes = study.check_sites_near(far, path="x.csv")
    assert len(notes) == 1 and notes[0].startswith("site ordinary")
    # 35.7 km away (easting 520,000, northing 190,000): an external site is refused, naming it and the distance.
    with pytest.raises(InputError, match=r"35\.7 km") as err:
        study.check_sites_near(_sites(study, [("too far", "external", 520_000, 190_000)]), path="x.csv")
    assert err.value.column == "status" and "too far" in str(err.value) and "30 km" in str(err.value)


def test_register_reads_external_status_in_any_spelling(tmp_path: Path) -> None:
    text = BORDER.read_text().replace(",external,", ",External,")
    path = tmp_path / "border.csv"
    path.write_text(text)
    sites = read_site_register(path)
    assert sites["status"].tolist() == ["external"]


def test_demo_border_service_is_real_and_sourced() -> None:
    border = pd.read_csv(BORDER)
    assert border["site_id"].tolist() == ["RN707"] and border["status"].tolist() == ["external"]
    assert "NHS website hospital list" in border["source"].iloc[0]
    study = load_study(WEST_KENT)
    assert "RN707" not in set(study.sites["site_id"])  # not one of the area's own sites
    sites = read_site_register(BORDER).to_crs(study.sites.crs)
    distance = study.distance_from_area(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    assert 0 < distance[0] < 5_000  # just outside West Kent (Dartford), within the 30 km allowed


@pytest.mark.parametrize("setting", ["must_open", "unavailable"])
def test_external_site_cannot_be_must_open_or_unavailable(tmp_path: Path, setting: str) -> None:
    listed = ["RN707"] if setting == "unavailable" else ["RYYD9", "RN707"]
    scenario = load_scenario(scenario_file(tmp_path, light=True, **{f"sites__{setting}": listed}))
    with pytest.raises(InputError, match="status external") as err:
        select_sites(load_study(WEST_KENT), scenario)
    assert err.value.setting == f"sites.{setting}"


def test_demo_scenario_marks_the_border_service_external(tmp_path: Path) -> None:
    scenario = load_scenario(scenario_file(tmp_path, light=True))
    candidates = select_sites(load_study(WEST_KENT), scenario)
    ids = candidates.sites["site_id"].astype(str).tolist()
    assert [ids[j] for j in candidates.external] == ["RN707"]
    assert not set(candidates.external) & (set(candidates.must_open) | set(candidates.unavailable))


def test_an_external_sites_years_never_make_it_unavailable(tmp_path: Path) -> None:
    """Another area's service is open in every answer: availability years (the area's leases) do not rule it out."""
    ended = {"RN707": {"available_until": 2020, "source": "test: an end year before the run's year"}}
    scenario = load_scenario(scenario_file(tmp_path, light=True, sites__availability=ended))
    candidates = select_sites(load_study(WEST_KENT), scenario)
    ids = candidates.sites["site_id"].astype(str).tolist()
    assert [ids[j] for j in candidates.external] == ["RN707"]
    assert ids.index("RN707") not in candidates.unavailable
