"""Download a region's bus timetables as GTFS from the Bus Open Data Service (BODS), only when asked.

BODS publishes every English bus timetable (converted from TransXChange) as GTFS zips, one per region, at
``https://data.bus-data.dft.gov.uk/timetable/download/gtfs-file/REGION/`` (the address as used in public code that
downloads the same files; licence: Open Government Licence v3). A region's zip is large (hundreds of megabytes for
the South East), so it is downloaded once into a cache, resumed after an interruption, checked (a zip holding the
GTFS files hubopt reads), recorded with its size and SHA-256 in the cache's ``fetch_manifest.json``, and reused
until ``refresh``. BODS moves files like any publisher: ``url`` overrides the address (e.g. one with an API key).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hubopt.build.cache_manifest import MANIFEST_NAME, cached_file, read_manifest, write_manifest
from hubopt.build.transfer import default_session, download
from hubopt.errors import InputError, quote
from hubopt.io._files import file_sha256

__all__ = ["AREA_REGIONS", "BODS_GTFS_URL", "BODS_REGIONS", "check_gtfs_zip", "fetch_gtfs"]

#: The address of a region's GTFS zip on the Bus Open Data Service.
BODS_GTFS_URL = "https://data.bus-data.dft.gov.uk/timetable/download/gtfs-file/{region}/"
#: The regions BODS publishes (``all`` is Great Britain: over a gigabyte).
BODS_REGIONS = (
    "east_anglia",
    "east_midlands",
    "london",
    "north_east",
    "north_west",
    "south_east",
    "south_west",
    "west_midlands",
    "yorkshire",
    "england",
    "scotland",
    "wales",
    "all",
)
#: The BODS region of each named study area.
AREA_REGIONS = {"west_kent": "south_east"}
_GTFS_FILES = ("stops.txt", "trips.txt", "stop_times.txt")


def check_gtfs_zip(path: Path) -> None:
    """Fail unless ``path`` is a zip holding stops.txt, trips.txt, stop_times.txt and a calendar file."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = {Path(n).name for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"the downloaded file is not a zip ({exc}); the service may have answered with a web page",
            path=path,
            hint="open the address in a browser; if it asks for an API key, give the address with it (--url)",
        ) from None
    missing = [n for n in _GTFS_FILES if n not in names]
    if missing or not names & {"calendar.txt", "calendar_dates.txt"}:
        raise InputError(
            f"the downloaded zip is not a GTFS feed (it lacks {', '.join(missing) or 'a calendar file'})",
            path=path,
            hint="check the address (--url)",
        )


def fetch_gtfs(
    region: str,
    cache_dir: str | Path,
    *,
    url: str | None = None,
    session: Any = None,
    refresh: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """The region's GTFS zip in ``cache_dir``, downloaded only when not already there (or on ``refresh``).

    Parameters
    ----------
    region : str
        One of :data:`BODS_REGIONS`.
    cache_dir : str or Path
        The cache folder (created when missing).
    url : str, optional
        Another address for the file.
    session : requests.Session-like, optional
        Passed to :func:`hubopt.build.transfer.download`.
    refresh : bool
        Download again even when the cached file matches its record.
    progress : callable, optional
        ``progress(done_bytes, total_bytes)`` during the download.

    Returns
    -------
    Path
        The cached zip.
    """
    if region not in BODS_REGIONS:
        raise InputError(
            f"{quote(region)} is not a Bus Open Data Service region",
            parameter="region",
            hint=f"use one of: {', '.join(BODS_REGIONS)}",
        )
    address = url or BODS_GTFS_URL.format(region=region)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    manifest_path = cache / MANIFEST_NAME
    records = read_manifest(manifest_path)
    key = f"bods_gtfs_{region}"
    reuse = None if refresh else cached_file(cache, records.get(key), url=address, page=None)
    if reuse is not None:
        return reuse
    dest = cache / f"{key}.zip"
    part = dest.with_suffix(dest.suffix + ".part")
    record = records.get(key)
    if (refresh or dest.exists() or (record is not None and record.get("url") != address)) and part.exists():
        part.unlink()  # left from another file: do not resume it
    records.pop(key, None)
    write_manifest(manifest_path, records)
    download(address, dest, session=session if session is not None else default_session(), progress=progress)
    check_gtfs_zip(dest)
    records[key] = {
        "key": key,
        "url": address,
        "file": dest.name,
        "bytes": dest.stat().st_size,
        "sha256": file_sha256(dest),
        "downloaded_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    write_manifest(manifest_path, records)
    return dest
