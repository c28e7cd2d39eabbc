"""One self-contained HTML report of a run, for a board paper or a public consultation pack.

The report is a single file: the static maps are embedded as base64 PNG, the how-many-hubs chart as inline SVG, the
style sheet is inline, and there is no script and no external link for scripts, styles or images, so it reads the
same offline, by e-mail or archived. Every text that comes from the user (names, titles, scenario values, the
attribution file) is HTML-escaped.

Sections: summary (hubs, people served, travel time, solver status stated plainly), maps, how many hubs (when a sweep
table is given), equity by deprivation, community beds (when planned), options appraisal (when given), and
assumptions and data sources (methods, illustrative assumptions flagged, scenario settings, the study's
ATTRIBUTION.md).

A PDF copy is printed by headless Chromium, driven by Playwright (:func:`hubopt.render.pdf.print_pdf`), when asked
for: the same HTML engine a reader's browser uses. It needs the optional extra ``pip install 'hubopt[pdf]'`` and a
Chromium or Chrome on the machine.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hubopt.equity import equity_table
from hubopt.errors import InputError
from hubopt.render.pdf import print_pdf

if TYPE_CHECKING:
    from hubopt.pipeline import RunResult

__all__ = ["illustrative_assumptions", "solver_statement", "write_report"]

_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 Arial, Helvetica, sans-serif; color: #1a1a1a; margin: 0; background: #f4f4f4; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
h1 { font-size: 28px; line-height: 1.2; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 36px 0 8px; padding-top: 8px; border-top: 3px solid #005eb8; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead { font-size: 17px; color: #333333; margin: 0 0 12px; }
p.meta { color: #4d4d4d; font-size: 13px; margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; margin: 14px 0; }
.card { border: 1px solid #d0d0d0; border-radius: 6px; padding: 10px 12px; background: #fafafa; }
.card .value { font-size: 24px; font-weight: bold; display: block; }
.card .label { font-size: 13px; color: #4d4d4d; }
.status { padding: 10px 14px; border-radius: 6px; margin: 12px 0; font-weight: bold; }
.status.ok { background: #e6f4ea; border: 1px solid #7cb98a; }
.status.warn { background: #fdecea; border: 2px solid #c62828; color: #8e0000; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13.5px; width: 100%; }
th, td { border-bottom: 1px solid #dcdcdc; padding: 4px 8px; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
th { background: #eef3f8; font-weight: bold; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.text { text-align: left; white-space: normal; font-size: 12.5px; overflow-wrap: anywhere; }
table.options { table-layout: fixed; }
table.options th[scope="row"] { width: 28%; }
table.options thead th { text-align: left; vertical-align: bottom; }
.hubs-count { display: block; font-weight: normal; color: #4d4d4d; font-size: 12px; }
.must { color: #a04000; font-weight: bold; white-space: nowrap; }
tr.emph td { font-weight: bold; background: #fbf7e6; }
figure { margin: 14px 0 24px; }
figure img, figure svg { width: 100%; height: auto; border: 1px solid #d0d0d0; box-sizing: border-box; }
figcaption { font-size: 13px; color: #4d4d4d; margin-top: 4px; }
.note { font-size: 13px; color: #4d4d4d; }
.flag { display: inline-block; background: #fff3cd; border: 1px solid #d4a200; border-radius: 4px; padding: 0 5px;
  font-size: 12px; font-weight: bold; margin-right: 6px; }
ul.flags li { margin: 4px 0; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 8px; font-size: 12.5px; }
code { background: #f1f1f1; padding: 0 3px; }
.toc { font-size: 14px; }
.attribution table { font-size: 12.5px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { background: #ffffff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-before: page; }
  h2.first { break-before: avoid; }
  figure, .cards { break-inside: avoid; }
  tr { break-inside: avoid; }
  .scroll { overflow: visible; }
  table { font-size: 9pt; }
  td.text { font-size: 8.5pt; }
  th, td { padding: 3px 5px; }
  .toc { display: none; }
}
"""


