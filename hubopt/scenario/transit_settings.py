"""The settings of a ``method: public_transport`` travel mode (the GTFS feed itself is checked when it is read)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hubopt.errors import quote
from hubopt.io.gtfs_calendar import WEEKDAYS
from hubopt.scenario.schema import _fail
from hubopt.travel.mode_spec import parse_window


def _check_public_transport(values: dict[str, Any], key: str, mode: str, path: Path | None) -> None:
    """The settings of a ``method: public_transport`` mode (the feed itself is checked when it is read)."""
    if values["gtfs"] is None:
        _fail(
            f"{key}.gtfs",
            "a public_transport travel mode needs a GTFS timetable (a .zip)",
            path,
            "name it, e.g. the regional GTFS zip of the Bus Open Data Service (see the README)",
        )
    if mode != "public_transport":
        _fail(f"{key}.mode", f"a GTFS timetable gives public_transport times, not {quote(mode)}", path)
    try:
        parse_window(values["window"])
    except ValueError as exc:
        _fail(f"{key}.window", f"{quote(values['window'])}: {exc}", path)
    day = str(values["day"]).strip().lower()
    if day not in WEEKDAYS:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            _fail(f"{key}.day", f"{quote(values['day'])} is neither a date (YYYY-MM-DD) nor a weekday", path)
    if not 0 < values["percentile"] <= 100:
        _fail(f"{key}.percentile", "must be more than 0 and at most 100 (50 is the median)", path)
    for k in ("max_walk_m", "max_transfer_m", "detour"):
        if values[k] is not None and values[k] <= 0:
            _fail(f"{key}.{k}", "must be a positive number", path)
    if values["walk_network"] is not None and values["detour"] is not None:
        _fail(
            f"{key}.detour",
            "the detour factor applies to straight-line walks, but walk_network times the walks along the network",
            path,
            "remove detour, or remove walk_network to time walks by straight line x detour",
        )
    if values["detour"] is not None and values["detour"] < 1:
        _fail(f"{key}.detour", "a walk is never shorter than the straight line: give 1 or more (e.g. 1.3)", path)
