"""The OpenAPI document is true: schemathesis calls every operation it describes.

Runs on a throwaway app of its own (own instance folder, security database and graph), so
whatever the generated calls do (rename or delete users, change roles) touches nothing
else. Fixed seed, few examples per operation: a bounded run, the same every time. The
document is FAB's, corrected in one place (views/openapi.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphURL

PASSWORD = "Schema-pass-123"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture(scope="module")
def throwaway_app(
    graph_url: GraphURL,
    embedded_server: EmbeddedServer | None,
    app_graph_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Flask]:
    """An app with its own instance folder and (on the embedded engine) its own graph."""
    from app import create_app
    from app.accounts import ensure_admin

    url = app_graph_url
    if embedded_server is not None:
        url = f"unix://{embedded_server.socket_path}?graph=graphcrm_openapi"
    application = create_app(
        {
            "GRAPH_URL": url,
            "GRAPHCRM_INSTANCE_PATH": str(tmp_path_factory.mktemp("openapi") / "instance"),
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    ensure_admin(application, "admin", PASSWORD)
    yield application
    application.extensions["graph_store"].close()


@pytest.fixture(scope="module")
def token(throwaway_app: Flask) -> str:
    response = throwaway_app.test_client().post(
        "/api/v1/security/login",
        json={"username": "admin", "password": PASSWORD, "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["access_token"]


@pytest.fixture(scope="module")
def api_schema(throwaway_app: Flask, token: str) -> schemathesis.BaseSchema:
    auth = {"Authorization": f"Bearer {token}"}
    return schemathesis.openapi.from_wsgi("/api/v1/_openapi", throwaway_app, headers=auth)


def test_every_operation_answers_as_documented(
    api_schema: schemathesis.BaseSchema, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @fixed_seed(12)
        @settings(
            max_examples=3,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        try:
            call()
        except (Exception, FailureGroup) as exc:  # collected: one report for every operation
            first = str(exc).strip().splitlines()[0:3]
            failures.append(f"{operation.method.upper()} {operation.path}: {' / '.join(first)}")
    assert failures == [], f"{len(failures)} operations:\n" + "\n".join(failures)
