"""Reading GeoJSON files, refusing what is not GeoJSON and coordinates in an unnamed projected system.

geopandas is imported when a file is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hubopt.errors import InputError
from hubopt.io._coords import CRS_LONLAT
from hubopt.io._files import looks_binary, require_file

if TYPE_CHECKING:
    import geopandas as gpd


def read_geojson(path: str | Path, *, what: str, where: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON file, failing with an :class:`InputError` naming the file when it is not readable GeoJSON.

    GeoJSON is WGS84 longitude/latitude unless the file names another CRS (a legacy ``"crs"`` member). When the
    coordinates are plainly not degrees and the file names no projected CRS, the file is refused rather than
    guessed at.

    Parameters
    ----------
    path : str or Path
        The GeoJSON file.
    what : str
        What the file should hold, for messages.
    where : str, optional
        An attribute filter (OGR SQL ``WHERE`` clause, e.g. ``"LSOA11CD" IN ('E01024320')``): only the features
        that pass it are read, so that a few areas of a national file are read without building every polygon.

    Returns
    -------
    geopandas.GeoDataFrame
        Properties as columns, ``geometry`` in the file's CRS (never None).
    """
    p = require_file(path, what)
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", path=p) from None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        raise InputError(f"the {what} is empty", path=p, hint="check that the download or export finished")
    if not start.startswith(b"{"):
        kind = "a spreadsheet, zip or other binary file" if looks_binary(head) else "text that is not JSON (a CSV?)"
        raise InputError(
            f"the {what} is not a GeoJSON file: it holds {kind}",
            path=p,
            hint="give a GeoJSON file (.geojson or .json), e.g. exported from QGIS as GeoJSON",
        )
    import geopandas

    try:
        gdf = geopandas.read_file(p, engine="pyogrio", where=where)
    except Exception as exc:
        detail = str(exc).split(";")[0].strip()
        raise InputError(
            f"the {what} could not be read as GeoJSON ({detail})",
            path=p,
            hint="check that the file is complete, valid GeoJSON (open it in QGIS or geojson.io to see)",
        ) from None
    geoms = gdf.geometry
    present = geoms.notna() & ~geoms.is_empty
    degrees = True
    if present.any():
        x0, y0, x1, y1 = geoms[present].total_bounds
        degrees = bool(x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90)
    if gdf.crs is None or gdf.crs.is_geographic:
        if not degrees:
            raise InputError(
                f"the coordinates (up to {x1:.0f}, {y1:.0f}) are not longitude/latitude degrees, but the {what} "
                "does not say which coordinate system they are in (GeoJSON means WGS84 longitude/latitude "
                "unless it names another)",
                path=p,
                hint="re-export the file as GeoJSON in WGS84 (EPSG:4326); if the coordinates are British National "
                'Grid, the file must name it: "crs": {"type": "name", "properties": {"name": '
                '"urn:ogc:def:crs:EPSG::27700"}}',
            )
        if gdf.crs is None:
            gdf = gdf.set_crs(CRS_LONLAT)
    return gdf
