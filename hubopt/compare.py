"""Compare two runs: which hubs and bed numbers changed, demand per hub, and who is better or worse off.

Works on run folders (``zones.csv``, ``sites.csv``, ``beds.csv``, ``manifest.json``), so any two runs can be
compared after the fact: a rerun with a new housing trajectory against the previous run, or two site options.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt import __version__
from hubopt.cell_text import read_text_csv, to_csv
from hubopt.errors import InputError
from hubopt.output_folder import write_folder_manifest

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


@dataclass
class RunFolder:
    """The tables of a finished run, read back from its folder."""

    folder: Path
    manifest: dict
    zones: pd.DataFrame
    sites: pd.DataFrame
    beds: pd.DataFrame | None


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
    return RunFolder(folder=f, manifest=manifest, zones=tables["zones.csv"], sites=tables["sites.csv"], beds=beds)


@dataclass
class Comparison:
    """What changed from run A to run B."""

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

    def changed_zones(self) -> pd.DataFrame:
        """Zones whose hub or travel time changed."""
        z = self.zones
        return z[(z["hub_a"] != z["hub_b"]) | (z["minutes_change"].abs() > MINUTES_TOLERANCE)]

    def lines(self) -> list[str]:
        """A short plain-text account of the changes."""
        out = [f"Comparison: {self.a} → {self.b}"]
        if self.hubs_added or self.hubs_removed:
            out.append(
                f"  Hubs added: {', '.join(self.hubs_added) or 'none'}; removed: "
                f"{', '.join(self.hubs_removed) or 'none'}"
            )
        else:
            out.append("  Same hubs in both runs.")
        for r in self.hubs.itertuples():
            out.append(
                f"  {r.name[:40]:<40} demand {r.demand_a:>10,.0f} → {r.demand_b:>10,.0f} "
                f"({r.demand_change:+,.0f}); people {r.population_change:+,.0f}"
            )
        changed = self.changed_zones()
        out.append(f"  Zones whose hub or travel time changed: {len(changed)} of {len(self.zones)}")
        if self.beds is not None:
            moved = self.beds[self.beds.filter(like="_change").ne(0).any(axis=1)]
            out.append(
                f"  Sites whose bed numbers changed: {len(moved)}"
                + (": " + ", ".join(moved["name"].astype(str).head(8)) if len(moved) else "")
            )
        out.extend(f"  Note: {n}" for n in self.notes)
        return out


def compare_runs(a: str | Path | RunFolder, b: str | Path | RunFolder) -> Comparison:
    """Compare run A (before) with run B (after).

    Parameters
    ----------
    a, b : path or RunFolder
        Run folders (or runs already read).

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
    zones = pd.DataFrame(
        {
            "zone_name": za["zone_name"],
            "district": za["district"],
            "population_a": za["population"],
            "population_b": zb["population"],
            "hub_a": za["hub_id"].fillna(""),
            "hub_b": zb["hub_id"].fillna(""),
            "minutes_a": za["minutes"],
            "minutes_b": zb["minutes"],
            "imd_decile": za.get("imd_decile"),
        }
    )
    zones["minutes_change"] = (zones["minutes_b"] - zones["minutes_a"]).round(2)
    zones["change_band"] = pd.cut(zones["minutes_change"], CHANGE_BANDS, labels=CHANGE_LABELS).astype(str)
    zones = zones.reset_index()

    by_change = (
        zones.groupby("change_band")["population_b"]
        .agg(["sum", "count"])
        .reindex(CHANGE_LABELS, fill_value=0)
        .reset_index()
    )
    by_change.columns = ["change", "population", "zones"]
    by_decile = pd.DataFrame()
    if zones["imd_decile"].notna().any():
        g = zones.groupby("imd_decile")
        by_decile = (
            pd.DataFrame(
                {
                    "population": g["population_b"].sum(),
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

    hubs_a = set(ra.sites.loc[ra.sites["chosen"], "site_id"])
    hubs_b = set(rb.sites.loc[rb.sites["chosen"], "site_id"])
    names = pd.concat([ra.sites, rb.sites]).drop_duplicates("site_id").set_index("site_id")["name"]
    demand_a = ra.zones.groupby("hub_id")[["demand", "population"]].sum()
    demand_b = rb.zones.groupby("hub_id")[["demand", "population"]].sum()
    hub_ids = sorted(hubs_a | hubs_b)
    hubs = pd.DataFrame(
        {
            "site_id": hub_ids,
            "name": [str(names.get(h, h)) for h in hub_ids],
            "hub_in_a": [h in hubs_a for h in hub_ids],
            "hub_in_b": [h in hubs_b for h in hub_ids],
            "demand_a": [float(demand_a["demand"].get(h, 0.0)) for h in hub_ids],
            "demand_b": [float(demand_b["demand"].get(h, 0.0)) for h in hub_ids],
            "population_a": [float(demand_a["population"].get(h, 0.0)) for h in hub_ids],
            "population_b": [float(demand_b["population"].get(h, 0.0)) for h in hub_ids],
        }
    )
    hubs["demand_change"] = (hubs["demand_b"] - hubs["demand_a"]).round(2)
    hubs["population_change"] = (hubs["population_b"] - hubs["population_a"]).round(2)

    beds = None
    if ra.beds is not None and rb.beds is not None:
        ba, bb = ra.beds.set_index("site_id"), rb.beds.set_index("site_id")
        year_cols = sorted(
            {c for c in ba.columns if c.startswith("beds_2")} | {c for c in bb.columns if c.startswith("beds_2")}
        )
        ids = sorted(set(ba.index) | set(bb.index))
        beds = pd.DataFrame(
            {"site_id": ids, "name": [str(names.get(s, ba["name"].get(s, bb["name"].get(s, s)))) for s in ids]}
        )
        for col in year_cols:
            va = ba[col].reindex(ids).fillna(0).astype(int).to_numpy() if col in ba else np.zeros(len(ids), int)
            vb = bb[col].reindex(ids).fillna(0).astype(int).to_numpy() if col in bb else np.zeros(len(ids), int)
            beds[f"{col}_a"], beds[f"{col}_b"], beds[f"{col}_change"] = va, vb, vb - va
    elif (ra.beds is None) != (rb.beds is None):
        notes.append("only one of the runs planned community beds; bed numbers were not compared")
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
    )


def write_comparison(comparison: Comparison, folder: str | Path) -> list[str]:
    """Write the comparison tables and text into ``folder``; return the file names written.

    Write into a staging folder (see :mod:`hubopt.output_folder`), never straight into a folder of the user's.
    """
    f = Path(folder)
    f.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in (
        ("comparison_hubs.csv", comparison.hubs),
        ("comparison_zones.csv", comparison.zones),
        ("comparison_by_change.csv", comparison.by_change),
        ("comparison_by_deprivation.csv", comparison.by_decile),
        ("comparison_beds.csv", comparison.beds),
    ):
        if table is not None and len(table):
            to_csv(table, f / name)
            written.append(name)
    (f / "comparison.txt").write_text("\n".join(comparison.lines()) + "\n", encoding="utf-8")
    written.append("comparison.txt")
    from hubopt.render.compare_map import comparison_zones_geometry, write_comparison_map

    rb, ra = read_run(comparison.b), read_run(comparison.a)
    polygons = comparison_zones_geometry(rb.manifest)
    if polygons is not None and {"easting", "northing"} <= set(ra.sites.columns) & set(rb.sites.columns):
        write_comparison_map(
            comparison, polygons, ra.sites, rb.sites, f / "comparison_map.html", title="Who is better or worse off"
        )
        written.append("comparison_map.html")
    return written


def write_comparison_folder(comparison: Comparison, folder: str | Path) -> list[str]:
    """Write a comparison folder: the files of :func:`write_comparison` and a ``manifest.json`` that lists them.

    The manifest marks the folder as hubopt's, so that a later comparison may replace it.
    """
    write_comparison(comparison, folder)
    return write_folder_manifest(Path(folder), "comparison", runs={"a": str(comparison.a), "b": str(comparison.b)})
