"""The AWS API's database work: the world's key pair (owner only), and every read and change the API makes,
which run as the `driftworld_agent` role so that the API can do nothing an agent's own SQL could not."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from driftworld.store.agent_io import apply_as_agent

Conn = psycopg.Connection[dict[str, Any]]
SQL_DIR = Path(__file__).parent / "sql"
AGENT_ROLE = "driftworld_agent"
KEY_ID_ALPHABET = string.ascii_uppercase + "234567"
SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _read(name: str) -> str:
    return (SQL_DIR / name).read_text()


@dataclass(frozen=True)
class ApiKey:
    """The world's one access key. `repr` leaves the secret out, so a logged key never shows it."""

    access_key_id: str
    secret_access_key: str
    name: str

    def __repr__(self) -> str:
        return f"ApiKey(access_key_id={self.access_key_id!r}, name={self.name!r})"


def ensure_api_key(conn: Conn, name: str | None = None) -> ApiKey:
    """The world's key pair, made on first use from the OS's random source; `name` renames it."""
    access_key_id = "AKIA" + "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(16))
    secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(40))
    with conn.transaction():
        conn.execute(
            "insert into driftworld.aws_api_key (access_key_id, secret_access_key) values (%s, %s) "
            "on conflict (singleton) do nothing",
            (access_key_id, secret),
        )
        if name is not None:
            conn.execute("update driftworld.aws_api_key set name = %s", (name,))
        row = conn.execute("select access_key_id, secret_access_key, name from driftworld.aws_api_key").fetchone()
    assert row is not None
    return ApiKey(str(row["access_key_id"]), str(row["secret_access_key"]), str(row["name"]))


def agent_role_ready(conn: Conn) -> bool:
    """Whether this login may act as the agent role (it exists and the login is a member, or a superuser)."""
    row = conn.execute(
        "select exists (select 1 from pg_roles where rolname = %s) and pg_has_role(current_user, %s, 'MEMBER') as ok",
        (AGENT_ROLE, AGENT_ROLE),
    ).fetchone()
    return bool(row and row["ok"])


@contextmanager
def as_agent(conn: Conn) -> Iterator[Conn]:
    """One transaction as the agent role: the API's reads and writes see what an agent's SQL sees."""
    with conn.transaction():
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(AGENT_ROLE)))
        yield conn


def clock_mode(conn: Conn) -> str:
    row = conn.execute("select clock_mode from driftworld.world_settings").fetchone()
    return str(row["clock_mode"]) if row else "wallclock"


def virtual_today(conn: Conn) -> dt.date | None:
    """The newest simulated day of the world (the virtual clock's 'now')."""
    row = conn.execute("select max(virtual_date) as day from public.virtual_clock").fetchone()
    return row["day"] if row and row["day"] is not None else None


def main_region(conn: Conn) -> str:
    """The region most of the world's accounts call home (us-east-1 for an empty world)."""
    row = conn.execute(
        "select primary_region from public.cloud_accounts where primary_region is not null "
        "group by 1 order by count(*) desc, 1 limit 1"
    ).fetchone()
    return str(row["primary_region"]) if row else "us-east-1"


def regions(conn: Conn) -> list[str]:
    return [str(r["region"]) for r in conn.execute(_read("aws_regions.sql")).fetchall()]


def instances(conn: Conn, region: str) -> list[dict[str, Any]]:
    return conn.execute(_read("aws_instances.sql"), {"region": region}).fetchall()


def volumes(conn: Conn, region: str) -> list[dict[str, Any]]:
    return conn.execute(_read("aws_volumes.sql"), {"region": region}).fetchall()


def addresses(conn: Conn, region: str) -> list[dict[str, Any]]:
    return conn.execute(_read("aws_addresses.sql"), {"region": region}).fetchall()


def resources(conn: Conn, table: str, singular: str, id_column: str, region: str | None) -> list[dict[str, Any]]:
    """Every row of a resource table (in one region, or all for None) with its row id as text, its account's
    number and name, its region and its tags merged with its resource_tags rows, ordered for paging."""
    query = sql.SQL(
        "select r.*, r.id::text as row_id, a.aws_account_number as owner_id, a.name as account_name, "
        "coalesce(r.region, a.primary_region) as region_name, "
        "coalesce(r.tags, '{{}}'::jsonb) || coalesce((select jsonb_object_agg(t.key, t.value) "
        "from public.resource_tags t where t.resource_type = %s and t.resource_id in (r.id::text, r.{id}::text)), "
        "'{{}}'::jsonb) as all_tags "
        "from public.{table} r join public.cloud_accounts a on a.id = r.account_id "
        "where %s::text is null or coalesce(r.region, a.primary_region) = %s::text "
        "order by a.aws_account_number, r.{id}"
    ).format(id=sql.Identifier(id_column), table=sql.Identifier(table))
    return conn.execute(query, (singular, region, region)).fetchall()


