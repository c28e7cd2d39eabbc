"""The one-screen summary printed at the end of a run (and written to its summary.txt)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubopt.analysis.clusters import cluster_counts
from hubopt.analysis.frontier import Frontier
from hubopt.analysis.site_risk import at_risk_in_answer
from hubopt.locate.measure import result_measure
from hubopt.pipeline.frontier import ILLUSTRATIVE
from hubopt.results import BedResult, ModelOutcome, RunResult

__all__ = [
    "bed_summary_lines",
    "cluster_summary_line",
    "external_lines",
    "how_many_lines",
    "model_extra_lines",
    "services_lines",
    "site_risk_lines",
    "summary_lines",
]


def _external_mask(run: RunResult) -> np.ndarray:
    mask = np.zeros(len(run.sites), dtype=bool)
    mask[np.asarray(run.result.external, dtype=int)] = True
    return mask


def external_lines(run: RunResult) -> list[str]:
    """One line on the zones and people served by other areas' services at the border (none without them)."""
    if not len(run.result.external):
        return []
    served = run.zones[run.zones["served_by_external"]] if "served_by_external" in run.zones else run.zones[:0]
    names = ", ".join(str(run.sites["name"].iloc[j]) for j in run.result.external)
    return [
        f"  Border services (other areas', not counted in the {len(run.result.hubs)} hubs): "
        f"{served['population'].sum():,.0f} people in {len(served)} zones served by {names}"
    ]


def summary_lines(run: RunResult) -> list[str]:
    """The one-screen summary printed at the end of a run."""
    sc = run.scenario
    a = run.access
    rep = run.result.report
    lines = [
        f"{sc.name} — {run.study.name}, {run.demand.year}",
        f"  Demand: {a['population']:,.0f} people in {len(run.zones)} zones; {run.demand.summary}",
        f"  Travel: {run.travel_method}",
        f"  Model: {run.outcome.description if run.outcome else run.result.model}; {len(run.result.hubs)} "
        f"hubs from {len(run.candidates.sites) - len(run.candidates.external)} sites "
        f"({len(run.candidates.must_open)} must open, {len(run.candidates.unavailable)} unavailable)",
        f"  Solver: {rep.describe()}",
        *external_lines(run),
    ]
    if not rep.is_optimal:
        lines.append("  WARNING: this answer is NOT proven optimal; see the gap above.")
    lines.append("")
    lines.append(f"  {'Hub':<46} {'ID':<7} {'People served':>14} {'Mean min':>9}")
    hubs = run.sites[run.sites["chosen"] & ~_external_mask(run)].sort_values("served_population", ascending=False)
    for r in hubs.itertuples():
        tag = " (must open)" if r.Index in run.candidates.must_open else ""
        lines.append(
            f"  {(str(r.name) + tag)[:46]:<46} {r.site_id:<7} {r.served_population:>14,.0f} {r.mean_minutes:>9.1f}"
        )
    lines.append("")
    shares = "  ".join(f"within {t:g} min: {a[f'within_{t:g}_share']:.1%}" for t in sc.thresholds)
    lines.append(
        f"  Travel time to hub: mean {a['mean_minutes']:.1f} min, 95th percentile {a['p95_minutes']:.1f} min, "
        f"longest {a['max_minutes']:.1f} min"
    )
    lines.append(f"  Share of people {shares}")
    if a["unreachable_population"] > 0:
        lines.append(f"  People with no reachable hub: {a['unreachable_population']:,.0f}")
    for name, other in run.mode_access.items():
        if name == sc.travel_use:
            continue
        within = ", ".join(f"{other[f'within_{t:g}_share']:.1%} within {t:g} min" for t in sc.thresholds)
        lines.append(
            f"  By {name} to the same hubs: mean {other['mean_minutes']:.1f} min, 95th percentile "
            f"{other['p95_minutes']:.1f} min; {within}"
            + (
                f"; {other['unreachable_population']:,.0f} people cannot reach their hub"
                if other["unreachable_population"] > 0
                else ""
            )
        )
    lines.append(cluster_summary_line(run))
    lines.extend(f"  Note: {n}" for n in run.candidates.notes)
    lines.extend(site_risk_lines(run))
    if run.outcome is not None:
        lines.extend(model_extra_lines(run.outcome, sc.thresholds))
        lines.extend(workforce_lines(run))
        lines.extend(services_lines(run))
        lines.extend(how_many_lines(run))
    if run.beds is not None:
        lines.extend(bed_summary_lines(run.beds))
    if run.appraisal is not None and len(run.appraisal):
        ranked = "; ".join(
            f"{int(r['rank'])}. {r['option']} (score {r['score']:.2f}, {r['gap_to_optimum_pct']:+.1f}% travel)"
            for _, r in run.appraisal.iterrows()
        )
        lines.append(f"  Options appraisal: {ranked}")
    excluded = run.study.metadata.get("build_report", {}).get("excluded", {})
    left = [
        f"{source}: {n:,} {reason}"
        if len(reasons) == 1
        else f"{source}: {sum(reasons.values()):,} rows, {len(reasons)} reasons"
        for source, reasons in excluded.items()
        if reasons
        for reason, n in list(reasons.items())[:1]
    ]
    left += [f"{n:,} {reason}" for reason, n in run.candidates.left_out.items()]
    if left:
        lines.append("  Left out on purpose (by reason in manifest.json): " + "; ".join(left))
    if run.folder is not None:
        lines.append(f"  Outputs: {run.folder}/ ({', '.join(run.outputs)})")
    return lines


