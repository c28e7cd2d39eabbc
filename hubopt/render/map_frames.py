"""Checking and preparing the inputs of the maps, always on copies: the zone, site, district, housing and
isochrone frames, the table of chosen hubs, the colour classes of the zones, and the GeoJSON in longitude/latitude.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hubopt.errors import InputError
from hubopt.render.map_style import (
    BNG,
    CATCHMENT_COLOURS,
    CATCHMENT_PATTERNS,
    COORD_DECIMALS,
    GROWTH_COLOURS,
    GROWTH_EDGES,
    GROWTH_NO_CHANGE,
    IMD_COLOURS,
    ISOCHRONE_COLOURS,
    NO_DATA_COLOUR,
    NO_HUB_COLOUR,
    NO_HUB_LABEL,
    SIMPLIFY_TOLERANCE_M,
    WGS84,
    site_style,
    time_band_colours,
)
from hubopt.render.map_symbols import _pattern_id
from hubopt.render.map_text import _esc, _imd_text, _key, _num, _people, _text

_ZONE_COLUMNS = ("zone_id", "zone_name", "district", "population", "hub_id", "hub_name", "minutes")
_SITE_COLUMNS = ("site_id", "name", "type", "status", "chosen")
_DISTRICT_COLUMNS = ("lad_code", "lad_name")
_HOUSING_COLUMNS = ("name", "dwellings")
_ISOCHRONE_COLUMNS = ("site_id", "band_minutes")


# --------------------------------------------------------------------------------------------------------------------
# Checking and preparing the inputs (always on copies)
# --------------------------------------------------------------------------------------------------------------------


def _require_frame(frame: Any, name: str, columns: Sequence[str]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{name} must be a GeoDataFrame, not {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} lack the column(s) {', '.join(missing)}",
            column=missing[0],
            hint=f"{name} need the columns {', '.join(columns)}",
        )
    if frame.crs is None:
        raise InputError(
            f"{name} have no coordinate reference system",
            hint="set it, e.g. frame.set_crs('EPSG:27700') for British National Grid coordinates",
        )


def _in_bng(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of the frame in British National Grid with a fresh 0..n-1 index."""
    out = frame.to_crs(BNG) if frame.crs != BNG else frame.copy()
    return out.reset_index(drop=True)


def _prepare_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(zones, "zones", _ZONE_COLUMNS)
    frame = _in_bng(zones)
    missing_geom = frame.geometry.isna() | frame.geometry.is_empty
    if missing_geom.all():
        raise InputError("zones have no polygons to draw", column="geometry")
    if missing_geom.any():
        warnings.warn(f"{int(missing_geom.sum())} zone(s) have no geometry and are not drawn", stacklevel=3)
        frame = frame.loc[~missing_geom].reset_index(drop=True)
    polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polygonal.all():
        bad = frame.loc[~polygonal, "zone_id"].astype(str).head(5).tolist()
        raise InputError(f"zones must be polygons; these are not: {', '.join(bad)}", column="geometry")

    minutes = pd.to_numeric(frame["minutes"], errors="coerce").astype(float)
    if (minutes < 0).any():
        bad = frame.loc[minutes < 0, "zone_id"].astype(str).head(5).tolist()
        raise InputError(f"travel times cannot be negative (zones {', '.join(bad)})", column="minutes")
    frame["minutes"] = minutes
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").astype(float)
    if "imd_decile" in frame.columns:
        decile = pd.to_numeric(frame["imd_decile"], errors="coerce").astype(float)
        valid = decile.isna() | decile.isin(range(1, 11))
        if not valid.all():
            bad = frame.loc[~valid, "zone_id"].astype(str).head(5).tolist()
            raise InputError(
                f"IMD deciles must be whole numbers from 1 to 10 (zones {', '.join(bad)})", column="imd_decile"
            )
        frame["imd_decile"] = decile
    if "growth_pct" in frame.columns:
        growth = pd.to_numeric(frame["growth_pct"], errors="coerce").astype(float)
        frame["growth_pct"] = growth.where(np.isfinite(growth))  # infinite growth (from 0 people) shows as no data
    frame["hub_key"] = pd.Series([_key(v) for v in frame["hub_id"]], index=frame.index, dtype=object)
    return frame


