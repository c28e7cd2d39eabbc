"""Compare two runs: what changed, from run A (before) to run B (after).

A rerun with new housing usually keeps the same hubs, so the comparison says what did change: people and demand
added or removed per zone, each hub's load before and after, community bed need before and after, whether
re-optimising for the new demand picks other hubs (and what that gains over keeping the earlier hubs), and who
travels further or less. Sites are named, with their code second: "Tonbridge Cottage Hospital (RYYDC)".

Works on run folders (``zones.csv``, ``sites.csv``, ``beds.csv``, ``bed_need.csv``, ``manifest.json``), so any two
runs can be compared after the fact. Keeping the earlier hubs under the new demand is evaluated on the travel-time
matrix, which only a run in memory holds: :func:`hubopt.pipeline.appraisal.reoptimisation_for_run` does it for a run
just made, and its result is passed to :func:`compare_runs`. This module computes;
:mod:`hubopt.render.compare_outputs` writes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt._version import __version__
from hubopt.analysis.reoptimise import Reoptimisation
from hubopt.errors import InputError
from hubopt.files.cell_text import read_text_csv
from hubopt.locate.solution import signed_number, site_label

__all__ = [
    "CHANGE_BANDS",
    "CHANGE_LABELS",
    "MINUTES_TOLERANCE",
    "PEOPLE_BANDS",
    "PEOPLE_LABELS",
    "PEOPLE_TOLERANCE",
    "Comparison",
    "RunFolder",
    "compare_runs",
    "read_run",
]

#: Minutes of change in a zone's travel time below which it counts as unchanged (rounding in the tables).
MINUTES_TOLERANCE = 0.05
#: Bands of change in travel time (minutes) for "population affected".
CHANGE_BANDS = (-np.inf, -10, -5, -1, -MINUTES_TOLERANCE, MINUTES_TOLERANCE, 1, 5, 10, np.inf)
CHANGE_LABELS = (
    "10+ min better",
    "5-10 min better",
    "1-5 min better",
    "under 1 min better",
    "unchanged",
    "under 1 min worse",
    "1-5 min worse",
    "5-10 min worse",
    "10+ min worse",
)

#: People added to or removed from a zone below which it counts as unchanged (zones.csv rounds to 0.1 person).
PEOPLE_TOLERANCE = 0.5
#: Bands of people added to a zone (after minus before); decades, so that a new estate and the small
#: redistribution of a "within" housing trajectory both read on one legend.
PEOPLE_BANDS = (-np.inf, -1000, -100, -10, -PEOPLE_TOLERANCE, PEOPLE_TOLERANCE, 10, 100, 1000, np.inf)
PEOPLE_LABELS = (
    "1,000 or more removed",
    "100 to 1,000 removed",
    "10 to 100 removed",
    "under 10 removed",
    "no change",
    "under 10 added",
    "10 to 100 added",
    "100 to 1,000 added",
    "over 1,000 added",
)
#: Label of the hub-load row for people with no reachable hub.
NO_HUB = "No reachable hub"


@dataclass
class RunFolder:
    """The tables of a finished run, read back from its folder."""

    folder: Path
    manifest: dict
    zones: pd.DataFrame
    sites: pd.DataFrame
    beds: pd.DataFrame | None
    bed_need: pd.DataFrame | None = None

    def hub_ids(self) -> list[str]:
        """The run's chosen hubs (site IDs), in the order of sites.csv."""
        return self.sites.loc[self.sites["chosen"].astype(bool), "site_id"].astype(str).tolist()

    @property
    def year(self) -> int | None:
        """The demand year of the run (from its manifest)."""
        year = self.manifest.get("parameters", {}).get("year")
        return int(year) if year is not None else None


