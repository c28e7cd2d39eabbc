"""Studies for any districts: Mid and South Essex from the real files, custom district lists, missing sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hubopt.build.areas import MID_SOUTH_ESSEX, area_for
from hubopt.build.study import build_study
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.io.deprivation import read_imd2019
from hubopt.pipeline import run_scenario
from hubopt.scenario import load_scenario
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
MSE = REPO / "data" / "mid_south_essex"
FILES = (
    "zones.csv",
    "sites.csv",
    "projections.csv",
    "study.yaml",
    "ATTRIBUTION.md",
    "build_report.json",
    "zone_boundaries.geojson",
    "districts.geojson",
)


def test_committed_mid_south_essex_study() -> None:
    study = load_study(MSE)
    assert len(study.zones) == 705
    assert (study.sites["type"] == "gp_practice").sum() == 147
    acute = study.sites[study.sites["type"] == "acute_hospital"].set_index("site_id")["name"]
    assert set(acute) == {"Broomfield Hospital", "Southend Hospital", "Basildon University Hospital"}
    assert study.projections.empty
    assert len(study.metadata["projections_missing_for"]) == 9
    assert "no population projections" in (MSE / "ATTRIBUTION.md").read_text()


def test_rebuild_equals_committed(shared_data: Path, tmp_path: Path) -> None:
    build_study(shared_data, tmp_path / "mse", MID_SOUTH_ESSEX)
    for name in FILES:
        assert (tmp_path / "mse" / name).read_bytes() == (MSE / name).read_bytes(), name


def test_custom_districts(shared_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "study",
            "build",
            "--districts",
            "E07000066",
            "E07000068",
            "--name",
            "Basildon and Brentwood",
            "--source",
            str(shared_data),
            "--out",
            str(tmp_path / "bb"),
        ],
    )
    assert result.exit_code == 0, result.output
    study = load_study(tmp_path / "bb")
    imd = read_imd2019(shared_data / "deprivation" / "IMD2019_File1_westkent_mse.csv")
    assert len(study.zones) == imd["lad_code"].isin(["E07000066", "E07000068"]).sum()
    assert study.metadata["districts"] == {"E07000066": "Basildon", "E07000068": "Brentwood"}
    assert set(study.zones["district_name"]) == {"Basildon", "Brentwood"}


def test_bad_districts(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="E99999999 have no LSOAs in the IMD file"):
        build_study(shared_data, tmp_path / "x", area_for(None, ["E99999999"]))
    with pytest.raises(InputError, match="not ONS local authority district codes"):
        area_for(None, ["Maidstone"])
    with pytest.raises(InputError, match="unknown area 'kent'"):
        area_for("kent")
    with pytest.raises(InputError, match="the source folder does not exist"):
        build_study(tmp_path / "nowhere", tmp_path / "x", MID_SOUTH_ESSEX)


def mse_scenario(tmp_path: Path, **demand) -> Path:
    data = yaml.safe_load((REPO / "models" / "mid_south_essex_hubs.yaml").read_text())
    data["study"] = str(MSE)
    data["demand"].update(demand)
    data["outputs"]["folder"] = str(tmp_path / "out")
    path = tmp_path / "mse.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_mid_south_essex_runs_end_to_end_and_says_population_is_held(tmp_path: Path) -> None:
    run = run_scenario(load_scenario(mse_scenario(tmp_path)))
    assert len(run.zones) == 705
    assert run.result.report.is_optimal
    assert len(run.result.open_sites) == 10
    summary = (run.folder / "summary.txt").read_text()
    assert "HELD FLAT to 2030" in summary
    assert "HELD FLAT" in (run.folder / "map.html").read_text()
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert "no population projections" in manifest["methods"]["demand"]


def test_missing_projections_need_an_explicit_choice(tmp_path: Path) -> None:
    sc = load_scenario(mse_scenario(tmp_path, beyond_projection="refuse"))
    with pytest.raises(InputError, match=r"(?s)no population projections.*demand\.beyond_projection: hold"):
        run_scenario(sc)
    assert not (tmp_path / "out").exists()
