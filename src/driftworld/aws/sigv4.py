"""AWS Signature Version 4 checks: the server recomputes the signature a client made with the world's
secret, using botocore's signer (the one boto3 and the CLI sign with), and compares in constant time."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_PATTERN = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request"
    r",\s*SignedHeaders=(?P<headers>[a-z0-9;\-]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)
MAX_SKEW = dt.timedelta(minutes=15)
UNSIGNED = ("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")


@dataclass(frozen=True)
class Scope:
    """What a request's Authorization header claims: the key, the day, the region and the service."""

    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


class SignatureError(Exception):
    """A request that is not signed by the world's key: `kind` is 'missing', 'malformed', 'unknown-key',
    'mismatch' or 'expired'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def parse_authorization(header: str | None) -> Scope:
    if not header:
        raise SignatureError("missing", "Missing Authentication Token")
    match = AUTH_PATTERN.match(header.strip())
    if match is None:
        raise SignatureError(
            "malformed", "Authorization header requires a SigV4 Credential, SignedHeaders and Signature"
        )
    return Scope(
        match["key"],
        match["date"],
        match["region"],
        match["service"],
        tuple(match["headers"].split(";")),
        match["signature"],
    )


def verify(
    scope: Scope,
    secret: str,
    method: str,
    raw_uri: str,
    headers: Mapping[str, str],
    body: bytes,
    now: dt.datetime,
) -> None:
    """Raise SignatureError unless the request was signed with `secret` within 15 minutes of `now`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    amz_date = lowered.get("x-amz-date", "")
    try:
        signed_at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise SignatureError("malformed", "the request needs an X-Amz-Date header") from None
    if amz_date[:8] != scope.date:
        raise SignatureError("mismatch", "the credential scope's date is not the day of X-Amz-Date")
    if abs(now - signed_at) > MAX_SKEW:
        raise SignatureError(
            "expired", f"Signature expired: {amz_date} is now earlier or later than 15 minutes from the server's clock"
        )
    claimed = lowered.get("x-amz-content-sha256") or ""
    payload_signed = claimed and claimed not in UNSIGNED and not claimed.startswith("STREAMING-")
    if payload_signed and not hmac.compare_digest(claimed, hashlib.sha256(body).hexdigest()):
        raise SignatureError("mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
    signed = {name: lowered.get(name, "") for name in scope.signed_headers}
    host = lowered.get("host", "localhost")
    request = AWSRequest(method=method, url=f"http://{host}{raw_uri}", headers=signed, data=body)
    request.context["timestamp"] = amz_date
    signer_class = S3SigV4Auth if scope.service == "s3" else SigV4Auth
    signer = signer_class(Credentials(scope.access_key_id, secret), scope.service, scope.region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, scope.signature):
        raise SignatureError(
            "mismatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
