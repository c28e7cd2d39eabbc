"""The sections of the report that describe the run: contents, summary (with the solver's status stated plainly),
maps, how many hubs, equity by deprivation and community beds.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hubopt.analysis.equity import equity_table
from hubopt.analysis.site_risk import at_risk_in_answer
from hubopt.errors import InputError
from hubopt.render.charts import check_sweep, hubs_chart_svg
from hubopt.render.report_html import _count, _e, _minutes, _missing, _money, _num, _pct, _people, _table
from hubopt.render.static_map import write_static_maps
from hubopt.results import RunResult, map_caption

__all__ = ["solver_statement"]


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


# --------------------------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------------------------


def _toc(
    images: list, sweep: Any, beds: bool, appraisal: Any, economics: bool = False, services: bool = False
) -> str:
    items = [("summary", "Summary")]
    if images:
        items.append(("maps", "Maps"))
    if sweep is not None:
        items.append(("how-many", "How many hubs?"))
    if economics:
        items.append(("economics", "How many can be supported economically?"))
    if services:
        items.append(("services", "Services and appointments"))
    items.append(("clusters", "Clusters (PCNs)"))
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
    external = run.sites["external"].astype(bool) if "external" in run.sites else run.sites["chosen"] & False
    hubs = run.sites[run.sites["chosen"].astype(bool) & ~external].sort_values("served_population", ascending=False)
    cards = [
        (f"{len(hubs)}", f"hubs chosen from {len(run.candidates.sites) - int(external.sum())} sites"),
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
            "Hub": f"{r['name']}"
            + (" (must open)" if str(r["site_id"]) in must else "")
            + (" ⚠ AT RISK" if bool(r.get("at_risk", False)) else ""),
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
    outcome = run.outcome
    if outcome is not None and outcome.description:
        model = outcome.description
    else:
        model = f"{run.result.model} model" if getattr(run.result, "model", None) else "model"
    text = (
        f"<p>{len(hubs)} local care hubs were chosen for the {_e(_people(a['population']))} people of "
        f"{_e(run.study.name)} in {_e(run.demand.year)} (model: {_e(model)}). On average "
        f"people live {a['mean_minutes']:.1f} minutes from their nearest hub; 95 % live within "
        f"{a['p95_minutes']:.1f} minutes and the longest trip is {a['max_minutes']:.1f} minutes.</p>"
    )
    risky = at_risk_in_answer(run.sites, run.beds.table() if run.beds is not None else None)
    risk = "".join(
        f"<li>⚠ {_e(r.name)} ({_e(r.site_id)}, {_e(r.role)}): {_e(r.reason)}</li>" for r in risky.itertuples()
    )
    return (
        f'<h2 id="summary" class="first">Summary</h2>{text}<div class="cards">{cards_html}</div>{status}'
        f"<h3>The hubs</h3>{table}"
        + (
            f'<p class="status warn">This answer leans on {len(risky)} site(s) at risk (sites.csv, at_risk):</p>'
            f'<ul class="note">{risk}</ul>'
            if len(risky)
            else ""
        )
        + _border_services(run.sites[external])
    )


def _border_services(external: pd.DataFrame) -> str:
    """Other areas' services at the border: the people they serve, reported apart from the area's hubs."""
    if external.empty:
        return ""
    rows = [
        {
            "Service": r["name"],
            "Site ID": r["site_id"],
            "Type": str(r["type"]).replace("_", " "),
            "People served": r["served_population"],
            "Mean minutes": r["mean_minutes"],
        }
        for _, r in external.iterrows()
    ]
    return (
        '<h3 id="border-services">Border services (other areas\' sites)</h3><p>These services lie outside the area '
        "(site status <code>external</code>). They are always open and serve the zones nearest to them, but they "
        "are not among the area's hubs, are not counted in their number and carry no cost in this model.</p>"
        + _table(pd.DataFrame(rows), {"People served": _people, "Mean minutes": _minutes})
    )


def _maps(run: RunResult, folder: Path, static_maps: bool | Sequence[str | Path], heading: str) -> list[Path]:
    if static_maps is False or static_maps is None:
        return []
    if static_maps is True:
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


def _sweep_section(sweep: pd.DataFrame, n_hubs: int, anchor: str = "how-many") -> str:
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
        "Gap": lambda v: "" if _missing(v) else f"{_num(v):.2%}",
        "Fixed cost": _money,
        **{headers[c]: _pct for c in shares},
    }
    table = table.rename(columns=headers)
    emph = [i for i, n in enumerate(sweep["n_hubs"]) if _num(n) == n_hubs]
    return (
        (
            '<h2 id="how-many">How many hubs?</h2>'
            if anchor == "how-many"
            else f'<h2 id="{anchor}">How many hubs: travel time by number of hubs</h2>'
        )
        + "<p>More hubs shorten journeys, with diminishing returns. Each point is "
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
