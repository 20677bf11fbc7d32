"""The Cypher console: read-only by the engine, time-limited, capped, masked and audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit import AuditEvent
from graph.console import console
from graph.errors import InvalidValue, QueryTimeout, WriteRefused
from graph.model import nodes
from graph.store.protocol import GraphStore
from tests.statements import statement
from tests.test_pii import PHONE, repo
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

RUN = "/api/v1/console/run"
CSV = "/api/v1/console/csv"
SLOW = "UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b RETURN count(*)"
WRITES = [
    "CREATE (n:Customer {uid: 'x', name: 'x'})",
    "MERGE (n:Customer {uid: 'x'})",
    "MATCH (n) SET n.name = 'changed'",
    "MATCH (n) DELETE n",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) REMOVE n.name",
    "MATCH (n) SET n:Extra",
    "FOREACH (i IN [1, 2] | CREATE (:Customer {uid: toString(i)}))",
    "MATCH (n) WITH n LIMIT 1 CALL { WITH n CREATE (:Customer {uid: 'sub'}) } RETURN 1",
]
WRITE_PROCEDURES = {
    "falkordb": [
        "CALL db.idx.fulltext.createNodeIndex('Customer', 'industry')",
        "CALL db.idx.fulltext.drop('Customer')",
    ],
    "neo4j": ["CALL db.createLabel('Extra')", "CALL db.clearQueryCaches()"],
}


@pytest.fixture
def customers(app: Flask, store: GraphStore) -> list:
    made = []
    for i in range(20):
        values = {"name": f"Customer {i:02d}", "stage": "intent"}
        if i == 0:
            values["phone"] = PHONE
        made.append(repo(app, nodes.Customer).create(values, "setup"))
    return made


def run(store: GraphStore, text: str, **kwargs):  # type: ignore[no-untyped-def]
    return console.run_readonly(store, text, **kwargs)


@pytest.mark.parametrize("text", WRITES)
def test_every_write_clause_is_refused_and_nothing_changes(
    store: GraphStore, customers: list, text: str
) -> None:
    before = store.read(statement("node_dump_all"))
    with pytest.raises(WriteRefused, match="read-only console: writes are refused"):
        run(store, text)
    assert store.read(statement("node_dump_all")) == before


def test_write_procedures_are_refused(store: GraphStore, customers: list) -> None:
    before = store.read(statement("node_dump_all"))
    for text in WRITE_PROCEDURES[store.backend]:
        with pytest.raises(WriteRefused):
            run(store, text)
    assert store.read(statement("node_dump_all")) == before


def test_neo4j_server_refuses_writes_even_without_the_planner_check(
    store: GraphStore, customers: list
) -> None:
    # The console's guarantee is the engine's, not only our EXPLAIN check: the READ session.
    if store.backend != "neo4j":
        pytest.skip("Neo4j only: FalkorDB's one engine check, GRAPH.RO_QUERY, is tested above")
    before = store.read(statement("node_dump_all"))
    for text in [*WRITES, *WRITE_PROCEDURES["neo4j"][:1]]:
        with pytest.raises(WriteRefused):
            store._run_in_read_session(  # type: ignore[attr-defined]
                text, {}, timeout_ms=5_000, row_cap=10, planner_check=False
            )
    assert store.read(statement("node_dump_all")) == before


def test_slow_query_times_out_and_the_engine_still_answers(store: GraphStore) -> None:
    with pytest.raises(QueryTimeout):
        run(store, SLOW, timeout_ms=50)
    assert run(store, "RETURN 1 AS one").rows == [[1]]


def test_row_cap_truncates_with_a_notice(store: GraphStore) -> None:
    capped = run(store, "UNWIND range(1, 20) AS i RETURN i", row_cap=5)
    assert capped.truncated and capped.rows == [[1], [2], [3], [4], [5]]
    exact = run(store, "UNWIND range(1, 5) AS i RETURN i", row_cap=5)
    assert not exact.truncated and len(exact.rows) == 5


@pytest.mark.parametrize(
    "query",
    [
        "LOAD CSV FROM 'https://127.0.0.1:9/x.csv' AS row RETURN row",
        "load /* hidden */ csv with headers from $url as row return row",
    ],
)
def test_load_csv_cannot_make_the_server_fetch_urls(store: GraphStore, query: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        console.run_readonly(store, query, {"url": "https://127.0.0.1:9/x.csv"})
    assert caught.value.key == "load_csv"
    assert console.run_readonly(store, "RETURN 'LOAD CSV' AS text").rows == [["LOAD CSV"]]


@pytest.mark.parametrize("params", ["[1, 2]", "3", '"text"', "{not json", '{"bad name": 1}', "NaN"])
def test_parameters_must_be_a_json_object(params: str) -> None:
    with pytest.raises(InvalidValue):
        console.parse_params(params)


def test_parameters_are_passed_as_values(store: GraphStore) -> None:
    result = run(store, "RETURN $name AS name, $n + 1 AS next", params={"name": "O'Brien", "n": 41})
    assert result.columns == ["name", "next"] and result.rows == [["O'Brien", 42]]


def test_nodes_and_relationships_keep_their_structure(app: Flask, store: GraphStore) -> None:
    customers = repo(app, nodes.Customer)
    a = customers.create({"name": "Referrer co", "stage": "deal"}, "setup")
    customers.create({"name": "Referred co", "stage": "intent", "referred_by": a}, "setup")
    result = run(store, "MATCH p = (a:Customer)-[r:REFERRED]->(b:Customer) RETURN a, r, b, p")
    a_node, rel, b_node, path = result.rows[0]
    assert a_node["labels"] == ["Customer"] and a_node["properties"]["name"] == "Referrer co"
    assert rel["type"] == "REFERRED"
    assert (rel["start"], rel["end"]) == (a_node["id"], b_node["id"])
    assert [n["id"] for n in path["nodes"]] == [a_node["id"], b_node["id"]]
    assert {n["id"] for n in result.nodes} == {a_node["id"], b_node["id"]}
    assert [r["id"] for r in result.relationships] == [rel["id"]]


def test_sealed_values_are_masked_without_permission_and_opened_with_it(
    app: Flask, store: GraphStore, customers: list
) -> None:
    cipher = app.extensions["field_cipher"]
    text = "MATCH (c:Customer {uid: $uid}) RETURN c, c.phone AS phone, {p: c.phone} AS m"
    params = {"uid": customers[0].uid}
    masked = run(store, text, params=params, reveal=False, cipher=cipher)
    node, phone, projection = masked.rows[0]
    assert node["properties"]["phone"] == phone == projection["p"] == "138****5678"
    assert PHONE not in json.dumps(masked.rows) and "enc:v1:" not in json.dumps(masked.rows)
    opened = run(store, text, params=params, reveal=True, cipher=cipher)
    assert opened.rows[0][0]["properties"]["phone"] == opened.rows[0][1] == PHONE
    # Without the key nothing can be opened: hidden, never ciphertext or plaintext.
    keyless = run(store, text, params=params, reveal=True, cipher=None)
    assert keyless.rows[0][1] == console.HIDDEN


def test_history_entries_do_not_leak_personal_data(
    app: Flask, store: GraphStore, customers: list
) -> None:
    cipher = app.extensions["field_cipher"]
    result = run(store, "MATCH (c:Change) RETURN c.fields AS f", reveal=False, cipher=cipher)
    text = json.dumps(result.rows)
    assert "138****5678" in text and PHONE not in text and "enc:v1:" not in text


def test_starter_queries_run(app: Flask, store: GraphStore, customers: list) -> None:
    for starter in console.starters(store):
        assert starter.description
        run(store, starter.text, params=starter.params)


# Through the app: permission, masking by role, audit, CSV, page.


def last_event(app: Flask) -> int:
    """The id of the newest audit event (the log outlives each test)."""
    with app.app_context():
        return app.appbuilder.session.scalar(select(func.max(AuditEvent.id))) or 0


def audit_events(app: Flask, action: str, after: int) -> list[dict]:
    """Details of the ``action`` events after event ``after``, with their usernames."""
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > after)
        rows = app.appbuilder.session.execute(query.order_by(AuditEvent.id)).scalars()
        return [json.loads(event.detail) | {"user": event.username} for event in rows]


def test_marketing_gets_403_from_the_api_and_the_page(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    staff(app, store, "marketer", "Marketing")
    response = client.post(
        RUN, json={"query": "RETURN 1"}, headers=bearer(client, "marketer", PASSWORD)
    )
    assert response.status_code == 403
    login(client, "marketer", PASSWORD)
    assert client.get("/console/").status_code == 403
    assert client.post(RUN, json={"query": "RETURN 1"}).status_code == 403
    assert client.post(CSV, json={"query": "RETURN 1"}).status_code == 403


def test_analyst_sees_masked_phones_and_admin_the_real_ones(
    app: Flask, store: GraphStore, client: FlaskClient, customers: list
) -> None:
    staff(app, store, "analyst", "Analyst")
    query = {"query": "MATCH (c:Customer) WHERE c.phone IS NOT NULL RETURN c, c.phone AS phone"}
    analyst = client.post(RUN, json=query, headers=bearer(client, "analyst", PASSWORD))
    assert analyst.status_code == 200, analyst.json
    assert analyst.json["rows"][0][1] == "138****5678"
    assert analyst.json["graph"]["nodes"][0]["properties"]["phone"] == "138****5678"
    assert PHONE not in analyst.get_data(as_text=True)
    admin = client.post(RUN, json=query, headers=bearer(client))
    assert admin.json["rows"][0][1] == PHONE


def test_api_answers_errors_clearly_and_audits_every_run(
    app: Flask, store: GraphStore, client: FlaskClient, customers: list
) -> None:
    staff(app, store, "analyst", "Analyst")
    start = last_event(app)
    login(client, "analyst", PASSWORD)  # session auth, no CSRF token needed for the JSON API
    ok = client.post(RUN, json={"query": "MATCH (c:Customer) RETURN c.name AS name", "params": {}})
    assert ok.status_code == 200 and ok.json["columns"] == ["name"] and len(ok.json["rows"]) == 20
    refused = client.post(RUN, json={"query": "MATCH (n) DETACH DELETE n"})
    assert refused.status_code == 403 and refused.json["error"] == "write_refused"
    assert "writes are refused" in refused.json["message"]
    syntax = client.post(RUN, json={"query": "MATCH (n RETURN n"})
    assert syntax.status_code == 400 and syntax.json["error"] == "syntax"
    bad = client.post(RUN, json={"query": "RETURN $x", "params": [1]})
    assert bad.status_code == 400 and bad.json["error"] == "params"
    assert client.post(RUN, data="not json").status_code == 400
    assert len(store.read(statement("node_dump_all"))) >= 20
    events = audit_events(app, "console_query", start)
    assert [e["outcome"] for e in events] == ["ok", "write_refused", "syntax", "params"]
    first = events[0]
    assert first["user"] == "analyst" and first["rows"] == 20 and "duration_ms" in first
    assert first["query"] == "MATCH (c:Customer) RETURN c.name AS name"


def test_timeout_and_cap_come_from_config(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    start = last_event(app)
    app.config.update(GRAPHCRM_CONSOLE_TIMEOUT_MS=50, GRAPHCRM_CONSOLE_ROW_CAP=5)
    try:
        headers = bearer(client)
        slow = client.post(RUN, json={"query": SLOW}, headers=headers)
        assert slow.status_code == 504 and slow.json["error"] == "timeout"
        capped = client.post(
            RUN, json={"query": "UNWIND range(1, 20) AS i RETURN i"}, headers=headers
        )
        assert capped.json["truncated"] is True and len(capped.json["rows"]) == 5
    finally:
        app.config.update(GRAPHCRM_CONSOLE_TIMEOUT_MS=10_000, GRAPHCRM_CONSOLE_ROW_CAP=5_000)
    assert client.post(RUN, json={"query": "RETURN 1 AS one"}, headers=headers).json["rows"] == [
        [1]
    ]
    assert [e["outcome"] for e in audit_events(app, "console_query", start)][:2] == [
        "timeout",
        "ok",
    ]


def test_csv_export_reruns_the_query_and_is_audited(
    app: Flask, store: GraphStore, client: FlaskClient, customers: list
) -> None:
    staff(app, store, "analyst", "Analyst")
    start = last_event(app)
    headers = bearer(client, "analyst", PASSWORD)
    query = "MATCH (c:Customer) RETURN c.name AS name, c.phone AS phone ORDER BY name"
    response = client.post(CSV, json={"query": query}, headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["name", "phone"] and rows[1] == ["Customer 00", "138****5678"]
    assert len(rows) == 21
    exports = audit_events(app, "export", start)
    assert exports[-1]["outcome"] == "ok" and exports[-1]["rows"] == 20
    assert exports[-1]["user"] == "analyst"


def test_console_is_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/v1/_openapi", headers=bearer(client)).json
    paths = spec["paths"]
    assert "post" in paths["/api/v1/console/run"] and "post" in paths["/api/v1/console/csv"]
    assert "ConsoleResult" in spec["components"]["schemas"]


def test_console_page_lists_the_starters(app: Flask, client: FlaskClient) -> None:
    login(client)
    page = client.get("/console/").get_data(as_text=True)
    assert 'id="editor"' in page and "console_starter_top_referrers" in page
    assert "vendor/cypher-editor.js" in page and "vendor/cytoscape.min.js" in page
