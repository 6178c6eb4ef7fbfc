"""The day's pure rules (contract section 3) against their ranges and invariants, with hypothesis.

No database: these are the functions the engine calls, driven for up to ten virtual years.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftworld.model import catalogue
from driftworld.model.calendar import is_day_off, is_month_end, is_weekend, us_federal_holidays
from driftworld.model.kinds import Roll
from driftworld.model.rules import (
    capacity,
    commitments,
    data_transfer,
    instance_cost,
    log_storage,
    s3_storage,
    seven_day,
)
from driftworld.model.streams import stream

TEN_YEARS = 3_650
START = dt.date(2026, 4, 1)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
ANCHORS = st.floats(min_value=0.01, max_value=100.0)  # list price per day, $
EPS = 1e-9

# -- instance cost walk ------------------------------------------------------------------------


CALENDAR = [START + dt.timedelta(days=i) for i in range(TEN_YEARS)]
DAY_OFF = np.array([is_day_off(d, True) for d in CALENDAR])
MONTH_END = np.array([is_month_end(d) for d in CALENDAR])


def walk_years(
    seed: int,
    anchor: float | np.ndarray,
    prod: bool | np.ndarray,
    days: int = TEN_YEARS,
    rest: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Drive the walk as the engine does for a batch of instances: (walk values, reported costs), [day, instance].

    rest=None follows the calendar (non-prod rests on days off); True/False forces it every day.
    """
    anchors = np.atleast_1d(np.asarray(anchor, dtype=float))
    prods = np.broadcast_to(np.asarray(prod, dtype=bool), anchors.shape)
    draws = np.random.default_rng(seed).random((days, 2, anchors.size))
    value = anchors.copy()
    walks, reported = np.empty((days, anchors.size)), np.empty((days, anchors.size))
    for i in range(days):
        value = instance_cost.next_walk(value, anchors, prods, draws[i, 0])
        resting = (~prods & DAY_OFF[i]) if rest is None else np.full(anchors.size, rest)
        reported[i] = instance_cost.reported_cost(value, resting, prods & MONTH_END[i], draws[i, 1])
        walks[i] = value
    return walks, reported


@st.composite
def fleets(draw: Any) -> tuple[int, np.ndarray, np.ndarray]:
    """A seed and 64 instances, prod and non-prod, priced from a cent to $100 a day."""
    seed = draw(SEEDS)
    rng = np.random.default_rng(seed)
    anchors = np.exp(rng.uniform(np.log(0.01), np.log(100.0), 64))
    return seed, anchors, np.arange(64) % 2 == 0


@settings(max_examples=12, deadline=None)
@given(fleet=fleets())
def test_cost_walk_stays_positive_and_bounded_for_ten_years(fleet: tuple[int, np.ndarray, np.ndarray]) -> None:
    seed, anchors, prod = fleet
    _, reported = walk_years(seed, anchors, prod)
    ratio = reported / anchors
    assert (reported > 0).all()
    assert ratio.min() >= instance_cost.LOWER_BOUND - EPS, f"sank to {ratio.min():.3f}x the anchor"
    assert ratio.max() <= instance_cost.UPPER_BOUND + EPS, f"rose to {ratio.max():.3f}x the anchor"
    # non-prod costs do not sink over the years (a carried weekend factor would take them to zero)
    assert ratio[-365:, ~prod].mean() > 0.9


@settings(max_examples=10, deadline=None)
@given(fleet=fleets())
def test_cost_walk_is_not_pinned_at_a_bound_and_prod_sits_higher(fleet: tuple[int, np.ndarray, np.ndarray]) -> None:
    """Mean-reverting, not capped: within 2% of a bound on fewer than 5% of days; prod above non-prod."""
    seed, anchors, prod = fleet
    _, reported = walk_years(seed, anchors, prod, days=365)
    ratio = reported / anchors
    near = (ratio <= instance_cost.LOWER_BOUND * 1.02) | (ratio >= instance_cost.UPPER_BOUND * 0.98)
    assert near.mean(axis=0).max() < 0.05, f"{near.mean(axis=0).max():.0%} of days at a bound"
    assert ratio[:, prod].mean() > ratio[:, ~prod].mean()


