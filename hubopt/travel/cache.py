"""On-disk cache of travel-time matrices (Parquet), keyed by everything that decides their values.

A matrix is stored once per *key*: the SHA-256 of a canonical JSON of its key parts - the network file's SHA-256,
the points (ids and coordinates rounded to 0.1 m, in order) and the parameters (mode, speeds, access speed,
cutoff, method version). Change any of them and the key changes, so a stale matrix is never reused.

Each file is a Parquet table, one row per origin (``origin_id``, ``origin_snap_m`` and one column per destination,
``m0``, ``m1``...), with the destination ids, the method and a SHA-256 of the content in the file's metadata.
On reading, the stored key, the shape and the content hash are checked: a file that fails any check, or cannot
be read at all, is recomputed and replaced, never trusted. Writes go to a temporary file in the same folder that is
then renamed over the target, so a crash mid-write never leaves a half-written matrix under the real name.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hubopt.files.atomic import atomic_path
from hubopt.travel.matrix import METHOD_VERSION, TravelMatrix

__all__ = [
    "CACHE_SCHEMA",
    "cache_key",
    "cache_path",
    "get_or_compute",
    "matrix_key_parts",
    "read_matrix",
    "write_matrix",
]

#: Layout version of the cache files.
CACHE_SCHEMA = "hubopt.travel.cache/1"
_META_KEY = b"hubopt"


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    raise TypeError(f"cannot use {type(value).__name__} in a cache key")


def cache_key(key_parts: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a canonical JSON of ``key_parts`` (sorted keys, no whitespace)."""
    text = json.dumps(key_parts, sort_keys=True, separators=(",", ":"), default=_jsonable, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matrix_key_parts(
    *,
    network_sha256: str | None,
    origins_xy: np.ndarray,
    origin_ids: Sequence[Any],
    destinations_xy: np.ndarray,
    destination_ids: Sequence[Any],
    mode: str,
    speeds_kph: Mapping[str, float] | None = None,
    access_speed_kph: float | None = None,
    cutoff_minutes: float | None = None,
    method_version: str = METHOD_VERSION,
    **extra: Any,
) -> dict[str, Any]:
    """The key parts of a network matrix: network file hash, rounded points with their ids, and parameters.

    Parameters
    ----------
    network_sha256 : str or None
        SHA-256 of the network file (:attr:`~hubopt.travel.network.NetworkInfo.sha256`).
    origins_xy, destinations_xy : numpy.ndarray
        ``(n, 2)`` British National Grid coordinates (rounded to 0.1 m in the key).
    origin_ids, destination_ids : sequence
        Their ids (as text).
    mode : str
    speeds_kph : Mapping, optional
        Speeds used (e.g. :attr:`~hubopt.travel.network.NetworkInfo.speeds_kph`).
    access_speed_kph, cutoff_minutes : float, optional
    method_version : str
        Version of the matrix method.
    **extra
        Any other parameter that changes the values (JSON-serialisable).

    Returns
    -------
    dict
    """

    def points(xy: np.ndarray, ids: Sequence[Any]) -> list[list[Any]]:
        arr = np.round(np.asarray(xy, dtype=float).reshape(-1, 2), 1)
        return [[str(i), float(x), float(y)] for i, (x, y) in zip(ids, arr, strict=True)]

    return {
        "schema": CACHE_SCHEMA,
        "network_sha256": network_sha256,
        "origins": points(origins_xy, origin_ids),
        "destinations": points(destinations_xy, destination_ids),
        "mode": mode,
        "speeds_kph": {str(k): float(v) for k, v in sorted((speeds_kph or {}).items())},
        "access_speed_kph": None if access_speed_kph is None else float(access_speed_kph),
        "cutoff_minutes": None if cutoff_minutes is None else float(cutoff_minutes),
        "method_version": method_version,
        "extra": extra,
    }


def cache_path(cache_dir: str | Path, key: str) -> Path:
    """File of a key in the cache folder."""
    return Path(cache_dir) / f"travel_matrix_{key[:40]}.parquet"


def _content_hash(tm: TravelMatrix) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(tm.minutes, dtype="<f8").tobytes())
    h.update("\x1f".join(tm.origin_ids.tolist()).encode())
    h.update(b"\x1e")
    h.update("\x1f".join(tm.destination_ids.tolist()).encode())
    for arr in (tm.origin_snap_m, tm.destination_snap_m):
        h.update(b"\x1e")
        if arr is not None:
            h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
    return h.hexdigest()