def read_run(folder: str | Path) -> RunFolder:
    """Read a run folder written by ``hubopt run``, checking it is complete and from a compatible version."""
    f = Path(folder)
    if not f.is_dir():
        raise InputError(
            "the run folder does not exist",
            path=f,
            hint="give the folder a run wrote (it holds manifest.json, zones.csv and sites.csv)",
        )
    manifest_path = f / "manifest.json"
    if not manifest_path.exists():
        raise InputError(
            "this folder holds no finished run (no manifest.json)",
            path=f,
            hint="run the scenario again; a run that failed leaves no manifest",
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"manifest.json is not valid JSON: {exc}", path=manifest_path) from None
    version = str(manifest.get("hubopt_version", ""))
    if version.split(".")[:2] != __version__.split(".")[:2]:
        raise InputError(
            f"the run was written by hubopt {version or 'unknown'}, which this hubopt ({__version__}) cannot compare",
            path=manifest_path,
            hint="rerun the scenario with this version of hubopt",
        )
    tables = {}
    for name in ("zones.csv", "sites.csv"):
        if not (f / name).exists():
            raise InputError(f"the run has no {name} (was it run with outputs.tables: false?)", path=f)
        tables[name] = read_text_csv(f / name, dtype={"zone_id": str, "site_id": str, "hub_id": str})
    beds = read_text_csv(f / "beds.csv", dtype={"site_id": str}) if (f / "beds.csv").exists() else None
    return RunFolder(
        folder=f,
        manifest=manifest,
        zones=tables["zones.csv"],
        sites=tables["sites.csv"],
        beds=beds,
        bed_need=_read_bed_need(f, manifest),
    )


def _read_bed_need(folder: Path, manifest: dict) -> pd.DataFrame | None:
    """Beds needed per year: ``bed_need.csv``, else the manifest's record; None when the run planned no beds."""
    if (folder / "bed_need.csv").exists():
        return read_text_csv(folder / "bed_need.csv")
    beds = (manifest.get("results") or {}).get("beds")
    if beds and beds.get("need"):
        return pd.DataFrame(beds["need"])
    return None


