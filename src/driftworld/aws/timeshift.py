"""Presenting a virtual-clock world as if its newest day were today: every time in a call is moved by a
whole number of days, on the way in and back on the way out, found through the operation's model (timestamp
shapes, Cost Explorer's YearMonthDay dates, CloudWatch Logs' millisecond `Timestamp` longs), so that an
agent that takes "now" from its own clock reads the world's last days without knowing it is simulated."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
MS_PER_DAY = 86_400_000


def shift(value: Any, shape: Shape | None, days: int) -> Any:
    """`value` (parsed parameters or a result) with every time in it moved `days` days later (negative:
    earlier); parts the shape does not describe are left as they are."""
    if shape is None or days == 0 or value is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {k: shift(v, shape.members.get(k), days) for k, v in value.items()}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [shift(v, shape.member, days) for v in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {k: shift(v, shape.value, days) for k, v in value.items()}
    if shape.type_name == "timestamp" and isinstance(value, dt.datetime | dt.date):
        return value + dt.timedelta(days=days)
    if shape.type_name == "string" and shape.name == "YearMonthDay" and isinstance(value, str) and DATE.match(value):
        moved = dt.date.fromisoformat(value[:10]) + dt.timedelta(days=days)
        return moved.isoformat() + value[10:]
    if shape.type_name == "long" and shape.name == "Timestamp" and isinstance(value, int):
        return value + days * MS_PER_DAY
    return value
