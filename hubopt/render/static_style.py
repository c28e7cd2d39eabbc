"""The page layout, fonts and marks shared by the parts of the static maps."""

from __future__ import annotations

__all__ = ["LABEL_GID"]

_A4_LANDSCAPE = (11.69, 8.27)
_FONT = "DejaVu Sans"
_MAP_BOX = (0.025, 0.15, 0.635, 0.73)  # left, bottom, width, height (figure fraction)
_KEY_BOX = (0.675, 0.15, 0.31, 0.73)
_MARKER_SCALE = 0.6  # pixel size of the interactive symbols -> points on paper
#: Matplotlib hatches of the catchment patterns (see :data:`hubopt.render.folium_map.CATCHMENT_PATTERNS`).
_HATCHES = {"solid": "", "stripes": "////", "crosshatch": "xxxx", "dots": ".."}
LABEL_GID = "hubopt-label"
"""``gid`` of the labels placed on the map (hub numbers, district names), which never overlap one another."""