@settings(max_examples=60, deadline=None)
@given(
    seed=SEEDS,
    anchor=ANCHORS,
    prod=st.booleans(),
    start_multiple=st.floats(min_value=1e-6, max_value=1e6),
)
def test_one_step_lands_inside_the_bounds_from_anywhere(
    seed: int, anchor: float, prod: bool, start_multiple: float
) -> None:
    """Whatever the carried value (a stale walk, a corrupt profile), the next reported cost is in bounds."""
    rng = np.random.default_rng(seed)
    walk = instance_cost.next_walk(
        np.array([anchor * start_multiple]), np.array([anchor]), np.array([prod]), rng.random(1)
    )
    for resting in (False, True):
        for surge in (False, True):
            cost = instance_cost.reported_cost(walk, np.array([resting]), np.array([surge]), rng.random(1))
            assert instance_cost.LOWER_BOUND - EPS <= cost[0] / anchor <= instance_cost.UPPER_BOUND + EPS


@settings(max_examples=10, deadline=None)
@given(fleet=fleets())
def test_weekend_factor_is_never_carried(fleet: tuple[int, np.ndarray, np.ndarray]) -> None:
    """The walk (and so Monday's cost) is the same whether or not the weekend discount was applied."""
    seed, anchors, _ = fleet
    discounted_walk, discounted = walk_years(seed, anchors, prod=False, days=120)
    full_walk, full = walk_years(seed, anchors, prod=False, days=120, rest=False)
    np.testing.assert_array_equal(discounted_walk, full_walk)
    off = DAY_OFF[:120]
    np.testing.assert_array_equal(discounted[~off], full[~off])  # every working day, Mondays included
    factor = discounted[off] / full[off]
    assert (factor >= instance_cost.WEEKEND_FACTOR[0] - EPS).all()
    assert (factor <= instance_cost.WEEKEND_FACTOR[1] + EPS).all()
    # 120 days hold 30+ days off: compounding even 0.85 over them would leave under 1% of the anchor
    assert (discounted[~off][-10:] >= instance_cost.LOWER_BOUND * anchors).all()


@settings(max_examples=10, deadline=None)
@given(fleet=fleets())
def test_ordinary_day_to_day_changes_stay_within_ten_percent(fleet: tuple[int, np.ndarray, np.ndarray]) -> None:
    seed, anchors, prod = fleet
    _, reported = walk_years(seed, anchors, prod, days=730)
    special = np.where(prod, MONTH_END[:730, None], DAY_OFF[:730, None])  # [day, instance]
    ordinary = ~special[1:] & ~special[:-1]
    change = np.abs(reported[1:] / reported[:-1] - 1)[ordinary]
    assert ordinary.sum(axis=0).min() > 300
    assert change.max() <= 0.10


def test_stationary_ratio_matches_the_simulated_walk() -> None:
    anchors = np.full(64, 10.0)
    for prod in (False, True):
        walks, _ = walk_years(12345, anchors, prod)
        assert walks[365:].mean() / 10.0 == pytest.approx(instance_cost.stationary_ratio(prod), rel=0.05)


# -- S3 ----------------------------------------------------------------------------------------

STORAGE_CLASSES = st.sampled_from(
    ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]
)


@st.composite
def transition_rules(draw: Any, expiration: bool = False) -> dict[str, Any]:
    transitions = [
        {"days": draw(st.none() | st.integers(1, 400)), "storage_class": draw(STORAGE_CLASSES)}
        for _ in range(draw(st.integers(0, 3)))
    ]
    rule: dict[str, Any] = {"id": "r", "transitions": transitions}
    if draw(st.booleans()):
        rule["status"] = draw(st.sampled_from(["Enabled", "Disabled", "enabled"]))
    if expiration and draw(st.booleans()):
        rule["expiration"] = {"days": draw(st.integers(1, 3650))}
    return rule


@st.composite
def bucket_days(draw: Any, expiration: bool) -> tuple[s3_storage.Tiers, float, list[s3_storage.Move], bool, int]:
    start = draw(st.floats(min_value=s3_storage.NEW_BUCKET_GB[0], max_value=s3_storage.NEW_BUCKET_GB[1]))
    multiple = draw(st.floats(min_value=s3_storage.CEILING_MULTIPLE[0], max_value=s3_storage.CEILING_MULTIPLE[1]))
    rules = draw(st.lists(transition_rules(expiration), max_size=3))
    moves = s3_storage.moves_of(s3_storage.enabled_rules({"rules": rules[:1]}, rules[1:]))
    return s3_storage.Tiers(start, 0.0, 0.0), start * multiple, moves, draw(st.booleans()), draw(SEEDS)


