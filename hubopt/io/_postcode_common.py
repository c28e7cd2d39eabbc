"""Shared by the postcode readers and :class:`~hubopt.io.postcodes.PostcodeLookup`: postcode spelling and keys,
coordinates parsed from text, and how a source is described in messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError

__all__ = [
    "POSTCODE_KEY",
    "coordinate_numbers",
    "describe_sources",
    "normalise_postcode",
    "outside_bounds",
    "postcode_key",
    "postcode_keys",
    "spelled_postcodes",
]


#: A UK postcode without spaces: outward code (area letters, district) and inward code (sector digit, unit).
POSTCODE_KEY = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$")


def postcode_key(text: str) -> str:
    """The postcode as a lookup key: upper case, no spaces (``"tn1 1aa"`` → ``"TN11AA"``).

    Never fails; text that is not a postcode simply matches nothing.

    Parameters
    ----------
    text : str
        A postcode as written.

    Returns
    -------
    str
    """
    return re.sub(r"\s+", "", str(text)).upper()


def normalise_postcode(text: str) -> str:
    """The postcode in its standard spelling: upper case, one space before the 3-character inward code.

    ``"tn11aa"`` → ``"TN1 1AA"``; ``"TN1  1AA"`` → ``"TN1 1AA"``; ``"me16 9qq"`` → ``"ME16 9QQ"``.

    Parameters
    ----------
    text : str
        A postcode as written.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the text is not shaped like a UK postcode (e.g. ``"TN1"``, ``"12345"``).
    """
    key = postcode_key(text)
    if not POSTCODE_KEY.match(key):
        raise ValueError(f"{text!r} is not a UK postcode (expected something like 'TN1 1AA')")
    return f"{key[:-3]} {key[-3:]}"


def postcode_keys(values: Iterable[object]) -> pd.Series:
    """Vectorised :func:`postcode_key`: upper case, no spaces; missing values become empty strings."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    text = series.astype("str").fillna("").str.strip()
    for space in (" ", "\t", "\u00a0"):
        text = text.str.replace(space, "", regex=False)
    return text.str.upper().reset_index(drop=True)


def spelled_postcodes(keys: np.ndarray) -> np.ndarray:
    """Standard spelling of (valid) keys: a space before the last three characters."""
    k = pd.Series(keys, dtype=str)
    return (k.str[:-3] + " " + k.str[-3:]).to_numpy()


def coordinate_numbers(
    values: pd.Series,
    *,
    path: str | Path | None,
    column: str,
    first_row: int = 2,
    rows: Sequence[int] | None = None,
) -> pd.Series:
    """Parse numbers, blanks becoming NaN; fail naming the first value that is not a number (its row is
    ``rows[position]`` when given, else ``first_row + position``)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("string").fillna("").str.strip()
    out = pd.to_numeric(text.where(text != ""), errors="coerce").astype(float)
    bad = (out.isna() & (text != "")).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{text.iloc[pos]!r} is not a number" + (f"; {int(bad.sum())} values in all" if bad.sum() > 1 else ""),
            path=path,
            row=(int(rows[pos]) if rows is not None else first_row + pos) if path is not None else None,
            column=column,
            hint="check that this is the right kind of file and that the column holds coordinates",
        )
    return out


def outside_bounds(x: pd.Series, y: pd.Series, bounds: tuple[float, float, float, float]) -> pd.Series:
    x0, y0, x1, y1 = bounds
    xs = pd.Series(np.asarray(x, dtype=float))
    ys = pd.Series(np.asarray(y, dtype=float))
    inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    return ~inside & xs.notna() & ys.notna()


def describe_sources(files: Sequence[Path], kind: str) -> str:
    if len(files) == 1:
        return f"{kind}, {files[0]}"
    folders = {str(f.parent) for f in files}
    where = next(iter(folders)) if len(folders) == 1 else f"{len(folders)} folders"
    return f"{kind}, {len(files)} files in {where}"
