"""The options-appraisal section of the report: the options side by side, a few to a table."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from hubopt.errors import InputError
from hubopt.render.report_html import _e, _minutes, _missing, _money, _num, _pct, _people

__all__ = ["OPTIONS_PER_TABLE"]


#: At most this many options side by side in one appraisal table; more options continue in a further table, so that
#: every option and every measure fits the page on screen and in print.
OPTIONS_PER_TABLE = 4


def _appraisal_section(appraisal: pd.DataFrame, names: Mapping[str, str] | None = None) -> str:
    """The appraisal: one column per option (name, then its number of hubs), one row per measure.

    Options come at most :data:`OPTIONS_PER_TABLE` to a table; the sites of each option are listed by name, with the
    site code after it.
    """
    if not isinstance(appraisal, pd.DataFrame) or "option" not in appraisal.columns:
        raise InputError("the appraisal must be the table made by hubopt.analysis.appraise.appraise")
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
