"""Output folders that never harm a user's files.

Every folder hubopt writes (a run, a comparison, demand tables, a study) goes through :func:`prepare`, before any
computation, and then :meth:`StagedFolder.commit`:

- a path that is a file, or a folder that holds files hubopt did not write, is refused (with or without
  ``--overwrite``): hubopt replaces only a folder whose own record (``manifest.json`` with ``"generator":
  "hubopt"``, or a study's ``study.yaml``) shows that hubopt wrote it;
- a lock file ``.NAME.lock`` (holding the process ID) beside the folder stops a second hubopt process writing to
  the same place; a lock left by a process that no longer runs is taken over;
- the outputs are written to a staging folder of their own (``.NAME.partial-<pid>-<random>``, beside the
  destination, so that the final rename is atomic), created at once: a folder that cannot be written fails
  before the computation, not after;
- a write that fails (full disk, no permission, read-only disk) removes the staging folder and raises an
  :class:`~hubopt.errors.InputError` that says what to free or change;
- on success the earlier outputs are replaced: only the files the folder's record lists are removed. Any other
  file a user put in an earlier run folder (notes, a comparison subfolder, a network file in a study) is kept and
  moved into the new folder; if the new outputs would write a file of the same name, the commit is refused and
  nothing changes.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import glob
import json
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from hubopt._version import __version__
from hubopt.errors import HuboptError, InputError
from hubopt.files.atomic import unique_sibling, write_text_atomic

__all__ = [
    "GENERATOR",
    "MANIFEST",
    "StagedFolder",
    "add_outputs",
    "manifest_files",
    "output_marker",
    "prepare",
    "write_folder_manifest",
    "write_problem",
]

#: The record of a folder's outputs, written last.
MANIFEST = "manifest.json"
#: The value of ``generator`` in every manifest hubopt writes.
GENERATOR = "hubopt"
#: The files ``run --housing`` wrote into a run folder before the run's manifest listed them.
LEGACY_COMPARISON_FILES = "comparison[._]*"
#: The least free space (bytes) for a new output folder; below it, a run is refused before computing.
MIN_FREE_BYTES = 50 * 1024 * 1024

#: A function that names the files hubopt wrote in a folder, or returns None when hubopt did not write it.
OwnedFiles = Callable[[Path], "set[str] | None"]


def output_marker(kind: str) -> dict[str, str]:
    """The keys that mark a manifest as hubopt's own: ``{"generator": "hubopt", "kind": kind}``."""
    return {"generator": GENERATOR, "kind": kind}


def write_folder_manifest(folder: Path, kind: str, **record: Any) -> list[str]:
    """Write ``manifest.json`` into a staged ``folder``, listing every file in it; return the names listed.

    For outputs other than runs (comparisons, demand tables): the manifest marks the folder as hubopt's, so that a
    later output may replace it, and names the files that may be removed then.
    """
    names = [*sorted(os.listdir(folder)), MANIFEST]
    content = {**output_marker(kind), "hubopt_version": __version__, **record, "outputs": names}
    (folder / MANIFEST).write_text(json.dumps(content, indent=2, default=str) + "\n", encoding="utf-8")
    return names


def manifest_files(folder: Path) -> set[str] | None:
    """The files hubopt wrote in ``folder`` according to its ``manifest.json``; None when hubopt did not write it.

    A manifest counts when it says ``"generator": "hubopt"``, or (runs written before that marker) holds a
    ``hubopt_version``; its ``outputs`` list names the files. ``manifest.json`` itself counts too, and for an older
    run, which did not list them, its ``summary.txt`` and the comparison files ``run --housing`` wrote.
    """
    path = folder / MANIFEST
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    if record.get("generator") != GENERATOR and "hubopt_version" not in record:
        return None
    outputs = record.get("outputs")
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        return None
    names = {o for o in outputs if o and "/" not in o and "\\" not in o and o not in (".", "..")}
    names.add(MANIFEST)
    if record.get("generator") != GENERATOR:  # a run written before the manifest listed everything
        names.add("summary.txt")
        with contextlib.suppress(OSError):
            names |= {n for n in os.listdir(folder) if fnmatch.fnmatch(n, LEGACY_COMPARISON_FILES)}
    return names


