"""Read a GTFS timetable (a zip of CSV files, the format of England's Bus Open Data Service) and check it.

Read with pandas, straight from the zip, rather than with a GTFS library (gtfs-kit, partridge): neither is
installed here, and the router needs its own integer arrays anyway (stop and trip codes, seconds), so a library's
frames would be converted at once. Only the columns the router uses are read (a regional feed's stop_times.txt has
millions of rows: its other columns are never held in memory).

What is read
------------
``stops.txt`` (``stop_id``, ``stop_lat``, ``stop_lon``), ``trips.txt`` (``trip_id``, ``service_id``),
``stop_times.txt`` (``trip_id``, ``arrival_time``, ``departure_time``, ``stop_id``, ``stop_sequence``),
``calendar.txt`` and/or ``calendar_dates.txt`` (at least one), and ``frequencies.txt`` when present.
``transfers.txt`` is not read: a change at a stop takes no minimum time, and walks between stops are made by the
router from the stops' coordinates. ``pickup_type`` and ``drop_off_type`` are not read either (every stop of a trip
is taken as one where riders may board and alight), nor ``exact_times`` in ``frequencies.txt`` (both kinds are
expanded to trips at the headway).

What is unusable, and counted (never dropped silently)
------------------------------------------------------
- stops without coordinates (they stay in the network, but nobody walks to or from them);
- stop-time rows naming a trip or a stop the feed does not list (the row is left out, the trip runs without it);
- trips with no stop times, or fewer than two timed stops;
- trips whose times go backwards along the stop sequence (the whole trip is left out: its times cannot be right);
- trips whose service is in neither calendar file.

Times past 24:00:00 are valid GTFS (a trip of the service day running past midnight) and are kept as seconds
after the service day's midnight (``25:10:00`` is 90 600 s). A blank time at an intermediate stop (a stop that is
not a timing point) is interpolated linearly between the timed stops either side, and counted.

Problems that make the feed unreadable raise :class:`~hubopt.errors.InputError` naming the file (``feed.zip/
stop_times.txt``), the row (the line in that file) and the column: a missing file or column, a time or date that
is not a time or date.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.io._files import require_file

__all__ = ["GtfsFeed", "GtfsReport", "parse_gtfs_times", "read_gtfs"]

_REQUIRED_COLUMNS = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "trips.txt": ("trip_id", "service_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
_HINT_GTFS = "check that the file is a GTFS feed (e.g. the regional GTFS zip of the Bus Open Data Service)"


@dataclass
class GtfsReport:
    """What in a feed could not be used, counted, with one example of each kind where there is one."""

    stops: int = 0
    stops_without_coordinates: int = 0
    trips: int = 0
    trips_without_times: int = 0
    trips_with_one_stop: int = 0
    trips_out_of_order: int = 0
    trips_without_service: int = 0
    stop_time_rows_unknown_trip: int = 0
    stop_time_rows_unknown_stop: int = 0
    stop_times_interpolated: int = 0
    stop_times_untimed_ends: int = 0
    times_after_midnight: int = 0
    frequency_rows_unknown_trip: int = 0
    examples: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The counts that are not zero, one plain sentence each (with an example where known)."""
        say = {
            "stops_without_coordinates": "stops without coordinates (nobody can walk to or from them)",
            "trips_without_times": "trips without any stop times (left out)",
            "trips_with_one_stop": "trips with fewer than two timed stops (left out)",
            "trips_out_of_order": "trips whose times go backwards along their stops (left out)",
            "trips_without_service": "trips whose service_id is in neither calendar file (never run)",
            "stop_time_rows_unknown_trip": "stop-time rows naming a trip not in trips.txt (left out)",
            "stop_time_rows_unknown_stop": "stop-time rows naming a stop not in stops.txt (left out)",
            "stop_times_interpolated": "blank stop times interpolated between timed stops",
            "stop_times_untimed_ends": "blank times before a trip's first or after its last timed stop (left out)",
            "times_after_midnight": "stop times after 24:00:00 (valid: trips running past midnight; kept)",
            "frequency_rows_unknown_trip": "frequencies.txt rows naming a trip not in trips.txt (left out)",
        }
        out = []
        for key, text in say.items():
            n = getattr(self, key)
            if n:
                example = self.examples.get(key)
                out.append(f"{n:,} {text}" + (f", e.g. {example}" if example else ""))
        return out


