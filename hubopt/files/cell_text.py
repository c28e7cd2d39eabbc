"""Text cells that spreadsheets never execute (CSV and formula injection).

A spreadsheet opening a CSV file or a workbook runs a text cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or carriage return) as a formula: a site named ``=HYPERLINK("http://x","y")`` becomes a
live link, ``=cmd|' /C calc'!A0`` a command. Following the OWASP guidance on CSV injection, every text cell hubopt
writes that starts with one of those characters is prefixed with a single quote, so that it is shown as text.

The prefix is reversible: :func:`restore` removes it, and every reader of a table that hubopt writes (a study's
zones, projections and site register; a run's tables, read by ``hubopt compare``) applies it, so a table written by
hubopt reads back exactly. A value that already starts with quotes followed by one of those characters gets one more
quote, so that a name such as ``'=x`` also survives the round trip. Numbers stay numbers: only text is changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise", "neutralise_frame", "read_text_csv", "restore", "restore_frame", "to_csv"]

#: First characters that make a spreadsheet treat a text cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: text that a spreadsheet would execute gets a leading ``'``.

    Anything that is not a ``str`` (numbers, booleans, missing values) is returned unchanged.
    """
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The inverse of :func:`neutralise`: the text as it was before it was written."""
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    """Columns that may hold text: object or string dtype (their numbers and missing values are left alone)."""
    return [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe for a spreadsheet."""
    out = pd.DataFrame(frame).copy()
    for col in _text_columns(out):
        out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the text of :func:`neutralise_frame` restored (in place for the text columns; returned)."""
    for col in _text_columns(frame):
        quoted = frame[col].map(lambda v: isinstance(v, str) and v.startswith("'")).to_numpy(dtype=bool)
        if quoted.any():
            frame.loc[quoted, col] = frame.loc[quoted, col].map(restore)
    frame.columns = [restore(c) for c in frame.columns]
    return frame


def to_csv(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Write ``frame`` as CSV (no index unless asked) with every text cell neutralised; return the path."""
    kwargs.setdefault("index", False)
    neutralise_frame(frame).to_csv(Path(path), **kwargs)
    return Path(path)


def read_text_csv(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV written by :func:`to_csv` (``pandas.read_csv`` arguments), restoring its text cells."""
    return restore_frame(pd.read_csv(Path(path), **kwargs))
