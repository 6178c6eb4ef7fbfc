"""Drift intensity: how often each scenario fires, per world (a multiplier, overrides, switches, presets)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from driftworld.model.scenarios import BY_NAME, TOTAL_WEIGHT, Scenario

MAX_MULTIPLIER = 1000.0  # well past the point where every scenario's chance is capped at 1
BASE_RATE = 0.07  # expected new waste per account-day across all scenarios, before the weekend-only one
PRESETS: dict[str, dict[str, float]] = {
    # the original specification's two scenarios at 5% each, nothing else
    "original": {"forgotten_preview_environment": 0.05, "over_provisioned_asg": 0.05},
}


@dataclass(frozen=True)
class DriftIntensity:
    multiplier: float = 1.0
    probabilities: dict[str, float] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    preset: str | None = None

    @classmethod
    def from_settings(cls, stored: dict[str, Any]) -> DriftIntensity:
        return cls(
            multiplier=float(stored.get("multiplier", 1.0)),
            probabilities={str(k): float(v) for k, v in (stored.get("probabilities") or {}).items()},
            disabled=frozenset(stored.get("disabled") or ()),
            preset=stored.get("preset"),
        )

    def to_settings(self) -> dict[str, Any]:
        return {
            "multiplier": self.multiplier,
            "probabilities": self.probabilities,
            "disabled": sorted(self.disabled),
            "preset": self.preset,
        }

    def probability(self, scenario: Scenario) -> float:
        """The chance that the scenario fires on one account-day (0 when switched off)."""
        if scenario.name in self.disabled:
            return 0.0
        if scenario.name in self.probabilities:
            return min(1.0, self.probabilities[scenario.name])
        if self.preset is not None:
            return PRESETS[self.preset].get(scenario.name, 0.0)
        return min(1.0, BASE_RATE * scenario.weight / TOTAL_WEIGHT * self.multiplier)


def check_names(names: Iterable[str]) -> None:
    """Refuse names that are not scenarios, listing the known ones."""
    unknown = set(names) - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown scenarios: {', '.join(sorted(unknown))}; known: {', '.join(BY_NAME)}")


def validate(intensity: DriftIntensity) -> None:
    check_names([*intensity.probabilities, *intensity.disabled])
    if intensity.preset is not None and intensity.preset not in PRESETS:
        raise ValueError(f"unknown preset {intensity.preset!r}; known: {', '.join(PRESETS)}")
    if not (math.isfinite(intensity.multiplier) and 0 <= intensity.multiplier <= MAX_MULTIPLIER):
        raise ValueError(f"the multiplier must be a number from 0 to {MAX_MULTIPLIER:g}, not {intensity.multiplier}")
    for name, chance in intensity.probabilities.items():
        if not 0 <= chance <= 1:  # false for nan too
            raise ValueError(f"the probability of {name} must be between 0 and 1, not {chance}")