@dataclass
class Comparison:
    """What changed from run A (before) to run B (after)."""

    a: Path
    b: Path
    hubs_added: list[str]
    hubs_removed: list[str]
    hubs: pd.DataFrame
    zones: pd.DataFrame
    by_change: pd.DataFrame
    by_decile: pd.DataFrame
    beds: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    by_people: pd.DataFrame | None = None
    bed_need: pd.DataFrame | None = None
    beds_planned: tuple[bool, bool] = (False, False)
    reoptimisation: Reoptimisation | None = None
    run_a: RunFolder | None = None
    run_b: RunFolder | None = None

    def label(self, site_id: str) -> str:
        """A site's name and code, e.g. ``"Tonbridge Cottage Hospital (RYYDC)"``."""
        return site_label(self.names.get(site_id, site_id), site_id)

    @property
    def hubs_kept(self) -> list[str]:
        """Hubs in both runs."""
        return self.hubs.loc[self.hubs["hub_in_a"] & self.hubs["hub_in_b"], "site_id"].tolist()

    def changed_zones(self) -> pd.DataFrame:
        """Zones whose hub or travel time changed."""
        z = self.zones
        return z[(z["hub_id_a"] != z["hub_id_b"]) | (z["minutes_change"].abs() > MINUTES_TOLERANCE)]

    def people_changed_zones(self) -> pd.DataFrame:
        """Zones whose number of people changed (by more than :data:`PEOPLE_TOLERANCE`)."""
        return self.zones[self.zones["people_added"].abs() > PEOPLE_TOLERANCE]

    def lines(self) -> list[str]:
        """A plain-text account of the changes."""
        z = self.zones
        ya, yb = (self.run_a.year if self.run_a else None), (self.run_b.year if self.run_b else None)
        years = f" (demand year {ya} → {yb})" if ya is not None and yb is not None and ya != yb else ""
        out = [f"Comparison: {self.a} (before) → {self.b} (after){years}"]
        pa, pb, da, db = (z[c].sum() for c in ("population_a", "population_b", "demand_a", "demand_b"))
        out.append(
            f"  People: {pa:,.0f} → {pb:,.0f} ({signed_number(pb - pa)}); age-weighted demand {da:,.0f} → {db:,.0f} "
            f"({signed_number(db - da)})"
        )
        added = z[z["people_added"] > PEOPLE_TOLERANCE]
        removed = z[z["people_added"] < -PEOPLE_TOLERANCE]
        unchanged = len(z) - len(added) - len(removed)
        plus, minus = signed_number(added["people_added"].sum()), signed_number(removed["people_added"].sum())
        out.append(
            f"  Zones with people added: {len(added)} ({plus}); with people removed: {len(removed)} ({minus}); "
            f"unchanged: {unchanged}"
        )
        if len(added) or len(removed):
            top = z.reindex(z["people_added"].abs().sort_values(ascending=False).index).head(5)
            top = top[top["people_added"].abs() > PEOPLE_TOLERANCE]
            out.append(
                "  Largest changes: "
                + "; ".join(f"{r.zone_name} {signed_number(r.people_added)}" for r in top.itertuples())
                + " (every zone in comparison_zones.csv)"
            )
        if self.hubs_added or self.hubs_removed:
            out.append(
                f"  Hubs added: {', '.join(map(self.label, self.hubs_added)) or 'none'}; removed: "
                f"{', '.join(map(self.label, self.hubs_removed)) or 'none'}"
            )
        else:
            out.append(f"  Hubs: the same {len(self.hubs_kept)} hubs in both runs.")
        out.extend(self._hub_load_lines())
        out.extend(self._bed_lines())
        if self.reoptimisation is not None:
            out.extend(self.reoptimisation.lines())
        elif not (self.hubs_added or self.hubs_removed):
            out.append(
                "  Re-optimising: the later run was optimised for its own demand and chose the same hubs, so moving "
                "a hub would gain nothing."
            )
        else:
            out.append(
                "  Re-optimising: what the later hubs gain over keeping the earlier ones needs the travel times; "
                "rerun the later scenario with --compare-with EARLIER_RUN to see it."
            )
        changed = self.changed_zones()
        worse = z.loc[z["minutes_change"] > MINUTES_TOLERANCE, "population_b"].sum()
        better = z.loc[z["minutes_change"] < -MINUTES_TOLERANCE, "population_b"].sum()
        out.append(
            f"  Travel time to hub: {len(changed)} of {len(z)} zones changed hub or time; {better:,.0f} people "
            f"better off, {worse:,.0f} worse off"
        )
        out.extend(f"  Note: {n}" for n in self.notes)
        return out

    def _hub_load_lines(self) -> list[str]:
        h = self.hubs
        tags = [
            {(False, True): " [added]", (True, False): " [removed]"}.get((bool(a), bool(b)), "")
            for a, b in zip(h["hub_in_a"], h["hub_in_b"], strict=True)
        ]
        width = min(
            max([len("Load on each hub")] + [len(x) + len(t) for x, t in zip(h["hub"], tags, strict=True)]), 64
        )
        out = [
            f"  {'Load on each hub':<{width}}  {'people before':>13} {'after':>9} {'change':>17}  "
            f"{'demand before':>13} {'after':>9} {'change':>17}"
        ]

        def change(delta: float, pct: float, after: float) -> str:
            if math.isnan(pct):
                return f"{signed_number(delta)} (new)"
            if after == 0 and delta < 0:
                return f"{signed_number(delta)} (closed)"
            return f"{signed_number(delta)} ({signed_number(pct, '.1f')}%)"

        for r, tag in zip(h.itertuples(), tags, strict=True):
            name = (r.hub + tag)[:width]
            people = change(r.population_change, r.population_change_pct, r.population_b)
            demand = change(r.demand_change, r.demand_change_pct, r.demand_b)
            out.append(
                f"  {name:<{width}}  {r.population_a:>13,.0f} {r.population_b:>9,.0f} {people:>17}  "
                f"{r.demand_a:>13,.0f} {r.demand_b:>9,.0f} {demand:>17}"
            )
        pa, pb, da, db = (h[c].sum() for c in ("population_a", "population_b", "demand_a", "demand_b"))
        people, demand = change(pb - pa, _pct(pb - pa, pa), pb), change(db - da, _pct(db - da, da), db)
        out.append(
            f"  {'All hubs':<{width}}  {pa:>13,.0f} {pb:>9,.0f} {people:>17}  {da:>13,.0f} {db:>9,.0f} {demand:>17}"
        )
        return out

    def _bed_lines(self) -> list[str]:
        planned_a, planned_b = self.beds_planned
        if not (planned_a or planned_b):
            return ["  Community beds: beds not planned in either run."]
        if planned_a != planned_b:
            which = "the earlier" if planned_a else "the later"
            return [f"  Community beds: beds planned only in {which} run; bed need not compared."]
        out = []
        if self.bed_need is not None and len(self.bed_need):
            parts = []
            for r in self.bed_need.itertuples():
                a, b = r.beds_needed_a, r.beds_needed_b
                if pd.isna(a) or pd.isna(b):
                    before, after = ("not planned" if pd.isna(v) else f"{v:.1f}" for v in (a, b))
                    parts.append(f"{r.year}: {before} → {after}")
                else:
                    parts.append(f"{r.year}: {a:.1f} → {b:.1f} ({signed_number(b - a, '.1f')})")
            out.append("  Community beds needed (before → after): " + "; ".join(parts))
        if self.beds is not None:
            changes = [c for c in self.beds.columns if c.endswith("_change")]
            moved = self.beds[self.beds[changes].ne(0).any(axis=1)] if changes else self.beds.iloc[:0]
            if len(moved):
                parts = []
                for _, r in moved.head(8).iterrows():
                    steps = ", ".join(
                        f"{c[5:-7]} {r[c[:-7] + '_a']}→{r[c[:-7] + '_b']}" for c in changes if r[c] != 0
                    )
                    parts.append(f"{site_label(r['name'], r['site_id'])} {steps}")
                out.append(f"  Beds by site changed at {len(moved)} site(s): " + "; ".join(parts))
            else:
                out.append("  Beds by site: no site's planned beds changed.")
        return out


