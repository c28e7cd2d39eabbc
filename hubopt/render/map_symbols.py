"""Inline SVG and CSS drawings of the map symbols (sites, houses, lines, catchment patterns), the same on the map and
in its key.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from hubopt.render.map_style import _FONT, HOUSING_COLOUR, SITE_OUTLINE_COLOUR
from hubopt.render.map_text import _esc


def _pattern_id(colour: str, pattern: str) -> str:
    return f"hubopt-{pattern}-{colour.lstrip('#')}"


def _house_svg(size: int) -> str:
    """Inline SVG of the housing-site symbol: a small house."""
    s = float(size)
    roof, base = s * 0.45, s - 1.5
    points = f"{s / 2:g},1.5 {s - 1.5:g},{roof:g} {s - 1.5:g},{base:g} 1.5,{base:g} 1.5,{roof:g}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s:g}" height="{s:g}" viewBox="0 0 {s:g} {s:g}" '
        f'aria-hidden="true"><polygon points="{points}" fill="{HOUSING_COLOUR}" stroke="{SITE_OUTLINE_COLOUR}" '
        f'stroke-width="1.3" stroke-linejoin="round"/></svg>'
    )


def _symbol_svg(style: dict[str, Any], *, glyph: str = "", size: int | None = None) -> str:
    """Inline SVG of a site symbol (the same drawing on the map and in the key)."""
    s = float(size or style["size"])
    c = s / 2
    fill, stroke = style["fill"], style["stroke"]
    shape = style["shape"]
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="{2 if shape == "star" else 1.5}"'
    if shape == "circle":
        body = f'<circle cx="{c:g}" cy="{c:g}" r="{c - 1:g}" {common}/>'
    elif shape == "square":
        body = f'<rect x="1" y="1" width="{s - 2:g}" height="{s - 2:g}" rx="2" {common}/>'
    elif shape == "diamond":
        body = f'<polygon points="{c:g},1 {s - 1:g},{c:g} {c:g},{s - 1:g} 1,{c:g}" {common}/>'
    elif shape == "triangle":
        body = f'<polygon points="{c:g},1 {s - 1:g},{s - 1.5:g} 1,{s - 1.5:g}" {common}/>'
    elif shape == "star":
        outer, inner = c - 1.5, (c - 1.5) * 0.58
        pts = []
        for k in range(10):
            r = outer if k % 2 == 0 else inner
            a = math.pi * k / 5 - math.pi / 2
            pts.append(f"{c + r * math.cos(a):.1f},{c + s * 0.045 + r * math.sin(a):.1f}")
        body = f'<polygon points="{" ".join(pts)}" {common}/>'
    else:  # pragma: no cover - all shapes are listed above
        raise ValueError(f"unknown symbol shape {shape!r}")
    if glyph:
        font = max(8.0, s * (0.4 if shape == "star" else 0.62))
        if shape == "star" and len(glyph) > 1:
            font *= 0.85
        y = c + (s * 0.06 if shape == "star" else 0.5)
        body += (
            f'<text x="{c:g}" y="{y:g}" text-anchor="middle" dominant-baseline="central" '
            f'font-family="{_FONT}" font-weight="bold" font-size="{font:.1f}" fill="{style["glyph_colour"]}">'
            f"{_esc(glyph)}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{s:g}" height="{s:g}" viewBox="0 0 {s:g} {s:g}" '
        f'aria-hidden="true">{body}</svg>'
    )


def _swatch_background(colour: str, pattern: str) -> str:
    """CSS background of a key swatch that looks like the catchment's fill (colour and pattern)."""
    if pattern == "stripes":
        return f"repeating-linear-gradient(45deg, {colour} 0 4px, #ffffff 4px 6px)"
    if pattern == "crosshatch":
        return (
            "repeating-linear-gradient(45deg, transparent 0 4px, #ffffff 4px 5.5px), "
            f"repeating-linear-gradient(-45deg, {colour} 0 4px, #ffffff 4px 5.5px)"
        )
    if pattern == "dots":
        return f"radial-gradient(#ffffff 1.6px, transparent 2px) 0 0 / 6px 6px, {colour}"
    return colour


def _pattern_defs_html(hubs: pd.DataFrame) -> str:
    """An invisible SVG that defines the fill patterns of the patterned catchments (referenced by url(#id))."""
    defs = []
    for colour, pattern in dict.fromkeys(zip(hubs["colour"], hubs["pattern"], strict=True)):
        if pattern == "solid":
            continue
        if pattern == "stripes":
            marks = '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="2.2"/>'
        elif pattern == "crosshatch":
            marks = (
                '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4 M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="#ffffff" '
                'stroke-width="1.6"/>'
            )
        else:
            marks = '<circle cx="4" cy="4" r="1.8" fill="#ffffff"/>'
        defs.append(
            f'<pattern id="{_pattern_id(colour, pattern)}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
        )
    if not defs:
        return ""
    return (
        '<svg class="hubopt-pattern-defs" width="0" height="0" aria-hidden="true" '
        f'style="position:absolute;width:0;height:0"><defs>{"".join(defs)}</defs></svg>'
    )


def _line_svg(colour: str, weight: float, dash: str | None = None) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="12" aria-hidden="true">'
        f'<line x1="1" y1="6" x2="23" y2="6" stroke="{colour}" stroke-width="{weight}"{dash_attr}/></svg>'
    )
