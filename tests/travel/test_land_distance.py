"""Distance along land: hand-checked masks (a U of land round a channel, islands, bridged creeks, corner leaks),
the mask file, the ``land_distance`` travel method and its cache, and the fallback without a mask."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from hubopt.errors import InputError
from hubopt.travel.estimate import load_land_model
from hubopt.travel.land_distance import land_distances, open_country_cells
from hubopt.travel.land_mask import LandMask, rasterise_land
from hubopt.travel.land_times import land_path_notes
from hubopt.travel.mode_spec import TravelMode
from hubopt.travel.modes import mode_times

# A 3 km square of land with a channel 200 m wide cut down from its northern edge to 1 km above its southern edge:
# a U of land. From (500, 2800) to (2500, 2800), 2 km apart across the channel, the shortest path on land runs to
# the channel's two southern corners (1400, 1000) and (1600, 1000): 2 x hypot(900, 1800) + 200 m.
U_LAND = box(0, 0, 3000, 3000).difference(box(1400, 1000, 1600, 3000))
U_A, U_B = (500.0, 2800.0), (2500.0, 2800.0)
U_PATH_M = 2 * math.hypot(900.0, 1800.0) + 200.0


def u_mask(**kw) -> LandMask:
    return rasterise_land([U_LAND], (0.0, 0.0, 3000.0, 3000.0), cell_m=100.0, **kw)


def test_u_shaped_land_goes_round_the_channel() -> None:
    dist = land_distances(np.array([U_A]), np.array([U_B]), u_mask(bridge_cells=0))
    assert dist.straight_km[0, 0] == pytest.approx(2.0, rel=1e-12)
    # The grid path (16 directions, 100 m cells) is within 3 % of the true shortest path round the channel.
    assert dist.km[0, 0] == pytest.approx(U_PATH_M / 1000.0, rel=0.03)
    assert not dist.no_land_path[0, 0]


def test_in_open_country_the_land_distance_is_the_straight_line() -> None:
    # Both points south of the channel, in sight of each other across land, in any direction.
    origins = np.array([[150.0, 120.0], [2950.0, 870.0], [730.0, 420.0]])
    destinations = np.array([[2890.0, 910.0], [100.0, 60.0], [2210.0, 130.0]])
    dist = land_distances(origins, destinations, u_mask(bridge_cells=0))
    np.testing.assert_allclose(dist.km, dist.straight_km, rtol=1e-9)


def test_open_country_cells_by_hand() -> None:
    rows = np.array([0, 1, 2, 1, 0, 3])
    cols = np.array([3, 2, 2, 3, 0, -1])
    expected = [3.0, math.sqrt(5), 2 * math.sqrt(2), math.sqrt(5) + 1.0, 0.0, math.sqrt(5) + 1.0]
    np.testing.assert_allclose(open_country_cells(rows, cols), expected, rtol=1e-12)


def test_an_island_keeps_the_straight_line_and_is_named() -> None:
    land = [box(0, 0, 1000, 1000), box(1500, 0, 2500, 1000)]  # two pieces 500 m apart: an island
    mask = rasterise_land(land, (0.0, 0.0, 2500.0, 1000.0), cell_m=100.0)
    zones = np.array([[500.0, 500.0], [2000.0, 500.0]])
    sites = np.array([[200.0, 200.0]])
    dist = land_distances(zones, sites, mask)
    assert dist.no_land_path.tolist() == [[False], [True]]
    assert dist.km[1, 0] == pytest.approx(dist.straight_km[1, 0], rel=1e-12)
    notes = land_path_notes(mask, zones, ["mainland", "island"], sites, ["site"])
    assert any("1 zone-site pairs have no path along land" in n and "island" in n for n in notes)


def test_narrow_creeks_are_bridged_but_wide_water_is_not() -> None:
    def across(gap_m: float, bridge_cells: int) -> bool:
        land = [box(0, 0, 1000, 1000), box(1000 + gap_m, 0, 2000 + gap_m, 1000)]
        mask = rasterise_land(land, (0.0, 0.0, 2000.0 + gap_m, 1000.0), cell_m=100.0, bridge_cells=bridge_cells)
        dist = land_distances(np.array([[500.0, 500.0]]), np.array([[1500.0 + gap_m, 500.0]]), mask)
        return not dist.no_land_path[0, 0]

    assert across(100.0, bridge_cells=1)  # a creek one cell wide (Benfleet Creek to Canvey Island)
    assert not across(100.0, bridge_cells=0)
    assert not across(300.0, bridge_cells=1)  # an estuary stays water


def test_no_path_slips_through_a_corner() -> None:
    # Land on both sides of a diagonal channel one cell wide, touching only at cell corners.
    n = 12
    r, c = np.indices((n, n))
    land = (r + c) != n - 1
    mask = LandMask(land=land, x_min=0.0, y_max=n * 100.0, cell_m=100.0, bridge_cells=0)
    # (150, 1050) is in cell row 1, col 1 (north-west of the channel); (1050, 150) in row 10, col 10 (south-east).
    dist = land_distances(np.array([[150.0, 1050.0]]), np.array([[1050.0, 150.0]]), mask)
    assert dist.origin_snap_m[0] == 0.0 and dist.destination_snap_m[0] == 0.0
    assert dist.no_land_path[0, 0]


def test_a_point_in_water_is_moved_to_the_nearest_land() -> None:
    mask = u_mask(bridge_cells=0)
    in_channel = np.array([[1450.0, 2500.0]])  # 50 m into the channel from its western bank
    dist = land_distances(in_channel, np.array([[500.0, 2500.0]]), mask)
    # moved to the centre of the nearest land cell, (1350, 2450), then straight on across land to (500, 2500)
    assert dist.origin_snap_m[0] == pytest.approx(math.hypot(100.0, 50.0), rel=1e-12)
    assert dist.km[0, 0] == pytest.approx((math.hypot(100.0, 50.0) + math.hypot(850.0, 50.0)) / 1000.0, rel=1e-9)
    notes = land_path_notes(mask, in_channel, ["z"], np.array([[500.0, 2500.0]]), ["s"])
    assert notes == ["1 zones fall in water on the land mask, moved to the nearest land (e.g. z)"]


def test_a_mask_without_land_keeps_every_straight_line() -> None:
    mask = LandMask(land=np.zeros((5, 5), dtype=bool), x_min=0.0, y_max=500.0, cell_m=100.0)
    zones, sites = np.array([[50.0, 50.0]]), np.array([[450.0, 450.0]])
    dist = land_distances(zones, sites, mask)
    assert dist.no_land_path.all() and dist.km[0, 0] == pytest.approx(dist.straight_km[0, 0], rel=1e-12)
    notes = land_path_notes(mask, zones, ["z"], sites, ["s"])
    assert len(notes) == 1 and "have no path along land" in notes[0]


def test_points_off_the_mask_keep_the_straight_line() -> None:
    dist = land_distances(np.array([[-5000.0, 500.0]]), np.array([[500.0, 500.0]]), u_mask())
    assert np.isnan(dist.origin_snap_m[0]) and dist.no_land_path[0, 0]
    assert dist.km[0, 0] == pytest.approx(5.5, rel=1e-12)


def test_mask_file_round_trip_is_byte_stable(tmp_path: Path) -> None:
    mask = u_mask(source="test polygons")
    first = mask.write(tmp_path / "a.bin").read_bytes()
    again = LandMask.read(tmp_path / "a.bin")
    assert again.source == "test polygons" and again.shape == (30, 30)
    np.testing.assert_array_equal(again.land, mask.land)
    assert again.write(tmp_path / "b.bin").read_bytes() == first
    assert again.sha256() == mask.sha256()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"not a mask", "does not start with 'hubopt land mask'"),
        (b"hubopt land mask\n{}\n", 'expected "schema"'),
        (b'hubopt land mask\n{"schema": "hubopt.land_mask/1", "crs": "EPSG:27700", "shape": [3, 3]}\nxx', "damaged"),
    ],
)
def test_bad_mask_files_say_what_to_do(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "land_mask.bin"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as info:
        LandMask.read(path)
    assert "hubopt study build" in str(info.value)


def test_land_distance_method_is_cached_and_named(tmp_path: Path) -> None:
    mask_path = u_mask().write(tmp_path / "land_mask.bin")
    zones = np.array([U_A, [500.0, 500.0]])
    sites = np.array([U_B])
    mode = TravelMode("drive", "land_distance", "drive")
    first = mode_times(mode, zones, ["a", "b"], sites, ["s"], cache_dir=tmp_path / "cache", land_mask=mask_path)
    again = mode_times(mode, zones, ["a", "b"], sites, ["s"], cache_dir=tmp_path / "cache", land_mask=mask_path)
    assert not first.from_cache and again.from_cache
    np.testing.assert_allclose(again.minutes, first.minutes, rtol=1e-12)
    assert first.method == "land_distance"
    assert "distance along land" in first.description and "100 m land grid" in first.description
    dist = land_distances(zones, sites, u_mask())
    np.testing.assert_allclose(first.minutes, load_land_model().predict_minutes(dist.km), rtol=1e-12)


def test_a_study_without_a_mask_keeps_the_straight_line_and_says_so(tmp_path: Path) -> None:
    mode = TravelMode("drive", "land_distance", "drive")
    times = mode_times(mode, np.array([U_A]), ["a"], np.array([U_B]), ["s"], cache_dir=tmp_path, land_mask=None)
    assert times.method == "straight_line"
    assert "straight-line distance" in times.description and "no land mask" in times.description
    assert "hubopt study build" in times.notes[0]
