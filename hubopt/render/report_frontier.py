"""The report's "How many can be supported economically?" section: the cost-access chart, the frontier over the
number of hubs, the answer against the scenario's threshold, and the efficient options at the run's number of
hubs."""

from __future__ import annotations

import math

import pandas as pd

from hubopt.analysis.frontier import Frontier
from hubopt.render.frontier_chart import frontier_chart_svg
from hubopt.render.report_html import _e, _minutes, _money, _num, _pct, _people, _table

__all__ = ["frontier_section"]


def _rate(value: object) -> str:
    v = _num(value)
    return "" if math.isnan(v) else f"{v:,.2f}"


def frontier_section(frontier: Frontier, n_hubs: int, workforce: str = "") -> str:
    """The section's HTML (anchor ``#economics``); ``workforce`` describes the workforce's limits, when set."""
    table = frontier.table
    shares = [c for c in table.columns if c.startswith("within_") and c.endswith("_share")]
    gains = [c for c in table.columns if c.startswith("people_within_") and c.endswith("_per_100k")]
    view = table[["n_hubs", "mean_minutes", *shares, "annual_cost", "capital_cost", "minutes_saved_per_100k", *gains]]
    headers = {
        "n_hubs": "Hubs",
        "mean_minutes": "Mean minutes",
        "annual_cost": "Running cost (£/year)",
        "capital_cost": "Capital (£)",
        "minutes_saved_per_100k": "Minutes saved per £100k",
        **{c: f"Within {c.split('_')[1]} min" for c in shares},
        **{c: f"People brought within {c.split('_')[2]} min per £100k" for c in gains},
    }
    formats = {
        "Mean minutes": _minutes,
        "Running cost (£/year)": _money,
        "Capital (£)": _money,
        "Minutes saved per £100k": _rate,
        **{headers[c]: _pct for c in shares},
        **{headers[c]: _people for c in gains},
    }
    emph = [i for i, n in enumerate(table["n_hubs"]) if _num(n) == n_hubs]
    svg = frontier_chart_svg(table, frontier.options, chosen=n_hubs, footnote=f"Running costs: {frontier.cost_basis}")
    label = ' <strong class="warn">ILLUSTRATIVE</strong>' if frontier.illustrative else ""
    parts = [
        '<h2 id="economics">How many can be supported economically?</h2>',
        f"<p><strong>{_e(frontier.answer[:1].upper() + frontier.answer[1:])}.</strong>{label}</p>",
        f"<p>Running costs: {_e(frontier.cost_basis)}."
        + (f" Threshold: {_e(frontier.threshold_basis)}." if frontier.threshold_basis else "")
        + " Each number of hubs uses its best-access hubs; the figures "
        "per £100k are what the extra hub buys for each £100,000 a year of extra running cost (mean minutes saved "
        "per person, people brought within the time).</p>",
    ]
    if workforce:
        parts.append(f"<p>Workforce: {_e(workforce)}.</p>")
    if frontier.how_many:
        parts.append(f"<p><strong>How many hubs in all: {_e(frontier.how_many)}.</strong></p>")
    if svg is not None:
        parts.append(
            f"<figure>{svg}<figcaption>Mean travel time against the hubs' annual running cost, one point per "
            "number of hubs.</figcaption></figure>"
        )
    parts.append(_table(view.rename(columns=headers), formats, emphasise=emph))
    parts.append(_options(frontier))
    parts += [f"<p class=meta>{_e(n)}</p>" for n in frontier.notes]
    return "".join(parts)


def _options(frontier: Frontier) -> str:
    options = frontier.options
    if options is None or options.empty:
        return ""
    shares = [c for c in options.columns if c.startswith("within_") and c.endswith("_share")]
    view = pd.DataFrame(options[["option", "mean_minutes", *shares, "annual_cost", "capital_cost", "sites"]])
    view.insert(1, "answer", ["the model's answer" if a else "" for a in options["model_answer"]])
    headers = {
        "option": "Option",
        "answer": "",
        "mean_minutes": "Mean minutes",
        "annual_cost": "Running cost (£/year)",
        "capital_cost": "Capital (£)",
        "sites": "Sites",
        **{c: f"Within {c.split('_')[1]} min" for c in shares},
    }
    formats = {
        "Mean minutes": _minutes,
        "Running cost (£/year)": _money,
        "Capital (£)": _money,
        **{headers[c]: _pct for c in shares},
    }
    return (
        f"<h3>Cost against access with {frontier.options_n} hubs</h3><p>Every efficient set of "
        f"{frontier.options_n} hubs: none is both cheaper to run and quicker to reach than another. The first has "
        "the best access; each next one is the quickest to reach among the cheaper sets.</p>"
        + _table(view.rename(columns=headers), formats)
    )
