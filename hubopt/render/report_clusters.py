"""The report's clusters section: each hub's catchment as the Primary Care Networks (PCNs) it serves."""

from __future__ import annotations

import pandas as pd

from hubopt.render.report_html import _e, _pct, _people, _table

__all__ = ["clusters_section"]


def clusters_section(clusters: pd.DataFrame | None) -> str:
    """The section "Clusters (Primary Care Networks)": one table per hub of the PCNs whose people it serves.

    Parameters
    ----------
    clusters : pandas.DataFrame or None
        A run's cluster table (:func:`hubopt.analysis.clusters.cluster_table`, ``clusters.csv``), with the rule
        that places a PCN's residents in ``attrs["rule"]``; None when the study's practices have no PCN.

    Returns
    -------
    str
        The section's HTML (headings and table cells escaped).
    """
    head = '<h2 id="clusters">Clusters (Primary Care Networks)</h2>'
    if clusters is None:
        return (
            f"{head}<p>The study's GP practices have no Primary Care Network (no <code>pcn_code</code> in its "
            "site register), so no clusters are reported. <code>hubopt study build</code> adds them from the NHS "
            "ODS ePCN release.</p>"
        )
    rule = str(clusters.attrs.get("rule", ""))
    without = list(clusters.attrs.get("practices_without_pcn", []))
    split = clusters.loc[clusters["hubs"] > 1, "pcn_name"].drop_duplicates().tolist()
    pcns = clusters["pcn_code"].nunique()
    parts = [
        head,
        f"<p>Practices belong to {pcns} Primary Care Networks, today's clusters of practices. To count the people "
        f"of a PCN, {_e(rule)}. A hub serves a PCN's people in the zones it serves; a PCN split between hubs is "
        "served by more than one.</p>",
        f"<p>{len(split)} of {pcns} PCNs are split between hubs"
        + (f": {_e(', '.join(split))}." if split else ".")
        + "</p>",
    ]
    if without:
        parts.append(
            f'<p class="note">{len(without)} practice(s) have no PCN in the ePCN release and are left out of the '
            f"rule: {_e(', '.join(without))}.</p>"
        )
    served = clusters[clusters["hub_id"] != ""]
    order = served.groupby(["hub_id", "hub_name"], sort=False)["hub_people"].sum().sort_values(ascending=False)
    for hub_id, hub_name in order.index:
        rows = served[served["hub_id"] == hub_id].sort_values("hub_people", ascending=False)
        view = pd.DataFrame(
            {
                "PCN": rows["pcn_name"].to_numpy(),
                "PCN code": rows["pcn_code"].to_numpy(),
                "Practices in the PCN": rows["practices"].to_numpy(),
                "People of the PCN served here": rows["hub_people"].to_numpy(),
                "Share of the PCN's people": rows["hub_share"].to_numpy(),
            }
        )
        total = float(rows["hub_people"].sum())
        pcn_count = f"{len(rows)} PCN" + ("s" if len(rows) != 1 else "")
        parts.append(f"<h3>{_e(hub_name)} ({_e(hub_id)}): {pcn_count}, {_people(total)} people</h3>")
        parts.append(
            _table(
                view,
                {
                    "People of the PCN served here": _people,
                    "Share of the PCN's people": _pct,
                    "Practices in the PCN": lambda v: f"{int(v):,}",
                },
            )
        )
    unserved = clusters.loc[clusters["hub_id"] == "", "pcn_name"].tolist()
    if unserved:
        parts.append(
            f'<p class="note">PCNs with no people placed in them or none who can reach a hub: '
            f"{_e(', '.join(unserved))}.</p>"
        )
    parts.append('<p class="note">The same figures, one row per PCN and hub, are in <code>clusters.csv</code>.</p>')
    return "".join(parts)
