"""The account's daily data-transfer flows."""

from __future__ import annotations

from dataclasses import dataclass

from driftworld.model import catalogue
from driftworld.model.streams import Stream

CROSS_REGION_GB = (5.0, 50.0)
EGRESS_GB = (20.0, 200.0)
CROSS_AZ_GB = (100.0, 500.0)
CROSS_AZ_DAY_SHARE = 0.4  # cross-AZ traffic shows on 30-50% of days
WEEKEND_REDUCTION = (0.20, 0.40)


@dataclass(frozen=True)
class Flow:
    source_region: str
    dest_region: str
    direction: str
    gb: float

    @property
    def cost(self) -> float:
        return self.gb * catalogue.TRANSFER_GB[self.direction]


def peer_region(primary: str, regions_in_use: set[str]) -> str:
    """Where cross-region traffic goes: another region the account uses, else the usual pair."""
    others = sorted(regions_in_use - {primary})
    if others:
        return others[0]
    return "us-east-1" if primary == "us-west-2" else "us-west-2"


def daily_flows(primary: str, regions_in_use: set[str], weekend: bool, draws: Stream) -> list[Flow]:
    scale = 1.0 - draws.uniform(*WEEKEND_REDUCTION) if weekend else 1.0
    flows = [
        Flow(primary, peer_region(primary, regions_in_use), "cross-region", draws.uniform(*CROSS_REGION_GB)),
        Flow(primary, "internet", "egress", draws.uniform(*EGRESS_GB)),
    ]
    if draws.chance(CROSS_AZ_DAY_SHARE):
        flows.append(Flow(primary, primary, "cross-az", draws.uniform(*CROSS_AZ_GB)))
    return [Flow(f.source_region, f.dest_region, f.direction, round(f.gb * scale, 4)) for f in flows]
