"""Inputs of a run: sites located by postcode (sites.postcode_lookup) and checked against the study area; the
study's registration shares; every setting an error names exists."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hubopt.errors import InputError
from hubopt.pipeline import run_scenario, summary_lines
from hubopt.pipeline.steps import select_sites
from hubopt.scenario import load_scenario
from hubopt.scenario.schema import _MODE_SCHEMA, _SCHEMA
from hubopt.study import SITE_NOTE_DISTANCE_M, SITE_REFUSE_DISTANCE_M, load_study

REPO = Path(__file__).resolve().parents[1]
WEST_KENT = REPO / "hubopt" / "studies" / "west_kent"
HEADER = "site_id,name,type,status,postcode,easting,northing\n"

#: Two West Kent postcodes and their NSPL (May 2025) latitude and longitude, in the layout of the NSPL extract.
NSPL = "Postcode,lat,long\nTN1 1AA,51.12930,0.26096\nTN9 2AA,51.19034,0.27087\nME1 1AA,51.38,0.50\n"


def scenario(tmp_path: Path, register: str | None = None, **sites: object) -> Path:
    data: dict = {
        "name": "Sites",
        "study": str(WEST_KENT),
        "year": 2030,
        "model": {"type": "p-median", "hubs": 3, "explain": False},
        "outputs": {
            "folder": str(tmp_path / "out"),
            "map": False,
            "static_maps": False,
            "report": False,
            "workbook": False,
        },
    }
    if register is not None:
        (tmp_path / "extra.csv").write_text(register)
        data["sites"] = {"extra_register": "extra.csv", **sites}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


# --- sites.postcode_lookup ----------------------------------------------------------------------------------------


def test_extra_sites_located_by_postcode_run_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "nspl.csv").write_text(NSPL)
    register = (
        HEADER
        + "NEW1,Royal Wells hub,new_build,candidate,TN1 1AA,,\nNEW2,Tonbridge hub,new_build,must-keep,tn92aa,,\n"
    )
    sc = load_scenario(scenario(tmp_path, register, postcode_lookup="nspl.csv"))
    assert sc.site_postcodes == (tmp_path / "nspl.csv").resolve()
    run = run_scenario(sc)
    sites = pd.read_csv(run.folder / "sites.csv", dtype={"site_id": str}).set_index("site_id")
    assert sites.loc["NEW1", "located_by"] == "postcode" and sites.loc["NEW2", "located_by"] == "postcode"
    # NSPL TN9 2AA (51.19034, 0.27087) in British National Grid, by pyproj: (558785.5, 145907.9).
    assert sites.loc["NEW2", "easting"] == pytest.approx(558785.5, abs=1)
    assert sites.loc["NEW2", "northing"] == pytest.approx(145907.9, abs=1)
    assert bool(sites.loc["NEW2", "chosen"])  # must-keep: the site was used by the model


def test_postcode_only_sites_without_a_lookup_name_the_real_setting(tmp_path: Path) -> None:
    sc = load_scenario(scenario(tmp_path, HEADER + "NEW1,Hub,new_build,candidate,TN1 1AA,,\n"))
    with pytest.raises(InputError) as info:
        select_sites(load_study(sc.study), sc)
    assert "can only be located by postcode, but no postcode lookup was given" in str(info.value)
    assert "set sites.postcode_lookup to a postcode file" in str(info.value)
    assert "sites" in _SCHEMA and "postcode_lookup" in _SCHEMA["sites"]


def test_postcode_lookup_without_a_register_is_refused(tmp_path: Path) -> None:
    path = scenario(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["sites"] = {"postcode_lookup": "nspl.csv"}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"setting 'sites.postcode_lookup': a postcode lookup is given but no extra"):
        load_scenario(path)


def _schema_has(key: str) -> bool:
    node: object = _SCHEMA
    parts = key.split(".")
    for k, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        if part == "modes" and parts[:k] == ["travel"]:
            return len(parts) == k + 3 and parts[k + 2] in _MODE_SCHEMA
    return True


def test_every_scenario_setting_named_by_an_error_exists() -> None:
    """Every ``setting="section.key"`` in hubopt names a real scenario setting (no hint sends users to a ghost)."""
    sections = tuple(f"{s}." for s, spec in _SCHEMA.items() if isinstance(spec, dict))
    wrong = []
    for source in (REPO / "hubopt").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg == "setting" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    key = kw.value.value
                    if key.startswith(sections) and not _schema_has(key):
                        wrong.append(f"{source.relative_to(REPO)}:{node.lineno}: {key}")
    assert not wrong, wrong


def test_readme_documents_postcode_lookup() -> None:
    assert "`sites.postcode_lookup`" in (REPO / "README.md").read_text(encoding="utf-8")


# --- sites far from the study area --------------------------------------------------------------------------------


def test_site_far_from_the_area_is_refused(tmp_path: Path) -> None:
    edinburgh = HEADER + "EDI,Edinburgh clinic,other,candidate,,325000,673000\n"
    sc = load_scenario(scenario(tmp_path, edinburgh))
    with pytest.raises(InputError) as info:
        select_sites(load_study(sc.study), sc)
    message = str(info.value)
    assert f"file {tmp_path / 'extra.csv'}, column 'site_id'" in message
    assert (
        "site 'EDI' ('Edinburgh clinic') at easting 325000, northing 673000 is 551 km from the West Kent" in message
    )
    assert f"clearly outside it (more than {SITE_REFUSE_DISTANCE_M / 1000:.0f} km)" in message


def test_swapped_easting_and_northing_are_named(tmp_path: Path) -> None:
    swapped = HEADER + "SWP,College Practice (swapped),gp_practice,candidate,,155158.9,576053.7\n"
    sc = load_scenario(scenario(tmp_path, swapped))
    with pytest.raises(InputError, match=r"easting and northing look swapped: \(576054, 155159\) lies inside"):
        select_sites(load_study(sc.study), sc)


def test_site_beyond_the_note_distance_is_noted_in_summary_and_manifest(tmp_path: Path) -> None:
    ashford = (
        HEADER + "FAR,Far clinic,other,candidate,,625000,157000\nNEAR,Near clinic,other,candidate,,575000,155000\n"
    )
    sc = load_scenario(scenario(tmp_path, ashford))
    candidates = select_sites(load_study(sc.study), sc)
    assert candidates.notes == [
        f"site FAR (Far clinic) is 29.9 km outside the West Kent study area (more than "
        f"{SITE_NOTE_DISTANCE_M / 1000:.0f} km): check its location"
    ]
    run = run_scenario(sc)
    assert f"  Note: {candidates.notes[0]}" in summary_lines(run)
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert manifest["results"]["site_notes"] == candidates.notes


def test_study_sites_far_away_are_refused_too(tmp_path: Path) -> None:
    import shutil

    study = tmp_path / "study"
    shutil.copytree(WEST_KENT, study)
    sites = (study / "sites.csv").read_text(encoding="utf-8-sig")
    (study / "sites.csv").write_text(sites.replace("574561.0,130668.9", "130668.9,574561.0"), encoding="utf-8")
    lon_lat = pd.read_csv(study / "sites.csv", dtype=str)
    lon_lat.loc[lon_lat["site_id"] == "RYYD6", ["lon", "lat"]] = ""
    lon_lat.to_csv(study / "sites.csv", index=False)
    path = scenario(tmp_path)
    path.write_text(path.read_text().replace(str(WEST_KENT), str(study)))
    sc = load_scenario(path)
    with pytest.raises(InputError, match=r"(?s)sites.csv, column 'site_id': site 'RYYD6'.*look swapped"):
        select_sites(load_study(sc.study), sc)


# --- registration shares of study.yaml ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "message"),
    [
        ("'about half'", r"registration share of E07000111 must be a number above 0 and at most 1, not 'about half'"),
        ("1.5", r"registration share of E07000111 must be a number above 0 and at most 1, not 1.5"),
    ],
)
def test_study_registration_shares_are_checked(tmp_path: Path, share: str, message: str) -> None:
    import shutil

    from hubopt.pipeline.demand import demand_options

    study = tmp_path / "study"
    shutil.copytree(WEST_KENT, study)
    meta = study / "study.yaml"
    meta.write_text(meta.read_text().replace("E07000111: 0.594", f"E07000111: {share}"))
    path = scenario(tmp_path)
    data = yaml.safe_load(path.read_text())
    data.update(study=str(study), demand={"registration_share": "study"})
    path.write_text(yaml.safe_dump(data))
    sc = load_scenario(path)
    with pytest.raises(InputError, match=message) as info:
        demand_options(load_study(study), sc)
    assert f"file {meta}, setting 'registration_share.E07000111'" in str(info.value)
