"""Input files: that a named file exists, the files in a folder, whether bytes look binary, a file's hash.

Each check fails with an :class:`~hubopt.errors.InputError` that names the file and says what to do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from hubopt.errors import InputError


def require_file(path: str | Path, what: str) -> Path:
    """Return ``path`` as a :class:`Path`, or fail if it is not an existing file.

    Parameters
    ----------
    path : str or Path
        The file to check.
    what : str
        What the file should hold, for the message (e.g. "ODS epraccur file").
    """
    p = Path(path)
    if not p.exists():
        raise InputError(
            f"the {what} does not exist",
            path=p,
            hint="check the path (relative paths are read from the scenario file's folder or the current folder)",
        )
    if not p.is_file():
        raise InputError(f"the {what} is a folder, not a file", path=p, hint="name the file itself")
    return p


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a binary file (spreadsheet, zip, ...) rather than text."""
    return b"\x00" in head or head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def list_source_files(source: str | Path | Iterable[str | Path], *, what: str, suffixes: Sequence[str]) -> list[Path]:
    """The files named by ``source``: one file, a folder (its files ending in one of ``suffixes``) or a list of both.

    Parameters
    ----------
    source : str, Path or iterable of them
        A file, a folder or a list of files and folders.
    what : str
        What the files should hold, for messages (e.g. "LSOA boundary file").
    suffixes : sequence of str
        File endings taken from a folder, lower case with the dot (e.g. ``(".json", ".geojson")``).

    Returns
    -------
    list of Path
        Existing files, folder contents sorted by name, each file once.
    """
    items = [source] if isinstance(source, str | Path) else list(source)
    if not items:
        raise InputError(f"no {what} was given", hint=f"name a {what} or a folder of them")
    ends = tuple(s.lower() for s in suffixes)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(ends))
            if not found:
                raise InputError(
                    f"the folder holds no {what} (no file ending in {', '.join(ends)})",
                    path=p,
                    hint="check the folder, or name the files themselves",
                )
            files.extend(found)
        else:
            files.append(require_file(p, what))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, for run manifests and caches."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
