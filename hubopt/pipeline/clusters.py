"""A run's clusters: each zone's Primary Care Network, each PCN's people by hub, and the PCN outlines of the map.

The rule that places a PCN's residents is :data:`hubopt.analysis.clusters.CLUSTER_RULE` (the PCN of the nearest
practice); the practices and their PCNs are the study's (``pcn_code``, ``pcn_name`` of its site register).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from hubopt.analysis.clusters import CLUSTER_RULE, cluster_table, zone_clusters
from hubopt.study import Study

__all__ = ["cluster_outlines", "run_clusters"]


def _study_practices(study: Study) -> pd.DataFrame:
    """The study's GP practices: ``site_id``, ``pcn_code``, ``pcn_name`` (blank when none), easting, northing."""
    sites = study.sites
    practices = sites[sites["type"] == "gp_practice"]
    blank = pd.Series("", index=practices.index)
    return pd.DataFrame(
        {
            "site_id": practices["site_id"].astype(str),
            "pcn_code": practices["pcn_code"].fillna("").astype(str).str.strip() if "pcn_code" in sites else blank,
            "pcn_name": practices["pcn_name"].fillna("").astype(str).str.strip() if "pcn_name" in sites else blank,
            "easting": practices.geometry.x,
            "northing": practices.geometry.y,
        }
    ).reset_index(drop=True)


def run_clusters(study: Study, zones: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """Each PCN's people by the hub that serves them; adds ``pcn_code`` and ``pcn_name`` to ``zones``.

    Parameters
    ----------
    study : Study
        The run's study (its practices and their PCNs, its zones' population-weighted centroids).
    zones : geopandas.GeoDataFrame
        The run's zone table (``population``, ``hub_id``, ``hub_name``), in the study's zone order. Gets the
        columns ``pcn_code`` and ``pcn_name`` (blank when no practice has a PCN).

    Returns
    -------
    pandas.DataFrame or None
        :func:`hubopt.analysis.clusters.cluster_table`, with ``attrs``: ``rule`` (how residents are placed),
        ``practices`` (the study's GP practices) and ``practices_without_pcn`` (their site IDs); None when no
        practice of the study has a PCN (a study built before PCNs were added, or a register without them).
    """
    practices = _study_practices(study)
    placed = zone_clusters(
        study.zone_points(),
        practices[["easting", "northing"]].to_numpy(dtype=float),
        practices["pcn_code"].tolist(),
        practices["pcn_name"].tolist(),
    )
    if placed is None:
        zones["pcn_code"] = ""
        zones["pcn_name"] = ""
        return None
    zones["pcn_code"] = placed["pcn_code"].to_numpy()
    zones["pcn_name"] = placed["pcn_name"].to_numpy()
    with_pcn = practices[practices["pcn_code"] != ""]
    table = cluster_table(
        zones["pcn_code"].tolist(),
        zones["population"].to_numpy(dtype=float),
        zones["hub_id"].tolist(),
        zones["hub_name"].tolist(),
        with_pcn,
    )
    table.attrs = {
        "rule": CLUSTER_RULE,
        "practices": len(practices),
        "practices_without_pcn": sorted(practices.loc[practices["pcn_code"] == "", "site_id"]),
    }
    return table


def cluster_outlines(zones: gpd.GeoDataFrame, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """One polygon per PCN (its zones dissolved) with ``pcn_code``, ``pcn_name``, ``practices``, ``people`` and
    ``hubs`` (the hubs serving its people with their shares, as text), for the map's clusters layer."""
    placed = zones[zones["pcn_code"] != ""]
    parts = placed[["pcn_code", "geometry"]].dissolve(by="pcn_code")
    first = table.drop_duplicates("pcn_code").set_index("pcn_code")
    codes = [c for c in first.index if c in parts.index]

    def hubs_text(code: str) -> str:
        rows = table[(table["pcn_code"] == code) & (table["hub_id"] != "")]
        return "; ".join(
            f"{r.hub_name} ({r.hub_share:.0%})" if np.isfinite(r.hub_share) else str(r.hub_name)
            for r in rows.itertuples()
        )

    return gpd.GeoDataFrame(
        {
            "pcn_code": codes,
            "pcn_name": [first.loc[c, "pcn_name"] for c in codes],
            "practices": [int(first.loc[c, "practices"]) for c in codes],
            "people": [float(first.loc[c, "people"]) for c in codes],
            "hubs": [hubs_text(c) for c in codes],
        },
        geometry=[parts.geometry.loc[c] for c in codes],
        crs=zones.crs,
    )
