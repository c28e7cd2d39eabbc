"""Small hand-made GTFS feeds for tests: a zip written from CSV text, and the router's inputs on a flat plane."""

from __future__ import annotations

import zipfile
from pathlib import Path

CALENDAR_HEADER = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
#: Weekdays of March 2026 (Monday 2 to Friday 27); 2026-03-10 is a Tuesday.
WEEKDAY_CALENDAR = CALENDAR_HEADER + "WK,1,1,1,1,1,0,0,20260302,20260327\n"


def write_feed(folder: Path, name: str = "feed.zip", **tables: str) -> Path:
    """A GTFS zip holding one ``NAME.txt`` per keyword (value: the CSV text); None leaves a file out."""
    path = folder / name
    with zipfile.ZipFile(path, "w") as zf:
        for table, text in tables.items():
            if text is not None:
                zf.writestr(f"{table}.txt", text)
    return path


def stops_csv(*rows: tuple[str, float, float]) -> str:
    """stops.txt of (stop_id, lat, lon) rows."""
    return "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(f"{s},{s},{lat},{lon}\n" for s, lat, lon in rows)


def trips_csv(*rows: tuple[str, str]) -> str:
    """trips.txt of (trip_id, service_id) rows (route R)."""
    return "route_id,service_id,trip_id\n" + "".join(f"R,{svc},{t}\n" for t, svc in rows)


def stop_times_csv(*rows: tuple[str, str, str, str, int]) -> str:
    """stop_times.txt of (trip_id, arrival, departure, stop_id, sequence) rows."""
    head = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    return head + "".join(f"{t},{a},{d},{s},{q}\n" for t, a, d, s, q in rows)
