"""Matrix cache: hit, refresh, corrupt files, atomic writes and keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubopt.travel.cache import cache_key, cache_path, get_or_compute, matrix_key_parts, read_matrix, write_matrix
from hubopt.travel.matrix import TravelMatrix


def sample(value: float = 1.0) -> TravelMatrix:
    minutes = np.array([[value, 2.5, np.inf], [4.0, 5.0, 6.25]])
    return TravelMatrix(
        minutes=minutes,
        origin_ids=["Z1", "Z2"],
        destination_ids=["S1", "S2", "S3"],
        mode="drive",
        method="test method",
        unreachable=(("Z1", "S3"),),
        origin_snap_m=np.array([10.0, 20.0]),
        destination_snap_m=np.array([1.0, 2.0, 3.0]),
        cutoff_minutes=30.0,
    )


def parts(**overrides: object) -> dict:
    kw: dict = {
        "network_sha256": "ab" * 32,
        "origins_xy": np.array([[500_000.04, 200_000.0], [500_100.0, 200_000.0]]),
        "origin_ids": ["Z1", "Z2"],
        "destinations_xy": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
        "destination_ids": ["S1", "S2", "S3"],
        "mode": "drive",
        "speeds_kph": {"primary": 77.0},
        "access_speed_kph": 15.0,
        "cutoff_minutes": 30.0,
    }
    kw.update(overrides)
    return matrix_key_parts(**kw)


def test_hit_refresh_and_round_trip(tmp_path: Path) -> None:
    calls = []

    def compute() -> TravelMatrix:
        calls.append(1)
        return sample(float(len(calls)))

    first = get_or_compute(parts(), compute, tmp_path)
    second = get_or_compute(parts(), compute, tmp_path)
    assert len(calls) == 1  # the second call was a cache hit
    np.testing.assert_array_equal(first.minutes, second.minutes)
    assert list(second.origin_ids) == ["Z1", "Z2"] and list(second.destination_ids) == ["S1", "S2", "S3"]
    assert second.unreachable == (("Z1", "S3"),) and second.cutoff_minutes == 30.0
    np.testing.assert_array_equal(second.origin_snap_m, [10.0, 20.0])
    np.testing.assert_array_equal(second.destination_snap_m, [1.0, 2.0, 3.0])
    assert second.method == "test method" and second.mode == "drive"
    refreshed = get_or_compute(parts(), compute, tmp_path, refresh=True)
    assert len(calls) == 2 and refreshed.minutes[0, 0] == 2.0
    assert get_or_compute(parts(), compute, tmp_path).minutes[0, 0] == 2.0 and len(calls) == 2
    assert not [p.name for p in tmp_path.rglob(".*")]  # no temporary files left


def test_key_changes_with_what_decides_the_values() -> None:
    base = cache_key(parts())
    assert cache_key(parts()) == base
    # coordinates are rounded to 0.1 m
    assert cache_key(parts(origins_xy=np.array([[500_000.01, 200_000.0], [500_100.0, 200_000.0]]))) == base
    assert cache_key(parts(origins_xy=np.array([[500_000.5, 200_000.0], [500_100.0, 200_000.0]]))) != base
    assert cache_key(parts(network_sha256="cd" * 32)) != base
    assert cache_key(parts(origin_ids=["Z2", "Z1"])) != base
    assert cache_key(parts(mode="walk")) != base
    assert cache_key(parts(speeds_kph={"primary": 70.0})) != base
    assert cache_key(parts(access_speed_kph=10.0)) != base
    assert cache_key(parts(cutoff_minutes=None)) != base
    assert cache_key(parts(method_version="other")) != base


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "other_key", "empty"])
def test_corrupt_file_is_recomputed(tmp_path: Path, damage: str) -> None:
    calls = []

    def compute() -> TravelMatrix:
        calls.append(1)
        return sample(7.0)

    key = cache_key(parts())
    path = cache_path(tmp_path, key)
    write_matrix(sample(1.0), path, key=key)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not parquet at all")
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "flip":  # a stored value changed behind the cache's back
        bad = sample(1.5)
        write_matrix(bad, path, key=key)
        meta_ok = read_matrix(path, key=key)
        assert meta_ok.minutes[0, 0] == 1.5
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        import pyarrow as pa

        table = table.set_column(2, "m0", pa.array([9.0, 4.0])).replace_schema_metadata(table.schema.metadata)
        pq.write_table(table, path)
    elif damage == "other_key":
        write_matrix(sample(1.0), path, key="someone else's key")
    with pytest.warns(RuntimeWarning, match="unreadable or corrupt"):
        tm = get_or_compute(parts(), compute, tmp_path)
    assert calls == [1] and tm.minutes[0, 0] == 7.0
    assert read_matrix(path, key=key).minutes[0, 0] == 7.0  # replaced by the recomputed matrix


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.warns(RuntimeWarning, match="could not save"):
        tm = get_or_compute(parts(), lambda: sample(3.0), tmp_path)
    assert tm.minutes[0, 0] == 3.0
    assert list(tmp_path.iterdir()) == []