def cluster_summary_line(run: RunResult) -> str:
    """The clusters line: PCNs, practices with one, PCNs per hub and PCNs split between hubs (see clusters.csv)."""
    table = run.clusters
    if table is None:
        return "  Clusters: none (the study's GP practices have no PCN: no pcn_code in its sites.csv)"
    c = cluster_counts(table, run.sites["site_id"].iloc[list(run.result.external)].astype(str).tolist())
    practices = int(table.attrs.get("practices", 0))
    without = len(table.attrs.get("practices_without_pcn", []))
    low, high = c.per_hub
    per_hub = f"{low}" if low == high else f"{low}-{high}"
    return (
        f"  Clusters: {c.pcns} PCNs ({practices - without} of {practices} practices have one; residents counted "
        f"by nearest practice); each hub serves {per_hub}; {c.split} split between hubs (clusters.csv)"
    )


def bed_summary_lines(beds: BedResult) -> list[str]:
    """Summary lines for community beds: need per year against today, and the sites with beds.

    The figures are those of :meth:`BedResult.need_table` and :meth:`BedResult.table` (``bed_need.csv`` and
    ``beds.csv``): whole beds needed, the figure the plan meets.
    """
    need = beds.need_table()
    needs = ", ".join(f"{int(r.year)}: {int(r.beds_needed)}" for r in need.itertuples())
    first = beds.needs[0]
    if first.today_beds is None:
        today = "no community beds recorded today"
    else:
        today = f"{first.today_beds} today" + (f" (+{first.piloted_beds} piloted)" if first.piloted_beds else "")
    lines = [f"  Community beds needed ({needs}) vs {today}; solver: {beds.plan.report.describe().split(';')[0]}"]
    table = beds.table()
    cols = [c for c in table.columns if c.startswith("beds_") and c != "beds_today"]
    with_beds = table[(table[cols] > 0).any(axis=1) | (table["beds_today"] > 0)]
    plan = "; ".join(
        f"{r['name']} {r['beds_today']}→{'→'.join(str(r[c]) for c in cols)}" for _, r in with_beds.iterrows()
    )
    lines.append(f"  Beds by site (today→{'→'.join(c[5:] for c in cols)}): {plan}")
    return lines


