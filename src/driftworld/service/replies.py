"""The drift-tick replies (contract section 6) as pydantic models: the service builds each reply through
them from the engine's result, and FastAPI derives the OpenAPI schema from the same models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from driftworld.engine.tick import AccountResult, TickResult


class RowsAppended(BaseModel):
    metrics_daily: int
    s3_bucket_usage_daily: int
    log_group_usage_daily: int
    data_transfer_daily: int
    commitment_utilization_daily: int


class ScenarioTriggered(BaseModel):
    account_id: str
    date: dt.date
    scenario: str


class AccountReply(BaseModel):
    account_id: str
    status: str = Field(description="simulated, skipped, already_simulated, busy or failed")
    fromDate: dt.date | None
    toDate: dt.date | None
    daysSimulated: int
    rowsAppended: dict[str, int]
    durationMs: int
    reason: str | None
    error: str | None

    @classmethod
    def of(cls, account: AccountResult) -> AccountReply:
        return cls(
            account_id=str(account.account_id),
            status=account.status,
            fromDate=account.from_date,
            toDate=account.to_date,
            daysSimulated=account.days_simulated,
            rowsAppended=account.rows_appended,
            durationMs=round(account.duration_ms),
            reason=account.reason,
            error=account.error,
        )


class TickReply(BaseModel):
    ok: bool
    simulatedDate: dt.date | None
    accountsProcessed: int
    daysSimulated: int
    rowsAppended: RowsAppended
    scenariosTriggered: list[ScenarioTriggered]
    executionTimeMs: int
    accounts: list[AccountReply]
    error: str | None = Field(default=None, description="Only when an account failed: how many, and the first error.")

    @classmethod
    def of(cls, result: TickResult) -> TickReply:
        failed = result.failed
        return cls(
            ok=result.ok,
            simulatedDate=result.simulated_date,
            accountsProcessed=sum(1 for a in result.accounts if a.days_simulated),
            daysSimulated=result.days_simulated,
            rowsAppended=RowsAppended.model_validate(result.rows_appended),
            scenariosTriggered=[
                ScenarioTriggered(account_id=str(a.account_id), date=day, scenario=name)
                for a in result.accounts
                for day, name in a.scenarios
            ],
            executionTimeMs=round(result.execution_time_ms),
            accounts=[AccountReply.of(a) for a in result.accounts],
            error=f"{len(failed)} account(s) failed: {failed[0].error}" if failed else None,
        )

    def body(self) -> dict[str, Any]:
        """The JSON object sent (and printed by `tick --json`): `error` only when there is one."""
        return self.model_dump(mode="json", exclude=None if self.error else {"error"})


class ErrorReply(BaseModel):
    ok: bool = False
    error: str
    accounts: list[AccountReply] | None = None

    def body(self) -> dict[str, Any]:
        """The JSON object sent: `accounts` only where the failure lists them (an empty list included)."""
        return self.model_dump(mode="json", exclude_none=True)


def tick_reply(result: TickResult) -> dict[str, Any]:
    """The reply to a tick that ran, as JSON."""
    return TickReply.of(result).body()