def _growth(prod: bool, u: float) -> float:
    low, high = s3_storage.PROD_GROWTH if prod else s3_storage.NONPROD_GROWTH
    return low + (high - low) * u


@settings(max_examples=12, deadline=None)
@given(case=bucket_days(expiration=False))
def test_s3_tiering_conserves_bytes_and_stays_under_the_ceiling(
    case: tuple[s3_storage.Tiers, float, list[s3_storage.Move], bool, int],
) -> None:
    tiers, ceiling, moves, prod, seed = case
    ceiling = round(ceiling, 4)  # as the profile keeps it
    rng = np.random.default_rng(seed)
    for _ in range(TEN_YEARS):
        growth = _growth(prod, float(rng.random()))
        added = tiers.total * growth * max(0.0, 1 - tiers.total / ceiling)
        after = s3_storage.next_tiers(tiers, ceiling, growth, moves)
        assert after.total == pytest.approx(tiers.total + added, rel=1e-9, abs=1e-9)
        assert min(after.standard, after.ia, after.glacier) >= 0
        assert after.total <= ceiling * (1 + 1e-9)
        stored = s3_storage.rounded(after)  # what the day's row holds and the next day starts from
        assert stored.total == pytest.approx(round(after.total, 4), abs=1e-9)
        assert min(stored.standard, stored.ia, stored.glacier) >= 0
        assert stored.total <= ceiling + 1e-9
        tiers = stored
    assert tiers.total > ceiling * 0.5  # it did grow toward the ceiling, slowing down rather than stopping


def test_stored_tiers_do_not_creep_past_the_ceiling() -> None:
    """Rounding each tier on its own crept 0.24 GB past a 5,972 GB ceiling in ten years of tiering."""
    rule = {
        "id": "tiering",
        "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}, {"days": 120, "storage_class": "GLACIER"}],
    }
    moves = s3_storage.moves_of([rule])
    rng = np.random.default_rng(3)
    ceiling = 5971.7894
    tiers = s3_storage.Tiers(128.372, 0.0, 0.0)
    for _ in range(TEN_YEARS):
        tiers = s3_storage.rounded(s3_storage.next_tiers(tiers, ceiling, _growth(True, float(rng.random())), moves))
        assert tiers.total <= ceiling + 1e-9
    assert tiers.total > ceiling - 0.01


@settings(max_examples=40, deadline=None)
@given(case=bucket_days(expiration=True))
def test_s3_expiration_only_removes_and_never_goes_negative(
    case: tuple[s3_storage.Tiers, float, list[s3_storage.Move], bool, int],
) -> None:
    tiers, ceiling, moves, prod, seed = case
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        growth = _growth(prod, float(rng.random()))
        after = s3_storage.next_tiers(tiers, ceiling, growth, moves)
        added = tiers.total * growth * max(0.0, 1 - tiers.total / ceiling)
        assert after.total <= tiers.total + added + 1e-9
        assert min(after.standard, after.ia, after.glacier) >= 0
        assert after.total <= ceiling * (1 + 1e-9)
        tiers = after


def test_s3_growth_rates_and_slowdown_near_the_ceiling() -> None:
    fresh = s3_storage.Tiers(100.0, 0.0, 0.0)
    assert s3_storage.next_tiers(fresh, 1e12, 0.02, []).total == pytest.approx(102.0)
    near = s3_storage.Tiers(99.0, 0.0, 0.0)
    assert s3_storage.next_tiers(near, 100.0, 0.03, []).total == pytest.approx(99.0 + 99 * 0.03 * 0.01)
    assert s3_storage.next_tiers(s3_storage.Tiers(100.0, 0, 0), 100.0, 0.03, []).total == pytest.approx(100.0)
    assert s3_storage.PROD_GROWTH == (0.01, 0.03)
    assert s3_storage.NONPROD_GROWTH == (0.003, 0.015)