def model_extra_lines(outcome: ModelOutcome, thresholds: list[float]) -> list[str]:
    """Summary lines for the how-many-hubs sweep and the explanation of the answer."""
    lines: list[str] = [f"  Note: {n}" for n in outcome.notes]
    sw = outcome.sweep
    if sw is not None and len(sw) and not _answers_how_many(outcome):  # else in the how-many table (how_many_lines)
        t = thresholds[0]
        col = f"within_{t:g}_share"
        lines.append(
            f"  How many hubs: {'N':>3} {'mean min':>9} {'95th pct':>9} {'within ' + format(t, 'g'):>10}"
            f" {'status':>10}"
        )
        for r in sw.itertuples():
            row = r._asdict()
            share = row.get(col)
            lines.append(
                f"  {'':14}{row['n_hubs']:>3} {row['mean_minutes']:>9.1f} {row['p95_minutes']:>9.1f} "
                f"{share:>10.1%} {row['status']!s:>10}"
                if share is not None and share == share
                else f"  {'':14}{row['n_hubs']:>3} {row['status']!s:>10}"
            )
    lines += frontier_lines(outcome.frontier)
    nb = outcome.next_best
    if nb is not None and len(nb) > 1:
        m = nb.attrs.get("measure") or result_measure(outcome.result, hubs=True)
        mean_extra = (nb["mean_minutes"].iloc[1:] - nb["mean_minutes"].iloc[0]).tolist()
        worse = m.compare_line(nb["increase"].iloc[1:].tolist(), nb["increase_pct"].iloc[1:].tolist(), mean_extra)
        lines.append(f"  Next-best distinct answers {worse} (see next_best.csv)")
    sw2 = outcome.swaps
    if sw2 is not None and len(sw2):
        m = sw2.attrs.get("measure") or result_measure(outcome.result)
        cheapest = sw2.iloc[int(np.lexsort((sw2["extra_minutes"].fillna(np.inf), sw2["increase"]))[0])]
        lines.append(
            f"  Cheapest swap: {cheapest['alternative_name']} instead of {cheapest['chosen_name']} "
            f"({m.phrase(cheapest['increase'], cheapest['increase_pct'])}; every hub's alternatives in swaps.csv)"
        )
    return lines


def frontier_lines(frontier: Frontier | None) -> list[str]:
    """Summary lines for the cost-access frontier: the N worth funding, the cost basis, the options at fixed N."""
    if frontier is None:
        return []
    label = f" ({ILLUSTRATIVE})" if frontier.illustrative else ""
    lines = [
        f"  How many hubs economically{label}: {frontier.answer}; see frontier.csv",
        f"  Running costs: {frontier.cost_basis}",
    ]
    if frontier.threshold_basis:
        lines.append(f"  Threshold: {frontier.threshold_basis}")
    options = frontier.options
    if options is not None and len(options):
        first, last = options.iloc[0], options.iloc[-1]
        span = (
            f"from £{first['annual_cost']:,.0f} a year (mean {first['mean_minutes']:.1f} min) to "
            f"£{last['annual_cost']:,.0f} ({last['mean_minutes']:.1f} min)"
            if len(options) > 1
            else f"£{first['annual_cost']:,.0f} a year (mean {first['mean_minutes']:.1f} min): the best access is "
            "also the cheapest"
        )
        lines.append(
            f"  Cost against access with {frontier.options_n} hubs: {len(options)} efficient option"
            f"{'s' if len(options) > 1 else ''}, {span} (frontier_options.csv)"
        )
    return lines


def workforce_lines(run: RunResult) -> list[str]:
    """Summary lines for the workforce: its limits against this run's hubs, and the N every limit allows."""
    outcome = run.outcome
    limits = outcome.workforce if outcome is not None else None
    if outcome is None or limits is None:
        return []
    label = f" ({run.scenario.workforce.source})" if run.scenario.workforce.source else f" ({ILLUSTRATIVE})"
    checks = []
    hubs = len(run.result.hubs)
    if limits.max_hubs is not None:
        checks.append(f"{hubs} hubs {'within' if hubs <= limits.max_hubs else 'ABOVE'} the staffed {limits.max_hubs}")
    if limits.max_hub_population is not None:
        largest = float(run.sites.loc[run.sites["chosen"] & ~_external_mask(run), "served_population"].max())
        verdict = "within" if largest <= limits.max_hub_population + 1e-6 else "ABOVE"
        checks.append(f"largest hub {largest:,.0f} people, {verdict} the limit")
    lines = [f"  Workforce{label}: {limits.describe()}" + (f"; this run: {', '.join(checks)}" if checks else "")]
    lines += [f"  Note: {n}" for n in limits.notes]
    return lines


def services_lines(run: RunResult) -> list[str]:
    """Summary lines for services: appointments a year, the capacity basis, and the fullest hub."""
    plan = run.outcome.services if run.outcome is not None else None
    if plan is None:
        return []
    label = f" ({ILLUSTRATIVE})" if plan.illustrative else ""
    hubs = run.sites[run.sites["chosen"]]
    fullest = hubs.loc[hubs["capacity_used_pct"].fillna(-1.0).idxmax()]
    return [
        f"  Appointments{label}: {plan.total:,.0f} a year; {plan.rate_basis}",
        f"  Hub capacity: {plan.capacity_basis}",
        f"  Capacity {'kept' if plan.kept else 'checked'}: {plan.enforcement}; "
        f"fullest hub {fullest['name']} ({fullest['site_id']}), "
        f"{fullest['appointments']:,.0f} of {fullest['appointment_capacity']:,.0f} appointments "
        f"({fullest['capacity_used_pct']:.0f} %) (sites.csv)",
    ]


