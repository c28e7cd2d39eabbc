"""The assumptions and data sources section of the report: methods, the illustrative assumptions flagged, the
scenario's settings and the study's ATTRIBUTION.md.
"""

from __future__ import annotations

from pathlib import Path

from hubopt.render.folium_map import DEFAULT_ATTRIBUTION
from hubopt.render.report_html import _e, _flatten, _markdown, _setting_text
from hubopt.results import RunResult

__all__ = ["illustrative_assumptions"]


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
    elif sc.travel_method == "land_distance":
        flags.append(
            "Travel times are estimated from distance along land (round estuaries, on a 100 m grid of the clipped "
            "boundaries) by a calibrated model, not routed on the road network or public transport."
        )
    for label, path in (
        ("housing", sc.housing_file),
        ("extra site register", sc.extra_register),
        ("registration shares", getattr(sc, "registration_share_file", None)),
    ):
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
    return flags + _cost_and_workforce_flags(run)


def _cost_and_workforce_flags(run: RunResult) -> list[str]:
    """The running costs, the cost threshold and the workforce figures that carry no source."""
    sc = run.scenario
    flags = []
    costs = getattr(sc, "costs", None)
    if costs is not None and costs.annual_cost_per_hub is not None and costs.source is None:
        flags.append(
            f"A running cost of £{costs.annual_cost_per_hub:,.0f} a year per hub where the register gives none "
            "(costs.annual_cost_per_hub) has no source: it is an assumption."
        )
    if costs is not None and costs.min_minutes_saved_per_100k is not None and costs.threshold_source is None:
        flags.append(
            f"The threshold of {costs.min_minutes_saved_per_100k:g} mean minutes saved per £100k a year "
            "(costs.min_minutes_saved_per_100k) is a judgement without a source."
        )
    workforce = getattr(sc, "workforce", None)
    if workforce is not None and workforce.given and workforce.source is None:
        flags.append("The workforce figures (teams, staff per team, staff available) have no source: assumptions.")
    services = getattr(sc, "services", None)
    if services is not None and services.given and services.source is None:
        flags.append(
            "The appointments per head by age band (services.appointments_per_head) have no source: ILLUSTRATIVE."
        )
    if services is not None and services.given and services.capacity_source is None:
        flags.append(
            "The hub capacity figures (rooms, sessions a week, appointments a session, weeks a year) have no "
            "source: ILLUSTRATIVE."
        )
    return flags


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
            f"<h3>Scenario settings</h3><p class='note'>As read from {_e(sc.source)}, with defaults filled "
            f"in.</p><table><tbody>{settings_rows}</tbody></table>"
            if settings_rows
            else ""
        )
    )


def _attribution(run: RunResult) -> str:
    folder = getattr(run.study, "folder", None)
    path = Path(folder) / "ATTRIBUTION.md" if folder is not None else None
    if path is None or not path.exists():
        return f"<p>{_e(DEFAULT_ATTRIBUTION)}</p><p class='note'>The study has no ATTRIBUTION.md file.</p>"
    return _markdown(path.read_text(encoding="utf-8"))