@dataclass
class GtfsFeed:
    """A GTFS feed's usable content, as plain frames with integer codes.

    Attributes
    ----------
    path : Path
        The zip file.
    stops : pandas.DataFrame
        ``stop_id`` (text), ``lat``, ``lon`` (float; NaN when the feed gives none). Row ``i`` is stop code ``i``.
    trips : pandas.DataFrame
        ``trip_id``, ``service_id`` (text). Row ``i`` is trip code ``i``.
    stop_times : pandas.DataFrame
        ``trip`` and ``stop`` (codes), ``arrival`` and ``departure`` (seconds after the service day's midnight),
        sorted by trip then stop sequence; usable trips only.
    calendar : pandas.DataFrame
        ``service_id``, ``monday`` ... ``sunday`` (bool), ``start_date``, ``end_date`` (datetime64); may be empty.
    calendar_dates : pandas.DataFrame
        ``service_id``, ``date`` (datetime64), ``exception_type`` (1 added, 2 removed); may be empty.
    frequencies : pandas.DataFrame
        ``trip`` (code), ``start``, ``end``, ``headway`` (seconds); may be empty.
    report : GtfsReport
        What was unusable, counted.
    """

    path: Path
    stops: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    frequencies: pd.DataFrame
    report: GtfsReport


def parse_gtfs_times(values: pd.Series, *, where: str, column: str) -> np.ndarray:
    """GTFS times ``H:MM:SS`` (hours may pass 24) as float seconds; blank is NaN.

    Parameters
    ----------
    values : pandas.Series
        The text, indexed by the line number in the file.
    where : str
        The file, for the message.
    column : str
        The column, for the message.

    Returns
    -------
    numpy.ndarray
        Seconds after midnight of the service day.
    """
    text = values.fillna("").astype(str).str.strip()
    blank = text.eq("").to_numpy()
    parts = text.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
    bad = parts[0].isna().to_numpy() & ~blank
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{quote(text.iloc[i])} is not a GTFS time (HH:MM:SS, hours may pass 24)",
            path=where,
            row=int(values.index[i]),
            column=column,
            hint="correct the time, or leave it blank at a stop that is not a timing point",
        )
    h = pd.to_numeric(parts[0]).to_numpy(dtype=float)
    m = pd.to_numeric(parts[1]).to_numpy(dtype=float)
    s = pd.to_numeric(parts[2]).to_numpy(dtype=float)
    return h * 3600.0 + m * 60.0 + s


