"""REST APIs of the node types (views/crud/api.py) on a real graph engine, through JWT."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import jwt
import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from graph.errors import ConstraintViolation, QueryTimeout, StoreUnavailable
from graph.model.base import REGISTRY
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.statements import statement
from tests.web import login
from views.messages import message_text

CUSTOMER_UID = re.compile(r"^C\d{8}\d{3,}$")
CATALOG = Path(__file__).resolve().parent.parent / "app/translations/zh/LC_MESSAGES/messages.po"
NOW = "2026-01-01T00:00:00Z"


@pytest.fixture
def auth(client: FlaskClient) -> dict[str, str]:
    """Headers carrying an admin JWT from FAB's security API."""
    response = client.post(
        "/api/v1/security/login",
        json={"username": "admin", "password": ADMIN_PASSWORD, "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def post(client: FlaskClient, auth: dict[str, str], kind: str, body: Any, **kw: Any) -> Any:
    return client.post(f"/api/v1/{kind}/", json=body, headers=auth, **kw)


def created(client: FlaskClient, auth: dict[str, str], kind: str, body: dict[str, Any]) -> str:
    response = post(client, auth, kind, body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["id"]


def listing(client: FlaskClient, auth: dict[str, str], kind: str, q: str = "") -> Any:
    return client.get(f"/api/v1/{kind}/", query_string={"q": q} if q else {}, headers=auth)


def count(client: FlaskClient, auth: dict[str, str], kind: str) -> int:
    return listing(client, auth, kind).json["count"]


@pytest.fixture
def customer(client: FlaskClient, auth: dict[str, str], store: GraphStore) -> dict[str, Any]:
    """A customer created through the API with an owner and two tags."""
    store.write(statement("tag_create"), uid="t-key", name="Key account", now=NOW)
    vip = created(client, auth, "tag", {"name": "VIP"})
    owner = created(client, auth, "user", {"username": "lilei", "display_name": "Li Lei"})
    response = post(
        client,
        auth,
        "customer",
        {
            "name": " Acme　Trading ",
            "stage": "deal",
            "phone": "138 1234 5678",
            "tags": [vip, "t-key"],
            "owner": owner,
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def test_post_creates_a_customer_with_tags_and_owner(customer: dict[str, Any]) -> None:
    result = customer["result"]
    assert CUSTOMER_UID.match(customer["id"]) and result["uid"] == customer["id"]
    assert result["version"] == 1
    assert result["name"] == "Acme Trading"  # trimmed, ideographic space folded
    assert result["phone"] == "+8613812345678"
    assert result["owner"]["title"] == "Li Lei"
    assert sorted(t["title"] for t in result["tags"]) == ["Key account", "VIP"]
    assert {"uid", "title"} == set(result["tags"][0])
    assert result["created_at"].endswith("Z") and result["channel"] is None


def test_get_one_by_string_uid(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any], store: GraphStore
) -> None:
    response = client.get(f"/api/v1/customer/{customer['id']}", headers=auth)
    assert response.status_code == 200
    assert response.json["result"]["uid"] == customer["id"]
    assert response.json["result"]["version"] == 1
    # A uid made of digits stays a string (FAB's own GET route would make it an int).
    store.write(statement("tag_create"), uid="0042", name="Digits", now=NOW)
    response = client.get("/api/v1/tag/0042", headers=auth)
    assert response.status_code == 200 and response.json["result"]["uid"] == "0042"
    assert client.get("/api/v1/customer/C19990101001", headers=auth).status_code == 404
    assert client.get("/api/v1/customer/C1%00", headers=auth).status_code == 400


def test_requests_without_a_token_are_refused(client: FlaskClient) -> None:
    assert client.get("/api/v1/customer/").status_code == 401
    assert client.post("/api/v1/customer/", json={"name": "x"}).status_code == 401


def _tampered_tokens(client: FlaskClient) -> dict[str, str]:
    """Tokens that must never authenticate: garbage, a changed payload, a foreign
    signature, no signature, and a refresh token used as an access token."""
    answer = client.post(
        "/api/v1/security/login",
        json={"username": "admin", "password": ADMIN_PASSWORD, "provider": "db", "refresh": True},
    ).json
    header, payload, signature = answer["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "2"

    def b64(data: dict[str, Any]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    none_header = b64({"alg": "none", "typ": "JWT"})
    return {
        "garbage": "not-a-token",
        "three garbage parts": "a.b.c",
        "empty": "",
        "changed payload": f"{header}.{b64(claims)}.{signature}",
        "foreign key": jwt.encode(claims, "another-secret-key-of-32-bytes!!", algorithm="HS256"),
        "unsigned": f"{none_header}.{b64(claims)}.",
        "refresh as access": answer["refresh_token"],
    }


def test_invalid_or_tampered_tokens_answer_401(client: FlaskClient) -> None:
    for name, token in _tampered_tokens(client).items():
        headers = {"Authorization": f"Bearer {token}"}
        for method, url in (("get", "/api/v1/customer/"), ("post", "/api/v1/tag/")):
            response = getattr(client, method)(url, json={"name": "x"}, headers=headers)
            assert response.status_code == 401, (name, method, response.get_data(as_text=True))
    assert client.get("/api/v1/tag/", headers={"Authorization": "Basic abc"}).status_code == 401
    garbage = {"Authorization": "Bearer x.y.z"}
    chinese = client.get("/api/v1/tag/", headers=garbage, query_string={"_l_": "zh"})
    assert chinese.status_code == 401 and "令牌无效" in chinese.json["message"]


def test_list_filters_orders_and_pages(client: FlaskClient, auth: dict[str, str]) -> None:
    for name, stage in [("Beta", "deal"), ("Alpha", "deal"), ("Gamma", "lost"), ("Delta", "deal")]:
        created(client, auth, "customer", {"name": name, "stage": stage})
    deals = "(filters:!((col:stage,opr:eq,value:deal)),order_column:name,order_direction:{})"
    response = listing(client, auth, "customer", deals.format("asc"))
    assert response.status_code == 200
    assert response.json["count"] == 3
    assert [r["name"] for r in response.json["result"]] == ["Alpha", "Beta", "Delta"]
    assert response.json["ids"] == [r["uid"] for r in response.json["result"]]
    response = listing(client, auth, "customer", deals.format("desc"))
    assert [r["name"] for r in response.json["result"]] == ["Delta", "Beta", "Alpha"]
    paged = listing(client, auth, "customer", "(order_column:name,page:1,page_size:2)")
    assert [r["name"] for r in paged.json["result"]] == ["Delta", "Gamma"]
    assert paged.json["count"] == 4
    some = listing(client, auth, "customer", "(columns:!(uid,name),page_size:1)")
    assert set(some.json["result"][0]) == {"uid", "name"}


def test_list_filters_on_a_relation(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    created(client, auth, "customer", {"name": "Untagged", "stage": "intent"})
    response = listing(client, auth, "customer", "(filters:!((col:tags,opr:rel_m_m,value:t-key)))")
    assert response.status_code == 200
    assert response.json["ids"] == [customer["id"]]


def test_put_with_the_current_version_bumps_it(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    url = f"/api/v1/customer/{customer['id']}"
    response = client.put(url, json={"name": "Acme Ltd", "version": 1}, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.json["result"]
    assert result["version"] == 2 and result["name"] == "Acme Ltd"
    # Fields left out keep their values (partial update).
    assert result["stage"] == "deal" and len(result["tags"]) == 2
    assert client.get(url, headers=auth).json["result"]["version"] == 2


def test_put_with_a_stale_version_is_refused(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    url = f"/api/v1/customer/{customer['id']}"
    assert client.put(url, json={"name": "Newer", "version": 1}, headers=auth).status_code == 200
    response = client.put(url, json={"name": "Older", "version": 1}, headers=auth)
    assert response.status_code == 409
    assert "someone else changed" in response.json["message"]
    assert response.json["version"] == 2
    stored = client.get(url, headers=auth).json["result"]
    assert stored["name"] == "Newer" and stored["version"] == 2


def test_put_without_a_version_is_refused_and_changes_nothing(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    url = f"/api/v1/customer/{customer['id']}"
    for body in ({"name": "Blind"}, {"name": "Blind", "version": None}):
        response = client.put(url, json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.json["message"] == {"version": [message_text("version")]}
    chinese = client.put(url, json={"name": "Blind"}, headers=auth, query_string={"_l_": "zh"})
    assert chinese.status_code == 422 and "版本" in chinese.json["message"]["version"][0]
    stored = client.get(url, headers=auth).json["result"]
    assert stored["name"] == "Acme Trading" and stored["version"] == 1


def test_put_and_delete_of_a_missing_record_answer_404(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    url = "/api/v1/customer/C19990101001"
    assert client.put(url, json={"name": "x"}, headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404


def test_put_of_a_missing_security_user_answers_404_and_creates_nothing(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    users = client.get("/api/v1/security/users/", headers=auth).json["count"]
    response = client.put("/api/v1/security/users/999999", json={}, headers=auth)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert client.get("/api/v1/security/users/", headers=auth).json["count"] == users


def test_invalid_input_answers_422_with_a_field_map_and_writes_nothing(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    before = count(client, auth, "customer")
    response = post(client, auth, "customer", {"stage": "won", "phone": "12345"})
    assert response.status_code == 422
    assert response.json["message"] == {
        "name": [message_text("required")],
        "stage": [message_text("choice", {"choices": "potential, intent, deal, lost"})],
        "phone": [message_text("phone")],
    }
    blank = post(client, auth, "customer", {"name": "   ", "stage": "deal", "tags": ["nope"]})
    assert blank.json["message"] == {"name": [message_text("required")]}
    unknown_ref = post(client, auth, "customer", {"name": "X", "stage": "deal", "tags": ["no"]})
    assert unknown_ref.status_code == 422
    assert unknown_ref.json["message"] == {"tags": [message_text("relation")]}
    extra = post(client, auth, "customer", {"name": "X", "stage": "deal", "uid": "C1"})
    assert extra.json["message"] == {"uid": [message_text("unknown")]}
    assert post(client, auth, "customer", ["not", "an", "object"]).status_code == 422
    assert post(client, auth, "customer", {"name": "a\x00b", "stage": "deal"}).status_code == 400
    assert count(client, auth, "customer") == before
    url = f"/api/v1/customer/{customer['id']}"
    bad = client.put(url, json={"phone": "abc", "version": "one"}, headers=auth)
    assert bad.status_code == 422 and set(bad.json["message"]) == {"phone", "version"}
    assert client.get(url, headers=auth).json["result"]["version"] == 1


def test_not_json_and_broken_json_answer_400(client: FlaskClient, auth: dict[str, str]) -> None:
    assert client.post("/api/v1/tag/", data="name=x", headers=auth).status_code == 400
    broken = client.post(
        "/api/v1/tag/", data="{", headers={**auth, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert count(client, auth, "tag") == 0


def test_chinese_request_gets_messages_in_chinese(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    response = post(client, auth, "customer", {"stage": "deal"}, query_string={"_l_": "zh"})
    assert response.status_code == 422
    assert set(response.json["message"]) == {"name"}
    with open(CATALOG, "rb") as source:
        catalog = {m.id: m.string for m in read_po(source) if m.id}
    expected = catalog[message_text("required")]
    assert response.json["message"]["name"] == [expected]


def test_delete_then_get_answers_404(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    url = f"/api/v1/customer/{customer['id']}"
    response = client.delete(url, headers=auth)
    assert response.status_code == 200 and response.json["message"] == "OK"
    assert client.get(url, headers=auth).status_code == 404
    assert client.get(f"{url}/history", headers=auth).status_code == 404


def test_history_lists_create_and_update_with_old_and_new_values(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    url = f"/api/v1/customer/{customer['id']}"
    body = {"name": "Acme Ltd", "tags": ["t-key"], "version": 1}
    assert client.put(url, json=body, headers=auth).status_code == 200
    response = client.get(f"{url}/history", headers=auth)
    assert response.status_code == 200
    update, create = response.json["result"]
    assert (update["action"], update["version"], update["by"]) == ("update", 2, "admin")
    changes = {c["field"]: (c["old"], c["new"]) for c in update["changes"]}
    assert changes == {
        "name": ("Acme Trading", "Acme Ltd"),
        "tags": ("Key account, VIP", "Key account"),
    }
    assert create["action"] == "create" and create["version"] == 1
    assert {"field": "name", "old": None, "new": "Acme Trading"} in create["changes"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", create["at"])
    assert client.get("/api/v1/customer/C19990101001/history", headers=auth).status_code == 404


def test_follow_up_with_a_time_and_a_required_customer(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    body = {"at": "2026-03-01T09:30:00+08:00", "method": "visit", "summary": "Demo"}
    assert post(client, auth, "followup", body).json["message"] == {
        "customer": [message_text("required")]
    }
    response = post(client, auth, "followup", {**body, "customer": customer["id"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    result = response.json["result"]
    assert result["at"] == "2026-03-01T01:30:00Z"
    assert result["customer"] == {"uid": customer["id"], "title": "Acme Trading"}


def test_every_node_type_has_an_api(client: FlaskClient, auth: dict[str, str]) -> None:
    for label in REGISTRY:
        for path in ("", "_info"):
            response = client.get(f"/api/v1/{label.lower()}/{path}", headers=auth)
            assert response.status_code == 200, (label, path, response.get_data(as_text=True))


def test_info_describes_fields_without_listing_related_nodes(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    response = client.get("/api/v1/customer/_info", headers=auth)
    assert response.status_code == 200
    fields = {f["name"]: f for f in response.json["add_columns"]}
    assert fields["name"]["required"] and fields["name"]["max_length"] == 200
    assert [v["id"] for v in fields["stage"]["values"]] == ["potential", "intent", "deal", "lost"]
    assert fields["tags"]["relation"] == {"target": "Tag", "many": True, "api": "/api/v1/tag/"}
    assert "values" not in fields["tags"] and fields["name"]["values"] is None
    assert "version" in {f["name"] for f in response.json["edit_columns"]}
    assert {"name": "Equal to", "operator": "eq"} in response.json["filters"]["stage"]
    zh = client.get("/api/v1/customer/_info?_l_=zh", headers=auth).json
    assert {f["name"]: f["label"] for f in zh["add_columns"]}["stage"] == "阶段"


def test_openapi_document_covers_the_node_apis(client: FlaskClient, auth: dict[str, str]) -> None:
    document = client.get("/api/v1/_openapi", headers=auth).json
    paths = document["paths"]
    for path in ("/api/v1/customer/", "/api/v1/customer/{pk}", "/api/v1/customer/{pk}/history"):
        assert path in paths
    one = paths["/api/v1/customer/{pk}"]
    assert set(one) >= {"get", "put", "delete"}
    for method in ("get", "put", "delete"):
        pk = [p for p in one[method]["parameters"] if p["name"] == "pk"]
        assert pk[0]["schema"] == {"type": "string"}
    assert "409" in one["put"]["responses"]
    shown = document["components"]["schemas"]["CustomerRestApi.get"]["properties"]
    assert {"uid", "version", "created_at", "tags", "owner"} <= set(shown)

    def refs(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
            return found.union(*(refs(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(refs(v) for v in node))
        return set()

    for ref in refs(document):
        _, section, name = ref.rsplit("/", 2)
        assert name in document["components"][section], ref


def test_every_error_answer_is_documented_with_the_one_error_schema(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    document = client.get("/api/v1/_openapi", headers=auth).json
    error = {"$ref": "#/components/schemas/Error"}
    shared = document["components"]["responses"]
    assert document["components"]["schemas"]["Error"]["required"] == ["message"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            answers = operation["responses"]
            assert {"400", "500", "503"} <= set(answers), (method, path)
            for code, answer in answers.items():
                if int(code) >= 400:
                    answer = shared[code] if "$ref" in answer else answer
                    assert answer["content"]["application/json"]["schema"] == error, (path, code)
    customer = document["paths"]["/api/v1/customer/{pk}"]["put"]["responses"]
    assert {"401", "403", "404", "409", "413", "422"} <= set(customer)


def test_swagger_page_renders_for_a_logged_in_admin(client: FlaskClient) -> None:
    login(client)
    response = client.get("/swagger/v1")
    assert response.status_code == 200
    assert "/api/v1/_openapi" in response.get_data(as_text=True)
    assert "/api/v1/customer/" in client.get("/api/v1/_openapi").json["paths"]


BAD_ARGUMENTS = [
    "(order_column:nonexistent)",
    "(order_column:'name) DETACH DELETE n //')",
    "(order_column:address)",  # text properties are not orderable
    "(order_direction:sideways,order_column:name)",
    "(filters:!((col:'stage OR 1=1',opr:eq,value:deal)))",
    "(filters:!((col:stage,opr:'eq; MATCH (x) DETACH DELETE x',value:deal)))",
    "(filters:!((col:address,opr:eq,value:x)))",  # not a search column
    "(filters:!((col:name,opr:in,value:x)))",  # not an operator of this column
    "(filters:!((col:name,opr:gt,value:1e400)))",
    "(filters:!((col:name,opr:eq,value:99999999999999999999999)))",
    "(filters:!((col:name,opr:eq,value:(a:b))))",
    "(columns:!(name),select_columns:!(name))",
    "(filters:!((col:name,opr:eq,value:'a\x00b')))",  # FalkorDB cannot take NUL
    "not rison at all (",
]
INJECTIONS = [
    "'x\" OR 1=1 //'",
    "'\\\\\" RETURN 1 //'",
    "'!') MATCH (n) DETACH DELETE n //'",
    "'a & b + c #d %27 %00'",
    "'${name}'",
    "'deal,x\" OR true //'",
]


def test_bad_order_and_filter_arguments_answer_400(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    for q in BAD_ARGUMENTS:
        response = listing(client, auth, "customer", q)
        assert response.status_code == 400, (q, response.get_data(as_text=True))
    assert count(client, auth, "customer") == 1


def test_injection_in_filter_values_is_only_data(
    client: FlaskClient, auth: dict[str, str], customer: dict[str, Any]
) -> None:
    for value in INJECTIONS:
        for column, operator in [("name", "eq"), ("name", "ct"), ("name", "sw"), ("stage", "in")]:
            q = f"(filters:!((col:{column},opr:{operator},value:{value})))"
            response = listing(client, auth, "customer", q)
            assert response.status_code == 200, (q, response.get_data(as_text=True))
            expected = 1 if (column, value) == ("stage", INJECTIONS[-1]) else 0
            assert response.json["count"] == expected, q
    assert count(client, auth, "customer") == 1
    assert listing(client, auth, "customer", "(page:-3)").status_code == 200


@pytest.mark.parametrize(
    ("error", "status"),
    [(StoreUnavailable("down"), 503), (QueryTimeout("slow"), 503)],
)
def test_store_failures_on_read_are_not_500(
    app: Flask,
    client: FlaskClient,
    auth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
) -> None:
    def fail(*_: Any, **__: Any) -> None:
        raise error

    monkeypatch.setattr(app.extensions["graph_store"], "read", fail)
    for url in ("/api/v1/customer/", "/api/v1/customer/C20260101001"):
        response = client.get(url, headers=auth)
        assert response.status_code == status
        assert "try again" in response.json["message"].lower()
        assert response.headers["Retry-After"].isdigit()


def test_constraint_violation_on_write_answers_422(
    app: Flask, client: FlaskClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: Any, **__: Any) -> None:
        raise ConstraintViolation("unique constraint violation")

    monkeypatch.setattr(app.extensions["graph_store"], "write", fail)
    response = post(client, auth, "tag", {"name": "VIP"})
    assert response.status_code == 422
    assert "unique" in response.json["message"]
