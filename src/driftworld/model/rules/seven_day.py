"""Rolling 7-day columns: the mean (or sum) of each day's observations over the last seven virtual days.

Each resource carries a window of its last six days' values per rolled column (kept with its hidden
profile, so that a tick need not re-read a week of history); today's observation completes the week.
A day the resource had no observation (stopped, not yet created) holds None and does not count.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any, cast

from driftworld.model.kinds import Roll

Observations = Mapping[str, float | int | None]
WINDOW_DAYS = 6  # the days before today that a 7-day column reads
Window = dict[str, Any]  # {"through": ISO date, column: [value or None] * WINDOW_DAYS, oldest first}


def day_value(day: Observations, keys: tuple[str, ...]) -> float | None:
    """One day's value of a rolled column; None when the day lacks it (a stopped database's day)."""
    total = 0.0
    for key in keys:
        value = day.get(key)
        if value is None:
            return None
        total += value
    return total


@functools.lru_cache(maxsize=256)
def _iso_days(day: dt.date) -> tuple[str, str]:
    """`day` and the day before as ISO text, once per day rather than once per resource."""
    return day.isoformat(), (day - dt.timedelta(days=1)).isoformat()


def _lag(window: Window | None, day: dt.date) -> int | None:
    """Days the window has not seen before `day` (0: it was kept yesterday); None when it tells nothing
    about the days before `day` (no window, or one kept after it)."""
    if not window:
        return None
    if window["through"] == _iso_days(day)[1]:  # the daily case, without parsing a date
        return 0
    lag = (day - dt.date.fromisoformat(window["through"])).days - 1
    return lag if lag >= 0 else None


def _values_before(window: Window, column: str, lag: int) -> list[float | None]:
    """The column's values on the WINDOW_DAYS days before the day `lag` days after the window's."""
    stored: list[float | None] = window.get(column) or []
    if lag == 0 and len(stored) == WINDOW_DAYS:
        return stored
    unknown: list[float | None] = [None] * WINDOW_DAYS
    return (unknown + stored + unknown[:lag])[-WINDOW_DAYS:]


NO_DAYS: list[float | None] = [None] * WINDOW_DAYS


def roll(
    columns: Mapping[str, Roll], window: Window | None, day: dt.date, today: Observations
) -> tuple[dict[str, float | int], Window]:
    """The 7-day values on `day` from the window of the days before and today's observations, and the
    window to keep for the next day."""
    lag = _lag(window, day)
    rolled: dict[str, float | int] = {}
    kept: Window = {"through": _iso_days(day)[0]}
    for column, spec in columns.items():
        before = NO_DAYS if window is None or lag is None else _values_before(window, column, lag)
        week = [*before, day_value(today, spec.keys)]
        values = [v for v in week if v is not None] if None in week else cast(list[float], week)
        if values:
            total = sum(values)
            rolled[column] = round(total) if spec.total else round(total / len(values), 2)
        kept[column] = week[1:]
    return rolled, kept
