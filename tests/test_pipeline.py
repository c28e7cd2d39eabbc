"""End to end: the West Kent scenario runs, writes its outputs and manifest, and refuses bad requests clearly."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from browser_page import needs_chromium
from click.testing import CliRunner
from openpyxl import load_workbook

from hubopt.analysis.equity import equity_table
from hubopt.cli import main
from hubopt.errors import InputError, ModelError
from hubopt.io._files import file_sha256
from hubopt.pipeline import run_scenario, summary_lines
from hubopt.pipeline import steps as pipeline_steps
from hubopt.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "hubopt" / "scenarios" / "west_kent_hubs.yaml"


def scenario_file(tmp_path: Path, light: bool = False, **changes) -> Path:
    data = yaml.safe_load(DEMO.read_text())
    if light:  # only the model and tables: no sweep, explanation, static maps, report or workbook
        data["model"]["sweep"] = None
        data["model"]["explain"] = False
        data["outputs"].update(static_maps=False, report=False, workbook=False)
    data["study"] = str(REPO / "hubopt" / "studies" / "west_kent")
    data["demand"]["housing"]["file"] = str(REPO / "hubopt" / "studies" / "west_kent" / "housing_illustrative.csv")
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    sc = load_scenario(scenario_file(tmp))
    return run_scenario(sc, out=tmp / "out")


def test_demo_outputs(demo_run) -> None:
    folder = demo_run.folder
    for name in ("zones.csv", "sites.csv", "map.html", "manifest.json", "summary.txt"):
        assert (folder / name).exists(), name
    zones = pd.read_csv(folder / "zones.csv")
    assert len(zones) == 309
    sites = pd.read_csv(folder / "sites.csv")
    hubs = sites[sites["chosen"]]
    assert len(hubs) == 5
    assert "RYYD9" in set(hubs["site_id"])  # must-open honoured
    # Every zone goes to a hub or to the border service (Darent Valley, status external: not one of the 5 hubs).
    border = sites[sites["external"].fillna(False).astype(bool)]
    assert set(border["site_id"]) == {"RN707"} and not border["chosen"].any()
    assert set(zones["hub_id"]) == set(hubs["site_id"]) | {"RN707"}
    assert set(zones.loc[zones["served_by_external"], "hub_id"]) == {"RN707"}
    serving = pd.concat([hubs, border])
    assert serving["served_population"].sum() == pytest.approx(zones["population"].sum(), abs=len(serving) * 0.5)
    assert np.isfinite(zones["minutes"]).all()
    assert not list(folder.parent.glob(".*partial*")) and not list(folder.parent.glob(".*.lock"))


def test_sites_table_says_which_sites_must_open_and_the_year_of_the_planned_beds(demo_run) -> None:
    sites = pd.read_csv(demo_run.folder / "sites.csv", dtype={"site_id": str})
    assert sites.loc[sites["must_open"], "site_id"].tolist() == ["RYYD9"]  # sites.must_open in the scenario
    # the map is of 2030 and the bed plan has 2030: the planned beds shown are 2030's, and say so
    assert set(sites["planned_beds_year"]) == {2030}
    beds = pd.read_csv(demo_run.folder / "beds.csv", dtype={"site_id": str}).set_index("site_id")
    shown = sites.set_index("site_id")["planned_beds"]
    assert (shown.reindex(beds.index).fillna(0) == beds["beds_2030"]).all()
    html = (demo_run.folder / "map.html").read_text()
    assert "Community beds planned for 2030 (number of beds)" in html


def test_zones_go_to_their_nearest_hub(demo_run) -> None:
    open_cols = demo_run.result.open_sites
    np.testing.assert_allclose(demo_run.result.assigned_cost, demo_run.minutes[:, open_cols].min(axis=1))


def test_optimum_matches_brute_force_over_sites(demo_run) -> None:
    # With 4 of 5 hubs fixed at the optimum, no single swap of the free hubs improves the objective.
    # The border service (Darent Valley, external) stays open in every trial and is never swapped in or out.
    minutes, w = demo_run.minutes, demo_run.outcome.weights  # the model's weights: appointments (services)
    chosen, border = [int(j) for j in demo_run.result.hubs], [int(j) for j in demo_run.result.external]
    assert len(chosen) == 5 and len(border) == 1
    best = float(np.dot(w, minutes[:, chosen + border].min(axis=1)))
    assert best == pytest.approx(demo_run.result.objective)
    must = set(demo_run.candidates.must_open)
    for out in [j for j in chosen if j not in must]:
        for inn in range(minutes.shape[1]):
            if inn in chosen or inn in border:
                continue
            trial = [j for j in chosen if j != out] + [inn] + border
            assert np.dot(w, minutes[:, trial].min(axis=1)) >= best - 1e-6


def test_manifest_records_what_is_needed_to_reproduce(demo_run) -> None:
    m = json.loads((demo_run.folder / "manifest.json").read_text())
    assert m["solve"]["status"] == "optimal"
    assert m["solve"]["solver"] == "HiGHS"
    assert m["solve"]["gap"] == pytest.approx(0.0, abs=1e-6)
    assert m["parameters"]["n_hubs"] == 5
    assert m["packages"]["pulp"] and m["packages"]["highspy"]
    inputs = {i["role"]: i for i in m["inputs"]}
    zones_csv = REPO / "hubopt" / "studies" / "west_kent" / "zones.csv"
    assert inputs["study/zones.csv"]["sha256"] == file_sha256(zones_csv)
    assert "straight-line" in m["methods"]["travel"]
    assert "2030" in m["methods"]["demand"]
    assert m["results"]["access"]["within_30_share"] > 0.9


def test_summary_fits_one_screen(demo_run) -> None:
    lines = summary_lines(demo_run)
    assert len(lines) <= 46  # one terminal screen, with the how-many-hubs table and the border-services line
    text = "\n".join(lines)
    assert "proven optimal" in text
    assert "95th percentile" in text and "within 15 min" in text and "within 30 min" in text
    assert "Sevenoaks Community Hospital (must open)" in text


def test_existing_run_is_not_overwritten(demo_run) -> None:
    sc = demo_run.scenario
    with pytest.raises(InputError, match="already holds a run"):
        run_scenario(sc, out=demo_run.folder)


def test_failed_run_leaves_no_outputs(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, model__hubs=500))
    with pytest.raises(ModelError, match="500 hubs were asked for but only 59 sites are available"):
        run_scenario(sc, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".*partial*")) and not list(tmp_path.glob(".*.lock"))


def test_pdf_report_without_a_printer_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = "Chromium is not installed: install Debian's package 'chromium' (apt-get install chromium)"
    monkeypatch.setattr(pipeline_steps, "pdf_printer_missing", lambda: reason)
    monkeypatch.setattr(pipeline_steps, "load_study", lambda _: pytest.fail("the run started"))
    sc = load_scenario(scenario_file(tmp_path, outputs__report_pdf=True))
    refused = r"setting 'outputs.report_pdf': a PDF .*\(apt-get install chromium\)"
    with pytest.raises(InputError, match=refused) as err:
        run_scenario(sc, out=tmp_path / "out")
    assert "outputs.report_pdf: false" in str(err.value)
    assert not (tmp_path / "out").exists()


@needs_chromium
def test_scenario_asking_for_a_pdf_report_gets_one(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, light=True, outputs__report=True, outputs__report_pdf=True))
    run = run_scenario(sc, out=tmp_path / "out")
    printed = run.folder / "report.pdf"
    assert printed.read_bytes().startswith(b"%PDF") and b"/StructTreeRoot" in printed.read_bytes()
    listed = json.loads((run.folder / "manifest.json").read_text())["outputs"]
    assert {"report.html", "report.pdf"} <= set(listed)


def test_unknown_site_ids_are_reported(tmp_path: Path) -> None:
    sc = load_scenario(scenario_file(tmp_path, sites__must_open=["RYYD9", "XXXXX"]))
    with pytest.raises(InputError, match=r"setting 'sites.must_open': unknown site ID\(s\): XXXXX"):
        run_scenario(sc, out=tmp_path / "out")
    sc = load_scenario(scenario_file(tmp_path, sites__types=["gp_practice"]))
    with pytest.raises(InputError, match=r"left out by sites\.types"):
        run_scenario(sc, out=tmp_path / "out")


def test_unavailable_sites_are_never_chosen(tmp_path: Path, demo_run) -> None:
    chosen = demo_run.sites.loc[demo_run.sites["chosen"], "site_id"].tolist()
    banned = [s for s in chosen if s != "RYYD9"]
    sc = load_scenario(scenario_file(tmp_path, light=True, sites__unavailable=banned))
    run = run_scenario(sc, out=tmp_path / "out")
    now = set(run.sites.loc[run.sites["chosen"], "site_id"])
    assert not now & set(banned)
    assert run.result.objective >= demo_run.result.objective


def test_map_has_growth_beds_and_housing_layers(demo_run) -> None:
    html = (demo_run.folder / "map.html").read_text()
    for layer in ("Population growth", "Community beds planned for 2030", "New housing sites"):
        assert layer in html, layer
    zones = pd.read_csv(demo_run.folder / "zones.csv")
    assert zones["growth_pct"].notna().all()
    # growth from 2017 to 2030 in West Kent is positive overall (ONS SNPP), but not in every zone
    assert (zones["growth_pct"] * zones["population"]).sum() > 0


def test_map_needs_no_internet_for_its_code(demo_run) -> None:
    html = (demo_run.folder / "map.html").read_text()
    assert '<script src="http' not in html and '<link rel="stylesheet" href="http' not in html
    assert "Sevenoaks Community Hospital" in html
    assert "Travel time to hub" in html and "Catchments" in html


def test_bed_plan_meets_need_with_fewest_beds_and_keeps_todays(demo_run) -> None:
    beds = pd.read_csv(demo_run.folder / "beds.csv")
    need = pd.read_csv(demo_run.folder / "bed_need.csv")
    assert need["year"].tolist() == [2025, 2030, 2035]
    assert need["beds_needed"].is_monotonic_increasing
    assert (need["beds_today"] == 68).all()  # WK plan: 22 + 14 + 18 + 14
    for row in need.itertuples():
        total = beds[f"beds_{row.year}"].sum()
        assert row.beds_needed <= total < row.beds_needed + 1  # fewest whole beds: growth fits existing wards
    # The demo's ILLUSTRATIVE lease end: Tonbridge Cottage (RYYDC) is available only until 2030, so no beds in 2035.
    closed = beds["site_id"] == "RYYDC"
    assert beds.loc[closed, "beds_2030"].item() > 0 and beds.loc[closed, "beds_2035"].item() == 0
    for prev, nxt in (("beds_today", "beds_2025"), ("beds_2025", "beds_2030"), ("beds_2030", "beds_2035")):
        still = ~closed if nxt == "beds_2035" else slice(None)
        assert (beds.loc[still, nxt] >= beds.loc[still, prev]).all()  # beds only grow where they are (no moves)
    hawkhurst = beds.set_index("site_id").loc["RYYD6"]
    assert hawkhurst["beds_2035"] >= 22


def test_bed_need_hand_checked(demo_run) -> None:
    from hubopt.demand.zones import zone_demand
    from hubopt.pipeline.demand import demand_options

    study, sc = demo_run.study, demo_run.scenario
    options = demand_options(study, sc)
    w = sc.beds.weights

    def weighted(year: int) -> float:
        pop = zone_demand(study, year, sc.demand_weights, **options).population
        return sum(
            pop[c].sum() * w[b]
            for b, c in zip(
                ["0-64", "65-74", "75-84", "85+"], ["pop_0_64", "pop_65_74", "pop_75_84", "pop_85_plus"], strict=True
            )
        )

    need = pd.read_csv(demo_run.folder / "bed_need.csv").set_index("year")
    exact = 68 * weighted(2030) / weighted(2017)
    assert need.loc[2030, "beds_needed_before_rounding"] == pytest.approx(exact, abs=0.05)
    assert need.loc[2030, "beds_needed"] == math.ceil(exact)


def test_bed_figures_agree_in_summary_tables_workbook_and_report(demo_run) -> None:
    """Whole beds needed (the need rounded up, which the plan meets) are the same figure in every output."""
    f = demo_run.folder
    need = pd.read_csv(f / "bed_need.csv")
    beds = pd.read_csv(f / "beds.csv")
    assert (need["beds_today"] == 68).all() and (need["beds_piloted"] == 8).all()  # West Kent's own sites
    assert "Local Care Plan v1.5" in need["beds_today_source"].iloc[0]
    figures = dict(zip(need["year"], need["beds_needed"], strict=True))
    for year, whole in figures.items():
        assert beds[f"beds_{year}"].sum() == whole  # fewest whole beds: the growth fits existing wards
    expected = ", ".join(f"{y}: {n}" for y, n in figures.items())
    summary = (f / "summary.txt").read_text()
    assert f"Community beds needed ({expected}) vs 68 today (+8 piloted);" in summary
    book = load_workbook(f / "results.xlsx")
    sheet = [tuple(c.value for c in r) for r in book["beds"].iter_rows()]
    header = sheet[1]
    rows = {r[0]: r for r in sheet[2 : 2 + len(figures)]}
    for year, whole in figures.items():
        assert rows[year][header.index("Beds needed (whole beds)")] == whole
    html = (f / "report.html").read_text()
    section = html[html.index('<h2 id="beds">') :]
    cells = re.findall(r"<tr><td class=num>(\d{4})</td><td class=num>(\d+)</td>", section)
    assert {int(y): int(n) for y, n in cells} == figures


def test_access_figures_are_worked_out_once_from_exact_values(demo_run) -> None:
    """Summary, workbook, report, sweep, appraisal and equity agree: from exact values, rounded only when shown."""
    a = demo_run.access
    exact_people = demo_run.demand.population["population"].to_numpy()
    assert a["population"] == pytest.approx(exact_people.sum(), rel=1e-12)
    five = demo_run.outcome.sweep.set_index("n_hubs").loc[len(demo_run.result.hubs)]
    optimised = demo_run.appraisal.set_index("option").loc["Optimised"]
    everyone = equity_table(demo_run.zones, demo_run.scenario.thresholds).set_index("group_key").loc["all"]
    for key in ("mean_minutes", "p95_minutes", "max_minutes", "within_15_share", "within_30_share"):
        assert five[key] == pytest.approx(a[key], rel=1e-12), key
        assert optimised[key] == pytest.approx(a[key], rel=1e-12), key
        assert everyone[key] == pytest.approx(a[key], rel=1e-12), key
    serving = demo_run.sites["chosen"] | demo_run.sites["external"]  # the hubs and the border service
    hubs = demo_run.sites[serving].set_index("site_id")
    ids = demo_run.sites["site_id"].astype(str).to_numpy()
    for j in demo_run.result.open_sites:
        served = exact_people[demo_run.result.assignment == j].sum()
        assert hubs.loc[ids[j], "served_population"] == round(served)  # rounded once, from the exact sum
    zones = pd.read_csv(demo_run.folder / "zones.csv")  # the written table is rounded
    assert (zones["population"] * 10).round(6).mod(1).eq(0).all() and (zones["minutes"] * 100).round(6).mod(1).eq(
        0
    ).all()


def test_demand_command_gives_the_run_s_demand(demo_run, tmp_path: Path) -> None:
    """``hubopt demand`` uses the run's demand: housing and registration share included (was 588,173 vs 537,357)."""
    run_population = demo_run.demand.population.set_index("zone_id")["population"]
    year = demo_run.scenario.year
    result = CliRunner().invoke(
        main, ["demand", str(demo_run.scenario.path), "--years", str(year), "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "d" / "demand_by_zone.csv", dtype={"zone_id": str}).set_index("zone_id")
    assert (table["year"] == year).all()
    gap = (table["population"] - run_population.reindex(table.index)).abs()
    assert gap.max() <= 0.005 + 1e-9  # the table is rounded to 2 decimals; nothing else differs
    total = demo_run.demand.population["population"].sum()
    assert table["population"].sum() == pytest.approx(total, rel=1e-5)
    assert f"{year}: {total:>10,.0f} people" in result.output
    assert "registration share applied" in result.output and "new housing" in result.output


def test_housing_and_registration_share_in_demand(demo_run) -> None:
    m = json.loads((demo_run.folder / "manifest.json").read_text())
    assert m["results"]["housing"]["mode"] == "within"
    assert "registration share" in m["methods"]["demand"]
    inputs = {i["role"] for i in m["inputs"]}
    assert "housing" in inputs
    zones = pd.read_csv(demo_run.folder / "zones.csv")
    # Sevenoaks counts 59.4 % of its residents; within-mode housing keeps the other districts at the projection.
    proj = demo_run.study.projections.query("year == 2030").groupby("district_name")["population"].sum()
    by_district = zones.groupby("district")["population"].sum()
    for district in ("Maidstone", "Tonbridge and Malling", "Tunbridge Wells"):
        assert by_district[district] == pytest.approx(proj[district], abs=0.05 * 100)  # zones rounded to 0.1
    assert by_district["Sevenoaks"] == pytest.approx(0.594 * proj["Sevenoaks"], abs=0.05 * 100)


def test_demo_writes_every_output_for_the_forum(demo_run) -> None:
    f = demo_run.folder
    for name in (
        "report.html",
        "results.xlsx",
        "sweep.csv",
        "swaps.csv",
        "next_best.csv",
        "appraisal.csv",
        "map_travel_time.png",
        "map_travel_time.pdf",
        "map_catchments.png",
        "map_deprivation.pdf",
    ):
        assert (f / name).exists(), name
    sweep = pd.read_csv(f / "sweep.csv")
    assert sweep["n_hubs"].tolist() == list(range(1, 11))
    assert (sweep["objective"].diff().dropna() <= 1e-6).all()  # never rises as hubs are added
    assert (sweep["status"] == "optimal").all()
    five = sweep.set_index("n_hubs").loc[5]
    assert five["objective"] == pytest.approx(demo_run.result.objective, rel=1e-9)
    nxt = pd.read_csv(f / "next_best.csv")
    assert len(nxt) >= 4 and nxt["objective"].is_monotonic_increasing
    assert nxt["objective"].iloc[0] == pytest.approx(demo_run.result.objective, rel=1e-9)
    appraisal = pd.read_csv(f / "appraisal.csv")
    assert len(appraisal) == 4 and "Optimised" in set(appraisal["option"])
    assert appraisal.set_index("option").loc["Optimised", "gap_to_optimum_pct"] == pytest.approx(0.0, abs=1e-9)
    assert (appraisal["gap_to_optimum_pct"] >= -1e-9).all()  # no option beats the proven optimum
    report = (f / "report.html").read_text()
    assert "Options appraisal" in report or "appraisal" in report.lower()
    assert "Option B: the four community hospitals" in report


def test_coverage_scenario_explains_in_its_own_measure(tmp_path: Path) -> None:
    sc = load_scenario(
        scenario_file(tmp_path, light=True, model__type="mclp", model__max_minutes=10, model__explain=True)
    )
    run = run_scenario(sc, out=tmp_path / "out")
    minutes, w = run.minutes, run.demand.demand
    ids = run.sites["site_id"].astype(str).tolist()
    assert run.sites.iloc[run.result.hubs]["chosen"].all()  # the table's rows are the matrix's columns

    def covered(site_ids: str) -> float:
        cols = [ids.index(s) for s in site_ids.split(", ")]
        return float(w[(minutes[:, cols] <= 10).any(axis=1)].sum())

    swaps = pd.read_csv(run.folder / "swaps.csv")
    assert (swaps["measure"] == "demand covered within 10 min").all() and (swaps["better"] == "higher").all()
    assert (swaps["increase"] >= -1e-6).all()  # a proven optimum: no single swap covers more
    chosen = [ids[j] for j in run.result.open_sites]
    for row in swaps.itertuples():
        trial = [s for s in chosen if s != row.chosen_site] + [row.alternative_site]
        assert row.objective == pytest.approx(covered(", ".join(trial)))
        assert row.increase == pytest.approx(run.result.objective - row.objective)
        assert row.increase_pct == pytest.approx(100 * row.increase / w.sum())
    nxt = pd.read_csv(run.folder / "next_best.csv")
    assert len(nxt) >= 4 and len(set(nxt["sites"])) == len(nxt)
    assert (nxt["measure"] == "demand covered within 10 min").all()
    assert nxt["objective"].iloc[0] == pytest.approx(run.result.objective)
    assert (nxt["objective"].diff().dropna() <= 1e-6).all()  # never more coverage than the best
    assert (nxt["status"] == "optimal").all()
    for row in nxt.itertuples():
        assert row.objective == pytest.approx(covered(row.sites))
    lines = [x for x in summary_lines(run) if "Next-best" in x or "Cheapest swap" in x]
    assert len(lines) == 2
    assert lines[0].startswith("  Next-best distinct answers cover") and "less demand within 10 min" in lines[0]
    assert "within 10 min" in lines[1] and "travel" not in " ".join(lines)


def test_progress_counts_the_sweep_and_the_next_best_solutions(tmp_path: Path) -> None:
    """The run tells its progress through its message callback, with counts; it prints nothing itself."""
    path = scenario_file(tmp_path, light=True, model__sweep=[1, 3], model__explain=True, beds__enabled=False)
    messages: list[str] = []
    run_scenario(load_scenario(path), out=tmp_path / "out", progress=messages.append)
    sweep = [m for m in messages if m.startswith("How many hubs: ") and " of " in m]
    assert sweep == [f"How many hubs: {k} of 3 solved (p-median)" for k in (1, 2, 3)]
    solves = [m for m in messages if m.startswith("Explaining: next-best solutions")]
    assert solves == [f"Explaining: next-best solutions, {k} of 4 solves" for k in (1, 2, 3, 4)]
    assert "Writing outputs: map" in messages


def test_clusters_of_the_demo(demo_run) -> None:
    """Each zone's PCN is that of its nearest practice with one (brute force); every person is counted once in
    clusters.csv; the manifest, summary, report, workbook and map carry the clusters."""
    f = demo_run.folder
    study = demo_run.study
    practices = study.sites[(study.sites["type"] == "gp_practice") & study.sites["pcn_code"].notna()]
    px, py = practices.geometry.x.to_numpy(), practices.geometry.y.to_numpy()
    zones = pd.read_csv(f / "zones.csv", dtype={"pcn_code": str})
    for (x, y), code in zip(study.zone_points(), zones["pcn_code"], strict=True):
        assert practices["pcn_code"].iloc[int(np.argmin((px - x) ** 2 + (py - y) ** 2))] == code
    clusters = pd.read_csv(f / "clusters.csv", keep_default_na=False, na_values=[""])
    assert clusters["pcn_code"].nunique() == 10
    assert clusters["hub_people"].sum() == pytest.approx(zones["population"].sum(), abs=0.05 * len(clusters))
    per_pcn = clusters.groupby("pcn_code").agg(people=("people", "first"), served=("hub_people", "sum"))
    assert per_pcn["served"].to_numpy() == pytest.approx(per_pcn["people"].to_numpy(), abs=0.2)
    # The hubs and the border service (Darent Valley, external) serve the PCNs' people; it is not among the hubs.
    serving = demo_run.sites["chosen"] | demo_run.sites["external"]
    assert set(clusters["hub_id"]) == set(demo_run.sites.loc[serving, "site_id"])
    border_rows = clusters[clusters["hub_id"] == "RN707"]
    assert len(border_rows) >= 1
    split = int((clusters.groupby("pcn_code")["hub_id"].nunique() > 1).sum())
    manifest = json.loads((f / "manifest.json").read_text())
    assert "clusters.csv" in manifest["outputs"]
    assert "nearest" in manifest["results"]["clusters"]["rule"]
    assert manifest["results"]["clusters"]["practices_without_pcn"] == ["G82076", "G82605", "G82641"]
    summary = (f / "summary.txt").read_text()
    assert "Clusters: 10 PCNs (50 of 53 practices have one; residents counted by nearest practice)" in summary
    assert f"; {split} split between hubs (clusters.csv)" in summary
    assert "each hub serves 2-6;" in summary  # the border service (1 PCN) is not a hub
    assert '<h2 id="clusters">Clusters (Primary Care Networks)</h2>' in (f / "report.html").read_text()
    assert "clusters" in load_workbook(f / "results.xlsx", read_only=True).sheetnames
    html = (f / "map.html").read_text()
    assert "Clusters (Primary Care Networks)" in html and "MALLING PCN" in html
