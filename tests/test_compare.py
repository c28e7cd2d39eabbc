"""Comparing runs says what changed: people added per zone, each hub's load, bed need, whether re-optimising picks
other hubs (and what it gains), and who is better or worse off; sites named, their codes second."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from browser_page import MISSING as BROWSER_MISSING
from browser_page import screenshot
from click.testing import CliRunner
from shapely.geometry import Point

from hubopt.analysis.compare import PEOPLE_LABELS, compare_runs, read_run
from hubopt.analysis.reoptimise import evaluate_reoptimisation
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.locate.median import solve_p_median
from hubopt.pipeline import run_scenario
from hubopt.pipeline.appraisal import model_weights, reoptimisation_for_run
from hubopt.render.compare_map import PEOPLE_COLOURS, PEOPLE_LAYER, people_added_colours
from hubopt.render.compare_outputs import write_comparison
from hubopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"
STUDY = REPO / "hubopt" / "studies" / "west_kent"
HOUSING = STUDY / "housing_illustrative.csv"
#: Two new estates at zone centroids (zones outside Sevenoaks, whose population the registration share scales):
#: (zone_id, easting, northing, dwellings in 2025, dwellings in 2026) -> people = dwellings x 2.4 by 2030.
NEW_ESTATES = (
    ("E01024734", "Tonbridge and Malling 010A", 100, 50),
    ("E01024841", "Tunbridge Wells 005B", 60, 40),
)
PERSONS_PER_DWELLING = 2.4


def scenario(
    tmp: Path,
    name: str,
    *,
    housing: Path = HOUSING,
    housing_mode: str = "additional",
    unavailable=(),
    beds: bool = False,
) -> Path:
    data = yaml.safe_load(DEMO.read_text())
    data["study"] = str(STUDY)
    data["demand"]["housing"]["file"] = str(housing)
    data["demand"]["housing"]["mode"] = housing_mode
    data["sites"]["unavailable"] = list(unavailable)
    data["beds"]["enabled"] = beds
    data["model"]["sweep"] = None
    data["model"]["explain"] = False
    data["appraisal"]["options"] = []
    data["outputs"].update(static_maps=False, report=False, workbook=False)
    data["outputs"]["folder"] = str(tmp / name)
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def housing_with(tmp: Path, name: str, rows: list[dict]) -> Path:
    """The illustrative trajectory plus ``rows`` (name, easting, northing, dwellings per year)."""
    t = pd.concat([pd.read_csv(HOUSING), pd.DataFrame(rows)], ignore_index=True)
    years = [c for c in t.columns if c.isdigit()]
    t[years] = t[years].fillna(0)
    path = tmp / f"{name}.csv"
    t.to_csv(path, index=False)
    return path


def centroid(zone_id: str) -> tuple[float, float]:
    z = pd.read_csv(STUDY / "zones.csv", dtype={"zone_id": str}).set_index("zone_id")
    return float(z.loc[zone_id, "centroid_easting"]), float(z.loc[zone_id, "centroid_northing"])


def assert_sites_named(text: str, sites: pd.DataFrame) -> None:
    """Every site code in ``text`` comes after the site's name, in brackets: "Name (CODE)"."""
    named = 0
    for sid, name in zip(sites["site_id"].astype(str), sites["name"].astype(str), strict=True):
        for m in re.finditer(rf"\b{re.escape(sid)}\b", text):
            assert text[: m.start()].endswith(f"{name} ("), f"{sid} is not named: ...{text[m.start() - 60 : m.end()]}"
            named += 1
    assert named > 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """a: the illustrative housing; b: a plus two new estates (same hubs); c: a with a hub unavailable;
    d: a plus a town of new housing in the zone farthest from its hub (the hubs move)."""
    tmp = tmp_path_factory.mktemp("cmp")
    a = run_scenario(load_scenario(scenario(tmp, "a", beds=True)))
    estates = []
    for zone_id, _, first, second in NEW_ESTATES:
        x, y = centroid(zone_id)
        estates.append({"name": f"Estate in {zone_id}", "easting": x, "northing": y, "2025": first, "2026": second})
    b = run_scenario(load_scenario(scenario(tmp, "b", housing=housing_with(tmp, "estates", estates), beds=True)))
    hub = next(s for s in a.sites.loc[a.sites["chosen"], "site_id"] if s != "RYYD9")
    c = run_scenario(load_scenario(scenario(tmp, "c", unavailable=[hub])))
    far = a.zones.sort_values("minutes").iloc[-1]["zone_id"]
    x, y = centroid(far)
    town = housing_with(tmp, "town", [{"name": "New town", "easting": x, "northing": y, "2025": 6000, "2026": 6000}])
    d = run_scenario(load_scenario(scenario(tmp, "d", housing=town, beds=True)))
    return a, b, c, d, hub


