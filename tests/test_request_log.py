"""One log line per request (method, path, status, time, graph time, request id), as text
or JSON (``GRAPHCRM_LOG_FORMAT``), with the same request id as the audit events it causes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

import config
from app import request_log
from graph.store.protocol import GraphStore
from tests.test_audit import events_after, latest_id
from tests.web import bearer

CUSTOMER = {"name": "Logged Co", "kind": "company", "stage": "intent"}


@pytest.fixture
def json_logs(app: Flask) -> Iterator[None]:
    """The app writing JSON lines for the test, text again afterwards."""
    app.config["GRAPHCRM_LOG_FORMAT"] = "json"
    request_log.configure(app)
    yield
    app.config["GRAPHCRM_LOG_FORMAT"] = "text"
    request_log.configure(app)


def _request_lines(err: str) -> list[dict]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == request_log.REQUEST_LOGGER]


def test_each_request_writes_one_line_with_its_timing_and_request_id(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    auth = bearer(client)
    created = client.post("/api/v1/customer/", json=CUSTOMER, headers=auth)
    uid = created.json["id"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=request_log.REQUEST_LOGGER):
        answer = client.get(f"/api/v1/customer/{uid}", headers={**auth, "X-Request-Id": "lb-7"})
    assert answer.status_code == 200
    lines = [r for r in caplog.records if r.name == request_log.REQUEST_LOGGER]
    assert len(lines) == 1
    fields = getattr(lines[0], request_log.FIELDS)
    assert fields["method"] == "GET"
    assert fields["path"] == f"/api/v1/customer/{uid}"
    assert fields["status"] == 200
    assert fields["request_id"] == "lb-7" == answer.headers["X-Request-Id"]
    assert fields["user"] == "admin"
    assert fields["graph_calls"] >= 1
    assert 0 < fields["graph_ms"] <= fields["ms"]
    text = lines[0].getMessage()
    assert text.startswith(f"GET /api/v1/customer/{uid} 200 ")
    assert "rid=lb-7 user=admin" in text


def test_json_lines_carry_the_request_id_of_the_audit_event_they_caused(
    app: Flask,
    client: FlaskClient,
    store: GraphStore,
    json_logs: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    auth = bearer(client)
    marker = latest_id(app)
    capsys.readouterr()
    created = client.post("/api/v1/customer/", json=CUSTOMER, headers=auth)
    assert created.status_code == 201
    [line] = _request_lines(capsys.readouterr().err)
    assert line["method"] == "POST" and line["path"] == "/api/v1/customer/"
    assert line["status"] == 201 and line["level"] == "INFO"
    assert line["request_id"] == created.headers["X-Request-Id"]
    assert line["graph_calls"] >= 1 and line["ms"] >= line["graph_ms"] > 0
    [event] = [e for e in events_after(app, marker) if e["action"] == "record_create"]
    assert json.loads(event["detail"])["request_id"] == line["request_id"]


def test_a_warning_written_while_serving_names_the_request(
    app: Flask, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with app.test_request_context("/", headers={"X-Request-Id": "warn-1"}):
        app.preprocess_request()
        logging.getLogger("app.audit_outbox").warning("audit log locked")
    [line] = [json.loads(x) for x in capsys.readouterr().err.splitlines() if "locked" in x]
    assert line == {
        "time": line["time"],
        "level": "WARNING",
        "logger": "app.audit_outbox",
        "message": "audit log locked",
        "request_id": "warn-1",
    }


def test_an_unknown_log_format_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="GRAPHCRM_LOG_FORMAT must be text or json"):
        config.load({"GRAPHCRM_LOG_FORMAT": "xml"})
    assert config.load({"GRAPHCRM_LOG_FORMAT": "JSON"})["GRAPHCRM_LOG_FORMAT"] == "json"
