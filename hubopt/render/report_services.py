"""The report's answers on services and on "how many hubs?": each hub's appointments against its capacity
(``#services``), and the table putting each number of hubs against access, cost, staffing and capacity
(``#how-many``)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hubopt.analysis.appointments import ServicePlan
from hubopt.render.report_html import _e, _minutes, _missing, _money, _num, _pct, _people, _table

__all__ = ["how_many_section", "services_section", "yes_no"]


def yes_no(value: object) -> str:
    """A limit's verdict: "yes", "no", or blank where the limit is not set."""
    if _missing(value):
        return ""
    return "yes" if bool(value) else "no"


def _used(value: object) -> str:
    return "" if _missing(value) else f"{_num(value):.0f} %"


def how_many_section(table: pd.DataFrame, sentence: str, n_hubs: int, thresholds: Sequence[float]) -> str:
    """The "How many hubs?" section (anchor ``#how-many``): the answer and one row per number of hubs."""
    shares = [f"within_{t:g}_share" for t in thresholds]
    headers = {
        "n_hubs": "Hubs",
        "mean_minutes": "Mean minutes",
        **{c: f"Within {c.split('_')[1]} min" for c in shares},
        "annual_cost": "Running cost (£/year)",
        "worth_funding": "Worth the cost",
        "within_staff": "Staffed",
        "within_hub_size": "Hubs within staffed size",
        "capacity_feasible": "Room for every appointment",
        "fullest_hub": "Fullest hub",
        "fullest_hub_pct": "Its capacity used",
        "allowed": "Every limit met",
    }
    shown = [c for c in headers if c in table and (c in ("n_hubs", "allowed") or table[c].notna().any())]
    view = table[shown].rename(columns=headers)
    formats = {
        "Mean minutes": _minutes,
        **{headers[c]: _pct for c in shares},
        "Running cost (£/year)": _money,
        "Its capacity used": _used,
        **{headers[c]: yes_no for c in ("worth_funding", "within_staff", "within_hub_size", "capacity_feasible")},
        "Every limit met": yes_no,
    }
    emph = [i for i, n in enumerate(table["n_hubs"]) if _num(n) == n_hubs]
    answer = sentence[:1].upper() + sentence[1:] if sentence else "No limit is set: access alone is tabulated"
    return (
        '<h2 id="how-many">How many hubs?</h2>'
        f"<p><strong>{_e(answer)}.</strong></p>"
        "<p>Each number of hubs uses its best-access hubs (the travel-time table below). A limit left blank is not "
        "set in the scenario. The fullest hub puts each zone at its nearest hub of that answer; room for every "
        "appointment means the hubs with the largest capacity the rules allow can hold them all.</p>"
        f"{_table(view, formats, emphasise=emph)}"
    )


def services_section(plan: ServicePlan, sites: pd.DataFrame) -> str:
    """The "Services and appointments" section (anchor ``#services``): where the figures come from, how the model
    kept each hub within capacity, and each hub's appointments against its capacity."""
    hubs = sites[sites["chosen"]].sort_values("capacity_used_pct", ascending=False)
    view = pd.DataFrame(
        {
            "Hub": hubs["name"].astype(str),
            "ID": hubs["site_id"].astype(str),
            "People served": hubs["served_population"],
            "Appointments a year": hubs["appointments"],
            "Capacity a year": hubs["appointment_capacity"],
            "Capacity used": hubs["capacity_used_pct"],
        }
    )
    formats = {
        "People served": _people,
        "Appointments a year": _people,
        "Capacity a year": _people,
        "Capacity used": _used,
    }
    label = ' <strong class="warn">ILLUSTRATIVE</strong>' if plan.illustrative else ""
    return (
        '<h2 id="services">Services and appointments</h2>'
        f"<p>The zones need {plan.total:,.0f} appointments a year.{label} Appointments per head: "
        f"{_e(plan.rate_basis)}. Hub capacity: {_e(plan.capacity_basis)}.</p>"
        f"<p>{_e(plan.enforcement[:1].upper() + plan.enforcement[1:])}.</p>"
        f"{_table(view, formats)}"
    )