def test_housing_rerun_with_the_same_hubs_says_what_changed(runs) -> None:
    a, b, _, _, _ = runs
    assert set(a.sites.loc[a.sites["chosen"], "site_id"]) == set(b.sites.loc[b.sites["chosen"], "site_id"])
    cmp = compare_runs(a.folder, b.folder, reoptimisation=reoptimisation_for_run(b, read_run(a.folder).hub_ids()))
    assert cmp.hubs_added == [] and cmp.hubs_removed == []

    # people added per zone: exactly the new estates' people where they are, nothing elsewhere
    polygons = gpd.read_file(STUDY / "zone_boundaries.geojson").to_crs("EPSG:27700").set_index("zone_id")
    added = cmp.zones.set_index("zone_id")["people_added"]
    expected = pd.Series(0.0, index=added.index)
    for zone_id, _, first, second in NEW_ESTATES:
        assert polygons.loc[zone_id, "geometry"].contains(Point(centroid(zone_id)))
        expected[zone_id] = (first + second) * PERSONS_PER_DWELLING
    np.testing.assert_allclose(added.to_numpy(), expected.to_numpy(), atol=0.15)  # zones.csv rounds to 0.1
    assert (cmp.zones.set_index("zone_id").loc[[z for z, *_ in NEW_ESTATES], "demand_added"] > 0).all()
    assert len(cmp.people_changed_zones()) == len(NEW_ESTATES)
    by_band = cmp.by_people.set_index("people_added_band")
    assert by_band.loc["100 to 1,000 added", "zones"] == len(NEW_ESTATES)
    assert by_band.loc["no change", "zones"] == len(cmp.zones) - len(NEW_ESTATES)

    # each hub's load before and after; the loads add up to everyone, and a hub gains its zones' new people
    hubs = cmp.hubs.set_index("site_id")
    for run, col in ((a, "population_a"), (b, "population_b")):
        # the comparison reads zones.csv, whose people are rounded to 0.1: each zone is off by at most 0.05
        assert hubs[col].sum() == pytest.approx(run.zones["population"].sum(), abs=0.05 * len(run.zones))
    for run, col in ((a, "demand_a"), (b, "demand_b")):
        # zones.csv rounds demand to 0.01
        assert hubs[col].sum() == pytest.approx(run.zones["demand"].sum(), abs=0.005 * len(run.zones))
    gained = cmp.zones.groupby("hub_id_b")["people_added"].sum()
    np.testing.assert_allclose(hubs["population_change"].reindex(gained.index), gained, atol=0.05)
    assert hubs.loc[gained.idxmax(), "population_change_pct"] > 0
    assert hubs["hub"].str.fullmatch(r".+ \([A-Z0-9]+\)").all()

    # bed need before and after, from each run's bed_need.csv
    need = cmp.bed_need.set_index("year")
    for run, col in ((a, "beds_needed_a"), (b, "beds_needed_b")):
        own = pd.read_csv(run.folder / "bed_need.csv").set_index("year")["beds_needed"]
        np.testing.assert_allclose(need[col], own.reindex(need.index))
    np.testing.assert_allclose(need["beds_needed_change"], need["beds_needed_b"] - need["beds_needed_a"], atol=1e-9)
    assert (need["beds_needed_change"] >= 0).all() and need["beds_needed_change"].sum() > 0  # more people, more beds

    # re-optimising picks the same hubs: no gain
    check = cmp.reoptimisation
    assert check is not None and check.same_hubs
    assert check.gain()["weighted_minutes"] == pytest.approx(0.0, abs=1e-6)
    assert check.optimised.weighted_minutes == pytest.approx(b.result.objective, rel=1e-9)

    text = "\n".join(cmp.lines())
    assert f"Zones with people added: 2 (+{expected.sum():,.0f}); with people removed: 0 (+0)" in text
    assert "Tunbridge Wells 005B +240" in text and "Tonbridge and Malling 010A +360" in text
    assert "Load on each hub" in text and "Sevenoaks Community Hospital (RYYD9)" in text
    assert "Community beds needed (before → after): 2025:" in text
    assert "picks the same 5 hubs" in text
    assert_sites_named(text, b.sites)


