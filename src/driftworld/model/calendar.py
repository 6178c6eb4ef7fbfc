"""Virtual-calendar facts: weekends, US federal holidays, month ends. Pure date arithmetic, no time zones."""

from __future__ import annotations

import datetime as dt
from functools import cache


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = following - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@cache
def us_federal_holidays(year: int) -> frozenset[dt.date]:
    """The observed US federal holidays of a year (5 U.S.C. 6103)."""
    mon, thu = 0, 3
    fixed = [
        dt.date(year, 1, 1),
        dt.date(year, 6, 19),
        dt.date(year, 7, 4),
        dt.date(year, 11, 11),
        dt.date(year, 12, 25),
    ]
    floating = [
        _nth_weekday(year, 1, mon, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, mon, 3),  # Washington's Birthday
        _last_weekday(year, 5, mon),  # Memorial Day
        _nth_weekday(year, 9, mon, 1),  # Labor Day
        _nth_weekday(year, 10, mon, 2),  # Columbus Day
        _nth_weekday(year, 11, thu, 4),  # Thanksgiving
    ]
    return frozenset([_observed(d) for d in fixed] + floating)


def is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def is_day_off(day: dt.date, seasonality: bool) -> bool:
    """A non-prod rest day: Saturday, Sunday, or (with seasonality) a US federal holiday."""
    # New Year's Day on a Saturday is observed on the last day of the year before
    return is_weekend(day) or (
        seasonality and (day in us_federal_holidays(day.year) or day in us_federal_holidays(day.year + 1))
    )


def is_month_end(day: dt.date) -> bool:
    """One of the last two days of the month (prod's month-end surge)."""
    return (day + dt.timedelta(days=2)).month != day.month
