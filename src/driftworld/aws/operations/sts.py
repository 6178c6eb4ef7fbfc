"""STS: who the key is, which tools ask before anything else."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Call, handles
from driftworld.store import aws_io


@handles("sts", "GetCallerIdentity")
def get_caller_identity(call: Call) -> dict[str, Any]:
    """The key belongs to the world's first account (by number) and sees every account of the world."""
    numbers = sorted(aws_io.accounts(call.conn)) or ["000000000000"]
    return {
        "UserId": call.agent,
        "Account": numbers[0],
        "Arn": f"arn:aws:iam::{numbers[0]}:user/{call.agent}",
    }
