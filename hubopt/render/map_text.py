"""Escaping and formatting of the texts on the maps: user text made safe for HTML and JavaScript, numbers, people,
counts and deprivation deciles.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import SupportsFloat, SupportsIndex

import pandas as pd

from hubopt.errors import InputError

# --------------------------------------------------------------------------------------------------------------------
# Small formatting helpers
# --------------------------------------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    """HTML-escape user text, and make it inert inside folium's JavaScript template strings too."""
    text = html.escape(str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _js_string(text: str) -> str:
    """A JavaScript string literal that is safe inside a <script> block (non-ASCII text kept readable)."""
    return json.dumps(text, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def _text(value: object) -> str:
    """User text for display: missing values become an empty string."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _key(value: object) -> str | None:
    """Identifier used to match hubs between zones and sites (as text; missing -> None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _normalise_value(value: object, allowed: Sequence[str], column: str = "") -> str:
    text = _text(value).strip().lower()
    if text not in allowed:
        raise InputError(
            f"unknown site {column or 'value'} {_text(value)!r}",
            column=column or None,
            hint=f"use one of: {', '.join(allowed)}",
        )
    return text


def _as_number(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not one (missing, not a number, NaN or infinite)."""
    if not isinstance(value, SupportsFloat | SupportsIndex | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_number(value: object) -> bool:
    return _as_number(value) is not None


def _num(value: float) -> str:
    return f"{value:g}"


def _count(value: float) -> str:
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def _people(value: object) -> str:
    number = _as_number(value)
    if number is None:
        return "not known"
    return f"{round(number):,} {'person' if round(number) == 1 else 'people'}"


def _imd_text(value: object) -> str:
    number = _as_number(value)
    if number is None:
        return "not available"
    return f"{int(number)} of 10 (1 = most deprived)"