def _pct(delta: float, base: float) -> float:
    return delta / base * 100.0 if base else math.nan


def compare_runs(
    a: str | Path | RunFolder, b: str | Path | RunFolder, *, reoptimisation: Reoptimisation | None = None
) -> Comparison:
    """Compare run A (before) with run B (after).

    Parameters
    ----------
    a, b : path or RunFolder
        Run folders (or runs already read).
    reoptimisation : Reoptimisation, optional
        Run B's hubs against keeping run A's hubs under run B's demand (see :func:`reoptimisation_for_run`); it
        needs the travel times, which a run folder does not hold.

    Returns
    -------
    Comparison
    """
    ra = a if isinstance(a, RunFolder) else read_run(a)
    rb = b if isinstance(b, RunFolder) else read_run(b)
    notes = []
    za, zb = ra.zones.set_index("zone_id"), rb.zones.set_index("zone_id")
    if set(za.index) != set(zb.index):
        only_a, only_b = sorted(set(za.index) - set(zb.index)), sorted(set(zb.index) - set(za.index))
        raise InputError(
            f"the runs cover different zones ({len(only_a)} only in A, {len(only_b)} only in B, e.g. "
            f"{', '.join((only_a + only_b)[:3])})",
            path=rb.folder,
            hint="compare runs of the same study",
        )
    zb = zb.reindex(za.index)
    if ra.year is not None and rb.year is not None and ra.year != rb.year:
        notes.append(f"the runs are for different years ({ra.year} and {rb.year}): people changed with the year too")
    names = {
        str(k): str(v)
        for k, v in pd.concat([rb.sites, ra.sites]).drop_duplicates("site_id").set_index("site_id")["name"].items()
    }
    hub_a, hub_b = za["hub_id"].fillna("").astype(str), zb["hub_id"].fillna("").astype(str)
    zones = pd.DataFrame(
        {
            "zone_name": za["zone_name"],
            "district": za["district"],
            "population_a": za["population"],
            "population_b": zb["population"],
            "people_added": (zb["population"] - za["population"]).round(1),
            "demand_a": za["demand"],
            "demand_b": zb["demand"],
            "demand_added": (zb["demand"] - za["demand"]).round(2),
            "hub_name_a": [names.get(h, "") for h in hub_a],
            "hub_id_a": hub_a,
            "hub_name_b": [names.get(h, "") for h in hub_b],
            "hub_id_b": hub_b,
            "minutes_a": za["minutes"],
            "minutes_b": zb["minutes"],
            "imd_decile": za.get("imd_decile"),
        }
    )
    zones["people_band"] = pd.cut(zones["people_added"], PEOPLE_BANDS, labels=PEOPLE_LABELS).astype(str)
    zones["minutes_change"] = (zones["minutes_b"] - zones["minutes_a"]).round(2)
    zones["change_band"] = pd.cut(zones["minutes_change"], CHANGE_BANDS, labels=CHANGE_LABELS).astype(str)
    zones = zones.reset_index()

    by_people = (
        zones.groupby("people_band")["people_added"]
        .agg(["sum", "count"])
        .reindex(PEOPLE_LABELS, fill_value=0)
        .round(1)
        .reset_index()
    )
    by_people.columns = ["people_added_band", "people_added", "zones"]
    by_change = (
        zones.groupby("change_band")["population_b"]
        .agg(["sum", "count"])
        .reindex(CHANGE_LABELS, fill_value=0)
        .round(1)
        .reset_index()
    )
    by_change.columns = ["change", "population", "zones"]
    by_decile = _by_decile(zones)

    hubs_a, hubs_b = set(ra.hub_ids()), set(rb.hub_ids())
    hubs = _hub_loads(zones, hubs_a, hubs_b, names)

    beds = None
    if ra.beds is not None and rb.beds is not None:
        beds = _beds_by_site(ra.beds, rb.beds, names)
    bed_need = None
    if ra.bed_need is not None and rb.bed_need is not None:
        bed_need = _bed_need(ra.bed_need, rb.bed_need)
    return Comparison(
        a=ra.folder,
        b=rb.folder,
        hubs_added=sorted(hubs_b - hubs_a),
        hubs_removed=sorted(hubs_a - hubs_b),
        hubs=hubs,
        zones=zones,
        by_change=by_change,
        by_decile=by_decile,
        beds=beds,
        notes=notes,
        names=names,
        by_people=by_people,
        bed_need=bed_need,
        beds_planned=(ra.bed_need is not None or ra.beds is not None, rb.bed_need is not None or rb.beds is not None),
        reoptimisation=reoptimisation,
        run_a=ra,
        run_b=rb,
    )


