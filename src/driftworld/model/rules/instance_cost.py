"""The instance cost walk: a bounded, mean-reverting random walk around the list price.

The walk value is carried from day to day; calendar factors (weekend discount, month-end surge)
apply to the reported cost only, so they are never compounded.
"""

from __future__ import annotations

import math

import numpy as np

STEP_LOW, STEP_HIGH = -0.03, 0.05
PROD_BIAS = 1.02
REVERSION = 0.12  # share of the log-distance to the anchor pulled back each day
LOWER_BOUND, UPPER_BOUND = 0.5, 3.0  # reported cost stays within these multiples of the anchor
WEEKEND_FACTOR = (0.70, 0.85)
MONTH_END_FACTOR = (1.05, 1.10)


def next_walk(previous: np.ndarray, anchor: np.ndarray, prod: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Tomorrow's unreduced walk value from today's, given uniform draws in [0, 1) per instance."""
    step = 1 + STEP_LOW + (STEP_HIGH - STEP_LOW) * steps
    moved = previous * step * np.where(prod, PROD_BIAS, 1.0)
    distance = np.log(moved / anchor)
    pulled = anchor * np.exp((1 - REVERSION) * distance)
    # Reported values may be cut to 0.70x or raised to 1.10x; keep the walk inside so they stay in bounds.
    bounded: np.ndarray = np.clip(
        pulled, anchor * LOWER_BOUND / WEEKEND_FACTOR[0], anchor * UPPER_BOUND / MONTH_END_FACTOR[1]
    )
    return bounded


def reported_cost(
    walk: np.ndarray, rest_day: np.ndarray, month_end_prod: np.ndarray, factors: np.ndarray
) -> np.ndarray:
    """The day's estimated cost: the walk, discounted on rest days, surging on prod month ends."""
    weekend = WEEKEND_FACTOR[0] + (WEEKEND_FACTOR[1] - WEEKEND_FACTOR[0]) * factors
    surge = MONTH_END_FACTOR[0] + (MONTH_END_FACTOR[1] - MONTH_END_FACTOR[0]) * factors
    return walk * np.where(rest_day, weekend, 1.0) * np.where(month_end_prod, surge, 1.0)


def stationary_ratio(prod: bool) -> float:
    """Where the walk settles relative to its anchor (for tests and for starting new walks)."""
    mean_log_step = ((1 + STEP_HIGH) * math.log(1 + STEP_HIGH) - (1 + STEP_LOW) * math.log(1 + STEP_LOW)) / (
        STEP_HIGH - STEP_LOW
    ) - 1
    drift = mean_log_step + (math.log(PROD_BIAS) if prod else 0.0)
    return math.exp(drift * (1 - REVERSION) / REVERSION)
