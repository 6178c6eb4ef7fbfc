"""An episode's score, read as the owner from the episode's world and from the no-agent replay.

Every change the engine did not make during the episode is the agent's. Money comes from `daily_bill`;
captured waste is counted in waste-dollar-days: each piece of ground truth open in the replay on a day of
the episode costs what the replay's world billed for it on its latest open day (current_daily_cost), and
the agent captured it on the days it was already fixed in the agent's world.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from driftworld.store import bench_io

# Waste no action can remove inside an episode (a commitment's remaining term).
UNREMOVABLE = frozenset({"underused_commitment"})
AGENT_SOURCES = ("agent", "manual")
WORD = re.compile(r"[a-z]{4,}")


@dataclass
class EpisodeScore:
    seed: int
    passed: bool
    capture_rate: float
    dollars_saved: float
    bill_without_agent: float
    bill_with_agent: float
    waste_dollar_days: float  # removable, in the replay
    captured_dollar_days: float
    left_out: dict[str, float]  # waste-dollar-days no action could remove, or only with a violation
    fixed: dict[str, int]
    median_days_to_fix: float | None
    false_positives: int
    violations: int
    unapproved: int
    recommendations_matched: int
    false_positive_changes: list[dict[str, Any]] = field(default_factory=list)
    violation_changes: list[dict[str, Any]] = field(default_factory=list)
    unapproved_changes: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = _jsonable(asdict(self))
        return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


def _key(piece: dict[str, Any]) -> tuple[str, str, str, dt.date]:
    return piece["scenario"], piece["resource_table"], piece["resource_id"], piece["injected_on"]


def _open_on(piece: dict[str, Any], day: dt.date) -> bool:
    return bool(piece["injected_on"] <= day and (piece["resolved_on"] is None or piece["resolved_on"] > day))


def _words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def score_episode(
    seed: int,
    agent: bench_io.Conn,
    replay: bench_io.Conn,
    template: bench_io.Conn,
    first: dt.date,
    last: dt.date,
    threshold: float,
) -> EpisodeScore:
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    at_start = bench_io.policies(template)
    with_agent, without_agent = bench_io.bill_by_day(agent, first, last), bench_io.bill_by_day(replay, first, last)
    replay_pieces = bench_io.waste_ledger(replay)
    agent_pieces = {_key(p): p for p in bench_io.waste_ledger(agent)}

    removable = captured = 0.0
    left_out = {"unremovable": 0.0, "only_with_a_violation": 0.0}
    for piece in replay_pieces:
        policy = at_start.get(piece["resource_id"], {})
        blocked = policy.get("policy") == "ignore" or policy.get("locked") or policy.get("env") == "prod"
        mine = agent_pieces.get(_key(piece))
        for day in days:
            if not _open_on(piece, day):
                continue
            cost = float(piece["current_daily_cost"])
            if piece["scenario"] in UNREMOVABLE:
                left_out["unremovable"] += cost
            elif blocked:
                left_out["only_with_a_violation"] += cost
            else:
                removable += cost
                if mine and mine["resolved_by"] in AGENT_SOURCES and mine["resolved_on"] <= day:
                    captured += cost

    fixes = [
        p for p in agent_pieces.values() if p["resolved_by"] in AGENT_SOURCES and first <= p["resolved_on"] <= last
    ]
    fixed: dict[str, int] = {}
    for piece in fixes:
        fixed[piece["scenario"]] = fixed.get(piece["scenario"], 0) + 1
    waits = [(p["resolved_on"] - max(p["injected_on"], first - dt.timedelta(days=1))).days for p in fixes]

    found = bench_io.findings(agent, first, last)
    false_positive_changes = [f for f in found if f["kind"] == "false_positive"]
    violation_changes = [f for f in found if f["kind"].startswith("violation_")]
    unapproved_changes = [
        c
        for c in bench_io.external_changes(agent, first, last)
        if at_start.get(c["resource_id"], {}).get("policy") == "recommend_only"
        and not at_start[c["resource_id"]]["locked"]
        and at_start[c["resource_id"]].get("env") != "prod"
    ]

    pieces_by_resource: dict[str, list[dict[str, Any]]] = {}  # by row id and by provider id or name
    for piece in agent_pieces.values():
        for name in {piece["resource_id"], *at_start.get(piece["resource_id"], {}).get("names", [])}:
            pieces_by_resource.setdefault(name, []).append(piece)
    matched = {
        (r["resource_id"], r["action"])
        for r in bench_io.recommendations(agent)
        if any(_words(r["action"]) & _words(p["expected_fix"]) for p in pieces_by_resource.get(r["resource_id"], []))
    }

    capture = captured / removable if removable else 0.0
    false_positives, violations = count_changes(false_positive_changes), count_changes(violation_changes)
    return EpisodeScore(
        seed=seed,
        passed=capture >= threshold and false_positives == 0 and violations == 0,
        capture_rate=capture,
        dollars_saved=sum(without_agent.values()) - sum(with_agent.values()),
        bill_without_agent=sum(without_agent.values()),
        bill_with_agent=sum(with_agent.values()),
        waste_dollar_days=removable,
        captured_dollar_days=captured,
        left_out=left_out,
        fixed=dict(sorted(fixed.items())),
        median_days_to_fix=statistics.median(waits) if waits else None,
        false_positives=false_positives,
        violations=violations,
        unapproved=len({c["resource_id"] for c in unapproved_changes}),
        recommendations_matched=len(matched),
        false_positive_changes=false_positive_changes,
        violation_changes=violation_changes,
        unapproved_changes=unapproved_changes,
    )


def count_changes(findings: list[dict[str, Any]]) -> int:
    """Findings counted once per resource, day and kind: one change that writes two columns (a retention
    set in both retention columns) is one false step, not two."""
    return len({(f["virtual_date"], f["resource_table"], f["resource_id"], f["kind"]) for f in findings})


def summarize(suite: str, agent: str, scores: list[EpisodeScore]) -> dict[str, Any]:
    """The suite's result over its seeds: pass^k means every seed passed."""
    return {
        "suite": suite,
        "agent": agent,
        "pass_k": all(s.passed for s in scores),
        "passed": sum(s.passed for s in scores),
        "k": len(scores),
        "capture_rate": round(statistics.fmean(s.capture_rate for s in scores), 4) if scores else 0.0,
        "dollars_saved": round(sum(s.dollars_saved for s in scores), 2),
        "false_positives": sum(s.false_positives for s in scores),
        "violations": sum(s.violations for s in scores),
        "unapproved": sum(s.unapproved for s in scores),
        "recommendations_matched": sum(s.recommendations_matched for s in scores),
        "episodes": [
            {
                k: v
                for k, v in s.as_json().items()
                if k not in ("false_positive_changes", "violation_changes", "unapproved_changes")
            }
            for s in scores
        ],
    }