def write_matrix(tm: TravelMatrix, path: str | Path, *, key: str = "") -> Path:
    """Write a matrix to a Parquet file atomically (temporary file in the same folder, then rename).

    Parameters
    ----------
    tm : TravelMatrix
    path : str or Path
        Target file.
    key : str
        Cache key stored in the file (checked by :func:`read_matrix`).

    Returns
    -------
    Path
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(path)
    n, m = tm.shape
    columns: dict[str, Any] = {
        "origin_id": pa.array(tm.origin_ids.tolist(), type=pa.string()),
        "origin_snap_m": pa.array(
            tm.origin_snap_m.tolist() if tm.origin_snap_m is not None else [None] * n, type=pa.float64()
        ),
    }
    for j in range(m):
        columns[f"m{j}"] = pa.array(tm.minutes[:, j], type=pa.float64())
    meta = {
        "schema": CACHE_SCHEMA,
        "key": key,
        "shape": [n, m],
        "destination_ids": tm.destination_ids.tolist(),
        "destination_snap_m": None if tm.destination_snap_m is None else tm.destination_snap_m.tolist(),
        "has_origin_snap": tm.origin_snap_m is not None,
        "mode": tm.mode,
        "method": tm.method,
        "cutoff_minutes": tm.cutoff_minutes,
        "n_unreachable": tm.n_unreachable,
        "content_sha256": _content_hash(tm),
    }
    table = pa.table(columns).replace_schema_metadata({_META_KEY: json.dumps(meta).encode("utf-8")})
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


def read_matrix(path: str | Path, *, key: str | None = None) -> TravelMatrix:
    """Read a matrix written by :func:`write_matrix`, checking it; raises ``ValueError`` when it fails a check.

    Parameters
    ----------
    path : str or Path
    key : str, optional
        The expected cache key.

    Returns
    -------
    TravelMatrix
    """
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(_META_KEY)
    if raw is None:
        raise ValueError("no hubopt metadata")
    meta = json.loads(raw.decode("utf-8"))
    if meta.get("schema") != CACHE_SCHEMA:
        raise ValueError(f"cache layout {meta.get('schema')!r}, expected {CACHE_SCHEMA!r}")
    if key is not None and meta.get("key") != key:
        raise ValueError("the file holds another key")
    n, m = meta["shape"]
    if table.num_rows != n or table.num_columns != m + 2:
        raise ValueError("the table does not have the recorded shape")
    minutes = np.empty((n, m), dtype=float)
    for j in range(m):
        minutes[:, j] = table.column(f"m{j}").to_numpy(zero_copy_only=False)
    origin_ids = np.array(table.column("origin_id").to_pylist(), dtype=object)
    origin_snap = table.column("origin_snap_m").to_numpy(zero_copy_only=False) if meta["has_origin_snap"] else None
    dest_snap = meta["destination_snap_m"]
    rows, cols = np.nonzero(~np.isfinite(minutes))
    dest_ids = np.array(meta["destination_ids"], dtype=object)
    tm = TravelMatrix(
        minutes=minutes,
        origin_ids=origin_ids,
        destination_ids=dest_ids,
        mode=meta["mode"],
        method=meta["method"],
        unreachable=tuple(zip(origin_ids[rows].tolist(), dest_ids[cols].tolist(), strict=True)),
        origin_snap_m=None if origin_snap is None else np.asarray(origin_snap, dtype=float),
        destination_snap_m=None if dest_snap is None else np.asarray(dest_snap, dtype=float),
        cutoff_minutes=meta["cutoff_minutes"],
    )
    if tm.n_unreachable != meta["n_unreachable"] or _content_hash(tm) != meta["content_sha256"]:
        raise ValueError("the content does not match its recorded hash")
    return tm


def get_or_compute(
    key_parts: Mapping[str, Any],
    compute_fn: Callable[[], TravelMatrix],
    cache_dir: str | Path,
    refresh: bool = False,
) -> TravelMatrix:
    """The cached matrix for ``key_parts``, or ``compute_fn()`` (then cached) when absent, corrupt or refreshed.

    Parameters
    ----------
    key_parts : Mapping
        Everything that decides the matrix (see :func:`matrix_key_parts`); JSON-serialisable.
    compute_fn : callable
        Makes the matrix when it is not cached.
    cache_dir : str or Path
        The cache folder (created when needed).
    refresh : bool
        Recompute and overwrite even when a valid cached matrix exists.

    Returns
    -------
    TravelMatrix
    """
    key = cache_key(key_parts)
    path = cache_path(cache_dir, key)
    if not refresh and path.exists():
        try:
            return read_matrix(path, key=key)
        except Exception as exc:  # any failure means the file cannot be trusted
            warnings.warn(
                f"the cached travel-time matrix {path} is unreadable or corrupt ({exc}); recomputing it",
                RuntimeWarning,
                stacklevel=2,
            )
    tm = compute_fn()
    try:
        write_matrix(tm, path, key=key)
    except OSError as exc:
        warnings.warn(f"could not save the travel-time matrix to the cache ({exc})", RuntimeWarning, stacklevel=2)
    return tm
