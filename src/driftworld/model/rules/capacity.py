"""Capacity after a change of instance type: the same workload on a smaller instance runs hotter.

The catalogue has prices, not vCPU counts; within the families it lists, the hourly price grows with
the vCPUs and memory an instance has, so the price ratio stands in for the capacity ratio. The factor
multiplies the instance's drawn CPU and memory utilisation from then on (contract section 5: a
right-sized instance keeps its now higher utilisation).
"""

from __future__ import annotations

from driftworld.model import catalogue

MAX_UTILISATION = 100.0


def load_factor(old_type: str, new_type: str) -> float | None:
    """How much busier the workload looks on `new_type` than on `old_type`; None if either is unlisted."""
    old, new = catalogue.EC2_HOURLY.get(old_type), catalogue.EC2_HOURLY.get(new_type)
    if old is None or new is None or new <= 0:
        return None
    return old / new


def scaled(utilisation: float, factor: float) -> float:
    return min(MAX_UTILISATION, utilisation * factor)