def write_problem(exc: OSError, folder: Path, what: str) -> InputError:
    """A plain message for a failed write into ``folder``: what happened and what to free or change."""
    where = folder.parent if str(folder.parent) else Path(".")
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        try:
            free = f"; it has {shutil.disk_usage(_existing(where)).free / 1e6:,.0f} MB free"
        except OSError:
            free = ""
        return InputError(
            f"the disk is full: the {what} could not be written, and nothing was left behind",
            path=folder,
            hint=f"free space on the disk that holds {where}{free} (a run needs tens of MB), or choose a folder on "
            "another disk with --out",
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "the disk is read-only" if exc.errno == errno.EROFS else "permission denied"
        return InputError(
            f"hubopt may not write the {what} there ({reason}), and nothing was left behind",
            path=folder,
            hint=f"choose a folder you can write to with --out, or ask for write permission on {where}",
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return InputError(
            f"the {what} could not be written: a part of the folder's path is a file, not a folder",
            path=folder,
            hint="choose another folder with --out (the file is left as it is)",
        )
    return InputError(
        f"the {what} could not be written ({exc.strerror or exc}), and nothing was left behind",
        path=folder,
        hint="check the folder path and the disk, or choose another folder with --out",
    )


#: Errors of the disk or of permissions, that a user fixes by freeing space or choosing another folder.
_DISK_ERRORS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EACCES, errno.EPERM, errno.EROFS}


def _disk_error(exc: BaseException) -> OSError | None:
    """The OSError behind a failed write: ``exc`` itself, or a disk or permission error that a library wrapped."""
    if isinstance(exc, OSError):
        return exc
    if isinstance(exc, HuboptError | KeyboardInterrupt):  # already a message for the user, or the user's own stop
        return None
    seen: set[int] = set()
    inner: BaseException | None = exc
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        if isinstance(inner, OSError) and inner.errno in _DISK_ERRORS:
            return inner
        inner = inner.__cause__ or (None if inner.__suppress_context__ else inner.__context__)
    return None


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _listing(folder: Path, limit: int = 5) -> str:
    names = sorted(os.listdir(folder))
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# -- the lock --------------------------------------------------------------------------------------------------------


def _lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


def _holder(lock: Path) -> tuple[int, str] | None:
    try:
        pid, host = lock.read_text(encoding="utf-8").split()[:2]
        return int(pid), host
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def _acquire(lock: Path, folder: Path, what: str) -> None:
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            holder = _holder(lock)
            stale = holder is not None and holder[1] == socket.gethostname() and not _alive(holder[0])
            if not stale:
                who = f" (process {holder[0]} on {holder[1]})" if holder else ""
                raise InputError(
                    f"another hubopt run is writing to this folder{who}",
                    path=folder,
                    hint=f"wait until it has finished, or choose another folder with --out; if no hubopt is "
                    f"running, delete the lock file {lock}",
                ) from None
            lock.unlink(missing_ok=True)  # left by a process that no longer runs
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {socket.gethostname()}\n")
        return
    raise InputError(  # pragma: no cover - another process took the stale lock at the same moment
        f"another hubopt process is writing the {what} to this folder",
        path=folder,
        hint="wait until it has finished, or choose another folder with --out",
    )


def _release(lock: Path) -> None:
    holder = _holder(lock)
    if holder is not None and holder[0] == os.getpid():
        lock.unlink(missing_ok=True)


# -- the staged folder -----------------------------------------------------------------------------------------------


class StagedFolder:
    """A destination folder, its lock and its staging folder; made by :func:`prepare`.

    Write the outputs into :attr:`staging` (inside :meth:`writing`), then call :meth:`commit`. Used as a context
    manager, the staging folder and the lock are removed when the block ends without a commit (on any error).
    """

    def __init__(
        self,
        folder: Path,
        staging: Path,
        lock: Path,
        *,
        overwrite: bool,
        what: str,
        owned: OwnedFiles,
        created: list[Path] | None = None,
    ) -> None:
        self.folder = folder
        self.staging = staging
        self.lock = lock
        self.overwrite = overwrite
        self.what = what
        self.owned = owned
        self.created = list(created or [])
        self.kept: list[str] = []
        self.done = False

    def __enter__(self) -> StagedFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.done:
            self.discard()

    @contextlib.contextmanager
    def writing(self) -> Iterator[Path]:
        """Yield the staging folder; a failed write (OSError) becomes an InputError saying what to change."""
        try:
            yield self.staging
        except BaseException as exc:
            self.discard()
            cause = _disk_error(exc)
            if cause is None:
                raise
            raise write_problem(cause, self.folder, self.what) from None

    def discard(self) -> None:
        """Remove the staging folder, the lock and the folders made for them; the destination is left as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)
        _release(self.lock)
        if not self.folder.exists():
            _remove_empty(self.created)
        self.done = True

    def commit(self) -> Path:
        """Move the staged outputs into place, replacing an earlier output of hubopt's; return the folder.

        Files of the earlier folder that its record does not list are kept (moved into the new folder).

        Raises
        ------
        InputError
            When the folder changed since :func:`prepare` so that it can no longer be replaced safely, a kept file
            has the name of a new output, or the move fails (nothing is changed then).
        """
        try:
            extras = _check_replaceable(self.folder, self.overwrite, self.what, self.owned)
            clash = sorted(set(extras) & set(os.listdir(self.staging)))
            if clash:
                raise InputError(
                    f"the folder holds {', '.join(clash)}, which hubopt did not write and the new {self.what} "
                    "would replace",
                    path=self.folder,
                    hint="move or rename those files, or choose another folder with --out",
                )
            if self.folder.exists():
                self._replace(extras)
            else:
                os.rename(self.staging, self.folder)
        except OSError as exc:
            self.discard()
            raise write_problem(exc, self.folder, self.what) from None
        except BaseException:
            self.discard()
            raise
        self.kept = sorted(extras)
        _release(self.lock)
        self.done = True
        return self.folder

    def _replace(self, extras: list[str]) -> None:
        old = unique_sibling(self.folder, "old", directory=True)
        old.rmdir()
        os.rename(self.folder, old)
        moved: list[str] = []
        try:
            for name in extras:
                os.rename(old / name, self.staging / name)
                moved.append(name)
            os.rename(self.staging, self.folder)
        except BaseException:
            for name in moved:  # put the user's files and the earlier outputs back as they were
                os.rename(self.staging / name, old / name)
            os.rename(old, self.folder)
            raise
        shutil.rmtree(old, ignore_errors=True)  # holds only files the earlier record listed


def _check_replaceable(folder: Path, overwrite: bool, what: str, owned: OwnedFiles) -> list[str]:
    """Refuse a path hubopt may not replace; return the names of the files to keep (not hubopt's)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        kind = "a link" if folder.is_symlink() else "a file"
        raise InputError(
            f"the output path is {kind}, not a folder",
            path=folder,
            hint=f"give a folder for the {what} with --out (the existing {kind[2:]} is left as it is)",
        )
    if not folder.exists():
        return []
    names = os.listdir(folder)
    if not names:
        return []
    mine = owned(folder)
    if mine is None:
        raise InputError(
            f"the folder holds files that hubopt did not write ({_listing(folder)}); hubopt only replaces a "
            f"folder that holds its own {what}",
            path=folder,
            hint="choose a new or empty folder with --out; hubopt never deletes files it did not write",
        )
    if not overwrite:
        raise InputError(
            f"the output folder already holds a {what}",
            path=folder,
            hint="choose another folder with --out, or pass --overwrite to replace it",
        )
    return sorted(n for n in names if n not in mine)


def _remove_abandoned_staging(folder: Path) -> None:
    """Remove staging folders of ``folder`` left by hubopt processes that were killed (their process has ended).

    Called with the lock held, so no live process of this machine is writing them. Only hubopt's own staging
    folders (``.NAME.partial-<pid>-<random>``) are removed; nothing else is touched.
    """
    prefix = f".{folder.name}.partial-"
    for path in folder.parent.glob(f"{glob.escape(prefix)}*"):
        pid = path.name[len(prefix) :].split("-")[0]
        if path.is_dir() and not path.is_symlink() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def prepare(
    folder: str | Path,
    *,
    overwrite: bool,
    what: str = "run",
    owned: OwnedFiles = manifest_files,
    min_free_bytes: int | None = None,
) -> StagedFolder:
    """Check that ``folder`` may be written and reserve it, before any computation.

    Parameters
    ----------
    folder : str or Path
        The destination folder.
    overwrite : bool
        Whether an earlier output of hubopt's in ``folder`` may be replaced.
    what : str
        What is written, for messages ("run", "comparison", "study"...).
    owned : callable
        Names the files hubopt wrote in a folder, or returns None for a folder hubopt did not write (default:
        :func:`manifest_files`).
    min_free_bytes : int, optional
        Refuse when the disk has less free space than this (default: :data:`MIN_FREE_BYTES`).

    Returns
    -------
    StagedFolder
        With its lock taken and its staging folder created.

    Raises
    ------
    InputError
        For a path that is a file, a folder that holds files hubopt did not write, an earlier output without
        ``overwrite``, a folder another hubopt process is writing to, or a place that cannot be written.
    """
    target = Path(folder)
    try:
        _check_replaceable(target, overwrite, what, owned)
        if target.is_dir() and os.listdir(target) and not os.access(target, os.W_OK | os.X_OK):
            # the earlier outputs are removed from it (and a user's files moved out of it) on commit
            raise PermissionError(errno.EACCES, "the folder is read-only", str(target))
    except OSError as exc:  # e.g. a folder that may not be listed or changed
        raise write_problem(exc, target, what) from None
    parent = target.parent
    created = _missing_folders(parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(created)
        raise write_problem(exc, target, what) from None
    lock = _lock_path(target)
    try:
        _acquire(lock, target, what)
    except BaseException as exc:
        _remove_empty(created)
        if isinstance(exc, OSError):
            raise write_problem(exc, target, what) from None
        raise
    try:
        if shutil.disk_usage(parent).free < (MIN_FREE_BYTES if min_free_bytes is None else min_free_bytes):
            raise OSError(errno.ENOSPC, "not enough free space")
        _remove_abandoned_staging(target)
        staging = unique_sibling(target, "partial", directory=True)
    except BaseException as exc:
        _release(lock)
        _remove_empty(created)
        if isinstance(exc, OSError):
            raise write_problem(exc, target, what) from None
        raise
    return StagedFolder(target, staging, lock, overwrite=overwrite, what=what, owned=owned, created=created)


def _missing_folders(folder: Path) -> list[Path]:
    """The folders of ``folder``'s path that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove folders that hubopt created for an output that was not written (deepest first; only when empty)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def add_outputs(folder: Path, write: Callable[[Path], list[str]], *, what: str) -> list[str]:
    """Add files to a finished output folder of hubopt's, atomically, and list them in its manifest.

    ``write(staging)`` writes the new files into a staging folder and returns their names; they are then moved in
    and added to the folder's ``manifest.json``. A file of the same name that hubopt did not write is never
    replaced.

    Returns
    -------
    list of str
        The names written.
    """
    mine = manifest_files(folder)
    if mine is None:
        raise InputError(f"the folder holds no output of hubopt's to add the {what} to", path=folder)
    lock = _lock_path(folder)
    _acquire(lock, folder, what)
    staging: Path | None = None
    try:
        staging = unique_sibling(folder, "partial", directory=True)
        names = write(staging)
        clash = sorted(n for n in names if (folder / n).exists() and n not in mine)
        if clash:
            raise InputError(
                f"the folder holds {', '.join(clash)}, which hubopt did not write and the {what} would replace",
                path=folder,
                hint="move or rename those files",
            )
        record: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        for name in names:
            os.replace(staging / name, folder / name)
        record["outputs"] = list(dict.fromkeys([*record.get("outputs", []), *names]))
        write_text_atomic(folder / MANIFEST, json.dumps(record, indent=2, default=str) + "\n")
        return names
    except OSError as exc:
        raise write_problem(exc, folder, what) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        _release(lock)
