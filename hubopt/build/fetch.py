"""Download the official source files into a local cache, only when asked.

:func:`fetch_sources` makes sure the named files of :data:`SOURCES` are in a cache folder. The concerns live in
their own modules, whose public names this module also offers:

- :mod:`hubopt.build.catalogue`: the official files (:data:`SOURCES`: publisher, licence, address), the
  ``--url KEY=URL`` overrides (:func:`parse_url_overrides`) and the names of cached files (:func:`cache_name`);
- :mod:`hubopt.build.transfer`: one HTTP download that resumes a ``.part`` file and renames it into place only when
  complete (:func:`download`);
- :mod:`hubopt.build.cache_manifest`: the cache's ``fetch_manifest.json``, the size and SHA-256 recorded at the
  first download of each file (no checksums are built in); a cached file is reused only while it matches its
  record (:func:`manifest_records`);
- :mod:`hubopt.build.layout`: the check that a downloaded file has the layout hubopt's loaders read
  (:func:`check_layout`), and :func:`districts_known`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hubopt.build.cache_manifest import MANIFEST_NAME, cached_file, manifest_records, read_manifest, write_manifest
from hubopt.build.catalogue import SOURCES, RemoteFile, cache_name, check_key, is_page, parse_url_overrides
from hubopt.build.layout import check_layout, districts_known
from hubopt.build.transfer import default_session, download
from hubopt.errors import InputError
from hubopt.io._files import file_sha256

__all__ = [
    "MANIFEST_NAME",
    "SOURCES",
    "RemoteFile",
    "cache_name",
    "check_layout",
    "districts_known",
    "download",
    "fetch_sources",
    "manifest_records",
    "parse_url_overrides",
]


def fetch_sources(
    keys: Iterable[str],
    cache_dir: str | Path,
    *,
    urls: Mapping[str, str] | None = None,
    session: Any = None,
    refresh: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> dict[str, Path]:
    """Make sure the named official files are in ``cache_dir``, downloading only those that are not.

    A file is reused when it is in the cache, has a record in ``fetch_manifest.json`` from the same address (for
    a file found on a publisher's page: from the same page), and its SHA-256 still matches that record.
    Otherwise it is downloaded (resuming a ``.part`` file left by an interrupted run), its layout is checked with
    :func:`check_layout`, and its record (key, url, file, bytes, sha256, downloaded_utc, and page for a file found
    on a page) is written to the manifest.

    A source without a fixed address (``url`` None) is looked up on its publisher's page with its
    :attr:`RemoteFile.resolver`, through ``session``; an address given for it in ``urls`` may be the file itself
    or a page to look on (an address without a data extension such as ``.csv`` or ``.zip``).

    Parameters
    ----------
    keys : iterable of str
        Keys of :data:`SOURCES`.
    cache_dir : str or Path
        The cache folder (created when missing).
    urls : mapping of str to str, optional
        Addresses that replace those of :data:`SOURCES` (``--url KEY=URL``).
    session : requests.Session-like, optional
        Passed to :func:`download` and to the resolvers.
    refresh : bool
        Download again even when the cached file matches its record (a leftover ``.part`` file is discarded); a
        file found on a page is looked up again.
    progress : callable, optional
        Called as ``progress(key, done_bytes, total_bytes)`` during each download.

    Returns
    -------
    dict of str to Path
        The cached file of each key.

    Raises
    ------
    InputError
        On an unknown key, a source with no known address and no override, a publisher's page without the file
        (see :mod:`hubopt.build.publications`), a failed download (see :func:`download`) or a file whose layout is not
        the one hubopt reads (see :func:`check_layout`).
    """
    wanted = list(dict.fromkeys(keys))
    overrides = dict(urls or {})
    for key in [*wanted, *overrides]:
        check_key(key)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    manifest_path = cache / MANIFEST_NAME
    records = read_manifest(manifest_path)
    out: dict[str, Path] = {}
    for key in wanted:
        source = SOURCES[key]
        given = overrides.get(key)
        url: str | None
        page: str | None = None
        if given is not None and not is_page(source, given):
            url = given
        elif given is not None:
            url, page = None, given
        elif source.url is not None:
            url = source.url
        elif source.resolver is not None:
            url, page = None, source.page
        else:  # pragma: no cover - every source without an address has a resolver
            raise InputError(
                f"{source.title} has no fixed download address (each release has its own)",
                hint=f"find the current file on {source.page} and give it with --url {key}=URL",
            )
        record = records.get(key)
        reuse = None if refresh else cached_file(cache, record, url=url, page=page)
        if reuse is not None:
            out[key] = reuse
            continue
        if session is None:
            session = default_session()
        if url is None:
            assert source.resolver is not None and page is not None
            url = source.resolver(page, session)
        dest = cache / cache_name(source, url)
        part = dest.with_suffix(dest.suffix + ".part")
        if (refresh or dest.exists() or (record is not None and record.get("url") != url)) and part.exists():
            part.unlink()  # left from another file: do not resume it
        records.pop(key, None)
        write_manifest(manifest_path, records)
        report = None if progress is None else (lambda done, total, _k=key: progress(_k, done, total))
        download(url, dest, session=session, progress=report)
        check_layout(key, dest)
        records[key] = {
            "key": key,
            "url": url,
            "file": dest.name,
            "bytes": dest.stat().st_size,
            "sha256": file_sha256(dest),
            "downloaded_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if page is not None:
            records[key]["page"] = page
        write_manifest(manifest_path, records)
        out[key] = dest
    return out