RULE = {"id": "tier", "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]}


@pytest.mark.parametrize("status", [None, "Enabled", "enabled", "Disabled", "disabled"])
@pytest.mark.parametrize("column", ["lifecycle_policy", "lifecycle_rules"])
def test_lifecycle_rules_are_read_from_both_columns(column: str, status: str | None) -> None:
    rule = dict(RULE) if status is None else {**RULE, "status": status}
    shape: dict[str, Any] = {"lifecycle_policy": {"rules": [rule]}, "lifecycle_rules": [rule]}
    policy = shape["lifecycle_policy"] if column == "lifecycle_policy" else None
    rules = shape["lifecycle_rules"] if column == "lifecycle_rules" else None
    enabled = s3_storage.enabled_rules(policy, rules)
    if status is not None and status.lower() == "disabled":
        assert enabled == []
        assert s3_storage.next_tiers(s3_storage.Tiers(300, 0, 0), 1e6, 0.0, s3_storage.moves_of(enabled)).ia == 0
    else:
        assert enabled == [rule]
        tiers = s3_storage.next_tiers(s3_storage.Tiers(300, 0, 0), 1e6, 0.0, s3_storage.moves_of(enabled))
        assert tiers.ia == pytest.approx(10.0)  # 1/30 of Standard a day
        assert tiers.standard == pytest.approx(290.0)


def test_lifecycle_rules_from_both_columns_add_up_and_empty_values_do_nothing() -> None:
    glacier = {"id": "g", "status": "Enabled", "transitions": [{"days": 90, "storage_class": "GLACIER"}]}
    rules = s3_storage.enabled_rules({"rules": [RULE]}, [glacier])
    assert [r["id"] for r in rules] == ["tier", "g"]
    empties: list[tuple[Any, Any]] = [
        (None, None),
        ({}, []),
        ({"rules": []}, None),
        ("junk", 3),
        ({"rules": [{"id": "x"}]}, []),
    ]
    for policy, listed in empties:
        assert s3_storage.enabled_rules(policy, listed) == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "status", "transitions", "expiration", "days", "storage_class", "rules"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(policy=JSON, listed=JSON)
def test_whatever_an_agent_writes_in_the_lifecycle_columns_never_breaks_a_day(policy: Any, listed: Any) -> None:
    """The database takes any JSON; an unreadable rule is ignored rather than failing the account-day."""
    moves = s3_storage.moves_of(s3_storage.enabled_rules(policy, listed))
    tiers = s3_storage.next_tiers(s3_storage.Tiers(100.0, 10.0, 1.0), 1_000.0, 0.01, moves)
    assert min(tiers.standard, tiers.ia, tiers.glacier) >= 0
    assert tiers.total <= 111.0 + 111.0 * 0.01 + 1e-9


def test_day_counts_written_as_text_or_floats_are_read() -> None:
    rule = {"transitions": [{"days": "30", "storage_class": "STANDARD_IA"}], "expiration": {"days": 365.0}}
    assert [(m.source, m.dest, round(m.share, 9)) for m in s3_storage.moves_of([rule])] == [
        ("standard", "ia", round(1 / 30, 9)),
        ("oldest", None, round(1 / 365, 9)),
    ]


def test_transition_shares_follow_the_contract() -> None:
    rule = {
        "id": "r",
        "transitions": [
            {"days": 90, "storage_class": "GLACIER"},
            {"days": 30, "storage_class": "STANDARD_IA"},
        ],
        "expiration": {"days": 365},
    }
    moves = [(m.source, m.dest, round(m.share, 9)) for m in s3_storage.moves_of([rule])]
    assert moves == [
        ("standard", "ia", round(1 / 30, 9)),
        ("ia", "glacier", round(1 / 60, 9)),
        ("oldest", None, round(1 / 365, 9)),
    ]
    undated = {"transitions": [{"storage_class": "INTELLIGENT_TIERING"}, {"storage_class": "DEEP_ARCHIVE"}]}
    assert s3_storage.moves_of([undated]) == [
        s3_storage.Move("standard", "ia", 0.005),
        s3_storage.Move("ia", "glacier", 0.003),
    ]
    assert s3_storage.moves_of([{"transitions": [{"days": 10, "storage_class": "GLACIER_IR"}]}])[0].dest == "ia"


def test_s3_costs_use_the_catalogue() -> None:
    tiers = s3_storage.Tiers(300.0, 300.0, 300.0)
    assert s3_storage.storage_cost(tiers) == pytest.approx(300 * (0.023 + 0.0125 + 0.004) / 30)
    assert s3_storage.request_cost(100_000) == pytest.approx(0.04)
    assert s3_storage.REQUESTS_PER_DAY == (100, 100_000)


# -- logs --------------------------------------------------------------------------------------

RETENTIONS = st.none() | st.integers(min_value=1, max_value=400)


@settings(max_examples=60, deadline=None)
@given(a=RETENTIONS, b=RETENTIONS)
def test_effective_retention_is_the_shorter_non_null(a: int | None, b: int | None) -> None:
    values = [v for v in (a, b) if v is not None]
    assert log_storage.effective_retention(a, b) == (min(values) if values else None)


@settings(max_examples=40, deadline=None)
@given(
    seed=SEEDS,
    prod=st.booleans(),
    start=st.floats(min_value=0, max_value=200),
    retention=RETENTIONS,
    shorter=RETENTIONS,
    switch_day=st.integers(min_value=0, max_value=400),
)
def test_stored_logs_stay_within_the_retention_window(
    seed: int, prod: bool, start: float, retention: int | None, shorter: int | None, switch_day: int
) -> None:
    """The engine's bookkeeping for a log group over a year, an agent changing the retention once."""
    rng = np.random.default_rng(seed)
    low, high = log_storage.PROD_INGEST_GB if prod else log_storage.NONPROD_INGEST_GB
    ingests: list[float] = []
    stored = start
    for day in range(400):
        r = retention if day < switch_day else log_storage.effective_retention(retention, shorter)
        ingest = low + (high - low) * float(rng.random())
        ingests.append(ingest)
        window = None if r is None else sum(ingests[-r:])
        before = stored
        stored = log_storage.stored_today(stored, ingest, window)
        assert stored >= 0
        if window is None:
            assert stored == pytest.approx(before + ingest)
        else:
            assert stored <= window + EPS
            assert stored <= before + ingest + EPS
            if day == switch_day and r is not None and r < (retention or 10**9) and day >= r:
                assert stored == pytest.approx(window)  # shortening shrinks storage the next day


def test_log_ingest_ranges_and_prices() -> None:
    assert log_storage.PROD_INGEST_GB == (0.5, 3.0)
    assert log_storage.NONPROD_INGEST_GB == (0.1, 0.8)
    assert abs(log_storage.WEEKEND_REDUCTION - 0.30) < EPS
    assert log_storage.ingestion_cost(2.0) == pytest.approx(1.0)
    assert log_storage.storage_cost(100.0) == pytest.approx(100 * 0.03 / 30)


# -- data transfer -----------------------------------------------------------------------------

REGIONS = st.sampled_from(["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"])


@settings(max_examples=12, deadline=None)
@given(seed=SEEDS, primary=REGIONS, others=st.sets(REGIONS, max_size=3))
def test_transfer_flows_per_day(seed: int, primary: str, others: set[str]) -> None:
    in_use = others | {primary}
    peer = (
        sorted(in_use - {primary})[0]
        if in_use - {primary}
        else ("us-east-1" if primary == "us-west-2" else "us-west-2")
    )
    cross_az_days = 0
    days = 400
    for i in range(days):
        day = START + dt.timedelta(days=i)
        weekend = is_weekend(day)
        flows = data_transfer.daily_flows(primary, in_use, weekend, stream(seed, "account", day, "transfer"))
        assert 2 <= len(flows) <= 3
        by_direction = {f.direction: f for f in flows}
        assert len(by_direction) == len(flows)
        low_scale, high_scale = (0.6, 0.8) if weekend else (1.0, 1.0)
        expected = {
            "cross-region": (primary, peer, (5.0, 50.0), 0.02),
            "egress": (primary, "internet", (20.0, 200.0), 0.09),
            "cross-az": (primary, primary, (100.0, 500.0), 0.01),
        }
        assert {"cross-region", "egress"} <= set(by_direction)
        for direction, flow in by_direction.items():
            source, dest, (low, high), price = expected[direction]
            assert (flow.source_region, flow.dest_region) == (source, dest)
            assert low * low_scale - 1e-4 <= flow.gb <= high * high_scale + 1e-4
            assert flow.cost == pytest.approx(flow.gb * price)
        cross_az_days += "cross-az" in by_direction
    assert 0.30 <= cross_az_days / days <= 0.50


def test_transfer_is_drawn_from_the_day_stream() -> None:
    day = dt.date(2026, 4, 1)
    first = data_transfer.daily_flows("us-east-1", set(), False, stream(7, "a", day, "transfer"))
    again = data_transfer.daily_flows("us-east-1", set(), False, stream(7, "a", day, "transfer"))
    other = data_transfer.daily_flows("us-east-1", set(), False, stream(7, "b", day, "transfer"))
    assert first == again
    assert first != other


# -- commitments -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    hourly=st.floats(min_value=0.01, max_value=500),
    utilisation=st.floats(min_value=0, max_value=100),
    discount=st.floats(min_value=0.05, max_value=0.40),
)
def test_commitment_day(hourly: float, utilisation: float, discount: float) -> None:
    day = commitments.commitment_day(hourly, utilisation, discount)
    assert day.actual_hourly_usage_equivalent == pytest.approx(hourly * utilisation / 100, abs=1e-4)
    assert day.utilization_percent == pytest.approx(utilisation, abs=0.0051)  # rounded to 2 places (0.125 -> 0.12)
    assert day.estimated_savings_vs_ondemand == pytest.approx(hourly * utilisation / 100 * 24 * discount, abs=1e-4)
    assert day.estimated_savings_vs_ondemand < 10**8  # fits numeric(10,4) of a realistic commitment
    assert catalogue.COMMITMENT_DISCOUNT["reserved_instance"] == (0.30, 0.40)
    assert catalogue.COMMITMENT_DISCOUNT["savings_plan"] == (0.20, 0.30)


