"""Files written whole or not at all: a unique temporary file beside the target, renamed over it when complete.

A crash, a full disk or a second hubopt process writing the same file at the same moment never leaves a
half-written file under the real name: each writer has its own temporary file (``.NAME.<random>.tmp`` in the
target's folder, so the rename stays on one file system and is atomic), removed when the write fails.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "unique_sibling", "write_text_atomic"]


def unique_sibling(target: Path, tag: str, *, directory: bool) -> Path:
    """Create and return a new, uniquely named file or folder ``.NAME.<tag>-<pid>-<random>`` beside ``target``.

    Unlike :mod:`tempfile`, the permissions follow the user's umask (a run folder is as readable as any other
    folder the user makes), and the name says what it is for.

    Raises
    ------
    OSError
        When the folder of ``target`` cannot be written.
    """
    for _ in range(100):
        path = target.parent / f".{target.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            if directory:
                path.mkdir(mode=0o777)
            else:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name beside {target}")  # pragma: no cover - 100 random clashes


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a unique temporary path beside ``target``; on success rename it to ``target``, on failure remove it.

    The folder of ``target`` is created when missing. Write the file at the yielded path (any writer that takes a
    path: ``to_csv``, ``to_file``, ``write_text``...).

    Examples
    --------
    >>> with atomic_path(folder / "table.csv") as tmp:  # doctest: +SKIP
    ...     tmp.write_text(text, encoding="utf-8")
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = unique_sibling(final, "tmp", directory=False)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (see :func:`atomic_path`); return the path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)