def read_gtfs(path: str | Path) -> GtfsFeed:
    """Read and check a GTFS zip.

    Parameters
    ----------
    path : str or Path
        The feed (a ``.zip`` holding ``stops.txt``, ``trips.txt``, ``stop_times.txt`` and ``calendar.txt`` and/or
        ``calendar_dates.txt``).

    Returns
    -------
    GtfsFeed
        The usable content, with a :class:`GtfsReport` of what was not.
    """
    zpath = require_file(path, "GTFS timetable (zip)")
    try:
        archive = zipfile.ZipFile(zpath)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"the GTFS timetable is not a readable zip file ({exc})", path=zpath, hint=_HINT_GTFS
        ) from exc
    with archive:
        names = {Path(n).name: n for n in archive.namelist() if not n.endswith("/")}
        for required in ("stops.txt", "trips.txt", "stop_times.txt"):
            if required not in names:
                raise InputError(f"the GTFS zip has no {required}", path=zpath, hint=_HINT_GTFS)
        if "calendar.txt" not in names and "calendar_dates.txt" not in names:
            raise InputError(
                "the GTFS zip has neither calendar.txt nor calendar_dates.txt, so no day's service can be known",
                path=zpath,
                hint=_HINT_GTFS,
            )

        def table(name: str) -> pd.DataFrame | None:
            if name not in names:
                return None
            return _read_table(archive, names[name], zpath, name)

        report = GtfsReport()
        stops = _stops(table("stops.txt"), report, f"{zpath}/stops.txt")
        trips_raw = table("trips.txt")
        assert trips_raw is not None
        _require_unique(trips_raw, "trip_id", f"{zpath}/trips.txt", "trip")
        trips = trips_raw[["trip_id", "service_id"]].reset_index(drop=True)
        report.trips = len(trips)
        stop_times_raw = table("stop_times.txt")
        assert stop_times_raw is not None
        calendar = _calendar(table("calendar.txt"), f"{zpath}/calendar.txt")
        calendar_dates = _calendar_dates(table("calendar_dates.txt"), f"{zpath}/calendar_dates.txt")
        frequencies = _frequencies(table("frequencies.txt"), trips, report, f"{zpath}/frequencies.txt")
    stop_times = _stop_times(stop_times_raw, stops, trips, report, f"{zpath}/stop_times.txt")
    known_services = set(calendar["service_id"]) | set(calendar_dates["service_id"])
    no_service = ~trips["service_id"].isin(known_services)
    report.trips_without_service = int(no_service.sum())
    if report.trips_without_service:
        report.examples["trips_without_service"] = (
            f"trip {quote(trips.loc[no_service.idxmax(), 'trip_id'])} "
            f"(service {quote(trips.loc[no_service.idxmax(), 'service_id'])})"
        )
    return GtfsFeed(zpath, stops, trips, stop_times, calendar, calendar_dates, frequencies, report)


def _read_table(archive: zipfile.ZipFile, member: str, zpath: Path, name: str) -> pd.DataFrame:
    where = f"{zpath}/{name}"
    wanted = _REQUIRED_COLUMNS.get(name, ())
    try:
        with archive.open(member) as fh:
            raw = fh.read()
        header = pd.read_csv(io.BytesIO(raw), nrows=0, encoding="utf-8-sig")
        header.columns = [str(c).strip() for c in header.columns]
        missing = [c for c in wanted if c not in header.columns]
        if missing:
            raise InputError(
                f"{name} has no column {', '.join(repr(c) for c in missing)}",
                path=where,
                row=1,
                hint="GTFS requires it; check the feed (the header row names the columns)",
            )
        frame = pd.read_csv(
            io.BytesIO(raw),
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
            usecols=lambda c: str(c).strip() in wanted if wanted else True,
        )
    except (UnicodeDecodeError, pd.errors.ParserError, zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{name} cannot be read as CSV ({exc})", path=where, hint=_HINT_GTFS) from exc
    del raw
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # the line number in the file (1 is the header)
    return frame[list(wanted)] if wanted else frame


def _require_unique(frame: pd.DataFrame, column: str, where: str, what: str) -> None:
    dup = frame[column].duplicated()
    if dup.any():
        raise InputError(
            f"{column} {quote(frame.loc[dup.idxmax(), column])} is listed twice",
            path=where,
            row=int(dup.idxmax()),
            column=column,
            hint=f"each {what} must be listed once",
        )


def _stops(frame: pd.DataFrame | None, report: GtfsReport, where: str) -> pd.DataFrame:
    assert frame is not None
    _require_unique(frame, "stop_id", where, "stop")
    lat = pd.to_numeric(frame["stop_lat"].replace("", np.nan), errors="coerce")
    lon = pd.to_numeric(frame["stop_lon"].replace("", np.nan), errors="coerce")
    bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180) | ((lat == 0) & (lon == 0))
    report.stops = len(frame)
    report.stops_without_coordinates = int(bad.sum())
    if bad.any():
        report.examples["stops_without_coordinates"] = f"stop {quote(frame.loc[bad.idxmax(), 'stop_id'])}"
    return pd.DataFrame(
        {
            "stop_id": frame["stop_id"].to_numpy(),
            "lat": lat.where(~bad).to_numpy(dtype=float),
            "lon": lon.where(~bad).to_numpy(dtype=float),
        }
    )