def _by_decile(zones: pd.DataFrame) -> pd.DataFrame:
    if not zones["imd_decile"].notna().any():
        return pd.DataFrame()
    g = zones.groupby("imd_decile")
    return (
        pd.DataFrame(
            {
                "population": g["population_b"].sum(),
                "people_added": g["people_added"].sum(),
                "mean_minutes_a": g.apply(
                    lambda d: np.average(d["minutes_a"], weights=d["population_a"]), include_groups=False
                ),
                "mean_minutes_b": g.apply(
                    lambda d: np.average(d["minutes_b"], weights=d["population_b"]), include_groups=False
                ),
                "population_worse_off": g.apply(
                    lambda d: d.loc[d["minutes_change"] > MINUTES_TOLERANCE, "population_b"].sum(),
                    include_groups=False,
                ),
                "population_better_off": g.apply(
                    lambda d: d.loc[d["minutes_change"] < -MINUTES_TOLERANCE, "population_b"].sum(),
                    include_groups=False,
                ),
            }
        )
        .round(2)
        .reset_index()
    )


def _hub_loads(zones: pd.DataFrame, hubs_a: set[str], hubs_b: set[str], names: dict[str, str]) -> pd.DataFrame:
    """People and demand served by each hub of either run, before and after (from the zones' hubs)."""
    load_a = zones.groupby("hub_id_a")[["population_a", "demand_a"]].sum()
    load_b = zones.groupby("hub_id_b")[["population_b", "demand_b"]].sum()
    serving = (set(load_a.index) | set(load_b.index)) - {""}  # every hub a zone names, chosen or not
    ids = sorted(hubs_a | hubs_b | serving, key=lambda s: (-float(load_b["population_b"].get(s, 0.0)), s))
    if (load_a.index == "").any() or (load_b.index == "").any():
        ids.append("")  # people with no reachable hub: the loads still add up to everyone
    hubs = pd.DataFrame(
        {
            "hub": [site_label(names.get(h, h), h) if h else NO_HUB for h in ids],
            "name": [names.get(h, h) if h else NO_HUB for h in ids],
            "site_id": ids,
            "hub_in_a": [h in hubs_a for h in ids],
            "hub_in_b": [h in hubs_b for h in ids],
            "population_a": [float(load_a["population_a"].get(h, 0.0)) for h in ids],
            "population_b": [float(load_b["population_b"].get(h, 0.0)) for h in ids],
            "demand_a": [float(load_a["demand_a"].get(h, 0.0)) for h in ids],
            "demand_b": [float(load_b["demand_b"].get(h, 0.0)) for h in ids],
        }
    )
    for what in ("population", "demand"):
        delta = hubs[f"{what}_b"] - hubs[f"{what}_a"]
        hubs[f"{what}_change"] = delta.round(2)
        hubs[f"{what}_change_pct"] = (delta / hubs[f"{what}_a"].where(hubs[f"{what}_a"] > 0) * 100.0).round(2)
    return hubs


