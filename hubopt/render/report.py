"""One self-contained HTML report of a run, for a board paper or a public consultation pack.

The report is a single file: the static maps are embedded as base64 PNG, the how-many-hubs chart as inline SVG, the
style sheet is inline, and there is no script and no external link for scripts, styles or images, so it reads the
same offline, by e-mail or archived. Every text that comes from the user (names, titles, scenario values, the
attribution file) is HTML-escaped.

Sections: summary (hubs, people served, travel time, solver status stated plainly), maps, how many hubs (when a sweep
table is given), clusters (the Primary Care Networks each hub serves), equity by deprivation, community beds (when
planned), options appraisal (when given), and assumptions and data sources (methods, illustrative assumptions
flagged, scenario settings, the study's ATTRIBUTION.md).

A PDF copy is printed by headless Chromium, driven by Playwright (:func:`hubopt.render.pdf.print_pdf`), when asked
for: the same HTML engine a reader's browser uses. It needs the optional extra ``pip install 'hubopt[pdf]'`` and a
Chromium or Chrome on the machine.

This module assembles the page (style sheet, contents, sections) and prints the PDF; the sections live in
:mod:`~hubopt.render.report_sections`, :mod:`~hubopt.render.report_appraisal` and
:mod:`~hubopt.render.report_assumptions`, and their HTML building blocks (escaping, numbers, tables, Markdown) in
:mod:`~hubopt.render.report_html`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from hubopt.render.pdf import print_pdf
from hubopt.render.report_appraisal import _appraisal_section
from hubopt.render.report_assumptions import _assumptions_section, illustrative_assumptions
from hubopt.render.report_clusters import clusters_section
from hubopt.render.report_frontier import frontier_section
from hubopt.render.report_html import _e
from hubopt.render.report_sections import (
    _beds_section,
    _equity_section,
    _maps,
    _maps_section,
    _summary,
    _sweep_section,
    _toc,
    solver_statement,
)
from hubopt.render.report_services import how_many_section, services_section
from hubopt.results import RunResult, hub_count

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
    run : hubopt.results.RunResult
        A finished run.
    folder : str or Path
        Folder to write to (created when missing).
    sweep : pandas.DataFrame, optional
        A how-many-hubs table (:func:`hubopt.locate.sweep.sweep_hubs`): drawn as a chart and listed. Default: the
        run's own sweep (``run.outcome.sweep``) when it has one.
    appraisal : pandas.DataFrame, optional
        An options appraisal (:func:`hubopt.analysis.appraise.appraise`): listed with its notes.
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
    outcome = run.outcome
    if sweep is None and outcome is not None and outcome.sweep is not None:
        sweep = outcome.sweep  # the model's own how-many-hubs sweep, when the scenario asked for one
    n_hubs = hub_count(run)
    heading = title or f"{sc.name}: {n_hubs} local care hubs"
    images = _maps(run, out, static_maps, heading)

    parts = [
        f"<h1>{_e(heading)}</h1>",
        f'<p class="lead">{_e(run.study.name)}, {_e(run.demand.year)}. {_e(sc.description.strip())}</p>',
        f'<p class="meta">Made by hubopt on {dt.date.today():%d %B %Y} from the scenario file '
        f"<code>{_e(sc.source)}</code>.</p>",
        _toc(
            images,
            sweep,
            run.beds is not None,
            appraisal,
            outcome is not None and outcome.frontier is not None,
            services=outcome is not None and outcome.services is not None,
        ),
        _summary(run),
    ]
    if images:
        parts.append(_maps_section(images, run))
    answer = None if outcome is None else outcome.how_many
    if answer is not None and outcome is not None and outcome.frontier is not None:
        parts.append(how_many_section(answer, outcome.frontier.how_many, n_hubs, sc.thresholds))
    if sweep is not None:
        parts.append(_sweep_section(sweep, n_hubs, anchor="how-many" if answer is None else "how-many-travel"))
    if outcome is not None and outcome.frontier is not None:
        workforce = "" if outcome.workforce is None else outcome.workforce.describe()
        parts.append(frontier_section(outcome.frontier, n_hubs, workforce))
    if outcome is not None and outcome.services is not None:
        parts.append(services_section(outcome.services, run.sites))
    parts.append(clusters_section(run.clusters))
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