def _prepare_sites(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(sites, "sites", _SITE_COLUMNS)
    frame = _in_bng(sites)
    no_geom = frame.geometry.isna() | frame.geometry.is_empty
    if no_geom.any():
        bad = frame.loc[no_geom, "site_id"].astype(str).head(5).tolist()
        raise InputError(f"sites without a location: {', '.join(bad)}", column="geometry")
    not_point = frame.geometry.geom_type != "Point"
    if not_point.any():
        frame.loc[not_point, "geometry"] = frame.loc[not_point, "geometry"].representative_point()
    frame["chosen"] = frame["chosen"].fillna(False).astype(bool)
    # A site the scenario requires to open: the column must_open (from the run) or the register's status must-keep.
    required = frame["status"].map(_text).str.strip().str.lower() == "must-keep"
    if "must_open" in frame.columns:
        required |= frame["must_open"].fillna(False).astype(bool)
    frame["must_open"] = required.to_numpy(dtype=bool)
    styles = []
    for row in frame.itertuples(index=False):
        try:
            styles.append(site_style(row.type, row.status, row.chosen))
        except InputError as err:
            raise InputError(f"site {row.site_id}: {err.problem}", column=err.column, hint=err.hint) from None
    frame["style"] = styles
    if "planned_beds" in frame.columns:
        if "planned_beds_year" in frame.columns:
            years = pd.to_numeric(frame["planned_beds_year"], errors="coerce").dropna().unique()
            if len(years) > 1:
                raise InputError(
                    f"planned beds are given for several years ({', '.join(f'{y:g}' for y in sorted(years))})",
                    column="planned_beds_year",
                    hint="give the planned beds of one year",
                )
        beds = pd.to_numeric(frame["planned_beds"], errors="coerce").astype(float).fillna(0.0)
        if (beds < 0).any() or not np.isfinite(beds).all():
            bad = frame.loc[(beds < 0) | ~np.isfinite(beds), "site_id"].astype(str).head(5).tolist()
            raise InputError(
                f"planned beds must be 0 or more (sites {', '.join(bad)})",
                column="planned_beds",
                hint="use 0 for a site without planned community beds",
            )
        frame["planned_beds"] = beds
    frame["site_key"] = pd.Series([_key(v) for v in frame["site_id"]], index=frame.index, dtype=object)
    return frame


def _prepare_housing(housing: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(housing, "housing sites", _HOUSING_COLUMNS)
    frame = _in_bng(housing)
    frame = frame.loc[~(frame.geometry.isna() | frame.geometry.is_empty)].reset_index(drop=True)
    not_point = frame.geometry.geom_type != "Point"
    if not_point.any():
        frame.loc[not_point, "geometry"] = frame.loc[not_point, "geometry"].representative_point()
    frame["dwellings"] = pd.to_numeric(frame["dwellings"], errors="coerce").astype(float)
    if (frame["dwellings"] < 0).any():
        bad = frame.loc[frame["dwellings"] < 0, "name"].astype(str).head(5).tolist()
        raise InputError(f"dwellings cannot be negative (housing sites {', '.join(bad)})", column="dwellings")
    if "people" in frame.columns:
        frame["people"] = pd.to_numeric(frame["people"], errors="coerce").astype(float)
    return frame


def _prepare_isochrones(isochrones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Isochrones in BNG, without empty polygons, largest band first, with their hub names and colours."""
    _require_frame(isochrones, "isochrones", _ISOCHRONE_COLUMNS)
    frame = _in_bng(isochrones)
    frame["band_minutes"] = pd.to_numeric(frame["band_minutes"], errors="coerce").astype(float)
    keep = ~(frame.geometry.isna() | frame.geometry.is_empty) & np.isfinite(frame["band_minutes"])
    keep &= frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    frame = frame.loc[keep].sort_values("band_minutes", ascending=False, kind="stable").reset_index(drop=True)
    names = dict(zip(sites["site_key"], sites["name"].map(_text), strict=True))
    keys = [_key(v) for v in frame["site_id"]]
    frame["hub_name"] = [names.get(k) or _text(v) for k, v in zip(keys, frame["site_id"], strict=True)]
    colour = dict(zip(_isochrone_bands(frame), ISOCHRONE_COLOURS, strict=False))
    frame["colour"] = [colour.get(b, ISOCHRONE_COLOURS[-1]) for b in frame["band_minutes"]]
    frame["tip"] = [
        f"{_num(b)} minutes from {_esc(n) or 'the hub'}"
        for b, n in zip(frame["band_minutes"], frame["hub_name"], strict=True)
    ]
    return frame


def _isochrone_bands(isochrones: gpd.GeoDataFrame) -> list[float]:
    """The distinct bands, shortest first."""
    return sorted({float(b) for b in isochrones["band_minutes"]})


def _prepare_districts(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _require_frame(districts, "districts", _DISTRICT_COLUMNS)
    frame = _in_bng(districts)
    frame = frame.loc[~(frame.geometry.isna() | frame.geometry.is_empty)].reset_index(drop=True)
    frame["label"] = frame["lad_name"]
    return frame[["label", "geometry"]]


def _districts_from_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    named = zones.loc[zones["district"].notna(), ["district", "geometry"]]
    if named.empty:
        return None
    out = _dissolve(named, "district")
    return out.rename(columns={"district": "label"})[["label", "geometry"]]


# --------------------------------------------------------------------------------------------------------------------
# Hubs, classes and colours
# --------------------------------------------------------------------------------------------------------------------


def _hub_table(zones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per hub (chosen sites in the order of ``sites``, then hubs named only by zones).

    Columns: ``hub_key``, ``number``, ``name``, ``people`` (population of its zones), ``colour``, ``pattern`` (one
    of :data:`CATCHMENT_PATTERNS`), ``fill`` (the colour, or the SVG pattern that draws colour and pattern),
    ``must_open`` and ``external`` (another area's service at the border, not one of the hubs; never chosen, so
    listed after them).
    """
    rows: list[dict[str, Any]] = []
    for row in sites.loc[sites["chosen"]].itertuples(index=False):
        rows.append({"hub_key": row.site_key, "name": row.name})
    known = {r["hub_key"] for r in rows}
    served = zones.loc[zones["hub_key"].notna()]
    for key, group in served.groupby("hub_key", sort=False):
        if key not in known:
            names = group["hub_name"].dropna()
            rows.append({"hub_key": key, "name": names.iloc[0] if len(names) else key})
            known.add(key)
    table = pd.DataFrame(rows, columns=["hub_key", "name"])
    table["number"] = np.arange(1, len(table) + 1)
    people = served.groupby("hub_key")["population"].sum(min_count=1)
    table["people"] = table["hub_key"].map(people).astype(float)
    styles = _catchment_styles(zones, table["hub_key"].tolist())
    table["colour"] = [CATCHMENT_COLOURS[i % len(CATCHMENT_COLOURS)] for i in styles]
    table["pattern"] = [CATCHMENT_PATTERNS[i // len(CATCHMENT_COLOURS)] for i in styles]
    table["fill"] = [_catchment_fill(c, p) for c, p in zip(table["colour"], table["pattern"], strict=True)]
    must_open = set(sites.loc[sites["must_open"], "site_key"])
    table["must_open"] = table["hub_key"].isin(must_open)
    # Zones served by another area's service at the border (status external): listed after the hubs, tagged.
    external = set(sites.loc[sites["status"].map(_text).str.strip().str.lower() == "external", "site_key"])
    table["external"] = table["hub_key"].isin(external)
    return table


def _catchment_fill(colour: str, pattern: str) -> str:
    """The Leaflet fill of a catchment: its colour, or a reference to the SVG pattern drawn by the page."""
    return colour if pattern == "solid" else f"url(#{_pattern_id(colour, pattern)})"


def _catchment_styles(zones: gpd.GeoDataFrame, hub_keys: list[str]) -> list[int]:
    """A style (colour and pattern) index for each hub: all different up to 80 hubs; past that, neighbours differ.

    Style ``i`` is colour ``i % 20`` with pattern ``i // 20`` (solid, stripes, cross-hatch, dots).
    """
    n_colours = len(CATCHMENT_COLOURS) * len(CATCHMENT_PATTERNS)
    if len(hub_keys) <= n_colours:
        return list(range(len(hub_keys)))
    areas = zones.loc[zones["hub_key"].isin(hub_keys)].dissolve(by="hub_key")
    geoms = {key: areas.geometry.get(key) for key in hub_keys}
    tree_keys = [k for k in hub_keys if geoms[k] is not None]
    tree = shapely.STRtree([geoms[k].buffer(1.0) for k in tree_keys])
    used = [0] * n_colours
    chosen: dict[str, int] = {}
    for key in hub_keys:
        taken: set[int] = set()
        if geoms[key] is not None:
            for j in tree.query(geoms[key], predicate="intersects"):
                other = tree_keys[int(j)]
                if other != key and other in chosen:
                    taken.add(chosen[other])
        free = [i for i in range(n_colours) if i not in taken] or list(range(n_colours))
        best = min(free, key=lambda i: (used[i], i))
        chosen[key] = best
        used[best] += 1
    return [chosen[k] for k in hub_keys]


def _classify_zones(zones: gpd.GeoDataFrame, bands: list[float], hubs: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add the class, colours and popup/tooltip texts of each zone (on the frame, which is already a copy)."""
    colours = time_band_colours(bands)
    minutes = zones["minutes"].to_numpy(dtype=float)
    reachable = np.isfinite(minutes)
    shown = np.round(np.where(reachable, minutes, 0.0), 1)  # classify what the popup shows
    band = np.searchsorted(np.asarray(bands[1:]), shown, side="right")
    zones["travel_band"] = np.where(reachable, band, -1)
    zones["travel_colour"] = [colours[b] if b >= 0 else NO_HUB_COLOUR for b in zones["travel_band"]]

    hub_colour = dict(zip(hubs["hub_key"], hubs["colour"], strict=True))
    hub_pattern = dict(zip(hubs["hub_key"], hubs["pattern"], strict=True))
    hub_fill = dict(zip(hubs["hub_key"], hubs["fill"], strict=True))
    hub_number = dict(zip(hubs["hub_key"], hubs["number"], strict=True))
    zones["catchment_colour"] = [hub_colour.get(k, NO_HUB_COLOUR) for k in zones["hub_key"]]
    zones["catchment_pattern"] = [hub_pattern.get(k, "solid") for k in zones["hub_key"]]
    zones["catchment_fill"] = [hub_fill.get(k, NO_HUB_COLOUR) for k in zones["hub_key"]]
    has_imd = "imd_decile" in zones.columns
    if has_imd:
        zones["imd_colour"] = [
            IMD_COLOURS[int(d) - 1] if not pd.isna(d) else NO_DATA_COLOUR for d in zones["imd_decile"]
        ]

    # Popup and tooltip texts, already HTML-escaped (folium puts them in the page with innerHTML).
    texts: dict[str, list[str]] = {key: [] for key in ("area", "code", "dist", "pop", "time", "hub", "imd", "tip")}
    for row in zones.itertuples(index=False):
        hub = _text(row.hub_name) if row.hub_key is not None else ""
        number = hub_number.get(row.hub_key)
        if math.isfinite(row.minutes):
            time_text = f"{row.minutes:.1f} minutes"
            tip = f"{time_text} to {_esc(hub) or 'the hub'}"
        else:
            time_text = tip = NO_HUB_LABEL
        texts["area"].append(_esc(_text(row.zone_name)))
        texts["code"].append(_esc(_text(row.zone_id)))
        texts["dist"].append(_esc(_text(row.district)))
        texts["pop"].append(_people(row.population))
        texts["time"].append(time_text)
        texts["hub"].append(f"{number}. {_esc(hub)}" if number is not None and hub else _esc(hub) or "None")
        texts["imd"].append(_imd_text(row.imd_decile) if has_imd else "")
        texts["tip"].append(tip)
    for key, values in texts.items():
        zones[f"text_{key}"] = values
    return zones


def _classify_growth(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the growth class (``growth_band``, -1 = no data), colour and popup text (on the frame, already a copy)."""
    growth = zones["growth_pct"].to_numpy(dtype=float)
    known = np.isfinite(growth)
    shown = np.round(np.where(known, growth, 0.0), 1) + 0.0  # classify what the popup shows; -0.0 -> 0.0
    band = np.searchsorted(np.asarray(GROWTH_EDGES), shown, side="right")  # 0 falling, 1 from 0 to 5 %, ...
    band = np.where(band >= 1, band + 1, band)  # room for the "No change" class
    band = np.where(shown == 0.0, GROWTH_NO_CHANGE, band)
    zones["growth_band"] = np.where(known, band, -1)
    zones["growth_colour"] = [GROWTH_COLOURS[b] if b >= 0 else NO_DATA_COLOUR for b in zones["growth_band"]]
    zones["text_growth"] = [f"{v:+.1f}%" if ok else "not available" for v, ok in zip(shown, known, strict=True)]
    return zones


# --------------------------------------------------------------------------------------------------------------------
# Geometry for display
# --------------------------------------------------------------------------------------------------------------------


def _to_display(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify (20 m, BNG), convert to WGS84 and round coordinates to 5 decimals."""
    out = frame.copy()
    if not (out.geometry.geom_type == "Point").all():
        out["geometry"] = out.geometry.simplify(SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    out = out.to_crs(WGS84)
    out["geometry"] = shapely.transform(out.geometry.values, lambda xy: np.round(xy, COORD_DECIMALS))
    return out


def _catchment_outlines(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    served = zones.loc[zones["hub_key"].notna(), ["hub_key", "geometry"]]
    if served.empty:
        return gpd.GeoDataFrame({"hub_key": []}, geometry=[], crs=zones.crs)
    return _dissolve(served, "hub_key")


def _dissolve(frame: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    """Dissolve polygons by a column, dropping the tiny holes left by slivers between neighbouring zones."""
    out = frame.dissolve(by=by, as_index=False)
    out["geometry"] = [_drop_small_holes(g) for g in out.geometry]
    return out


def _drop_small_holes(geom: Any, min_area: float = 10_000.0) -> Any:
    """The polygon without interior rings smaller than ``min_area`` (square metres; 1 ha)."""
    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([_drop_small_holes(part, min_area) for part in geom.geoms])
    if geom.geom_type != "Polygon":
        return geom
    holes = [ring for ring in geom.interiors if shapely.Polygon(ring).area >= min_area]
    return shapely.Polygon(geom.exterior, holes)


def _features(frame: gpd.GeoDataFrame, properties: Sequence[str], prefix: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the given properties (short ids, no other columns)."""
    features = []
    for i, (geom, props) in enumerate(zip(frame.geometry, frame[list(properties)].to_dict("records"), strict=True)):
        features.append(
            {"type": "Feature", "id": f"{prefix}{i}", "properties": props, "geometry": shapely.geometry.mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}