def test_people_added_map_layer_is_not_one_colour(runs, tmp_path: Path) -> None:
    a, b, _, _, _ = runs
    cmp = compare_runs(a.folder, b.folder)
    written = write_comparison(cmp, tmp_path / "m")
    assert {"comparison_map.html", "comparison_zones.csv", "comparison_hubs.csv", "comparison_bed_need.csv"} <= set(
        written
    )
    colours = people_added_colours(cmp)
    band_colour = dict(zip(PEOPLE_LABELS, PEOPLE_COLOURS, strict=True))
    estates = cmp.zones["zone_id"].isin([z for z, *_ in NEW_ESTATES]).to_numpy()
    assert set(colours[estates]) == {band_colour["100 to 1,000 added"]}
    assert set(colours[~estates]) == {band_colour["no change"]}
    html = (tmp_path / "m" / "comparison_map.html").read_text()
    assert PEOPLE_LAYER in html and "100 to 1,000 added: 2 zones, +600 people" in html
    drawn = set(re.findall(r'"fillColor": "(#[0-9a-f]{6})"', html)) & set(PEOPLE_COLOURS)
    assert {band_colour["100 to 1,000 added"], band_colour["no change"]} <= drawn
    assert "Hubs kept: " in html and "Sevenoaks Community Hospital (RYYD9)" in html
    zones_csv = pd.read_csv(tmp_path / "m" / "comparison_zones.csv")
    assert list(zones_csv.columns[:6]) == [
        "zone_id",
        "zone_name",
        "district",
        "population_a",
        "population_b",
        "people_added",
    ]
    hubs_csv = pd.read_csv(tmp_path / "m" / "comparison_hubs.csv")
    assert list(hubs_csv.columns[:3]) == ["hub", "name", "site_id"]


