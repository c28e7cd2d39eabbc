"""Which services of a GTFS feed run on a day: ``calendar.txt`` weekdays and dates, then ``calendar_dates.txt``.

A scenario names the day as a date (``2026-03-10``) or a weekday (``tuesday``). For a weekday, the day used is the
date on that weekday, within the feed's calendar, with the most trips running (so a bank holiday is not chosen);
the date is said in the description of the times.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hubopt.errors import InputError, quote
from hubopt.io.gtfs import GtfsFeed

__all__ = ["WEEKDAYS", "resolve_service_day", "services_on"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: At most this many dates on a weekday are compared when a weekday is named.
_MAX_DATES_COMPARED = 366


def services_on(feed: GtfsFeed, day: dt.date) -> set[str]:
    """The service_ids running on ``day``: by calendar weekday and date range, plus added, minus removed dates."""
    cal = feed.calendar
    stamp = pd.Timestamp(day)
    weekday = WEEKDAYS[day.weekday()]
    running = cal[(cal["start_date"] <= stamp) & (cal["end_date"] >= stamp) & cal[weekday]]
    services = set(running["service_id"])
    exceptions = feed.calendar_dates[feed.calendar_dates["date"] == stamp]
    services |= set(exceptions.loc[exceptions["exception_type"] == 1, "service_id"])
    services -= set(exceptions.loc[exceptions["exception_type"] == 2, "service_id"])
    return services


def _feed_dates(feed: GtfsFeed) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    starts = list(feed.calendar["start_date"]) + list(feed.calendar_dates["date"])
    ends = list(feed.calendar["end_date"]) + list(feed.calendar_dates["date"])
    if not starts:
        return None
    return min(starts), max(ends)


def resolve_service_day(feed: GtfsFeed, day: str, *, setting: str | None = None) -> dt.date:
    """The date a scenario's ``day`` means, checked to have service.

    Parameters
    ----------
    feed : GtfsFeed
    day : str
        ``YYYY-MM-DD`` or a weekday name.
    setting : str, optional
        The scenario setting, for messages.

    Returns
    -------
    datetime.date
        The day; it has at least one running trip.
    """
    span = _feed_dates(feed)
    period = "" if span is None else f" (the feed runs from {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d})"
    text = str(day).strip().lower()
    trip_services = feed.trips["service_id"]
    if text in WEEKDAYS:
        if span is None:
            raise InputError("the GTFS feed's calendars list no dates", path=feed.path, setting=setting)
        target = WEEKDAYS.index(text)
        first = span[0].date() + dt.timedelta(days=(target - span[0].weekday()) % 7)
        dates = [first + dt.timedelta(weeks=w) for w in range(_MAX_DATES_COMPARED // 7 + 1)]
        dates = [d for d in dates if d <= span[1].date()]
        counts = [int(trip_services.isin(services_on(feed, d)).sum()) for d in dates]
        if not dates or max(counts) == 0:
            raise InputError(
                f"the GTFS feed has no service on any {text.capitalize()}{period}",
                path=feed.path,
                setting=setting,
                hint="choose another weekday, or a feed that covers it",
            )
        return dates[int(np.argmax(counts))]
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{quote(day)} is neither a date (YYYY-MM-DD) nor a weekday",
            setting=setting,
            hint="give e.g. 2026-03-10 or tuesday",
        ) from None
    if not trip_services.isin(services_on(feed, date)).any():
        raise InputError(
            f"the GTFS feed has no service on {date:%A %Y-%m-%d}{period}",
            path=feed.path,
            setting=setting,
            hint="choose a day the feed covers, or give a weekday (e.g. tuesday) to use the feed's busiest one",
        )
    return date
