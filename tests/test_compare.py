"""Comparing runs lists exactly what changed: hubs, demand per hub, zones' travel times, beds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from hubopt.cli import main
from hubopt.compare import compare_runs, read_run, write_comparison
from hubopt.errors import InputError
from hubopt.pipeline import run_scenario
from hubopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "models" / "west_kent_hubs.yaml"
HOUSING = REPO / "data" / "west_kent" / "housing_illustrative.csv"


def scenario(tmp: Path, name: str, *, housing_mode: str = "within", unavailable=(), beds: bool = False) -> Path:
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(REPO / "data" / "west_kent")
    data["demand"]["housing"]["file"] = str(HOUSING)
    data["demand"]["housing"]["mode"] = housing_mode
    data["sites"]["unavailable"] = list(unavailable)
    data["beds"]["enabled"] = beds
    data["model"]["sweep"] = None
    data["model"]["explain"] = False
    data["outputs"].update(static_maps=False, report=False, workbook=False)
    data["outputs"]["folder"] = str(tmp / name)
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cmp")
    a = run_scenario(load_scenario(scenario(tmp, "a")))
    b = run_scenario(load_scenario(scenario(tmp, "b", housing_mode="additional")))
    hub = next(s for s in a.sites.loc[a.sites["chosen"], "site_id"] if s != "RYYD9")
    c = run_scenario(load_scenario(scenario(tmp, "c", unavailable=[hub])))
    return a, b, c, hub


def test_housing_rerun_lists_demand_change_per_hub(runs) -> None:
    a, b, _, _ = runs
    cmp = compare_runs(a.folder, b.folder)
    assert cmp.hubs_added == [] and cmp.hubs_removed == []
    za, zb = pd.read_csv(a.folder / "zones.csv"), pd.read_csv(b.folder / "zones.csv")
    expected = zb.groupby("hub_id")["demand"].sum() - za.groupby("hub_id")["demand"].sum()
    got = cmp.hubs.set_index("site_id")["demand_change"]
    pd.testing.assert_series_equal(got.sort_index(), expected.round(2).sort_index(), check_names=False, atol=0.01)
    # additional housing only adds people: total demand rises by the housing people's weighted demand
    assert got.sum() > 0


def test_changed_zones_are_exactly_those_with_a_new_hub_or_time(runs) -> None:
    a, _, c, hub = runs
    cmp = compare_runs(a.folder, c.folder)
    assert cmp.hubs_removed == [hub]
    assert len(cmp.hubs_added) == 1
    za = pd.read_csv(a.folder / "zones.csv", dtype={"zone_id": str}).set_index("zone_id")
    zc = pd.read_csv(c.folder / "zones.csv", dtype={"zone_id": str}).set_index("zone_id")
    expected = set(za.index[(za["hub_id"] != zc["hub_id"]) | ((za["minutes"] - zc["minutes"]).abs() > 0.05)])
    assert set(cmp.changed_zones()["zone_id"]) == expected
    assert expected  # removing a hub moves someone
    assert cmp.by_change["population"].sum() == pytest.approx(zc["population"].sum())
    # nobody is better off when a chosen hub is taken away and nothing else changes... except by reassignment
    worse = cmp.zones[cmp.zones["minutes_change"] > 0.05]
    assert len(worse) > 0
    assert set(cmp.by_decile["imd_decile"]) <= set(range(1, 11))


def test_written_tables_and_cli(runs, tmp_path: Path) -> None:
    a, _, c, _ = runs
    written = write_comparison(compare_runs(a.folder, c.folder), tmp_path / "out")
    assert "comparison_zones.csv" in written and "comparison.txt" in written
    result = CliRunner().invoke(main, ["compare", str(a.folder), str(c.folder), "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "Hubs added" in result.output


def test_bad_run_folders(runs, tmp_path: Path) -> None:
    a = runs[0]
    with pytest.raises(InputError, match="the run folder does not exist"):
        read_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no finished run"):
        read_run(tmp_path / "empty")
    old = tmp_path / "old"
    old.mkdir()
    for f in a.folder.iterdir():
        (old / f.name).write_bytes(f.read_bytes())
    m = json.loads((old / "manifest.json").read_text())
    m["hubopt_version"] = "0.0.1"
    (old / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(InputError, match=r"written by hubopt 0\.0\.1"):
        read_run(old)


def test_housing_rerun_command(tmp_path: Path) -> None:
    path = scenario(tmp_path, "base", beds=True)
    first = CliRunner().invoke(main, ["run", str(path)])
    assert first.exit_code == 0, first.output
    new = tmp_path / "housing_more.csv"
    t = pd.read_csv(HOUSING)
    years = [c for c in t.columns if c.isdigit()]
    t.loc[0, years] = t.loc[0, years] * 4
    t.to_csv(new, index=False)
    second = CliRunner().invoke(main, ["run", str(path), "--housing", str(new)])
    assert second.exit_code == 0, second.output
    out = tmp_path / "base_housing_more"
    assert (out / "comparison_hubs.csv").exists() and (out / "comparison_beds.csv").exists()
    assert "Comparison:" in second.output
    assert (tmp_path / "base" / "manifest.json").exists()  # the previous run is untouched
    listed = json.loads((out / "manifest.json").read_text())["outputs"]  # hubopt's files, replaced by a rerun
    assert {"comparison_hubs.csv", "comparison_beds.csv", "comparison.txt"} <= set(listed)
    assert set(listed) == {p.name for p in out.iterdir()}


def test_comparison_map_shows_who_is_better_or_worse_off(runs, tmp_path: Path) -> None:
    a, _, c, hub = runs
    written = write_comparison(compare_runs(a.folder, c.folder), tmp_path / "m")
    assert "comparison_map.html" in written
    html = (tmp_path / "m" / "comparison_map.html").read_text()
    assert "Who is better or worse off" in html and f"Hub removed: {hub}" in html
    assert '<script src="http' not in html
    from hubopt.render.browser import find_chromium, screenshot

    if find_chromium() is None:
        pytest.skip("chromium is not installed (CI installs it): the map was not rendered in a browser")
    shot = screenshot(tmp_path / "m" / "comparison_map.html", tmp_path / "m" / "shot.png")
    assert shot.rendered and not shot.console_errors
    assert "Change in travel time to hub" in shot.dom_text


def test_comparison_map_escapes_names(runs, tmp_path: Path) -> None:
    a, _, c, hub = runs
    evil = '<script>alert("x")</script> $x$ `y` \\z'
    copies = []
    for run, name in ((a, "a"), (c, "c")):
        folder = tmp_path / name
        shutil.copytree(run.folder, folder)
        sites = pd.read_csv(folder / "sites.csv", dtype={"site_id": str})
        sites.loc[sites["site_id"] == hub, "name"] = evil
        sites.to_csv(folder / "sites.csv", index=False)
        zones = pd.read_csv(folder / "zones.csv", dtype={"zone_id": str})
        zones.loc[0, "zone_name"] = evil
        zones.to_csv(folder / "zones.csv", index=False)
        copies.append(folder)
    result = CliRunner().invoke(main, ["compare", str(copies[0]), str(copies[1]), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "m" / "comparison_map.html").read_text()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # a second comparison into the same folder replaces it; a folder of the user's is refused
    again = CliRunner().invoke(main, ["compare", str(copies[0]), str(copies[1]), "--out", str(tmp_path / "m")])
    assert again.exit_code == 0, again.output
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    refused = CliRunner().invoke(main, ["compare", str(copies[0]), str(copies[1]), "--out", str(tmp_path / "mine")])
    assert refused.exit_code == 2 and "hubopt did not write (notes.txt)" in refused.output
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]
