"""Drive times from distance along land (the ``land_distance`` travel method), cached like the network matrices.

The zone x site distances along the study's land mask (:mod:`hubopt.travel.land_distance`) are turned into minutes
by the model fitted on distance along land (``land_distance_model.json``). The matrix is cached in the travel cache
folder, keyed by the mask's content, the points and the model's coefficients, so a rerun does not recompute it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import ndimage

from hubopt.travel.cache import get_or_compute, matrix_key_parts
from hubopt.travel.estimate import StraightLineModel, describe, load_land_model
from hubopt.travel.land_distance import land_distances
from hubopt.travel.land_mask import LandMask
from hubopt.travel.matrix import TravelMatrix

__all__ = ["LAND_METHOD_VERSION", "land_distance_matrix", "land_path_notes"]

#: Version of the land-distance computation (in the cache key: a change recomputes cached matrices).
LAND_METHOD_VERSION = "land_distance/1"


def land_distance_matrix(
    zone_xy: np.ndarray,
    zone_ids: Sequence[str],
    site_xy: np.ndarray,
    site_ids: Sequence[str],
    mask_path: Path,
    *,
    cache_dir: Path,
    refresh: bool = False,
    model: StraightLineModel | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> tuple[TravelMatrix, list[str], bool]:
    """Zone x site drive minutes estimated from distance along the land mask in ``mask_path``.

    Returns
    -------
    matrix : TravelMatrix
        Minutes (all finite: a pair with no land path keeps its straight-line distance).
    notes : list of str
        Points moved to land, points off the mask, pairs without a land path.
    from_cache : bool
        Whether the matrix was read from the cache.

    Raises
    ------
    InputError
        When the mask file cannot be read.
    """
    mask = LandMask.read(mask_path)
    model = load_land_model() if model is None else model
    key = matrix_key_parts(
        network_sha256=None,
        origins_xy=zone_xy,
        origin_ids=list(zone_ids),
        destinations_xy=site_xy,
        destination_ids=list(site_ids),
        mode="drive",
        method_version=LAND_METHOD_VERSION,
        land_mask_sha256=mask.sha256(),
        model_form=model.form,
        model_coefficients=dict(model.coefficients),
    )
    computed = {"yes": False}
    method = f"{describe(model)}; {mask.describe()}"

    def compute() -> TravelMatrix:
        computed["yes"] = True
        progress(f"Distances along land: {len(zone_ids)} zones x {len(site_ids)} sites on a {mask.describe()}")
        dist = land_distances(
            zone_xy,
            site_xy,
            mask,
            on_step=lambda done, total: progress(f"Distances along land: {done} of {total} site cells"),
        )
        return TravelMatrix(
            minutes=model.predict_minutes(dist.km),
            origin_ids=np.asarray(list(zone_ids)),
            destination_ids=np.asarray(list(site_ids)),
            mode="drive",
            method=method,
        )

    tm = get_or_compute(key, compute, cache_dir, refresh=refresh)
    notes = land_path_notes(mask, zone_xy, list(zone_ids), site_xy, list(site_ids))
    return tm, notes, not computed["yes"]


def land_path_notes(
    mask: LandMask, zone_xy: np.ndarray, zone_ids: list[str], site_xy: np.ndarray, site_ids: list[str]
) -> list[str]:
    """Notes on zones and sites off the land or in water, and on pairs with no land path (without shortest paths).

    The land cells joined by the grid graph are those joined side to side (a diagonal step needs one of the cells it
    passes between, a knight's move both cells it crosses), so the pieces of land are the mask's 4-connected parts.
    """
    labels, _ = ndimage.label(mask.land)
    parts = []
    for xy in (zone_xy, site_xy):
        rows, cols, inside = mask.cells_of(xy)
        part = np.where(inside, labels[rows, cols], -1)
        parts.append(part)
    zone_part, site_part = parts
    # Points in water are moved to the nearest land cell: find its piece of land.
    if not mask.land.any():  # no land at all: every pair keeps the straight line
        zone_part[:] = -1
        site_part[:] = -1
    elif (zone_part == 0).any() or (site_part == 0).any():
        _, (near_r, near_c) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
        for part, xy in ((zone_part, zone_xy), (site_part, site_xy)):
            rows, cols, _inside = mask.cells_of(xy)
            water = np.flatnonzero(part == 0)
            part[water] = labels[near_r[rows[water], cols[water]], near_c[rows[water], cols[water]]]
    no_path = (zone_part[:, None] != site_part[None, :]) | (zone_part[:, None] < 0) | (site_part[None, :] < 0)
    notes = []
    for what, xy, ids in (("zones", zone_xy, zone_ids), ("sites", site_xy, site_ids)):
        rows, cols, inside = mask.cells_of(xy)
        off = np.flatnonzero(~inside)
        if off.size:
            notes.append(f"{off.size} {what} lie off the land mask ({_examples(ids, off)}): straight-line distances")
        wet = np.flatnonzero(inside & ~mask.land[rows, cols])
        if wet.size and mask.land.any():
            notes.append(
                f"{wet.size} {what} fall in water on the land mask, moved to the nearest land ({_examples(ids, wet)})"
            )
    if no_path.any():
        rows_without = np.flatnonzero(no_path.any(axis=1))
        notes.append(
            f"{int(no_path.sum())} zone-site pairs have no path along land on the mask (an island with no bridge on "
            f"it, or a point off it) and keep the straight-line distance; zones concerned: "
            f"{_examples(zone_ids, rows_without)}"
        )
    return notes


def _examples(ids: list[str], index: np.ndarray, limit: int = 3) -> str:
    names = [str(ids[i]) for i in index[:limit]]
    return "e.g. " + ", ".join(names) + (" ..." if index.size > limit else "")