def _beds_by_site(beds_a: pd.DataFrame, beds_b: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Planned beds per site and year, before and after."""
    ba, bb = beds_a.set_index("site_id"), beds_b.set_index("site_id")
    year_cols = sorted(
        {c for c in ba.columns if c.startswith("beds_2")} | {c for c in bb.columns if c.startswith("beds_2")}
    )
    ids = sorted(set(ba.index) | set(bb.index))
    site_names = [str(names.get(s, ba["name"].get(s, bb["name"].get(s, s)))) for s in ids]
    beds = pd.DataFrame(
        {"site": [site_label(n, s) for n, s in zip(site_names, ids, strict=True)], "name": site_names, "site_id": ids}
    )
    for col in year_cols:
        va = ba[col].reindex(ids).fillna(0).astype(int).to_numpy() if col in ba else np.zeros(len(ids), int)
        vb = bb[col].reindex(ids).fillna(0).astype(int).to_numpy() if col in bb else np.zeros(len(ids), int)
        beds[f"{col}_a"], beds[f"{col}_b"], beds[f"{col}_change"] = va, vb, vb - va
    return beds


def _bed_need(need_a: pd.DataFrame, need_b: pd.DataFrame) -> pd.DataFrame:
    """Community beds needed per year, before and after."""
    cols = ["beds_needed", "beds_needed_rounded_up"]
    na = need_a.set_index("year")[[c for c in cols if c in need_a]]
    nb = need_b.set_index("year")[[c for c in cols if c in need_b]]
    years = sorted(set(na.index) | set(nb.index))
    out = pd.DataFrame({"year": years})
    for c in cols:
        a = na[c].reindex(years).to_numpy(dtype=float) if c in na else np.full(len(years), np.nan)
        b = nb[c].reindex(years).to_numpy(dtype=float) if c in nb else np.full(len(years), np.nan)
        out[f"{c}_a"], out[f"{c}_b"] = a, b
        out[f"{c}_change"] = np.round(b - a, 2)
    return out