# -- calendar ----------------------------------------------------------------------------------

HOLIDAYS_2026 = {
    dt.date(2026, 1, 1),
    dt.date(2026, 1, 19),  # Martin Luther King Jr. Day
    dt.date(2026, 2, 16),  # Washington's Birthday
    dt.date(2026, 5, 25),  # Memorial Day
    dt.date(2026, 6, 19),
    dt.date(2026, 7, 3),  # Independence Day falls on a Saturday: observed Friday
    dt.date(2026, 9, 7),  # Labor Day
    dt.date(2026, 10, 12),  # Columbus Day
    dt.date(2026, 11, 11),
    dt.date(2026, 11, 26),  # Thanksgiving
    dt.date(2026, 12, 25),
}


def test_us_federal_holidays_2026() -> None:
    assert us_federal_holidays(2026) == HOLIDAYS_2026
    assert dt.date(2026, 7, 4) not in us_federal_holidays(2026)
    assert dt.date(2027, 7, 5) in us_federal_holidays(2027)  # July 4th 2027 is a Sunday: observed Monday


def test_days_off() -> None:
    thanksgiving = dt.date(2026, 11, 26)
    assert thanksgiving.weekday() == 3
    assert is_day_off(thanksgiving, seasonality=True)
    assert not is_day_off(thanksgiving, seasonality=False)
    assert is_day_off(dt.date(2026, 7, 3), seasonality=True)
    assert is_day_off(dt.date(2026, 4, 4), seasonality=False)  # a Saturday
    assert is_day_off(dt.date(2026, 4, 5), seasonality=False)  # a Sunday
    assert not is_day_off(dt.date(2026, 4, 6), seasonality=True)  # an ordinary Monday
    assert is_weekend(dt.date(2026, 4, 4)) and not is_weekend(thanksgiving)


