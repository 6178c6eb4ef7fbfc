"""A bounded schemathesis run against the published OpenAPI of a real `driftworld serve`: no 5xx.

Valid bodies may ask for up to 366 days, so the world's accounts are deactivated first: every request
goes through authentication, validation and the engine's request checks without simulating a year
per example (the simulation itself is tested elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from driftworld.store.cluster import LocalCluster
from tests.conftest import clone
from tests.helpers import ServerProcess, auth, execute

MAX_EXAMPLES = 30


@pytest.fixture(scope="module")
def server(
    cluster: LocalCluster, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    world = clone(cluster, seeded_template)
    execute(world, "update cloud_accounts set is_active = false")
    process = ServerProcess(world.url, Path(tmp_path_factory.mktemp("openapi")))
    try:
        yield process.wait_ready()
    finally:
        process.stop()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
def test_fuzzed_requests_never_get_a_server_error(
    server: ServerProcess, mode: GenerationMode, with_token: bool
) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert {op.path for op in operations} == {"/functions/v1/drift-tick", "/health"}
    strategy = st.one_of([op.as_strategy(generation_mode=mode) for op in operations])
    headers = auth() if with_token else {}
    seen: list[int] = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=server.url, headers=headers, timeout=30)
        seen.append(response.status_code)
        case.validate_response(
            response,
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance],
            headers=headers,
        )

    call()
    assert seen and all(code < 500 for code in seen)
    if not with_token:
        assert 401 in seen
