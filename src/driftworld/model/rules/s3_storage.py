"""S3 growth toward a per-bucket ceiling, and lifecycle tiering that conserves bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from driftworld.model import catalogue

PROD_GROWTH = (0.01, 0.03)
NONPROD_GROWTH = (0.003, 0.015)
NEW_BUCKET_GB = (50.0, 500.0)
CEILING_MULTIPLE = (2.0, 50.0)
REQUESTS_PER_DAY = (100, 100_000)
DEFAULT_DAILY_SHARE = {("standard", "ia"): 0.005, ("ia", "glacier"): 0.003}
TIER_OF_CLASS = {
    "STANDARD_IA": "ia",
    "ONEZONE_IA": "ia",
    "INTELLIGENT_TIERING": "ia",
    "GLACIER_IR": "ia",
    "GLACIER": "glacier",
    "DEEP_ARCHIVE": "glacier",
}
TIERS = ("standard", "ia", "glacier")


@dataclass(frozen=True)
class Tiers:
    standard: float
    ia: float
    glacier: float

    @property
    def total(self) -> float:
        return self.standard + self.ia + self.glacier

    def as_dict(self) -> dict[str, float]:
        return {"standard": self.standard, "ia": self.ia, "glacier": self.glacier}


@dataclass(frozen=True)
class Move:
    """Each day, `share` of `source` goes to `dest` (dest None: expiration deletes it)."""

    source: str
    dest: str | None
    share: float


def enabled_rules(lifecycle_policy: Any, lifecycle_rules: Any) -> list[dict[str, Any]]:
    """Rules from both columns: {"rules": [...]} and [...]; a rule without status counts as enabled."""
    rules: list[Any] = []
    if isinstance(lifecycle_policy, dict) and isinstance(lifecycle_policy.get("rules"), list):
        rules += lifecycle_policy["rules"]
    elif isinstance(lifecycle_policy, list):
        rules += lifecycle_policy
    if isinstance(lifecycle_rules, list):
        rules += lifecycle_rules
    elif isinstance(lifecycle_rules, dict) and isinstance(lifecycle_rules.get("rules"), list):
        rules += lifecycle_rules["rules"]
    return [
        r
        for r in rules
        if isinstance(r, dict)
        and str(r.get("status", "Enabled")).lower() == "enabled"
        and (r.get("transitions") or r.get("expiration"))
    ]


def _days(value: Any) -> int | None:
    """A day count as agents write it (30, 30.0, "30"); None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def moves_of(rules: list[dict[str, Any]]) -> list[Move]:
    """Each day's moves; a malformed part of a rule (agents write anything) is ignored, never raised."""
    moves: list[Move] = []
    for rule in rules:
        source, previous_days = "standard", 0
        listed = rule.get("transitions")
        transitions = [t for t in listed if isinstance(t, dict)] if isinstance(listed, list) else []
        for transition in sorted(transitions, key=lambda t: _days(t.get("days")) or 0):
            dest = TIER_OF_CLASS.get(str(transition.get("storage_class", "")).upper())
            if dest is None:
                continue
            days = _days(transition.get("days"))
            if days is None:
                share = DEFAULT_DAILY_SHARE.get((source, dest), 0.003)
            else:
                share = 1.0 / max(days - previous_days, 1)
                previous_days = days
            if dest != source:
                moves.append(Move(source, dest, share))
            source = dest
        expiration = rule.get("expiration")
        expires_after = _days(expiration.get("days")) if isinstance(expiration, dict) else None
        if expires_after:
            moves.append(Move("oldest", None, 1.0 / max(expires_after, 1)))
    return moves


def next_tiers(previous: Tiers, ceiling: float, growth: float, moves: list[Move]) -> Tiers:
    """Tomorrow's tiers: new data into Standard (slowing near the ceiling), then the day's moves."""
    room = max(0.0, 1.0 - previous.total / ceiling) if ceiling > 0 else 0.0
    tiers = previous.as_dict()
    tiers["standard"] += previous.total * growth * room
    for move in moves:
        source = move.source
        if source == "oldest":
            source = next((t for t in reversed(TIERS) if tiers[t] > 0), "standard")
        amount = tiers[source] * min(move.share, 1.0)
        tiers[source] -= amount
        if move.dest is not None:
            tiers[move.dest] += amount
    return Tiers(**tiers)


def rounded(tiers: Tiers, places: int = 4) -> Tiers:
    """The tiers as stored (numeric(14,4)), with the total rounded once and the largest tier taking the rest:
    rounding each tier on its own leaves a biased remainder every day that tiering carries forward, and over
    the years it creeps past the ceiling."""
    values = tiers.as_dict()
    largest = max(values, key=lambda tier: values[tier])
    stored = {tier: round(v, places) for tier, v in values.items() if tier != largest}
    stored[largest] = round(round(tiers.total, places) - sum(stored.values()), places)
    return Tiers(**stored)


def storage_cost(tiers: Tiers) -> float:
    prices = catalogue.S3_GB_MONTH
    monthly = tiers.standard * prices["standard"] + tiers.ia * prices["ia"] + tiers.glacier * prices["glacier"]
    return catalogue.monthly_to_daily(monthly)


def request_cost(requests: int) -> float:
    return requests / 1000 * catalogue.S3_PER_THOUSAND_REQUESTS
