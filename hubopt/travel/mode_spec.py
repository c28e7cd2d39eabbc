"""The settings of one travel mode (a scenario's ``travel.modes.NAME``), and the methods and modes hubopt knows.

Kept apart from :mod:`hubopt.travel.modes` (which computes the times) so the scenario can describe a mode without
importing the travel-time machinery, and the travel layer never imports the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["TRAVEL_METHODS", "TRAVEL_MODES", "TravelMode"]

#: How travel times are obtained.
TRAVEL_METHODS = ("straight_line", "land_distance", "network", "matrix")
#: The ways of travelling a mode may model.
TRAVEL_MODES = ("drive", "walk", "public_transport", "other")


@dataclass
class TravelMode:
    """One way of travelling, and how its times are obtained.

    ``method`` is ``straight_line`` (calibrated estimate from straight-line distance, offline), ``land_distance``
    (the same from distance along the study's land mask, round estuaries; offline), ``network`` (shortest paths
    on an OSM road or footpath network file) or ``matrix`` (a supplied zone × site matrix, e.g. public transport
    from r5py).
    """

    name: str
    method: str
    mode: str
    network: Path | None = None
    file: Path | None = None
    speeds_kph: dict[str, float] | None = None
    walk_speed_kph: float | None = None
    access_speed_kph: float | None = None
    cutoff_minutes: float | None = None
    max_snap_m: float | None = None
    missing: Literal["error", "unreachable"] = "error"
    description: str | None = None
