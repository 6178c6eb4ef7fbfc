"""The world as the MCP tools see it: reads, acts and recommendations, each one transaction as the agent role.

Policy is scored, not enforced (as in the bench and the AWS API): an act that breaks a policy, lock or
freeze applies with a warning, unless the server runs with `--enforce-policy`, which refuses it and
changes nothing. Every applied act writes the resource change and its action_audit_log row in one
transaction, so the next tick attributes it to the agent.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from driftworld.mcp_server import cost
from driftworld.mcp_server.kinds import KIND_NAMES, bill_id, provider_id, resolve_kind
from driftworld.mcp_server.replies import Refused, parse_day, plain, plain_dict
from driftworld.model.kinds import BY_TABLE
from driftworld.store import agent_io, aws_io
from driftworld.store.database import Database, DatabaseUnavailable, first_line

Conn = psycopg.Connection[dict[str, Any]]
Row = dict[str, Any]
log = logging.getLogger(__name__)

POLICY_COLUMNS = ("optimization_policy", "optimization_policy_locked", "optimization_freeze_until")
PRICE_COLUMNS = (
    "hourly_cost",
    "gpu_hourly_cost",
    "monthly_cost",
    "storage_monthly_cost",
    "estimated_monthly_cost",
    "estimated_hourly_cost",
)
LIVE_COLUMNS = ("target_count", "healthy_target_count", "last_active_at", "last_used_at")
BOOKKEEPING = ("id", "account_id", "org_id", "created_at", "updated_at", "tags", *POLICY_COLUMNS)
MAX_LIMIT = 500
MAX_HISTORY_DAYS = 400
DELETE = None  # what a decision returns to delete the row


class AgentWorld:
    """One world, reached through a small pool of connections that each `SET ROLE driftworld_agent`."""

    def __init__(
        self,
        database: Database,
        enforce_policy: bool = False,
        agent_name: str | None = None,
        max_connections: int = 4,
    ) -> None:
        self.database = database
        self.enforce_policy = enforce_policy
        self.agent_name = agent_name  # executed_by of every act, instead of each client's name
        with database.connect(autocommit=True) as conn:
            self.as_agent = agent_io.can_become_agent(conn)
            mode = agent_io.clock_mode(conn)
            self.owner = str(conn.info.user)
        if not self.as_agent:
            log.warning(
                "role %s is missing or not granted to %s: acting as %s", agent_io.AGENT_ROLE, self.owner, self.owner
            )
        self.clock_mode = mode or "unknown"
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            database.url,
            min_size=1,
            max_size=max_connections,
            kwargs={"row_factory": dict_row, "application_name": "driftworld-mcp", "connect_timeout": 5},
            configure=self._configure,
            check=ConnectionPool.check_connection,
            open=False,
        )

    @property
    def role(self) -> str:
        return agent_io.AGENT_ROLE if self.as_agent else self.owner

    def _configure(self, conn: Conn) -> None:
        agent_io.use_utc(conn)
        if self.as_agent:
            agent_io.become_agent(conn)
        conn.commit()

    def open(self) -> AgentWorld:
        try:
            self.pool.open(wait=True, timeout=10)
        except psycopg.Error as error:
            raise DatabaseUnavailable(f"cannot open the MCP server's connections: {first_line(error)}") from error
        return self

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> AgentWorld:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Conn]:
        """One connection and one transaction: committed when the block ends, rolled back on any error."""
        with self.pool.connection() as conn:
            yield conn

    # -- naming -----------------------------------------------------------------------------------

    @staticmethod
    def table_of(kind: str) -> str:
        found = resolve_kind(kind)
        if found is None:
            raise Refused("unknown_kind", f"unknown kind {kind!r}: use one of {KIND_NAMES} (or the singular)")
        return found.table

    def find(self, conn: Conn, table: str, key: str, lock: bool = False) -> Row:
        rows = agent_io.find_resources(conn, table, BY_TABLE[table].named_by, str(key).strip(), lock)
        if not rows:
            raise Refused("not_found", f"no {table} row has id, provider id or name {key!r}", kind=table, id=key)
        if len(rows) > 1:
            raise Refused("ambiguous", f"more than one {table} row is named {key!r}: pass the row id", kind=table)
        return rows[0]

    def now_for(self, conn: Conn, account_id: str) -> tuple[dt.datetime, Row]:
        """What a freeze is compared with: in virtual clock mode the start of the account's next virtual
        day (the instant the next tick judges a change), in wallclock mode the database's now. A login
        that cannot read the clock mode (the agent role itself) takes the earlier of the two, so that a
        freeze either clock sees is honoured."""
        context = agent_io.account_context(conn, account_id)
        day = context["virtual_date"]
        now: dt.datetime = context["now"] or dt.datetime.now(dt.UTC)
        if day is None or self.clock_mode == "wallclock":
            return now, context
        virtual = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        return (virtual if self.clock_mode == "virtual" else min(virtual, now)), context

    def assess(self, conn: Conn, row: Row) -> tuple[list[dict[str, Any]], dt.datetime, Row]:
        """The reasons an act on this row breaks a policy, a lock or a freeze; `scored` marks the ones the
        scorecard counts as violations (recommend_only alone asks for a person, it is not scored)."""
        now, context = self.now_for(conn, str(row["account_id"]))
        reasons: list[dict[str, Any]] = []
        policy = row.get("optimization_policy")
        if policy == "ignore":
            reasons.append({"rule": "ignore", "scored": True, "detail": "the resource's policy is ignore: hands off"})
        if row.get("env") == "prod" or row.get("optimization_policy_locked"):
            reasons.append(
                {"rule": "locked", "scored": True, "detail": "the resource is locked (prod resources always are)"}
            )
        elif policy == "recommend_only":
            reasons.append(
                {
                    "rule": "recommend_only",
                    "scored": False,
                    "detail": "the resource's policy is recommend_only: a person approves changes (use recommend)",
                }
            )
        account_freeze = context["freeze_optimizations_until"]
        if account_freeze is not None and account_freeze > now:
            reasons.append(
                {"rule": "account_freeze", "scored": True, "detail": f"the account is frozen until {account_freeze}"}
            )
        freeze = row.get("optimization_freeze_until")
        if freeze is not None and freeze > now:
            reasons.append(
                {"rule": "resource_freeze", "scored": True, "detail": f"the resource is frozen until {freeze}"}
            )
        return reasons, now, context

    # -- reads ------------------------------------------------------------------------------------

    def list_accounts(self) -> dict[str, Any]:
        with self.transaction() as conn:
            accounts = agent_io.list_accounts(conn)
        return {"accounts": plain(accounts), "clock_mode": self.clock_mode, "role": self.role}

    def list_resources(
        self,
        kind: str,
        account_id: str | None = None,
        env: str | None = None,
        state: str | None = None,
        tag: str | None = None,
        policy: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        table = self.table_of(kind)
        if not 1 <= limit <= MAX_LIMIT:
            raise Refused("invalid_parameter", f"limit must be between 1 and {MAX_LIMIT}")
        if cursor is not None:
            try:
                cursor = str(uuid.UUID(cursor))
            except ValueError:
                raise Refused("invalid_parameter", "cursor must be a next_cursor this tool returned") from None
        with self.transaction() as conn:
            columns = set(agent_io.columns_of(conn, table))
            where: list[tuple[str, str, Any]] = []
            if account_id:
                where.append(("account_id", "=", self._account(conn, account_id)))
            for column, value in (("env", env), ("state", state), ("optimization_policy", policy)):
                if value is None:
                    continue
                if column not in columns:
                    raise Refused("invalid_parameter", f"{table} have no {column} column: drop that filter")
                where.append((column, "=", value))
            if tag:
                key, has_value, value = tag.partition("=")
                where.append(("tags", "tag=", (key, value)) if has_value else ("tags", "tag?", key))
            rows = agent_io.list_resources(conn, table, where, cursor, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "kind": table,
            "count": len(rows),
            "resources": [self._listed(table, row) for row in rows],
            "next_cursor": str(rows[-1]["id"]) if more else None,
        }

    def _account(self, conn: Conn, key: str) -> str:
        for account in agent_io.list_accounts(conn):
            if key in (str(account["id"]), account["aws_account_number"], account["name"]):
                return str(account["id"])
        raise Refused("not_found", f"no account has id, 12-digit number or name {key!r}")

    @staticmethod
    def _listed(table: str, row: Row) -> dict[str, Any]:
        shown = {k: v for k, v in row.items() if k not in agent_io.HIDDEN}
        return plain_dict({"provider_id": provider_id(table, row), **shown})

    def describe_resource(self, kind: str, key: str) -> dict[str, Any]:
        table = self.table_of(kind)
        with self.transaction() as conn:
            row = self.find(conn, table, key)
            reasons, now, context = self.assess(conn, row)
            day_cost = agent_io.last_day_cost(
                conn, str(row["account_id"]), table, bill_id(table, row), context["virtual_date"]
            )
        live = {k: v for k, v in row.items() if k.startswith("current_") or k in LIVE_COLUMNS}
        seven_day = {k: v for k, v in row.items() if k.endswith("_7d")}
        prices = {k: v for k, v in row.items() if k in PRICE_COLUMNS}
        shown = {*live, *seven_day, *prices, *BOOKKEEPING}
        return plain_dict(
            {
                "kind": table,
                "id": row["id"],
                "provider_id": provider_id(table, row),
                "account_id": row["account_id"],
                "configuration": {k: v for k, v in row.items() if k not in shown},
                "tags": row.get("tags") or {},
                "policy": {
                    "optimization_policy": row.get("optimization_policy"),
                    "locked": row.get("optimization_policy_locked"),
                    "freeze_until": row.get("optimization_freeze_until"),
                    "account_freeze_until": context["freeze_optimizations_until"],
                    "now": now,
                    "reasons": reasons,
                    "an_act_would": ("be refused" if self.enforce_policy else "warn") if reasons else "apply",
                },
                "utilisation": {"live": live, "seven_day": seven_day},
                "cost": {
                    **prices,
                    "virtual_date": context["virtual_date"],
                    "cost_on_virtual_date": day_cost,
                },
            }
        )

    def get_metrics(self, kind: str, key: str, start: str | None = None, end: str | None = None) -> dict[str, Any]:
        table = self.table_of(kind)
        first, last = parse_day(start, "start"), parse_day(end, "end")
        with self.transaction() as conn:
            row = self.find(conn, table, key)
            context = agent_io.account_context(conn, str(row["account_id"]))
            if last is None:
                today = context["virtual_date"] or dt.datetime.now(dt.UTC).date()
                last = today + dt.timedelta(days=1)
            if first is None:
                first = last - dt.timedelta(days=14)
            if first >= last:
                raise Refused("invalid_parameter", "start must be before end (end is exclusive)")
            if (last - first).days > MAX_HISTORY_DAYS:
                raise Refused("invalid_parameter", f"at most {MAX_HISTORY_DAYS} days per call")
            rows = agent_io.history(
                conn, table, str(row["account_id"]), str(row["id"]), bill_id(table, row), first, last
            )
        days = [{**(r.pop("metric_payload", None) or {}), **r} for r in rows]
        return plain_dict(
            {
                "kind": table,
                "id": row["id"],
                "provider_id": provider_id(table, row),
                "start": first,
                "end": last,
                "days": days,
            }
        )

    def get_cost_and_usage(
        self,
        start: str,
        end: str,
        granularity: str = "DAILY",
        metrics: list[str] | None = None,
        group_by: list[dict[str, str]] | None = None,
        filter: dict[str, Any] | None = None,  # Cost Explorer's name
    ) -> dict[str, Any]:
        request = cost.parse_request(start, end, granularity, metrics, group_by, filter)
        with self.transaction() as conn:
            try:
                rows = aws_io.cost_and_usage(
                    conn, request.start, request.end, request.monthly, request.group_by, request.expression
                )
            except aws_io.UnsupportedExpression as error:
                raise Refused("invalid_parameter", str(error)) from error
        return cost.shape(request, rows)

    # -- acts -------------------------------------------------------------------------------------

    def act(
        self,
        client: str,
        action: str,
        table: str,
        key: str,
        decide: Callable[[Row], dict[str, Any] | None],
    ) -> dict[str, Any]:
        """Apply one change as an agent would: lock the row, let `decide` check it and name the new
        values (None deletes the row), judge the policy, write the change and its audit row."""
        started = time.monotonic()
        with self.transaction() as conn:
            row = self.find(conn, table, key, lock=True)
            values = decide(row)
            reasons, now, _ = self.assess(conn, row)
            ident = {"action": action, "kind": table, "id": str(row["id"]), "provider_id": provider_id(table, row)}
            if self.enforce_policy and reasons:
                raise Refused(
                    "policy",
                    f"refused by --enforce-policy: {'; '.join(r['detail'] for r in reasons)}. Nothing changed; "
                    "use recommend to leave the change for a person.",
                    **ident,
                    reasons=reasons,
                )
            if values is DELETE:
                agent_io.delete_resource(conn, table, str(row["id"]))
                before, after = plain(self._listed(table, row)), None
            else:
                changed = {k: v for k, v in values.items() if row.get(k) != v}
                if not changed:
                    raise Refused("no_change", f"{ident['provider_id']} already has {plain(values)}", **ident)
                updated = agent_io.update_resource(conn, table, str(row["id"]), changed)
                before = plain({k: row.get(k) for k in changed})
                after = plain({k: updated.get(k) for k in changed})
            warning = self._warning(reasons, row, table, action)
            audit = agent_io.write_audit(
                conn,
                {
                    "account_id": row["account_id"],
                    "org_id": row.get("org_id"),
                    "action": action,
                    "resource_type": table,
                    "resource_id": str(row["id"]),
                    "resource_name": row.get("name") or provider_id(table, row),
                    "message": warning,
                    "previous_state": before,
                    "new_state": after,
                    "duration_ms": int((time.monotonic() - started) * 1000),
                    "executed_by": client,
                },
            )
        return plain_dict(
            {
                **ident,
                "applied": True,
                "before": before,
                "after": after,
                "warning": warning,
                "reasons": reasons,
                "judged_at": now,
                "audit_id": audit["id"],
                "executed_by": client,
            }
        )

    @staticmethod
    def _warning(reasons: list[dict[str, Any]], row: Row, table: str, action: str) -> str | None:
        notes = [r["detail"] for r in reasons]
        if any(r["scored"] for r in reasons):
            notes.append("the scorecard counts this change as a policy violation")
        if (
            table == "instances"
            and row.get("autoscaling_group_id")
            and action in ("stop_instance", "terminate_instance")
        ):
            notes.append("the instance belongs to an autoscaling group, which replaces it: lower the group's capacity")
        return "; ".join(notes) if notes else None

    def recommend(self, client: str, kind: str, key: str, action: str, rationale: str) -> dict[str, Any]:
        table = self.table_of(kind)
        if not action.strip():
            raise Refused("invalid_parameter", "action must say what to do (stop, delete, downsize, ...)")
        with self.transaction() as conn:
            row = self.find(conn, table, key)
            saved = agent_io.insert_recommendation(
                conn,
                {
                    "account_id": row["account_id"],
                    "org_id": row.get("org_id"),
                    "resource_type": table,
                    "resource_id": provider_id(table, row),
                    "action": action.strip(),
                    "rationale": rationale,
                    "created_by": client,
                },
            )
        return plain_dict({"recommendation": saved})