def test_new_year_observed_in_the_previous_year() -> None:
    assert dt.date(2028, 1, 1).weekday() == 5
    assert is_day_off(dt.date(2027, 12, 31), seasonality=True)


def test_month_end_is_the_last_two_days() -> None:
    assert [d.day for d in (dt.date(2026, 2, 1) + dt.timedelta(days=i) for i in range(28)) if is_month_end(d)] == [
        27,
        28,
    ]
    assert is_month_end(dt.date(2028, 2, 28)) and is_month_end(dt.date(2028, 2, 29))
    assert not is_month_end(dt.date(2028, 2, 27))
    assert is_month_end(dt.date(2026, 12, 30)) and is_month_end(dt.date(2026, 12, 31))
    assert not is_month_end(dt.date(2026, 12, 29))
    assert sum(is_month_end(dt.date(2026, 1, 1) + dt.timedelta(days=i)) for i in range(365)) == 24


# -- 7-day columns -----------------------------------------------------------------------------

DAILY = st.one_of(st.none(), st.floats(min_value=0.0, max_value=10_000.0))


@settings(max_examples=200)
@given(
    values=st.lists(DAILY, min_size=1, max_size=40),
    rolled_on=st.lists(st.booleans(), min_size=40, max_size=40),
    total=st.booleans(),
)
def test_seven_day_window_equals_the_last_seven_days(
    values: list[float | None], rolled_on: list[bool], total: bool
) -> None:
    """Rolled day by day, with days it was not rolled (a stopped resource) and days without a value,
    the kept window gives exactly the mean (or sum) of the values of the last seven days."""
    columns = {"c": Roll(keys=("x",), total=total)}
    window: seven_day.Window | None = None
    seen: dict[dt.date, float] = {}
    for offset, value in enumerate(values):
        day = START + dt.timedelta(days=offset)
        if not rolled_on[offset]:
            continue  # nothing observed that day, nothing rolled
        if value is not None:
            seen[day] = value
        rolled, window = seven_day.roll(columns, window, day, {} if value is None else {"x": value})
        week = [v for d, v in seen.items() if day - dt.timedelta(days=6) <= d <= day]
        if not week:
            assert rolled == {}
        elif total:
            assert rolled["c"] == round(sum(week))
        else:
            assert rolled["c"] == pytest.approx(round(sum(week) / len(week), 2), abs=0.0051)
        assert len(window["c"]) == seven_day.WINDOW_DAYS and window["through"] == day.isoformat()


