"""The settings of one travel mode (a scenario's ``travel.modes.NAME``), and the methods and modes hubopt knows.

Kept apart from :mod:`hubopt.travel.modes` (which computes the times) so the scenario can describe a mode without
importing the travel-time machinery, and the travel layer never imports the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["TRAVEL_METHODS", "TRAVEL_MODES", "TravelMode", "parse_window"]

#: How travel times are obtained.
TRAVEL_METHODS = ("straight_line", "land_distance", "network", "matrix", "public_transport")
#: The ways of travelling a mode may model.
TRAVEL_MODES = ("drive", "walk", "public_transport", "other")


@dataclass
class TravelMode:
    """One way of travelling, and how its times are obtained.

    TRAVEL_METHODS = ("straight_line", "land_distance", "network", "matrix", "public_transport")
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
    gtfs: Path | None = None
    day: str = "tuesday"
    window: str = "08:00-10:00"
    percentile: float = 50.0
    max_walk_m: float | None = None
    max_transfer_m: float | None = None
    detour: float | None = None


def parse_window(text: str) -> tuple[float, float]:
    """``"HH:MM-HH:MM"`` as (start, end) seconds after midnight; raises ``ValueError`` when it is not one.

    The end may pass 24:00 (``"23:00-25:00"``) and must be after the start.
    """
    parts = str(text).replace(" ", "").split("-")
    if len(parts) != 2:
        raise ValueError("give the window as HH:MM-HH:MM, e.g. 08:00-10:00")
    out = []
    for part in parts:
        hours, sep, minutes = part.partition(":")
        if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or int(minutes) > 59:
            raise ValueError(f"{part!r} is not a time HH:MM")
        out.append(int(hours) * 3600.0 + int(minutes) * 60.0)
    if out[1] <= out[0]:
        raise ValueError("the window's end must be after its start")
    if out[1] > 48 * 3600.0:
        raise ValueError("the window must end by 48:00")
    return out[0], out[1]
