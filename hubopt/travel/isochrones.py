"""Travel-time bands around sites (isochrones): the area from which a site is reached within 10, 20, 30 minutes.

Times run *to* the site (the reversed network, as in :mod:`hubopt.travel.matrix`): a band holds the places from
which a patient can get to the hub within the band, including the site's own leg from its nearest node.

How a band's polygon is drawn
-----------------------------
From the network times, hubopt takes every road segment, or the part of a segment, from which the site is reached
within the band (a segment that is only partly within the band is cut where the time runs out, along its
straight line between its two nodes), and every node within the band, and draws the area within ``buffer_m`` of
them (default 200 m on a drive network, 100 m on a walk network: the short walk or drive from a door to the road).

This was chosen over a concave hull of the reached nodes: a hull has a shape parameter with no physical meaning
and fills in land that no road crosses (farmland, water, a bypass's far side), so it overstates access in
exactly the rural places where access is the question; the buffered roads follow the network, leave the gaps
visible and, by construction, contain every node within the band. Bands are nested areas (the 30-minute band
contains the 20-minute band), one row per site and band.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from hubopt.errors import InputError
from hubopt.io._coords import CRS_BNG
from hubopt.travel.matrix import (
    DEFAULT_DRIVE_ACCESS_SPEED_KPH,
    DEFAULT_WALK_ACCESS_SPEED_KPH,
    CompiledNetwork,
    _as_xy,
    _ids,
    compile_network,
)

__all__ = ["DEFAULT_BANDS_MINUTES", "isochrones"]

#: Default bands, minutes.
DEFAULT_BANDS_MINUTES = (10.0, 20.0, 30.0)
_DEFAULT_BUFFER_M = {"drive": 200.0, "walk": 100.0}


def isochrones(
    network: nx.MultiDiGraph | CompiledNetwork,
    sites_xy: np.ndarray,
    site_ids: Sequence[Any] | None = None,
    *,
    bands_minutes: Sequence[float] = DEFAULT_BANDS_MINUTES,
    mode: str | None = None,
    access_speed_kph: float | None = None,
    buffer_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Polygons of the places from which each site is reached within each time band.

    Parameters
    ----------
    network : networkx.MultiDiGraph or CompiledNetwork
        A network from :func:`~hubopt.travel.network.load_network` (or compiled).
    sites_xy : numpy.ndarray
        ``(n, 2)`` British National Grid coordinates of the sites.
    site_ids : sequence, optional
        Their ids (default positions).
    bands_minutes : sequence of float
        The bands, minutes (e.g. 10, 20, 30).
    mode : str, optional
        ``"drive"`` or ``"walk"``; default the network's own.
    access_speed_kph : float, optional
        Speed of the site's straight-line leg to its nearest node (defaults as in the matrix).
    buffer_m : float, optional
        Width of the area drawn around reached roads (default 200 m drive, 100 m walk).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``site_id``, ``band_minutes``, ``nodes_reached``, ``geometry`` (EPSG:27700); an empty polygon when
        nothing is reached within a band.
    """
    net = network if isinstance(network, CompiledNetwork) else compile_network(network)
    mode = mode or net.mode or "drive"
    bands = sorted({float(b) for b in bands_minutes})
    if not bands or bands[0] <= 0:
        raise InputError(f"isochrone bands must be minutes above 0, not {list(bands_minutes)!r}")
    if access_speed_kph is None:
        access_speed_kph = DEFAULT_WALK_ACCESS_SPEED_KPH if mode == "walk" else DEFAULT_DRIVE_ACCESS_SPEED_KPH
    if buffer_m is None:
        buffer_m = _DEFAULT_BUFFER_M.get(mode, 200.0)
    if not (access_speed_kph > 0 and buffer_m > 0):
        raise InputError("the access speed and the isochrone buffer must be above 0")
    pts = _as_xy(sites_xy, "sites")
    ids = _ids(site_ids, len(pts), "site_ids")
    node_idx, snap_m = net.snap(pts)
    coo = net.forward.tocoo()
    eu, ev, ew = coo.row, coo.col, coo.data
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for sid, node, snap in zip(ids, node_idx, snap_m, strict=True):
        access_s = snap / (access_speed_kph / 3.6)
        t = dijkstra(net.reverse, directed=True, indices=int(node), limit=bands[-1] * 60.0) + access_s
        for band in bands:
            limit = band * 60.0
            reached = t <= limit
            tv = t[ev]
            spare = limit - tv  # time left at the edge's head, seconds
            touched = np.isfinite(tv) & (spare >= 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                frac = np.where(ew > 0, np.clip(spare / np.where(ew > 0, ew, 1.0), 0.0, 1.0), 1.0)
            sel = np.flatnonzero(touched)
            full = sel[frac[sel] >= 1.0]
            part = sel[frac[sel] < 1.0]
            # whole segments: each road once (both directions reached), merged into long lines, which buffer fast
            lo = np.minimum(eu[full], ev[full]).astype(np.int64)
            hi = np.maximum(eu[full], ev[full]).astype(np.int64)
            pairs = np.unique(lo * net.n_nodes + hi)
            lo, hi = pairs // net.n_nodes, pairs % net.n_nodes
            whole = shapely.linestrings(np.stack([net.xy[lo], net.xy[hi]], axis=1))
            pieces = [shapely.get_parts(shapely.line_merge(shapely.multilinestrings(whole)))] if len(whole) else []
            # cut segments: from the point where the time runs out to the head (a point when no time is left)
            head = net.xy[ev[part]]
            start = head + (net.xy[eu[part]] - head) * frac[part, None]
            pieces.append(shapely.linestrings(np.stack([start, head], axis=1)))
            lonely = np.setdiff1d(np.flatnonzero(reached), ev[sel])  # reached nodes with no incoming edge
            if len(lonely):
                pieces.append(shapely.points(net.xy[lonely]))
            shapes = np.concatenate(pieces)
            if len(shapes):
                geom = shapely.union_all(shapely.buffer(shapes, buffer_m, quad_segs=2))
            else:
                geom = shapely.Polygon()
            rows.append({"site_id": sid, "band_minutes": band, "nodes_reached": int(reached.sum())})
            geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS_BNG, columns=["site_id", "band_minutes", "nodes_reached"])