# -- capacity after a change of type -------------------------------------------------------------


@given(
    old=st.sampled_from(sorted(catalogue.EC2_HOURLY)),
    new=st.sampled_from(sorted(catalogue.EC2_HOURLY)),
    utilisation=st.floats(min_value=0.0, max_value=100.0),
)
def test_a_resized_instance_carries_the_same_work(old: str, new: str, utilisation: float) -> None:
    factor, back = capacity.load_factor(old, new), capacity.load_factor(new, old)
    assert factor is not None and back is not None and factor > 0
    assert factor * back == pytest.approx(1.0)  # resized and back again: the utilisation it had
    assert 0.0 <= capacity.scaled(utilisation, factor) <= 100.0


def test_right_sizing_to_a_quarter_quadruples_utilisation_and_unlisted_types_change_nothing() -> None:
    assert capacity.load_factor("m5.2xlarge", "m5.large") == pytest.approx(4.0)
    assert capacity.scaled(10.0, 4.0) == pytest.approx(40.0)
    assert capacity.scaled(60.0, 4.0) == 100.0
    assert capacity.load_factor("m5.large", "x9.imaginary") is None


# -- keyed streams -------------------------------------------------------------------------------------


@given(
    seed=st.integers(0, 2**31),
    purpose=st.text(min_size=1, max_size=12),
    low=st.floats(-1e6, 1e6),
    width=st.floats(0, 1e6),
    n=st.integers(1, 64),
)
def test_stream_draws_stay_in_range_and_replay(seed: int, purpose: str, low: float, width: float, n: int) -> None:
    def draws() -> tuple[list[float], float, int, bool, str]:
        s = stream(seed, "account", dt.date(2026, 3, 1), purpose)
        values = s.uniforms(low, low + width, n).tolist()
        return values, s.uniform(low, low + width), s.integer(3, 9), s.chance(0.5), s.hex(5)

    assert draws() == draws()  # the key alone fixes every draw, call by call
    values, one, integer, _, hexed = draws()
    assert all(low <= v <= low + width for v in [*values, one])
    assert 3 <= integer <= 9
    assert len(hexed) == 5 and int(hexed, 16) >= 0


def test_streams_differ_by_every_part_of_the_key() -> None:
    day = dt.date(2026, 3, 1)
    base = stream(1, "a", day, "p").hex(16)
    others = [
        stream(2, "a", day, "p"),
        stream(1, "b", day, "p"),
        stream(1, "a", day + dt.timedelta(days=1), "p"),
        stream(1, "a", day, "q"),
        stream(1, "a", None, "p"),
    ]
    assert all(other.hex(16) != base for other in others)


def test_stream_uuid_texts_are_version_4_uuids() -> None:
    texts = stream(1, "a", dt.date(2026, 3, 1), "ids").uuid_texts(200)
    parsed = [uuid.UUID(text) for text in texts]
    assert [str(u) for u in parsed] == texts
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 for u in parsed)
    assert len(set(texts)) == 200


def test_stream_sample_picks_distinct_options() -> None:
    options = list(range(30))
    picked = stream(1, "a", None, "sample").sample(options, 10)
    assert len(set(picked)) == 10 and set(picked) <= set(options)
    assert sorted(stream(1, "a", None, "all").sample(options, 99)) == options
