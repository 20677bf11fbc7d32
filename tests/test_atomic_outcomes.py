"""A record change and its audit event: both or neither, whatever fails (app/audit_outbox.py),
and REST creates that a client may retry safely (Idempotency-Key)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient

from app import audit, audit_outbox
from graph.records.audit_intent import pending
from graph.store.protocol import GraphStore
from tests.test_audit import events_after, latest_id
from tests.web import bearer

CUSTOMER = {"name": "Atomic Ltd", "kind": "company", "stage": "potential"}


@contextmanager
def security_db_locked(app: Flask) -> Iterator[None]:
    """Another process's write transaction on the security database: writers must wait,
    and give up after the driver's busy timeout (a real 'database is locked')."""
    with app.app_context():
        path = app.appbuilder.session.get_bind().url.database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def record_events(app: Flask, marker: int, target: str) -> list[dict]:
    return [e for e in events_after(app, marker) if e["target"] == target]


def drain(app: Flask, store: GraphStore) -> audit_outbox.DrainReport:
    with app.app_context():
        return audit_outbox.drain(app.appbuilder.session.get_bind(), store)


def test_record_saved_while_the_audit_log_is_locked_gets_its_event_from_the_drain(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    drain(app, store)
    marker = latest_id(app)
    with security_db_locked(app):
        response = client.post("/api/v1/customer/", json=CUSTOMER, headers=auth)
        assert response.status_code == 201, response.get_data(as_text=True)
        uid = response.json["id"]
        target = f"Customer:{uid}"
        # The record is there and its history entry holds the audit intent; no event yet.
        assert [i.entity_uid for i in pending(store)] == [uid]
    assert record_events(app, marker, target) == []

    report = drain(app, store)

    assert report.audited == 1 and not report.failed
    events = record_events(app, marker, target)
    assert [(e["action"], e["username"]) for e in events] == [("record_create", "admin")]
    detail = json.loads(events[0]["detail"])
    assert detail["request_id"] == response.headers["X-Request-Id"]
    assert pending(store) == []
    assert drain(app, store).audited == 0  # nothing is audited twice
    assert client.get(f"/api/v1/customer/{uid}", headers=auth).status_code == 200
    with app.app_context():
        assert audit.verify() is None


def test_a_drain_that_fails_leaves_every_change_pending_in_order(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    drain(app, store)
    with security_db_locked(app):
        first = client.post("/api/v1/customer/", json=CUSTOMER, headers=auth).json["id"]
        second = client.post("/api/v1/customer/", json=CUSTOMER, headers=auth).json["id"]
        assert drain(app, store).failed
    assert [i.entity_uid for i in pending(store)] == [first, second]
    assert drain(app, store).audited == 2


def test_a_crash_after_the_event_but_before_marking_the_change_writes_no_second_event(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    drain(app, store)
    with security_db_locked(app):
        uid = client.post("/api/v1/customer/", json=CUSTOMER, headers=auth).json["id"]
    [intent] = pending(store)
    marker = latest_id(app)
    # The event commits, then the process dies before the graph entry is marked.
    with app.app_context():
        engine = app.appbuilder.session.get_bind()
        with engine.begin() as connection:
            assert audit_outbox.append_once(connection, intent)

    assert drain(app, store).audited == 1  # marked, not written again
    assert len(record_events(app, marker, f"Customer:{uid}")) == 1
    assert pending(store) == []


def test_record_changes_are_audited_at_once_when_the_log_answers(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    marker = latest_id(app)
    uid = client.post("/api/v1/customer/", json=CUSTOMER, headers=auth).json["id"]
    edited = client.put(
        f"/api/v1/customer/{uid}", json={"stage": "deal", "version": 1}, headers=auth
    )
    assert edited.status_code == 200
    assert client.delete(f"/api/v1/customer/{uid}", headers=auth).status_code == 200
    actions = [e["action"] for e in record_events(app, marker, f"Customer:{uid}")]
    assert actions == ["record_create", "record_update", "record_delete"]
    assert pending(store) == []


def test_a_create_retried_with_its_idempotency_key_makes_one_record(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    marker = latest_id(app)
    headers = {**auth, "Idempotency-Key": "order-7f3a"}
    body = {**CUSTOMER, "name": "Once Only Ltd"}
    first = client.post("/api/v1/customer/", json=body, headers=headers)
    again = client.post("/api/v1/customer/", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert again.json["result"]["name"] == "Once Only Ltd"
    listed = client.get(
        "/api/v1/customer/",
        query_string={"q": "(filters:!((col:name,opr:eq,value:'Once Only Ltd')))"},
        headers=auth,
    )
    assert listed.json["count"] == 1
    creates = [e for e in events_after(app, marker) if e["action"] == "record_create"]
    assert len(creates) == 1


def test_an_idempotency_key_reused_for_another_body_is_refused(
    client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    headers = {**auth, "Idempotency-Key": "k-1"}
    assert client.post("/api/v1/tag/", json={"name": "one"}, headers=headers).status_code == 201
    other = client.post("/api/v1/tag/", json={"name": "two"}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["message"]
    assert client.get("/api/v1/tag/", headers=auth).json["count"] == 1


def test_a_malformed_idempotency_key_is_a_400(client: FlaskClient, store: GraphStore) -> None:
    headers = {**bearer(client), "Idempotency-Key": "x" * 256}
    response = client.post("/api/v1/tag/", json={"name": "t"}, headers=headers)
    assert response.status_code == 400
    assert client.get("/api/v1/tag/", headers=bearer(client)).json["count"] == 0


def test_every_answer_says_its_request_id_and_where_the_time_went(
    client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    listed = client.get("/api/v1/customer/", headers={**auth, "X-Request-Id": "lb-42"})
    assert listed.headers["X-Request-Id"] == "lb-42"
    timing = listed.headers["Server-Timing"]
    assert timing.startswith("total;dur=") and ", graph;dur=" in timing
    calls = int(timing.split('desc="')[1].split(" ")[0])
    assert calls >= 1
    fresh = client.get("/health", headers={"X-Request-Id": "bad id with spaces"})
    assert len(fresh.headers["X-Request-Id"]) == 32
    assert 'desc="0 calls"' in fresh.headers["Server-Timing"]