def _stop_times(
    frame: pd.DataFrame, stops: pd.DataFrame, trips: pd.DataFrame, report: GtfsReport, where: str
) -> pd.DataFrame:
    trip_code = pd.Index(trips["trip_id"]).get_indexer(frame["trip_id"])
    stop_code = pd.Index(stops["stop_id"]).get_indexer(frame["stop_id"])
    seq = pd.to_numeric(frame["stop_sequence"], errors="coerce")
    if seq.isna().any():
        row = int(seq.isna().idxmax())
        raise InputError(
            f"stop_sequence {quote(frame.loc[row, 'stop_sequence'])} is not a whole number",
            path=where,
            row=row,
            column="stop_sequence",
        )
    unknown_trip = trip_code < 0
    unknown_stop = (stop_code < 0) & ~unknown_trip
    report.stop_time_rows_unknown_trip = int(unknown_trip.sum())
    report.stop_time_rows_unknown_stop = int(unknown_stop.sum())
    if unknown_trip.any():
        i = int(np.flatnonzero(unknown_trip)[0])
        report.examples["stop_time_rows_unknown_trip"] = (
            f"row {frame.index[i]} (trip {quote(frame['trip_id'].iloc[i])})"
        )
    if unknown_stop.any():
        i = int(np.flatnonzero(unknown_stop)[0])
        report.examples["stop_time_rows_unknown_stop"] = (
            f"row {frame.index[i]} (stop {quote(frame['stop_id'].iloc[i])})"
        )
    arrival = parse_gtfs_times(frame["arrival_time"], where=where, column="arrival_time")
    departure = parse_gtfs_times(frame["departure_time"], where=where, column="departure_time")
    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    keep = ~(unknown_trip | unknown_stop)
    st = pd.DataFrame(
        {
            "trip": trip_code[keep],
            "stop": stop_code[keep],
            "seq": seq.to_numpy(dtype=float)[keep],
            "arrival": arrival[keep],
            "departure": departure[keep],
            "row": frame.index.to_numpy()[keep],
        }
    ).sort_values(["trip", "seq"], kind="stable")
    report.times_after_midnight = int((st["departure"] >= 86400).sum())
    st = _interpolate_blank_times(st, report)
    st = _drop_bad_trips(st, trips, report)
    return st.drop(columns=["seq", "row"]).reset_index(drop=True)


def _interpolate_blank_times(st: pd.DataFrame, report: GtfsReport) -> pd.DataFrame:
    """Blank times between timed stops, linearly by position along the trip; untimed first or last stops are cut."""
    blank = st["arrival"].isna()
    if not blank.any():
        return st
    has_blank = st["trip"].isin(st.loc[blank, "trip"].unique())
    part = st[has_blank]
    filled = {
        column: part.groupby("trip")[column].transform(lambda s: s.interpolate(limit_area="inside"))
        for column in ("arrival", "departure")
    }
    st = st.copy()
    st.loc[has_blank, "arrival"] = filled["arrival"]
    st.loc[has_blank, "departure"] = filled["departure"]
    still_blank = st["arrival"].isna()
    report.stop_times_interpolated = int(blank.sum() - still_blank.sum())
    report.stop_times_untimed_ends = int(still_blank.sum())
    if still_blank.any():
        report.examples["stop_times_untimed_ends"] = f"stop_times.txt row {int(st.loc[still_blank, 'row'].iloc[0])}"
    return st[~still_blank]


def _drop_bad_trips(st: pd.DataFrame, trips: pd.DataFrame, report: GtfsReport) -> pd.DataFrame:
    counts = np.bincount(st["trip"].to_numpy(), minlength=len(trips))
    no_times = counts == 0
    one_stop = counts == 1
    report.trips_without_times = int(no_times.sum())
    report.trips_with_one_stop = int(one_stop.sum())
    if no_times.any():
        report.examples["trips_without_times"] = f"trip {quote(trips['trip_id'].iloc[int(np.argmax(no_times))])}"
    if one_stop.any():
        report.examples["trips_with_one_stop"] = f"trip {quote(trips['trip_id'].iloc[int(np.argmax(one_stop))])}"
    trip = st["trip"].to_numpy()
    arr = st["arrival"].to_numpy()
    dep = st["departure"].to_numpy()
    same_trip_next = np.r_[trip[1:] == trip[:-1], False]
    backwards = (dep < arr) | (same_trip_next & (np.r_[arr[1:], np.inf] < dep))
    bad_trips = np.unique(trip[backwards])
    report.trips_out_of_order = len(bad_trips)
    if len(bad_trips):
        row = int(st["row"].to_numpy()[np.flatnonzero(backwards)[0]])
        report.examples["trips_out_of_order"] = (
            f"trip {quote(trips['trip_id'].iloc[int(bad_trips[0])])} at stop_times.txt row {row}"
        )
    keep = ~np.isin(trip, bad_trips) & ~one_stop[trip]
    return st[keep]


