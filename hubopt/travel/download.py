"""Downloading a network from the OpenStreetMap Overpass API through osmnx, only when the user asks.

``hubopt fetch network SCENARIO`` downloads the study boundary plus a buffer and saves it as GraphML, which
:func:`~hubopt.travel.network.load_network` then reads. osmnx and requests are imported when a download starts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from hubopt.errors import InputError
from hubopt.files.atomic import atomic_path
from hubopt.io._coords import CRS_BNG
from hubopt.travel.osm_files import extra_way_tags
from hubopt.travel.osm_tags import check_mode

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = ["download_network"]


def _polygon_key(polygon_bng: BaseGeometry, mode: str, buffer_m: float) -> str:
    payload = json.dumps({"wkb": polygon_bng.wkb_hex, "mode": mode, "buffer_m": float(buffer_m)}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def download_network(
    polygon_bng: BaseGeometry,
    *,
    mode: str = "drive",
    buffer_m: float = 2000.0,
    cache_dir: str | Path,
    out_path: str | Path | None = None,
) -> nx.MultiDiGraph:
    """Download the OpenStreetMap network of the study area through osmnx and save it as GraphML.

    Only call this when the user asks for a download (``hubopt fetch network``): it queries the Overpass API.
    osmnx's own HTTP cache (``cache_dir/osmnx``) makes a repeated download of the same area free.

    Parameters
    ----------
    polygon_bng : shapely geometry
        The study boundary in British National Grid (EPSG:27700).
    mode : {"drive", "walk"}
        osmnx ``network_type``.
    buffer_m : float
        Buffer around the boundary, metres (trips near the edge may use roads just outside it).
    cache_dir : str or Path
        Folder for osmnx's HTTP cache and, by default, the GraphML file.
    out_path : str or Path, optional
        Where to save the GraphML (default ``cache_dir/network_{mode}_{hash}.graphml``).

    Returns
    -------
    networkx.MultiDiGraph
        The raw osmnx graph (WGS84, unsimplified, as saved); pass the saved file to
        :func:`~hubopt.travel.network.load_network` to get speeds and the connected network.

    Raises
    ------
    InputError
        The boundary is empty, or the download failed (no internet, Overpass unavailable, nothing found).
    """
    import osmnx as ox
    import requests
    import shapely
    from pyproj import Transformer

    check_mode(mode)
    if polygon_bng is None or polygon_bng.is_empty:
        raise InputError("the study boundary is empty, so there is no area to download a network for")
    if not buffer_m >= 0:
        raise InputError(f"the network buffer must be 0 m or more, not {buffer_m!r}")
    x0, y0, x1, y1 = polygon_bng.bounds
    if not (x0 >= -1e5 and x1 <= 8e5 and y0 >= -1e5 and y1 <= 1.4e6) or (x1 - x0) < 1.0:
        raise InputError(
            "the study boundary does not look like British National Grid metres "
            f"(bounds {x0:.2f}, {y0:.2f}, {x1:.2f}, {y1:.2f})",
            hint="reproject the boundary to EPSG:27700 first",
        )
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    area = polygon_bng.buffer(buffer_m) if buffer_m > 0 else polygon_bng
    to_wgs84 = Transformer.from_crs(CRS_BNG, "EPSG:4326", always_xy=True)
    area_wgs84 = shapely.transform(area, lambda c: np.column_stack(to_wgs84.transform(c[:, 0], c[:, 1])))
    saved = (ox.settings.use_cache, ox.settings.cache_folder)
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(cache / "osmnx")
    try:
        with extra_way_tags():
            graph = ox.graph_from_polygon(
                area_wgs84, network_type=mode, simplify=False, retain_all=True, truncate_by_edge=True
            )
    except (requests.exceptions.RequestException, OSError) as exc:
        raise InputError(
            f"could not download the {mode} network from OpenStreetMap ({type(exc).__name__}: {str(exc)[:200]})",
            hint="check the internet connection and try again later; or download an OpenStreetMap extract "
            "(.osm.pbf, e.g. the county extract from Geofabrik) and name it in the scenario as the network file",
        ) from None
    except ox._errors.InsufficientResponseError as exc:
        raise InputError(
            f"OpenStreetMap returned no {mode} network for the study area ({exc})",
            hint="check that the study boundary is the right place (British National Grid coordinates)",
        ) from None
    finally:
        ox.settings.use_cache, ox.settings.cache_folder = saved
    out = Path(out_path) if out_path is not None else cache / f"network_{mode}_{_polygon_key(area, mode, 0)}.graphml"
    with atomic_path(out) as tmp:  # unique per process: two downloads never write the same temporary file
        ox.save_graphml(graph, tmp)
    graph.graph["hubopt_graphml_path"] = str(out)
    return graph
