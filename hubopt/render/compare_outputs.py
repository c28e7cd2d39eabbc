"""Write a comparison of two runs: its tables (CSV), its text and its map."""

from __future__ import annotations

from pathlib import Path

from hubopt.analysis.compare import Comparison, read_run
from hubopt.files.cell_text import to_csv
from hubopt.files.output_folder import write_folder_manifest
from hubopt.render.compare_map import comparison_zones_geometry, write_comparison_map

__all__ = ["write_comparison", "write_comparison_folder"]

#: Title of the comparison map.
MAP_TITLE = "What changed between the two runs"


def write_comparison(comparison: Comparison, folder: str | Path) -> list[str]:
    """Write the comparison tables, text and map into ``folder``; return the file names written.

    Files: ``comparison.txt`` (the printed account), ``comparison_zones.csv`` (people and demand added, hub and
    travel time before and after, per zone), ``comparison_hubs.csv`` (each hub's load before and after),
    ``comparison_people_added.csv`` (zones and people per band of people added), ``comparison_by_change.csv`` and
    ``comparison_by_deprivation.csv`` (who is better or worse off), ``comparison_bed_need.csv`` and
    ``comparison_beds.csv`` (when both runs planned beds), ``comparison_reoptimisation.csv`` (when the earlier hubs
    were evaluated on the new demand) and ``comparison_map.html`` (when the zone polygons are still at hand).

    Write into a staging folder (see :mod:`hubopt.files.output_folder`), never straight into a folder of the user's.
    """
    f = Path(folder)
    f.mkdir(parents=True, exist_ok=True)
    written = []
    reopt = comparison.reoptimisation.table() if comparison.reoptimisation is not None else None
    for name, table in (
        ("comparison_zones.csv", comparison.zones),
        ("comparison_hubs.csv", comparison.hubs),
        ("comparison_people_added.csv", comparison.by_people),
        ("comparison_by_change.csv", comparison.by_change),
        ("comparison_by_deprivation.csv", comparison.by_decile),
        ("comparison_bed_need.csv", comparison.bed_need),
        ("comparison_beds.csv", comparison.beds),
        ("comparison_reoptimisation.csv", reopt),
    ):
        if table is not None and len(table):
            to_csv(table, f / name)
            written.append(name)
    (f / "comparison.txt").write_text("\n".join(comparison.lines()) + "\n", encoding="utf-8")
    written.append("comparison.txt")
    ra = comparison.run_a if comparison.run_a is not None else read_run(comparison.a)
    rb = comparison.run_b if comparison.run_b is not None else read_run(comparison.b)
    polygons = comparison_zones_geometry(rb.manifest)
    if polygons is not None and {"easting", "northing"} <= set(ra.sites.columns) & set(rb.sites.columns):
        write_comparison_map(comparison, polygons, ra.sites, rb.sites, f / "comparison_map.html", title=MAP_TITLE)
        written.append("comparison_map.html")
    return written


def write_comparison_folder(comparison: Comparison, folder: str | Path) -> list[str]:
    """Write a comparison folder: the files of :func:`write_comparison` and a ``manifest.json`` that lists them.

    The manifest marks the folder as hubopt's, so that a later comparison may replace it.
    """
    write_comparison(comparison, folder)
    return write_folder_manifest(Path(folder), "comparison", runs={"a": str(comparison.a), "b": str(comparison.b)})
