"""The look of the workbench's map, taken from the interactive map's own style (``hubopt.render.map_style``): the
same colours for travel time, catchments, deprivation and growth, and the same site symbols, so that a forum sees
in the app what it will see in the consultation pack.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubopt.render.map_style import (
    _TYPE_LABELS,
    CATCHMENT_COLOURS,
    GROWTH_COLOURS,
    GROWTH_EDGES,
    GROWTH_LABELS,
    GROWTH_NO_CHANGE,
    IMD_COLOURS,
    MUST_OPEN_COLOUR,
    NO_HUB_COLOUR,
    NO_HUB_LABEL,
    OSM_ATTRIBUTION,
    TILE_URL,
    ZONE_FILL_OPACITY,
    ZONE_OUTLINE_COLOUR,
    site_style,
    time_band_colours,
    time_band_labels,
)
from hubopt.render.map_symbols import _symbol_svg

__all__ = ["TIME_BANDS", "map_style", "site_list"]

#: Travel-time classes of the zone colours, in minutes (as on ``map.html``).
TIME_BANDS: tuple[float, ...] = (0, 10, 15, 20, 30, 45)


def site_list(sites: pd.DataFrame) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The candidate sites as the page lists them, and the symbols they use.

    Parameters
    ----------
    sites : pandas.DataFrame
        ``Workbench.sites``: site_id, name, type, status, lon, lat, default_state.

    Returns
    -------
    sites : list of dict
        Per site, in the workbench's order: ``id``, ``name``, ``type`` (readable), ``lon``, ``lat``,
        ``default_state``, and the symbol kinds it shows when free (``free``) and when unavailable
        (``unavailable``); a chosen hub is always the ``hub`` star.
    symbols : dict
        Symbol kind -> inline SVG, for every kind used.
    """
    rows: list[dict[str, Any]] = []
    symbols = {"hub": _symbol_svg(site_style("other", "existing", True))}
    for site in sites.itertuples(index=False):
        status = str(site.status) if str(site.status) != "unavailable" else "existing"
        free = site_style(str(site.type), status, False)
        unavailable = site_style(str(site.type), "unavailable", False)
        for style in (free, unavailable):
            symbols.setdefault(style["kind"], _symbol_svg(style, glyph=style["glyph"]))
        rows.append(
            {
                "id": str(site.site_id),
                "name": str(site.name),
                "type": _TYPE_LABELS.get(str(site.type), str(site.type)),
                "lon": round(float(site.lon), 5),
                "lat": round(float(site.lat), 5),
                "default_state": str(site.default_state),
                "free": free["kind"],
                "unavailable": unavailable["kind"],
            }
        )
    return rows, symbols


def map_style() -> dict[str, Any]:
    """The colours and labels of the zone views, as JSON for the page.

    Returns
    -------
    dict
        ``time_bands`` (class edges, minutes), ``time_labels``, ``time_colours``, ``no_hub_colour``,
        ``no_hub_label``, ``catchment_colours``, ``imd_colours`` (decile 1 first), ``growth_edges`` (per cent),
        ``growth_labels``, ``growth_colours``, ``growth_no_change`` (index of the "No change" class),
        ``zone_outline``, ``zone_opacity``, ``must_open_colour``, ``tile_url`` and ``tile_attribution``.
    """
    return {
        "time_bands": list(TIME_BANDS),
        "time_labels": time_band_labels(TIME_BANDS),
        "time_colours": time_band_colours(TIME_BANDS),
        "no_hub_colour": NO_HUB_COLOUR,
        "no_hub_label": NO_HUB_LABEL,
        "catchment_colours": list(CATCHMENT_COLOURS),
        "imd_colours": list(IMD_COLOURS),
        "growth_edges": list(GROWTH_EDGES),
        "growth_labels": list(GROWTH_LABELS),
        "growth_colours": list(GROWTH_COLOURS),
        "growth_no_change": GROWTH_NO_CHANGE,
        "zone_outline": ZONE_OUTLINE_COLOUR,
        "zone_opacity": ZONE_FILL_OPACITY,
        "must_open_colour": MUST_OPEN_COLOUR,
        "tile_url": TILE_URL,
        "tile_attribution": OSM_ATTRIBUTION,
    }
