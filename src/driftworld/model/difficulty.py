"""Difficulty: how hard the world makes it to tell waste from what is in use, apart from how much waste
appears (drift intensity).

`easy` is the world agents were first written for: waste carries telltale names, the engine tags what it
creates, nothing looks idle unless it is waste, and the world never sets a policy or a freeze. `realistic`
draws waste's names from the same generators as healthy resources', seeds decoys (resources that look idle
and are in use) and sets policies and freeze windows by itself; `hard` doubles the decoys and the policies
and narrows the margins between healthy and waste (workload.NARROW), still disjoint.
"""

from __future__ import annotations

from dataclasses import dataclass

DIFFICULTIES = ("easy", "realistic", "hard")


@dataclass(frozen=True)
class Difficulty:
    name: str
    neutral_names: bool  # waste named like healthy resources of its kind
    engine_tag: bool  # what the engine creates carries created_by: drift_engine
    decoy_kinds: tuple[int, int]  # decoy kinds seeded per account (inclusive range)
    decoy_chance: float  # per account-day: a new decoy appears
    ignore_share: float  # of non-prod resources seeded `ignore`
    recommend_share: float  # of non-prod auto_safe resources seeded `recommend_only`
    account_freeze_chance: float  # per account-day: a freeze window is announced
    resource_freeze_chance: float  # per account-day: one non-prod resource is frozen for some days
    narrow_margins: bool = False  # healthy and waste drawn from workload.NARROW where it has ranges


LEVELS: dict[str, Difficulty] = {
    "easy": Difficulty("easy", False, True, (0, 0), 0.0, 0.0, 0.0, 0.0, 0.0),
    "realistic": Difficulty("realistic", True, False, (2, 3), 0.015, 0.06, 0.10, 1 / 30, 1 / 10),
    "hard": Difficulty("hard", True, False, (4, 6), 0.03, 0.12, 0.20, 1 / 15, 1 / 5, narrow_margins=True),
}


def difficulty(name: str) -> Difficulty:
    if name not in LEVELS:
        raise ValueError(f"unknown difficulty {name!r}; known: {', '.join(DIFFICULTIES)}")
    return LEVELS[name]