def write_report(
    run: RunResult,
    folder: str | Path,
    *,
    sweep: pd.DataFrame | None = None,
    appraisal: pd.DataFrame | None = None,
    static_maps: bool | Sequence[str | Path] = True,
    title: str | None = None,
    filename: str = "report.html",
    pdf: bool = False,
) -> Path:
    """Write the HTML report of a run (and optionally a PDF copy).

    Parameters
    ----------
    run : hubopt.pipeline.RunResult
        A finished run.
    folder : str or Path
        Folder to write to (created when missing).
    sweep : pandas.DataFrame, optional
        A how-many-hubs table (:func:`hubopt.locate.sweep.sweep_hubs`): drawn as a chart and listed. Default: the
        run's own sweep (``run.outcome.sweep``) when it has one.
    appraisal : pandas.DataFrame, optional
        An options appraisal (:func:`hubopt.appraise.appraise`): listed with its notes.
    static_maps : bool or sequence of Path, default True
        True: draw the static maps into ``folder`` (PNG and PDF, see
        :func:`hubopt.render.static_map.write_static_maps`) and embed the PNGs; a list of files: embed those PNG
        files; False: no maps.
    title : str, optional
        Report title (default: the scenario's name and the number of hubs).
    filename : str
        Name of the HTML file.
    pdf : bool
        Also print the report to PDF with headless Chromium (same name, ``.pdf``); fails with a clear message when
        Chromium or Playwright is not installed.

    Returns
    -------
    Path
        The HTML file.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    sc = run.scenario
    outcome = getattr(run, "outcome", None)
    if sweep is None and getattr(outcome, "sweep", None) is not None:
        sweep = outcome.sweep  # the model's own how-many-hubs sweep, when the scenario asked for one
    n_hubs = len(run.result.open_sites)
    heading = title or f"{sc.name}: {n_hubs} local care hubs"
    images = _maps(run, out, static_maps, heading)

    parts = [
        f"<h1>{_e(heading)}</h1>",
        f'<p class="lead">{_e(run.study.name)}, {_e(run.demand.year)}. {_e(sc.description.strip())}</p>',
        f'<p class="meta">Made by hubopt on {dt.date.today():%d %B %Y} from the scenario file '
        f"<code>{_e(Path(sc.path).name)}</code>.</p>",
        _toc(images, sweep, run.beds is not None, appraisal),
        _summary(run),
    ]
    if images:
        parts.append(_maps_section(images, run))
    if sweep is not None:
        parts.append(_sweep_section(sweep, n_hubs))
    parts.append(_equity_section(run))
    if run.beds is not None:
        parts.append(_beds_section(run))
    if appraisal is not None:
        names = dict(zip(run.sites["site_id"].astype(str), run.sites["name"].astype(str), strict=False))
        parts.append(_appraisal_section(appraisal, names))
    parts.append(_assumptions_section(run))
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>\n"
    )
    path = out / filename
    path.write_text(page, encoding="utf-8")
    if pdf:
        print_pdf(path, path.with_suffix(".pdf"))
    return path


def solver_statement(
    report: Any, subject: str = "choice of sites gives a shorter weighted travel time"
) -> tuple[bool, str]:
    """Plain words for what the solver achieved: ``(proven_optimal, text)``.

    Parameters
    ----------
    report : hubopt.locate.solve.SolveReport
        The solve report.
    subject : str
        What a proven optimum rules out ("no other <subject>").

    Returns
    -------
    tuple of (bool, str)
        ``(True, "proven optimal ...")`` or ``(False, "NOT proven optimal: gap X% ...")``.
    """
    solver = getattr(report, "solver", "the solver")
    if report.status == "optimal":
        text = f"Proven optimal: {solver} proved that no other {subject}"
        if report.gap is not None and report.gap > 1e-9:
            text += f" (to within a gap of {report.gap:.2%})"
        return True, text + "."
    if report.status == "feasible":
        gap = f"{report.gap:.2%}" if report.gap is not None and math.isfinite(report.gap) else "unknown"
        why = f", stopped by {report.stopped_by}" if report.stopped_by else ""
        return False, (
            f"NOT proven optimal: gap {gap} to the best bound{why}. A better choice of sites may exist; "
            "run again with a longer time limit before relying on this answer."
        )
    return False, f"NOT proven optimal: the solver reports '{report.status}'."


def illustrative_assumptions(run: RunResult) -> list[str]:
    """The assumptions of a run that are illustrative or judgements, to be checked before a decision.

    Parameters
    ----------
    run : hubopt.pipeline.RunResult

    Returns
    -------
    list of str
        Plain sentences (not escaped).
    """
    sc = run.scenario
    flags = []
    weights = ", ".join(f"{k}: {v:g}" for k, v in sc.demand_weights.items())
    flags.append(
        f"Age-band weights of hub use ({weights}) are illustrative judgements, not measured rates: replace them "
        "with local activity data."
    )
    if sc.travel_method == "straight_line":
        flags.append(
            "Travel times are estimated from straight-line distance by a calibrated model, not routed on the road "
            "network or public transport."
        )
    for label, path in (("housing", sc.housing_file), ("extra site register", sc.extra_register)):
        if path is not None and "illustrative" in Path(path).name.lower():
            flags.append(f"The {label} file {Path(path).name} is ILLUSTRATIVE (made-up data for the demonstration).")
    if sc.must_open:
        flags.append(f"Sites required to open by the scenario (a decision, not a result): {', '.join(sc.must_open)}.")
    if sc.unavailable:
        flags.append(f"Sites ruled out by the scenario: {', '.join(sc.unavailable)}.")
    beds = sc.beds
    if beds is not None:
        bed_weights = getattr(beds, "weights", None)
        if bed_weights:
            listed = ", ".join(f"{k}: {v:g}" for k, v in bed_weights.items())
            flags.append(f"Age-band weights of bed use ({listed}) are illustrative judgements, not measured rates.")
        cap = getattr(beds, "max_beds_per_site", None)
        if cap:
            flags.append(f"A ceiling of {cap} beds per site (where the register gives none) is an assumption.")
        baseline = getattr(beds, "baseline_beds", None)
        if baseline is not None:
            flags.append(
                f"Today's {baseline} community beds are given in the scenario (beds.baseline_beds), not taken from "
                f"the study's sites; source: {getattr(beds, 'baseline_source', None) or 'not stated'}."
            )
    return flags


# --------------------------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------------------------


def _toc(images: list, sweep: Any, beds: bool, appraisal: Any) -> str:
    items = [("summary", "Summary")]
    if images:
        items.append(("maps", "Maps"))
    if sweep is not None:
        items.append(("how-many", "How many hubs?"))
    items.append(("equity", "Access by deprivation"))
    if beds:
        items.append(("beds", "Community beds"))
    if appraisal is not None:
        items.append(("appraisal", "Options appraisal"))
    items.append(("assumptions", "Assumptions and data sources"))
    links = " · ".join(f'<a href="#{key}">{_e(text)}</a>' for key, text in items)
    return f'<nav class="toc">Contents: {links}</nav>'


def _summary(run: RunResult) -> str:
    a = run.access
    sc = run.scenario
    hubs = run.sites[run.sites["chosen"].astype(bool)].sort_values("served_population", ascending=False)
    cards = [
        (f"{len(hubs)}", f"hubs chosen from {len(run.candidates.sites)} sites"),
        (_people(a["population"]), f"people served ({run.demand.year})"),
        (f"{a['mean_minutes']:.1f} min", "mean travel time to the hub"),
        (f"{a['p95_minutes']:.1f} min", "95 % of people live within"),
    ]
    for t in sc.thresholds:
        cards.append((_pct(a[f"within_{t:g}_share"]), f"of people within {t:g} minutes"))
    if a.get("unreachable_population", 0) > 0:
        cards.append((_people(a["unreachable_population"]), "people with no reachable hub"))
    cards_html = "".join(
        f'<div class="card"><span class="value">{_e(v)}</span><span class="label">{_e(k)}</span></div>'
        for v, k in cards
    )
    ok, statement = solver_statement(run.result.report)
    status = f'<p class="status {"ok" if ok else "warn"}">Solver: {_e(statement)}</p>'
    if "must_open" in run.sites.columns:
        must = set(run.sites.loc[run.sites["must_open"].astype(bool), "site_id"].astype(str))
    else:
        must = set(run.candidates.sites["site_id"].astype(str).iloc[run.candidates.must_open])
    rows = [
        {
            "Hub": f"{r['name']}" + (" (must open)" if str(r["site_id"]) in must else ""),
            "Site ID": r["site_id"],
            "Type": str(r["type"]).replace("_", " "),
            "Status": r["status"],
            "People served": r["served_population"],
            "Mean minutes": r["mean_minutes"],
        }
        for _, r in hubs.iterrows()
    ]
    table = _table(
        pd.DataFrame(rows),
        {"People served": _people, "Mean minutes": _minutes},
    )
    outcome = getattr(run, "outcome", None)
    if getattr(outcome, "description", None):
        model = str(outcome.description)
    else:
        model = f"{run.result.model} model" if getattr(run.result, "model", None) else "model"
    text = (
        f"<p>{len(hubs)} local care hubs were chosen for the {_e(_people(a['population']))} people of "
        f"{_e(run.study.name)} in {_e(run.demand.year)} (model: {_e(model)}). On average "
        f"people live {a['mean_minutes']:.1f} minutes from their nearest hub; 95 % live within "
        f"{a['p95_minutes']:.1f} minutes and the longest trip is {a['max_minutes']:.1f} minutes.</p>"
    )
    return (
        f'<h2 id="summary" class="first">Summary</h2>{text}<div class="cards">{cards_html}</div>{status}'
        f"<h3>The hubs</h3>{table}"
    )


def _maps(run: RunResult, folder: Path, static_maps: bool | Sequence[str | Path], heading: str) -> list[Path]:
    if static_maps is False or static_maps is None:
        return []
    if static_maps is True:
        from hubopt.pipeline import map_caption
        from hubopt.render.static_map import write_static_maps

        written = write_static_maps(run, folder, title=heading, caption=map_caption(run))
        return [p for p in written if p.suffix == ".png"]
    paths = [Path(p) for p in static_maps]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"map image(s) not found: {', '.join(missing)}", hint="write them first, or pass True")
    return [p for p in paths if p.suffix.lower() == ".png"]


_MAP_CAPTIONS = {
    "travel_time": "Travel time from each area to its nearest chosen hub.",
    "catchments": "Catchments: each area has the colour of the hub that serves it.",
    "deprivation": "Deprivation (IMD 2019 decile, 1 = most deprived 10 % of areas in England), with the hubs.",
}


def _maps_section(images: list[Path], run: RunResult) -> str:
    figures = []
    for path in images:
        key = next((k for k in _MAP_CAPTIONS if k in path.stem), None)
        caption = _MAP_CAPTIONS.get(key, path.stem) if key else path.stem
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        figures.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)} Print copy: {_e(path.with_suffix('.pdf').name)}.</figcaption></figure>"
        )
    return (
        '<h2 id="maps">Maps</h2><p>The same views as the interactive map (map.html), drawn for print. The areas are '
        "Lower Layer Super Output Areas; symbols show the sites considered.</p>" + "".join(figures)
    )


def _sweep_section(sweep: pd.DataFrame, n_hubs: int) -> str:
    from hubopt.render.charts import check_sweep, hubs_chart_svg

    _, shares = check_sweep(sweep)
    svg = hubs_chart_svg(sweep, chosen=n_hubs)
    columns = ["n_hubs", "mean_minutes", "p95_minutes", *shares]
    extra = [c for c in ("status", "gap", "fixed_cost", "note") if c in sweep.columns]
    table = sweep[columns + extra].copy()
    headers = {
        "n_hubs": "Hubs",
        "mean_minutes": "Mean minutes",
        "p95_minutes": "95th percentile minutes",
        "status": "Solver status",
        "gap": "Gap",
        "fixed_cost": "Fixed cost",
        "note": "Note",
        **{c: f"Within {c.split('_')[1]} min" for c in shares},
    }
    formats = {
        "Mean minutes": _minutes,
        "95th percentile minutes": _minutes,
        "Gap": lambda v: "" if _missing(v) else f"{float(v):.2%}",
        "Fixed cost": _money,
        **{headers[c]: _pct for c in shares},
    }
    table = table.rename(columns=headers)
    emph = [i for i, n in enumerate(sweep["n_hubs"]) if _num(n) == n_hubs]
    return (
        '<h2 id="how-many">How many hubs?</h2><p>More hubs shorten journeys, with diminishing returns. Each point is '
        "the best placement found for that number of hubs; the highlighted row is this run.</p>"
        f"<figure>{svg}<figcaption>Mean and 95th-percentile travel time (left axis) and the share of people "
        "within each time (right axis), by number of hubs.</figcaption></figure>"
        f"{_table(table, formats, emphasise=emph)}"
    )


def _equity_section(run: RunResult) -> str:
    table = equity_table(run.zones, run.scenario.thresholds)
    shares = [c for c in table.columns if c.startswith("within_")]
    view = table[["group", "zones", "population", "mean_minutes", "p95_minutes", *shares, "unreachable_population"]]
    headers = {
        "group": "IMD decile (1 = most deprived)",
        "zones": "Areas",
        "population": "People",
        "mean_minutes": "Mean minutes",
        "p95_minutes": "95th percentile minutes",
        "unreachable_population": "People with no hub",
        **{c: f"Within {c.split('_')[1]} min" for c in shares},
    }
    formats = {
        "People": _people,
        "Mean minutes": _minutes,
        "95th percentile minutes": _minutes,
        "People with no hub": _people,
        "Areas": lambda v: f"{int(v):,}",
        **{headers[c]: _pct for c in shares},
    }
    keys = table["group_key"].tolist()
    emph = [i for i, k in enumerate(keys) if k in ("deprived_fifth", "rest", "all")]
    rows = {k: r for k, r in zip(keys, table.itertuples(index=False), strict=True)}
    gap_text = ""
    if "deprived_fifth" in rows and "rest" in rows:
        d, r = rows["deprived_fifth"].mean_minutes, rows["rest"].mean_minutes
        if not (math.isnan(d) or math.isnan(r)):
            word = "longer" if d > r else "shorter"
            gap_text = (
                f"<p>People in the most deprived fifth of areas (deciles 1-2) travel on average {d:.1f} minutes, "
                f"{abs(d - r):.1f} minutes {word} than the rest ({r:.1f} minutes).</p>"
            )
    no_data = ""
    if "no_data" in rows:
        no_data = (
            f'<p class="note">{_people(rows["no_data"].population)} people live in areas without an IMD decile; '
            "they are shown on their own row and counted in All only.</p>"
        )
    return (
        '<h2 id="equity">Access by deprivation</h2><p>Travel time to the nearest hub by the deprivation of the '
        "area people live in (English Indices of Deprivation 2019). Figures are per person.</p>"
        f"{gap_text}{_table(view.rename(columns=headers), formats, emphasise=emph)}{no_data}"
    )


def _beds_section(run: RunResult) -> str:
    beds = run.beds
    assert beds is not None
    need = beds.need_table()
    methods = "".join(f"<li>{_e(y)}: {_e(m)}</li>" for y, m in zip(need["year"], need["method"], strict=True))
    sources = "; ".join(dict.fromkeys(str(s) for s in need["beds_today_source"] if str(s)))
    need_view = need.drop(columns=["method", "beds_today_source"]).rename(
        columns={
            "year": "Year",
            "beds_needed": "Beds needed",
            "beds_needed_before_rounding": "Before rounding up",
            "beds_today": "Beds today",
            "change_from_today": "Change from today",
            "beds_piloted": "Piloted beds",
            "beds_today_with_pilot": "Today with pilot beds",
        }
    )
    plan = beds.table()
    year_cols = [c for c in plan.columns if c.startswith("beds_") and c != "beds_today"]
    shown = plan[(plan[["beds_today", *year_cols]] > 0).any(axis=1)]
    plan_view = shown.rename(
        columns={
            "site_id": "Site ID",
            "name": "Site",
            "type": "Type",
            "beds_today": "Beds today",
            "max_beds": "Most beds allowed",
            **{c: f"Beds {c[5:]}" for c in year_cols},
        }
    )
    plan_view["Type"] = plan_view["Type"].astype(str).str.replace("_", " ")
    total = {c: int(plan[c].sum()) for c in ["beds_today", *year_cols]}
    totals = ", ".join(f"{k[5:]}: {v}" for k, v in total.items())
    notes = "".join(f"<li>{_e(n)}</li>" for n in beds.notes)
    report = beds.plan.report
    ok, statement = solver_statement(report, "bed plan meeting the same rules does better on its objective")
    return (
        '<h2 id="beds">Community beds</h2><p>Community beds are planned area-wide (not per hub) so that wards are '
        "large enough to staff safely round the clock.</p><h3>Beds needed</h3>"
        f"{_table(need_view, {'Before rounding up': lambda v: f'{float(v):.1f}'})}"
        '<p class="note">Beds needed are whole beds: the computed need rounded up, the figure the plan meets.'
        + (f" Today's beds: {_e(sources)}." if sources else " No figure for today's beds.")
        + "</p>"
        f'<p class="note">Method, by year:</p><ul class="note">{methods}</ul>'
        f"<h3>Where the beds go</h3>{_table(plan_view, {'Most beds allowed': _count})}"
        f'<p class="note">Total beds ({_e(totals)}). Sites with no beds in any year are not listed.</p>'
        f'<p class="status {"ok" if ok else "warn"}">Bed placement: {_e(statement)}</p>'
        + (f'<ul class="note">{notes}</ul>' if notes else "")
    )


#: At most this many options side by side in one appraisal table; more options continue in a further table, so that
#: every option and every measure fits the page on screen and in print.
OPTIONS_PER_TABLE = 4


def _appraisal_section(appraisal: pd.DataFrame, names: Mapping[str, str] | None = None) -> str:
    """The appraisal: one column per option (name, then its number of hubs), one row per measure.

    Options come at most :data:`OPTIONS_PER_TABLE` to a table; the sites of each option are listed by name, with the
    site code after it.
    """
    if not isinstance(appraisal, pd.DataFrame) or "option" not in appraisal.columns:
        raise InputError("the appraisal must be the table made by hubopt.appraise.appraise")
    names = names or {}
    sites = "site_names" if "site_names" in appraisal.columns else "sites"  # named, the code second
    base = ["rank", "option", "description", sites, "score", "gap_to_optimum_pct"]
    measures = [
        c
        for c in (
            "mean_minutes",
            "p95_minutes",
            "deprived_mean_minutes",
            "equity_gap_minutes",
            *[c for c in appraisal.columns if c.startswith("within_")],
            "max_hub_population",
            "min_hub_population",
            "hubs_in_size_range_share",
            "fixed_cost",
            "capital_cost",
            "existing_estate_share",
        )
        if c in appraisal.columns
    ]
    scores = [c for c in appraisal.columns if str(c).startswith("score_")]
    rows = [c for c in base if c in appraisal.columns and c != "option"] + scores + measures
    headers = {
        "rank": "Rank",
        "description": "Description",
        "sites": "Sites",
        "site_names": "Sites",
        "score": "Weighted score (0-1)",
        "gap_to_optimum_pct": "Weighted travel time vs the optimised hubs",
        "mean_minutes": "Mean minutes",
        "p95_minutes": "95th percentile minutes",
        "deprived_mean_minutes": "Most deprived fifth: mean minutes",
        "equity_gap_minutes": "Most deprived fifth minus the rest (minutes)",
        "max_hub_population": "Largest hub (people)",
        "min_hub_population": "Smallest hub (people)",
        "hubs_in_size_range_share": "Hubs in the size range",
        "fixed_cost": "Fixed cost",
        "capital_cost": "Capital cost",
        "existing_estate_share": "Sites on existing or committed estate",
        **{c: f"People within {c.split('_')[1]} minutes" for c in measures if c.startswith("within_")},
        **{c: f"Score: {c[6:]}" for c in scores},
    }
    score_format: Callable[[Any], str] = lambda v: "" if _missing(v) else f"{float(v):.2f}"  # noqa: E731
    formats: dict[str, Callable[[Any], str]] = {
        "rank": lambda v: f"{int(v)}",
        "score": score_format,
        "gap_to_optimum_pct": lambda v: "" if _missing(v) else f"{float(v):+.1f}%".replace("-0.0%", "+0.0%"),
        "mean_minutes": _minutes,
        "p95_minutes": _minutes,
        "deprived_mean_minutes": _minutes,
        "equity_gap_minutes": lambda v: "not known" if _missing(v) else f"{float(v):+.1f}".replace("-0.0", "0.0"),
        "max_hub_population": _people,
        "min_hub_population": _people,
        "hubs_in_size_range_share": _pct,
        "fixed_cost": _money,
        "capital_cost": _money,
        "existing_estate_share": _pct,
        **{c: _pct for c in measures if c.startswith("within_")},
        **{c: score_format for c in scores},
    }

    def site_names(codes: object) -> str:
        listed = [c.strip() for c in str(codes).split(",") if c.strip()] if not _missing(codes) else []
        return "; ".join(f"{names[c]} ({c})" if c in names else c for c in listed)

    formats["sites"] = site_names  # codes only (a table without site_names): names looked up from the run
    text_rows = {"description", "sites", "site_names"}
    n_hubs = appraisal["n_hubs"] if "n_hubs" in appraisal.columns else appraisal["sites"].map(_count_sites)
    tables = []
    for first in range(0, len(appraisal), OPTIONS_PER_TABLE):
        part = appraisal.iloc[first : first + OPTIONS_PER_TABLE]
        hubs = n_hubs.iloc[first : first + OPTIONS_PER_TABLE]
        head = '<th scope="col">Measure</th>' + "".join(
            f'<th scope="col">{_e(o)}<span class="hubs-count">{_hubs_text(h)}</span></th>'
            for o, h in zip(part["option"], hubs, strict=True)
        )
        head += '<th scope="col"></th>' * (min(OPTIONS_PER_TABLE, len(appraisal)) - len(part))  # same widths
        body = []
        for column in rows:
            fmt = formats.get(column, lambda v: "" if _missing(v) else str(v))
            kind = "text" if column in text_rows else "num"
            cells = "".join(f'<td class="{kind}">{_e(fmt(v))}</td>' for v in part[column])
            cells += "<td></td>" * (min(OPTIONS_PER_TABLE, len(appraisal)) - len(part))
            cls = ' class="emph"' if column in ("rank", "score") else ""
            body.append(f'<tr{cls}><th scope="row">{_e(headers.get(column, column))}</th>{cells}</tr>')
        caption = ""
        if len(appraisal) > OPTIONS_PER_TABLE:
            last = min(first + OPTIONS_PER_TABLE, len(appraisal))
            caption = f"<caption>Options ranked {first + 1} to {last} of {len(appraisal)}</caption>"
        tables.append(
            f'<div class="scroll"><table class="options">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    table_html = "".join(tables)
    criteria = appraisal.attrs.get("criteria", [])
    crit_rows = "".join(
        f"<li>{_e(c['name'])}: weight {float(c['weight']):.0%}, {_e(c['direction'])} {_e(c['measure'])} is "
        "better</li>"
        for c in criteria
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in appraisal.attrs.get("notes", []))
    return (
        '<h2 id="appraisal">Options appraisal</h2><p>Each option is evaluated the same way (every area served by '
        "its nearest site of the option) and scored on the criteria below: each measure is scaled from 0 (worst "
        "option) to 1 (best option) and multiplied by its weight. The optimiser's recommendation is the row "
        "'Optimised'.</p>"
        + (f"<h3>Criteria</h3><ul>{crit_rows}</ul>" if crit_rows else "")
        + table_html
        + (f'<h3>Notes</h3><ul class="note">{notes}</ul>' if notes else "")
    )


def _count_sites(codes: object) -> float:
    return math.nan if _missing(codes) else float(len({c.strip() for c in str(codes).split(",") if c.strip()}))


def _hubs_text(n: object) -> str:
    v = _num(n)
    return "" if math.isnan(v) else f"{v:,.0f} {'hub' if v == 1 else 'hubs'}"


def _assumptions_section(run: RunResult) -> str:
    sc = run.scenario
    methods = [("Population and demand", run.demand.method), ("Travel time", run.travel_method)]
    if run.beds is not None and run.beds.needs:
        methods.append(("Community beds", run.beds.needs[0].method))
    methods.append(("Solver", run.result.report.describe()))
    method_rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in methods)
    notes = list(getattr(run.demand, "notes", []) or [])
    flags = "".join(
        f'<li><span class="flag">ILLUSTRATIVE / ASSUMPTION</span>{_e(f)}</li>' for f in illustrative_assumptions(run)
    )
    settings = _flatten(sc.raw) if sc.raw else {}
    settings_rows = "".join(
        f"<tr><th><code>{_e(k)}</code></th><td>{_e(_setting_text(v))}</td></tr>" for k, v in settings.items()
    )
    attribution = _attribution(run)
    left_out = run.candidates.left_out
    left_html = "".join(f"<li>{_e(n)} {_e(reason)}</li>" for reason, n in left_out.items())
    return (
        '<h2 id="assumptions">Assumptions and data sources</h2><h3>Methods</h3>'
        f"<table><tbody>{method_rows}</tbody></table>"
        + ("<ul class='note'>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>" if notes else "")
        + f'<h3>Assumptions to check</h3><ul class="flags">{flags}</ul>'
        + (f"<h3>Left out on purpose</h3><ul>{left_html}</ul>" if left_html else "")
        + f'<h3>Data sources and attribution</h3><div class="attribution">{attribution}</div>'
        + (
            f"<h3>Scenario settings</h3><p class='note'>As read from {_e(Path(sc.path).name)}, with defaults filled "
            f"in.</p><table><tbody>{settings_rows}</tbody></table>"
            if settings_rows
            else ""
        )
    )


def _attribution(run: RunResult) -> str:
    folder = getattr(run.study, "folder", None)
    path = Path(folder) / "ATTRIBUTION.md" if folder is not None else None
    if path is None or not path.exists():
        from hubopt.render.folium_map import DEFAULT_ATTRIBUTION

        return f"<p>{_e(DEFAULT_ATTRIBUTION)}</p><p class='note'>The study has no ATTRIBUTION.md file.</p>"
    return _markdown(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------------


def _e(value: object) -> str:
    """HTML-escape any value as text."""
    return html.escape("" if value is None else str(value), quote=True)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _people(value: object) -> str:
    v = _num(value)
    return "not known" if math.isnan(v) else f"{v:,.0f}"


def _count(value: object) -> str:
    v = _num(value)
    return "" if math.isnan(v) else f"{v:,.0f}"


def _minutes(value: object) -> str:
    v = _num(value)
    if math.isnan(v):
        return "not known"
    return "no hub" if math.isinf(v) else f"{v:.1f}"


def _pct(value: object) -> str:
    v = _num(value)
    return "not known" if math.isnan(v) else f"{v:.1%}"


def _money(value: object) -> str:
    v = _num(value)
    return "not available" if math.isnan(v) else f"£{v:,.0f}"


def _table(
    frame: pd.DataFrame,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    *,
    emphasise: Sequence[int] = (),
) -> str:
    """An HTML table of a frame: headers and cells escaped, numbers right-aligned."""
    formats = formats or {}
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) or c in formats}
    head = "".join(f'<th{" class=num" if c in numeric else ""} scope="col">{_e(c)}</th>' for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if column in formats:
                text = formats[column](value)
            elif _missing(value):
                text = ""
            elif isinstance(value, float):
                text = f"{value:,.2f}".rstrip("0").rstrip(".")
            else:
                text = str(value)
            cells.append(f"<td{' class=num' if column in numeric else ''}>{_e(text)}</td>")
        cls = ' class="emph"' if i in emphasise else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and name not in ("demand.weights", "beds.weights"):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _setting_text(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "(none)"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value).strip()


_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
]


def _inline(text: str) -> str:
    out = _e(text)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def _markdown(text: str) -> str:
    """A small, safe Markdown subset (headings, lists, pipe tables, paragraphs); all text escaped, no links."""
    blocks: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        if line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")) + 2, 6)
            blocks.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.lstrip().startswith("|"):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            if rows:
                head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
                body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
                blocks.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif re.match(r"\s*[-*] ", line):
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                current = lines[i]
                if re.match(r"\s*[-*] ", current):
                    items.append(re.sub(r"^\s*[-*] ", "", current).strip())
                elif items:
                    items[-1] += " " + current.strip()
                i += 1
            blocks.append("<ul>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + "</ul>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"\s*([-*] |\||#)", lines[i]):
                para.append(lines[i].strip())
                i += 1
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
    return "".join(blocks)
