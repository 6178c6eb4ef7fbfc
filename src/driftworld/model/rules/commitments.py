"""Commitment utilisation: what share of a reservation or savings plan the estate uses."""

from __future__ import annotations

from dataclasses import dataclass

from driftworld.model.catalogue import HOURS_PER_DAY


@dataclass(frozen=True)
class CommitmentDay:
    actual_hourly_usage_equivalent: float
    utilization_percent: float
    estimated_savings_vs_ondemand: float


def commitment_day(hourly_commitment: float, utilization_percent: float, discount: float) -> CommitmentDay:
    actual = hourly_commitment * utilization_percent / 100
    return CommitmentDay(
        actual_hourly_usage_equivalent=round(actual, 4),
        utilization_percent=round(utilization_percent, 2),
        estimated_savings_vs_ondemand=round(actual * HOURS_PER_DAY * discount, 4),
    )
