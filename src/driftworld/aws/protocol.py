"""The wire: which service a request is for, its operation and parameters, and the reply's bytes, all from
botocore's service models through LocalStack's server-side protocol layer (docs/aws-api.md says why)."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import OperationModel, ServiceModel
from localstack import config as localstack_config
from localstack.aws.api import CommonServiceException
from localstack.aws.protocol.parser import create_parser
from localstack.aws.protocol.serializer import create_serializer
from localstack.aws.protocol.service_router import determine_aws_protocol
from localstack.aws.spec import load_service
from localstack.http import Request, Response


def _undo_localstack_proxy_settings() -> None:
    """LocalStack's config, when imported, appends its hosts to no_proxy for the whole process (IPv6 `[::1]`
    among them, which httpx cannot parse): every later HTTP client of this process and of the commands it
    starts (the bench's agents) would break. Its addition is taken off again; the variables are otherwise
    left as they were."""
    added = str(localstack_config.no_proxy)
    for name in ("no_proxy", "NO_PROXY"):
        value = os.environ.get(name)
        if value is None or not value.endswith(added):
            continue
        kept = value[: -len(added)].rstrip(",")
        if kept:
            os.environ[name] = kept
        else:
            del os.environ[name]


_undo_localstack_proxy_settings()

__all__ = ["ApiError", "Parsed", "Request", "Response", "error_reply", "parse", "reply", "service_model"]

# The SigV4 signing name of each service the API speaks, and its model's name.
SERVICES = {
    "ec2": "ec2",
    "ce": "ce",
    "monitoring": "cloudwatch",
    "compute-optimizer": "compute-optimizer",
    "logs": "logs",
    "rds": "rds",
    "autoscaling": "autoscaling",
    "elasticloadbalancing": "elbv2",
    "lambda": "lambda",
    "s3": "s3",
    "sts": "sts",
}
# Where a request carries no usable signature, these tell the service apart (for the error's shape).
TARGET_PREFIXES = {
    "AWSInsightsIndexService": "ce",
    "Logs_20140328": "logs",
    "ComputeOptimizerService": "compute-optimizer",
    "GraniteServiceVersion20100801": "monitoring",
}
QUERY_VERSIONS = {
    "2016-11-15": "ec2",
    "2014-10-31": "rds",
    "2011-01-01": "autoscaling",
    "2015-12-01": "elasticloadbalancing",
    "2010-08-01": "monitoring",
    "2011-06-15": "sts",
}


class ApiError(Exception):
    """An AWS error reply: its code, message and HTTP status, serialized in the request's protocol."""

    def __init__(self, code: str, message: str, status: int = 400, sender_fault: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault


@dataclass(frozen=True)
class Parsed:
    signing_name: str
    protocol: str
    operation: OperationModel
    params: dict[str, Any]


@functools.cache
def service_model(name: str) -> ServiceModel:
    model: ServiceModel = load_service(name)
    return model


def guess_signing_name(request: Request, form: Mapping[str, str]) -> str:
    """The service of a request whose Authorization header does not say (only its error needs it)."""
    target = request.headers.get("X-Amz-Target", "")
    for prefix, name in TARGET_PREFIXES.items():
        if target.startswith(prefix) or f"/service/{prefix}/" in request.path:
            return name
    version = form.get("Version", "")
    if version in QUERY_VERSIONS:
        return QUERY_VERSIONS[version]
    return "lambda" if request.path.startswith("/2015-03-31/") else "s3"


def parse(signing_name: str, request: Request) -> Parsed:
    """The operation and its parameters, or ApiError when the request is not one the service model knows."""
    model = service_model(SERVICES[signing_name])
    try:
        protocol = detect(signing_name, request)
        operation, params = create_parser(model, protocol).parse(request)
    except Exception as error:  # the library raises its own parser errors, and werkzeug's for bad routes
        raise ApiError(
            "InvalidAction" if model.protocol in ("ec2", "query") else "UnknownOperationException",
            f"the request is not an operation of {model.service_name}: {error}",
        ) from None
    return Parsed(signing_name, protocol, operation, dict(params or {}))


def detect(signing_name: str, request: Request) -> str:
    """The protocol a request speaks, among those its service lists (CloudWatch takes three)."""
    model = service_model(SERVICES[signing_name])
    try:
        return str(determine_aws_protocol(request, model))
    except Exception:  # no protocol matches: answer in the service's first
        return str(model.protocol)


def reply(parsed: Parsed, result: dict[str, Any], request: Request) -> Response:
    serializer = create_serializer(parsed.operation.service_model, parsed.protocol)
    response: Response = serializer.serialize_to_response(result, parsed.operation, request.headers, _request_id())
    return response


def error_reply(
    signing_name: str, protocol: str | None, operation: OperationModel | None, error: ApiError, request: Request
) -> Response:
    """The error in the shape the service's clients parse (an operation is needed only for its name)."""
    model = service_model(SERVICES[signing_name])
    if operation is None:
        operation = model.operation_model(model.operation_names[0])
    exception = CommonServiceException(
        code=error.code, message=error.message, status_code=error.status, sender_fault=error.sender_fault
    )
    serializer = create_serializer(model, protocol or detect(signing_name, request))
    response: Response = serializer.serialize_error_to_response(exception, operation, request.headers, _request_id())
    return response


def _request_id() -> str:
    return str(uuid.uuid4())
