"""Clusters of practices (Primary Care Networks) and the hubs that serve their people.

A local care plan groups GP practices into clusters (today's Primary Care Networks, PCNs) and puts hubs "bigger than
cluster level". To say which clusters a hub serves, each cluster needs residents, but a PCN has no boundary: its
practices' registered lists overlap. hubopt uses one simple, explainable rule (:data:`CLUSTER_RULE`): **each zone's
residents belong to the PCN of the GP practice nearest to the zone's population-weighted centroid** (straight-line
distance), among the practices that have a PCN. A PCN's people are then the residents of its zones, and the hubs
serving those zones serve the PCN, in the shares of its people they serve.

Computing only, on plain arrays and frames: :func:`zone_clusters` gives each zone its PCN, :func:`cluster_table`
gives each PCN's people by hub (``clusters.csv``), :func:`cluster_counts` the figures of the summary line.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubopt.errors import InputError

__all__ = ["CLUSTER_COLUMNS", "CLUSTER_RULE", "ClusterCounts", "cluster_counts", "cluster_table", "zone_clusters"]

#: How a cluster's residents are located, as the report and the manifest say it.
CLUSTER_RULE = (
    "each zone's residents are counted in the Primary Care Network (PCN) of the GP practice nearest to the zone's "
    "population-weighted centroid (straight line), among the study's practices that have a PCN"
)
#: Columns of :func:`cluster_table` (``clusters.csv``): one row per PCN and hub serving some of its people.
CLUSTER_COLUMNS = (
    "pcn_code",
    "pcn_name",
    "practices",
    "people",
    "hubs",
    "hub_id",
    "hub_name",
    "hub_people",
    "hub_share",
)


def zone_clusters(
    zone_xy: np.ndarray,
    practice_xy: np.ndarray,
    practice_pcn: Sequence[str],
    practice_pcn_name: Sequence[str],
) -> pd.DataFrame | None:
    """Each zone's PCN: that of the nearest practice (straight line) that has one.

    Parameters
    ----------
    zone_xy : numpy.ndarray
        Zone points (population-weighted centroids), shape (n, 2), metres (British National Grid).
    practice_xy : numpy.ndarray
        GP practice points, shape (m, 2), same CRS.
    practice_pcn, practice_pcn_name : sequence of str
        Each practice's PCN code and name; blank or missing for a practice without a PCN (left out of the rule).

    Returns
    -------
    pandas.DataFrame or None
        One row per zone: ``pcn_code``, ``pcn_name`` and ``practice`` (position of the nearest practice with a
        PCN in the inputs); None when no practice has a PCN. Of two practices at the same distance, the first
        counts.
    """
    zones = np.asarray(zone_xy, dtype=float).reshape(-1, 2)
    points = np.asarray(practice_xy, dtype=float).reshape(-1, 2)
    codes = pd.Series(list(practice_pcn), dtype=object).fillna("").astype(str).str.strip()
    names = pd.Series(list(practice_pcn_name), dtype=object).fillna("").astype(str).str.strip()
    if not len(codes) == len(names) == len(points):
        raise InputError(
            f"{len(points)} practice points but {len(codes)} PCN codes and {len(names)} PCN names",
            parameter="practice_pcn",
            hint="give one PCN code and name per practice (blank where it has none)",
        )
    with_pcn = np.flatnonzero((codes != "").to_numpy())
    if not len(with_pcn):
        return None
    nearest = np.empty(len(zones), dtype=int)
    block = max(1, 2_000_000 // max(len(with_pcn), 1))  # bounded memory: zones in blocks
    for start in range(0, len(zones), block):
        part = zones[start : start + block]
        d2 = ((part[:, None, :] - points[with_pcn][None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + block] = with_pcn[np.argmin(d2, axis=1)]
    return pd.DataFrame(
        {
            "pcn_code": codes.to_numpy()[nearest],
            "pcn_name": names.to_numpy()[nearest],
            "practice": nearest,
        }
    )


def cluster_table(
    zone_pcn: Sequence[str],
    population: Sequence[float],
    hub_id: Sequence[str],
    hub_name: Sequence[str],
    practices: pd.DataFrame,
) -> pd.DataFrame:
    """Each PCN's people by the hub that serves them (``clusters.csv``).

    Parameters
    ----------
    zone_pcn : sequence of str
        Each zone's PCN code (from :func:`zone_clusters`).
    population : sequence of float
        People in each zone.
    hub_id, hub_name : sequence of str
        The hub serving each zone (blank when no hub is reachable).
    practices : pandas.DataFrame
        The practices with a PCN: ``pcn_code`` and ``pcn_name``, one row per practice. Every PCN among them gets
        a row, even one whose practices are nearest to no zone (its people are then 0).

    Returns
    -------
    pandas.DataFrame
        :data:`CLUSTER_COLUMNS`: ``practices`` (the PCN's practices in the study), ``people`` (the PCN's residents),
        ``hubs`` (how many hubs serve them), then one row per hub with the people it serves of the PCN
        (``hub_people``) and their share of the PCN's people (``hub_share``, 0-1; blank when the PCN has no
        people). Sorted by PCN name, then by people served, most first.
    """
    zones = pd.DataFrame(
        {
            "pcn_code": list(zone_pcn),
            "people": np.asarray(population, dtype=float),
            "hub_id": pd.Series(list(hub_id), dtype=object).fillna("").astype(str).to_numpy(),
            "hub_name": pd.Series(list(hub_name), dtype=object).fillna("").astype(str).to_numpy(),
        }
    )
    names = practices.groupby("pcn_code", sort=True)["pcn_name"].first()
    counts = practices.groupby("pcn_code", sort=True).size()
    by_hub = zones.groupby(["pcn_code", "hub_id", "hub_name"], sort=False, as_index=False)["people"].sum()
    by_hub = by_hub.rename(columns={"people": "hub_people"})
    total = zones.groupby("pcn_code")["people"].sum()
    rows = []
    for code in names.index:
        people = float(total.get(code, 0.0))
        served = by_hub[by_hub["pcn_code"] == code].sort_values(["hub_people", "hub_id"], ascending=[False, True])
        base = {"pcn_code": code, "pcn_name": names[code], "practices": int(counts[code]), "people": people}
        if served.empty:
            rows.append({**base, "hubs": 0, "hub_id": "", "hub_name": "", "hub_people": 0.0, "hub_share": np.nan})
            continue
        n_hubs = int((served["hub_id"] != "").sum())
        for r in served.itertuples():
            share = float(r.hub_people) / people if people > 0 else np.nan
            hub = {"hub_id": r.hub_id, "hub_name": r.hub_name, "hub_people": float(r.hub_people), "hub_share": share}
            rows.append({**base, "hubs": n_hubs, **hub})
    out = pd.DataFrame(rows, columns=list(CLUSTER_COLUMNS))
    out = out.sort_values(["pcn_name", "pcn_code"], kind="stable").reset_index(drop=True)
    return out


@dataclass(frozen=True)
class ClusterCounts:
    """The figures of the summary's clusters line."""

    #: PCNs of the study's practices.
    pcns: int
    #: PCNs whose people are served by more than one hub.
    split: int
    #: Fewest and most PCNs any hub serves (some of whose people).
    per_hub: tuple[int, int]


def cluster_counts(table: pd.DataFrame, border_services: Collection[str] = ()) -> ClusterCounts:
    """PCNs, PCNs split between hubs, and the range of PCNs per hub, from :func:`cluster_table`.

    ``border_services`` (site IDs of other areas' services, status ``external``) serve some PCNs' people, so they
    count in the splits, but they are not hubs: the range of PCNs per hub leaves them out.
    """
    pcns = int(table["pcn_code"].nunique())
    split = int(table.loc[table["hubs"] > 1, "pcn_code"].nunique())
    hubs = table[(table["hub_id"] != "") & ~table["hub_id"].isin(list(border_services))]
    served = hubs.groupby("hub_id")["pcn_code"].nunique()
    per_hub = (int(served.min()), int(served.max())) if len(served) else (0, 0)
    return ClusterCounts(pcns=pcns, split=split, per_hub=per_hub)
