"""The download cache's record of its files, ``fetch_manifest.json``.

No checksums are built in. The first download of each file records its size and SHA-256 in the cache's
``fetch_manifest.json``; later runs reuse a cached file only while it still matches that record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hubopt.errors import InputError
from hubopt.files.atomic import write_text_atomic
from hubopt.io._files import file_sha256

#: Name of the cache's record of downloaded files.
MANIFEST_NAME = "fetch_manifest.json"


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The records of the manifest file ``path``, by key (empty when there is no such file)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict):
            raise TypeError("'files' is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"the download manifest cannot be read: {exc}",
            path=path,
            hint="delete it: the cached files are then downloaded again",
        ) from None
    return files


def manifest_records(cache_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The records of a cache's ``fetch_manifest.json``, by key (empty when the cache has no manifest).

    Parameters
    ----------
    cache_dir : str or Path
        The cache folder.

    Returns
    -------
    dict of str to dict
        Each record as :func:`fetch_sources` wrote it (``key``, ``url``, ``file``, ``bytes``, ``sha256``,
        ``downloaded_utc`` and, for a file found on a page, ``page``).

    Raises
    ------
    InputError
        When the manifest exists but cannot be read.
    """
    return read_manifest(Path(cache_dir) / MANIFEST_NAME)


def write_manifest(path: Path, files: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the records ``files`` to the manifest file ``path``, atomically."""
    write_text_atomic(path, json.dumps({"files": dict(sorted(files.items()))}, indent=2) + "\n")


def cached_file(cache: Path, record: Mapping[str, Any] | None, *, url: str | None, page: str | None) -> Path | None:
    """The cached file of a manifest record, when it is still there, unchanged, and from the same address."""
    if record is None or not record.get("file"):
        return None
    if url is not None and record.get("url") != url:
        return None
    if url is None and record.get("page") != page:
        return None
    path = cache / str(record["file"])
    if path.exists() and record.get("sha256") == file_sha256(path):
        return path
    return None