def _answers_how_many(outcome: ModelOutcome) -> bool:
    """Whether the run has a how-many table with a limit set (the summary then shows it instead of the sweep's)."""
    return outcome.how_many is not None and outcome.frontier is not None and bool(outcome.frontier.how_many)


def how_many_lines(run: RunResult) -> list[str]:
    """The answer to "how many hubs?" and its table: per N, the sweep's access and status, the frontier's cost and
    each limit's verdict (how_many.csv), in place of the sweep's own table."""
    outcome = run.outcome
    if outcome is None or outcome.how_many is None or outcome.frontier is None or not _answers_how_many(outcome):
        return []
    table = outcome.how_many
    sweep = outcome.sweep.set_index("n_hubs") if outcome.sweep is not None else pd.DataFrame()
    t = run.scenario.thresholds[0]
    checks = [
        (col, mark)
        for col, mark in (
            ("worth_funding", "cost"),
            ("within_staff", "staff"),
            ("within_hub_size", "size"),
            ("capacity_feasible", "room"),
        )
        if table[col].notna().any()
    ]
    head = (
        f"  How many hubs: {'N':>3} {'mean min':>9} {'95th pct':>9} {'within ' + format(t, 'g'):>10} {'status':>10} "
        f"{'£m/year':>8}" + "".join(f" {m:>5}" for _, m in checks)
    )
    head += f" {'fullest':>8}" if table["fullest_hub_pct"].notna().any() else ""
    lines = [f"  How many hubs in all: {outcome.frontier.how_many} (how_many.csv)", head]
    for _, r in table.iterrows():
        n = int(r["n_hubs"])
        p95 = sweep["p95_minutes"].get(n) if "p95_minutes" in sweep else None
        status = sweep["status"].get(n, "") if "status" in sweep else ""
        cost = "" if pd.isna(r["annual_cost"]) else f"{r['annual_cost'] / 1e6:.2f}"
        minutes = "" if pd.isna(r["mean_minutes"]) else f"{r['mean_minutes']:.1f}"
        p95_text = "" if p95 is None or pd.isna(p95) else f"{p95:.1f}"
        share = "" if pd.isna(r[f"within_{t:g}_share"]) else f"{r[f'within_{t:g}_share']:.1%}"
        marks = "".join(f" {'yes' if bool(r[c]) else 'no':>5}" for c, _ in checks)
        full = "" if pd.isna(r["fullest_hub_pct"]) else f" {r['fullest_hub_pct']:>6.0f} %"
        flag = "  <- every limit met" if bool(r["allowed"]) else ""
        lines.append(
            f"  {'':14}{n:>3} {minutes:>9} {p95_text:>9} {share:>10} {status!s:>10} {cost:>8}{marks}{full}{flag}"
        )
    return lines


def site_risk_lines(run: RunResult) -> list[str]:
    """The sites at risk the answer leans on (hubs, bed sites; see sites.csv ``at_risk``), and the hubs' and bed
    sites' utilisation where the register gives it."""
    risky = at_risk_in_answer(run.sites, run.beds.table() if run.beds is not None else None)
    lines = []
    if len(risky):
        listed = "; ".join(f"{r.name} ({r.site_id}, {r.role}): {r.reason}" for r in risky.itertuples())
        lines.append(f"  AT RISK: the answer leans on {len(risky)} site(s) at risk (sites.csv at_risk): {listed}")
    sites = run.sites
    if "site_utilisation_pct" in sites.columns:
        used = sites["chosen"].astype(bool)
        if run.beds is not None:
            plan = run.beds.table()
            year_cols = [c for c in plan.columns if c.startswith("beds_") and c != "beds_today"]
            with_beds = plan.loc[(plan[year_cols] > 0).any(axis=1), "site_id"].astype(str)
            used |= sites["site_id"].astype(str).isin(with_beds)
        known = sites[used & sites["site_utilisation_pct"].notna()]
        if len(known):
            lines.append(
                "  Site use today: "
                + "; ".join(
                    f"{r['name']} {float(r['site_utilisation_pct']):g} % in use ({r['utilisation_source']})"
                    for _, r in known.iterrows()
                )
            )
    return lines
