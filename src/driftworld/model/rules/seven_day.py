"""Rolling 7-day columns: the mean (or sum) of each day's observations over the last seven virtual days.

The six previous days arrive pre-summed (a sum and a count of days with a value, per column) so
that only today's observation is added here.
"""

from __future__ import annotations

from collections.abc import Mapping

from driftworld.model.kinds import Roll

Observations = Mapping[str, float | int | None]
Partial = tuple[float, int]  # (sum over the days that have a value, number of such days)


def day_value(day: Observations, keys: tuple[str, ...]) -> float | None:
    """One day's value of a rolled column; None when the day lacks it (a stopped database's day)."""
    total = 0.0
    for key in keys:
        value = day.get(key)
        if value is None:
            return None
        total += value
    return total


def roll(columns: Mapping[str, Roll], previous: Mapping[str, Partial], today: Observations) -> dict[str, float | int]:
    """7-day values from the previous six days' partial sums (keyed by column) and today's observations."""
    rolled: dict[str, float | int] = {}
    for column, spec in columns.items():
        total, days = previous.get(column, (0.0, 0))
        value = day_value(today, spec.keys)
        if value is not None:
            total, days = total + value, days + 1
        if days:
            rolled[column] = round(total) if spec.total else round(total / days, 2)
    return rolled