def members(conn: Conn, group_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The instances of autoscaling groups that are not terminated."""
    return conn.execute(
        "select autoscaling_group_id::text as group_id, instance_id, instance_type, state, region "
        "from public.instances where autoscaling_group_id = any(%s::uuid[]) and state <> 'terminated' "
        "order by instance_id",
        (list(group_ids),),
    ).fetchall()


def instance_history(conn: Conn, region: str, days: int, virtual: bool) -> list[dict[str, Any]]:
    """Each instance's last `days` days of CPU and network, up to its account's today."""
    return conn.execute(
        _read("aws_instance_history.sql"), {"region": region, "days": days, "virtual": virtual}
    ).fetchall()


def accounts(conn: Conn) -> dict[str, str]:
    """Each account's 12-digit number and name."""
    rows = conn.execute("select aws_account_number, name from public.cloud_accounts order by 1").fetchall()
    return {str(r["aws_account_number"]): str(r["name"]) for r in rows}


def change(
    conn: Conn, agent: str, table: str, row_id: str, values: dict[str, Any] | None, action: str
) -> dict[str, Any] | None:
    """The change as an agent's own SQL makes it, audited as made through the AWS API."""
    return apply_as_agent(conn, agent, table, row_id, values, action, f"{agent}: {action} through the AWS API")


# -- Cost Explorer ---------------------------------------------------------------------------------

DIMENSION_COLUMNS = {
    "SERVICE": "service",
    "LINKED_ACCOUNT": "linked_account",
    "REGION": "region",
    "USAGE_TYPE": "usage_type",
    "RESOURCE_ID": "resource_id",
}


class UnsupportedExpression(ValueError):
    """A Cost Explorer filter or grouping this world cannot answer; the message names the part."""


def _match(column: sql.Composable, values: Sequence[str], options: Sequence[str], params: list[Any]) -> sql.Composable:
    if not values:
        return sql.SQL("false")
    insensitive = "CASE_INSENSITIVE" in options
    if insensitive:
        column = sql.SQL("lower({})").format(column)
        values = [v.lower() for v in values]
    params.append(list(values))
    if "STARTS_WITH" in options:
        return sql.SQL("exists (select 1 from unnest(%s::text[]) v where starts_with({}, v))").format(column)
    if "ENDS_WITH" in options:
        return sql.SQL("exists (select 1 from unnest(%s::text[]) v where right({}, length(v)) = v)").format(column)
    if "CONTAINS" in options:
        return sql.SQL("exists (select 1 from unnest(%s::text[]) v where strpos({}, v) > 0)").format(column)
    return sql.SQL("({} = any(%s::text[]))").format(column)


def uses_tags(expression: Any) -> bool:
    """Whether an expression tests a tag anywhere (then the bill needs its resources' tags)."""
    if isinstance(expression, dict):
        return "Tags" in expression or any(uses_tags(v) for v in expression.values())
    if isinstance(expression, list):
        return any(uses_tags(v) for v in expression)
    return False


def cost_filter(expression: dict[str, Any], params: list[Any]) -> sql.Composable:
    """A Cost Explorer Expression (Dimensions, Tags, And, Or, Not) as a condition on the bill's rows; its
    values go to `params`, in order."""
    parts: list[sql.Composable] = []
    if "And" in expression:
        parts.append(sql.SQL("({})").format(sql.SQL(" and ").join(cost_filter(e, params) for e in expression["And"])))
    if "Or" in expression:
        parts.append(sql.SQL("({})").format(sql.SQL(" or ").join(cost_filter(e, params) for e in expression["Or"])))
    if "Not" in expression:
        parts.append(sql.SQL("(not coalesce({}, false))").format(cost_filter(expression["Not"], params)))
    if "Dimensions" in expression:
        dim = expression["Dimensions"]
        key = str(dim.get("Key", ""))
        if key not in DIMENSION_COLUMNS:
            raise UnsupportedExpression(f"dimension {key} is not supported (use {', '.join(DIMENSION_COLUMNS)})")
        parts.append(
            _match(
                sql.Identifier(DIMENSION_COLUMNS[key]), dim.get("Values") or [], dim.get("MatchOptions") or [], params
            )
        )
    if "Tags" in expression:
        tag = expression["Tags"]
        params.append(str(tag.get("Key", "")))
        value = sql.SQL("(tags ->> %s::text)")
        options = tag.get("MatchOptions") or []
        if "ABSENT" in options:
            parts.append(sql.SQL("({} is null)").format(value))
        elif tag.get("Values"):
            parts.append(_match(value, tag["Values"], options, params))
        else:
            parts.append(sql.SQL("({} is not null)").format(value))
    if "CostCategories" in expression:
        raise UnsupportedExpression("cost categories are not supported: the world defines none")
    if not parts:
        raise UnsupportedExpression("an expression needs one of Dimensions, Tags, And, Or or Not")
    if len(parts) > 1:
        raise UnsupportedExpression("an expression takes exactly one of Dimensions, Tags, And, Or or Not")
    return parts[0]


def _group_expression(kind: str, key: str, params: list[Any]) -> sql.Composable:
    if kind == "DIMENSION":
        if key not in DIMENSION_COLUMNS:
            raise UnsupportedExpression(f"cannot group by dimension {key} (use {', '.join(DIMENSION_COLUMNS)})")
        return sql.Identifier(DIMENSION_COLUMNS[key])
    if kind == "TAG":
        params += [key + "$", key]
        return sql.SQL("%s::text || coalesce(tags ->> %s::text, '')")
    raise UnsupportedExpression(f"cannot group by {kind} (use DIMENSION or TAG)")


def cost_and_usage(
    conn: Conn,
    start: dt.date,
    end: dt.date,
    monthly: bool,
    group_by: Sequence[tuple[str, str]],
    expression: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Sums of daily_bill from start up to end (exclusive) per day or calendar month and group:
    rows (period, keys, cost, list_cost, usage, units)."""
    needs_tags = any(kind == "TAG" for kind, _ in group_by) or uses_tags(expression)
    tags_join = (
        sql.SQL("left join ({}) t on t.resource_type = b.resource_type and t.resource_id = b.resource_id").format(
            sql.SQL(_read("aws_resource_tags.sql"))
        )
        if needs_tags
        else sql.SQL("")
    )
    tags_column = sql.SQL("coalesce(t.tags, '{}'::jsonb)") if needs_tags else sql.SQL("'{}'::jsonb")
    period = sql.SQL("date_trunc('month', date)::date") if monthly else sql.SQL("date")
    params: list[Any] = [start, end]
    keys = [_group_expression(kind, key, params) for kind, key in group_by]
    key_array = sql.SQL("array[{}]::text[]").format(sql.SQL(", ").join(keys)) if keys else sql.SQL("'{}'::text[]")
    where = cost_filter(expression, params) if expression else sql.SQL("true")
    query = sql.SQL(
        "with bill as (select b.*, a.aws_account_number as linked_account, {tags} as tags "
        "from public.daily_bill b join public.cloud_accounts a on a.id = b.account_id {join} "
        "where b.date >= %s and b.date < %s) "
        "select {period} as period, {keys} as keys, sum(cost) as cost, sum(list_cost) as list_cost, "
        "sum(usage_quantity) as usage, array_agg(distinct unit) as units "
        "from bill where {where} group by 1, 2 order by 1, 2"
    ).format(tags=tags_column, join=tags_join, period=period, keys=key_array, where=where)
    return conn.execute(query, params).fetchall()


def dimension_values(conn: Conn, start: dt.date, end: dt.date, dimension: str) -> list[str]:
    """The values a dimension takes in the bill over the period."""
    if dimension not in DIMENSION_COLUMNS:
        raise UnsupportedExpression(f"dimension {dimension} is not supported (use {', '.join(DIMENSION_COLUMNS)})")
    query = sql.SQL(
        "select distinct {} as value from (select b.*, a.aws_account_number as linked_account "
        "from public.daily_bill b join public.cloud_accounts a on a.id = b.account_id "
        "where b.date >= %s and b.date < %s) bill order by 1"
    ).format(sql.Identifier(DIMENSION_COLUMNS[dimension]))
    return [str(r["value"]) for r in conn.execute(query, (start, end)).fetchall()]


def tag_keys_or_values(conn: Conn, start: dt.date, end: dt.date, key: str | None) -> list[str]:
    """The tag keys (or one key's values) of the resources billed in the period."""
    if key is None:
        picked = sql.SQL("jsonb_object_keys(t.tags)")
        params: list[Any] = [start, end]
    else:
        picked = sql.SQL("t.tags ->> %s::text")
        params = [key, start, end]
    query = sql.SQL(
        "select distinct value from (select {picked} as value from ({tags}) t "
        "join (select distinct resource_type, resource_id from public.daily_bill where date >= %s and date < %s) b "
        "on b.resource_type = t.resource_type and b.resource_id = t.resource_id) v "
        "where value is not null order by 1"
    ).format(picked=picked, tags=sql.SQL(_read("aws_resource_tags.sql")))
    return [str(r["value"]) for r in conn.execute(query, params).fetchall()]


# -- CloudWatch ------------------------------------------------------------------------------------


def metric_days(
    conn: Conn, resource_type: str, resource_id: str, first: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    """A resource's daily observations (metrics_daily payloads) from first to last, inclusive."""
    return conn.execute(
        "select date, metric_payload as payload from public.metrics_daily "
        "where resource_type = %s and resource_id = %s and date between %s and %s order by date",
        (resource_type, resource_id, first, last),
    ).fetchall()


def metric_targets(conn: Conn, kind: str, region: str, value: str | None = None) -> list[tuple[str, str]]:
    """(CloudWatch dimension value, metrics_daily resource_id) of the resources of a kind in a region (the
    one named `value`, when given)."""
    rows = conn.execute(
        f"select value, resource_id from ({_read('aws_metric_targets.sql')}) t "
        "where kind = %(kind)s and (%(value)s::text is null or value = %(value)s::text) order by 1",
        {"region": region, "kind": kind, "value": value},
    ).fetchall()
    return [(str(r["value"]), str(r["resource_id"])) for r in rows]
