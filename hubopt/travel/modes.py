"""Travel times for a scenario's modes: one zone × site matrix per mode, each saying how it was obtained.

``straight_line`` is the calibrated offline estimate from straight-line distance; ``land_distance`` the same from
distance along the study's land mask (``land_mask.bin``; a study without one keeps the straight line, and says so),
cached like the network matrices; ``network`` computes shortest paths on an OSM network file
(cached on disk, keyed by the file's hash, the points and the parameters, so a rerun with new housing does not
recompute it); ``matrix`` reads a supplied matrix (public transport from r5py, TRACC and the like).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hubopt.io._files import file_sha256, require_file
from hubopt.travel.cache import get_or_compute, matrix_key_parts
from hubopt.travel.estimate import describe as describe_straight_line
from hubopt.travel.estimate import straight_line_minutes
from hubopt.travel.land_times import land_distance_matrix
from hubopt.travel.matrix import TravelMatrix, travel_time_matrix
from hubopt.travel.mode_spec import TravelMode
from hubopt.travel.network import DEFAULT_WALK_SPEED_KPH, check_coverage, load_network, network_info
from hubopt.travel.supplied import load_supplied_matrix


@dataclass
class ModeTimes:
    """The travel-time matrix of one mode."""

    name: str
    mode: str
    method: str
    minutes: np.ndarray
    description: str
    unreachable: int = 0
    from_cache: bool = False
    notes: list[str] = field(default_factory=list)


def mode_times(
    mode: TravelMode,
    zone_xy: np.ndarray,
    zone_ids: Sequence[str],
    site_xy: np.ndarray,
    site_ids: Sequence[str],
    *,
    cache_dir: Path,
    refresh: bool = False,
    land_mask: Path | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> ModeTimes:
    """Zone × site minutes for one travel mode.

    Parameters
    ----------
    mode : TravelMode
        The mode's settings from the scenario.
    zone_xy, site_xy : numpy.ndarray
        Points in British National Grid metres.
    zone_ids, site_ids : sequence of str
        Their IDs (a supplied matrix is matched on them).
    cache_dir : Path
        Folder of cached network matrices.
    refresh : bool
        Recompute a cached network or land-distance matrix.
    land_mask : Path, optional
        The study's land mask (``land_mask.bin``), for the ``land_distance`` method.
    progress : callable
        Called with a short message.
    """
    label = mode.name if mode.name == mode.mode else f"{mode.name} ({mode.mode})"
    if mode.method == "straight_line":
        minutes = straight_line_minutes(zone_xy, site_xy)
        return ModeTimes(mode.name, mode.mode, mode.method, minutes, f"{label}: {describe_straight_line()}")
    if mode.method == "land_distance":
        if land_mask is None:
            minutes = straight_line_minutes(zone_xy, site_xy)
            note = (
                f"{mode.name}: the study has no land mask (land_mask.bin), so travel times are estimated from "
                "straight-line distance, not distance along land; rebuild the study with `hubopt study build` to "
                "measure distances round estuaries"
            )
            description = f"{label}: {describe_straight_line()} (the study has no land mask)"
            return ModeTimes(mode.name, mode.mode, "straight_line", minutes, description, notes=[note])
        tm, notes, from_cache = land_distance_matrix(
            zone_xy, zone_ids, site_xy, site_ids, land_mask, cache_dir=cache_dir, refresh=refresh, progress=progress
        )
        times = _from_matrix(mode, label, tm, from_cache=from_cache)
        times.notes.extend(f"{mode.name}: {n}" for n in notes)
        return times
    if mode.method == "matrix":
        assert mode.file is not None
        tm = load_supplied_matrix(
            mode.file,
            origin_ids=list(zone_ids),
            destination_ids=list(site_ids),
            mode=mode.mode,
            missing=mode.missing,
            description=mode.description,
            expected_minutes=straight_line_minutes(zone_xy, site_xy),
        )
        return _from_matrix(mode, label, tm, from_cache=False)
    assert mode.network is not None
    net_path = require_file(mode.network, f"{mode.mode} network file")
    key = matrix_key_parts(
        network_sha256=file_sha256(net_path),
        origins_xy=zone_xy,
        origin_ids=list(zone_ids),
        destinations_xy=site_xy,
        destination_ids=list(site_ids),
        mode=mode.mode,
        speeds_kph=mode.speeds_kph,
        access_speed_kph=mode.access_speed_kph,
        cutoff_minutes=mode.cutoff_minutes,
        walk_speed_kph=mode.walk_speed_kph,
        max_snap_m=mode.max_snap_m,
    )
    computed = {"yes": False}

    def compute() -> TravelMatrix:
        computed["yes"] = True
        progress(f"Loading the {mode.mode} network {net_path.name}")
        walk_speed = DEFAULT_WALK_SPEED_KPH if mode.walk_speed_kph is None else mode.walk_speed_kph
        graph = load_network(net_path, mode=mode.mode, speeds_kph=mode.speeds_kph or None, walk_speed_kph=walk_speed)
        check_coverage(graph, zone_xy, list(zone_ids))
        info = network_info(graph)
        progress(f"Shortest paths: {len(zone_ids)} zones x {len(site_ids)} sites on {info.describe()}")
        return travel_time_matrix(
            graph,
            zone_xy,
            site_xy,
            origin_ids=list(zone_ids),
            destination_ids=list(site_ids),
            mode=mode.mode,
            access_speed_kph=mode.access_speed_kph,
            cutoff_minutes=mode.cutoff_minutes,
            max_snap_m=mode.max_snap_m,
            on_step=lambda done, total: progress(
                f"Shortest paths on the {mode.mode} network: {done} of {total} sites"
            ),
        )

    tm = get_or_compute(key, compute, cache_dir, refresh=refresh)
    return _from_matrix(mode, label, tm, from_cache=not computed["yes"])


def _from_matrix(mode: TravelMode, label: str, tm: TravelMatrix, *, from_cache: bool) -> ModeTimes:
    notes = []
    n_bad = int(np.isinf(tm.minutes).sum())
    if n_bad:
        notes.append(f"{mode.name}: {tm.describe_unreachable()}")
    description = f"{label}: {tm.method}" + (" (from the matrix cache)" if from_cache else "")
    return ModeTimes(
        mode.name,
        mode.mode,
        mode.method,
        np.asarray(tm.minutes, dtype=float),
        description,
        unreachable=n_bad,
        from_cache=from_cache,
        notes=notes,
    )
