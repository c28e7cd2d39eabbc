"""The popups of the interactive map: a heading, a role line and a table of facts."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hubopt.render.map_style import _STATUS_LABELS, _TYPE_LABELS, SITE_STATUSES, SITE_TYPES
from hubopt.render.map_text import _count, _esc, _is_number, _normalise_value, _people, _text

# --------------------------------------------------------------------------------------------------------------------
# Popups
# --------------------------------------------------------------------------------------------------------------------


def _popup_html(heading: str, rows: Sequence[tuple[str, str]], role: str | None = None) -> str:
    """A popup: escaped heading, optional role line and a table of (label, already-escaped value) rows."""
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    role_html = f'<p class="hubopt-role">{_esc(role)}</p>' if role else ""
    return f'<div class="hubopt-popup"><h3>{_esc(heading)}</h3>{role_html}<table>{body}</table></div>'


def _site_popup_html(row: pd.Series, name: str, role: str | None) -> str:
    site_type = _normalise_value(row["type"], SITE_TYPES)
    status = _normalise_value(row["status"], SITE_STATUSES)
    rows = [
        ("Site code", _esc(_text(row["site_id"]))),
        ("Type", _TYPE_LABELS[site_type]),
        ("Status", _STATUS_LABELS[status]),
    ]
    if row["chosen"] and "served_population" in row.index and _is_number(row["served_population"]):
        rows.append(("Population served", _people(row["served_population"])))
    if "beds" in row.index and _is_number(row["beds"]):
        rows.append(("Beds", _count(row["beds"])))
    if "list_size" in row.index and _is_number(row["list_size"]):
        rows.append(("Registered patients (list size)", _count(row["list_size"])))
    if "pcn_name" in row.index and _text(row["pcn_name"]).strip():
        rows.append(("Primary Care Network", _esc(_text(row["pcn_name"]))))
    if "planned_beds" in row.index and _is_number(row["planned_beds"]) and row["planned_beds"] > 0:
        year = row.get("planned_beds_year")
        label = f"Community beds planned for {int(year)}" if _is_number(year) else "Planned community beds"
        rows.append((label, _count(row["planned_beds"])))
    for label, col in (("Available from", "available_from"), ("Available until", "available_until")):
        if col in row.index and _is_number(row[col]):
            rows.append((label, _esc(str(int(row[col])))))
    if "site_utilisation_pct" in row.index and _is_number(row["site_utilisation_pct"]):
        rows.append(("Site in use", _esc(f"{float(row['site_utilisation_pct']):g} %")))
    if "at_risk" in row.index and _text(row["at_risk"]) == "True":
        rows.append(("⚠ AT RISK", _esc(_text(row.get("at_risk_reason", "")))))
    if "renewed_because" in row.index and _text(row["renewed_because"]).strip():
        rows.append(("Renewed", _esc(_text(row["renewed_because"]))))
    return _popup_html(name, rows, role=role)
