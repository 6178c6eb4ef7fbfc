"""S3: the world's buckets and their lifecycle rules (the world's `lifecycle_rules`, which its S3 rule
reads: transitions move data between tiers the next days, expirations remove it)."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Call, Paging, change_each, handles, paged, selected
from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io

PAGING = Paging("Buckets", "ContinuationToken", "ContinuationToken", "MaxBuckets", 10000, 10000, (1, 10000))
NOT_FOUND = ApiError("NoSuchBucket", "The specified bucket does not exist: {}", 404)


def _rows(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "s3_buckets", "s3_bucket", "name", None)


def _bucket(call: Call) -> dict[str, Any]:
    return selected(_rows(call), "name", [str(call.params.get("Bucket", ""))], NOT_FOUND)[0]


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    bucket: dict[str, Any] = {"Name": row["name"], "BucketRegion": row["region_name"]}
    if row["created_at"] is not None:
        bucket["CreationDate"] = row["created_at"]
    return bucket


@handles("s3", "ListBuckets")
def list_buckets(call: Call) -> dict[str, Any]:
    out = paged(call, _rows(call), PAGING, lambda chunk: [_listed(r) for r in chunk])
    return out | {"Owner": {"ID": "driftworld", "DisplayName": "driftworld"}}


def _world_rules(row: dict[str, Any]) -> list[dict[str, Any]]:
    rules = list(row["lifecycle_rules"] or [])
    policy = row["lifecycle_policy"] or {}
    if isinstance(policy, dict):
        rules += list(policy.get("rules") or [])
    return [r for r in rules if isinstance(r, dict)]


@handles("s3", "GetBucketLifecycleConfiguration")
def get_bucket_lifecycle_configuration(call: Call) -> dict[str, Any]:
    rules = _world_rules(_bucket(call))
    if not rules:
        raise ApiError("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404)
    out = []
    for n, rule in enumerate(rules):
        aws_rule: dict[str, Any] = {
            "ID": str(rule.get("id") or f"rule-{n + 1}"),
            "Status": "Disabled" if str(rule.get("status", "Enabled")).lower() == "disabled" else "Enabled",
            "Filter": {"Prefix": ""},
        }
        transitions = [
            {"Days": int(t["days"]), "StorageClass": str(t.get("storage_class", "STANDARD_IA"))}
            for t in rule.get("transitions") or []
            if t.get("days") is not None
        ]
        if transitions:
            aws_rule["Transitions"] = transitions
        expiration = rule.get("expiration") or {}
        if expiration.get("days") is not None:
            aws_rule["Expiration"] = {"Days": int(expiration["days"])}
        out.append(aws_rule)
    return {"Rules": out}


@handles("s3", "PutBucketLifecycleConfiguration")
def put_bucket_lifecycle_configuration(call: Call) -> dict[str, Any]:
    row = _bucket(call)
    rules = []
    for rule in (call.params.get("LifecycleConfiguration") or {}).get("Rules") or []:
        world_rule: dict[str, Any] = {"id": rule.get("ID") or "", "status": rule.get("Status", "Enabled")}
        transitions = [
            {"days": int(t["Days"]), "storage_class": str(t.get("StorageClass", "STANDARD_IA"))}
            for t in rule.get("Transitions") or []
            if t.get("Days") is not None
        ]
        if transitions:
            world_rule["transitions"] = transitions
        if (rule.get("Expiration") or {}).get("Days") is not None:
            world_rule["expiration"] = {"days": int(rule["Expiration"]["Days"])}
        rules.append(world_rule)
    if not rules:
        raise ApiError("MalformedXML", "The XML you provided was not well-formed or did not validate")
    # A PUT replaces the whole configuration, so the older `lifecycle_policy` shape goes too.
    change_each(call, "s3_buckets", [row], {"lifecycle_rules": rules, "lifecycle_policy": None}, "set lifecycle")
    return {}


@handles("s3", "DeleteBucketLifecycle")
def delete_bucket_lifecycle(call: Call) -> dict[str, Any]:
    values = {"lifecycle_rules": None, "lifecycle_policy": None}
    change_each(call, "s3_buckets", [_bucket(call)], values, "delete lifecycle")
    return {}
