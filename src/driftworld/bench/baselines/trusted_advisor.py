"""AWS Trusted Advisor's published cost checks as an agent: it fixes what they flag where policy lets it act
alone, recommends where a person must approve, and keeps off `ignore` and frozen resources.

Idle EC2: CPU <= 10% and network <= 5 MB on 4 of the last 14 days; unattached EBS volumes; unassociated
Elastic IPs; RDS with no connection for 7 days; load balancers under 100 requests a day; snapshots older
than 90 days; log groups without retention.
"""

from __future__ import annotations

from typing import Any

from driftworld.bench.agents import Turn
from driftworld.bench.baselines.act import change, recommend, verdict

CHECKS: tuple[tuple[str, str, str, dict[str, Any] | None], ...] = (
    (
        "instances",
        "select i.id::text as id from public.instances i where i.state = 'running' and ("
        "select count(*) from public.metrics_daily m where m.account_id = i.account_id "
        "and m.resource_type = 'instances' and m.resource_id = i.instance_id "
        "and m.date > %(today)s::date - 14 and m.date <= %(today)s "
        "and (m.metric_payload ->> 'cpu_avg')::numeric <= 10 "
        "and (m.metric_payload ->> 'network_in_mb')::numeric + (m.metric_payload ->> 'network_out_mb')::numeric <= 5"
        ") >= 4",
        "stop",
        {"state": "stopped"},
    ),
    ("volumes", "select id::text as id from public.volumes where state = 'available'", "delete", None),
    ("elastic_ips", "select id::text as id from public.elastic_ips where state = 'unassociated'", "release", None),
    (
        "rds_instances",
        "select r.id::text as id from public.rds_instances r where r.state = 'available' and not exists ("
        "select 1 from public.metrics_daily m where m.account_id = r.account_id "
        "and m.resource_type = 'rds_instances' and m.resource_id = r.db_instance_id "
        "and m.date > %(today)s::date - 7 and m.date <= %(today)s "
        "and coalesce((m.metric_payload ->> 'connections')::numeric, 0) > 0)",
        "stop",
        {"state": "stopped"},
    ),
    (
        "load_balancers",
        "select id::text as id from public.load_balancers where avg_request_count_7d < 100",
        "delete",
        None,
    ),
    (
        "snapshots",
        "select id::text as id from public.snapshots where created_at < %(today)s::date - 90",
        "delete",
        None,
    ),
    (
        "log_groups",
        "select id::text as id from public.log_groups where retention_days is null and retention_in_days is null",
        "set retention 30 days",
        {"retention_in_days": 30},
    ),
)


class TrustedAdvisor:
    name = "trusted-advisor"

    def act(self, turn: Turn) -> None:
        for table, query, action, values in CHECKS:
            for row in turn.conn.execute(query, {"today": turn.virtual_date}).fetchall():
                may = verdict(turn.conn, table, row["id"], turn.virtual_date)
                if may == "act":
                    change(turn.conn, turn.agent_name, table, row["id"], values, action)
                elif may in ("approval", "recommend"):
                    recommend(turn.conn, turn.agent_name, table, row["id"], action, f"Trusted Advisor check: {action}")


AGENT = TrustedAdvisor()