def test_reoptimisation_gain_is_the_difference_of_two_evaluations_hand_checked() -> None:
    # Three zones on a line, a site at each; one hub. Under the new demand (most of it at Z3) the p-median moves
    # the hub from the middle (S2) to S3.
    minutes = np.array([[0.0, 10.0, 20.0], [10.0, 0.0, 10.0], [20.0, 10.0, 0.0]])
    population = np.array([10.0, 10.0, 10.0])
    demand = np.array([10.0, 10.0, 100.0])
    site_ids = ["S1", "S2", "S3"]
    sites = pd.DataFrame(
        {
            "site_id": site_ids,
            "name": ["Alpha Surgery", "Beta Clinic", "Gamma Hospital"],
            "type": ["gp_practice"] * 3,
            "status": ["existing"] * 3,
        }
    )
    best = solve_p_median(minutes, demand, 1, site_ids=site_ids)
    optimised = [site_ids[j] for j in best.open_sites]
    assert optimised == ["S3"]
    kw = {"minutes": minutes, "site_ids": site_ids, "population": population, "demand": demand}
    check = evaluate_reoptimisation(["S2"], optimised, imd_decile=[5, 5, 5], sites=sites, thresholds=[15], **kw)
    # keeping S2: 10x10 + 10x0 + 100x10 = 1,100; re-optimised S3: 10x20 + 10x10 + 100x0 = 300
    assert check.kept.weighted_minutes == pytest.approx(1100.0, rel=1e-12)
    assert check.optimised.weighted_minutes == pytest.approx(300.0, rel=1e-12)
    assert check.optimised.weighted_minutes == pytest.approx(best.objective, rel=1e-12)
    gain = check.gain()
    assert gain["weighted_minutes"] == pytest.approx(800.0, rel=1e-12)
    assert gain["weighted_minutes_pct"] == pytest.approx(800.0 / 1100.0 * 100.0, rel=1e-12)
    # per person the middle hub was better: 20/3 min against 30/3 min; all within 15 min against two thirds
    assert gain["mean_minutes"] == pytest.approx(20.0 / 3.0 - 10.0, rel=1e-12)
    assert gain["within_15_points"] == pytest.approx((2.0 / 3.0 - 1.0) * 100.0, rel=1e-12)
    assert check.opened == ["S3"] and check.closed == ["S2"] and not check.same_hubs
    text = "\n".join(check.lines())
    assert "opens Gamma Hospital (S3); closes Beta Clinic (S2)" in text
    assert "1,100 → 300 minutes (800 minutes less, 72.73% less)" in text
    assert "mean time per person 6.67 → 10.00 min" in text and "(-33.3 points)" in text
    table = check.table().set_index("hub_set")
    assert table.loc["gain from re-optimising", "weighted_minutes"] == pytest.approx(800.0)
    assert table.loc["earlier hubs kept", "hubs"] == "Beta Clinic (S2)"

    same = evaluate_reoptimisation(["S3"], optimised, imd_decile=[5, 5, 5], sites=sites, thresholds=[15], **kw)
    assert same.same_hubs and same.gain()["weighted_minutes"] == 0.0
    assert "picks the same hub: no hub would move" in "\n".join(same.lines())
    gone = evaluate_reoptimisation(["S9"], optimised, imd_decile=[5, 5, 5], sites=sites, thresholds=[15], **kw)
    assert gone.kept is None and "S9, not among this run's candidate sites" in gone.lines()[0]


def test_housing_rerun_that_moves_hubs_names_them_and_its_gain(runs) -> None:
    a, _, _, d, _ = runs
    earlier = read_run(a.folder).hub_ids()
    cmp = compare_runs(a.folder, d.folder, reoptimisation=reoptimisation_for_run(d, earlier))
    assert cmp.hubs_added and cmp.hubs_removed, "a town of new housing far from every hub should move a hub"
    check = cmp.reoptimisation
    ids = d.candidates.sites["site_id"].astype(str).tolist()
    # The earlier hubs (and the border service, open in every set), the new demand, in the model's weights
    cols = [ids.index(s) for s in earlier] + [int(j) for j in d.result.external]
    kept = float(np.dot(model_weights(d), d.minutes[:, cols].min(axis=1)))
    assert check.kept.weighted_minutes == pytest.approx(kept, rel=1e-9)
    assert check.optimised.weighted_minutes == pytest.approx(d.result.objective, rel=1e-9)
    assert check.gain()["weighted_minutes"] == pytest.approx(kept - d.result.objective, rel=1e-9)
    assert check.gain()["weighted_minutes"] > 0  # the p-median's optimum beats keeping the earlier hubs
    assert sorted(check.opened) == cmp.hubs_added and sorted(check.closed) == cmp.hubs_removed
    text = "\n".join(cmp.lines())
    names = d.sites.set_index("site_id")["name"]
    for sid in cmp.hubs_added:
        assert f"{names[sid]} ({sid})" in text
    assert "Re-optimising for the new demand picks other hubs: opens " in text
    assert "[removed]" in text and "(closed)" in text and "(new)" in text
    assert_sites_named(text, d.sites)


