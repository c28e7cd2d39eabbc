"""HTML building blocks of the report: escaping, number formats, tables, scenario settings as text, and the small
Markdown subset of a study's ATTRIBUTION.md.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, SupportsFloat, SupportsIndex

import pandas as pd

# --------------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------------


def _e(value: object) -> str:
    """HTML-escape any value as text."""
    return html.escape("" if value is None else str(value), quote=True)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value: object) -> float:
    if not isinstance(value, SupportsFloat | SupportsIndex | str):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _people(value: object) -> str:
    v = _num(value)
    return "not known" if math.isnan(v) else f"{v:,.0f}"


def _count(value: object) -> str:
    v = _num(value)
    return "" if math.isnan(v) else f"{v:,.0f}"


def _minutes(value: object) -> str:
    v = _num(value)
    if math.isnan(v):
        return "not known"
    return "no hub" if math.isinf(v) else f"{v:.1f}"


def _pct(value: object) -> str:
    v = _num(value)
    return "not known" if math.isnan(v) else f"{v:.1%}"


def _money(value: object) -> str:
    v = _num(value)
    return "not available" if math.isnan(v) else f"£{v:,.0f}"


def _table(
    frame: pd.DataFrame,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    *,
    emphasise: Sequence[int] = (),
) -> str:
    """An HTML table of a frame: headers and cells escaped, numbers right-aligned."""
    formats = formats or {}
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) or c in formats}
    head = "".join(f'<th{" class=num" if c in numeric else ""} scope="col">{_e(c)}</th>' for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if column in formats:
                text = formats[column](value)
            elif _missing(value):
                text = ""
            elif isinstance(value, float):
                text = f"{value:,.2f}".rstrip("0").rstrip(".")
            else:
                text = str(value)
            cells.append(f"<td{' class=num' if column in numeric else ''}>{_e(text)}</td>")
        cls = ' class="emph"' if i in emphasise else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and name not in ("demand.weights", "beds.weights"):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _setting_text(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "(none)"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value).strip()


_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
]


def _inline(text: str) -> str:
    out = _e(text)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def _markdown(text: str) -> str:
    """A small, safe Markdown subset (headings, lists, pipe tables, paragraphs); all text escaped, no links."""
    blocks: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        if line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")) + 2, 6)
            blocks.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.lstrip().startswith("|"):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            if rows:
                head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
                body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
                blocks.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif re.match(r"\s*[-*] ", line):
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                current = lines[i]
                if re.match(r"\s*[-*] ", current):
                    items.append(re.sub(r"^\s*[-*] ", "", current).strip())
                elif items:
                    items[-1] += " " + current.strip()
                i += 1
            blocks.append("<ul>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + "</ul>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not re.match(r"\s*([-*] |\||#)", lines[i]):
                para.append(lines[i].strip())
                i += 1
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
    return "".join(blocks)
