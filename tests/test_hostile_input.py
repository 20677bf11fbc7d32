"""Hostile or malformed input gets a clear 4xx, never a 5xx, and writes nothing."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.store.protocol import GraphStore
from tests.web import bearer

LOGIN = "/api/v1/security/login"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def auth(client: FlaskClient) -> dict[str, str]:
    return bearer(client)


def _post(client: FlaskClient, url: str, raw: str | bytes, headers: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        url, data=raw, headers={"Content-Type": "application/json", **(headers or {})}
    )


@pytest.mark.parametrize(
    "raw",
    [
        '{"username": "\\ud800", "password": "x", "provider": "db"}',
        '{"username": "admin", "password": "\\udfff", "provider": "db"}',
        _nested(100_000),
        '{"username": ' + _nested(5_000) + "}",
        "{not json",
        "",
        "null",
        "[]",
        '"text"',
    ],
)
def test_unauthenticated_login_with_malformed_json_is_a_4xx(client: FlaskClient, raw: str) -> None:
    response = _post(client, LOGIN, raw)
    assert 400 <= response.status_code < 500, (raw[:40], response.status_code)


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "\\ud800"}',
        '{"name": "ok", "tags": ' + _nested(50_000) + "}",
        _nested(100_000),
        "{not json",
        "",
        "[1, 2]",
    ],
)
def test_rest_create_with_malformed_json_is_a_4xx_and_writes_nothing(
    client: FlaskClient, auth: dict[str, str], store: GraphStore, raw: str
) -> None:
    response = _post(client, "/api/v1/customer/", raw, auth)
    assert 400 <= response.status_code < 500, (raw[:40], response.status_code)
    assert store.read("node_count_by_label") == [] or all(
        row["label"] != "Customer" for row in store.read("node_count_by_label")
    )


@pytest.mark.parametrize("q", ["((", "(", "!", "(filters:!((col:name,opr:ct,value:x)", "'"])
def test_bad_rison_is_a_400(client: FlaskClient, auth: dict[str, str], q: str) -> None:
    response = client.get("/api/v1/customer/", query_string={"q": q}, headers=auth)
    assert response.status_code == 400, (q, response.status_code)


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "1e9", "x"])
def test_huge_or_bad_page_numbers_are_a_4xx_or_an_empty_page(
    client: FlaskClient, auth: dict[str, str], page: str
) -> None:
    response = client.get(f"/customer/list/?page_CustomerView={page}")
    assert response.status_code < 500, (page, response.status_code)
    rison = f"(page:{page},page_size:25)"
    response = client.get("/api/v1/customer/", query_string={"q": rison}, headers=auth)
    assert response.status_code < 500, (rison, response.status_code)


def test_security_api_without_a_json_body_is_a_4xx(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    for url in ("/api/v1/security/users/", "/api/v1/security/roles/"):
        response = client.post(url, headers=auth)
        assert 400 <= response.status_code < 500, (url, response.status_code)
        response = client.post(url, data="x", headers={**auth, "Content-Type": "text/plain"})
        assert 400 <= response.status_code < 500, (url, response.status_code)


def test_a_body_over_the_size_limit_is_refused_with_413(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 16 * 1024 * 1024
    body = json.dumps({"username": "x" * (limit + 1), "password": "y", "provider": "db"})
    response = _post(client, LOGIN, body)
    assert response.status_code == 413
    assert "message" in response.get_json()


# Any JSON value, with text that includes lone surrogates, control and CJK characters.
_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
_FIELDS = st.dictionaries(
    st.sampled_from(["name", "stage", "kind", "phone", "email", "tags", "owner", "version"]),
    _JSON,
    max_size=5,
)
_PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_PROPERTY
@given(body=st.one_of(_FIELDS, _JSON))
def test_rest_create_never_answers_5xx(client: FlaskClient, auth: dict[str, str], body) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body)
    response = _post(client, "/api/v1/customer/", raw, auth)
    assert response.status_code < 500, (raw[:200], response.status_code)
    login = _post(client, LOGIN, raw)
    assert login.status_code < 500, (raw[:200], login.status_code)


@_PROPERTY
@given(q=st.text(alphabet="()!:,'*abc01 -_~", max_size=30))
def test_rison_arguments_never_answer_5xx(
    client: FlaskClient, auth: dict[str, str], q: str
) -> None:
    response = client.get("/api/v1/customer/", query_string={"q": q}, headers=auth)
    assert response.status_code < 500, (q, response.status_code)


HUGE = 2**64


def test_integers_beyond_64_bits_are_a_400_in_bodies_and_q_and_a_404_in_paths(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    body = client.put("/api/v1/security/users/1", json={"roles": [HUGE]}, headers=auth)
    assert body.status_code == 400 and "2^63" in body.json["message"]
    q = f"(filters:!((col:name,opr:eq,value:{HUGE})))"
    listed = client.get("/api/v1/security/roles/", query_string={"q": q}, headers=auth)
    assert listed.status_code == 400 and "2^63" in listed.json["message"]
    for method in ("get", "put", "delete"):
        for url in (f"/api/v1/security/roles/{HUGE}", f"/api/v1/security/users/{HUGE}"):
            response = getattr(client, method)(url, json={"name": "x"}, headers=auth)
            assert response.status_code == 404, (method, url, response.get_data(as_text=True))
    assert client.get("/api/v1/security/roles/1", headers=auth).status_code == 200


def test_a_taken_unique_name_in_the_security_api_is_a_422_and_writes_nothing(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    for url, taken in (
        ("/api/v1/security/roles/", {"name": "Admin"}),
        ("/api/v1/security/resources/", {"name": "OpenApi"}),
    ):
        count = client.get(url, headers=auth).json["count"]
        response = client.post(url, json=taken, headers=auth)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert "unique" in response.json["message"]
        assert client.get(url, headers=auth).json["count"] == count
