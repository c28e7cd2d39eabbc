"""Download one file over HTTP, resuming a partial download, and rename it into place only when complete.

A download is written to ``<file>.part`` and renamed to ``<file>`` only once complete (and its checksum verified
when one is expected), so the cache never holds a partial file under the final name. Running the fetch again after
an interruption resumes the ``.part`` file with an HTTP ``Range`` request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubopt.build.catalogue import OVERRIDE_HINT
from hubopt.errors import InputError
from hubopt.io._files import file_sha256

#: Seconds to wait for the server to connect and to send the next bytes.
TIMEOUT = (15, 120)

#: ``progress(done_bytes, total_bytes)``, called after each chunk (``total_bytes`` is None when unknown).
Progress = Callable[[int, int | None], None]


def _content_length(headers: Mapping[str, str]) -> int | None:
    """The Content-Length of a response, or None when absent, unusable or describing compressed bytes."""
    lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    if lowered.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None
    text = lowered.get("content-length", "").strip()
    return int(text) if text.isdigit() else None


def _range_start(headers: Mapping[str, str]) -> int | None:
    """First byte of a ``Content-Range: bytes A-B/N`` header, or None."""
    lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    m = re.match(r"^\s*bytes\s+(\d+)-", lowered.get("content-range", ""))
    return int(m.group(1)) if m else None


def default_session() -> Any:
    """A new ``requests.Session`` (requests is imported only when a download is made)."""
    import requests  # imported here so that importing hubopt does not need it

    return requests.Session()


def _network_errors() -> tuple[type[BaseException], ...]:
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is a dependency of osmnx
        return (OSError,)
    return (requests.RequestException, OSError)


def download(
    url: str,
    dest: str | Path,
    *,
    session: Any = None,
    expected_sha256: str | None = None,
    progress: Progress | None = None,
    chunk: int = 1 << 20,
) -> Path:
    """Download ``url`` to ``dest``, resuming a previous partial download, and rename it into place when complete.

    Bytes are written to ``dest`` + ``.part``. When that file exists, the request asks for the rest
    (``Range: bytes=N-``): a ``206`` answer is appended, a ``200`` answer (the server ignores ranges) restarts the
    file. Only a complete file (size equal to the announced ``Content-Length``, and SHA-256 equal to
    ``expected_sha256`` when given) is renamed to ``dest``, atomically.

    Parameters
    ----------
    url : str
        The address to download.
    dest : str or Path
        The final file.
    session : requests.Session-like, optional
        Object with ``get(url, headers=, stream=, timeout=)``; a new ``requests.Session`` by default.
    expected_sha256 : str, optional
        Hex SHA-256 the complete file must have.
    progress : callable, optional
        Called as ``progress(done_bytes, total_bytes)`` after each chunk (``total_bytes`` is None when unknown).
    chunk : int
        Bytes per read.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    InputError
        On an HTTP error status, a connection error or an interrupted transfer (the ``.part`` file is kept, and
        running again resumes it), a size that differs from ``Content-Length`` or a checksum mismatch (the
        ``.part`` file is removed, as its bytes are wrong). ``dest`` is never written in these cases.
    """
    dest = Path(dest)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_suffix(dest.suffix + ".part")
    session = session if session is not None else default_session()
    errors = _network_errors()

    for _attempt in range(2):  # a second attempt only after a 416 answer to a stale range
        offset = part.stat().st_size if part.exists() else 0
        response = _request(session, url, offset, dest, errors)
        with response:
            received = _receive(response, url, dest, offset, progress=progress, chunk=chunk, errors=errors)
        if received is not None:
            break
    else:  # pragma: no cover - two 416 answers in a row
        raise InputError(f"the server refused to resume {url} (HTTP 416)", path=dest, hint="retry")

    _check_complete(url, part, dest, received, expected_sha256)
    part.replace(dest)
    return dest


@dataclass(frozen=True)
class _Received:
    """Bytes in the ``.part`` file after a transfer, and the size the server announced (None when unknown)."""

    done: int
    total: int | None


def _request(session: Any, url: str, offset: int, dest: Path, errors: tuple[type[BaseException], ...]) -> Any:
    """Ask for ``url`` from byte ``offset`` on (all of it when 0); a connection error becomes an InputError."""
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        return session.get(url, headers=headers, stream=True, timeout=TIMEOUT)
    except errors as exc:
        raise InputError(
            f"could not connect to {url}: {exc}",
            path=dest,
            hint=f"check the network connection and retry; {OVERRIDE_HINT}",
        ) from None


def _receive(
    response: Any,
    url: str,
    dest: Path,
    offset: int,
    *,
    progress: Progress | None,
    chunk: int,
    errors: tuple[type[BaseException], ...],
) -> _Received | None:
    """Write the response's bytes to ``dest`` + ``.part``: appended to its ``offset`` bytes for a ``206`` answer,
    from the start for a ``200`` one. None (and the ``.part`` file removed) for a ``416`` answer to a stale range:
    the caller starts again."""
    part = dest.with_suffix(dest.suffix + ".part")
    status = int(response.status_code)
    if status == 416 and offset:
        part.unlink()  # the partial file does not fit the server's file: start again
        return None
    if status == 206 and offset and _range_start(response.headers) in (None, offset):
        mode, done = "ab", offset
        length = _content_length(response.headers)
        total = None if length is None else offset + length
    elif status == 200:
        mode, done = "wb", 0
        total = _content_length(response.headers)
    else:
        raise InputError(
            f"the server answered HTTP {status} for {url}",
            path=dest,
            hint="the file may have moved (HTTP 404) or the server may be busy (HTTP 5xx); retry later, "
            f"or {OVERRIDE_HINT}",
        )
    try:
        with part.open(mode) as fh:
            for block in response.iter_content(chunk_size=chunk):
                if not block:
                    continue
                fh.write(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
    except errors as exc:
        raise InputError(
            f"the download of {url} was interrupted after {done:,} bytes: {exc}",
            path=part,
            hint="run the same command again: it resumes from the partial file",
        ) from None
    return _Received(done, total)


def _check_complete(url: str, part: Path, dest: Path, received: _Received, expected_sha256: str | None) -> None:
    """Check the size against the announced one and the checksum against the expected one; a ``.part`` file with
    wrong bytes (too many, or another checksum) is removed, one that is only short is kept for resuming."""
    done, total = received.done, received.total
    if total is not None and done != total:
        if done > total:
            part.unlink()
        raise InputError(
            f"the download of {url} has {done:,} bytes but the server announced {total:,} (Content-Length)",
            path=part if part.exists() else dest,
            hint="run the command again: "
            + ("it resumes from the partial file" if part.exists() else "the download starts over"),
        )
    if expected_sha256 is not None:
        actual = file_sha256(part)
        if actual.lower() != expected_sha256.lower():
            part.unlink()
            raise InputError(
                f"the file downloaded from {url} has SHA-256 {actual}, not the expected {expected_sha256}; it was "
                "not kept",
                path=dest,
                hint="retry; if it fails again the publisher has changed the file: check the address, or "
                + OVERRIDE_HINT,
            )