def _dates(values: pd.Series, where: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(values.str.strip(), format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        row = int(parsed.isna().idxmax())
        raise InputError(
            f"{quote(values.loc[row])} is not a GTFS date (YYYYMMDD)", path=where, row=row, column=column
        )
    return parsed


def _calendar(frame: pd.DataFrame | None, where: str) -> pd.DataFrame:
    days = list(_REQUIRED_COLUMNS["calendar.txt"][1:8])
    if frame is None:
        return pd.DataFrame(
            {"service_id": pd.Series(dtype=str), **{d: pd.Series(dtype=bool) for d in days}}
            | {"start_date": pd.Series(dtype="datetime64[ns]"), "end_date": pd.Series(dtype="datetime64[ns]")}
        )
    out = pd.DataFrame({"service_id": frame["service_id"]})
    for d in days:
        flags = frame[d].str.strip()
        if not flags.isin(["0", "1"]).all():
            row = int((~flags.isin(["0", "1"])).idxmax())
            raise InputError(f"{quote(flags.loc[row])} is not 0 or 1", path=where, row=row, column=d)
        out[d] = flags.eq("1")
    out["start_date"] = _dates(frame["start_date"], where, "start_date")
    out["end_date"] = _dates(frame["end_date"], where, "end_date")
    return out.reset_index(drop=True)


def _calendar_dates(frame: pd.DataFrame | None, where: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame(
            {
                "service_id": pd.Series(dtype=str),
                "date": pd.Series(dtype="datetime64[ns]"),
                "exception_type": pd.Series(dtype=int),
            }
        )
    kind = frame["exception_type"].str.strip()
    if not kind.isin(["1", "2"]).all():
        row = int((~kind.isin(["1", "2"])).idxmax())
        raise InputError(
            f"exception_type {quote(kind.loc[row])} is not 1 (service added) or 2 (service removed)",
            path=where,
            row=row,
            column="exception_type",
        )
    return pd.DataFrame(
        {
            "service_id": frame["service_id"].to_numpy(),
            "date": _dates(frame["date"], where, "date").to_numpy(),
            "exception_type": kind.astype(int).to_numpy(),
        }
    )


def _frequencies(frame: pd.DataFrame | None, trips: pd.DataFrame, report: GtfsReport, where: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(
            {"trip": pd.Series(dtype=int), **{c: pd.Series(dtype=float) for c in ("start", "end", "headway")}}
        )
    start = parse_gtfs_times(frame["start_time"], where=where, column="start_time")
    end = parse_gtfs_times(frame["end_time"], where=where, column="end_time")
    headway = pd.to_numeric(frame["headway_secs"].str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~(headway > 0) | np.isnan(start) | np.isnan(end)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "a frequencies.txt row needs a start_time, an end_time and a positive headway_secs",
            path=where,
            row=int(frame.index[i]),
            column="headway_secs",
        )
    code = pd.Index(trips["trip_id"]).get_indexer(frame["trip_id"])
    report.frequency_rows_unknown_trip = int((code < 0).sum())
    if report.frequency_rows_unknown_trip:
        report.examples["frequency_rows_unknown_trip"] = f"row {frame.index[int(np.argmax(code < 0))]}"
    keep = code >= 0
    return pd.DataFrame({"trip": code[keep], "start": start[keep], "end": end[keep], "headway": headway[keep]})