def test_changed_zones_are_exactly_those_with_a_new_hub_or_time(runs) -> None:
    a, _, c, _, hub = runs
    cmp = compare_runs(a.folder, c.folder)
    assert cmp.hubs_removed == [hub]
    assert len(cmp.hubs_added) == 1
    za = pd.read_csv(a.folder / "zones.csv", dtype={"zone_id": str}).set_index("zone_id")
    zc = pd.read_csv(c.folder / "zones.csv", dtype={"zone_id": str}).set_index("zone_id")
    expected = set(za.index[(za["hub_id"] != zc["hub_id"]) | ((za["minutes"] - zc["minutes"]).abs() > 0.05)])
    assert set(cmp.changed_zones()["zone_id"]) == expected
    assert expected  # removing a hub moves someone
    assert cmp.by_change["population"].sum() == pytest.approx(zc["population"].sum())
    worse = cmp.zones[cmp.zones["minutes_change"] > 0.05]
    assert len(worse) > 0
    assert set(cmp.by_decile["imd_decile"]) <= set(range(1, 11))
    assert len(cmp.people_changed_zones()) == 0  # same demand: nobody added
    text = "\n".join(cmp.lines())
    assert "beds planned only in the earlier run; bed need not compared" in text
    assert "needs the travel times" in text  # no matrix from two folders alone
    assert "beds not planned in either run" in "\n".join(compare_runs(c.folder, c.folder).lines())


def test_written_tables_and_cli(runs, tmp_path: Path) -> None:
    a, _, c, _, _ = runs
    written = write_comparison(compare_runs(a.folder, c.folder), tmp_path / "out")
    assert "comparison_zones.csv" in written and "comparison.txt" in written
    result = CliRunner().invoke(main, ["compare", str(a.folder), str(c.folder), "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "Hubs added" in result.output
    assert_sites_named(result.output.split("Written to")[0], pd.read_csv(c.folder / "sites.csv", dtype=str))


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
    path = scenario(tmp_path, "base", housing_mode="within", beds=True)
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
    for name in ("comparison_hubs.csv", "comparison_beds.csv", "comparison_bed_need.csv", "comparison_map.html"):
        assert (out / name).exists(), name
    assert (out / "comparison_reoptimisation.csv").exists()
    text = second.output[second.output.index("Comparison:") :]
    assert "Zones with people added:" in text and "Load on each hub" in text
    assert "Community beds needed (before → after)" in text and "Re-optimising for the new demand" in text
    assert_sites_named(text.split("Comparison written to")[0], pd.read_csv(out / "sites.csv", dtype=str))
    assert (tmp_path / "base" / "manifest.json").exists()  # the previous run is untouched
    listed = json.loads((out / "manifest.json").read_text())["outputs"]  # hubopt's files, replaced by a rerun
    assert {"comparison_hubs.csv", "comparison_beds.csv", "comparison.txt"} <= set(listed)
    assert set(listed) == {p.name for p in out.iterdir()}


def test_comparison_map_shows_who_is_better_or_worse_off(runs, tmp_path: Path) -> None:
    a, _, c, _, hub = runs
    written = write_comparison(compare_runs(a.folder, c.folder), tmp_path / "m")
    assert "comparison_map.html" in written
    html = (tmp_path / "m" / "comparison_map.html").read_text()
    name = a.sites.set_index("site_id").loc[hub, "name"]
    assert "Who is better or worse off" in html and f"Hub removed: {name} ({hub})".replace("&", "&amp;") in html
    assert '<script src="http' not in html
    if BROWSER_MISSING is not None:
        pytest.skip(f"the map was not rendered in a browser: {BROWSER_MISSING} (CI installs it)")
    shot = screenshot(tmp_path / "m" / "comparison_map.html", tmp_path / "m" / "shot.png")
    assert shot.rendered and not shot.console_errors
    assert "Change in travel time to hub" in shot.dom_text


def test_comparison_map_escapes_names(runs, tmp_path: Path) -> None:
    a, _, c, _, hub = runs
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
