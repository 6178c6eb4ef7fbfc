"""Intervals as people write them ('5m', '30s', '5 minutes') and as pg_cron 1.4 wants them (cron syntax)."""

from __future__ import annotations

import re

DEFAULT_EVERY = "5m"
_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*")
_CRON_FIELD = re.compile(r"^[\d*/,\-]+$")


class IntervalError(ValueError):
    """An interval that cannot be understood or scheduled; the message gives the accepted forms."""


def parse_interval(text: str) -> float:
    """Seconds in '30s', '5m', '1h30m', '5 minutes' or '1 hour'; a bare number means seconds."""
    raw = text.strip().lower()
    if not raw:
        raise IntervalError("empty interval: write e.g. 30s, 5m, 1h or '5 minutes'")
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
        position = 0
        while position < len(raw):
            match = _PART.match(raw, position)
            if match is None or match.group(2) not in _UNITS:
                raise IntervalError(
                    f"cannot read the interval {text!r}: write e.g. 30s, 5m, 1h or '5 minutes'"
                ) from None
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            position = match.end()
    if seconds <= 0:
        raise IntervalError(f"the interval {text!r} must be longer than zero")
    return seconds


def cron_schedule(text: str) -> str:
    """pg_cron 1.4 syntax for an interval of whole minutes or hours, or a cron expression passed through.

    pg_cron 1.4 has one-minute granularity (seconds came in 1.5), and '*/N' restarts at each hour or
    day, so only intervals that divide an hour (or a day) evenly keep a steady rhythm.
    """
    fields = text.split()
    if len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields):
        return " ".join(fields)
    seconds = parse_interval(text)
    if seconds % 60:
        raise IntervalError(
            f"pg_cron 1.4 schedules in whole minutes: {text!r} is not a whole number of minutes "
            "(use the service's own scheduler, `driftworld serve --every 30s`, for shorter intervals)"
        )
    minutes = int(seconds // 60)
    if minutes == 1:
        return "* * * * *"
    if minutes < 60:
        if 60 % minutes:
            raise IntervalError(
                f"{minutes} minutes does not divide an hour; pick one that does (1-6, 10, 12, 15, 20, 30)"
            )
        return f"*/{minutes} * * * *"
    if minutes % 60:
        raise IntervalError(f"{text!r}: above an hour, give whole hours (e.g. '2 hours')")
    hours = minutes // 60
    if hours == 1:
        return "0 * * * *"
    if hours < 24 and 24 % hours == 0:
        return f"0 */{hours} * * *"
    if hours == 24:
        return "0 0 * * *"
    raise IntervalError(f"{hours} hours does not divide a day; pick 1, 2, 3, 4, 6, 8, 12 or 24 hours")
