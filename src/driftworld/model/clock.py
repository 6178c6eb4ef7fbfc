"""The one function that decides a simulated timestamp, in either clock mode.

`virtual`: the virtual day plus a time of day from the random stream (fully reproducible).
`wallclock`: real now, back-dated by the simulated age (agents measure ages against now()).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

CLOCK_MODES = ("wallclock", "virtual")


@dataclass(frozen=True)
class WorldClock:
    mode: str
    now: dt.datetime  # real time, read once per call
    today: dt.date  # the virtual day being simulated (or the seeder's last day)

    def at(self, day: dt.date, seconds_of_day: int) -> dt.datetime:
        if self.mode == "virtual":
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            return midnight + dt.timedelta(seconds=seconds_of_day)
        return self.now - dt.timedelta(days=(self.today - day).days)

    def on(self, today: dt.date) -> WorldClock:
        return WorldClock(self.mode, self.now, today)


def instant(value: Any) -> dt.datetime | None:
    """A timestamp as the state holds it: read from the database, or as ISO text from a shadow."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
